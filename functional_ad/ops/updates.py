"""Functional index updates: ``scatter_set`` and the ``.at[index]`` operations built on it."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core import Primitive
from .indexing import batch_index_update, getitem, index_add, is_basic, normalize_index
from .registry import primitive, shape_of, unbroadcast

FAMILY = "updates"


def _scatter_set_impl(x: Any, v: Any, index: tuple) -> Any:
    out = np.array(x, copy=True)
    out[index] = v  # NumPy's casting rules, as item assignment has them
    return out


def _winners(shape: tuple, index: tuple, v_shape: tuple) -> Any:
    """Mask over the updates: True where the update is the one left standing (last write)."""
    selected_shape = np.empty(shape, dtype=np.int8)[index].shape
    ids = np.arange(int(np.prod(selected_shape)), dtype=np.int64).reshape(selected_shape)
    board = np.full(shape, -1, dtype=np.int64)
    board[index] = ids
    return board[index] == ids


def _set_vjp_value(g: Any, y: Any, x: Any, v: Any, index: tuple) -> Any:
    # each update receives the cotangent of the slot it wrote, unless a later write replaced it
    picked = getitem(g, index)
    if not is_basic(index):
        picked = np.where(_winners(shape_of(y), index, shape_of(v)), picked, 0)
    return unbroadcast(picked, v)


def _set_zero(t: Any, index: tuple) -> Any:
    return scatter_set(t, np.zeros((), dtype=t.dtype), index=index)


scatter_set: Primitive = primitive(
    "scatter_set",
    _scatter_set_impl,
    jvp=(
        lambda t, y, x, v, index: _set_zero(t, index),
        lambda t, y, x, v, index: scatter_set(np.zeros(shape_of(y), y.dtype), t, index=index),
    ),
    vjp=(
        lambda g, y, x, v, index: _set_zero(g, index),
        _set_vjp_value,
    ),
    family=FAMILY,
    batch=batch_index_update,
    reads=((), ()),
)


def _has_repeats(index: tuple, shape: tuple) -> bool:
    if is_basic(index):
        return False
    return not bool(np.all(_winners(shape, index, ())))


class IndexUpdate:
    """``x.at[index]``: functional updates that return a new array and leave ``x`` alone."""

    __slots__ = ("x", "index")

    def __init__(self, x: Any, index: Any) -> None:
        self.x = x
        self.index = normalize_index(index)

    def get(self) -> Any:
        """Return ``x[index]``."""
        return getitem(self.x, self.index)

    def set(self, values: Any) -> Any:
        """Return a copy of ``x`` with ``x[index] = values`` (the last of repeated indices wins)."""
        return scatter_set(self.x, values, index=self.index)

    def add(self, values: Any) -> Any:
        """Return a copy of ``x`` with ``values`` added at ``index`` (repeats accumulate)."""
        return index_add(self.x, values, index=self.index)

    def multiply(self, values: Any) -> Any:
        """Return a copy of ``x`` with ``x[index]`` multiplied by ``values`` (repeats compound)."""
        return self.combine(values, np.multiply)

    def min(self, values: Any) -> Any:
        """Return a copy of ``x`` with ``x[index] = minimum(x[index], values)``."""
        return self.combine(values, np.minimum)

    def max(self, values: Any) -> Any:
        """Return a copy of ``x`` with ``x[index] = maximum(x[index], values)``."""
        return self.combine(values, np.maximum)

    def combine(self, values: Any, op: Any) -> Any:
        """Return a copy of ``x`` with ``x[index] = op(x[index], values)``, repeats in turn."""
        x, index = self.x, self.index
        if not _has_repeats(index, shape_of(x)):
            return scatter_set(x, op(getitem(x, index), values), index=index)
        # repeated indices: apply the updates one at a time, in order
        picked_shape = np.empty(shape_of(x), dtype=np.int8)[index].shape
        values = np.broadcast_to(values, picked_shape)
        positions = np.indices(shape_of(x))
        flat = [p[index].ravel() for p in positions]
        values = np.reshape(values, (-1,) + shape_of(values)[len(picked_shape) :])
        for k in range(len(flat[0])):
            where = tuple(int(p[k]) for p in flat)
            x = scatter_set(x, op(getitem(x, where), values[k]), index=normalize_index(where))
        return x


class IndexUpdateHelper:
    """The ``.at`` property: ``x.at[index]`` gives an ``IndexUpdate``."""

    __slots__ = ("x",)

    def __init__(self, x: Any) -> None:
        self.x = x

    def __getitem__(self, index: Any) -> IndexUpdate:
        return IndexUpdate(self.x, index)
