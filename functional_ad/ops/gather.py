"""Gathers whose indices are arguments, not parameters, so the indices may be traced values.

``gather(x, indices, axis)`` is ``np.take_along_axis``; its transpose ``scatter_add`` adds
values into zeros at the same places. Index-producing functions (``argsort``, ``argmax``...)
are primitives without derivatives, so a sort is ``gather(x, argsort(x))``: every step is a
primitive, and vmap and compile see it whole instead of a value read at trace time.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core import Primitive, zero_derivative
from .registry import no_derivative, primitive, shape_of


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
)

argsort = no_derivative(
    "argsort", lambda x, axis, kind, stable: np.argsort(x, axis=axis, kind=kind, stable=stable)
)
argpartition = no_derivative(
    "argpartition", lambda x, kth, axis: np.argpartition(x, kth, axis=axis)
)
argmax = no_derivative(
    "argmax", lambda x, axis, keepdims: np.argmax(x, axis=axis, keepdims=keepdims)
)
argmin = no_derivative(
    "argmin", lambda x, axis, keepdims: np.argmin(x, axis=axis, keepdims=keepdims)
)


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
)
