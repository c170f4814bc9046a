"""Gathers whose indices are arguments, not parameters, so the indices may be traced values.

``gather(x, indices, axis)`` is ``np.take_along_axis``; its transpose ``scatter_add`` adds
values into zeros at the same places. Index-producing functions (``argsort``, ``argmax``...)
are primitives without derivatives, so a sort is ``gather(x, argsort(x))``: every step is a
primitive, and vmap and compile see it whole instead of a value read at trace time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..core import Primitive, zero_derivative
from . import series
from .batching import broadcast_batch
from .registry import no_derivative, primitive, shape_of

FAMILY = "gather"


# ---------------------------------------------------------------- batch rules (vmap)


def _flat_take_index(indices: Any, size: int, n: int) -> Any:
    """Indices into the batch and axis flattened together: example b, index i -> b n + i."""
    offsets = np.reshape(np.arange(size) * n, (size,) + (1,) * (np.ndim(indices) - 1))
    return np.where(indices < 0, indices + n, indices) + offsets


def _take(prim: Primitive, size: int, vals: list, batched: tuple, axis: int) -> Any:
    x, indices = vals
    if not batched[1]:
        return prim(x, indices, axis=axis + 1)
    if not batched[0]:  # one array, a batch of index arrays: the batch lands at ``axis``
        return np.moveaxis(prim(x, indices, axis=axis), axis, 0)
    # both batched: flatten (batch, axis) into one axis and take from it once
    moved = np.moveaxis(x, axis + 1, 1)
    n = np.shape(moved)[1]
    flat = np.reshape(moved, (size * n,) + np.shape(moved)[2:])
    out = prim(flat, _flat_take_index(indices, size, n), axis=0)  # (B, *idx, *rest)
    k = np.ndim(indices) - 1
    order = [0, *range(1 + k, 1 + k + axis), *range(1, 1 + k), *range(1 + k + axis, np.ndim(out))]
    return np.transpose(out, order)


def _take_add(
    prim: Primitive, size: int, vals: list, batched: tuple, axis: int, shape: tuple
) -> Any:
    indices, v = vals
    if not batched[0]:
        return prim(indices, v, axis=axis + 1, shape=(size,) + tuple(shape))
    v = v if batched[1] else broadcast_batch(v, size)
    k = np.ndim(indices) - 1
    n = shape[axis]
    rest = tuple(shape[:axis]) + tuple(shape[axis + 1 :])
    # values as (B, *idx, *rest), added into the flattened (batch, axis)
    order = [
        0,
        *range(1 + axis, 1 + axis + k),
        *range(1, 1 + axis),
        *range(1 + axis + k, np.ndim(v)),
    ]
    flat = prim(
        _flat_take_index(indices, size, n), np.transpose(v, order), axis=0, shape=(size * n,) + rest
    )
    return np.moveaxis(np.reshape(flat, (size, n) + rest), 1, axis + 1)


def _gather(prim: Primitive, size: int, vals: list, batched: tuple, axis: int) -> Any:
    x, indices = (v if b else broadcast_batch(v, size) for v, b in zip(vals, batched, strict=True))
    return prim(x, indices, axis=axis % (np.ndim(x) - 1) + 1)


def _scatter_add(
    prim: Primitive, size: int, vals: list, batched: tuple, axis: int, shape: tuple
) -> Any:
    indices, values = (
        v if b else broadcast_batch(v, size) for v, b in zip(vals, batched, strict=True)
    )
    return prim(indices, values, axis=axis % len(shape) + 1, shape=(size,) + tuple(shape))


def _flattening_axis(prim: Primitive, size: int, vals: list, batched: tuple, **params: Any) -> Any:
    """Index functions whose ``axis=None`` means the flattened example."""
    (x,) = vals
    keepdims = params.get("keepdims", False)
    example_shape = np.shape(x)[1:]
    if params["axis"] is None:
        params["axis"] = 1
        x = np.reshape(x, (size, -1))
        out = prim(x, **params)
        if keepdims:
            out = np.reshape(out, (size,) + (1,) * len(example_shape))
        return out
    params["axis"] = params["axis"] % max(len(example_shape), 1) + 1
    return prim(x, **params)


def _full_index(indices: Any, axis: int) -> tuple:
    """The advanced index that ``np.take_along_axis(x, indices, axis)`` uses."""
    grids = np.indices(np.shape(indices), sparse=True)
    return tuple(indices if k == axis else g for k, g in enumerate(grids))


def _scatter_add_impl(indices: Any, values: Any, axis: int, shape: tuple) -> Any:
    out = np.zeros(shape, dtype=np.result_type(values))
    np.add.at(out, _full_index(np.broadcast_to(indices, np.shape(values)), axis), values)
    return out


gather: Primitive = primitive(
    "gather",
    lambda x, indices, axis: np.take_along_axis(x, indices, axis=axis),
    jvp=(lambda t, y, x, indices, axis: gather(t, indices, axis=axis), zero_derivative),
    vjp=(
        lambda g, y, x, indices, axis: scatter_add(indices, g, axis=axis, shape=shape_of(x)),
        zero_derivative,
    ),
    family=FAMILY,
    batch=_gather,
    reads=((1,), ()),
    jet=series.linear_rule,
)
# the transpose of gather: repeated indices add up
scatter_add: Primitive = primitive(
    "scatter_add",
    _scatter_add_impl,
    jvp=(
        zero_derivative,
        lambda t, y, indices, values, axis, shape: scatter_add(indices, t, axis=axis, shape=shape),
    ),
    vjp=(
        zero_derivative,
        lambda g, y, indices, values, axis, shape: gather(g, indices, axis=axis),
    ),
    family=FAMILY,
    batch=_scatter_add,
    reads=((), (0,)),
    jet=series.linear_rule,
)

argsort = no_derivative(
    "argsort",
    lambda x, axis, kind, stable: np.argsort(x, axis=axis, kind=kind, stable=stable),
    family=FAMILY,
    batch=_flattening_axis,
)
argpartition = no_derivative(
    "argpartition",
    lambda x, kth, axis: np.argpartition(x, kth, axis=axis),
    family=FAMILY,
    batch=_flattening_axis,
)


def _index_of_extremum(func: Callable[..., Any]) -> Primitive:
    """``np.argmax``-like ``func(x, axis, keepdims)`` as a primitive without derivative
    (NumPy's own function: ``nanargmax`` of an all-NaN slice raises its ValueError)."""
    return no_derivative(
        func.__name__,
        lambda x, axis, keepdims: func(x, axis=axis, keepdims=keepdims),
        family=FAMILY,
        batch=_flattening_axis,
    )


argmax = _index_of_extremum(np.argmax)
argmin = _index_of_extremum(np.argmin)
nanargmax = _index_of_extremum(np.nanargmax)
nanargmin = _index_of_extremum(np.nanargmin)


def _take_add_impl(indices: Any, values: Any, axis: int, shape: tuple) -> Any:
    out = np.zeros(shape, dtype=np.result_type(values))
    np.add.at(out, (slice(None),) * axis + (indices,), values)
    return out


# take(x, indices, axis) is np.take: the indices' shape replaces axis ``axis``; the indices
# are an argument, so they may be traced (a per-example label under vmap)
take: Primitive = primitive(
    "take",
    lambda x, indices, axis: np.take(x, indices, axis=axis),
    jvp=(lambda t, y, x, indices, axis: take(t, indices, axis=axis), zero_derivative),
    vjp=(
        lambda g, y, x, indices, axis: take_add(indices, g, axis=axis, shape=shape_of(x)),
        zero_derivative,
    ),
    family=FAMILY,
    batch=_take,
    reads=((1,), ()),
    jet=series.linear_rule,
)
# the transpose of take: values added into zeros at the indices along ``axis``
take_add: Primitive = primitive(
    "take_add",
    _take_add_impl,
    jvp=(
        zero_derivative,
        lambda t, y, indices, v, axis, shape: take_add(indices, t, axis=axis, shape=shape),
    ),
    vjp=(zero_derivative, lambda g, y, indices, v, axis, shape: take(g, indices, axis=axis)),
    family=FAMILY,
    batch=_take_add,
    reads=((), (0,)),
    jet=series.linear_rule,
)
