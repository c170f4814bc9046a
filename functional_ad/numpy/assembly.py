"""Assembly: gathers and rearrangements built from getitem, gather, index_add, concatenate, where.

Every function here is a composition of primitives, so its derivatives (to any order) come
from theirs. Where the elements go is either fixed by shapes and constant indices (``np.insert``,
``np.delete`` and ``np.pad`` are run on arrays of element labels to find it) or computed from
the values by a primitive without derivative (``argsort`` for ``sort``), so that ``compile``
and ``vmap`` see it as a step of the program rather than a value read while tracing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, cast

import numpy as np

from ..core import ConcreteValueError, Tracer, concrete
from ..ops.constants import CONSTANTS
from ..ops.gather import argmax as argmax_p
from ..ops.gather import argmin as argmin_p
from ..ops.gather import argpartition as argpartition_p
from ..ops.gather import argsort as argsort_p
from ..ops.gather import gather
from ..ops.gather import nanargmax as nanargmax_p
from ..ops.gather import nanargmin as nanargmin_p
from ..ops.indexing import getitem, index_add, normalize_index, take_along
from ..ops.registry import normalize_axis, shape_of, single_axis
from ..ops.shape import where_p
from .registry import NUMPY, constant_result, implements
from .shape import broadcast_to, concatenate, moveaxis, ravel, reshape, transpose


def as_array(x: Any) -> Any:
    """Tracers and arrays pass; Python numbers and lists become arrays."""
    return x if isinstance(x, (Tracer, np.ndarray)) else np.asarray(x)


def index_values(indices: Any) -> np.ndarray:
    """Concrete integer indices from an array, list, number or integer-valued tracer."""
    if isinstance(indices, (Tracer, list)):
        indices = normalize_index((indices,))[0]
    indices = np.asarray(indices)
    if indices.dtype.kind not in "iu" and indices.size:
        raise IndexError(f"indices must be integers, got dtype {indices.dtype}")
    return indices.astype(np.intp, copy=False)


def _along(axis: int, index: Any) -> tuple:
    return (slice(None),) * axis + (index,)


def _labels(shape: tuple) -> np.ndarray:
    """Element numbers in C order, shaped like the array they label."""
    return np.arange(int(np.prod(shape, dtype=np.int64)), dtype=np.intp).reshape(shape)


def _gather_labels(x: Any, labels: np.ndarray) -> Any:
    """The elements of ``x`` named by ``labels`` (from ``_labels``), in the labels' shape."""
    return getitem(ravel(x), (labels,))


# ----------------------------------------------------------------------------- sorting


@implements(np.take_along_axis)
def take_along_axis(arr: Any, indices: Any, axis: Any = -1) -> Any:
    """``np.take_along_axis``: ``arr`` gathered at ``indices`` along ``axis`` (the indices may
    be traced integers, e.g. from ``np.argsort`` under ``compile``)."""
    arr = as_array(arr)
    if not isinstance(indices, Tracer):
        indices = index_values(indices)
    elif indices.dtype.kind not in "iu":
        raise IndexError(f"`indices` must be an integer array, got a traced {indices.dtype}")
    if axis is None:
        arr, axis = ravel(arr), 0
    ndim = np.ndim(arr)
    if np.ndim(indices) != ndim:
        raise ValueError("`indices` and `arr` must have the same number of dimensions")
    axis = single_axis(axis, ndim)
    # arr broadcasts against indices outside ``axis``; do it first so the transpose sums back
    shape = tuple(
        n if d == axis else np.broadcast_shapes((n,), (m,))[0]
        for d, (n, m) in enumerate(zip(shape_of(arr), shape_of(indices), strict=True))
    )
    if shape != shape_of(arr):
        arr = broadcast_to(arr, shape)
    return gather(arr, indices, axis=axis)


def _argsort(
    a: Any, axis: Any = -1, kind: Any = None, order: Any = None, *, stable: Any = None
) -> Any:
    """``np.argsort`` as a primitive without derivative: a constant, but one that ``compile``
    records and ``vmap`` batches."""
    if order is not None:
        raise NotImplementedError("numpy.argsort: order= is not supported with traced values")
    return argsort_p(
        a, axis=None if axis is None else single_axis(axis, np.ndim(a)), kind=kind, stable=stable
    )


def _argpartition(
    a: Any, kth: Any, axis: Any = -1, kind: str = "introselect", order: Any = None
) -> Any:
    """``np.argpartition`` as a primitive without derivative."""
    if order is not None:
        raise NotImplementedError("numpy.argpartition: order= is not supported with traced values")
    kth = int(kth) if np.ndim(kth) == 0 else tuple(int(k) for k in kth)
    return argpartition_p(a, kth=kth, axis=None if axis is None else single_axis(axis, np.ndim(a)))


def _unravel_index(indices: Any, shape: Any, order: str = "C") -> tuple:
    """``np.unravel_index``: the coordinates of flat indices (of ``np.argmax``, say), a
    primitive without derivative that ``compile`` records and ``vmap`` maps."""
    shape = (int(shape),) if np.ndim(shape) == 0 else tuple(int(n) for n in shape)
    return cast(tuple, CONSTANTS["unravel_index"](indices, shape=shape, order=order))


def _ravel_multi_index(multi_index: Any, dims: Any, mode: Any = "raise", order: str = "C") -> Any:
    """``np.ravel_multi_index``: flat indices of coordinate arrays (some traced), a primitive
    without derivative."""
    dims = (int(dims),) if np.ndim(dims) == 0 else tuple(int(n) for n in dims)
    mode = mode if isinstance(mode, str) else tuple(mode)
    return CONSTANTS["ravel_multi_index"](*multi_index, dims=dims, mode=mode, order=order)


def _arg_extremum(prim: Any, name: str) -> Any:
    def handler(a: Any, axis: Any = None, out: Any = None, *, keepdims: Any = False) -> Any:
        if out is not None:
            raise TypeError(f"numpy.{name}: out= is not supported with traced values")
        axis = None if axis is None else single_axis(axis, np.ndim(a))
        return prim(a, axis=axis, keepdims=keepdims is not np._NoValue and bool(keepdims))

    handler.__name__ = name
    handler.__doc__ = f"``np.{name}`` as a primitive without derivative."
    return handler


NUMPY.update(
    {
        np.argsort: _argsort,
        np.argpartition: _argpartition,
        np.unravel_index: constant_result(_unravel_index),
        np.ravel_multi_index: constant_result(_ravel_multi_index),
        np.argmax: _arg_extremum(argmax_p, "argmax"),
        np.argmin: _arg_extremum(argmin_p, "argmin"),
        np.nanargmax: _arg_extremum(nanargmax_p, "nanargmax"),
        np.nanargmin: _arg_extremum(nanargmin_p, "nanargmin"),
    }
)


@implements(np.sort)
def sort(a: Any, axis: Any = -1, kind: Any = None, order: Any = None, *, stable: Any = None) -> Any:
    """``np.sort``: a gather at the sorting permutation (ties keep either derivative)."""
    if order is not None:
        raise NotImplementedError("numpy.sort: order= is not supported with traced values")
    a = as_array(a)
    if axis is None:
        a, axis = ravel(a), -1
    axis = single_axis(axis, np.ndim(a))
    return gather(a, _argsort(a, axis, kind, stable=stable), axis=axis)


@implements(np.partition)
def partition(
    a: Any, kth: Any, axis: Any = -1, kind: str = "introselect", order: Any = None
) -> Any:
    """``np.partition``: a gather at the partitioning permutation."""
    if order is not None:
        raise NotImplementedError("numpy.partition: order= is not supported with traced values")
    a = as_array(a)
    if axis is None:
        a, axis = ravel(a), -1
    axis = single_axis(axis, np.ndim(a))
    return gather(a, _argpartition(a, kth, axis, kind), axis=axis)


def _constant(func: Any) -> Any:
    """A NumPy function whose result carries no derivative (it produces indices)."""

    def handler(*args: Any, **kwargs: Any) -> Any:
        return func(*[concrete(a) for a in args], **{k: concrete(v) for k, v in kwargs.items()})

    handler.__name__ = func.__name__
    handler.__doc__ = f"``np.{func.__name__}`` on concrete values: indices have no derivative."
    return handler


NUMPY[np.digitize] = _constant(np.digitize)


# ----------------------------------------------------------------------------- gathers


@implements(np.take)
def take(a: Any, indices: Any, axis: Any = None, out: Any = None, mode: str = "raise") -> Any:
    """``np.take`` with ``mode`` 'raise', 'wrap' or 'clip'."""
    if out is not None:
        raise TypeError("numpy.take: out= is not supported with traced values")
    a = as_array(a)
    idx = index_values(indices)
    if axis is None:
        a, axis = ravel(a), 0
    axis = single_axis(axis, np.ndim(a))
    n = shape_of(a)[axis]
    if mode == "wrap":
        idx = np.mod(idx, n)
    elif mode == "clip":
        idx = np.clip(idx, 0, n - 1)
    elif np.any((idx < -n) | (idx >= n)):
        raise IndexError(f"index out of range for axis {axis} with size {n}")
    return getitem(a, _along(axis, idx[()] if idx.ndim == 0 else idx))


@implements(np.repeat)
def repeat(a: Any, repeats: Any, axis: Any = None) -> Any:
    """``np.repeat``: a gather that repeats each index ``repeats`` times."""
    a = as_array(a)
    if axis is None:
        a, axis = ravel(a), 0
    axis = single_axis(axis, np.ndim(a))
    idx = np.repeat(np.arange(shape_of(a)[axis]), index_values(repeats))
    return take_along(a, idx, axis)


@implements(np.flip)
def flip(m: Any, axis: Any = None) -> Any:
    """``np.flip``: reversing slices along ``axis`` (all axes when None)."""
    m = as_array(m)
    ndim = np.ndim(m)
    axes = range(ndim) if axis is None else normalize_axis(axis, ndim)
    if not axes:
        return m
    index = [slice(None)] * ndim
    for i in axes:
        index[i] = slice(None, None, -1)
    return getitem(m, tuple(index))


@implements(np.fliplr)
def fliplr(m: Any) -> Any:
    """``np.fliplr``: reverse the second axis."""
    if np.ndim(m) < 2:
        raise ValueError("Input must be >= 2-d.")
    return flip(m, 1)


@implements(np.flipud)
def flipud(m: Any) -> Any:
    """``np.flipud``: reverse the first axis."""
    if np.ndim(m) < 1:
        raise ValueError("Input must be >= 1-d.")
    return flip(m, 0)


@implements(np.roll)
def roll(a: Any, shift: Any, axis: Any = None) -> Any:
    """``np.roll``: two slices swapped along each axis (the flattened array when None)."""
    a = as_array(a)
    if axis is None:
        return reshape(roll(ravel(a), shift, 0), shape_of(a))
    shifts: dict[int, int] = {}
    # (shifts broadcast against the axes, each axis as given: np.roll(x, 1, axis=1.0) raises)
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    for s, k in np.broadcast(np.asarray(concrete(shift)), np.arange(len(axes))):
        ax = single_axis(axes[k], np.ndim(a))
        shifts[ax] = shifts.get(ax, 0) + int(s)
    for ax, s in shifts.items():
        n = shape_of(a)[ax]
        s = s % n if n else 0
        if s:
            a = concatenate(
                [
                    getitem(a, _along(ax, slice(n - s, None))),
                    getitem(a, _along(ax, slice(None, n - s))),
                ],
                axis=ax,
            )
    return a


@implements(np.rot90)
def rot90(m: Any, k: int = 1, axes: Sequence[int] = (0, 1)) -> Any:
    """``np.rot90``: flips and a transposition, as NumPy composes them."""
    m = as_array(m)
    ndim = np.ndim(m)
    axes = tuple(axes)
    if len(axes) != 2:
        raise ValueError("len(axes) must be 2.")
    if axes[0] == axes[1] or abs(axes[0] - axes[1]) == ndim:
        raise ValueError("Axes must be different.")
    if not (-ndim <= axes[0] < ndim and -ndim <= axes[1] < ndim):
        raise ValueError(f"Axes={axes} out of range for array of ndim={ndim}.")
    k = int(k) % 4
    if k == 0:
        return m
    if k == 2:
        return flip(flip(m, axes[0]), axes[1])
    order = list(range(ndim))
    order[axes[0]], order[axes[1]] = order[axes[1]], order[axes[0]]
    if k == 1:
        return transpose(flip(m, axes[1]), order)
    return flip(transpose(m, order), axes[1])


@implements(np.diagonal)
def diagonal(a: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Any:
    """``np.diagonal``: the diagonal becomes the last axis."""
    a = as_array(a)
    ndim = np.ndim(a)
    if ndim < 2:
        raise ValueError("diag requires an array of at least two dimensions")
    a1, a2 = single_axis(axis1, ndim), single_axis(axis2, ndim)
    if a1 == a2:
        raise ValueError("axis1 and axis2 cannot be the same")
    a = moveaxis(a, (a1, a2), (-2, -1))
    n1, n2 = shape_of(a)[-2:]
    offset = int(offset)
    length = max(0, min(n1 + min(offset, 0), n2 - max(offset, 0)))
    rows = np.arange(length) - min(offset, 0)
    cols = np.arange(length) + max(offset, 0)
    return getitem(a, (Ellipsis, rows, cols))


@implements(np.diag)
def diag(v: Any, k: int = 0) -> Any:
    """``np.diag``: the k-th diagonal of a matrix, or a matrix with ``v`` on that diagonal."""
    v = as_array(v)
    ndim = np.ndim(v)
    if ndim == 2:
        return diagonal(v, k)
    if ndim != 1:
        raise ValueError("Input must be 1- or 2-d.")
    k = int(k)
    n = shape_of(v)[0] + abs(k)
    rows = np.arange(shape_of(v)[0]) - min(k, 0)
    cols = np.arange(shape_of(v)[0]) + max(k, 0)
    return index_add(np.zeros((n, n), v.dtype), v, index=(rows, cols))


@implements(np.diagflat)
def diagflat(v: Any, k: int = 0) -> Any:
    """``np.diagflat``: ``diag`` of the flattened input."""
    return diag(ravel(as_array(v)), k)


@implements(np.triu)
def triu(m: Any, k: int = 0) -> Any:
    """``np.triu``: zero below the k-th diagonal (a constant mask)."""
    m = as_array(m)
    below = np.tri(*shape_of(m)[-2:], k=int(k) - 1, dtype=bool)  # type: ignore[call-overload]
    return where_p(below, np.zeros((), m.dtype), m)


@implements(np.tril)
def tril(m: Any, k: int = 0) -> Any:
    """``np.tril``: zero above the k-th diagonal (a constant mask)."""
    m = as_array(m)
    keep = np.tri(*shape_of(m)[-2:], k=int(k), dtype=bool)  # type: ignore[call-overload]
    return where_p(keep, m, np.zeros((), m.dtype))


# ----------------------------------------------------------------------------- choosing


@implements(np.select)
def select(condlist: Sequence[Any], choicelist: Sequence[Any], default: Any = 0) -> Any:
    """``np.select``: nested ``where``, the first true condition winning."""
    if len(condlist) != len(choicelist):
        raise ValueError("list of cases must be same length as list of conditions")
    if not condlist:
        raise ValueError("select with an empty condition list is not possible")
    conds = [as_array(c) for c in condlist]  # traced conditions stay traced (compile, vmap)
    for i, c in enumerate(conds):
        if c.dtype != bool:
            raise TypeError(f"invalid entry {i} in condlist: should be boolean ndarray")

    def stand_in(x: Any) -> Any:
        return np.zeros((), x.dtype) if hasattr(x, "dtype") else x

    dtype = np.select(
        [np.zeros((), bool)] * len(conds), [stand_in(c) for c in choicelist], stand_in(default)
    ).dtype
    shape = np.broadcast_shapes(
        *[shape_of(c) for c in conds], *[shape_of(c) for c in choicelist], shape_of(default)
    )
    result = default
    for cond, choice in zip(reversed(conds), reversed(list(choicelist)), strict=True):
        result = where_p(cond, choice, result)
    result = broadcast_to(as_array(result), shape)
    return result if result.dtype == dtype else result.astype(dtype)


@implements(np.piecewise)
def piecewise(x: Any, condlist: Any, funclist: Sequence[Any], *args: Any, **kw: Any) -> Any:
    """``np.piecewise``: ``funclist[k]`` applied to the elements where ``condlist[k]`` holds
    (a value written there if it is not callable), one more function for the elements no
    condition selects, zeros elsewhere. NumPy's own steps on traced values: each function
    sees only its elements (a mask read), so a branch's values elsewhere never enter.
    """
    x = as_array(x)
    n_funcs = len(funclist)
    if np.isscalar(condlist) or (
        len(shape_of(x)) != 0 and not _array_like(condlist[0])  # one condition, not a list
    ):
        condlist = [condlist]
    condlist = np.asarray(condlist, dtype=bool)
    n = len(condlist)
    if n == n_funcs - 1:  # the elements no condition selects
        otherwise = ~np.any(condlist, axis=0, keepdims=True)
        condlist = np.concatenate([condlist, otherwise], axis=0)
        n += 1
    elif n != n_funcs:
        raise ValueError(f"with {n} condition(s), either {n} or {n + 1} functions are expected")
    try:  # how many elements each function sees is known per example only
        concrete(condlist)
    except ConcreteValueError as error:  # vmap runs this once per example; compile cannot
        if getattr(error.trace, "map_examples", None) is not None:
            raise
        raise ConcreteValueError(
            error.trace,
            f"{error.trace.transform}: numpy.piecewise applies each function to the elements "
            "its condition selects, a number that depends on the values. Write "
            "np.where(cond, f(x), g(x)) (each function on every element), or pass x as static "
            "(compile(f, static_argnums=...)).",
        ) from None
    y = np.zeros_like(x)
    for cond, func in zip(condlist, funclist, strict=False):
        if not callable(func):
            y[cond] = func
        else:
            values = x[cond]
            if values.size > 0:
                y[cond] = func(values, *args, **kw)
    return y


def _array_like(condition: Any) -> bool:
    """True where NumPy's piecewise sees a list or an array (a condition), not a scalar: a
    traced condition of one dimension or more is an array."""
    return isinstance(condition, (list, np.ndarray)) or (
        isinstance(condition, Tracer) and len(condition.shape) > 0
    )


@implements(np.choose)
def choose(a: Any, choices: Sequence[Any], out: Any = None, mode: str = "raise") -> Any:
    """``np.choose``: element ``i`` comes from ``choices[a[i]]`` (nested ``where``)."""
    if out is not None:
        raise TypeError("numpy.choose: out= is not supported with traced values")
    a = index_values(a)
    choices = list(choices)
    n = len(choices)
    if mode == "wrap":
        a = np.mod(a, n)
    elif mode == "clip":
        a = np.clip(a, 0, n - 1)
    elif np.any((a < 0) | (a >= n)):
        raise ValueError("invalid entry in choice array")
    shape = np.broadcast_shapes(a.shape, *[shape_of(c) for c in choices])
    result = broadcast_to(as_array(choices[0]), shape)
    for i, choice in enumerate(choices[1:], start=1):
        result = where_p(a == i, choice, result)
    return result


@implements(np.compress)
def compress(condition: Any, a: Any, axis: Any = None, out: Any = None) -> Any:
    """``np.compress``: the slices along ``axis`` where ``condition`` holds."""
    if out is not None:
        raise TypeError("numpy.compress: out= is not supported with traced values")
    a = as_array(a)
    if axis is None:
        a, axis = ravel(a), 0
    keep = np.flatnonzero(np.asarray(concrete(condition)))
    axis = single_axis(axis, np.ndim(a))
    if keep.size and keep[-1] >= shape_of(a)[axis]:
        raise IndexError(
            f"index {keep[-1]} is out of bounds for axis {axis} with size {shape_of(a)[axis]}"
        )
    return take_along(a, keep, axis)


@implements(np.extract)
def extract(condition: Any, arr: Any) -> Any:
    """``np.extract``: the elements of the flattened ``arr`` where ``condition`` holds."""
    keep = np.flatnonzero(np.ravel(np.asarray(concrete(condition))))
    return getitem(ravel(as_array(arr)), (keep,))


@implements(np.block)
def block(arrays: Any) -> Any:
    """``np.block``: nested lists joined along the last axis innermost, then -2, ..."""

    def depth(x: Any) -> int:
        if isinstance(x, tuple):
            raise TypeError("np.block: arrays is a tuple; only lists can be used to arrange blocks")
        if isinstance(x, list):
            if not x:
                raise ValueError("List at arrays cannot be empty")
            depths = {depth(e) for e in x}
            if len(depths) != 1:
                raise ValueError("List depths are mismatched")
            return 1 + depths.pop()
        return 0

    def leaves(x: Any) -> list[Any]:
        return [leaf for e in x for leaf in leaves(e)] if isinstance(x, list) else [x]

    list_depth = depth(arrays)
    ndim = max([list_depth] + [np.ndim(a) for a in leaves(arrays)])

    def join(x: Any, level: int) -> Any:
        if level == list_depth:
            x = as_array(x)
            return reshape(x, (1,) * (ndim - np.ndim(x)) + shape_of(x))
        return concatenate([join(e, level + 1) for e in x], axis=ndim - (list_depth - level))

    return join(arrays, 0)


# ----------------------------------------------------------------------------- editing


@implements(np.append)
def append(arr: Any, values: Any, axis: Any = None) -> Any:
    """``np.append``: concatenation (of the flattened inputs when ``axis`` is None)."""
    arr, values = as_array(arr), as_array(values)
    if axis is None:
        arr, values = ravel(arr), ravel(values)
        axis = np.ndim(arr) - 1
    return concatenate([arr, values], axis=axis)


@implements(np.insert)
def insert(arr: Any, obj: Any, values: Any, axis: Any = None) -> Any:
    """``np.insert``: NumPy places labels of the elements, then one gather builds the result."""
    arr, values = as_array(arr), as_array(values)
    if isinstance(obj, Tracer):
        obj = index_values(obj)
    if values.dtype != arr.dtype:
        values = values.astype(arr.dtype)
    labels = _labels(shape_of(arr))
    value_labels = -1 - _labels(shape_of(values))
    placed = np.insert(labels, obj, value_labels, axis=axis)
    source = concatenate([ravel(arr), ravel(values)], axis=0)
    return getitem(source, (np.where(placed >= 0, placed, labels.size - 1 - placed),))


@implements(np.delete)
def delete(arr: Any, obj: Any, axis: Any = None) -> Any:
    """``np.delete``: a gather of the elements NumPy keeps."""
    arr = as_array(arr)
    if isinstance(obj, Tracer):
        obj = index_values(obj)
    return _gather_labels(arr, np.delete(_labels(shape_of(arr)), obj, axis=axis))


# ----------------------------------------------------------------------------- tiling, padding


@implements(np.tile)
def tile(A: Any, reps: Any) -> Any:
    """``np.tile``: broadcast into interleaved unit axes, then one reshape."""
    A = as_array(A)
    reps = (int(reps),) if np.ndim(reps) == 0 else tuple(int(r) for r in reps)
    shape = shape_of(A)
    if len(shape) < len(reps):
        shape = (1,) * (len(reps) - len(shape)) + shape
    reps = (1,) * (len(shape) - len(reps)) + reps
    if all(r == 1 for r in reps):
        return reshape(A, shape)
    interleaved = tuple(s for n in shape for s in (1, n))
    spread = tuple(s for r, n in zip(reps, shape, strict=True) for s in (r, n))
    tiled = broadcast_to(reshape(A, interleaved), spread)
    return reshape(tiled, tuple(r * n for r, n in zip(reps, shape, strict=True)))


_GATHER_PAD_MODES = ("edge", "reflect", "symmetric", "wrap")
_STAT_PAD_MODES = ("maximum", "minimum", "mean", "median")
# the keywords each mode takes (the others raise, as in NumPy)
_PAD_KEYWORDS = {
    "constant": ("constant_values",),
    "linear_ramp": ("end_values",),
    **dict.fromkeys(_STAT_PAD_MODES, ("stat_length",)),
    **dict.fromkeys(("reflect", "symmetric"), ("reflect_type",)),
    **dict.fromkeys(("edge", "wrap", "empty"), ()),
}


@implements(np.pad)
def pad(array: Any, pad_width: Any, mode: Any = "constant", **kwargs: Any) -> Any:
    """``np.pad`` for the modes 'constant', 'edge', 'reflect', 'symmetric', 'wrap', 'maximum',
    'minimum', 'mean', 'median' and 'linear_ramp', one axis after another as NumPy pads."""
    x = as_array(array)
    if isinstance(mode, str) and mode in _PAD_KEYWORDS:  # (NumPy's check of the keywords)
        unsupported = set(kwargs) - set(_PAD_KEYWORDS[mode])
        if unsupported:
            raise ValueError(f"unsupported keyword arguments for mode '{mode}': {unsupported}")
    ndim = np.ndim(x)
    widths = np.broadcast_to(np.asarray(concrete(pad_width), dtype=np.int64), (ndim, 2))
    if np.any(widths < 0):
        raise ValueError("index can't contain negative values")
    if not isinstance(mode, str):
        raise NotImplementedError("numpy.pad: a callable mode is not supported with traced values")
    if mode in _GATHER_PAD_MODES and kwargs.get("reflect_type", "even") == "even":
        kwargs.pop("reflect_type", None)
        for axis, (before, after) in enumerate(widths.tolist()):
            if before or after:
                if shape_of(x)[axis] == 0:
                    raise ValueError(
                        f"can't extend empty axis {axis} using modes other than "
                        "'constant' or 'empty'"
                    )
                # (mode is one of _GATHER_PAD_MODES, a str the stubs want as a Literal)
                idx = np.pad(np.arange(shape_of(x)[axis]), (before, after), mode, **kwargs)  # type: ignore[call-overload]
                x = take_along(x, idx, axis)
        return x
    if mode == "constant":
        values = _pairs(kwargs.pop("constant_values", 0), ndim)
        return _pad_blocks(
            x,
            widths,
            lambda axis, side, shape, x: broadcast_to(
                _in_dtype(values[axis][side], x.dtype), shape
            ),
        )
    if mode in _STAT_PAD_MODES:
        lengths = _pairs(kwargs.pop("stat_length", None), ndim)
        return _pad_blocks(x, widths, _stat_block(mode, lengths, widths))
    if mode == "linear_ramp":
        ends = _pairs(kwargs.pop("end_values", 0), ndim)
        return _pad_blocks(x, widths, _ramp_block(ends, widths))
    raise NotImplementedError(f"numpy.pad: mode={mode!r} is not supported with traced values")


def _pairs(value: Any, ndim: int) -> list[list[Any]]:
    """A (before, after) pair per axis, broadcast as NumPy does; a scalar may be traced."""
    if value is None:
        return [[None, None] for _ in range(ndim)]
    if isinstance(value, Tracer):
        if np.ndim(value) != 0:  # type: ignore[arg-type]  # via __array_function__
            raise NotImplementedError("numpy.pad: a traced pad value must be a scalar")
        return [[value, value] for _ in range(ndim)]
    x = np.asarray(value)
    if x.size == 1:
        return [[x.ravel()[0]] * 2 for _ in range(ndim)]
    if x.size == 2 and x.shape != (2, 1):
        return [list(x.ravel()) for _ in range(ndim)]
    x = np.broadcast_to(x, (ndim, 2))
    return [[x[i, 0], x[i, 1]] for i in range(ndim)]


def _in_dtype(value: Any, dtype: Any) -> Any:
    """A pad value cast to the array's dtype, as NumPy stores it (traced values keep theirs)."""
    if isinstance(value, Tracer):
        return value if value.dtype == dtype else value.astype(dtype)
    return np.asarray(value, dtype=dtype)


def _pad_blocks(x: Any, widths: np.ndarray, block: Any) -> Any:
    """Pad axis by axis, as NumPy does (so corners come from the later axes): on each side
    concatenate ``block(axis, side, shape, x)``, computed from the array padded so far."""
    for axis, (before, after) in enumerate(widths.tolist()):
        if not (before or after):
            continue
        parts = []
        for side, width in ((0, before), (1, after)):
            shape = shape_of(x)[:axis] + (width,) + shape_of(x)[axis + 1 :]
            parts.append(block(axis, side, shape, x) if width else None)
        pieces = [p for p in (parts[0], x, parts[1]) if p is not None]
        x = concatenate(pieces, axis=axis)
    return x


def _stat_block(mode: str, lengths: list, widths: np.ndarray) -> Any:
    reductions = {"maximum": np.max, "minimum": np.min, "mean": np.mean, "median": np.median}
    reduce = cast(Callable[..., Any], reductions[mode])  # mypy sees the overloads as "function"

    def block(axis: int, side: int, shape: tuple, x: Any) -> Any:
        n = shape_of(x)[axis]
        length = lengths[axis][side]
        length = n if length is None else min(int(length), n)
        if length < 1 or n == 0:
            raise ValueError("stat_length of 0 yields no value for padding")
        window = slice(0, length) if side == 0 else slice(n - length, n)
        stat = reduce(getitem(x, _along(axis, window)), axis=axis, keepdims=True)
        return broadcast_to(stat, shape)

    return block


def _ramp_block(ends: list, widths: np.ndarray) -> Any:
    def block(axis: int, side: int, shape: tuple, x: Any) -> Any:
        n = shape_of(x)[axis]
        width = shape[axis]
        edge = getitem(x, _along(axis, slice(0, 1) if side == 0 else slice(n - 1, n)))
        # NumPy's linspace(end, edge, width, endpoint=False), reversed after the array
        steps = (np.arange(width) / width).astype(np.result_type(x.dtype, np.float16))
        steps = steps.reshape((1,) * axis + (width,) + (1,) * (len(shape) - axis - 1))
        end = _in_dtype(ends[axis][side], x.dtype)
        ramp = end + (edge - end) * steps
        return ramp if side == 0 else flip(ramp, axis)

    return block
