"""Indexing: getitem and its transpose index_add (repeated indices accumulate)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core import concrete
from .registry import primitive, shape_of, unbroadcast


def normalize_index(index: Any) -> tuple:
    """An index as a tuple of ints, slices, None, Ellipsis and concrete NumPy arrays."""
    if not isinstance(index, tuple):
        index = (index,)
    out = []
    for i in index:
        if isinstance(i, (list, np.ndarray)) or hasattr(i, "_trace"):
            i = np.asarray(concrete(i)) if not isinstance(i, list) else np.asarray(
                [concrete(e) for e in i])
        out.append(i)
    return tuple(out)


def is_basic(index: tuple) -> bool:
    """True if ``index`` selects without integer or boolean arrays (no repeats possible)."""
    return not any(isinstance(i, np.ndarray) for i in index)


def _index_add_impl(base: Any, v: Any, index: tuple) -> Any:
    out = np.array(base, copy=True)
    if is_basic(index):
        out[index] += v
    else:
        np.add.at(out, index, v)
    return out


index_add = primitive(
    "index_add",
    _index_add_impl,
    jvp=(
        lambda t, y, base, v, index: t,
        lambda t, y, base, v, index: index_add(np.zeros(shape_of(y), y.dtype), t, index=index),
    ),
    vjp=(
        lambda g, y, base, v, index: g,
        lambda g, y, base, v, index: unbroadcast(getitem(g, index), v),
    ),
)


def _getitem_vjp(g: Any, y: Any, x: Any, index: tuple) -> Any:
    # scatter the cotangent back; repeated integer indices add up
    return index_add(np.zeros(shape_of(x), g.dtype), g, index=index)


getitem_p = primitive(
    "getitem",
    lambda x, index: x[index],
    jvp=lambda t, y, x, index: getitem(t, index),
    vjp=_getitem_vjp,
)


def getitem(x: Any, index: Any) -> Any:
    """``x[index]`` for basic and advanced indices."""
    return getitem_p(x, index=normalize_index(index))
