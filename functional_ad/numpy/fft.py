"""numpy.fft on traced values: 1-d and n-d transforms over the fft primitives."""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from ..ops.fft import _DUAL_NORM, fft_p, irfft_p, rfft_p
from ..ops.registry import shape_of
from .registry import implements


def _norm(norm: str | None) -> str:
    if norm is None:
        return "backward"
    if norm not in _DUAL_NORM:
        raise ValueError(f'Invalid norm value {norm}; should be "backward", "ortho" or "forward".')
    return norm


def _axis(a: Any, axis: int) -> int:
    ndim = np.ndim(a)
    axis = operator.index(axis)  # (NumPy's TypeError for a float)
    if not -ndim <= axis < ndim:
        raise np.exceptions.AxisError(axis, ndim)
    return axis % ndim


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
    axes = (
        range(ndim) if axes is None else ([axes] if isinstance(axes, (int, np.integer)) else axes)
    )
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
