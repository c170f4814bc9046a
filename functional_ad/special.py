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

from typing import Any

from .ops import special as _special


def _with_scipy() -> None:
    from .numpy.dispatch import register_scipy

    if not _special.PRIMITIVES_BY_NAME and not register_scipy():
        raise ImportError("this function needs SciPy: pip install scipy")


def logsumexp(
    a: Any, axis: Any = None, b: Any = None, keepdims: bool = False, return_sign: bool = False
) -> Any:
    """Return ``log(sum(b * exp(a)))`` over ``axis``, computed stably (as SciPy's).

    >>> import numpy as np
    >>> float(logsumexp(np.log(np.array([1.0, 3.0]))))
    1.3862943611198906
    """
    return _special.logsumexp(a, axis, b, keepdims, return_sign)


def softmax(x: Any, axis: Any = None) -> Any:
    """Return ``exp(x) / sum(exp(x))`` over ``axis`` (all axes when None).

    >>> import numpy as np
    >>> softmax(np.zeros(2))
    array([0.5, 0.5])
    """
    return _special.softmax(x, axis)


def log_softmax(x: Any, axis: Any = None) -> Any:
    """Return ``x - logsumexp(x)`` over ``axis``.

    >>> import numpy as np
    >>> log_softmax(np.zeros(2))
    array([-0.69314718, -0.69314718])
    """
    return _special.log_softmax(x, axis)


def polygamma(n: Any, x: Any) -> Any:
    """Return the ``n``-th derivative of the digamma function at ``x`` (needs SciPy).

    >>> round(float(polygamma(1, 1.0)), 6)  # pi**2 / 6
    1.644934
    """
    _with_scipy()
    return _special.polygamma(n, x)


def multigammaln(a: Any, d: int) -> Any:
    """Return the log of the multivariate gamma function of dimension ``d`` (needs SciPy).

    >>> round(float(multigammaln(2.0, 1)), 6)  # log Γ(2) = 0
    0.0
    """
    _with_scipy()
    return _special.multigammaln(a, d)


__all__ = ["log_softmax", "logsumexp", "multigammaln", "polygamma", "softmax"]
