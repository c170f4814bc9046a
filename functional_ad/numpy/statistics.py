"""Covariance, correlation and NaN-aware statistics: ``np.cov``, ``np.corrcoef``,
``np.nan_to_num``, ``np.nanquantile``/``nanpercentile``/``nanmedian`` (linear method)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core import Tracer, concrete
from ..ops.registry import dtype_of, normalize_axis, shape_of
from .registry import implements


@implements(np.cov)
def cov(m: Any, y: Any = None, rowvar: bool = True, bias: bool = False, ddof: Any = None,
        fweights: Any = None, aweights: Any = None, *, dtype: Any = None) -> Any:  # fmt: skip
    """``np.cov``: ``(X - mean)(X - mean)ᴴ / (N - ddof)`` with variables in rows; with
    ``fweights`` (repeat counts) and ``aweights`` (importance), NumPy's weighted mean and
    normalization, the weights differentiable too."""
    if ddof is not None and ddof != int(ddof):
        raise ValueError("ddof must be integer")
    x = np.atleast_2d(m)
    if not rowvar and shape_of(x)[0] != 1:
        x = np.transpose(x)
    if y is not None:
        other = np.atleast_2d(y)
        if not rowvar and shape_of(other)[0] != 1:
            other = np.transpose(other)
        x = np.concatenate([x, other], axis=0)
    if dtype is None:  # (NumPy's: at least float64, float32 data included)
        dtype = np.result_type(*(dtype_of(a) for a in (m, y) if a is not None), np.float64)
    x = x.astype(dtype)
    n = shape_of(x)[1]
    ddof = (0 if bias else 1) if ddof is None else ddof
    if fweights is None and aweights is None:
        centred = x - np.mean(x, axis=1, keepdims=True)
        conj = np.conj(centred) if np.iscomplexobj(centred) else centred
        return np.squeeze(centred @ np.transpose(conj) / (n - ddof))
    w = None
    if fweights is not None:
        fweights = _checked_weights(fweights, n, "fweights")
        w = fweights
    if aweights is not None:
        aweights = _checked_weights(aweights, n, "aweights")
        w = aweights if w is None else w * aweights
    mean, w_sum = np.average(x, axis=1, weights=w, returned=True)
    w_sum = w_sum[0]
    if ddof == 0:
        fact = w_sum
    elif aweights is None:
        fact = w_sum - ddof
    else:
        fact = w_sum - ddof * np.sum(w * aweights) / w_sum
    fact = np.where(fact <= 0, 0.0, fact)  # (NumPy: "Degrees of freedom <= 0", then 1 / 0)
    centred = x - mean[:, None]
    weighted = centred * w
    conj = np.conj(weighted) if np.iscomplexobj(weighted) else weighted
    with np.errstate(divide="ignore"):
        return np.squeeze(centred @ np.transpose(conj) * np.true_divide(1, fact))


def _checked_weights(weights: Any, n: int, name: str) -> Any:
    """``np.cov``'s checks of a weight vector, in NumPy's order (its values are read: under
    vmap one example at a time), as a float64 array."""
    weights = np.asarray(weights, dtype=np.float64)
    if name == "fweights" and not np.all(concrete(weights) == np.around(concrete(weights))):
        raise TypeError("fweights must be integer")
    if np.ndim(weights) > 1:
        raise RuntimeError(f"cannot handle multidimensional {name}")
    if shape_of(weights)[0] != n:
        raise RuntimeError(f"incompatible numbers of samples and {name}")
    if np.any(concrete(weights) < 0):
        raise ValueError(f"{name} cannot be negative")
    return weights


@implements(np.corrcoef)
def corrcoef(x: Any, y: Any = None, rowvar: bool = True, *, dtype: Any = None) -> Any:
    """``np.corrcoef``: the covariance scaled by the standard deviations (clipped to
    [-1, 1] as NumPy does)."""
    c = cov(x, y, rowvar, dtype=dtype)
    if np.ndim(c) == 0:
        return c / c
    d = np.real(np.diagonal(c)) if np.iscomplexobj(c) else np.diagonal(c)
    std = np.sqrt(d)
    c = c / std[:, None] / std[None, :]
    return np.clip(c, -1, 1) if not np.iscomplexobj(c) else c


@implements(np.nan_to_num)
def nan_to_num(x: Any, copy: bool = True, nan: float = 0.0, posinf: Any = None,
               neginf: Any = None) -> Any:  # fmt: skip
    """``np.nan_to_num``: NaN and infinities replaced (derivative 1 where finite, 0 where
    replaced); real and imaginary parts separately for complex values. With ``copy=False``
    a traced array is replaced in place, as NumPy replaces an array's values."""
    if not copy and isinstance(x, Tracer) and np.ndim(x) > 0:
        x[...] = nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)
        return x
    if np.iscomplexobj(x):
        real = nan_to_num(np.real(x), nan=nan, posinf=posinf, neginf=neginf)
        imag = nan_to_num(np.imag(x), nan=nan, posinf=posinf, neginf=neginf)
        return real + 1j * imag
    dtype = np.result_type(x.dtype if hasattr(x, "dtype") else np.asarray(x).dtype, np.float16)
    if dtype.kind != "f":
        return x
    info = np.finfo(dtype)
    big = info.max if posinf is None else posinf
    small = info.min if neginf is None else neginf
    out = np.where(np.isnan(x), nan, x)
    out = np.where(out == np.inf, big, out)
    return np.where(out == -np.inf, small, out)


def _nan_quantile(a: Any, q: Any, axis: Any, keepdims: bool) -> Any:
    """Linear-interpolation quantiles of the non-NaN values along ``axis`` (NaN if none)."""
    a = a * 1.0
    if axis is None:
        work = np.reshape(a, (-1,))
        axis_norm: Any = None
    else:  # the reduced axes, last and merged into one
        axis_norm = normalize_axis(axis, np.ndim(a))
        kept = [i for i in range(np.ndim(a)) if i not in axis_norm]
        work = np.transpose(a, kept + list(axis_norm))
        merged = int(np.prod([shape_of(a)[i] for i in axis_norm], dtype=np.int64))
        work = np.reshape(work, shape_of(work)[: len(kept)] + (merged,))
    n = shape_of(work)[-1]
    ordered = np.sort(work, axis=-1)  # NaN last
    valid = np.sum(~np.isnan(work), axis=-1, keepdims=True)
    q = np.asarray(q) * 1.0
    if np.any((q < 0) | (q > 1)):
        raise ValueError("Quantiles must be in the range [0, 1]")
    qs = np.reshape(q, (-1,))
    results = []
    dtype = np.result_type(a.dtype, np.float16)
    for level in qs:
        position = float(level) * (valid - 1)
        low = np.clip(np.floor(position), 0, max(n - 1, 0)).astype(np.intp)
        high = np.clip(low + 1, 0, np.maximum(valid - 1, 0)).astype(np.intp)
        weight = (position - np.floor(position)).astype(dtype)
        lo_value = np.take_along_axis(ordered, low, axis=-1)
        hi_value = np.take_along_axis(ordered, high, axis=-1)
        value = lo_value + weight * (hi_value - lo_value)
        value = np.where(valid > 0, value, np.nan)[..., 0]
        results.append(value)
    out = np.stack(results) if np.ndim(q) else results[0]
    if keepdims:
        if axis_norm is None:
            out = np.reshape(out, shape_of(out)[: np.ndim(q)] + (1,) * np.ndim(a))
        else:
            out = np.expand_dims(out, tuple(np.ndim(q) + i for i in axis_norm))
    if np.ndim(q) and np.ndim(q) > 1:
        out = np.reshape(out, np.shape(q) + shape_of(out)[1:])
    return out


@implements(np.nanquantile)
def nanquantile(a: Any, q: Any, axis: Any = None, out: Any = None, overwrite_input: bool = False,
                method: str = "linear", keepdims: bool = False, *, weights: Any = None,
                interpolation: Any = None) -> Any:  # fmt: skip
    """``np.nanquantile`` (linear method), differentiable in ``a`` through the sort."""
    if method != "linear" or weights is not None or interpolation is not None:
        raise NotImplementedError(
            "numpy.nanquantile: only method='linear' without weights is supported with traced "
            "values"
        )
    return _nan_quantile(a, q, axis, keepdims)


@implements(np.nanpercentile)
def nanpercentile(a: Any, q: Any, axis: Any = None, out: Any = None,
                  overwrite_input: bool = False, method: str = "linear", keepdims: bool = False,
                  *, weights: Any = None, interpolation: Any = None) -> Any:  # fmt: skip
    """``np.nanpercentile``: ``nanquantile`` at ``q / 100``."""
    return nanquantile(
        a, np.asarray(q) / 100.0, axis, method=method, keepdims=keepdims, weights=weights,
        interpolation=interpolation,
    )  # fmt: skip


@implements(np.nanmedian)
def nanmedian(a: Any, axis: Any = None, out: Any = None, overwrite_input: bool = False,
              keepdims: bool = False) -> Any:  # fmt: skip
    """``np.nanmedian``: ``nanquantile`` at 0.5."""
    return _nan_quantile(a, 0.5, axis, keepdims)


__all__ = ["corrcoef", "cov", "nan_to_num", "nanmedian", "nanpercentile", "nanquantile"]
