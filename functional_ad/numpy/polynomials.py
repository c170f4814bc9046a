"""NumPy's polynomial functions (``np.polyval``, ``polyfit``, ``roots``...) and ``np.vander``,
written with differentiable NumPy calls on coefficient vectors (highest power first)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core import Tracer, concrete
from ..ops.registry import shape_of
from .registry import implements


def _vector(p: Any, name: str) -> Any:
    if np.ndim(p) != 1:
        raise ValueError(f"numpy.{name}: the coefficients must be a 1-D array")
    return p


def _pad_front(p: Any, length: int) -> Any:
    missing = length - shape_of(p)[0]
    if missing <= 0:
        return p
    return np.concatenate([np.zeros(missing, np.result_type(p.dtype, np.float16)), p])


@implements(np.polyval)
def polyval(p: Any, x: Any) -> Any:
    """``np.polyval``: ``p[0] x^(n-1) + ... + p[n-1]`` by Horner's rule, as NumPy runs it
    (from zeros like ``x``, with NumPy scalars of ``p``'s dtype: float32 ``x`` and float64
    ``p`` give float64)."""
    p = _vector(p if isinstance(p, Tracer) else np.asarray(p), "polyval")
    y = np.zeros_like(x if isinstance(x, Tracer) else np.asanyarray(x))
    for i in range(shape_of(p)[0]):
        y = y * x + p[i]
    return y


@implements(np.polyadd)
def polyadd(a1: Any, a2: Any) -> Any:
    """``np.polyadd``: the sum, the shorter polynomial padded with leading zeros."""
    n = max(shape_of(a1)[0], shape_of(a2)[0])
    return _pad_front(np.atleast_1d(a1), n) + _pad_front(np.atleast_1d(a2), n)


@implements(np.polysub)
def polysub(a1: Any, a2: Any) -> Any:
    """``np.polysub``: the difference, the shorter polynomial padded with leading zeros."""
    n = max(shape_of(a1)[0], shape_of(a2)[0])
    return _pad_front(np.atleast_1d(a1), n) - _pad_front(np.atleast_1d(a2), n)


@implements(np.polymul)
def polymul(a1: Any, a2: Any) -> Any:
    """``np.polymul``: the product, the convolution of the coefficients (leading zeros
    dropped first, as NumPy does through ``poly1d``)."""
    return np.convolve(_without_leading_zeros(a1), _without_leading_zeros(a2))


def _without_leading_zeros(a: Any) -> Any:
    """The coefficients ``poly1d`` keeps: leading zeros dropped, ``[0]`` if all are zero
    (decided on the values, so ``vmap`` runs it per example and ``compile`` refuses)."""
    a = np.atleast_1d(a)
    nonzero = np.flatnonzero(np.asarray(concrete(a)))
    if nonzero.size == 0:
        return a[-1:]
    return a[int(nonzero[0]) :] if nonzero[0] else a


@implements(np.polyder)
def polyder(p: Any, m: int = 1) -> Any:
    """``np.polyder``: the ``m``-th derivative."""
    m = int(m)
    if m < 0:
        raise ValueError("Order of derivative must be positive (see polyint)")
    p = p if isinstance(p, Tracer) else np.asarray(p)
    for _ in range(m):  # (an integer arange, as NumPy's: float32 coefficients give float64)
        p = p[:-1] * np.arange(shape_of(p)[0] - 1, 0, -1)
    return p


@implements(np.polyint)
def polyint(p: Any, m: int = 1, k: Any = None) -> Any:
    """``np.polyint``: the ``m``-th antiderivative, with integration constants ``k`` (0)."""
    m = int(m)
    if m < 0:
        raise ValueError("Order of integral must be positive (see polyder)")
    constants = np.zeros(m) if k is None else np.atleast_1d(k)
    if shape_of(constants)[0] == 1 and m > 1:
        constants = constants * np.ones(m)
    if shape_of(constants)[0] < m:
        raise ValueError("k must be a scalar or a rank-1 array of length 1 or >m.")
    p = p if isinstance(p, Tracer) else np.asarray(p)
    for i in range(m):  # (an integer arange, as NumPy's: float32 coefficients give float64)
        powers = np.arange(shape_of(p)[0], 0, -1)
        p = np.concatenate([p / powers, np.reshape(constants[i], (1,))])
    return p


@implements(np.polydiv)
def polydiv(u: Any, v: Any) -> tuple[Any, Any]:
    """``np.polydiv``: quotient and remainder of long division (leading zeros of the
    remainder, decided on its values, are dropped as NumPy does)."""
    u, v = np.atleast_1d(u) * 1.0, np.atleast_1d(v) * 1.0
    m, n = shape_of(u)[0] - 1, shape_of(v)[0] - 1
    scale = 1.0 / v[0]
    r = u
    quotient = []
    for k in range(max(m - n + 1, 0)):
        d = scale * r[k]
        quotient.append(d)
        r = np.concatenate([r[:k], r[k : k + n + 1] - d * v, r[k + n + 1 :]])
    q = np.stack(quotient) if quotient else np.zeros(1) * u[:1]
    remainder = r[max(m - n + 1, 0) :] if m >= n else r
    values = np.asarray(concrete(remainder))
    start = 0
    while start < values.shape[0] - 1 and np.allclose(values[start], 0, rtol=1e-14):
        start += 1
    return q, remainder[start:]


@implements(np.poly)
def poly(seq_of_zeros: Any) -> Any:
    """``np.poly``: the monic polynomial with the given roots (or a square matrix's
    characteristic polynomial)."""
    zeros = seq_of_zeros
    if np.ndim(zeros) == 2 and shape_of(zeros)[0] == shape_of(zeros)[1] != 0:
        zeros = np.linalg.eigvals(zeros)
    elif np.ndim(zeros) != 1:
        raise ValueError("input must be 1d or non-empty square 2d array.")
    a = np.ones(1, np.result_type(zeros.dtype, np.float16))
    for i in range(shape_of(zeros)[0]):
        a = np.convolve(a, np.stack([np.ones((), zeros.dtype), -zeros[i]]))
    if np.iscomplexobj(a):  # roots in conjugate pairs: NumPy returns the real part
        found = np.asarray(concrete(zeros), dtype=complex)
        if np.all(np.sort(found) == np.sort(found.conjugate())):
            a = np.real(a)
    return a


@implements(np.roots)
def roots(p: Any) -> Any:
    """``np.roots``: the eigenvalues of the companion matrix (leading and trailing zero
    coefficients, decided on the values, removed as NumPy does)."""
    p = _vector(p, "roots")
    values = np.asarray(concrete(p))
    nonzero = np.nonzero(values)[0]
    if len(nonzero) == 0:
        return np.zeros(0)
    trailing = len(values) - nonzero[-1] - 1
    p = p[int(nonzero[0]) : int(nonzero[-1]) + 1]
    n = shape_of(p)[0]
    if n > 1:
        first = -p[1:] / p[0]
        below = np.eye(n - 2, n - 1, dtype=first.dtype)  # (float32 stays float32, as in NumPy)
        found = np.linalg.eigvals(np.concatenate([first[None, :], below], axis=0))
    else:
        found = np.zeros(0)
    if trailing:
        found = np.concatenate([found, np.zeros(trailing, np.result_type(found.dtype))])
    return found


@implements(np.vander)
def vander(x: Any, N: Any = None, increasing: bool = False) -> Any:
    """``np.vander``: columns of powers of ``x`` (by products, so ``x = 0`` is smooth)."""
    x = x if isinstance(x, Tracer) else np.asarray(x)
    if np.ndim(x) != 1:
        raise ValueError("x must be a one-dimensional array or sequence.")
    n = shape_of(x)[0] if N is None else int(N)
    dtype = np.promote_types(x.dtype, int)  # (NumPy's: float32 gives float64)
    if x.dtype != dtype:
        x = x.astype(dtype)
    columns = []
    power = np.ones_like(x)
    for _ in range(n):
        columns.append(power)
        power = power * x
    if not increasing:
        columns = columns[::-1]
    if not columns:
        return np.zeros((shape_of(x)[0], 0), np.result_type(x.dtype))
    return np.stack(columns, axis=1)


@implements(np.polyfit)
def polyfit(x: Any, y: Any, deg: int, rcond: Any = None, full: bool = False, w: Any = None,
            cov: Any = False) -> Any:  # fmt: skip
    """``np.polyfit``: least-squares coefficients (columns scaled as NumPy does); ``full``
    and ``cov`` are not supported with traced values."""
    if full or cov:
        raise NotImplementedError(
            "numpy.polyfit: full=True and cov=True are not supported with traced values"
        )
    deg = int(deg)
    lhs = vander(x * 1.0, deg + 1)
    rhs = y * 1.0
    if w is not None:
        lhs = lhs * w[:, None]
        rhs = rhs * (w if np.ndim(rhs) == 1 else w[:, None])
    scale = np.sqrt(np.sum(lhs * lhs, axis=0))
    coefficients = np.linalg.lstsq(lhs / scale, rhs, rcond=rcond)[0]
    return coefficients / (scale if np.ndim(coefficients) == 1 else scale[:, None])


__all__ = [
    "poly",
    "polyadd",
    "polyder",
    "polydiv",
    "polyfit",
    "polyint",
    "polymul",
    "polysub",
    "polyval",
    "roots",
    "vander",
]
