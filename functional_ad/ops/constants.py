"""Constant functions of whole arrays (np.unique, np.nonzero, np.allclose...): no derivative.

Each is a primitive without rules, so graphs and ``compile`` record it and ``vmap`` maps it.
The ones NumPy applies elementwise batch by broadcasting. The others are batched by a loop
over the examples (``batch_by_loop``), on purpose: their output shape depends on the values
(``nonzero``, ``unique``, ``argwhere``) or their NumPy signature reduces the whole array
(``allclose``, ``array_equal``, ``count_nonzero``...), and a loop of NumPy calls on the
examples is what they cost anyway; a per-example output shape that differs raises.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..core import Primitive
from .batching import batch_by_loop, batch_elementwise
from .registry import no_derivative

FAMILY = "constants"


def _scalar(value: Any) -> Any:
    """A Python bool or int result (``np.allclose``, ``np.count_nonzero(x)``) as NumPy's
    scalar: a traced value has a shape and a dtype."""
    return np.asarray(value)[()] if isinstance(value, (bool, int)) else value


def _constant(func: Callable[..., Any], batch: Any, multiple: bool = False) -> Primitive:
    return no_derivative(
        func.__name__,
        (lambda *args, **params: tuple(func(*args, **params)))
        if multiple
        else (lambda *args, **params: _scalar(func(*args, **params))),
        family=FAMILY,
        batch=batch,
        multiple_results=multiple,
        elementwise=batch is batch_elementwise,  # (isclose of x.T is laid out as x.T)
    )


def _ravel_multi_index(*index: Any, dims: tuple, mode: Any = "raise", order: str = "C") -> Any:
    return np.ravel_multi_index(index, dims, mode=mode, order=order)  # type: ignore[call-overload]


_ravel_multi_index.__name__ = "ravel_multi_index"


CONSTANTS: dict[str, Primitive] = {
    # output shapes that depend on the values: one call per example (equal shapes only)
    "nonzero": _constant(np.nonzero, batch_by_loop, multiple=True),
    "flatnonzero": _constant(np.flatnonzero, batch_by_loop),
    "argwhere": _constant(np.argwhere, batch_by_loop),
    "unique": _constant(np.unique, batch_by_loop),
    # whole-array functions (axis=None means every axis, sorter= and side= apply to one
    # sorted array): one call per example
    "searchsorted": _constant(np.searchsorted, batch_by_loop),
    "lexsort": _constant(np.lexsort, batch_by_loop),
    "isin": _constant(np.isin, batch_by_loop),
    "unravel_index": _constant(np.unravel_index, batch_by_loop, multiple=True),
    "ravel_multi_index": _constant(_ravel_multi_index, batch_by_loop),
    "allclose": _constant(np.allclose, batch_by_loop),
    "array_equal": _constant(np.array_equal, batch_by_loop),
    "array_equiv": _constant(np.array_equiv, batch_by_loop),
    "count_nonzero": _constant(np.count_nonzero, batch_by_loop),
    "any": _constant(np.any, batch_by_loop),
    "all": _constant(np.all, batch_by_loop),
    # elementwise: broadcast
    "isclose": _constant(np.isclose, batch_elementwise),
    "iscomplex": _constant(np.iscomplex, batch_elementwise),
    "isreal": _constant(np.isreal, batch_elementwise),
}

# the primitives whose output shape depends on the input values: a program recorded once
# cannot replay them on other values (compile refuses them)
VALUE_SHAPED = frozenset(
    CONSTANTS[name] for name in ("nonzero", "flatnonzero", "argwhere", "unique")
)

__all__ = ["CONSTANTS", "VALUE_SHAPED"]
