"""Recorded computations: the one graph type, ``Node``, its recording trace, and ``Graph``.

A ``GraphTrace`` runs a function on concrete values and appends one ``Node`` per primitive
call that involves its tracers: the primitive, the parent node of each argument (``None``
for constants), the argument values one level down, the parameters and the output value.
The reverse pass (``transforms/reverse.py``) walks this list backwards.

``make_graph(f)(*args)`` records ``f`` with a ``RecordingTrace`` (every call, kept whole) and
returns a ``Graph`` holding those same nodes: it prints them (``graph_text``), walks them back
from an output to the inputs, draws them and replays them. ``compile`` simplifies such a
graph into another of the same type and generates code from it.
"""

from __future__ import annotations

import contextvars
import weakref
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from .core import PLAIN_VALUES, Primitive, Trace, Tracer, bind, float_pair, new_trace
from .core.tree import TreeDef, tree_flatten, tree_unflatten
from .core.views import (
    is_array_object,
    layout_hidden,
    layout_of,
    mark_array,
    record_elementwise_layout,
)
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


class _Valued:
    """The shape and dtype of a recorded ``value`` (of a ``Node`` or a ``Const``)."""

    __slots__ = ()
    value: Any

    @property
    def shape(self) -> tuple[int, ...]:
        """The value's shape."""
        value = self.value
        return tuple(value.shape) if isinstance(value, Tracer) else tuple(np.shape(value))

    @property
    def dtype(self) -> np.dtype:
        """The value's dtype."""
        value = self.value
        return np.dtype(value.dtype) if hasattr(value, "dtype") else np.result_type(value)


class Node(_Valued):
    """One value of a recorded computation: a graph input, or the result of a primitive call.

    The one graph type of the library. Reverse mode records a list of nodes and walks it
    backwards; ``make_graph`` and ``compile`` hold the same nodes in a ``Graph``, which prints,
    walks back, draws and replays them as they were recorded.

    A primitive with several results is one node whose value is the tuple of results, followed
    by one ``tuple_item`` node per result; a ``Graph`` lists the call and names the items.

    Attributes:
        primitive: the ``Primitive`` called, ``None`` for a graph input (a leaf).
        parents: the node behind each argument, ``None`` for a constant argument.
        args: the argument values (values one level down: tracers of an enclosing transform
            if the recording ran inside one).
        params: the keyword parameters (axis, shape, index...).
        value: the result (a stand-in of its shape and dtype where it was not kept).

    >>> import numpy as np
    >>> graph = make_graph(lambda x: np.sum(np.sin(x)))(np.zeros(2))
    >>> out = graph.outputs[0]
    >>> out.name, out.label, out.inputs[0].name, out.inputs[0].inputs[0].is_leaf
    ('sum', 'c', 'sin', True)
    """

    __slots__ = (
        "primitive",
        "parents",
        "args",
        "params",
        "value",
        "_label",
        "_items",
        "_no_grad",
        "__weakref__",
    )
    # set only where used (unset slots cost nothing when recording): the listing name (a
    # tuple of names for a call with several results), weak references to those results,
    # and the mark of a call recorded inside ``no_grad``
    _label: str | tuple[str, ...]
    _items: list[Callable[[], Node | None]]
    _no_grad: bool

    def __init__(
        self, primitive: Primitive | None, parents: list, args: list, params: dict, value: Any
    ) -> None:
        self.primitive = primitive
        self.parents = parents
        self.args = args
        self.params = params
        self.value = value

    # The graph view. A call with several results refers to its ``tuple_item`` nodes weakly,
    # so that a graph holds no reference cycle (an item refers to its call): a dropped graph
    # frees its values at once. An item referenced nowhere else is made again, alike in every
    # respect, when asked for.

    @property
    def is_leaf(self) -> bool:
        """True for a graph input: no primitive call produced it."""
        return self.primitive is None

    @property
    def node(self) -> Node | None:
        """The call that produced this value: itself, the call of a result, ``None`` for a leaf.

        With ``inputs`` and ``next_nodes`` it walks a graph back as PyTorch's ``grad_fn`` does.
        """
        if self.primitive is tuple_item:
            return self.parents[0]  # type: ignore[no-any-return]
        return None if self.primitive is None else self

    @property
    def name(self) -> str:
        """The primitive's name (e.g. ``"sin"``), ``"input"`` for a leaf."""
        node = self.node
        return "input" if node is None else node.primitive.name  # type: ignore[union-attr]

    @property
    def label(self) -> str:
        """The value's name in the graph's listing (``a``, ``b``, ...); ``?`` outside a graph."""
        label = getattr(self, "_label", None)
        return label if isinstance(label, str) else "?"

    @property
    def inputs(self) -> tuple[Node | Const, ...]:
        """The operands of the call: a ``Node`` per traced argument, a ``Const`` per constant."""
        node = self.node
        if node is None:
            return ()
        return tuple(
            Const(a) if p is None else p for p, a in zip(node.parents, node.args, strict=True)
        )

    @property
    def next_nodes(self) -> tuple[Node | None, ...]:
        """The call behind each input, ``None`` for graph inputs and constants.

        The counterpart of PyTorch's ``grad_fn.next_functions``: follow it repeatedly to walk
        from an output back to the leaves.
        """
        node = self.node
        if node is None:
            return ()
        return tuple(None if p is None else p.node for p in node.parents)

    @property
    def outputs(self) -> tuple[Node, ...]:
        """The values the call produced: itself, or one ``tuple_item`` node per result."""
        node = self.node
        if node is None:
            return (self,)
        if not node.primitive.multiple_results:  # type: ignore[union-attr]
            return (node,)
        items = getattr(node, "_items", None)
        if items is None:
            items = node._items = [lambda: None] * len(node.value)
        labels = getattr(node, "_label", None)
        out = []
        for i, ref in enumerate(items):
            item = ref()
            if item is None:  # referenced nowhere else: made again, the same in every respect
                item = Node(tuple_item, [node], [node.value], {"index": i}, node.value[i])
                if isinstance(labels, tuple):
                    item._label = labels[i]
                items[i] = weakref.ref(item)
            out.append(item)
        return tuple(out)

    @property
    def output(self) -> Node:
        """The single output (the first one for a call with several results)."""
        return self.outputs[0]

    @property
    def no_grad(self) -> bool:
        """True if the call was recorded inside a ``no_grad`` block; replay keeps it there."""
        node = self.node
        return node is not None and getattr(node, "_no_grad", False)

    @property
    def type(self) -> str:
        """Dtype and shape in the listing's notation, e.g. ``f64[2,3]``."""
        return format_type(self.dtype, self.shape)

    def forget_values(self) -> None:
        """Keep only the shapes and dtypes of traced values, and the constants (``compile``)."""
        value = self.value
        if self.primitive is not None and self.primitive.multiple_results:
            self.value = tuple(shape_stand_in(v) for v in value)
        else:
            self.value = shape_stand_in(value)
        self.args = [
            a if p is None else shape_stand_in(a)
            for p, a in zip(self.parents, self.args, strict=True)
        ]

    def __str__(self) -> str:
        if self.primitive is None:
            return f"{self.label}: {self.type}"
        return format_node(self.node)

    def __repr__(self) -> str:
        if self.primitive is None:
            return f"<Node {self.label}: {self.type} (input)>"
        if self.primitive is tuple_item or self.primitive.multiple_results:
            return f"<Node {format_node(self.node)}>"
        return f"<Node {format_node(self)}>"


# Nodes with an argument or output of at least this many bytes keep only the values their vjp
# rules read (``Primitive.reads``); the others become zero-cost stand-ins of the same shape and
# dtype.
KEEP_BELOW = 1 << 16


def is_large(x: Any) -> bool:
    """An array (or a traced array of an outer transform) of at least ``KEEP_BELOW`` bytes."""
    while isinstance(x, Tracer):
        x = x._value
    return type(x) is np.ndarray and x.nbytes >= KEEP_BELOW


# one read-only zero per dtype, which every stand-in of that dtype views with zero strides
_ZEROS: dict[np.dtype, np.ndarray] = {}


def shape_stand_in(x: Any) -> Any:
    """A zero-cost read-only array of zeros of the shape and dtype of ``x``.

    Python and NumPy scalars are returned as they are (nothing to free).

    >>> shape_stand_in(np.ones((2, 3))).strides
    (0, 0)
    """
    if not (type(x) is np.ndarray or isinstance(x, Tracer)):
        return x
    dtype, shape = x.dtype, x.shape
    zero = _ZEROS.get(dtype)
    if zero is None:
        if dtype.hasobject:  # NumPy makes no object array over a buffer
            return np.broadcast_to(np.zeros((), dtype), shape)
        zero = np.zeros(1, dtype)
        zero.flags.writeable = False
        _ZEROS[dtype] = zero
    # (the ndarray constructor: a fifth of the cost of np.broadcast_to)
    return np.ndarray(shape, dtype, zero, 0, (0,) * len(shape))


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
        """A tracer for an input of the traced function (an array if ``value`` is one)."""
        tracer = GraphTracer(self, value, Node(None, [], [], {}, value))
        if isinstance(value, Tracer) and is_array_object(value):
            # (under vmap: an example's 0-d value is an array), laid out as the value is
            layout = layout_of(value)
            mark_array(tracer, None if layout is None or layout.flags.c_contiguous else layout)
        return tracer

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
                return _laid_out(tuple(self.pure(o) for o in out), prim, args, params)
            constant = self.pure(out)
            if prim.elementwise and layout_hidden(out):  # (vmap beneath: x.T > 0 is transposed)
                record_elementwise_layout(constant, prim.impl, args, params)
            return constant
        vals = []
        parents: list[Node | None] = []
        below = None  # the highest trace under this one among the values
        derived = False  # some argument carries a derivative
        for a in args:
            kind = type(a)
            if kind is GraphTracer and a._trace is self:
                node = a._node
                a = a._value
                if node is not None:
                    derived = True
                kind = type(a)
            elif kind is np.ndarray:
                if a.flags.writeable:
                    # a plain array the program (or its caller) may write into later:
                    # the rules must read the values it has now (and the call its order:
                    # a ufunc lays its result out like its operands)
                    a = a.copy(order="K")
                vals.append(a)
                parents.append(None)
                continue
            else:
                node = None
            vals.append(a)
            parents.append(node)
            if (
                kind not in PLAIN_VALUES
                and isinstance(a, Tracer)
                and (below is None or a._trace.level > below.level)
            ):
                below = a._trace
        # (process takes any sequence of arguments, though annotated as a tuple)
        if below is not None:
            y = below.process(prim, vals, params)  # type: ignore[arg-type]
        elif self.observer is None:
            fast = prim.scalar_impl  # (two floats: the operator, ten times cheaper)
            if fast is not None and float_pair(vals, params):
                y = fast(*vals)
            else:
                y = prim.impl(*vals, **params)
        else:
            y = self.observer.evaluate(prim, prim.impl, vals, params)
        if not (derived or self.record_all):  # only constants: no derivative flows
            if prim.multiple_results:
                return _laid_out(tuple(self.pure(yi) for yi in y), prim, args, params)
            return self.pure(y)
        kind = type(y)
        if prim.reads is not None and (
            # an elementwise output is as large as any of its arguments (a plain array or
            # scalar: the common cases, checked in line)
            (
                y.nbytes >= KEEP_BELOW
                if kind is np.ndarray
                else kind is not np.float64 and is_large(y)
            )
            or (not prim.elementwise and any(is_large(v) for v in vals))
        ):
            node = _lean_node(prim, parents, vals, params, y, self.record_all)
        else:
            node = Node(prim, parents, vals, params, y)
        self.nodes.append(node)
        if prim.multiple_results:
            items = tuple(self._item(node, i, yi) for i, yi in enumerate(y))
            node._items = [weakref.ref(item._node) for item in items]
            return _laid_out(items, prim, args, params)
        out = GraphTracer(self, y, node)
        if prim.elementwise and kind is not np.float64 and layout_hidden(y):
            # (vmap beneath, or compile's stand-ins)
            record_elementwise_layout(out, prim.impl, args, params)
        return out

    def _item(self, node: Node, index: int, value: Any) -> GraphTracer:
        item = Node(tuple_item, [node], [node.value], {"index": index}, value)
        self.nodes.append(item)
        return GraphTracer(self, value, item)


def _laid_out(results: tuple, prim: Primitive, args: tuple, params: dict) -> tuple:
    """The results of an elementwise primitive with several (``np.frexp``, ``np.modf``), each
    laid out as NumPy lays it out where the values beneath hide it (vmap, compile)."""
    if prim.elementwise:
        for i, r in enumerate(results):
            if layout_hidden(r._value):
                record_elementwise_layout(r, prim.impl, args, params, i)
    return results


# ============================================================================ public graphs


class RecordingTrace(GraphTrace):
    """The trace of ``make_graph``: records every primitive call, differentiable or not.

    It does not differentiate, so ``no_grad`` leaves it running; instead, nodes recorded inside
    a ``no_grad`` block entered during the recording are marked, and replay computes them
    inside ``no_grad`` again.
    """

    __slots__ = ("grad_mode", "start_mode")

    differentiates = False
    replays = True

    def __init__(self, level: int, transform: str, grad_mode: contextvars.ContextVar) -> None:
        super().__init__(level, transform, record_all=True)
        self.grad_mode = grad_mode
        self.start_mode = grad_mode.get()

    def process(self, prim: Primitive, args: tuple, params: dict) -> Any:
        start = len(self.nodes)
        out = GraphTrace.process(self, prim, args, params)
        if self.in_no_grad():
            for node in self.nodes[start:]:
                node._no_grad = True
        return out

    def in_no_grad(self) -> bool:
        """True inside a ``no_grad`` block entered during the recording: calls recorded now
        are marked, and replayed inside ``no_grad`` again."""
        mode = self.grad_mode.get()
        return mode is not self.start_mode and mode is not None and not mode.enabled


class Const(_Valued):
    """A constant operand of a node: a value that did not depend on the graph's inputs."""

    __slots__ = ("value",)

    node = None  # a constant has no history, like a leaf

    def __init__(self, value: Any) -> None:
        self.value = value

    def __repr__(self) -> str:
        return f"Const({format_constant(self.value)})"


class Graph:
    """A recorded computation: inputs, primitive calls in execution order, outputs.

    Made by ``make_graph(f)(*args)``; ``compile`` keeps the simplified graph of each program.
    Its nodes are the recorded ``Node`` s themselves. ``print(graph)`` lists it one call a
    line; walk it back from ``graph.outputs[0]`` through ``node.inputs`` / ``node.next_nodes``
    to the inputs (``node.is_leaf``); ``graph(*new_args)`` replays it; ``graph.to_dot()`` and
    ``graph.render(path)`` draw it.

    Replay binds the recorded primitives again, so a graph is a function like any other:
    ``grad(graph)``, ``jvp(graph, ...)``, ``make_graph(graph)`` all work. It replays exactly
    what ran at recording time: the branches Python took (``if x > 0``), loop counts, and
    values computed outside primitives (indices, ``float(...)`` of constants) are fixed.

    Attributes:
        name: name of the recorded function.
        inputs: the input ``Node`` s (the leaves), in flat argument order.
        nodes: the primitive calls in execution order (a call with several results once).
        tape: every recorded node in execution order, ``tuple_item`` nodes included.
        outputs: one ``Node`` or ``Const`` per flat output.
        in_tree, out_tree: the pytree structures of the arguments and of the result.

    >>> import numpy as np
    >>> graph = make_graph(lambda x: np.sum(np.sin(x)))(np.zeros(2))
    >>> [node.name for node in graph.walk_back()]
    ['sum', 'sin']
    >>> float(graph(np.array([0.0, np.pi / 2])))
    1.0
    """

    def __init__(
        self,
        name: str,
        inputs: list[Node],
        tape: list[Node],
        outputs: list[Node | Const],
        in_tree: TreeDef,
        out_tree: TreeDef,
    ) -> None:
        self.name = name
        self.inputs = inputs
        self.tape = tape
        self.nodes = [node for node in tape if node.primitive is not tuple_item]
        self.outputs = outputs
        self.in_tree = in_tree
        self.out_tree = out_tree
        self.__name__ = f"graph_of_{name}"
        names = _names()
        for node in inputs:
            node._label = next(names)
        for node in tape:
            if node.primitive.multiple_results:  # type: ignore[union-attr]
                node._label = tuple(next(names) for _ in node.value)
            elif node.primitive is tuple_item:
                node._label = node.parents[0]._label[node.params["index"]]
            else:
                node._label = next(names)

    def __call__(self, *args: Any) -> Any:
        """Replay the graph on new arguments of the recorded shapes and dtypes."""
        flat, tree = tree_flatten(tuple(args))
        if tree != self.in_tree:
            raise ValueError(
                f"{self.__name__}: expected arguments structured as {self.in_tree}, given "
                f"{tree}; call the graph with the arguments it was recorded with (only those "
                "selected by argnums)"
            )
        env: dict[Node, Any] = {}
        for i, (node, x) in enumerate(zip(self.inputs, flat, strict=True)):
            env[node] = _check_argument(self.__name__, i, node, x)
        for node in self.tape:
            if node.primitive is tuple_item:
                env[node] = env[node.parents[0]][node.params["index"]]
                continue
            values = [
                a if p is None else env[p] for p, a in zip(node.parents, node.args, strict=True)
            ]
            if getattr(node, "_no_grad", False):
                from .transforms.control import no_grad

                with no_grad():
                    env[node] = bind(node.primitive, *values, **node.params)  # type: ignore[arg-type]
            else:
                env[node] = bind(node.primitive, *values, **node.params)  # type: ignore[arg-type]
        # (an array constant as a copy, as the recorded function made it anew each call: the
        # caller may write into it)
        outs = [
            env[x]
            if type(x) is Node
            else x.value.copy()
            if type(x.value) is np.ndarray
            else x.value
            for x in self.outputs
        ]
        return tree_unflatten(self.out_tree, outs)

    def walk_back(self, output: int | Node = 0) -> list[Node]:
        """Return the calls an output depends on, from the one that made it back to the first.

        Args:
            output: an index into ``outputs`` or a ``Node`` of this graph.

        Returns:
            The calls (``Node`` s of ``nodes``) that lead to ``output``, latest first.
        """
        if isinstance(output, int) and not -len(self.outputs) <= output < len(self.outputs):
            raise IndexError(
                f"walk_back: output {output} out of range: the graph has {len(self.outputs)} "
                f"output{'s' if len(self.outputs) != 1 else ''} (0 to {len(self.outputs) - 1})"
            )
        start = self.outputs[output] if isinstance(output, int) else output
        needed = {start} if type(start) is Node else set()
        path = []
        for node in reversed(self.tape):
            if node in needed:
                if node.primitive is not tuple_item:
                    path.append(node)
                needed.update(p for p in node.parents if p is not None)
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


def _check_argument(graph_name: str, index: int, var: Node, x: Any) -> Any:
    """A replay argument must have the recorded shape and dtype (Python numbers are cast)."""
    if isinstance(x, (bool, int, float, complex)):
        x = np.asarray(x, dtype=np.result_type(x, var.dtype))
    elif not isinstance(x, (np.ndarray, np.generic, Tracer)):
        x = np.asarray(x)
    shape, dtype = tuple(np.shape(x)), np.dtype(x.dtype)
    if shape != var.shape or dtype != var.dtype:
        raise ValueError(
            f"{graph_name}: argument leaf {index} ({var.label}) was recorded as {var.type} but "
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
    """The trace's nodes as a ``Graph`` (the outputs that are not traced become constants)."""
    outputs: list[Node | Const] = []
    for x in out_flat:
        node = trace.node_of(x)
        outputs.append(Const(trace.lower(x)) if node is None else node)
    return Graph(name, in_nodes, trace.nodes, outputs, in_tree, out_tree)


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
