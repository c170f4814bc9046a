"""Shape primitives (reshape, transpose, broadcast_to, concatenate, where) and what builds on them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .registry import implements, normalize_axis, primitive, shape_of, unbroadcast

reshape_p = primitive(
    "reshape",
    lambda x, shape: np.reshape(x, shape),
    jvp=lambda t, y, x, shape: np.reshape(t, shape),
    vjp=lambda g, y, x, shape: np.reshape(g, shape_of(x)),
)
transpose_p = primitive(
    "transpose",
    lambda x, axes: np.transpose(x, axes),
    jvp=lambda t, y, x, axes: np.transpose(t, axes),
    vjp=lambda g, y, x, axes: np.transpose(g, tuple(np.argsort(axes))),
)
broadcast_to_p = primitive(
    "broadcast_to",
    lambda x, shape: np.broadcast_to(x, shape),
    jvp=lambda t, y, x, shape: np.broadcast_to(t, shape),
    vjp=lambda g, y, x, shape: unbroadcast(g, x),
)


def _concat_vjp_joint(g: Any, y: Any, *xs: Any, axis: int) -> tuple[Any, ...]:
    # the transpose of concatenation cuts the cotangent back into pieces
    bars = []
    start = 0
    for x in xs:
        stop = start + shape_of(x)[axis]
        bars.append(g[(slice(None),) * axis + (slice(start, stop),)])
        start = stop
    return tuple(bars)


def _concat_jvp_joint(tangents: Sequence[Any], y: Any, *xs: Any, axis: int) -> Any:
    # concatenation is linear: concatenate the tangents, zeros where an input has none
    parts = [
        t if t is not None else np.zeros(shape_of(x), y.dtype)
        for t, x in zip(tangents, xs, strict=True)
    ]
    return np.concatenate(parts, axis=axis)


concatenate_p = primitive(
    "concatenate",
    lambda *xs, axis: np.concatenate(xs, axis=axis),
    jvp_joint=_concat_jvp_joint,
    vjp_joint=_concat_vjp_joint,
)

# where(c, x, z): the tangent flows from x where c holds and from z elsewhere
where_p = primitive(
    "where",
    np.where,
    jvp=(
        None,
        lambda t, y, c, x, z: np.where(c, np.broadcast_to(t, shape_of(y)), 0.0).astype(y.dtype),
        lambda t, y, c, x, z: np.where(c, 0.0, np.broadcast_to(t, shape_of(y))).astype(y.dtype),
    ),
    vjp=(
        None,
        lambda g, y, c, x, z: unbroadcast(np.where(c, g, 0.0), x),
        lambda g, y, c, x, z: unbroadcast(np.where(c, 0.0, g), z),
    ),
)


@implements(np.reshape)
def reshape(a: Any, shape: Any = None, order: str = "C", *, newshape: Any = None,
            copy: Any = None) -> Any:
    """``np.reshape`` (C order)."""
    shape = newshape if shape is None else shape
    if order != "C":
        raise NotImplementedError("numpy.reshape: only order='C' is supported with traced values")
    shape = (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(s) for s in shape)
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
    axes = tuple(range(ndim))[::-1] if axes is None else tuple(int(i) % ndim for i in axes)
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
    """``np.ravel`` (C order)."""
    return reshape(a, (-1,), order)


@implements(np.expand_dims)
def expand_dims(a: Any, axis: Any) -> Any:
    """``np.expand_dims`` with one or several axes."""
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    ndim = np.ndim(a) + len(axes)
    positions = sorted(int(i) % ndim for i in axes)
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
                raise ValueError("cannot select an axis to squeeze out which has size not equal to one")
    return reshape(a, tuple(n for i, n in enumerate(shape) if i not in axes))


@implements(np.concatenate)
def concatenate(arrays: Sequence[Any], axis: Any = 0, out: Any = None, dtype: Any = None,
                casting: str = "same_kind") -> Any:
    """``np.concatenate``; ``axis=None`` flattens first."""
    arrays = [np.asarray(a) if isinstance(a, (list, tuple)) else a for a in arrays]
    if axis is None:
        arrays, axis = [ravel(a) for a in arrays], 0
    if dtype is not None:
        arrays = [a.astype(dtype) for a in arrays]
    ndim = np.ndim(arrays[0])
    return concatenate_p(*arrays, axis=int(axis) % max(ndim, 1))


@implements(np.stack)
def stack(arrays: Sequence[Any], axis: int = 0, out: Any = None, dtype: Any = None,
          casting: str = "same_kind") -> Any:
    """``np.stack``: join along a new axis."""
    arrays = list(arrays)
    if not arrays:
        raise ValueError("need at least one array to stack")
    ndim = np.ndim(arrays[0]) + 1
    axis = int(axis) % ndim
    return concatenate([expand_dims(a, axis) for a in arrays], axis=axis, dtype=dtype)


@implements(np.moveaxis)
def moveaxis(a: Any, source: Any, destination: Any) -> Any:
    """``np.moveaxis``."""
    ndim = np.ndim(a)
    src = [int(s) % ndim for s in np.atleast_1d(source)]
    dst = [int(d) % ndim for d in np.atleast_1d(destination)]
    order = [i for i in range(ndim) if i not in src]
    for d, s in sorted(zip(dst, src, strict=True)):
        order.insert(d, s)
    return transpose(a, order)


@implements(np.swapaxes)
def swapaxes(a: Any, axis1: int, axis2: int) -> Any:
    """``np.swapaxes``."""
    order = list(range(np.ndim(a)))
    i, j = int(axis1) % len(order), int(axis2) % len(order)
    order[i], order[j] = order[j], order[i]
    return transpose(a, order)


@implements(np.where)
def where(condition: Any, x: Any = None, y: Any = None) -> Any:
    """``np.where(c, x, y)``; the one-argument form gives the (constant) indices."""
    if x is None and y is None:
        return np.nonzero(condition)
    return where_p(condition, x, y)


@implements(np.clip)
def clip(a: Any, a_min: Any = None, a_max: Any = None, out: Any = None, *, min: Any = None,
         max: Any = None, **kwargs: Any) -> Any:
    """``np.clip``: the derivative is 1 inside ``[a_min, a_max]`` (bounds included), else 0."""
    lo = a_min if a_min is not None else min
    hi = a_max if a_max is not None else max
    if lo is not None:
        a = where_p(a < lo, lo, a)
    if hi is not None:
        a = where_p(a > hi, hi, a)
    return a


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
