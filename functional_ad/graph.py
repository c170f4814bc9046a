"""Recorded computations: the reverse-mode recording trace and the public ``Graph``.

The first half is the hot path of reverse mode. A ``GraphTrace`` runs the function on
concrete values and appends one ``Node`` per primitive call that involves its tracers. Nodes
hold the primitive, the parent node of each argument (``None`` for constants), the argument
values one level down, the parameters and the output value. The reverse pass
(``transforms/vjp.py``) walks this list backwards.

The second half is for people: ``make_graph(f)(*args)`` records ``f`` with a
``RecordingTrace`` and returns a ``Graph`` of named values (``Var``), constants (``Const``)
and primitive calls (``GraphNode``) that can be printed, walked back from an output to the
inputs, drawn (``graph_text``) and replayed on new arguments.
"""

from __future__ import annotations

import contextvars
import weakref
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from .core import Primitive, Trace, Tracer, bind, new_trace
from .core.tree import TreeDef, tree_flatten, tree_unflatten
from .graph_text import (
    format_constant,
    format_graph,
    format_node,
    format_type,
    render,
    repr_html,
    repr_svg,
    to_dot,
)


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


# Nodes with an argument or output of at least this many bytes keep only the values their vjp
# rules read (``Primitive.reads``); the others become zero-cost stand-ins of the same shape and
# dtype. Deferred tangents of forward mode use the same bound.
KEEP_BELOW = 1 << 16


def is_large(x: Any) -> bool:
    """An array (or a traced array of an outer transform) of at least ``KEEP_BELOW`` bytes."""
    while isinstance(x, Tracer):
        x = x._value
    return type(x) is np.ndarray and x.nbytes >= KEEP_BELOW


def shape_stand_in(x: Any) -> Any:
    """A zero-cost array of the shape and dtype of ``x`` (scalars are returned as they are)."""
    if not (type(x) is np.ndarray or isinstance(x, Tracer)):
        return x  # Python and NumPy scalars: nothing to free
    return np.broadcast_to(np.zeros((), x.dtype), x.shape)


def _lean_node(
    prim: Primitive, parents: list, vals: list, params: dict, y: Any, record_all: bool
) -> Node:
    """A node holding only what the vjp rules of its differentiated inputs read."""
    if record_all:  # a graph to show or replay keeps every value
        return Node(prim, parents, vals, params, y)
    needed: set[int] = set()
    for parent, reads in zip(parents, prim.reads, strict=True):  # type: ignore[arg-type]
        if parent is not None:
            needed.update(reads)
    kept = [v if i in needed else shape_stand_in(v) for i, v in enumerate(vals)]
    return Node(prim, parents, kept, params, y if -1 in needed else shape_stand_in(y))


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
        self._alias = None


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

    def is_constant(self, x: Tracer) -> bool:
        return getattr(x, "_node", None) is None

    def node_of(self, x: Any) -> Node | None:
        """The node behind ``x`` if it is a tracer of this trace."""
        return x._node if isinstance(x, GraphTracer) and x._trace is self else None

    def process(self, prim: Primitive, args: tuple, params: dict) -> Any:
        if not self.active:
            return self.process_inactive(prim, args, params)
        if not (prim.differentiable or self.record_all):
            out = bind(prim, *[self.lower(a) for a in args], **params)
            if not any(type(a) is GraphTracer and a._trace is self for a in args):
                return out
            # still traced (as a constant), so that it can be written into like its arguments
            if prim.multiple_results:
                return tuple(self.pure(o) for o in out)
            return self.pure(out)
        vals = []
        parents: list[Node | None] = []
        below = None  # the highest trace under this one among the values
        derived = False  # some argument carries a derivative
        for a in args:
            if type(a) is GraphTracer and a._trace is self:
                a, node = a._value, a._node
                if node is not None:
                    derived = True
            else:
                node = None
                if type(a) is np.ndarray:
                    if a.flags.writeable:
                        # a plain array the program (or its caller) may write into later:
                        # the rules must read the values it has now
                        a = a.copy()
                    vals.append(a)
                    parents.append(None)
                    continue
            vals.append(a)
            parents.append(node)
            if isinstance(a, Tracer) and (below is None or a._trace.level > below.level):
                below = a._trace
        # (process takes any sequence of arguments, though annotated as a tuple)
        if below is not None:
            y = below.process(prim, vals, params)  # type: ignore[arg-type]
        elif self.observer is None:
            y = prim.impl(*vals, **params)
        else:
            y = self.observer.evaluate(prim, prim.impl, vals, params)
        if not (derived or self.record_all):  # only constants: no derivative flows
            if prim.multiple_results:
                return tuple(self.pure(yi) for yi in y)
            return self.pure(y)
        if prim.reads is not None and (
            # an elementwise output is as large as any of its arguments (a plain array: the
            # common case, checked in line)
            (y.nbytes >= KEEP_BELOW if type(y) is np.ndarray else is_large(y))
            or (not prim.elementwise and any(is_large(v) for v in vals))
        ):
            node = _lean_node(prim, parents, vals, params, y, self.record_all)
        else:
            node = Node(prim, parents, vals, params, y)
        self.nodes.append(node)
        if prim.multiple_results:
            return tuple(self._item(node, i, yi) for i, yi in enumerate(y))
        return GraphTracer(self, y, node)

    def _item(self, node: Node, index: int, value: Any) -> GraphTracer:
        item = Node(tuple_item, [node], [node.value], {"index": index}, value)
        self.nodes.append(item)
        return GraphTracer(self, value, item)


# ============================================================================ public graphs


class RecordingTrace(GraphTrace):
    """The trace of ``make_graph``: records every primitive call, differentiable or not.

    It does not differentiate, so ``no_grad`` leaves it running; instead, nodes recorded inside
    a ``no_grad`` block entered during the recording are remembered, and replay computes them
    inside ``no_grad`` again.
    """

    __slots__ = ("no_grad_nodes", "grad_mode", "start_mode")

    differentiates = False
    replays = True

    def __init__(self, level: int, transform: str, grad_mode: contextvars.ContextVar) -> None:
        super().__init__(level, transform, record_all=True)
        self.no_grad_nodes: set[Node] = set()
        self.grad_mode = grad_mode
        self.start_mode = grad_mode.get()

    def process(self, prim: Primitive, args: tuple, params: dict) -> Any:
        start = len(self.nodes)
        out = GraphTrace.process(self, prim, args, params)
        mode = self.grad_mode.get()
        if mode is not self.start_mode and mode is not None and not mode.enabled:
            self.no_grad_nodes.update(self.nodes[start:])
        return out


class Var:
    """A named array of a ``Graph``: a graph input (a leaf) or the output of one node.

    Attributes:
        name: its name in the listing (``a``, ``b``, ...).
        shape, dtype: of the value recorded.
        node: the ``GraphNode`` that produced it, ``None`` for a graph input.
        value: the value it had when the graph was recorded (a tracer if ``make_graph``
            ran inside another transform).
    """

    __slots__ = ("name", "shape", "dtype", "node", "value", "__weakref__")

    def __init__(self, name: str, value: Any, node: GraphNode | None = None) -> None:
        self.name = name
        self.value = value
        self.shape = tuple(np.shape(value)) if not isinstance(value, Tracer) else value.shape
        self.dtype = np.dtype(value.dtype) if hasattr(value, "dtype") else np.result_type(value)
        self.node = node

    @property
    def is_leaf(self) -> bool:
        """True for a graph input: no node produced it."""
        return self.node is None

    @property
    def type(self) -> str:
        """Dtype and shape in the listing's notation, e.g. ``f64[2,3]``."""
        return format_type(self.dtype, self.shape)

    def __repr__(self) -> str:
        return f"Var({self.name}: {self.type})"


class Const:
    """A constant operand of a node: a value that did not depend on the graph's inputs."""

    __slots__ = ("value",)

    node = None  # a constant has no history, like a leaf

    def __init__(self, value: Any) -> None:
        self.value = value

    @property
    def shape(self) -> tuple[int, ...]:
        value = self.value
        return tuple(value.shape) if isinstance(value, Tracer) else tuple(np.shape(value))

    @property
    def dtype(self) -> np.dtype:
        value = self.value
        return np.dtype(value.dtype) if hasattr(value, "dtype") else np.result_type(value)

    def __repr__(self) -> str:
        return f"Const({format_constant(self.value)})"


class GraphNode:
    """One primitive call of a ``Graph``: ``outputs = primitive(*inputs, **params)``.

    Attributes:
        primitive: the ``Primitive`` called (its ``name`` is shown in the listing).
        inputs: one ``Var`` or ``Const`` per positional argument.
        params: the keyword parameters (axis, shape, index...).
        outputs: the ``Var`` s it produced (one, or several for multi-result primitives).
        no_grad: True if it was recorded inside a ``no_grad`` block; replay keeps it there.
    """

    # A node refers to its outputs weakly, so that a graph holds no reference cycle (a Var
    # refers to its node): a dropped graph frees its recorded values at once. An output no
    # longer referenced anywhere is made again, alike, from its name and value when asked for.
    __slots__ = ("primitive", "inputs", "params", "_outputs", "_made_from", "no_grad")

    def __init__(
        self,
        primitive: Primitive,
        inputs: Sequence[Var | Const],
        params: dict,
        outputs: Sequence[Var],
        no_grad: bool = False,
    ) -> None:
        self.primitive = primitive
        self.inputs = tuple(inputs)
        self.params = params
        self._outputs = [weakref.ref(v) for v in outputs]
        self._made_from = [(v.name, v.value) for v in outputs]
        self.no_grad = no_grad

    @property
    def outputs(self) -> tuple[Var, ...]:
        """The ``Var`` s it produced (one, or several for multi-result primitives)."""
        out = []
        for i, ref in enumerate(self._outputs):
            var = ref()
            if var is None:  # referenced nowhere else: made again, the same in every respect
                name, value = self._made_from[i]
                var = Var(name, value, self)
                self._outputs[i] = weakref.ref(var)
            out.append(var)
        return tuple(out)

    def forget_values(self) -> None:
        """Keep only the shapes and dtypes of the output values (see ``compile``)."""
        for var in self.outputs:
            var.value = shape_stand_in(var.value)
        self._made_from = [(name, shape_stand_in(value)) for name, value in self._made_from]

    @property
    def name(self) -> str:
        """The primitive's name, e.g. ``"sin"``."""
        return self.primitive.name

    @property
    def output(self) -> Var:
        """The single output (the first one for a multi-result primitive)."""
        return self.outputs[0]

    @property
    def next_nodes(self) -> tuple[GraphNode | None, ...]:
        """The node behind each input, ``None`` for graph inputs and constants.

        The counterpart of PyTorch's ``grad_fn.next_functions``: follow it repeatedly to walk
        from an output back to the leaves.
        """
        return tuple(x.node for x in self.inputs)

    def __str__(self) -> str:
        return format_node(self)

    def __repr__(self) -> str:
        return f"<GraphNode {format_node(self)}>"


class Graph:
    """A recorded computation: inputs, primitive calls in execution order, outputs.

    Made by ``make_graph(f)(*args)``. ``print(graph)`` lists it one node a line; walk it back
    from ``graph.outputs[0].node`` through ``node.inputs`` / ``node.next_nodes`` to the inputs
    (``var.is_leaf``); ``graph(*new_args)`` replays it; ``graph.to_dot()`` and
    ``graph.render(path)`` draw it.

    Replay binds the recorded primitives again, so a graph is a function like any other:
    ``grad(graph)``, ``jvp(graph, ...)``, ``make_graph(graph)`` all work. It replays exactly
    what ran at recording time: the branches Python took (``if x > 0``), loop counts, and
    values computed outside primitives (indices, ``float(...)`` of constants) are fixed.

    Attributes:
        name: name of the recorded function.
        inputs: the flat list of input ``Var`` s (the leaves), in argument order.
        nodes: the ``GraphNode`` s in execution order.
        outputs: one ``Var`` or ``Const`` per flat output.
        in_tree, out_tree: the pytree structures of the arguments and of the result.

    >>> import numpy as np
    >>> graph = make_graph(lambda x: np.sum(np.sin(x)))(np.zeros(2))
    >>> [node.primitive.name for node in graph.walk_back()]
    ['sum', 'sin']
    >>> float(graph(np.array([0.0, np.pi / 2])))
    1.0
    """

    def __init__(
        self,
        name: str,
        inputs: list[Var],
        nodes: list[GraphNode],
        outputs: list[Var | Const],
        in_tree: TreeDef,
        out_tree: TreeDef,
    ) -> None:
        self.name = name
        self.inputs = inputs
        self.nodes = nodes
        self.outputs = outputs
        self.in_tree = in_tree
        self.out_tree = out_tree
        self.__name__ = f"graph_of_{name}"

    def __call__(self, *args: Any) -> Any:
        """Replay the graph on new arguments of the recorded shapes and dtypes."""
        flat, tree = tree_flatten(tuple(args))
        if tree != self.in_tree:
            raise ValueError(
                f"{self.__name__}: expected arguments structured as {self.in_tree}, given "
                f"{tree}; call the graph with the arguments it was recorded with (only those "
                "selected by argnums)"
            )
        env: dict[Var, Any] = {}
        for i, (var, x) in enumerate(zip(self.inputs, flat, strict=True)):
            env[var] = _check_argument(self.__name__, i, var, x)
        for node in self.nodes:
            # (the ignore: a list under the name of the *args tuple)
            args = [env[x] if type(x) is Var else x.value for x in node.inputs]  # type: ignore[assignment]
            if node.no_grad:
                from .transforms.control import no_grad

                with no_grad():
                    y = bind(node.primitive, *args, **node.params)
            else:
                y = bind(node.primitive, *args, **node.params)
            if node.primitive.multiple_results:
                env.update(zip(node.outputs, y, strict=True))
            else:
                env[node.outputs[0]] = y
        outs = [env[x] if type(x) is Var else x.value for x in self.outputs]
        return tree_unflatten(self.out_tree, outs)

    def walk_back(self, output: int | Var = 0) -> list[GraphNode]:
        """Return the nodes an output depends on, from the one that made it back to the first.

        Args:
            output: an index into ``outputs`` or a ``Var`` of this graph.

        Returns:
            The ``GraphNode`` s that lead to ``output``, in reverse execution order.
        """
        if isinstance(output, int) and not -len(self.outputs) <= output < len(self.outputs):
            raise IndexError(
                f"walk_back: output {output} out of range: the graph has {len(self.outputs)} "
                f"output{'s' if len(self.outputs) != 1 else ''} (0 to {len(self.outputs) - 1})"
            )
        start = self.outputs[output] if isinstance(output, int) else output
        needed = {start} if type(start) is Var else set()
        path = []
        for node in reversed(self.nodes):
            if any(v in needed for v in node.outputs):
                path.append(node)
                needed.update(x for x in node.inputs if type(x) is Var)
        return path

    def to_dot(self) -> str:
        """Return the graph as Graphviz DOT text (see ``graph_text.to_dot``)."""
        return to_dot(self)

    def render(self, path: str, format: str | None = None) -> str:
        """Draw the graph to an image file with the ``graphviz`` package; return the path.

        Needs ``pip install functional_ad[viz]`` and the Graphviz ``dot`` program
        (see ``graph_text.render``).
        """
        return render(self, path, format)

    def _repr_svg_(self) -> str:
        """The drawing for notebooks (Graphviz), or the listing as an image without it."""
        return repr_svg(self)

    def _repr_html_(self) -> str:
        """The drawing above the listing, for notebooks."""
        return repr_html(self)

    def __str__(self) -> str:
        return format_graph(self)

    def __repr__(self) -> str:
        return (
            f"<Graph {self.name}: {len(self.inputs)} inputs, {len(self.nodes)} nodes, "
            f"{len(self.outputs)} outputs>"
        )


def _check_argument(graph_name: str, index: int, var: Var, x: Any) -> Any:
    """A replay argument must have the recorded shape and dtype (Python numbers are cast)."""
    if isinstance(x, (bool, int, float, complex)):
        x = np.asarray(x, dtype=np.result_type(x, var.dtype))
    elif not isinstance(x, (np.ndarray, np.generic, Tracer)):
        x = np.asarray(x)
    shape, dtype = tuple(np.shape(x)), np.dtype(x.dtype)
    if shape != var.shape or dtype != var.dtype:
        raise ValueError(
            f"{graph_name}: argument leaf {index} ({var.name}) was recorded as {var.type} but "
            f"{format_type(dtype, shape)} was given; a graph replays only on values of the "
            "recorded shapes and dtypes, record a new one with make_graph for others"
        )
    return x


def make_graph(
    f: Callable[..., Any], argnums: int | Sequence[int] | None = None
) -> Callable[..., Graph]:
    """Return a function that runs ``f`` on its arguments and returns the ``Graph`` recorded.

    Every primitive call on the graph's inputs, or on values computed from them, becomes a
    node (non-differentiable ones such as comparisons too). Transforms called inside ``f``
    are recorded as the primitives they run: ``make_graph(grad(f))(x)`` shows the forward and
    the backward computation of the gradient together.

    Args:
        f: a function of arrays or pytrees of arrays.
        argnums: which positional arguments are graph inputs (``None``: all); the others,
            and keyword arguments, are constants baked into the graph.

    Returns:
        A function taking ``f``'s arguments and returning a ``Graph``. The graph, called,
        takes only the arguments selected by ``argnums``.

    >>> import numpy as np
    >>> print(make_graph(lambda a: np.sum(2.0 * np.sin(a) + 1.0))(np.zeros(3)))
    graph(a: f64[3]) {
      b: f64[3] = sin a
      c: f64[3] = mul 2.0 b
      d: f64[3] = add c 1.0
      e: f64[] = sum d
      return e
    }
    """
    name = getattr(f, "__name__", type(f).__name__)

    def make_graph_f(*args: Any, **kwargs: Any) -> Graph:
        from .transforms.control import grad_mode

        nums = _argnums(argnums, len(args))
        flat, in_tree = tree_flatten(tuple(args[i] for i in nums))
        values = [
            x if isinstance(x, (np.ndarray, np.generic, Tracer)) else np.asarray(x) for x in flat
        ]
        with new_trace(RecordingTrace, "make_graph", grad_mode) as trace:
            ins = [trace.new_input(v) for v in values]
            in_nodes = [x._node for x in ins]  # (f may write into its arguments)
            full = list(args)
            for i, x in zip(nums, tree_unflatten(in_tree, ins), strict=True):
                full[i] = x
            out_flat, out_tree = tree_flatten(f(*full, **kwargs))
            return _build_graph(name, trace, in_nodes, in_tree, out_flat, out_tree)

    make_graph_f.__name__ = make_graph_f.__qualname__ = f"make_graph_of_{name}"
    make_graph_f.__doc__ = f"Record the graph of {name}."
    return make_graph_f


def _argnums(argnums: int | Sequence[int] | None, n: int) -> tuple[int, ...]:
    if argnums is None:
        return tuple(range(n))
    from .transforms.common import check_argnums  # (importing transforms imports this module)

    _, nums = check_argnums(argnums, "make_graph")
    for i in nums:
        if not -n <= i < n:
            raise ValueError(f"make_graph: argnums {argnums} out of range for {n} arguments")
    return tuple(int(i) % n for i in nums)


def _build_graph(
    name: str,
    trace: RecordingTrace,
    in_nodes: list[Node],
    in_tree: TreeDef,
    out_flat: list[Any],
    out_tree: TreeDef,
) -> Graph:
    """Turn the trace's nodes into named ``Var`` s and ``GraphNode`` s."""
    names = _names()
    var_of: dict[Node, Var] = {}
    inputs = []
    for node in in_nodes:
        var_of[node] = var = Var(next(names), node.value)
        inputs.append(var)

    def operand(parent: Node | None, value: Any) -> Var | Const:
        var = var_of.get(parent) if parent is not None else None
        return Const(value) if var is None else var

    nodes = []
    multi_outputs: dict[Node, tuple[Var, ...]] = {}
    # (the ignores: recorded nodes all have a primitive, only inputs have none)
    for node in trace.nodes:
        if node.prim is tuple_item:  # element of a multi-result node: already named there
            var_of[node] = multi_outputs[node.parents[0]][node.params["index"]]
            continue
        values = node.value if node.prim.multiple_results else (node.value,)  # type: ignore[union-attr]
        outputs = [Var(next(names), v) for v in values]
        graph_node = GraphNode(
            node.prim,  # type: ignore[arg-type]
            [operand(p, a) for p, a in zip(node.parents, node.args, strict=True)],
            node.params,
            outputs,
            node in trace.no_grad_nodes,
        )
        for var in outputs:
            var.node = graph_node
        nodes.append(graph_node)
        if node.prim.multiple_results:  # type: ignore[union-attr]
            multi_outputs[node] = tuple(outputs)
        else:
            var_of[node] = outputs[0]
    # (the ignores: ``outputs`` now names the graph's outputs, a Var or a Const each)
    outputs = [operand(trace.node_of(o), trace.lower(o)) for o in out_flat]  # type: ignore[misc]
    return Graph(name, inputs, nodes, outputs, in_tree, out_tree)  # type: ignore[arg-type]


def _names() -> Iterator[str]:
    """a, b, ..., z, aa, ab, ...: the names of a graph's values in order of creation."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    n = 0
    while True:
        name, k = "", n
        while True:
            name = letters[k % 26] + name
            k = k // 26 - 1
            if k < 0:
                break
        yield name
        n += 1
