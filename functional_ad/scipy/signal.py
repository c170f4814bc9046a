"""``scipy.signal`` for traced values: convolutions and correlations (N-dimensional, and
2-D with zero fill), ``lfilter``, ``detrend`` and the spectral ``stft``, ``istft`` and
``welch``, with SciPy's signatures and modes.

>>> import numpy as np, functional_ad as fad
>>> fad.grad(lambda x: np.sum(convolve(x, np.array([1.0, 1.0]))))(np.zeros(2))
array([2., 2.])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..ops.convolution import convolve_full, core_slice
from ..ops.filters import lfilter_p
from ._require import scipy_module
from .spectral import detrend, istft, stft, welch

scipy_module("signal")


def _no_option(name: str, option: str) -> NotImplementedError:
    return NotImplementedError(
        f"functional_ad.scipy.signal.{name}: {option} is not supported with traced values; "
        f"call scipy.signal.{name} on plain arrays, or functional_ad.stop_gradient the inputs"
    )


def _cut(full: Any, shape1: tuple, shape2: tuple, mode: str, name: str) -> Any:
    """The ``mode`` part of a full convolution of arrays of shapes ``shape1`` and ``shape2``."""
    if mode == "full":
        return full
    if mode == "same":
        lengths = tuple(shape1)
    elif mode == "valid":
        bigger = all(n >= m for n, m in zip(shape1, shape2, strict=True))
        smaller = all(n <= m for n, m in zip(shape1, shape2, strict=True))
        if not (bigger or smaller):
            raise ValueError(
                f"{name}: for 'valid' mode, one must be at least as large as the other in "
                "every dimension"
            )
        lengths = tuple(abs(n - m) + 1 for n, m in zip(shape1, shape2, strict=True))
    else:
        raise ValueError("acceptable mode flags are 'valid', 'same', or 'full'")
    starts = tuple((n + m - 1 - k) // 2 for n, m, k in zip(shape1, shape2, lengths, strict=True))
    return core_slice(full, starts, lengths)


def convolve(in1: Any, in2: Any, mode: str = "full", method: str = "auto") -> Any:
    """Return the N-dimensional convolution of ``in1`` and ``in2`` (``mode`` 'full', 'same'
    (the shape of ``in1``) or 'valid'); ``method`` is accepted and ignored.

    >>> import numpy as np
    >>> convolve(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.5]))
    array([0. , 1. , 2.5, 4. , 1.5])
    """
    ndim = np.ndim(in1)
    if np.ndim(in2) != ndim:
        raise ValueError("in1 and in2 should have the same dimensionality")
    if ndim == 0:
        return in1 * in2
    full = convolve_full(in1, in2, ndim=ndim)
    return _cut(full, np.shape(in1), np.shape(in2), mode, "convolve")


def correlate(in1: Any, in2: Any, mode: str = "full", method: str = "auto") -> Any:
    """Return the N-dimensional cross-correlation ``z[k] = Σ in1[n + k] conj(in2[n])``.

    >>> import numpy as np
    >>> correlate(np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.0]), mode="valid")
    array([3., 5.])
    """
    ndim = np.ndim(in1)
    if np.ndim(in2) != ndim:
        raise ValueError("in1 and in2 should have the same dimensionality")
    if ndim == 0:
        return in1 * (np.conj(in2) if np.iscomplexobj(in2) else in2)
    shape1, shape2 = np.shape(in1), np.shape(in2)
    if mode == "valid" and any(n < m for n, m in zip(shape1, shape2, strict=True)):
        # SciPy swaps the inputs when in2 is the larger: the result is reversed and conjugated
        out = correlate(in2, in1, mode="valid")
        out = np.flip(out, axis=tuple(range(ndim)))
        return np.conj(out) if np.iscomplexobj(out) else out
    reversed_ = np.flip(in2, axis=tuple(range(ndim)))
    if np.iscomplexobj(reversed_):
        reversed_ = np.conj(reversed_)
    return _cut(convolve_full(in1, reversed_, ndim=ndim), shape1, shape2, mode, "correlate")


def fftconvolve(in1: Any, in2: Any, mode: str = "full", axes: Any = None) -> Any:
    """Return the convolution of ``in1`` and ``in2`` (as ``convolve``; ``axes=None`` only).

    >>> import numpy as np
    >>> fftconvolve(np.array([1.0, 1.0]), np.array([1.0, 1.0]))
    array([1., 2., 1.])
    """
    if axes is not None:
        raise _no_option("fftconvolve", "axes=")
    return convolve(in1, in2, mode)


def _check_2d(name: str, in1: Any, in2: Any, boundary: str, fillvalue: Any) -> None:
    if np.ndim(in1) != 2 or np.ndim(in2) != 2:
        raise ValueError(f"{name} inputs must both be 2-D arrays")
    if boundary != "fill" or fillvalue != 0:
        raise _no_option(name, f"boundary={boundary!r}, fillvalue={fillvalue!r}")


def convolve2d(in1: Any, in2: Any, mode: str = "full", boundary: str = "fill",
               fillvalue: Any = 0) -> Any:  # fmt: skip
    """Return the 2-D convolution of ``in1`` and ``in2`` (zero fill at the boundary).

    >>> import numpy as np
    >>> convolve2d(np.eye(2), np.ones((1, 1)))
    array([[1., 0.],
           [0., 1.]])
    """
    _check_2d("convolve2d", in1, in2, boundary, fillvalue)
    shape1, shape2 = np.shape(in1), np.shape(in2)
    if mode == "valid" and any(n < m for n, m in zip(shape1, shape2, strict=True)):
        in1, in2 = in2, in1  # SciPy's convolve2d swaps (convolution is symmetric)
        shape1, shape2 = shape2, shape1
    return _cut(convolve_full(in1, in2, ndim=2), shape1, shape2, mode, "convolve2d")


def correlate2d(in1: Any, in2: Any, mode: str = "full", boundary: str = "fill",
                fillvalue: Any = 0) -> Any:  # fmt: skip
    """Return the 2-D cross-correlation of ``in1`` and ``in2`` (zero fill at the boundary).

    >>> import numpy as np
    >>> correlate2d(np.eye(2), np.ones((1, 1)))
    array([[1., 0.],
           [0., 1.]])
    """
    _check_2d("correlate2d", in1, in2, boundary, fillvalue)
    if mode == "same":  # centred as SciPy's 2-D routine does: from in2's half size
        full = correlate(in1, in2, "full")
        return core_slice(full, tuple(m // 2 for m in np.shape(in2)), tuple(np.shape(in1)))
    return correlate(in1, in2, mode)


def lfilter(b: Any, a: Any, x: Any, axis: int = -1, zi: Any = None) -> Any:
    """Return ``x`` filtered by the rational transfer function ``b(z) / a(z)`` along
    ``axis`` (``a[0] y[n] = Σ b[k] x[n-k] - Σ_{k≥1} a[k] y[n-k]``); differentiable in ``b``,
    ``a`` and ``x``. Initial conditions (``zi``) are not supported.

    >>> import numpy as np
    >>> lfilter(np.array([1.0]), np.array([1.0, -0.5]), np.array([1.0, 0.0, 0.0]))
    array([1.  , 0.5 , 0.25])
    """
    if zi is not None:
        raise _no_option("lfilter", "zi= (initial conditions)")
    b, a = np.atleast_1d(b), np.atleast_1d(a)  # (a scalar b or a, as SciPy takes them)
    if np.ndim(b) != 1 or np.ndim(a) != 1:
        raise ValueError("lfilter: b and a must be 1-D")
    moved = np.moveaxis(x, axis, -1)
    return np.moveaxis(lfilter_p(b, a, moved), -1, axis)


__all__ = [
    "convolve",
    "convolve2d",
    "correlate",
    "correlate2d",
    "detrend",
    "fftconvolve",
    "istft",
    "lfilter",
    "stft",
    "welch",
]
