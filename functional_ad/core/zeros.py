"""Symbolic zeros: tangents and cotangents known to be zero, materialised only at the edges."""

from __future__ import annotations

from typing import Any

import numpy as np


class Zero:
    """A tangent or cotangent known to be zero, standing for ``np.zeros(shape, dtype)``.

    >>> z = Zero((2,), np.float64)
    >>> instantiate(z)
    array([0., 0.])
    """

    __slots__ = ("shape", "dtype")

    def __init__(self, shape: tuple[int, ...], dtype: Any) -> None:
        self.shape = tuple(shape)
        self.dtype = np.dtype(dtype)

    @classmethod
    def like(cls, x: Any) -> Zero:
        """The zero tangent of a value shaped like ``x``."""
        return cls(np.shape(x), tangent_dtype(x))

    def __repr__(self) -> str:
        return f"Zero({self.shape}, {self.dtype})"


def tangent_dtype(x: Any) -> np.dtype:
    """The dtype of tangents of ``x``: its own for inexact values, float64 otherwise."""
    dtype = np.result_type(x) if not hasattr(x, "dtype") else np.dtype(x.dtype)
    return dtype if np.issubdtype(dtype, np.inexact) else np.dtype(np.float64)


def instantiate(t: Any) -> Any:
    """Turn a ``Zero`` into an array of zeros; any other value is returned unchanged."""
    if isinstance(t, Zero):
        return np.zeros(t.shape, t.dtype)
    return t


def add_any(a: Any, b: Any) -> Any:
    """Add two tangents where either may be ``None`` or ``Zero`` (free when one is)."""
    if a is None or isinstance(a, Zero):
        return b
    if b is None or isinstance(b, Zero):
        return a
    return a + b


def in_precision_of(t: Any, y: Any) -> Any:
    """``t``, a tangent of ``y``, widened to ``y``'s inexact dtype where that is wider: the
    tangent of a float64 output is float64 (``x + ones(3)`` of a float32 ``x``), of a complex
    output complex; as it is otherwise, and for values without a dtype.

    >>> in_precision_of(np.float32([1.0]), np.zeros(2)).dtype
    dtype('float64')
    """
    t_dtype, y_dtype = getattr(t, "dtype", None), getattr(y, "dtype", None)
    if t_dtype is None or y_dtype is None or t_dtype == y_dtype:
        return t
    if np.dtype(y_dtype).kind not in "fc":
        return t
    wider = np.result_type(t_dtype, y_dtype)
    return t if wider == t_dtype else t.astype(wider)
