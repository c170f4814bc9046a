"""Discrete Fourier transforms (numpy.fft): three linear primitives and the n-d forms on them.

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
from .registry import implements, primitive, shape_of

FAMILY = "fft"

_DUAL_NORM = {"backward": "forward", "forward": "backward", "ortho": "ortho"}


def _norm(norm: str | None) -> str:
    if norm is None:
        return "backward"
    if norm not in _DUAL_NORM:
        raise ValueError(f'Invalid norm value {norm}; should be "backward", "ortho" or "forward".')
    return norm


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


def _axis(a: Any, axis: int) -> int:
    ndim = np.ndim(a)
    if not -ndim <= axis < ndim:
        raise np.exceptions.AxisError(axis, ndim)
    return int(axis) % ndim


def _length(n: Any, default: int) -> int:
    n = default if n is None else int(n)
    if n < 1:
        raise ValueError(f"Invalid number of FFT data points ({n}) specified.")
    return n


def _no_out(out: Any, name: str) -> None:
    if out is not None:
        raise TypeError(f"numpy.fft.{name}: out= is not supported with traced values")


def _c2c(a: Any, n: Any, axis: int, norm: Any, inverse: bool) -> Any:
    axis = _axis(a, axis)
    n = _length(n, shape_of(a)[axis])
    return fft_p(a, n=n, axis=axis, norm=_norm(norm), inverse=inverse)


def _rfft(a: Any, n: Any, axis: int, norm: Any) -> Any:
    axis = _axis(a, axis)
    return rfft_p(a, n=_length(n, shape_of(a)[axis]), axis=axis, norm=_norm(norm))


def _irfft(a: Any, n: Any, axis: int, norm: Any) -> Any:
    axis = _axis(a, axis)
    return irfft_p(a, n=_length(n, 2 * (shape_of(a)[axis] - 1)), axis=axis, norm=_norm(norm))


@implements(np.fft.fft)
def fft(a: Any, n: Any = None, axis: int = -1, norm: Any = None, out: Any = None) -> Any:
    """``np.fft.fft``: the 1-d DFT, input cropped or zero-padded to ``n``."""
    _no_out(out, "fft")
    return _c2c(a, n, axis, norm, inverse=False)


@implements(np.fft.ifft)
def ifft(a: Any, n: Any = None, axis: int = -1, norm: Any = None, out: Any = None) -> Any:
    """``np.fft.ifft``: the 1-d inverse DFT."""
    _no_out(out, "ifft")
    return _c2c(a, n, axis, norm, inverse=True)


@implements(np.fft.rfft)
def rfft(a: Any, n: Any = None, axis: int = -1, norm: Any = None, out: Any = None) -> Any:
    """``np.fft.rfft``: the DFT of a real signal, bins 0 to n//2."""
    _no_out(out, "rfft")
    return _rfft(a, n, axis, norm)


@implements(np.fft.irfft)
def irfft(a: Any, n: Any = None, axis: int = -1, norm: Any = None, out: Any = None) -> Any:
    """``np.fft.irfft``: the real signal of length ``n`` (default 2(m-1)), half spectrum ``a``."""
    _no_out(out, "irfft")
    return _irfft(a, n, axis, norm)


@implements(np.fft.hfft)
def hfft(a: Any, n: Any = None, axis: int = -1, norm: Any = None, out: Any = None) -> Any:
    """``np.fft.hfft``: the real spectrum of a signal with Hermitian symmetry."""
    _no_out(out, "hfft")
    return _irfft(np.conj(a), n, axis, _DUAL_NORM[_norm(norm)])


@implements(np.fft.ihfft)
def ihfft(a: Any, n: Any = None, axis: int = -1, norm: Any = None, out: Any = None) -> Any:
    """``np.fft.ihfft``: the inverse of ``hfft``."""
    _no_out(out, "ihfft")
    return np.conj(_rfft(a, n, axis, _DUAL_NORM[_norm(norm)]))


def _nd_args(a: Any, s: Any, axes: Any, inverse_real: bool = False) -> tuple[list, list]:
    """Lengths and axes of an n-d transform, defaulted as NumPy does."""
    shape = shape_of(a)
    given = s is not None
    if axes is None:
        axes = list(range(-len(s), 0)) if given else list(range(len(shape)))
    axes = [_axis(a, ax) for ax in axes]
    s = list(s) if given else [shape[ax] for ax in axes]
    if len(s) != len(axes):
        raise ValueError("Shape and axes have different lengths.")
    if inverse_real and not given:
        s[-1] = 2 * (shape[axes[-1]] - 1)
    s = [shape[ax] if n in (None, -1) else int(n) for n, ax in zip(s, axes, strict=True)]
    return s, axes


def _c2c_nd(a: Any, s: Any, axes: Any, norm: Any, inverse: bool) -> Any:
    s, axes = _nd_args(a, s, axes)
    for n, ax in reversed(list(zip(s, axes, strict=True))):
        a = _c2c(a, n, ax, norm, inverse)
    return a


def _rfft_nd(a: Any, s: Any, axes: Any, norm: Any) -> Any:
    s, axes = _nd_args(a, s, axes)
    a = _rfft(a, s[-1], axes[-1], norm)
    for n, ax in zip(s[:-1], axes[:-1], strict=True):
        a = _c2c(a, n, ax, norm, inverse=False)
    return a


def _irfft_nd(a: Any, s: Any, axes: Any, norm: Any) -> Any:
    s, axes = _nd_args(a, s, axes, inverse_real=True)
    for n, ax in zip(s[:-1], axes[:-1], strict=True):
        a = _c2c(a, n, ax, norm, inverse=True)
    return _irfft(a, s[-1], axes[-1], norm)


@implements(np.fft.fftn)
def fftn(a: Any, s: Any = None, axes: Any = None, norm: Any = None, out: Any = None) -> Any:
    """``np.fft.fftn``: the DFT over ``axes`` (all by default)."""
    _no_out(out, "fftn")
    return _c2c_nd(a, s, axes, norm, inverse=False)


@implements(np.fft.ifftn)
def ifftn(a: Any, s: Any = None, axes: Any = None, norm: Any = None, out: Any = None) -> Any:
    """``np.fft.ifftn``."""
    _no_out(out, "ifftn")
    return _c2c_nd(a, s, axes, norm, inverse=True)


@implements(np.fft.fft2)
def fft2(a: Any, s: Any = None, axes: Any = (-2, -1), norm: Any = None, out: Any = None) -> Any:
    """``np.fft.fft2``: the DFT over the last two axes."""
    _no_out(out, "fft2")
    return _c2c_nd(a, s, axes, norm, inverse=False)


@implements(np.fft.ifft2)
def ifft2(a: Any, s: Any = None, axes: Any = (-2, -1), norm: Any = None, out: Any = None) -> Any:
    """``np.fft.ifft2``."""
    _no_out(out, "ifft2")
    return _c2c_nd(a, s, axes, norm, inverse=True)


@implements(np.fft.rfftn)
def rfftn(a: Any, s: Any = None, axes: Any = None, norm: Any = None, out: Any = None) -> Any:
    """``np.fft.rfftn``: ``rfft`` over the last axis, then ``fft`` over the others."""
    _no_out(out, "rfftn")
    return _rfft_nd(a, s, axes, norm)


@implements(np.fft.irfftn)
def irfftn(a: Any, s: Any = None, axes: Any = None, norm: Any = None, out: Any = None) -> Any:
    """``np.fft.irfftn``: ``ifft`` over all axes but the last, then ``irfft``."""
    _no_out(out, "irfftn")
    return _irfft_nd(a, s, axes, norm)


@implements(np.fft.rfft2)
def rfft2(a: Any, s: Any = None, axes: Any = (-2, -1), norm: Any = None, out: Any = None) -> Any:
    """``np.fft.rfft2``."""
    _no_out(out, "rfft2")
    return _rfft_nd(a, s, axes, norm)


@implements(np.fft.irfft2)
def irfft2(a: Any, s: Any = None, axes: Any = (-2, -1), norm: Any = None, out: Any = None) -> Any:
    """``np.fft.irfft2``."""
    _no_out(out, "irfft2")
    return _irfft_nd(a, s, axes, norm)


# ----------------------------------------------------------------------------- shifts


def _roll(x: Any, shift: int, axis: int) -> Any:
    """``np.roll`` along one axis, by slicing and concatenating."""
    size = shape_of(x)[axis]
    shift %= max(size, 1)
    if shift == 0:
        return x
    lead = (slice(None),) * axis
    return np.concatenate(
        [x[lead + (slice(size - shift, None),)], x[lead + (slice(0, size - shift),)]], axis=axis
    )


def _shift(x: Any, axes: Any, sign: int) -> Any:
    ndim = np.ndim(x)
    axes = range(ndim) if axes is None else ([axes] if isinstance(axes, int) else axes)
    for ax in axes:
        ax = _axis(x, ax)
        x = _roll(x, sign * (shape_of(x)[ax] // 2), ax)
    return x


@implements(np.fft.fftshift)
def fftshift(x: Any, axes: Any = None) -> Any:
    """``np.fft.fftshift``: move the zero frequency to the centre."""
    return _shift(x, axes, 1)


@implements(np.fft.ifftshift)
def ifftshift(x: Any, axes: Any = None) -> Any:
    """``np.fft.ifftshift``: undo ``fftshift``."""
    return _shift(x, axes, -1)
