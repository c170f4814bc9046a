"""Array utilities whose values carry derivatives: ``np.resize``, ``np.trim_zeros``,
``np.apply_along_axis``, the values of ``np.unique_values``/``unique_counts``/
``unique_inverse``/``unique_all``; and ``np.ix_``, which builds index arrays (constants).

Functions whose output shape depends on the values (``trim_zeros``, the ``unique_*``) read
them: they differentiate under ``grad``/``jvp`` and raise under ``vmap``/``compile``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..core import concrete
from .registry import implements, no_derivative, shape_of


@implements(np.resize)
def resize(a: Any, new_shape: Any) -> Any:
    """``np.resize``: the flattened ``a`` repeated cyclically to fill ``new_shape``."""
    shape = (int(new_shape),) if isinstance(new_shape, (int, np.integer)) else tuple(new_shape)
    total = int(np.prod(shape, dtype=np.int64))
    flat = np.reshape(a, (-1,))
    size = shape_of(flat)[0]
    if size == 0 or total == 0:
        return np.zeros(shape, np.result_type(flat.dtype))
    repeats = -(-total // size)
    filled = np.concatenate([flat] * repeats) if repeats > 1 else flat
    return np.reshape(filled[:total], shape)


@implements(np.trim_zeros)
def trim_zeros(filt: Any, trim: str = "fb", axis: Any = None) -> Any:
    """``np.trim_zeros``: leading (``'f'``) and trailing (``'b'``) zeros removed, decided on
    the values."""
    values = np.asarray(concrete(filt))
    if values.ndim != 1 or axis is not None:
        raise NotImplementedError("numpy.trim_zeros: only 1-D input with traced values")
    nonzero = np.flatnonzero(values)
    if nonzero.size == 0:
        return filt[:0]
    start = int(nonzero[0]) if "f" in trim.lower() else 0
    stop = int(nonzero[-1]) + 1 if "b" in trim.lower() else values.size
    return filt[start:stop]


def _ix_batch(prim: Any, size: int, vals: list, batched: tuple, **params: Any) -> tuple:
    """Batching rule of ``ix_``: argument ``i`` becomes ``(batch, 1.., n_i, ..1)``."""
    count = len(vals)
    out = []
    for i, (v, b) in enumerate(zip(vals, batched, strict=True)):
        v = v if b else np.broadcast_to(v, (size,) + shape_of(v))
        if np.dtype(v.dtype).kind == "b":
            raise NotImplementedError("vmap of numpy.ix_ with boolean masks is not supported")
        shape = (size,) + (1,) * i + (shape_of(v)[1],) + (1,) * (count - i - 1)
        out.append(np.reshape(v, shape))
    return tuple(out)


_ix = no_derivative(
    "ix_", lambda *args: tuple(np.ix_(*args)), multiple_results=True, batch=_ix_batch
)


@implements(np.ix_)
def ix_(*args: Any) -> tuple:
    """``np.ix_``: open-mesh index arrays (integers: a constant for every transform)."""
    return tuple(_ix(*args))


@implements(np.apply_along_axis)
def apply_along_axis(func1d: Callable[..., Any], axis: int, arr: Any, *args: Any,
                     **kwargs: Any) -> Any:  # fmt: skip
    """``np.apply_along_axis``: ``func1d`` on each 1-D slice along ``axis``, results stacked
    where the axis was (a loop over the other indices)."""
    ndim = np.ndim(arr)
    axis = int(axis) % ndim
    moved = np.moveaxis(arr, axis, -1)
    outer = shape_of(moved)[:-1]
    results = [func1d(moved[index], *args, **kwargs) for index in np.ndindex(*outer)]
    if not results:
        raise ValueError("Cannot apply_along_axis when any iteration dimensions are 0")
    stacked = np.stack([np.asarray(r) if not hasattr(r, "shape") else r for r in results])
    res_shape = shape_of(stacked)[1:]
    out = np.reshape(stacked, outer + res_shape)
    # NumPy puts the result's axes where ``axis`` was
    res_ndim = len(res_shape)
    order = list(range(axis)) + list(range(ndim - 1, ndim - 1 + res_ndim))
    order += list(range(axis, ndim - 1))
    return np.transpose(out, order)


def _unique_parts(x: Any) -> tuple[Any, np.ndarray, np.ndarray, np.ndarray]:
    """Values (gathered from ``x``, so they carry its derivative), first indices, inverse
    indices and counts, from NumPy's unique on the concrete values."""
    values = np.asarray(concrete(x))
    _, index, inverse, counts = np.unique(
        values, return_index=True, return_inverse=True, return_counts=True, equal_nan=False
    )
    flat = np.reshape(x, (-1,))
    return np.take(flat, index), index, np.reshape(inverse, values.shape), counts


@implements(np.unique_values)
def unique_values(x: Any) -> Any:
    """``np.unique_values``: the sorted distinct values."""
    return _unique_parts(x)[0]


@implements(np.unique_counts)
def unique_counts(x: Any) -> Any:
    """``np.unique_counts``: the distinct values and how often each occurs."""
    values, _, _, counts = _unique_parts(x)
    return type(np.unique_counts(np.zeros(1)))(values, counts)


@implements(np.unique_inverse)
def unique_inverse(x: Any) -> Any:
    """``np.unique_inverse``: the distinct values and the indices rebuilding ``x``."""
    values, _, inverse, _ = _unique_parts(x)
    return type(np.unique_inverse(np.zeros(1)))(values, inverse)


@implements(np.unique_all)
def unique_all(x: Any) -> Any:
    """``np.unique_all``: values, first indices, inverse indices and counts."""
    values, index, inverse, counts = _unique_parts(x)
    return type(np.unique_all(np.zeros(1)))(values, index, inverse, counts)


__all__ = [
    "apply_along_axis",
    "ix_",
    "resize",
    "trim_zeros",
    "unique_all",
    "unique_counts",
    "unique_inverse",
    "unique_values",
]
