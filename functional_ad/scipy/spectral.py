"""Spectral analysis for traced values: ``stft``, ``istft`` and ``welch`` with SciPy's
signatures, written with gathers, FFTs and sums so they differentiate in the signal.

>>> import numpy as np, functional_ad as fad
>>> x = np.sin(np.arange(16.0))
>>> g = fad.grad(lambda x: np.sum(welch(x, nperseg=8)[1]))(x)
>>> g.shape
(16,)
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ._require import scipy_module

_signal = scipy_module("signal")

_BOUNDARIES = ("even", "odd", "constant", "zeros", None)


def _no_option(name: str, option: str) -> NotImplementedError:
    return NotImplementedError(
        f"functional_ad.scipy.signal.{name}: {option} is not supported with traced values; "
        f"call scipy.signal.{name} on plain arrays, or functional_ad.stop_gradient the inputs"
    )


def _window(window: Any, nperseg: int | None, length: int, name: str) -> tuple[Any, int]:
    """The window as an array (a named one from ``scipy.signal.get_window``) and its length;
    ``nperseg`` defaults to 256 for a named window, shortened to ``length`` with SciPy's
    warning."""
    if isinstance(window, str | tuple):
        nperseg = 256 if nperseg is None else int(nperseg)
        if nperseg < 1:
            raise ValueError("nperseg must be a positive integer")
        if nperseg > length:
            warnings.warn(
                f"nperseg = {nperseg:d} is greater than input length  = {length:d}, "
                f"using nperseg = {length:d}",
                stacklevel=3,
            )
            nperseg = length
        return _signal.get_window(window, nperseg), nperseg
    if np.ndim(window) != 1:
        raise ValueError("window must be 1-D")
    size = np.shape(window)[0]
    if length < size:
        raise ValueError("window is longer than input signal")
    if nperseg is not None and int(nperseg) != size:
        raise ValueError("value specified for nperseg is different from length of window")
    return window, size


def _lengths(nperseg: int, noverlap: Any, nfft: Any) -> tuple[int, int]:
    """``nfft`` and ``noverlap`` with SciPy's defaults and checks."""
    if nfft is None:
        nfft = nperseg
    elif nfft < nperseg:
        raise ValueError("nfft must be greater than or equal to nperseg.")
    noverlap = nperseg // 2 if noverlap is None else int(noverlap)
    if noverlap >= nperseg:
        raise ValueError("noverlap must be less than nperseg.")
    return int(nfft), noverlap


def _extend(x: Any, width: int, boundary: str) -> Any:
    """``x`` extended by ``width`` samples at both ends of its last axis (SciPy's
    ``even_ext``, ``odd_ext``, ``const_ext``, ``zero_ext``)."""
    if width < 1:
        return x
    n = np.shape(x)[-1]
    if boundary in ("even", "odd") and width >= n:
        raise ValueError(
            f"The extension length n ({width}) is too big. It must not exceed x.shape[axis]-1, "
            f"which is {n - 1}."
        )
    if boundary == "zeros":
        pad = np.zeros(np.shape(x)[:-1] + (width,), dtype=np.result_type(x))
        return np.concatenate([pad, x, pad], axis=-1)
    if boundary == "constant":
        left = np.repeat(x[..., :1], width, axis=-1)
        right = np.repeat(x[..., -1:], width, axis=-1)
        return np.concatenate([left, x, right], axis=-1)
    left = x[..., width:0:-1]
    right = x[..., -2 : -width - 2 : -1]
    if boundary == "odd":
        left = 2 * x[..., :1] - left
        right = 2 * x[..., -1:] - right
    return np.concatenate([left, x, right], axis=-1)


def detrend(data: Any, axis: int = -1, type: str = "linear", bp: Any = 0,
            overwrite_data: bool = False) -> Any:  # fmt: skip
    """Return ``data`` minus its least-squares line (``type='linear'``) or mean
    (``'constant'``) along ``axis``.

    >>> import numpy as np
    >>> np.round(detrend(np.array([1.0, 2.0, 3.0])), 12)
    array([0., 0., 0.])
    """
    if type in ("constant", "c"):
        return data - np.mean(data, axis=axis, keepdims=True)
    if type not in ("linear", "l"):
        raise ValueError("Trend type must be 'linear' or 'constant'.")
    if np.ndim(bp) != 0 or bp != 0:
        raise NotImplementedError(
            "functional_ad.scipy.signal.detrend: breakpoints (bp=) are not supported with "
            "traced values; call scipy.signal.detrend on plain arrays, or "
            "functional_ad.stop_gradient the inputs"
        )
    n = np.shape(data)[axis]
    design = np.stack([np.arange(n, dtype=float) / max(n, 1), np.ones(n)], axis=1)
    projection = np.eye(n) - design @ np.linalg.pinv(design)  # a constant
    moved = np.moveaxis(data, axis, -1)
    return np.moveaxis(moved @ projection.T, -1, axis)


def _detrender(how: Any, axis: int) -> Any:
    """The per-segment detrend (segments along the last axis), as SciPy chooses it."""
    if how is False or how is None:
        return lambda d: d
    if not callable(how):
        return lambda d: detrend(d, type=how, axis=-1)
    if axis != -1:
        return lambda d: np.moveaxis(how(np.moveaxis(d, -1, axis)), axis, -1)
    return how


def _segments(x: Any, nperseg: int, step: int) -> Any:
    """The segments of ``x`` along its last axis, ``(..., nseg, nperseg)``, by a gather."""
    nseg = (np.shape(x)[-1] - nperseg) // step + 1
    index = np.arange(nseg)[:, None] * step + np.arange(nperseg)
    return x[..., index]


def _windowed_ffts(
    x: Any, win: Any, detrend: Any, nperseg: int, noverlap: int, nfft: int, onesided: bool
) -> Any:
    """The FFT of each detrended, windowed segment: ``(..., nseg, nfreq)``."""
    result = detrend(_segments(x, nperseg, nperseg - noverlap))
    result = win * result
    if onesided:
        return np.fft.rfft(np.real(result), n=nfft)
    return np.fft.fft(result, n=nfft)


def _scale(win: Any, fs: float, scaling: str) -> Any:
    if scaling == "density":
        return 1.0 / (fs * np.sum(win * win))
    if scaling == "spectrum":
        return 1.0 / np.sum(win) ** 2
    raise ValueError(f"Unknown scaling: {scaling!r}")


def stft(
    x: Any,
    fs: float = 1.0,
    window: Any = "hann",
    nperseg: int = 256,
    noverlap: int | None = None,
    nfft: int | None = None,
    detrend: Any = False,
    return_onesided: bool = True,
    boundary: str | None = "zeros",
    padded: bool = True,
    axis: int = -1,
    scaling: str = "spectrum",
) -> tuple[np.ndarray, np.ndarray, Any]:
    """Return ``(f, t, Zxx)``, the short-time Fourier transform of ``x`` along ``axis``
    (SciPy's legacy ``stft``): segments of ``nperseg`` samples overlapping by ``noverlap``,
    detrended and windowed, transformed with ``nfft`` points; ``Zxx`` has the frequencies
    where ``axis`` was and the segment times last. Differentiable in ``x`` (and in an
    array ``window``).

    >>> import numpy as np
    >>> f, t, Z = stft(np.ones(8), nperseg=4)
    >>> Z.shape, np.round(abs(Z[0]), 6)
    ((3, 5), array([0.75, 1.  , 1.  , 1.  , 0.25]))
    """
    if scaling == "psd":
        scaling = "density"
    elif scaling != "spectrum":
        raise ValueError(f"Parameter scaling={scaling!r} not in ['spectrum', 'psd']!")
    if boundary not in _BOUNDARIES:
        raise ValueError(
            f"Unknown boundary option '{boundary}', must be one of: {list(_BOUNDARIES)}"
        )
    axis = int(axis)
    outdtype = np.result_type(np.result_type(x), np.complex64)
    if np.size(x) == 0:
        return np.empty(np.shape(x)), np.empty(np.shape(x)), np.empty(np.shape(x))
    if np.ndim(x) > 1 and axis != -1:
        x = np.moveaxis(x, axis, -1)
    win, nperseg = _window(window, nperseg, np.shape(x)[-1], "stft")
    nfft, noverlap = _lengths(nperseg, noverlap, nfft)
    step = nperseg - noverlap
    if boundary is not None:
        x = _extend(x, nperseg // 2, boundary)
    if padded:
        extra = (-(np.shape(x)[-1] - nperseg) % step) % nperseg
        zeros = np.zeros(np.shape(x)[:-1] + (extra,), dtype=np.result_type(x))
        x = np.concatenate([x, zeros], axis=-1)
    onesided = return_onesided
    if return_onesided and np.iscomplexobj(x):
        warnings.warn("Input data is complex, switching to return_onesided=False", stacklevel=2)
        onesided = False
    freqs = np.fft.rfftfreq(nfft, 1 / fs) if onesided else np.fft.fftfreq(nfft, 1 / fs)
    scale = np.sqrt(_scale(win, fs, scaling))
    result = _windowed_ffts(x, win, _detrender(detrend, axis), nperseg, noverlap, nfft, onesided)
    result = (result * scale).astype(outdtype)
    length = np.shape(x)[-1]
    time = np.arange(nperseg / 2, length - nperseg / 2 + 1, step) / float(fs)
    if boundary is not None:
        time -= (nperseg / 2) / fs
    result = np.moveaxis(result, -1, axis - 1 if axis < 0 else axis)
    return freqs, time, result


def _overlap_add(frames: Any, step: int) -> Any:
    """Sum the frames ``(..., nperseg, nseg)`` laid ``step`` samples apart into one signal of
    ``nperseg + (nseg - 1) * step`` samples: the transpose of the segment gather, written
    as ``ceil(nperseg / step)`` shifted sums of blocks of ``step`` samples."""
    nperseg, nseg = np.shape(frames)[-2:]
    blocks = -(-nperseg // step)
    lead = np.shape(frames)[:-2]
    frames = np.swapaxes(frames, -1, -2)  # (..., nseg, nperseg)
    if blocks * step != nperseg:
        fill = np.zeros(lead + (nseg, blocks * step - nperseg), dtype=np.result_type(frames))
        frames = np.concatenate([frames, fill], axis=-1)
    frames = np.reshape(frames, lead + (nseg, blocks, step))
    total = sum(
        np.pad(frames[..., j, :], [(0, 0)] * len(lead) + [(j, blocks - 1 - j), (0, 0)])
        for j in range(blocks)
    )
    signal = np.reshape(total, lead + ((nseg + blocks - 1) * step,))
    return signal[..., : nperseg + (nseg - 1) * step]


def istft(
    Zxx: Any,
    fs: float = 1.0,
    window: Any = "hann",
    nperseg: int | None = None,
    noverlap: int | None = None,
    nfft: int | None = None,
    input_onesided: bool = True,
    boundary: bool = True,
    time_axis: int = -1,
    freq_axis: int = -2,
    scaling: str = "spectrum",
) -> tuple[np.ndarray, Any]:
    """Return ``(t, x)``, the signal whose STFT is ``Zxx`` (SciPy's legacy ``istft``):
    inverse FFTs of the segments, windowed and overlap-added, divided by the summed squared
    window. Differentiable in ``Zxx``.

    >>> import numpy as np
    >>> x = np.arange(8.0)
    >>> t, y = istft(stft(x, nperseg=4)[2], nperseg=4)
    >>> np.allclose(y, x)
    True
    """
    Zxx = Zxx + 0j
    freq_axis, time_axis = int(freq_axis), int(time_axis)
    ndim = np.ndim(Zxx)
    if ndim < 2:
        raise ValueError("Input stft must be at least 2d!")
    if freq_axis == time_axis:
        raise ValueError("Must specify differing time and frequency axes!")
    shape = np.shape(Zxx)
    nseg = shape[time_axis]
    n_default = 2 * (shape[freq_axis] - 1) if input_onesided else shape[freq_axis]
    if nperseg is None:
        nperseg = n_default
    else:
        nperseg = int(nperseg)
        if nperseg < 1:
            raise ValueError("nperseg must be a positive integer")
    if nfft is None:
        nfft = nperseg if input_onesided and nperseg == n_default + 1 else n_default
    elif nfft < nperseg:
        raise ValueError("nfft must be greater than or equal to nperseg.")
    nfft = int(nfft)
    noverlap = nperseg // 2 if noverlap is None else int(noverlap)
    if noverlap >= nperseg:
        raise ValueError("noverlap must be less than nperseg.")
    step = nperseg - noverlap
    if time_axis != ndim - 1 or freq_axis != ndim - 2:
        freq_axis %= ndim
        time_axis %= ndim
        outer = [a for a in range(ndim) if a not in (freq_axis, time_axis)]
        Zxx = np.transpose(Zxx, outer + [freq_axis, time_axis])
    if isinstance(window, str | tuple):
        win = _signal.get_window(window, nperseg)
    else:
        if np.ndim(window) != 1:
            raise ValueError("window must be 1-D")
        if np.shape(window)[0] != nperseg:
            raise ValueError(f"window must have length of {nperseg}")
        win = window
    inverse = np.fft.irfft if input_onesided else np.fft.ifft
    frames: Any = inverse(Zxx, axis=-2, n=nfft)[..., :nperseg, :]
    if scaling == "spectrum":
        frames = frames * np.sum(win)
    elif scaling == "psd":
        frames = frames * np.sqrt(fs * np.sum(win**2))
    else:
        raise ValueError(f"Parameter scaling={scaling!r} not in ['spectrum', 'psd']!")
    x = _overlap_add(frames * win[:, None], step)
    norm = _overlap_add(np.broadcast_to((win**2)[:, None], (nperseg, nseg)), step)
    if boundary:
        x = x[..., nperseg // 2 : -(nperseg // 2)]
        norm = norm[..., nperseg // 2 : -(nperseg // 2)]
    if np.sum(norm > 1e-10) != np.shape(norm)[-1]:
        warnings.warn(
            "NOLA condition failed, STFT may not be invertible."
            + (" Possibly due to missing boundary" if not boundary else ""),
            stacklevel=2,
        )
    x = x / np.where(norm > 1e-10, norm, 1.0)
    if input_onesided:
        x = np.real(x)
    if np.ndim(x) > 1 and time_axis != ndim - 1:
        if freq_axis < time_axis:
            time_axis -= 1
        x = np.moveaxis(x, -1, time_axis)
    time = np.arange(np.shape(x)[0]) / float(fs)
    return time, x


def _median_bias(n: int) -> float:
    """The ratio of the median of ``n`` chi-square(2) periodograms to their mean."""
    doubled = 2 * np.arange(1.0, (n - 1) // 2 + 1)
    return float(1 + np.sum(1.0 / (doubled + 1) - 1.0 / doubled))


def welch(
    x: Any,
    fs: float = 1.0,
    window: Any = "hann",
    nperseg: int | None = None,
    noverlap: int | None = None,
    nfft: int | None = None,
    detrend: Any = "constant",
    return_onesided: bool = True,
    scaling: str = "density",
    axis: int = -1,
    average: str = "mean",
) -> tuple[np.ndarray, Any]:
    """Return ``(f, Pxx)``, Welch's estimate of the power spectral density of ``x`` along
    ``axis``: the mean (or bias-corrected median) of the periodograms of its detrended,
    windowed segments. Differentiable in ``x``.

    >>> import numpy as np
    >>> f, p = welch(np.cos(np.pi * np.arange(16.0)), nperseg=8, detrend=False)
    >>> int(np.argmax(p)), f[-1]
    (4, np.float64(0.5))
    """
    axis = int(axis)
    if np.size(x) == 0:
        return np.empty(np.shape(x)), np.empty(np.shape(x))
    outdtype = np.result_type(np.result_type(x), np.complex64)
    if np.ndim(x) > 1 and axis != -1:
        x = np.moveaxis(x, axis, -1)
    win, nperseg = _window(window, nperseg, np.shape(x)[-1], "welch")
    nfft, noverlap = _lengths(nperseg, noverlap, nfft)
    onesided = return_onesided and not np.iscomplexobj(x)
    freqs = np.fft.rfftfreq(nfft, 1 / fs) if onesided else np.fft.fftfreq(nfft, 1 / fs)
    spectra = _windowed_ffts(x, win, _detrender(detrend, axis), nperseg, noverlap, nfft, onesided)
    power = (np.real(spectra) ** 2 + np.imag(spectra) ** 2) * _scale(win, fs, scaling)
    if onesided:  # the unpaired zero (and even-length Nyquist) bins are not doubled
        doubled = np.full(np.shape(power)[-1], 2.0)
        doubled[0] = 1.0
        if nfft % 2 == 0:
            doubled[-1] = 1.0
        power = power * doubled
    nseg = np.shape(power)[-2]
    if nseg > 1:
        if average == "median":
            power = np.median(power, axis=-2) / _median_bias(nseg)
        elif average == "mean":
            power = np.mean(power, axis=-2)
        else:
            raise ValueError(f"Parameter average={average!r} must be 'median' or 'mean'!")
    else:
        power = power[..., 0, :]
    power = power.astype(np.finfo(outdtype).dtype)
    return freqs, np.moveaxis(power, -1, axis)


__all__ = ["istft", "stft", "welch"]
