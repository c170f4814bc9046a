"""Vectorising map: a trace whose tracers carry a batch of values along a leading axis.

A ``BatchTracer`` holds an array whose axis 0 is the batch; user code sees the per-example
shape. Values that do not depend on the batch are never tracers, so they stay unbatched.
Each primitive's ``batch`` rule receives the values (batched ones with the batch on axis 0)
and a tuple saying which are batched, and returns the batched output (batch on axis 0).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..core import ConcreteValueError, Primitive, Trace, Tracer, new_trace
from ..core.tree import tree_flatten, tree_map, tree_unflatten
from ..core.views import layout_of, mark_array, record_elementwise_layout
from ..ops.batching import broadcast_batch
from .common import name_transform
from .structured import ScaledIdentity, apply_structured, densify


class BatchTracer(Tracer):
    """A batch of values, batch axis first; ``shape`` is the shape of one example."""

    __slots__ = ()

    def __init__(self, trace: BatchTrace, value: Any) -> None:
        self._trace = trace
        self._value = value
        self._alias = None

    @property
    def shape(self) -> tuple[int, ...]:
        return self._value.shape[1:]


class BatchTrace(Trace):
    """Run each primitive once on the whole batch using its batching rule."""

    __slots__ = ("size",)
    differentiates = False  # no_grad does not pause vmap
    opaque = True

    def concrete_error(self) -> ConcreteValueError:
        return ConcreteValueError(
            self,
            "vmap: this needs the concrete value of a batched array (Python control flow such "
            "as `if x > 0`, or a value-dependent NumPy function), but it has one value per "
            "example. Use np.where for branches.",
        )

    def __init__(self, level: int, transform: str, size: int) -> None:
        super().__init__(level, transform)
        self.size = size

    def map_examples(self, fn: Callable[..., Any], args: tuple, kwargs: dict) -> Any:
        """Run ``fn`` once per example and stack the results: the rule of last resort for
        functions that need concrete values (sorting permutations, NaN masks, ...)."""

        leaves = tree_flatten((args, kwargs))[0]
        if any(isinstance(x, Tracer) and x._trace.level > self.level for x in leaves):
            # the batch is wrapped by a transform inside vmap: slicing cannot reach it
            raise self.concrete_error()

        def example(i: int) -> Any:
            return tree_map(
                lambda x: (
                    densify(x._value)[i] if type(x) is BatchTracer and x._trace is self else x
                ),
                (args, kwargs),
            )

        outs = []
        for i in range(self.size):
            a, k = example(i)
            outs.append(fn(*a, **k))
        return tree_map(lambda *xs: BatchTracer(self, self._stacked(fn, xs)), *outs)

    @staticmethod
    def _stacked(fn: Callable[..., Any], results: tuple) -> Any:
        """The per-example results stacked, or a ValueError naming ``fn`` if they differ in
        shape (a function whose output size depends on the values, like ``np.unique``)."""
        shapes = {np.shape(r) for r in results}
        if len(shapes) > 1:
            name = getattr(fn, "__name__", "this function")
            raise ValueError(
                f"vmap of {name}: the examples give results of different shapes "
                f"({', '.join(str(s) for s in sorted(shapes))}), and a batch needs one shape. "
                "Loop over the examples in Python instead, or make the size fixed."
            )
        return np.stack(results)

    def pure(self, value: Any) -> BatchTracer:
        return BatchTracer(self, np.broadcast_to(value, (self.size,) + np.shape(value)))

    def process(self, prim: Primitive, args: tuple, params: dict) -> Any:
        if not self.active:
            return self.process_inactive(prim, args, params)
        vals = []
        batched = []
        structured = False
        for a in args:
            mine = type(a) is BatchTracer and a._trace is self
            value = a._value if mine else a
            structured = structured or type(value) is ScaledIdentity
            vals.append(value)
            batched.append(mine)
        if structured:  # a scaled identity from jacrev/jacfwd: keep it symbolic if we can
            out = apply_structured(prim.name, vals, tuple(batched), params)
            if out is not None:
                return BatchTracer(self, out)
            vals = [densify(v) for v in vals]
        rule = prim.batch
        if rule is None:
            raise prim.missing_batch_rule()
        if self.observer is None:
            out = rule(prim, self.size, vals, tuple(batched), **params)
        else:
            out = self.observer.batch(prim, rule, (prim, self.size, vals, tuple(batched)), params)
        if prim.multiple_results:
            results = tuple(BatchTracer(self, o) for o in out)
            if prim.elementwise:  # (np.frexp, np.modf)
                for i, r in enumerate(results):
                    record_elementwise_layout(r, prim.impl, args, params, i)
            return results
        result = BatchTracer(self, out)
        if prim.elementwise:  # each example laid out as NumPy lays it out, not as the batch
            record_elementwise_layout(result, prim.impl, args, params)
        return result


# ----------------------------------------------------------------------------- vmap


def axes_leaves(axes: Any, tree: Any, what: str) -> list[Any]:
    """Broadcast an ``in_axes``/``out_axes`` spec (int, None or a tree prefix) to leaves."""
    leaves, treedef = tree_flatten(tree)
    if axes is None or isinstance(axes, int):
        return [axes] * len(leaves)
    out: list[Any] = []
    _match_prefix(axes, tree, out, what)
    return out


def _match_prefix(axes: Any, tree: Any, out: list, what: str) -> None:
    if axes is None or isinstance(axes, int):
        out.extend([axes] * len(tree_flatten(tree)[0]))
        return
    if isinstance(axes, dict) and isinstance(tree, dict):
        if set(axes) != set(tree):
            raise ValueError(f"vmap: {what} keys {sorted(axes)} do not match {sorted(tree)}")
        for k in sorted(tree):
            _match_prefix(axes[k], tree[k], out, what)
        return
    if isinstance(axes, (list, tuple)) and isinstance(tree, (list, tuple)):
        if len(axes) != len(tree):
            raise ValueError(f"vmap: {what} has {len(axes)} entries for {len(tree)} values")
        for a, t in zip(axes, tree, strict=True):
            _match_prefix(a, t, out, what)
        return
    raise ValueError(f"vmap: {what} {axes!r} does not match the structure of {tree!r:.80}")


def _check_axes(args: tuple, flat_axes: list[Any]) -> None:
    """Every mapped axis exists in its argument; the error names argument and axis."""
    k = 0
    for n, arg in enumerate(args):
        leaves = tree_flatten(arg)[0]
        for j, leaf in enumerate(leaves):
            axis = flat_axes[k + j]
            ndim = np.ndim(leaf)
            if axis is not None and not -ndim <= axis < ndim:
                where = f"argument {n}" + (f" leaf {j}" if len(leaves) > 1 else "")
                raise ValueError(
                    f"vmap: in_axes={axis} for {where}, which has shape {np.shape(leaf)} "
                    f"({ndim} axes); give an axis between {-ndim} and {ndim - 1}, or None to "
                    "leave it unmapped"
                    if ndim
                    else f"vmap: in_axes={axis} for {where}, a 0-d value with no axis to map; "
                    "give None to pass it to every call unmapped"
                )
        k += len(leaves)


def _example_layout(x: Any, axis: int, size: int) -> Any:
    """How NumPy holds one example of ``x`` (``x`` taken at 0 along ``axis``) in memory, for
    ``mark_array``: None for C order, else the example itself (only its strides are read).

    >>> _example_layout(np.ones((4, 3, 2)).transpose(0, 2, 1), 0, 4).strides
    (8, 16)
    >>> _example_layout(np.ones((5, 3, 2)).transpose(2, 1, 0), -1, 5).strides
    (8, 16)
    """
    layout = layout_of(x)
    if layout is None or size == 0 or layout.ndim < 3:
        return None  # (an example of fewer than two axes is laid out in C order)
    example = layout[(slice(None),) * (axis % layout.ndim) + (0,)]
    return None if example.flags.c_contiguous else example


def vmap(f: Callable[..., Any], in_axes: Any = 0, out_axes: Any = 0) -> Callable[..., Any]:
    """Return ``f`` mapped over an axis of its arguments: ``vmap(f)(X)[i] == f(X[i])``.

    Args:
        f: a function of arrays or pytrees.
        in_axes: the batch axis of each argument: an int, ``None`` (not batched) or a tree
            prefix of the arguments (a tuple with one entry per argument).
        out_axes: where the batch axis goes in each output (int, ``None`` or a tree prefix);
            ``None`` requires the output not to depend on the batch.

    Returns:
        The batched function. It runs ``f`` once, on whole batches. Keyword arguments of a
        call are passed to ``f`` unchanged: broadcast to every example, never mapped (map an
        argument by passing it positionally, with its entry of ``in_axes``).

    >>> import numpy as np
    >>> vmap(lambda x: x @ x)(np.array([[1.0, 2.0], [3.0, 4.0]]))
    array([ 5., 25.])
    """

    @name_transform("vmap", f, "Vectorised map")
    def vmap_f(*args: Any, **kwargs: Any) -> Any:
        axes = in_axes if not isinstance(in_axes, list) else tuple(in_axes)
        if isinstance(axes, tuple) and len(axes) != len(args):
            raise ValueError(f"vmap: in_axes has {len(axes)} entries for {len(args)} arguments")
        flat, in_tree = tree_flatten(args)
        flat_axes = axes_leaves(axes, args, "in_axes")
        _check_axes(args, flat_axes)
        sizes = {np.shape(x)[a] for x, a in zip(flat, flat_axes, strict=True) if a is not None}
        if len(sizes) != 1:
            raise ValueError(
                "vmap: the mapped axes must have one common size; got "
                + (str(sorted(sizes)) if sizes else "no mapped argument (all in_axes are None)")
            )
        (size,) = sizes
        with new_trace(BatchTrace, "vmap", size) as trace:
            ins = [
                # (an example of an array argument is an array: in-place updates alias)
                x
                if a is None
                else mark_array(
                    BatchTracer(trace, x if a == 0 else np.moveaxis(x, a, 0)),
                    _example_layout(x, a, size),
                )
                for x, a in zip(flat, flat_axes, strict=True)
            ]
            out = f(*tree_unflatten(in_tree, ins), **kwargs)
            out_flat, out_tree = tree_flatten(out)
            out_leaves = []
            for o, a in zip(out_flat, axes_leaves(out_axes, out, "out_axes"), strict=True):
                mine = type(o) is BatchTracer and o._trace is trace
                if a is None:
                    if mine:
                        raise ValueError(
                            "vmap: out_axes=None for an output that depends on the batch"
                        )
                    out_leaves.append(o)
                    continue
                value = densify(o._value) if mine else broadcast_batch(o, size)
                out_leaves.append(np.moveaxis(value, 0, a) if a != 0 else value)
        return tree_unflatten(out_tree, out_leaves)

    return vmap_f
