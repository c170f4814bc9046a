"""Shape primitives: reshape, transpose, broadcast_to, concatenate and where (stacking,
splitting, meshgrid... compose them in ``functional_ad/numpy/shape.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..core import Primitive, zero_derivative
from . import series
from .batching import batch_elementwise, broadcast_batch, to_rank
from .registry import primitive, shape_of, unbroadcast

FAMILY = "shape"


# ---------------------------------------------------------------- batch rules (vmap)


def _reshape(prim: Primitive, size: int, vals: list, batched: tuple, shape: tuple) -> Any:
    return prim(vals[0], shape=(size,) + tuple(shape))


def _transpose(prim: Primitive, size: int, vals: list, batched: tuple, axes: tuple) -> Any:
    return prim(vals[0], axes=(0,) + tuple(a + 1 for a in axes))


def _broadcast_to(prim: Primitive, size: int, vals: list, batched: tuple, shape: tuple) -> Any:
    return prim(to_rank(vals[0], len(shape)), shape=(size,) + tuple(shape))


def _concatenate(prim: Primitive, size: int, vals: list, batched: tuple, axis: int) -> Any:
    vals = [v if b else broadcast_batch(v, size) for v, b in zip(vals, batched, strict=True)]
    return prim(*vals, axis=axis + 1)


reshape_p = primitive(
    "reshape",
    lambda x, shape: np.reshape(x, shape),
    jvp=lambda t, y, x, shape: np.reshape(t, shape),
    vjp=lambda g, y, x, shape: np.reshape(g, shape_of(x)),
    reads=((),),
    family=FAMILY,
    batch=_reshape,
    jet=series.linear_rule,
)
transpose_p = primitive(
    "transpose",
    lambda x, axes: np.transpose(x, axes),
    jvp=lambda t, y, x, axes: np.transpose(t, axes),
    vjp=lambda g, y, x, axes: np.transpose(g, tuple(np.argsort(axes))),
    reads=((),),
    family=FAMILY,
    batch=_transpose,
    jet=series.linear_rule,
)
broadcast_to_p = primitive(
    "broadcast_to",
    lambda x, shape: np.broadcast_to(x, shape),
    jvp=lambda t, y, x, shape: np.broadcast_to(t, shape),
    vjp=lambda g, y, x, shape: unbroadcast(g, x),
    reads=((),),
    family=FAMILY,
    batch=_broadcast_to,
    jet=series.linear_rule,
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
    family=FAMILY,
    batch=_concatenate,
    reads=None,  # any number of arguments: every value is kept,
    jet=series.linear_rule,
)

# where(c, x, z): the tangent flows from x where c holds and from z elsewhere
where_p = primitive(
    "where",
    np.where,
    jvp=(
        zero_derivative,
        lambda t, y, c, x, z: np.where(c, np.broadcast_to(t, shape_of(y)), 0.0).astype(y.dtype),
        lambda t, y, c, x, z: np.where(c, 0.0, np.broadcast_to(t, shape_of(y))).astype(y.dtype),
    ),
    vjp=(
        zero_derivative,
        lambda g, y, c, x, z: unbroadcast(np.where(c, g, 0.0), x),
        lambda g, y, c, x, z: unbroadcast(np.where(c, 0.0, g), z),
    ),
    family=FAMILY,
    batch=batch_elementwise,
    reads=((), (0,), (0,)),
    jet=series.linear_rule,
)


# ----------------------------------------------------------------------------- stacking


# ----------------------------------------------------------------------------- splitting


# ----------------------------------------------------------------------------- broadcasting
