"""Batching rules for the registry's primitives, by family where a family shares one shape.

Elementwise primitives (ops/elementwise.py, ops/special.py) broadcast; primitives that NumPy
already maps over leading axes (most of numpy.linalg) take the batch as one more leading
axis; the rest have a rule each below. A primitive without one falls back to a loop over
the batch (``vmap.batch_by_loop``), which is correct but slow: ``tests/test_vmap.py`` checks
that no registered primitive is left to it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core import Primitive, Rule
from ..ops.indexing import normalize_index
from ..ops.registry import PRIMITIVES
from .vmap import (
    batch_all,
    batch_by_loop,
    batch_elementwise,
    broadcast_batch,
    example_ndim,
    shift_axis_param,
    to_rank,
)

ELEMENTWISE_FAMILIES = {"elementwise", "special"}


def _reshape(prim: Primitive, size: int, vals: list, batched: tuple, shape: tuple) -> Any:
    return prim(vals[0], shape=(size,) + tuple(shape))


def _transpose(prim: Primitive, size: int, vals: list, batched: tuple, axes: tuple) -> Any:
    return prim(vals[0], axes=(0,) + tuple(a + 1 for a in axes))


def _broadcast_to(prim: Primitive, size: int, vals: list, batched: tuple, shape: tuple) -> Any:
    return prim(to_rank(vals[0], len(shape)), shape=(size,) + tuple(shape))


def _concatenate(prim: Primitive, size: int, vals: list, batched: tuple, axis: int) -> Any:
    vals = [v if b else broadcast_batch(v, size) for v, b in zip(vals, batched, strict=True)]
    return prim(*vals, axis=axis + 1)


def _advanced_positions(index: tuple) -> list[int]:
    return [k for k, i in enumerate(index) if isinstance(i, np.ndarray)]


def _batched_index(index: tuple) -> tuple[tuple, int]:
    """Prefix ``index`` with the batch slice; return it and where NumPy puts the batch axis.

    NumPy moves the dimensions of separated advanced indices to the front, in which case the
    batch axis lands right after them.
    """
    new = (slice(None),) + tuple(index)
    adv = _advanced_positions(index)
    if len(adv) > 1 and adv[-1] - adv[0] + 1 != len(adv):
        arrays = [index[k] for k in adv]
        adv_ndim = np.broadcast_shapes(
            *[np.nonzero(a)[0].shape if a.dtype == bool else a.shape for a in arrays]
        )
        return new, len(adv_ndim)
    return new, 0


def _getitem(prim: Primitive, size: int, vals: list, batched: tuple, index: tuple) -> Any:
    new, axis = _batched_index(index)
    out = prim(vals[0], index=normalize_index(new))
    return np.moveaxis(out, axis, 0) if axis else out


def _scatter(prim: Primitive, size: int, vals: list, batched: tuple, index: tuple) -> Any:
    base, v = vals
    base = base if batched[0] else broadcast_batch(base, size)
    new, axis = _batched_index(index)
    if batched[1]:
        slot_ndim = np.ndim(np.empty(np.shape(base)[1:], np.int8)[index])
        v = to_rank(v, slot_ndim)
        if axis:
            v = np.moveaxis(v, 0, axis)
    return prim(base, v, index=normalize_index(new))


def _embed(
    prim: Primitive, size: int, vals: list, batched: tuple, index: tuple, shape: tuple
) -> Any:
    (v,) = vals
    new, axis = _batched_index(index)
    slot_ndim = np.ndim(np.empty(shape, np.int8)[index])
    v = to_rank(v, slot_ndim)
    if axis:
        v = np.moveaxis(v, 0, axis)
    return prim(v, index=normalize_index(new), shape=(size,) + tuple(shape))


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


def _matmul(prim: Primitive, size: int, vals: list, batched: tuple) -> Any:
    a, b = vals
    a_vec = example_ndim(a, batched[0]) == 1
    b_vec = example_ndim(b, batched[1]) == 1
    # a batch of vectors against one matrix is a single matrix product
    if batched == (True, False) and a_vec and np.ndim(b) == 2:
        return prim(a, b)
    if batched == (False, True) and b_vec and np.ndim(a) == 2:
        return prim(b, np.transpose(a))
    if a_vec:  # a row vector: (..., k) -> (..., 1, k)
        a = np.expand_dims(a, -2)
    if b_vec:  # a column vector: (..., k) -> (..., k, 1)
        b = np.expand_dims(b, -1)
    rank = max(example_ndim(a, batched[0]), example_ndim(b, batched[1]))
    a = to_rank(a, rank) if batched[0] else a
    b = to_rank(b, rank) if batched[1] else b
    out = prim(a, b)
    if b_vec:
        out = out[..., 0]
    if a_vec:
        out = out[..., 0, :] if not b_vec else out[..., 0]
    return out


def _einsum(prim: Primitive, size: int, vals: list, batched: tuple, spec: str) -> Any:
    ins, out = spec.split("->")
    letter = next(
        c for c in "ZYXWVUTSRQPONMLKJIHGFEDCBAzyxwvutsrqponmlkjihgfedcba" if c not in spec
    )
    subs = [letter + s if b else s for s, b in zip(ins.split(","), batched, strict=True)]
    return prim(*vals, spec=",".join(subs) + "->" + letter + out)


def _scan(prim: Primitive, size: int, vals: list, batched: tuple, axis: int) -> Any:
    return prim(vals[0], axis=axis % max(np.ndim(vals[0]) - 1, 1) + 1)


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


RULES: dict[str, Rule] = {
    "gather": _gather,
    "take": _take,
    "take_add": _take_add,
    "scatter_add": _scatter_add,
    "argsort": _flattening_axis,
    "argpartition": _flattening_axis,
    "argmax": _flattening_axis,
    "argmin": _flattening_axis,
    "reshape": _reshape,
    "transpose": _transpose,
    "broadcast_to": _broadcast_to,
    "concatenate": _concatenate,
    "getitem": _getitem,
    "index_add": _scatter,
    "scatter_set": _scatter,
    "embed": _embed,
    "matmul": _matmul,
    "einsum": _einsum,
    "sum": shift_axis_param("axis"),
    "prod": shift_axis_param("axis"),
    "max": shift_axis_param("axis"),
    "min": shift_axis_param("axis"),
    "cumsum": _scan,
    "cumprod": _scan,
    "where": batch_elementwise,
    "stop_gradient": batch_elementwise,
}


def install() -> None:
    """Attach a batching rule to every registered primitive that has none."""
    for name, prim in PRIMITIVES.items():
        if prim.batch is not None:
            continue
        if name in RULES:
            prim.batch = RULES[name]
        elif prim.family in ELEMENTWISE_FAMILIES:
            prim.batch = batch_elementwise
        elif prim.family == "linalg":
            prim.batch = batch_all
        elif prim.family == "dispatch":  # constant functions of whole arrays (np.unique...)
            prim.batch = batch_by_loop
