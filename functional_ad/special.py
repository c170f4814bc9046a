"""scipy.special's Python-level functions, written with primitives so they take traced values.

SciPy's ufuncs (``scipy.special.gammaln(x)``...) reach functional_ad through NumPy's
protocols on their own. A handful of SciPy's special functions are plain Python and convert
their arguments to arrays first, which a traced value refuses; call these instead (as
``jax.scipy.special`` in JAX):

>>> import numpy as np
>>> import functional_ad as fad
>>> from functional_ad.special import logsumexp
>>> fad.grad(logsumexp)(np.zeros(2))
array([0.5, 0.5])
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .core import ConcreteValueError, concrete
from .ops import special as _special
from .ops.elementwise import logsumexp as _logsumexp
from .ops.elementwise import max_shift
from .ops.registry import normalize_axis, shape_of

LOG_PI = math.log(math.pi)


def _with_scipy() -> None:
    from .numpy.dispatch import register_scipy

    if not _special.PRIMITIVES_BY_NAME and not register_scipy():
        raise ImportError("this function needs SciPy: pip install scipy")


def logsumexp(
    a: Any, axis: Any = None, b: Any = None, keepdims: bool = False, return_sign: bool = False
) -> Any:
    """Return ``log(sum(b * exp(a)))`` over ``axis``, computed stably (as SciPy's).

    With ``return_sign`` returns ``(log|s|, sign(s))`` for ``s = sum(b * exp(a))`` (``b``
    may be negative); otherwise a negative sum gives NaN, as in SciPy.

    >>> import numpy as np
    >>> float(logsumexp(np.log(np.array([1.0, 3.0]))))
    1.3862943611198906
    """
    axes = normalize_axis(axis, np.ndim(a))
    if b is not None and shape_of(b) != shape_of(a):
        shape = np.broadcast_shapes(shape_of(a), shape_of(b))
        a, b = np.broadcast_to(a, shape), np.broadcast_to(b, shape)
        axes = normalize_axis(axis, len(shape))
    if not return_sign:
        return _logsumexp(a, axes, bool(keepdims), b)
    m = max_shift(a, axis=axes)
    s = np.sum(np.exp(a - m) * (1 if b is None else b), axis=axes, keepdims=True)
    out = np.log(np.abs(s)) + m
    sign = np.sign(s)
    if not keepdims:
        kept = tuple(n for i, n in enumerate(shape_of(out)) if axes is not None and i not in axes)
        out, sign = np.reshape(out, kept), np.reshape(sign, kept)
    return out, sign


def softmax(x: Any, axis: Any = None) -> Any:
    """Return ``exp(x) / sum(exp(x))`` over ``axis`` (all axes when None).

    >>> import numpy as np
    >>> softmax(np.zeros(2))
    array([0.5, 0.5])
    """
    axes = normalize_axis(axis, np.ndim(x))
    e = np.exp(x - max_shift(x, axis=axes))
    return e / np.sum(e, axis=axes, keepdims=True)


def log_softmax(x: Any, axis: Any = None) -> Any:
    """Return ``x - logsumexp(x)`` over ``axis``, computed stably.

    >>> import numpy as np
    >>> log_softmax(np.zeros(2))
    array([-0.69314718, -0.69314718])
    """
    axes = normalize_axis(axis, np.ndim(x))
    shifted = x - max_shift(x, axis=axes)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axes, keepdims=True))


def polygamma(n: Any, x: Any) -> Any:
    """Return the ``n``-th derivative of the digamma function at ``x`` (needs SciPy; ``n``
    is a constant).

    >>> round(float(polygamma(1, 1.0)), 6)  # pi**2 / 6
    1.644934
    """
    _with_scipy()
    prim = _special.PRIMITIVES_BY_NAME["polygamma"]
    n = np.asarray(concrete(n))
    if n.ndim == 0:
        return prim(x, n=int(n))
    shape = np.broadcast_shapes(n.shape, shape_of(x))
    if shape_of(x) != shape:  # broadcast first, so the cotangent of x needs no reduction
        x = np.broadcast_to(x, shape)
    return prim(x, n=np.broadcast_to(n, shape))


def multigammaln(a: Any, d: int) -> Any:
    """Return the log of the multivariate gamma function of dimension ``d`` (needs SciPy):
    ``sum_{j=1}^{d} gammaln(a + (1 - j)/2) + d (d - 1)/4 log(pi)``, for ``a > (d - 1)/2``.

    >>> round(float(multigammaln(2.0, 1)), 6)  # log Γ(2) = 0
    0.0
    """
    _with_scipy()
    d = int(d)
    _check_multigammaln_domain(a, d)
    gammaln = _special.sc.gammaln
    total = gammaln(a)
    for j in range(2, d + 1):
        total = total + gammaln(a + (1 - j) / 2)
    return total + d * (d - 1) / 4 * LOG_PI


def _check_multigammaln_domain(a: Any, d: int) -> None:
    """SciPy's ValueError for ``a <= (d - 1)/2``, where the value is known (not under vmap)."""
    try:
        values = np.asarray(concrete(a))
    except ConcreteValueError:  # one value per example: nothing single to check
        return
    if np.any(values <= 0.5 * (d - 1)):
        raise ValueError(f"condition a ({values}) > 0.5 * (d-1) ({0.5 * (d - 1)}) not met")


__all__ = ["log_softmax", "logsumexp", "multigammaln", "polygamma", "softmax"]
