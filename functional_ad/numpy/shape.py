"""NumPy's shape functions on traced values: reshape, transpose, stack, split, clip..."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..core import Tracer
from ..core.views import layout_of, mark_array
from ..ops.registry import dtype_of, normalize_axis, ordered_axes, shape_of, single_axis
from ..ops.shape import broadcast_to_p, concatenate_p, reshape_p, transpose_p, where_p
from .registry import implements


@implements(np.reshape)
def reshape(
    a: Any, shape: Any = None, order: str = "C", *, newshape: Any = None, copy: Any = None
) -> Any:
    """``np.reshape`` in C order, or in Fortran order (``order='F'``: reversed axes, C
    order, reversed back); ``'A'`` is Fortran order for an array NumPy holds
    Fortran-contiguous (and not C-contiguous), C order otherwise."""
    shape = newshape if shape is None else shape
    order = order_name(order)
    if order == "K":
        raise ValueError("order 'K' is not permitted for reshaping")
    if order == "A":
        order = any_order(a)
    shape = (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(s) for s in shape)
    if copy:  # a new array laid out in that order, as NumPy's
        return np.copy(reshape(a, shape, order), order=order)  # type: ignore[call-overload]
    if copy is not None:  # (copy=False: NumPy's ValueError where only a copy would do)
        layout = layout_of(a) if isinstance(a, Tracer) else np.asarray(a)
        probe = np.empty(shape_of(a), np.int8) if layout is None else layout
        np.reshape(probe, shape, order=order, copy=False)  # type: ignore[call-overload]
    if order == "F":
        return transpose(reshape(transpose(a), shape[::-1]))
    if -1 in shape:
        known = int(np.prod([s for s in shape if s != -1], dtype=np.int64))
        total = int(np.prod(shape_of(a), dtype=np.int64))
        shape = tuple((total // known if known else 0) if s == -1 else s for s in shape)
    if shape == shape_of(a):
        return a
    return reshape_p(a, shape=shape)


@implements(np.transpose)
def transpose(a: Any, axes: Any = None) -> Any:
    """``np.transpose``; reverses the axes when ``axes`` is None."""
    ndim = np.ndim(a)
    if axes is None:
        axes = tuple(range(ndim))[::-1]
    else:
        axes = ordered_axes(tuple(axes), ndim, "repeated axis in transpose")
        if len(axes) != ndim:
            raise ValueError("axes don't match array")
    if axes == tuple(range(ndim)):
        return a
    return transpose_p(a, axes=axes)


@implements(np.broadcast_to)
def broadcast_to(array: Any, shape: Any, subok: bool = False) -> Any:
    """``np.broadcast_to``."""
    shape = (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(shape)
    if shape == shape_of(array):
        return array
    return broadcast_to_p(array, shape=shape)


@implements(np.ravel)
def ravel(a: Any, order: str = "C") -> Any:
    """``np.ravel`` in C, Fortran or ``'A'`` order (as ``reshape``), or ``'K'``: the elements
    in the order they lie in memory as NumPy holds ``a`` (its axes from the largest stride to
    the smallest; along a negative stride in index order, as NumPy reads it)."""
    order = order_name(order)
    if order == "K":
        axes = memory_axes(a)
        if axes != tuple(range(len(axes))):
            return reshape(transpose(a, axes), (-1,))
        order = "C"
    return reshape(a, (-1,), order)


def order_name(order: Any) -> str:
    """A memory order as NumPy reads it: ``None`` is "C", and case does not count."""
    if order is None:
        return "C"
    if not isinstance(order, str):
        raise TypeError(f"order must be str, not {type(order).__name__}")
    if order.upper() in ("C", "F", "A", "K"):
        return order.upper()
    raise ValueError(f"order must be one of 'C', 'F', 'A', or 'K' (got {order!r})")


def any_order(a: Any) -> str:
    """``order='A'`` resolved: ``'F'`` for an array NumPy holds Fortran-contiguous and not
    C-contiguous, else ``'C'``.

    >>> any_order(np.ones((2, 3)).T), any_order(np.ones((2, 3)))
    ('F', 'C')
    """
    layout = layout_of(a)
    if layout is not None and layout.flags.f_contiguous and not layout.flags.c_contiguous:
        return "F"
    return "C"


def memory_axes(a: Any) -> tuple[int, ...]:
    """The axes of ``a`` from the largest stride to the smallest as NumPy holds it (ties in
    axis order): the order ``ravel(order='K')`` reads them in.

    >>> memory_axes(np.ones((2, 3, 4)).transpose(2, 0, 1))
    (1, 2, 0)
    """
    ndim = len(shape_of(a))
    layout = layout_of(a)
    if layout is None:
        return tuple(range(ndim))
    strides = layout.strides
    return tuple(sorted(range(ndim), key=lambda i: -abs(strides[i])))


@implements(np.expand_dims)
def expand_dims(a: Any, axis: Any) -> Any:
    """``np.expand_dims`` with one or several axes."""
    ndim = np.ndim(a) + (len(axis) if isinstance(axis, (tuple, list)) else 1)
    positions = sorted(ordered_axes(axis, ndim, "repeated axis"))
    shape = list(shape_of(a))
    for p in positions:
        shape.insert(p, 1)
    return reshape(a, tuple(shape))


@implements(np.squeeze)
def squeeze(a: Any, axis: Any = None) -> Any:
    """``np.squeeze``: drop axes of length one."""
    shape = shape_of(a)
    if axis is None:
        axes = tuple(i for i, n in enumerate(shape) if n == 1)
    else:
        axes = normalize_axis(axis, len(shape)) or ()
        for i in axes:
            if shape[i] != 1:
                raise ValueError(
                    "cannot select an axis to squeeze out which has size not equal to one"
                )
    return reshape(a, tuple(n for i, n in enumerate(shape) if i not in axes))


@implements(np.concatenate)
def concatenate(
    arrays: Sequence[Any],
    axis: Any = 0,
    out: Any = None,
    dtype: Any = None,
    casting: str = "same_kind",
) -> Any:
    """``np.concatenate``; ``axis=None`` flattens first."""
    arrays = [np.asarray(a) if isinstance(a, (list, tuple)) else a for a in arrays]
    if axis is None:
        arrays, axis = [ravel(a) for a in arrays], 0
    if dtype is not None:
        for a in arrays:  # (NumPy's check: each array cast to dtype under casting)
            if not np.can_cast(dtype_of(a), dtype, casting):  # type: ignore[arg-type]
                raise TypeError(
                    f"Cannot cast array data from {dtype_of(a)!r} to {np.dtype(dtype)!r} "
                    f"according to the rule {casting!r}"
                )
        arrays = [a.astype(dtype) for a in arrays]
    ndim = np.ndim(arrays[0])
    return concatenate_p(*arrays, axis=single_axis(axis, ndim))


@implements(np.stack)
def stack(
    arrays: Sequence[Any],
    axis: int = 0,
    out: Any = None,
    dtype: Any = None,
    casting: str = "same_kind",
) -> Any:
    """``np.stack``: join along a new axis."""
    arrays = list(arrays)
    if not arrays:
        raise ValueError("need at least one array to stack")
    ndim = np.ndim(arrays[0]) + 1
    axis = single_axis(axis, ndim)
    return concatenate(
        [expand_dims(a, axis) for a in arrays], axis=axis, dtype=dtype, casting=casting
    )


@implements(np.moveaxis)
def moveaxis(a: Any, source: Any, destination: Any) -> Any:
    """``np.moveaxis``."""
    ndim = np.ndim(a)
    src = list(ordered_axes(source, ndim, "repeated axis in `source` argument"))
    dst = list(ordered_axes(destination, ndim, "repeated axis in `destination` argument"))
    if len(src) != len(dst):
        raise ValueError(
            "`source` and `destination` arguments must have the same number of elements"
        )
    order = [i for i in range(ndim) if i not in src]
    for d, s in sorted(zip(dst, src, strict=True)):
        order.insert(d, s)
    return transpose(a, order)


@implements(np.swapaxes)
def swapaxes(a: Any, axis1: int, axis2: int) -> Any:
    """``np.swapaxes``."""
    order = list(range(np.ndim(a)))
    i, j = single_axis(axis1, len(order)), single_axis(axis2, len(order))
    order[i], order[j] = order[j], order[i]
    return transpose(a, order)


@implements(np.where)
def where(condition: Any, x: Any = None, y: Any = None) -> Any:
    """``np.where(c, x, y)``; the one-argument form gives the (constant) indices."""
    if x is None and y is None:
        return np.nonzero(condition)
    return mark_array(where_p(condition, x, y))  # (a 0-d result is an array, not a scalar)


@implements(np.clip)
def clip(
    a: Any,
    a_min: Any = None,
    a_max: Any = None,
    out: Any = None,
    *,
    min: Any = None,
    max: Any = None,
    **kwargs: Any,
) -> Any:
    """``np.clip``: the derivative is 1 inside ``[a_min, a_max]`` (bounds included), else 0.
    A NaN bound gives NaN, as NumPy's ``minimum(maximum(a, a_min), a_max)`` does."""
    lo = a_min if a_min is not None else min
    hi = a_max if a_max is not None else max
    if lo is not None:
        a = _nan_bound(where_p(a < lo, lo, a), lo)
    if hi is not None:
        a = _nan_bound(where_p(a > hi, hi, a), hi)
    return a


def _nan_bound(a: Any, bound: Any) -> Any:
    """``a`` with NaN where ``bound`` is NaN (comparisons with NaN are false)."""
    if isinstance(bound, (int, float, np.integer, np.floating)) and not np.isnan(bound):
        return a  # (the common case: a number)
    return where_p(np.isnan(bound), bound, a)


def _atleast_nd(n: int) -> Any:
    def handler(*arys: Any) -> Any:
        out = []
        for a in arys:
            shape = shape_of(a)
            if len(shape) < n:
                if n == 3 and len(shape) == 2:
                    shape = shape + (1,)
                elif n == 3 and len(shape) == 1:
                    shape = (1,) + shape + (1,)
                else:
                    shape = (1,) * (n - len(shape)) + shape
                a = reshape(a, shape)
            out.append(a)
        return out[0] if len(out) == 1 else tuple(out)

    handler.__name__ = f"atleast_{n}d"
    handler.__doc__ = f"``np.atleast_{n}d``."
    return handler


atleast_1d = implements(np.atleast_1d)(_atleast_nd(1))


atleast_2d = implements(np.atleast_2d)(_atleast_nd(2))


atleast_3d = implements(np.atleast_3d)(_atleast_nd(3))


def present(*names: str) -> list[Any]:
    """The NumPy functions of these names that this NumPy version has (newer ones are optional)."""
    return [getattr(np, name) for name in names if hasattr(np, name)]


def _as_array(x: Any) -> Any:
    return x if hasattr(x, "shape") and hasattr(x, "dtype") else np.asarray(x)


def _check_sequence(arrays: Any, name: str) -> list[Any]:
    if hasattr(arrays, "shape") and np.ndim(arrays) >= 1:  # NumPy iterates an array's rows
        return [arrays[i] for i in range(np.shape(arrays)[0])]
    if not isinstance(arrays, (list, tuple)):
        raise TypeError(f"arrays to {name} must be passed as a sequence (a list or tuple)")
    return [_as_array(a) for a in arrays]


@implements(np.hstack)
def hstack(tup: Sequence[Any], *, dtype: Any = None, casting: str = "same_kind") -> Any:
    """``np.hstack``: join along the second axis (the first for 1-d inputs)."""
    arrays = [atleast_1d(a) for a in _check_sequence(tup, "hstack")]
    axis = 0 if arrays and np.ndim(arrays[0]) == 1 else 1
    return concatenate(arrays, axis=axis, dtype=dtype, casting=casting)


@implements(np.vstack)  # (np.row_stack: vstack itself before NumPy 2, a caller of it since)
def vstack(tup: Sequence[Any], *, dtype: Any = None, casting: str = "same_kind") -> Any:
    """``np.vstack``: join along the first axis after ``atleast_2d``."""
    return concatenate(
        [atleast_2d(a) for a in _check_sequence(tup, "vstack")],
        axis=0,
        dtype=dtype,
        casting=casting,
    )


@implements(np.dstack)
def dstack(tup: Sequence[Any]) -> Any:
    """``np.dstack``: join along the third axis after ``atleast_3d``."""
    return concatenate([atleast_3d(a) for a in _check_sequence(tup, "dstack")], axis=2)


@implements(np.column_stack)
def column_stack(tup: Sequence[Any]) -> Any:
    """``np.column_stack``: 1-d inputs become columns, then join along the second axis."""
    columns = []
    for a in _check_sequence(tup, "column_stack"):
        if np.ndim(a) < 2:
            a = reshape(a, (-1, 1))
        columns.append(a)
    return concatenate(columns, axis=1)


@implements(*present("unstack"))
def unstack(x: Any, /, *, axis: int = 0) -> tuple[Any, ...]:
    """``np.unstack``: the slices along ``axis``, as a tuple."""
    from ..ops.indexing import getitem

    # (as np.moveaxis(x, axis, 0) takes it: one axis, alone or in a tuple)
    axes = ordered_axes(axis, np.ndim(x), "repeated axis in `source` argument")
    if len(axes) != 1:
        raise ValueError(
            "`source` and `destination` arguments must have the same number of elements"
        )
    (axis,) = axes
    return tuple(getitem(x, (slice(None),) * axis + (i,)) for i in range(shape_of(x)[axis]))


@implements(*present("matrix_transpose"))
def matrix_transpose(x: Any, /) -> Any:
    """``np.matrix_transpose``: swap the last two axes."""
    if np.ndim(x) < 2:
        raise ValueError("Input array must be at least 2-dimensional")
    return swapaxes(x, -1, -2)


@implements(np.rollaxis)
def rollaxis(a: Any, axis: int, start: int = 0) -> Any:
    """``np.rollaxis`` (as ``moveaxis``)."""
    ndim = np.ndim(a)
    axis = single_axis(axis, ndim)
    start = start + ndim if start < 0 else start
    if not 0 <= start <= ndim:
        raise np.exceptions.AxisError(f"start={start} out of range for {ndim} dimensions")
    if axis < start:
        start -= 1
    return moveaxis(a, axis, start) if axis != start else a


def _split_at(ary: Any, points: Sequence[int], axis: int) -> list[Any]:
    from ..ops.indexing import getitem

    before = (slice(None),) * axis
    return [
        getitem(ary, before + (slice(start, stop),))
        for start, stop in zip(points[:-1], points[1:], strict=True)
    ]


@implements(np.array_split)
def array_split(ary: Any, indices_or_sections: Any, axis: int = 0) -> list[Any]:
    """``np.array_split``: slices of nearly equal length, or cut at the given indices."""
    ary = _as_array(ary)
    axis = single_axis(axis, np.ndim(ary))
    total = shape_of(ary)[axis]
    if np.ndim(indices_or_sections) == 0:
        sections = int(indices_or_sections)
        if sections <= 0:
            raise ValueError("number sections must be larger than 0.")
        each, extras = divmod(total, sections)
        sizes = [0] + extras * [each + 1] + (sections - extras) * [each]
        points = np.cumsum(sizes).tolist()
    else:
        points = [0] + [int(i) for i in indices_or_sections] + [total]
    return _split_at(ary, points, axis)


@implements(np.split)
def split(ary: Any, indices_or_sections: Any, axis: int = 0) -> list[Any]:
    """``np.split``: as ``array_split``, but sections must divide the axis evenly."""
    if np.ndim(indices_or_sections) == 0:
        axis_n = single_axis(axis, np.ndim(ary))
        if shape_of(ary)[axis_n] % int(indices_or_sections):
            raise ValueError("array split does not result in an equal division")
    return array_split(ary, indices_or_sections, axis)


@implements(np.hsplit)
def hsplit(ary: Any, indices_or_sections: Any) -> list[Any]:
    """``np.hsplit``: split along the second axis (the first for 1-d input)."""
    if np.ndim(ary) == 0:
        raise ValueError("hsplit only works on arrays of 1 or more dimensions")
    return split(ary, indices_or_sections, 1 if np.ndim(ary) > 1 else 0)


@implements(np.vsplit)
def vsplit(ary: Any, indices_or_sections: Any) -> list[Any]:
    """``np.vsplit``: split along the first axis."""
    if np.ndim(ary) < 2:
        raise ValueError("vsplit only works on arrays of 2 or more dimensions")
    return split(ary, indices_or_sections, 0)


@implements(np.dsplit)
def dsplit(ary: Any, indices_or_sections: Any) -> list[Any]:
    """``np.dsplit``: split along the third axis."""
    if np.ndim(ary) < 3:
        raise ValueError("dsplit only works on arrays of 3 or more dimensions")
    return split(ary, indices_or_sections, 2)


@implements(np.broadcast_arrays)
def broadcast_arrays(*args: Any, subok: bool = False) -> tuple[Any, ...]:
    """``np.broadcast_arrays``: every input broadcast to the common shape."""
    arrays = [_as_array(a) for a in args]
    shape = np.broadcast_shapes(*[shape_of(a) for a in arrays])
    return tuple(broadcast_to(a, shape) for a in arrays)


@implements(np.meshgrid)
def meshgrid(
    *xi: Any, copy: bool = True, sparse: bool = False, indexing: str = "xy"
) -> tuple[Any, ...]:
    """``np.meshgrid``: each input reshaped onto its own axis, then broadcast (unless sparse)."""
    if indexing not in ("xy", "ij"):
        raise ValueError("Valid values for `indexing` are 'xy' and 'ij'.")
    ndim = len(xi)
    grids = []
    for i, x in enumerate(xi):
        shape = [1] * ndim
        shape[i] = -1
        if indexing == "xy" and ndim > 1 and i < 2:
            shape[0], shape[1] = shape[1], shape[0]
        grids.append(reshape(ravel(_as_array(x)), tuple(shape)))
    return tuple(grids) if sparse else broadcast_arrays(*grids)
