"""The recording trace: Node, GraphTracer and GraphTrace, which record a computation as it runs.

A ``GraphTrace`` runs the function on concrete values and appends one ``Node`` per primitive
call that involves its tracers. Nodes hold the primitive, the parent node of each argument
(``None`` for constants), the argument values one level down, the parameters and the output
value. The reverse pass (``transforms/vjp.py``) walks this list backwards.
"""

from __future__ import annotations

from typing import Any

from .core import Primitive, Trace, Tracer, bind


class Node:
    """One recorded value: the primitive call that produced it, or an input (``prim is None``)."""

    __slots__ = ("prim", "parents", "args", "params", "value", "__weakref__")

    def __init__(
        self, prim: Primitive | None, parents: list, args: list, params: dict, value: Any
    ) -> None:
        self.prim = prim
        self.parents = parents
        self.args = args
        self.params = params
        self.value = value

    def __repr__(self) -> str:
        name = "input" if self.prim is None else self.prim.name
        return f"<Node {name} {getattr(self.value, 'shape', ())}>"


# Pseudo-primitive for element ``index`` of a primitive with multiple results.
tuple_item = Primitive("tuple_item", lambda parent, index: parent[index])


class GraphTracer(Tracer):
    """A value recorded by a ``GraphTrace``: the handle points at the node that made it.

    The handle is mutable (item assignment records a new node and repoints the handle);
    nodes are not.
    """

    __slots__ = ("_node",)

    def __init__(self, trace: GraphTrace, value: Any, node: Node) -> None:
        self._trace = trace
        self._value = value
        self._node = node


class GraphTrace(Trace):
    """Record every differentiable primitive call on its tracers into ``nodes``."""

    __slots__ = ("nodes", "record_all")

    def __init__(self, level: int, transform: str, record_all: bool = False) -> None:
        super().__init__(level, transform)
        self.nodes: list[Node] = []
        self.record_all = record_all

    def new_input(self, value: Any) -> GraphTracer:
        """A tracer for an input of the traced function."""
        return GraphTracer(self, value, Node(None, [], [], {}, value))

    def pure(self, value: Any) -> GraphTracer:
        """A tracer of this trace holding a constant (it has no node: no derivative flows)."""
        return GraphTracer(self, value, None)  # type: ignore[arg-type]

    def node_of(self, x: Any) -> Node | None:
        """The node behind ``x`` if it is a tracer of this trace."""
        return x._node if isinstance(x, GraphTracer) and x._trace is self else None

    def process(self, prim: Primitive, args: tuple, params: dict) -> Any:
        if not self.active:
            return self.process_inactive(prim, args, params)
        if not (prim.differentiable or self.record_all):
            return bind(prim, *[self.lower(a) for a in args], **params)
        vals = []
        parents = []
        below = None  # the highest trace under this one among the values
        for a in args:
            if type(a) is GraphTracer and a._trace is self:
                a, node = a._value, a._node
            else:
                node = None
            vals.append(a)
            parents.append(node)
            if isinstance(a, Tracer) and (below is None or a._trace.level > below.level):
                below = a._trace
        y = prim.impl(*vals, **params) if below is None else below.process(prim, vals, params)
        node = Node(prim, parents, vals, params, y)
        self.nodes.append(node)
        if prim.multiple_results:
            return tuple(self._item(node, i, yi) for i, yi in enumerate(y))
        return GraphTracer(self, y, node)

    def _item(self, node: Node, index: int, value: Any) -> GraphTracer:
        item = Node(tuple_item, [node], [node.value], {"index": index}, value)
        self.nodes.append(item)
        return GraphTracer(self, value, item)
