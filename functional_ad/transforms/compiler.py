"""compile: record a function's graph once per signature, simplify it, replay it as NumPy code.

Recording runs ``f`` under a ``CompileTrace``, which records every primitive call (transforms
inside ``f`` included: ``compile(grad(f))`` records the forward and the backward pass) and
refuses to let a traced value's concrete value escape: Python control flow on it raises, so
a compiled function never replays a stale branch. The graph is then simplified and turned
into straight-line Python source calling each primitive's NumPy implementation.
"""

from __future__ import annotations

import functools
import math
import re
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from typing import Any

import numpy as np

from ..core import ConcreteValueError, Primitive, Tracer, concrete, new_trace
from ..core.tree import tree_flatten, tree_leaves, tree_unflatten
from ..core.views import layout_of, strided_like
from ..graph import (
    Const,
    Graph,
    GraphTracer,
    Node,
    RecordingTrace,
    _build_graph,
    shape_stand_in,
    tuple_item,
)
from ..ops.constants import VALUE_SHAPED
from . import fused
from .common import as_value, owned_results


class CompileTrace(RecordingTrace):
    """The recording trace of ``compile``: no concrete value may leave it.

    A node that depends on the inputs keeps only the shapes and dtypes of its values (the
    program runs on new ones): the recording frees each intermediate when its tracer goes,
    as an eager transform does, instead of holding every array it made until it ends.
    Nodes of constants keep their values, which simplification folds.

    With ``stand_ins``, a ufunc of values that depend on the inputs is not computed: nothing
    may read those values, so its result is an array of zeros of the shape and dtype NumPy
    gives (C order; a result NumPy would lay out otherwise is computed). Recording then
    costs little more than the Python it runs, whatever the size of the arrays.
    """

    __slots__ = ("derived", "stand_ins", "_zeros")
    opaque = True

    def __init__(self, level: int, transform: str, grad_mode: Any, stand_ins: bool = False) -> None:
        super().__init__(level, transform, grad_mode)
        self.derived: set[int] = set()  # ids of the nodes that depend on the inputs
        self.stand_ins = stand_ins
        # the ufunc results recorded so far, by id: zeros held with zero strides (no memory
        # written), laid out as NumPy's C-ordered arrays before anything but a ufunc reads one
        self._zeros: dict[int, np.ndarray] = {}

    def new_input(self, value: Any) -> Any:
        tracer = RecordingTrace.new_input(self, value)
        self.derived.add(id(tracer._node))
        return tracer

    def process(self, prim: Primitive, args: tuple, params: dict) -> Any:
        if prim in VALUE_SHAPED and self.active:
            raise ConcreteValueError(
                self,
                f"compile: numpy.{prim.name} of a traced argument has an output shape that "
                "depends on its values, so one recorded program cannot replay it on other "
                "values. Pass the argument as static (compile(f, static_argnums=...)), or "
                "keep shapes fixed (np.where(mask, x, 0) instead of x[np.nonzero(mask)]).",
            )
        if (
            self.stand_ins
            and type(prim.impl) is np.ufunc
            and not params
            and not prim.multiple_results
            and self.active
            and self.observer is None
        ):
            out = self._stand_in(prim, args)
            if out is not None:
                return out
        if self._zeros:
            self._lay_out(args)
        start = len(self.nodes)
        out = RecordingTrace.process(self, prim, args, params)
        derived = self.derived
        for node in self.nodes[start:]:  # (the call, then one tuple_item per result)
            if any(p is not None and id(p) in derived for p in node.parents):
                derived.add(id(node))
                node.forget_values()
                if node.primitive is tuple_item:  # (its argument: the call's results)
                    node.args = [node.parents[0].value]
        return out

    def _stand_in(self, prim: Primitive, args: tuple) -> Any:
        """Record the ufunc ``prim`` on ``args`` with zeros for its result, or return ``None``
        for the usual path: no argument depends on the inputs, one is traced beneath, the
        result is a NumPy scalar or not a number, or NumPy would not lay it out in C order."""
        vals: list[Any] = []
        parents: list[Node | None] = []
        derived = False
        for a in args:
            if type(a) is GraphTracer and a._trace is self:
                node, value = a._node, a._value
                if isinstance(value, Tracer):
                    return None
                if node is not None and id(node) in self.derived:
                    derived = True
                if type(value) is np.ndarray and value.ndim > 1:
                    layout = layout_of(a)
                    if layout is not None and not layout.flags.c_contiguous:
                        return None
            elif isinstance(a, Tracer):
                return None
            else:
                node, value = None, a
                if type(value) is np.ndarray:
                    if value.ndim > 1 and not value.flags.c_contiguous:
                        return None
                    if value.flags.writeable:  # (a constant the caller could still change)
                        value = value.copy()
            vals.append(value)
            parents.append(node)
        arrays = [v for v in vals if type(v) is np.ndarray]
        if not derived or not arrays:
            return None
        try:
            shape = np.broadcast_shapes(*(v.shape for v in arrays))
            # (the dtype NumPy gives: of one element of each array, the scalars as they are)
            probe = prim.impl(*[np.zeros(1, v.dtype) if type(v) is np.ndarray else v for v in vals])
        except Exception:  # (NumPy's own error, raised by the usual path)
            return None
        if not shape or type(probe) is not np.ndarray or probe.dtype.kind not in "biufc":
            return None
        # (a buffer of its own: stand-ins share no memory, as NumPy's results share none)
        y = np.ndarray(shape, probe.dtype, np.zeros(1, probe.dtype), 0, (0,) * len(shape))
        y.flags.writeable = False
        self._zeros[id(y)] = y
        kept = [v if p is None else shape_stand_in(v) for p, v in zip(parents, vals, strict=True)]
        node = Node(prim, parents, kept, {}, shape_stand_in(y))
        if self.in_no_grad():
            node._no_grad = True
        self.nodes.append(node)
        self.derived.add(id(node))
        return GraphTracer(self, y, node)

    def _lay_out(self, args: Any) -> None:
        """Give the zero-strided results of ``_stand_in`` among ``args`` (and inside their
        tuples and lists) the C-ordered memory NumPy's arrays have, before an operation other
        than a ufunc reads them (a matrix product of zero strides takes no BLAS path)."""
        for a in args:
            if type(a) is GraphTracer and a._trace is self:
                zeros = self._zeros.get(id(a._value))
                if zeros is not None and zeros is a._value:
                    a._value = np.zeros(zeros.shape, zeros.dtype)
            elif type(a) is tuple or type(a) is list:
                self._lay_out(a)

    def concrete_error(self) -> ConcreteValueError:
        return ConcreteValueError(
            self,
            "compile: this needs the concrete value of a traced argument (Python control flow "
            "such as `if x > 0` or `while`, bool() of a traced value, or a value-dependent "
            "NumPy function). A compiled function replays one recorded program, so such a "
            "value must be known when compiling: pass the argument as static "
            "(compile(f, static_argnums=...)), or write the branch with np.where.",
        )


# ----------------------------------------------------------------------------- simplification


def _key(x: Any) -> Hashable:
    """A hashable key for a parameter or constant value (arrays by content)."""
    if isinstance(x, np.ndarray):
        return ("array", x.shape, x.dtype.str, x.tobytes())
    if isinstance(x, (tuple, list)):
        return (type(x).__name__,) + tuple(_key(e) for e in x)
    if isinstance(x, dict):
        return ("dict",) + tuple((k, _key(v)) for k, v in sorted(x.items()))
    if isinstance(x, slice):
        return ("slice", x.start, x.stop, x.step)
    try:
        hash(x)
    except TypeError:
        return ("id", id(x))
    return (type(x).__name__, x)


def _is_constant(x: Any, value: float, shape: tuple, negative: bool | None = None) -> bool:
    """True if constant operand ``x`` is ``value`` everywhere and cannot change ``shape``.

    ``negative`` asks for the sign bit too: ``x + (-0.0)`` and ``x - 0.0`` are ``x`` bit for
    bit, but ``-0.0 + 0.0`` is ``0.0``.
    """
    if type(x) is not Const:
        return False
    v = x.value
    if isinstance(v, Tracer) or np.iscomplexobj(v):
        return False
    v = np.asarray(v)
    return (
        v.size > 0
        and v.ndim <= len(shape)
        and bool(np.all(v == value))
        and (negative is None or bool(np.all(np.signbit(v) == negative)))
        and all(n == 1 or n == m for n, m in zip(v.shape[::-1], shape[::-1], strict=False))
    )


def _same_type(a: Node | Const, out: Node) -> bool:
    return type(a) is Node and a.shape == out.shape and a.dtype == out.dtype


def _call(primitive: Primitive, operands: Sequence[Node | Const], params: dict, like: Node) -> Node:
    """A new node calling ``primitive`` on ``operands``, standing for the value of ``like``."""
    node = Node(
        primitive,
        [x if type(x) is Node else None for x in operands],
        [x.value for x in operands],
        params,
        like.value,
    )
    if like.no_grad:
        node._no_grad = True
    return node


def _simplify_node(node: Node, ins: list[Node | Const]) -> Node | Const | None:
    """A replacement for a single-output node with operands ``ins``, or ``None`` to keep it."""
    name = node.primitive.name  # type: ignore[union-attr]
    out = node
    # (x + 0.0 turns -0.0 into 0.0: only a negative zero, or a positive one subtracted, goes)
    if (
        name in ("add", "sub")
        and _is_constant(ins[1], 0.0, out.shape, negative=name == "add")
        and _same_type(ins[0], out)
    ):
        return ins[0]
    if name == "add" and _is_constant(ins[0], 0.0, out.shape, True) and _same_type(ins[1], out):
        return ins[1]
    if name in ("mul", "div") and _is_constant(ins[1], 1.0, out.shape) and _same_type(ins[0], out):
        return ins[0]
    if name == "mul" and _is_constant(ins[0], 1.0, out.shape) and _same_type(ins[1], out):
        return ins[1]
    if name in ("reshape", "broadcast_to") and _same_type(ins[0], out):
        return ins[0]
    if name == "transpose" and node.params["axes"] == tuple(range(len(out.shape))):
        return ins[0]
    source = ins[0] if type(ins[0]) is Node and ins[0].node is ins[0] else None
    if name == "reshape" and source is not None and source.name == "reshape":
        return _call(node.primitive, source.inputs, node.params, node)  # type: ignore[arg-type]
    if name == "transpose" and source is not None and source.name == "transpose":
        inner = source.params["axes"]
        axes = tuple(inner[a] for a in node.params["axes"])
        return _call(node.primitive, source.inputs, {"axes": axes}, node)  # type: ignore[arg-type]
    return None


def simplify(graph: Graph) -> Graph:
    """Fold constants and identities, merge common subexpressions, drop dead code.

    Returns a new ``Graph`` computing the same outputs (its nodes are the recorded ones where
    nothing changed, new ones where something did).
    """
    subst: dict[Node, Node | Const] = {}
    seen: dict[Hashable, Node] = {}
    tape: list[Node] = []

    def operand(x: Node | Const) -> Node | Const:
        return subst.get(x, x) if type(x) is Node else x  # type: ignore[arg-type]

    for node in graph.tape:
        if node.primitive is tuple_item:  # one result of a call: follow the call
            call = operand(node.parents[0])
            if type(call) is Const:  # the call was folded
                subst[node] = Const(node.value)
                continue
            key: Hashable = ("item", id(call), node.params["index"])
            twin = seen.get(key)
            if twin is not None:  # the call was merged with a twin: take the twin's result
                subst[node] = twin
                continue
            if call is not node.parents[0]:
                subst[node] = node = _call(tuple_item, [call], node.params, node)
            seen[key] = node
            tape.append(node)
            continue
        original, recorded = node, node.inputs
        ins = [operand(x) for x in recorded]
        if any(a is not b for a, b in zip(ins, recorded, strict=True)):
            node = _call(node.primitive, ins, node.params, node)  # type: ignore[arg-type]
        if all(type(x) is Const for x in ins) and not node.no_grad:
            subst[original] = Const(node.value)  # every input known: the recorded value
            continue
        if not node.primitive.multiple_results:  # type: ignore[union-attr]
            replacement = _simplify_node(node, ins)
            while type(replacement) is Node and replacement.node is replacement:
                # a folded chain may simplify further
                node, ins = replacement, list(replacement.inputs)
                replacement = _simplify_node(node, ins)
            if replacement is not None:
                subst[original] = replacement
                continue
        key = (
            id(node.primitive),
            tuple(("v", id(x)) if type(x) is Node else ("c", _key(x.value)) for x in ins),
            _key(node.params),
            node.no_grad,
        )
        twin = seen.get(key)
        if twin is not None:
            subst[original] = twin
            continue
        seen[key] = node
        if node is not original:
            subst[original] = node
        tape.append(node)
    outputs = [operand(x) for x in graph.outputs]
    needed = {x for x in outputs if type(x) is Node}
    live = []
    for node in reversed(tape):
        if node in needed:
            live.append(node)
            needed.update(p for p in node.parents if p is not None)
    live.reverse()
    return Graph(graph.name, graph.inputs, live, outputs, graph.in_tree, graph.out_tree)


# ----------------------------------------------------------------------------- code generation


# primitives written as Python operators: the same NumPy ufuncs without the call overhead
_OPERATORS = {"add": "{} + {}", "sub": "{} - {}", "mul": "{} * {}", "div": "{} / {}", "neg": "-{}"}


def generate(graph: Graph) -> tuple[str, dict[str, Any]]:
    """Python source of a function ``run(*flat_inputs)`` returning the flat outputs.

    Temporaries are deleted after their last use, so memory is released as early as the
    computation allows.
    """
    namespace: dict[str, Any] = {}
    names: dict[Node, str] = {}
    lines = []
    last_use: dict[Node, int] = {}
    for n, node in enumerate(graph.tape):
        for p in node.parents:
            if p is not None:
                last_use[p] = n
    returned = {x for x in graph.outputs if type(x) is Node}

    def name_of(x: Node | Const) -> str:
        if type(x) is Node:
            return names[x]
        key = f"k{len(namespace)}"
        namespace[key] = x.value
        return key

    for i, node in enumerate(graph.inputs):
        names[node] = f"a{i}"
    for n, node in enumerate(graph.tape):
        target = names[node] = f"v{len(names)}"
        primitive: Primitive = node.primitive  # type: ignore[assignment]
        operands = [
            name_of(Const(a) if p is None else p)
            for p, a in zip(node.parents, node.args, strict=True)
        ]
        template = _OPERATORS.get(primitive.name)
        if primitive is tuple_item:
            lines.append(f"    {target} = {operands[0]}[{node.params['index']}]")
        elif template is not None and not node.params and template.count("{}") == len(operands):
            lines.append(f"    {target} = {template.format(*operands)}")
        else:
            impl = primitive.impl
            if node.params:
                impl = functools.partial(impl, **node.params)
            fn = f"p{n}_" + re.sub(r"\W", "_", primitive.name)
            namespace[fn] = impl
            lines.append(f"    {target} = {fn}({', '.join(operands)})")
        dead = [
            names[p]
            for p in dict.fromkeys(node.parents)
            if p is not None and last_use.get(p) == n and p not in returned
        ]
        if node not in last_use and node not in returned:
            dead.append(target)
        if dead:
            lines.append(f"    del {', '.join(dead)}")
    # (an array constant is returned as a copy: the caller may write into it)
    result = ", ".join(
        f"{name_of(x)}.copy()" if type(x) is Const and type(x.value) is np.ndarray else name_of(x)
        for x in graph.outputs
    )
    args = ", ".join(f"a{i}" for i in range(len(graph.inputs)))
    source = "\n".join(
        [f"def run({args}):", *lines, f"    return ({result}{',' if result else ''})"]
    )
    return source + "\n", namespace


def instructions(graph: Graph) -> fused.Program:
    """The graph as a plain instruction list over the generated code's names."""
    names: dict[Node, str] = {}
    types: dict[str, tuple[tuple[int, ...], np.dtype]] = {}

    def name(node: Node, label: str) -> str:
        names[node] = label
        value = node.value
        if isinstance(value, tuple):  # a primitive with multiple results: read by tuple_item
            types[label] = ((), np.dtype(object))
        else:
            dtype = value.dtype if hasattr(value, "dtype") else np.result_type(value)
            shape = value.shape if hasattr(value, "shape") else np.shape(value)
            types[label] = (tuple(shape), np.dtype(dtype))
        return label

    inputs = [name(node, f"a{i}") for i, node in enumerate(graph.inputs)]
    body = []
    for node in graph.tape:
        operands: list[str | fused.Literal] = [
            fused.Literal(a) if p is None else names[p]
            for p, a in zip(node.parents, node.args, strict=True)
        ]
        label = name(node, f"v{len(names)}")
        body.append(fused.Instruction(node.primitive, operands, node.params, [label]))  # type: ignore[arg-type]
    outputs = [names[x] if type(x) is Node else fused.Literal(x.value) for x in graph.outputs]
    return fused.Program(inputs, body, outputs, types)


class _Program:
    """One compiled signature: the optimised graph and its generated code."""

    __slots__ = ("graph", "source", "run", "one_leaf")

    def __init__(self, graph: Graph, backend: str = "numpy") -> None:
        self.graph = graph
        generated = None
        # the fused backend, or None where it would change nothing ("auto" fuses and reuses
        # only arrays of AUTO_MIN_SIZE elements or more: none, nothing to plan)
        if backend != "numpy" and not (backend == "auto" and _all_small(graph)):
            generated = fused.generate(instructions(graph), backend)
        self.source, namespace = generated or generate(graph)
        exec(compile_source(self.source), namespace)
        self.run = namespace.pop("run")  # run's globals are the namespace: no cycle back
        self.one_leaf = graph.out_tree.kind is None  # the result is one array, not a tree
        # the program runs on new values: keep the shapes of the recorded ones, not the values
        for node in graph.inputs:
            node.value = shape_stand_in(node.value)
        for node in graph.tape:
            node.forget_values()


def _all_small(graph: Graph) -> bool:
    """True if no value of ``graph`` has ``fused.AUTO_MIN_SIZE`` elements or more."""
    limit = fused.AUTO_MIN_SIZE
    return all(
        isinstance(node.value, tuple) or math.prod(node.shape) < limit
        for node in (*graph.inputs, *graph.tape)
    )


def compile_source(source: str) -> Any:
    """Compile generated source with a recognisable file name for tracebacks."""
    import builtins

    return builtins.compile(source, "<functional_ad.compile>", "exec")


class Compiled:
    """A compiled function; see ``compile``.

    Attributes:
        graph: the optimised ``Graph`` of the last signature compiled (its nodes keep
            shapes and dtypes, not the values seen while recording).
        source: the generated Python source of the last signature compiled.
        programs: the compiled programs by signature, least recently used first.
        cache_size: how many programs are kept; the least recently used one is dropped
            beyond it (settable).
    """

    def __init__(
        self,
        f: Callable[..., Any],
        static_argnums: Sequence[int],
        cache_size: int = 64,
        backend: str = "numpy",
    ) -> None:
        self.f = f
        self.backend = backend
        self.static_argnums = tuple(static_argnums)
        self.programs: OrderedDict[Hashable, _Program] = OrderedDict()
        # the signature of arguments made of arrays, floats, tuples, lists and dicts, keyed by
        # their structure, types, shapes and dtypes alone (``_plain_call``): found without
        # building a tree; emptied whenever a program leaves the cache
        self._plain: dict[tuple, Hashable] = {}
        self.cache_size = cache_size
        self._last: _Program | None = None
        name = getattr(f, "__name__", type(f).__name__)
        self.__name__ = self.__qualname__ = f"compiled_{name}"
        self.__doc__ = f"Compiled {name}." + (f"\n\n{f.__doc__}" if f.__doc__ else "")
        self.__wrapped__ = f

    @property
    def cache_size(self) -> int:
        return self._cache_size

    @cache_size.setter
    def cache_size(self, size: int) -> None:
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ValueError(f"compile: cache_size must be a positive integer, got {size!r}")
        self._cache_size = size
        while len(self.programs) > size:
            self.programs.popitem(last=False)
            self._plain.clear()

    def __getstate__(self) -> dict[str, Any]:
        # pickled (cloudpickle, Dask) without its programs: they recompile where unpickled
        state = dict(self.__dict__)
        state["programs"], state["_last"], state["_plain"] = OrderedDict(), None, {}
        return state

    def _latest(self) -> _Program:
        if self._last is None:
            raise ValueError(f"{self.__name__} has not been called yet: nothing is compiled")
        return self._last

    @property
    def graph(self) -> Graph:
        return self._latest().graph

    @property
    def source(self) -> str:
        return self._latest().source

    def _split(self, args: tuple) -> tuple[tuple, tuple]:
        n = len(args)
        static = tuple(i % n for i in self.static_argnums)
        for i in static:
            try:
                hash(args[i])
            except TypeError:
                raise TypeError(
                    f"{self.__name__}: static argument {i} must be hashable (it keys the cache); "
                    f"got {type(args[i]).__name__}"
                ) from None
        return static, tuple(a for i, a in enumerate(args) if i not in static)

    def program(self, args: tuple, kwargs: dict | None = None) -> tuple[_Program, tuple, list]:
        """The program for these arguments (compiled on first use) and the dynamic leaves."""
        kwargs = kwargs or {}
        static, dynamic = self._split(args)
        flat, tree = tree_flatten(dynamic)
        flat = [as_value(x) for x in flat]
        signature = (
            tree,
            tuple((tuple(np.shape(x)), np.dtype(x.dtype).str, _layout_key(x)) for x in flat),
            tuple((i, type(args[i]), args[i]) for i in static),  # 1, 1.0 and True differ
            tuple((name, _kwarg_key(self.__name__, name, kwargs[name])) for name in sorted(kwargs)),
        )
        prog = self.programs.get(signature)
        if prog is None:
            graph = self._record(args, static, flat, tree, kwargs)
            prog = self.programs[signature] = _Program(graph, self.backend)
            if len(self.programs) > self._cache_size:
                self.programs.popitem(last=False)  # the least recently used
                self._plain.clear()
        else:
            self.programs.move_to_end(signature)
        self._last = prog
        if not static and not kwargs:
            plain = _plain_call(args)
            if plain is not None:
                self._plain[plain[0]] = signature
        return prog, dynamic, flat

    def _record(
        self, args: tuple, static: tuple, flat: list, tree: Any, kwargs: dict | None = None
    ) -> Graph:
        try:  # ufuncs of traced values not computed (CompileTrace's stand_ins)
            return self._record_once(args, static, flat, tree, kwargs, True)
        except ConcreteValueError:
            raise  # (the same with any values)
        except Exception:  # e.g. a LinAlgError of a matrix of zeros: record on the values
            return self._record_once(args, static, flat, tree, kwargs, False)

    def _record_once(
        self,
        args: tuple,
        static: tuple,
        flat: list,
        tree: Any,
        kwargs: dict | None,
        stand_ins: bool,
    ) -> Graph:
        from .control import grad_mode

        placeholders = [_example_value(x) for x in flat]
        with (
            new_trace(CompileTrace, "compile", grad_mode, stand_ins) as trace,
            np.errstate(all="ignore"),
        ):
            ins = [trace.new_input(v) for v in placeholders]
            in_nodes = [x._node for x in ins]  # (f may write into its arguments)
            dyn = iter(tree_unflatten(tree, ins))
            full = [args[i] if i in static else next(dyn) for i in range(len(args))]
            out_flat, out_tree = tree_flatten(self.f(*full, **(kwargs or {})))
            graph = _build_graph(self.__name__, trace, in_nodes, tree, out_flat, out_tree)
        return simplify(graph)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if not kwargs and self._plain:  # the common call: arrays seen before
            plain = _plain_call(args)
            signature = None if plain is None else self._plain.get(plain[0])
            prog = None if signature is None else self.programs.get(signature)
            if prog is not None:
                self.programs.move_to_end(signature)
                self._last = prog
                flat = plain[1]  # type: ignore[index]
                results = prog.run(*flat)
                if prog.one_leaf:
                    return owned_results(results, flat)[0]
                return tree_unflatten(prog.graph.out_tree, owned_results(results, flat))
        prog, dynamic, flat = self.program(args, kwargs)
        if any(isinstance(x, Tracer) for x in flat):
            return prog.graph(*dynamic)  # traced arguments: replay by binding primitives
        # the caller owns the outputs: none is an argument, or another output, in disguise
        return tree_unflatten(prog.graph.out_tree, owned_results(list(prog.run(*flat)), flat))


def _layout_key(x: Any) -> Hashable:
    """How NumPy holds an array argument in memory, which a recorded program follows (views
    or copies, ``ravel(order='K')``): ``None`` for C order, else its strides.

    >>> _layout_key(np.ones((2, 3))), _layout_key(np.ones((2, 3)).T)
    (None, (8, 24))
    """
    if isinstance(x, Tracer):  # (vmap(compile(f)), grad(compile(f)): its NumPy layout)
        layout = layout_of(x)
        if layout is None or layout.flags.c_contiguous:
            return None
        return "traced", _element_strides(layout)
    if type(x) is not np.ndarray or x.flags.c_contiguous:
        return None
    return x.strides


def _plain_call(args: tuple) -> tuple[tuple, list] | None:
    """A cache key for positional arguments made of ndarrays, NumPy scalars, Python floats,
    ``None`` and tuples, lists and dicts of them, and their flat leaves; else ``None``.

    The key holds the structure and each leaf's type, shape, dtype and memory layout, which
    decide the signature. The leaves come in ``tree_flatten``'s order (dict keys sorted),
    Python floats as 0-d arrays, as the program takes them.

    >>> key, flat = _plain_call(({"b": np.zeros(2), "a": 1.0}, np.float64(1.0)))
    >>> [np.shape(x) for x in flat], key[1]
    ([(), (2,), ()], (<class 'numpy.float64'>, (), dtype('float64')))
    >>> _plain_call((np.zeros(2), [1])) is None
    True
    """
    flat: list[Any] = []
    try:
        key = _plain_key(args, flat)
    except _NotPlain:
        return None
    return key, flat


class _NotPlain(Exception):
    """An argument ``_plain_key`` does not key: the call takes the general path."""


def _plain_key(tree: tuple | list, flat: list) -> tuple:
    key: list[Any] = []
    for a in tree:
        t = type(a)
        if t is np.ndarray:
            key.append((t, a.shape, a.dtype, None if a.flags.c_contiguous else a.strides))
            flat.append(a)
        elif isinstance(a, np.generic) and t.__module__ == "numpy":
            key.append((t, a.shape, a.dtype))
            flat.append(a)
        elif t is float:
            key.append(t)
            flat.append(np.asarray(a))
        elif t is tuple or t is list:
            key.append((t, _plain_key(a, flat)))
        elif t is dict:
            try:
                names = tuple(sorted(a))
            except TypeError:  # (keys tree_flatten cannot sort either: its error)
                raise _NotPlain from None
            key.append((t, names, _plain_key([a[k] for k in names], flat)))
        elif a is None:
            key.append(None)
        else:
            raise _NotPlain
    return tuple(key)


def _kwarg_key(name: str, keyword: str, value: Any) -> Hashable:
    """The cache key of a keyword argument: its value, like a static argument's.

    Arrays are keyed by shape, dtype and contents (so a changed array compiles anew, never
    reuses a stale program); containers by their items; anything else must be hashable.
    Traced values cannot be keyed: they must be passed positionally.
    """
    if any(isinstance(leaf, Tracer) for leaf in tree_leaves(value)):
        raise TypeError(
            f"{name}: keyword argument {keyword!r} is a traced value; keyword arguments are "
            f"compiled in as constants (like static arguments), which would lose its "
            f"derivative or batch. Pass it positionally"
        )
    if isinstance(value, (np.ndarray, np.generic)):
        array = np.asarray(value)
        kind = "array" if isinstance(value, np.ndarray) else "scalar"
        return (kind, array.shape, array.dtype.str, array.tobytes())
    if isinstance(value, (tuple, list)):
        return (type(value).__name__,) + tuple(_kwarg_key(name, keyword, v) for v in value)
    if isinstance(value, dict):
        return ("dict",) + tuple(
            (k, _kwarg_key(name, keyword, value[k])) for k in sorted(value, key=repr)
        )
    try:
        hash(value)
    except TypeError:
        raise TypeError(
            f"{name}: keyword argument {keyword!r} is a {type(value).__name__}, which is "
            f"neither hashable nor an array, so it cannot key the cache of compiled programs. "
            f"Pass a hashable value (e.g. a tuple) or an array, or pass it positionally"
        ) from None
    return (type(value).__qualname__, value)


def _element_strides(a: np.ndarray) -> tuple[int, ...]:
    """``a``'s strides in elements: its memory order, whatever its dtype."""
    return tuple(s // a.itemsize for s in a.strides)


def _example_value(x: Any) -> Any:
    """A plain array to record with: the argument's value, or zeros where it has none, laid
    out in memory as NumPy lays out the argument (a traced one hides it: a vmap example, a
    written view), so that views and copies are recorded as NumPy makes them."""
    try:
        value = np.asarray(concrete(x))
    except ConcreteValueError:  # e.g. compiled under vmap: one value per example
        value = np.array(shape_stand_in(x))
    if isinstance(x, Tracer) and value.ndim:
        layout = layout_of(x)
        if layout is None:
            return np.ascontiguousarray(value)
        if layout.shape == value.shape and _element_strides(layout) != _element_strides(value):
            laid_out = strided_like(layout, value.dtype)
            laid_out[...] = value
            return laid_out
    return value


def compile(
    f: Callable[..., Any],
    static_argnums: int | Sequence[int] = (),
    cache_size: int = 64,
    backend: str | None = None,
) -> Compiled:
    """Return ``f`` compiled: recorded once per signature, simplified, replayed as NumPy code.

    The signature is the pytree structure, shapes and dtypes of the arguments, and the values
    of the static ones. The first call with a new signature runs ``f`` under a recording trace;
    later calls run generated straight-line NumPy code with no tracing. Python control flow
    on traced values raises while recording (use ``static_argnums`` or ``np.where``).
    Keyword arguments are like static arguments: passed to ``f`` unchanged, compiled in as
    constants and part of the signature by value (arrays by contents), so a new value
    compiles a new program; a keyword argument that is neither hashable nor an array, or
    that is a traced value, raises ``TypeError``.
    Transforms compose both ways: ``compile(grad(f))``, ``grad(compile(f))``, ``vmap(compile(f))``.

    Args:
        f: a function of arrays or pytrees.
        static_argnums: positions of arguments that are fixed per compiled program (hashable,
            used as Python values, e.g. loop counts or flags).
        cache_size: how many signatures keep their program; beyond it the least recently
            used program is dropped (and compiled again if its signature comes back).
        backend: ``"numpy"`` replays NumPy calls; ``"numba"`` or ``"numexpr"`` fuse every
            region of float64 elementwise primitives into one kernel; ``"auto"`` fuses
            regions over large arrays with numba (else numexpr) and replays the rest as
            NumPy calls. ``None`` reads ``FUNCTIONAL_AD_COMPILE_BACKEND``, else ``"auto"``
            when numba or numexpr is installed (``pip install "functional_ad[fast]"``),
            else ``"numpy"``.

    Returns:
        A ``Compiled`` callable with ``.graph`` (the optimised graph) and ``.source`` (the
        generated code) of the last signature it compiled.

    >>> import numpy as np
    >>> from functional_ad import grad
    >>> g = compile(grad(lambda x: np.sum(np.sin(x) ** 2)))
    >>> bool(np.allclose(g(np.array([0.3, 1.0])), np.sin(2 * np.array([0.3, 1.0]))))
    True
    """
    nums = (static_argnums,) if isinstance(static_argnums, int) else tuple(static_argnums)
    return Compiled(f, nums, cache_size, fused.resolve_backend(backend))
