"""NumPy's set and array tools on traced values (np.unique and kin, np.union1d, np.resize)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..core import Tracer, concrete
from ..ops.constants import CONSTANTS
from ..ops.registry import shape_of, single_axis
from .registry import implements


@implements(np.isin)
def isin(element: Any, test_elements: Any, assume_unique: bool = False, invert: bool = False,
         *, kind: Any = None) -> Any:  # fmt: skip
    """``np.isin``: a boolean array, without derivative (a list of traced test elements is
    stacked first)."""
    if isinstance(test_elements, (list, tuple)):
        test_elements = np.asarray(test_elements)
    return CONSTANTS["isin"](
        element, test_elements, assume_unique=bool(assume_unique), invert=bool(invert), kind=kind
    )


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


@implements(np.ix_)
def ix_(*args: Any) -> tuple:
    """``np.ix_``: each 1-D argument reshaped to its own axis of an open mesh (a boolean one
    becomes the indices of its True elements): values keep their derivatives, as NumPy's
    reshape does."""
    count = len(args)
    out = []
    for k, a in enumerate(args):
        a = a if isinstance(a, Tracer) else np.asarray(a)
        if np.ndim(a) != 1:
            raise ValueError("Cross index must be 1 dimensional")
        if np.dtype(a.dtype).kind == "b":
            a = np.nonzero(a)[0]
        elif np.size(a) == 0 and not isinstance(a, Tracer):
            a = a.astype(np.intp)
        out.append(np.reshape(a, (1,) * k + (-1,) + (1,) * (count - k - 1)))
    return tuple(out)


@implements(np.apply_along_axis)
def apply_along_axis(func1d: Callable[..., Any], axis: int, arr: Any, *args: Any,
                     **kwargs: Any) -> Any:  # fmt: skip
    """``np.apply_along_axis``: ``func1d`` on each 1-D slice along ``axis``, results stacked
    where the axis was (a loop over the other indices)."""
    ndim = np.ndim(arr)
    axis = single_axis(axis, ndim)
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


@implements(np.unique)
def unique(ar: Any, return_index: bool = False, return_inverse: bool = False,
           return_counts: bool = False, axis: Any = None, **kwargs: Any) -> Any:  # fmt: skip
    """``np.unique``: the sorted distinct values (or subarrays along ``axis``), each gathered
    from its first occurrence in ``ar``, so its derivative flows to that element (as JAX's
    ``jnp.unique``); the indices, inverse and counts are constants.

    The output's shape depends on the values: ``vmap`` runs it once per example (a
    ``ValueError`` if the sizes differ) and ``compile`` raises ``ConcreteValueError``.

    >>> import functional_ad as fad
    >>> fad.grad(lambda x: np.sum(np.unique(x) ** 2))(np.array([3.0, 1.0, 3.0]))
    array([6., 2., 0.])
    """
    _, index, inverse, counts = np.unique(
        np.asarray(concrete(ar)),
        return_index=True,
        return_inverse=True,
        return_counts=True,
        axis=axis,
        **kwargs,
    )
    if axis is None:
        out = np.reshape(ar, (-1,))[index]
    else:
        out = np.moveaxis(np.moveaxis(ar, int(axis), 0)[index], 0, int(axis))
    extra = [
        part
        for part, wanted in zip(
            (index, inverse, counts), (return_index, return_inverse, return_counts), strict=True
        )
        if wanted
    ]
    return (out, *extra) if extra else out


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


def _gathered(x: Any, index: Any) -> Any:
    """``ravel(x)[index]`` for concrete integer ``index`` (the values carry ``x``'s derivative)."""
    return np.take(np.reshape(x, (-1,)), np.asarray(index, dtype=np.intp))


def _joined(ar1: Any, ar2: Any) -> Any:
    return np.concatenate([np.reshape(ar1, (-1,)), np.reshape(ar2, (-1,))])


@implements(np.union1d)
def union1d(ar1: Any, ar2: Any) -> Any:
    """``np.union1d``: the sorted distinct values of both (each from its first occurrence,
    ``ar1`` before ``ar2``)."""
    return unique(_joined(ar1, ar2))  # np.unique's rule: NaNs collapse into one


@implements(np.intersect1d)
def intersect1d(ar1: Any, ar2: Any, assume_unique: bool = False,
                return_indices: bool = False) -> Any:  # fmt: skip
    """``np.intersect1d``: the sorted values found in both, taken from ``ar1`` (so its
    derivative is ``ar1``'s)."""
    values, index1, index2 = np.intersect1d(
        np.asarray(concrete(ar1)), np.asarray(concrete(ar2)), assume_unique, return_indices=True
    )
    out = _gathered(ar1, index1)
    return (out, index1, index2) if return_indices else out


@implements(np.setdiff1d)
def setdiff1d(ar1: Any, ar2: Any, assume_unique: bool = False) -> Any:
    """``np.setdiff1d``: the values of ``ar1`` not in ``ar2`` (sorted and distinct unless
    ``assume_unique``), taken from ``ar1``."""
    values1 = np.reshape(np.asarray(concrete(ar1)), (-1,))
    keep = ~np.isin(values1, np.asarray(concrete(ar2)))
    if assume_unique:
        return _gathered(ar1, np.flatnonzero(keep))
    _, first = np.unique(np.where(keep, values1, np.nan), return_index=True, equal_nan=False)
    first = first[keep[first]]
    return _gathered(ar1, first)


@implements(np.setxor1d)
def setxor1d(ar1: Any, ar2: Any, assume_unique: bool = False) -> Any:
    """``np.setxor1d``: the sorted values in exactly one of the two arrays."""
    joined = _joined(ar1, ar2)
    values = np.asarray(concrete(joined))
    if assume_unique:
        _, first, counts = np.unique(values, return_index=True, return_counts=True)
    else:
        both = np.concatenate([np.unique(np.asarray(concrete(ar1))),
                               np.unique(np.asarray(concrete(ar2)))])  # fmt: skip
        _, counts = np.unique(both, return_counts=True)
        _, first = np.unique(values, return_index=True)
    return _gathered(joined, first[counts == 1])
