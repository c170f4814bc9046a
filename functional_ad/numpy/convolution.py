"""np.convolve and np.correlate on traced values, over the convolution primitive."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..ops.convolution import convolve_full, core_slice
from ..ops.registry import shape_of
from .registry import NUMPY


def _numpy_mode(n: int, m: int, mode: str) -> int:
    if mode == "full":
        return n + m - 1
    if mode == "same":
        return max(n, m)
    if mode == "valid":
        return max(n, m) - min(n, m) + 1
    raise ValueError(f"mode must be one of 'valid', 'same', or 'full' (got {mode!r})")


def _numpy_convolve(a: Any, v: Any, mode: str = "full") -> Any:
    """``np.convolve``: the full convolution, cut to ``mode`` (the longer array first)."""
    if np.ndim(a) != 1 or np.ndim(v) != 1:
        raise ValueError("object too deep for desired array")
    n, m = shape_of(a)[0], shape_of(v)[0]
    if n == 0 or m == 0:
        raise ValueError("a cannot be empty" if n == 0 else "v cannot be empty")
    length = _numpy_mode(n, m, mode)
    full = convolve_full(a, v, ndim=1)
    return core_slice(full, ((n + m - 1 - length) // 2,), (length,))


def _numpy_correlate(a: Any, v: Any, mode: str = "valid") -> Any:
    """``np.correlate``: ``c[k] = Σ a[n + k] conj(v[n])``, a convolution with ``v`` reversed."""
    v = np.conj(v) if np.iscomplexobj(v) else v
    return _numpy_convolve(a, v[::-1], mode)


NUMPY[np.convolve] = _numpy_convolve


NUMPY[np.correlate] = _numpy_correlate
