"""Reverse mode: record a graph with ``GraphTrace``, then walk it backwards in a loop."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..core import Primitive, new_trace
from ..core.tree import TreeDef, tree_flatten, tree_unflatten
from ..core.zeros import Zero, add_any
from ..graph import GraphTrace, Node, tuple_item
from ..ops.registry import shape_of
from .common import (
    check_aux_order,
    check_like,
    check_outputs,
    lower_tree,
    materialize,
    owned_results,
    prepare_inputs,
)
from .forward import _arity_error


def backward_pass(
    nodes: list[Node], seeds: Sequence[tuple[Node, Any]], leaves: Sequence[Node], consume: bool
) -> list[Any]:
    """Return the cotangents of ``leaves`` given cotangents ``seeds`` of output nodes.

    Walks ``nodes`` from last to first; a node with no cotangent does not lead to an output
    and is skipped. With ``consume`` the nodes are popped as they are used, so intermediates
    are released during the pass (and ``seeds``, a list, is emptied: it would hold the
    output nodes and through them every node). Missing cotangents come back as ``None``.
    """
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
        prim: Primitive = node.prim  # type: ignore[assignment]  # only inputs have no prim
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
                    bar = rule(y_bar, y, *args, **params)
                    if bar is not None:
                        old = cts.get(parent)
                        cts[parent] = bar if old is None else old + bar
                i += 1
            continue
        _special_vjp(node, prim, y_bar, cts)
    return [cts.get(leaf) for leaf in leaves]


def _special_vjp(node: Node, prim: Any, y_bar: Any, cts: dict) -> None:
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
        bars = prim.vjp_joint(y_bar, node.value, *node.args, **node.params)
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
            bar = rule(y_bar, node.value, *node.args, **node.params)
            if bar is not None:
                cts[parent] = add_any(cts.get(parent), bar)


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
    names: Sequence[str] | None = None,
    keeps_inputs: bool = False,
) -> _Recording:
    """Run ``f(*primals)`` under a new ``GraphTrace`` and keep what the reverse pass needs.

    ``names`` says how errors call each flat input leaf (default ``input leaf i``).
    ``keeps_inputs``: the recording outlives the call (``vjp``), so inputs the caller could
    change afterwards are copied.
    """
    rec = _Recording()
    flat, rec.in_tree = tree_flatten(tuple(primals))
    rec.in_values = prepare_inputs(flat, transform, names)
    if keeps_inputs:
        rec.in_values = [_owned(x) for x in rec.in_values]
    with new_trace(GraphTrace, transform) as trace:
        ins = [trace.new_input(x) for x in rec.in_values]
        rec.leaves = [t._node for t in ins]
        out = f(*tree_unflatten(rec.in_tree, ins))
        if has_aux:
            if not (isinstance(out, (tuple, list)) and len(out) == 2):
                raise TypeError("with has_aux=True the function must return a pair (output, aux)")
            out, aux = out
            check_aux_order(trace, out, aux, transform)
            rec.aux = lower_tree(trace, aux)
        out_flat, rec.out_tree = tree_flatten(out)
        check_outputs(out_flat, transform)
        rec.out_nodes = [trace.node_of(o) for o in out_flat]
        rec.out = [trace.lower(o) for o in out_flat]
    rec.trace = trace
    return rec


def _owned(x: Any) -> Any:
    """``x``, or a copy of it if it is a NumPy array somebody could write into."""
    return x.copy() if type(x) is np.ndarray and x.flags.writeable else x


def pull_back(rec: _Recording, cotangents: Sequence[Any], consume: bool) -> list[Any]:
    """Cotangents of the flat inputs, materialised and cast to the inputs' dtypes."""
    seeds = [(n, c) for n, c in zip(rec.out_nodes, cotangents, strict=True) if n is not None]
    if consume:  # the pass frees each node once used; the outputs must not hold them all
        rec.out_nodes = []
    bars = backward_pass(rec.trace.nodes, seeds, rec.leaves, consume)
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
    shape = shape_of(x)
    if shape_of(bar) != shape:
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
