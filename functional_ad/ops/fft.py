"""Discrete Fourier transforms: three linear primitives (the n-d forms of numpy.fft compose
them in ``functional_ad/numpy/fft.py``).

Every transform is linear, so its jvp is the same transform of the tangent. Its vjp is the
transpose (not the adjoint: cotangents are never conjugated):

- ``fft``/``ifft``: the DFT matrix is symmetric, so the transpose is the same transform;
  the length change of ``n`` (zero-padding or cropping the input) transposes to cropping or
  zero-padding the cotangent.
- ``rfft`` keeps the first ``n//2 + 1`` outputs of the DFT of a real signal; its transpose
  ``Re(F_half^T g)`` is an ``irfft`` of ``conj(g)`` with the doubled middle bins halved.
- ``irfft`` reads each middle bin twice (it and its mirror image); its transpose is
  ``conj(rfft(g))`` with the middle bins doubled.

The scale of ``norm`` moves to the dual norm in the transpose: ``"backward"`` (1 forward,
1/n inverse) pairs with ``"forward"``, and ``"ortho"`` with itself.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from ..core import Primitive
from .registry import primitive, shape_of

FAMILY = "fft"

_DUAL_NORM = {"backward": "forward", "forward": "backward", "ortho": "ortho"}


def _is_complex(x: Any) -> bool:
    return np.dtype(x.dtype).kind == "c"


def _real_dtype(x: Any) -> np.dtype:
    return np.finfo(np.dtype(x.dtype)).dtype


def _fit(x: Any, length: int, axis: int) -> Any:
    """Crop ``x`` along ``axis`` to ``length``, or pad it with zeros at the end."""
    size = shape_of(x)[axis]
    if size == length:
        return x
    if size > length:
        return x[(slice(None),) * axis + (slice(0, length),)]
    pad_shape = list(shape_of(x))
    pad_shape[axis] = length - size
    return np.concatenate([x, np.zeros(tuple(pad_shape), x.dtype)], axis=axis)


def _along(weights: np.ndarray, axis: int, ndim: int) -> np.ndarray:
    """Reshape a 1-d array of weights to broadcast along ``axis`` of an ``ndim``-d array."""
    shape = [1] * ndim
    shape[axis] = weights.shape[0]
    return np.reshape(weights, shape)


def _half_spectrum_weights(n: int, dtype: Any) -> np.ndarray:
    """How often ``irfft`` of length ``n`` reads each bin: 1 for bin 0 and Nyquist, else 2."""
    weights = np.full(n // 2 + 1, 2.0, dtype)
    weights[0] = 1.0
    if n % 2 == 0:
        weights[-1] = 1.0
    return weights


def _shift_axis(prim: Any, size: int, vals: list, batched: tuple, **params: Any) -> Any:
    """Batching rule: the batch axis goes first, so the transformed axis moves up by one."""
    (x,) = vals
    return prim(x, **{**params, "axis": params["axis"] + 1})


# ----------------------------------------------------------------------------- complex to complex


def _c2c_impl(
    x: Any, n: int, axis: int, norm: Literal["backward", "ortho", "forward"], inverse: bool
) -> Any:
    transform = np.fft.ifft if inverse else np.fft.fft
    return transform(x, n=n, axis=axis, norm=norm)


def _c2c_vjp(y_bar: Any, y: Any, x: Any, n: int, axis: int, norm: str, inverse: bool) -> Any:
    x_bar = _fit(fft_p(y_bar, n=n, axis=axis, norm=norm, inverse=inverse), shape_of(x)[axis], axis)
    return x_bar if _is_complex(x) else np.real(x_bar)


# one 1-d transform along ``axis`` (non-negative), output length ``n``
fft_p: Primitive = primitive(
    "fft",
    _c2c_impl,
    jvp=lambda x_dot, y, x, **params: fft_p(x_dot, **params),
    vjp=_c2c_vjp,
    batch=_shift_axis,
    family=FAMILY,
    reads=((),),  # x for its shape and dtype only,
)

# ----------------------------------------------------------------------------- real transforms


def _rfft_vjp(y_bar: Any, y: Any, x: Any, n: int, axis: int, norm: str) -> Any:
    # x_bar_j = scale Re(sum_k g_k w^-jk) over the half spectrum = irfft(conj(g) / reads)
    ndim = len(shape_of(y_bar))
    reads = _half_spectrum_weights(n, _real_dtype(y_bar))
    half = np.conj(y_bar) * _along(1 / reads, axis, ndim)
    x_bar = irfft_p(half, n=n, axis=axis, norm=_DUAL_NORM[norm])
    return _fit(x_bar, shape_of(x)[axis], axis)


rfft_p: Primitive = primitive(
    "rfft",
    lambda x, n, axis, norm: np.fft.rfft(x, n=n, axis=axis, norm=norm),
    jvp=lambda x_dot, y, x, **params: rfft_p(x_dot, **params),
    vjp=_rfft_vjp,
    batch=_shift_axis,
    family=FAMILY,
    reads=((),),
)


def _irfft_vjp(y_bar: Any, y: Any, x: Any, n: int, axis: int, norm: str) -> Any:
    # x_bar_k = reads_k * scale * conj(sum_j g_j w^-jk) = reads_k conj(rfft(g))_k
    if _is_complex(y_bar):
        y_bar = np.real(y_bar)
    spectrum = rfft_p(y_bar, n=n, axis=axis, norm=_DUAL_NORM[norm])
    reads = _half_spectrum_weights(n, _real_dtype(y_bar))
    x_bar = _fit(
        np.conj(spectrum) * _along(reads, axis, len(shape_of(spectrum))), shape_of(x)[axis], axis
    )
    return x_bar if _is_complex(x) else np.real(x_bar)


irfft_p: Primitive = primitive(
    "irfft",
    lambda x, n, axis, norm: np.fft.irfft(x, n=n, axis=axis, norm=norm),
    jvp=lambda x_dot, y, x, **params: irfft_p(x_dot, **params),
    vjp=_irfft_vjp,
    batch=_shift_axis,
    family=FAMILY,
    reads=((),),
)

# ----------------------------------------------------------------------------- NumPy's functions


# ----------------------------------------------------------------------------- shifts
