"""Reductions and scans: the sum, prod, max, min, cumsum and cumprod primitives.

mean, var, std, average, ptp, the nan-functions, median, quantile, diff and trace are
compositions of primitives in ``functional_ad/numpy/reductions.py``, so their derivatives
come for free and nest.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core import Primitive
from . import series
from .batching import shift_axis_param
from .registry import broadcast_one, primitive, shape_of

FAMILY = "reductions"


# ---------------------------------------------------------------- batch rules (vmap)


def _batch_scan(prim: Primitive, size: int, vals: list, batched: tuple, axis: int) -> Any:
    return prim(vals[0], axis=axis % max(np.ndim(vals[0]) - 1, 1) + 1)


def expand_reduced(g: Any, x_shape: tuple, axis: tuple | None, keepdims: bool) -> Any:
    """Broadcast a reduced cotangent ``g`` back to the shape before the reduction."""
    if not keepdims and axis is not None:
        kept = tuple(1 if i in axis else n for i, n in enumerate(x_shape))
        g = np.reshape(g, kept)
    return broadcast_one(g, x_shape)


def _sum_impl(x: Any, axis: tuple | None, keepdims: bool) -> Any:
    if type(x) is np.ndarray:  # (what np.sum calls, without its Python layers)
        return x.sum(axis=axis, keepdims=keepdims)
    return np.sum(x, axis=axis, keepdims=keepdims)


reduce_sum = primitive(
    "sum",
    _sum_impl,
    jvp=lambda t, y, x, axis, keepdims: np.sum(t, axis=axis, keepdims=keepdims),
    vjp=lambda g, y, x, axis, keepdims: expand_reduced(g, shape_of(x), axis, keepdims),
    reads=((),),
    family=FAMILY,
    batch=shift_axis_param("axis"),
    jet=series.linear_rule,
)


def _prod_vjp(g: Any, y: Any, x: Any, axis: tuple | None, keepdims: bool) -> Any:
    # d prod / d x_i = prod of the other elements
    return expand_reduced(g, shape_of(x), axis, keepdims) * _prod_others(x, axis)


def _prod_others(x: Any, axis: tuple | None) -> Any:
    """For each element, the product of the other elements in its reduction (exact at zeros)."""
    shape = shape_of(x)
    axes = tuple(range(len(shape))) if axis is None else axis
    rest = tuple(i for i in range(len(shape)) if i not in axes)
    moved = np.transpose(x, rest + axes)
    flat = np.reshape(moved, tuple(shape[i] for i in rest) + (-1,))
    ones = np.ones(shape_of(flat)[:-1] + (1,), dtype=flat.dtype)
    left = np.cumprod(np.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
    right = np.cumprod(np.concatenate([ones, flat[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    others = np.reshape(left * right, shape_of(moved))
    return np.transpose(others, tuple(np.argsort(rest + axes)))


reduce_prod = primitive(
    "prod",
    lambda x, axis, keepdims: np.prod(x, axis=axis, keepdims=keepdims),
    jvp=lambda t, y, x, axis, keepdims: np.sum(
        t * _prod_others(x, axis), axis=axis, keepdims=keepdims
    ),
    vjp=_prod_vjp,
    family=FAMILY,
    batch=shift_axis_param("axis"),
    reads=((0,),),
)


def _extremum_weights(y: Any, x: Any, axis: tuple | None, keepdims: bool) -> Any:
    """Where ``x`` attains the extremum ``y``: ties split the derivative evenly."""
    mask = (x == expand_reduced(y, shape_of(x), axis, keepdims)).astype(np.result_type(x))
    return mask / np.sum(mask, axis=axis, keepdims=True)


def _extremum(name: str, impl: Any, reduce: Any) -> Any:
    def extremum(x: Any, axis: tuple | None, keepdims: bool) -> Any:
        if type(x) is np.ndarray:  # (what np.max calls, without its Python layers)
            return reduce(x, axis=axis, keepdims=keepdims)
        return impl(x, axis=axis, keepdims=keepdims)

    return primitive(
        name,
        extremum,
        jvp=lambda t, y, x, axis, keepdims: np.sum(
            t * _extremum_weights(y, x, axis, keepdims), axis=axis, keepdims=keepdims
        ),
        vjp=lambda g, y, x, axis, keepdims: (
            expand_reduced(g, shape_of(x), axis, keepdims) * _extremum_weights(y, x, axis, keepdims)
        ),
        reads=((-1, 0),),
        family=FAMILY,
        batch=shift_axis_param("axis"),
        jet=series.linear_rule,  # locally the extreme element (ties: the jvp's average)
    )


reduce_max = _extremum("max", np.max, np.ndarray.max)
reduce_min = _extremum("min", np.min, np.ndarray.min)


# ----------------------------------------------------------------------------- sum, prod


# ----------------------------------------------------------------------------- max, min


# ----------------------------------------------------------------------------- moments


# ----------------------------------------------------------------------------- nan-functions


# ----------------------------------------------------------------------------- order statistics


# ----------------------------------------------------------------------------- ufunc.reduce


# ----------------------------------------------------------------------------- scans


def _shifted(x: Any, k: int, axis: int, fill: float) -> Any:
    """``x`` moved ``k`` places forward along ``axis``: element ``i`` holds ``x[i - k]``."""
    shape = shape_of(x)
    k = min(k, shape[axis])
    pad = np.full(shape[:axis] + (k,) + shape[axis + 1 :], fill, dtype=x.dtype)
    kept = x[(slice(None),) * axis + (slice(0, shape[axis] - k),)]
    return np.concatenate([pad, kept], axis=axis)


def linear_scan(a: Any, b: Any, axis: int, reverse: bool = False) -> Any:
    """Solve ``h[i] = a[i] h[i-1] + b[i]`` (``h[-1] = 0``) along ``axis``, without division.

    Recursive doubling: after the step with stride ``s`` each element holds the affine map of
    the ``2s`` elements ending at it, so ``ceil(log2 n)`` vectorised steps suffice. Written
    with primitives only, so it can itself be differentiated. ``reverse`` runs from the end.
    """
    if reverse:
        return np.flip(linear_scan(np.flip(a, axis), np.flip(b, axis), axis), axis)
    n = shape_of(b)[axis]
    stride = 1
    while stride < n:
        b = b + a * _shifted(b, stride, axis, 0)
        if 2 * stride < n:
            a = a * _shifted(a, stride, axis, 1)
        stride *= 2
    return b


# cumsum is linear: its transpose sums from the other end
def _reverse_cumsum(g: Any, axis: int) -> Any:
    return np.flip(np.cumsum(np.flip(g, axis), axis=axis), axis)


cumsum_p = primitive(
    "cumsum",
    lambda x, axis: np.cumsum(x, axis=axis),
    jvp=lambda t, y, x, axis: np.cumsum(t, axis=axis),
    vjp=lambda g, y, x, axis: _reverse_cumsum(g, axis),
    family=FAMILY,
    batch=_batch_scan,
    reads=((),),
    jet=series.linear_rule,
)


# y[i] = x[i] y[i-1], so y_dot[i] = x[i] y_dot[i-1] + x_dot[i] y[i-1]: a linear recurrence
# (exact at zeros, unlike y * cumsum(x_dot / x)). Its transpose runs the recurrence backwards:
# lam[k] = g[k] + x[k+1] lam[k+1], x_bar[k] = y[k-1] lam[k].
def _cumprod_jvp(t: Any, y: Any, x: Any, axis: int) -> Any:
    return linear_scan(x, t * _shifted(y, 1, axis, 1), axis)


def _cumprod_vjp(g: Any, y: Any, x: Any, axis: int) -> Any:
    following = np.flip(_shifted(np.flip(x, axis), 1, axis, 1), axis)  # x[k+1], 1 at the end
    return _shifted(y, 1, axis, 1) * linear_scan(following, g, axis, reverse=True)


cumprod_p = primitive(
    "cumprod",
    lambda x, axis: np.cumprod(x, axis=axis),
    jvp=_cumprod_jvp,
    vjp=_cumprod_vjp,
    family=FAMILY,
    batch=_batch_scan,
    reads=((-1, 0),),
)


# ----------------------------------------------------------------------------- differences
