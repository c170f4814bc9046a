"""Reverse mode: record a graph with ``GraphTrace``, walk it backwards in a loop; ``vjp``,
``grad`` and ``value_and_grad``."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from typing import Any, Protocol, cast

import numpy as np

from ..core import Observer, Primitive, new_trace, tracing
from ..core.tree import TreeDef, tree_flatten, tree_unflatten
from ..core.zeros import Zero, add_any, tangent_dtype
from ..graph import GraphTrace, GraphTracer, Node, tuple_item
from .common import (
    as_value,
    check_argnums,
    check_aux_order,
    check_float_outputs,
    check_like,
    check_outputs,
    lower_tree,
    materialize,
    name_transform,
    owned_results,
    prepare_inputs,
)
from .forward import _arity_error

VJP = Observer.VJP


def backward_pass(
    nodes: list[Node],
    seeds: Sequence[tuple[Node, Any]],
    leaves: Sequence[Node],
    consume: bool,
    observer: Observer | None = None,
) -> list[Any]:
    """Return the cotangents of ``leaves`` given cotangents ``seeds`` of output nodes.

    Walks ``nodes`` from last to first; a node with no cotangent does not lead to an output
    and is skipped. With ``consume`` the nodes are popped as they are used, so intermediates
    are released during the pass (and ``seeds``, a list, is emptied: it would hold the
    output nodes and through them every node). Missing cotangents come back as ``None``.
    The pass and each vjp rule call are reported to ``observer`` if there is one.
    """
    if observer is None:
        return _walk_back(nodes, seeds, leaves, consume, None)
    return observer.backward(_walk_back, nodes, seeds, leaves, consume, observer)


def _walk_back(
    nodes: list[Node],
    seeds: Sequence[tuple[Node, Any]],
    leaves: Sequence[Node],
    consume: bool,
    observer: Observer | None,
) -> list[Any]:
    cts: dict[Node, Any] = {}
    for node, ct in seeds:
        if not isinstance(ct, Zero):
            cts[node] = add_any(cts.get(node), ct)
    if consume and type(seeds) is list:
        seeds.clear()
    pop = cts.pop
    if not consume:
        nodes = list(nodes)
    while nodes:
        node = nodes.pop()
        y_bar = pop(node, None)
        if y_bar is None:
            continue
        prim: Primitive = node.primitive  # type: ignore[assignment]  # only inputs have no prim
        rules = prim.vjp
        if rules is not None and not prim.multiple_results:  # the common case: a rule per input
            args = node.args
            y = node.value
            params = node.params
            if len(rules) != len(args):
                raise _arity_error(prim, "vjp", len(rules), len(args))
            i = 0
            for parent in node.parents:
                if parent is not None:
                    rule = rules[i]
                    if rule is None:
                        raise prim.missing_rule("vjp", i)
                    if observer is None:
                        bar = rule(y_bar, y, *args, **params) if params else rule(y_bar, y, *args)
                    else:
                        bar = observer.rule(prim, VJP, rule, (y_bar, y, *args), params)
                    if bar is not None:
                        old = cts.get(parent)
                        cts[parent] = bar if old is None else old + bar
                i += 1
            continue
        _special_vjp(node, prim, y_bar, cts, observer)
    return [cts.get(leaf) for leaf in leaves]


def _special_vjp(node: Node, prim: Any, y_bar: Any, cts: dict, observer: Observer | None) -> None:
    """The reverse step for outputs of multi-result primitives and joint rules."""
    parents = node.parents
    if prim is tuple_item:  # gather the cotangent of one result into its parent's tuple
        parent = parents[0]
        bars = cts.get(parent)
        if bars is None:
            bars = cts[parent] = [Zero.like(v) for v in parent.value]
        index = node.params["index"]
        bars[index] = add_any(bars[index], y_bar)
        return
    if prim.multiple_results:
        y_bar = tuple(y_bar)
    if prim.vjp_joint is not None:
        rule_args = (y_bar, node.value, *node.args)
        if observer is None:
            bars = prim.vjp_joint(*rule_args, **node.params)
        else:
            bars = observer.rule(prim, VJP, prim.vjp_joint, rule_args, node.params)
        for parent, bar in zip(parents, bars, strict=True):
            if parent is not None and bar is not None:
                cts[parent] = add_any(cts.get(parent), bar)
        return
    if prim.vjp is None:
        raise prim.missing_rule("vjp")
    if len(prim.vjp) != len(parents):
        raise _arity_error(prim, "vjp", len(prim.vjp), len(parents))
    for i, (parent, rule) in enumerate(zip(parents, prim.vjp, strict=True)):
        if parent is not None:
            if rule is None:
                raise prim.missing_rule("vjp", i)
            rule_args = (y_bar, node.value, *node.args)
            if observer is None:
                bar = rule(*rule_args, **node.params)
            else:
                bar = observer.rule(prim, VJP, rule, rule_args, node.params)
            if bar is not None:
                cts[parent] = add_any(cts.get(parent), bar)


# the structures of one array argument, and of one output leaf: the common case of a call,
# handled without walking a tree
_ONE_LEAF = tree_flatten((0.0,))[1]
_LEAF = tree_flatten(0.0)[1]


def _unflatten(tree: TreeDef, leaves: Sequence[Any]) -> Any:
    """``tree_unflatten``, in line for one argument or one output leaf."""
    if tree is _ONE_LEAF:
        return (leaves[0],)
    if tree is _LEAF:
        return leaves[0]
    return tree_unflatten(tree, leaves)


class _Recording:
    """The outcome of running ``f`` under a ``GraphTrace``."""

    __slots__ = ("trace", "leaves", "in_tree", "in_values", "out", "out_tree", "out_nodes", "aux")

    trace: GraphTrace
    leaves: list[Node]  # the input nodes
    in_tree: TreeDef
    in_values: list[Any]
    out: list[Any]  # the flat output values
    out_tree: TreeDef
    out_nodes: list[Node | None]  # None for outputs that do not depend on the inputs
    aux: Any


def record(
    f: Callable[..., Any],
    primals: Sequence[Any],
    has_aux: bool,
    transform: str,
    names: Sequence[str] | Callable[[], Sequence[str]] | None = None,
    keeps_inputs: bool = False,
    aux_order_checked: bool = True,
) -> _Recording:
    """Run ``f(*primals)`` under a new ``GraphTrace`` and keep what the reverse pass needs.

    ``names`` says how errors call each flat input leaf (default ``input leaf i``); a
    function giving them is called only for an error.
    ``keeps_inputs``: the recording outlives the call (``vjp``), so inputs the caller could
    change afterwards are copied.
    ``aux_order_checked``: refuse an output that does not depend on the inputs beside an aux
    that does (``check_aux_order``); off for callers whose aux is known to come second.
    """
    rec = _Recording()
    if len(primals) == 1 and type(primals[0]) is np.ndarray:  # the common case, in line
        flat, rec.in_tree = [primals[0]], _ONE_LEAF
    else:
        flat, rec.in_tree = tree_flatten(tuple(primals))
    rec.in_values = prepare_inputs(flat, transform, names)
    if keeps_inputs:
        rec.in_values = [_owned(x) for x in rec.in_values]
    with new_trace(GraphTrace, transform) as trace:
        ins = [trace.new_input(x) for x in rec.in_values]
        rec.leaves = [t._node for t in ins]
        out = f(*_unflatten(rec.in_tree, ins))
        if has_aux:
            if not (isinstance(out, (tuple, list)) and len(out) == 2):
                raise TypeError("with has_aux=True the function must return a pair (output, aux)")
            out, aux = out
            if aux_order_checked:
                check_aux_order(trace, out, aux, transform)
            rec.aux = lower_tree(trace, aux)
        one_tracer = type(out) is GraphTracer and out._trace is trace and out._alias is None
        if one_tracer:  # one output of this trace, and not a view
            out_flat, rec.out_tree = [out], _LEAF
        else:
            out_flat, rec.out_tree = tree_flatten(out)
            check_outputs(out_flat, transform)
        if one_tracer:
            rec.out_nodes, rec.out = [out._node], [out._value]
        else:
            rec.out_nodes = [trace.node_of(o) for o in out_flat]
            rec.out = [trace.lower(o) for o in out_flat]
    rec.trace = trace
    return rec


def _owned(x: Any) -> Any:
    """``x``, or a copy of it (in its memory order) if it is a NumPy array somebody could
    write into."""
    return x.copy(order="K") if type(x) is np.ndarray and x.flags.writeable else x


def pull_back(rec: _Recording, cotangents: Sequence[Any], consume: bool) -> list[Any]:
    """Cotangents of the flat inputs, materialised and cast to the inputs' dtypes."""
    seeds = [(n, c) for n, c in zip(rec.out_nodes, cotangents, strict=True) if n is not None]
    if consume:  # the pass frees each node once used; the outputs must not hold them all
        rec.out_nodes = []
    # (the observer installed now: a vjp_fn may run long after its recording, in or out of one)
    bars = backward_pass(rec.trace.nodes, seeds, rec.leaves, consume, tracing.current_observer)
    if any(b is None for b in bars):  # inputs the outputs do not depend on: zeros
        bars = materialize(bars, rec.in_values)
    bars = [_cast_like(b, x) for b, x in zip(bars, rec.in_values, strict=True)]
    return owned_results(bars, cotangents)


def _cast_like(bar: Any, x: Any) -> Any:
    """Give a cotangent the dtype and shape of its input (float32 in, float32 out)."""
    dtype = np.dtype(x.dtype)
    bar_dtype = np.dtype(getattr(bar, "dtype", None) or np.result_type(bar))
    if bar_dtype != dtype:
        if bar_dtype.kind == "c" and dtype.kind == "f":
            bar = np.real(bar)
        bar = bar.astype(dtype) if hasattr(bar, "astype") else np.asarray(bar, dtype)
    shape = getattr(x, "shape", ())
    if getattr(bar, "shape", ()) != shape:
        bar = np.broadcast_to(bar, shape)
    return bar


def check_cotangents(ct: Any, rec: _Recording) -> list[Any]:
    """Flatten a user cotangent and check it against the recorded outputs."""
    flat, tree = tree_flatten(ct)
    if tree != rec.out_tree:
        raise ValueError(
            f"vjp: the cotangent must have the structure of the output; expected "
            f"{rec.out_tree}, given {tree}"
        )
    return [check_like(c, y, "cotangent", "vjp") for c, y in zip(flat, rec.out, strict=True)]


def vjp(
    f: Callable[..., Any], *primals: Any, has_aux: bool = False, **kwargs: Any
) -> tuple[Any, ...]:
    """Return ``(f(*primals), vjp_fn)`` where ``vjp_fn(v) = v^T J`` for each primal.

    Args:
        f: a function of ``len(primals)`` arrays or pytrees.
        *primals: the arguments at which to linearise ``f``.
        has_aux: ``f`` returns ``(out, aux)``; ``aux`` is returned as a third element.
        **kwargs: passed to ``f`` unchanged and not differentiated.

    Returns:
        ``(out, vjp_fn)`` (``(out, vjp_fn, aux)`` with ``has_aux``). ``vjp_fn(v)`` takes a
        cotangent ``v`` with the structure, shapes and dtypes of ``out`` and returns a tuple
        with one cotangent per primal, each shaped like its primal. It may be called many
        times.

    >>> import numpy as np
    >>> y, vjp_fn = vjp(lambda x: 2 * x, np.array([1.0, 2.0]))
    >>> vjp_fn(np.array([0.1, 1.0]))
    (array([0.2, 2. ]),)
    """
    rec = record(
        functools.partial(f, **kwargs) if kwargs else f, primals, has_aux, "vjp", keeps_inputs=True
    )

    def vjp_fn(cotangent: Any) -> tuple[Any, ...]:
        bars = pull_back(rec, check_cotangents(cotangent, rec), consume=False)
        return tree_unflatten(rec.in_tree, bars)

    # the caller owns the output: writing into it must not change what vjp_fn reads
    out = tree_unflatten(rec.out_tree, [_owned(y) for y in rec.out])
    return (out, vjp_fn, rec.aux) if has_aux else (out, vjp_fn)


# ----------------------------------------------------------------------------- gradients

Argnums = int | Sequence[int]


class Selected(Protocol):
    """A function of the differentiated arguments only; ``argnums`` says which they are."""

    argnums: tuple[int, ...]

    def __call__(self, *dyn: Any) -> Any: ...


def select(
    f: Callable[..., Any], argnums: Argnums, args: tuple, kwargs: dict, transform: str
) -> tuple[Selected, tuple, bool]:
    """Split ``args`` into the differentiated ones and a function of only those."""
    single, nums = check_argnums(argnums, transform)
    return _select(f, argnums, single, nums, args, kwargs, transform)


def _select(
    f: Callable[..., Any],
    argnums: Argnums,
    single: bool,
    nums: tuple[int, ...],
    args: tuple,
    kwargs: dict,
    transform: str,
) -> tuple[Selected, tuple, bool]:
    """``select`` with ``argnums`` already checked (as ``single``, ``nums``)."""
    n = len(args)
    for i in nums:
        if not -n <= i < n:
            raise ValueError(f"{transform}: argnums {argnums} out of range for {n} arguments")
    nums = tuple(i % n for i in nums)

    def partial(*dyn: Any) -> Any:
        full = list(args)
        for i, a in zip(nums, dyn, strict=True):
            full[i] = a
        return f(*full, **kwargs)

    selected = cast(Selected, partial)
    selected.argnums = nums  # names the inputs in errors
    return selected, tuple(args[i] for i in nums), single


def select_checked(
    f: Callable[..., Any],
    argnums: Argnums,
    args: tuple,
    kwargs: dict,
    holomorphic: bool,
    transform: str,
) -> tuple[Selected, tuple, bool, list[str]]:
    """``select``, then name and check the differentiated inputs (dtypes, ``holomorphic``)."""
    g, dyn, single = select(f, argnums, args, kwargs, transform)
    names = leaf_names(dyn, g.argnums)
    check_inputs(dyn, names, holomorphic, transform)
    return g, dyn, single, names


def leaf_names(dyn: tuple, nums: Sequence[int]) -> list[str]:
    """How errors name each flat leaf of the differentiated arguments: ``argument 1 leaf 0``."""
    names = []
    for n, arg in zip(nums, dyn, strict=True):
        leaves = tree_flatten(arg)[0]
        single = len(leaves) == 1 and tree_flatten(arg)[1].kind is None
        names += [
            f"argument {n}" if single else f"argument {n} leaf {k}" for k in range(len(leaves))
        ]
    return names


def _is_complex(x: Any) -> bool:
    return np.dtype(as_value(x).dtype).kind == "c"


def check_inputs(dyn: tuple, names: list[str], holomorphic: bool, transform: str) -> None:
    """With ``holomorphic`` every differentiated input must be complex (JAX's rule)."""
    if not holomorphic:
        return
    for name, leaf in zip(names, tree_flatten(dyn)[0], strict=True):
        if not _is_complex(leaf):
            raise TypeError(
                f"{transform} with holomorphic=True needs complex inputs, but "
                f"{name} has dtype {np.dtype(as_value(leaf).dtype)}; convert it, "
                f"e.g. x.astype(complex), or drop holomorphic=True for a real input"
            )


def check_real_inputs(dyn: tuple, names: list[str], holomorphic: bool, transform: str) -> None:
    """Forward mode pushes real basis tangents: a complex input needs ``holomorphic``."""
    if holomorphic:
        return
    for name, leaf in zip(names, tree_flatten(dyn)[0], strict=True):
        if _is_complex(leaf):
            raise TypeError(
                f"{transform} needs real inputs unless holomorphic=True, but {name} "
                f"is complex ({np.dtype(as_value(leaf).dtype)}): a real basis direction would "
                f"miss the derivative along the imaginary axis. Pass holomorphic=True if the "
                f"function is holomorphic, use jacrev for a real output, or call jvp with "
                f"explicit tangents"
            )


def check_complex_outputs(outs: Sequence[Any], holomorphic: bool, transform: str) -> None:
    """Complex outputs need ``holomorphic=True``; with it, every output must be complex."""
    for i, y in enumerate(outs):
        complex_out = _is_complex(y)
        if holomorphic and not complex_out:
            raise TypeError(
                f"{transform} with holomorphic=True needs complex outputs, but output leaf {i} "
                f"has dtype {np.dtype(as_value(y).dtype)}; return a complex value or drop "
                f"holomorphic=True"
            )
        if not holomorphic and complex_out:
            raise TypeError(
                f"{transform} of a function with a complex output (output leaf {i}, dtype "
                f"{np.dtype(as_value(y).dtype)}) needs holomorphic=True: the result is then "
                f"the complex derivative f'(z). If the function is not holomorphic, take "
                f"np.real / np.abs of its output, or use vjp with an explicit cotangent"
            )


def value_and_grad(
    f: Callable[..., Any], argnums: Argnums = 0, has_aux: bool = False, holomorphic: bool = False
) -> Callable[..., Any]:
    """Return a function computing ``(f(*args), ∇f(*args))`` for scalar-valued ``f``.

    For a real ``f`` of complex ``z`` the gradient is the conjugate of the direction of
    steepest ascent, ``∂f/∂x - i ∂f/∂y`` (so ``|z|²`` gives ``2 conj(z)``); with
    ``holomorphic=True`` and a complex output it is the complex derivative ``f'(z)``.

    Args:
        f: a function whose output is a scalar or a one-element array.
        argnums: which positional argument(s) to differentiate; a tuple gives a tuple.
        has_aux: ``f`` returns ``(out, aux)``; the result is then ``((out, aux), grad)``.
        holomorphic: ``f`` is holomorphic with complex inputs and a complex output.

    Returns:
        A function returning ``(value, grad)``; ``grad`` has the structure, shapes and dtypes
        of the selected argument(s). Keyword arguments of a call are passed to ``f``
        unchanged and never differentiated.

    >>> import numpy as np
    >>> value, g = value_and_grad(lambda x: np.sum(x ** 2))(np.array([1.0, 2.0]))
    >>> float(value), g
    (5.0, array([2., 4.]))
    """

    single, nums = check_argnums(argnums, "grad")

    @name_transform("value_and_grad", f, "Value and gradient")
    def value_and_grad_f(*args: Any, **kwargs: Any) -> Any:
        g, dyn, _ = _select(f, argnums, single, nums, args, kwargs, "grad")
        if holomorphic:
            check_inputs(dyn, leaf_names(dyn, g.argnums), holomorphic, "grad")
        rec = record(g, dyn, has_aux, "grad", lambda: leaf_names(dyn, g.argnums))
        if len(rec.out) != 1 or math.prod(getattr(rec.out[0], "shape", ())) != 1:
            shapes = [getattr(o, "shape", ()) for o in rec.out]
            shape = shapes[0] if len(shapes) == 1 else f"a tree {rec.out_tree}"
            raise TypeError(
                f"grad requires a function with a scalar output (a scalar or a one-element "
                f"array), but {getattr(f, '__name__', f)} returned shape {shape}. Use "
                f"jacobian (jacrev/jacfwd) for the whole Jacobian, vjp with a cotangent, or "
                f"reduce the output, e.g. with .sum()."
            )
        y = rec.out[0]
        dtype = y.dtype if isinstance(y, (np.ndarray, np.generic)) else None
        if dtype is None or dtype.kind != "f" or holomorphic:  # (a real array: nothing to check)
            check_float_outputs(rec.out, "grad")
            dtype = tangent_dtype(y)
            check_complex_outputs(rec.out, holomorphic, "grad")
        grads = _unflatten(
            rec.in_tree, pull_back(rec, [np.ones(getattr(y, "shape", ()), dtype)], True)
        )
        grads = grads[0] if single else grads
        value = _unflatten(rec.out_tree, rec.out)
        return ((value, rec.aux), grads) if has_aux else (value, grads)

    return value_and_grad_f


def grad_and_aux(f: Callable[..., Any], primals: tuple, transform: str) -> tuple[Any, Any]:
    """``(∇f, aux)`` at ``primals`` for ``f(*primals) -> (y, aux)`` with ``y`` a real float
    scalar the caller has checked, differentiated in every argument (a tuple, one per primal).

    Unlike ``grad(has_aux=True)`` it accepts a ``y`` that does not depend on the arguments
    beside an ``aux`` that does: ``hvp`` differentiates the directional derivative of ``f``
    with ``f``'s value as aux, and the directional derivative of a linear ``f`` is constant.
    """
    rec = record(f, primals, True, transform, aux_order_checked=False)
    y = rec.out[0]
    seed = np.ones(np.shape(y), tangent_dtype(y))
    return _unflatten(rec.in_tree, pull_back(rec, [seed], True)), rec.aux


def grad(
    f: Callable[..., Any], argnums: Argnums = 0, has_aux: bool = False, holomorphic: bool = False
) -> Callable[..., Any]:
    """Return a function computing ``∇f``, the gradient of scalar-valued ``f``.

    Complex inputs follow ``value_and_grad``: ``grad(lambda z: abs(z) ** 2)(3 + 4j)`` is
    ``6 - 8j``, and ``grad(np.sin, holomorphic=True)(z)`` is ``np.cos(z)``.

    Args:
        f: a function whose output is a scalar or a one-element array.
        argnums: which positional argument(s) to differentiate; a tuple gives a tuple.
        has_aux: ``f`` returns ``(out, aux)``; the result is then ``(grad, aux)``.
        holomorphic: ``f`` is holomorphic with complex inputs and a complex output.

    Returns:
        A function returning the gradient, shaped like the selected argument(s). Keyword
        arguments of a call are passed to ``f`` unchanged and never differentiated.

    >>> import numpy as np
    >>> grad(lambda x: np.sum(2 * np.sin(x) + 1))(np.array([0.0, np.pi]))
    array([ 2., -2.])
    """
    value_and_grad_f = value_and_grad(f, argnums, has_aux, holomorphic)

    @name_transform("grad", f, "Gradient")
    def grad_f(*args: Any, **kwargs: Any) -> Any:
        value, g = value_and_grad_f(*args, **kwargs)
        return (g, value[1]) if has_aux else g

    return grad_f
