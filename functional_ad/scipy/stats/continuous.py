"""Continuous distributions of scipy.stats, written with NumPy calls and scipy.special ufuncs
on standardized values ``z = (x - loc) / scale``."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._require import scipy_module
from .distribution import INF, Continuous

sc = scipy_module("special")
_stats = scipy_module("stats")

LOG_2PI = math.log(2.0 * math.pi)
HALF_LOG_2PI = 0.5 * LOG_2PI
LOG_2 = math.log(2.0)
LOG_PI = math.log(math.pi)


def _primitives() -> dict[str, Any]:
    from ...ops import distributions, special

    if "vonmises_cdf" not in special.PRIMITIVES_BY_NAME:
        special.PRIMITIVES_BY_NAME.update(distributions.declare(_stats, sc))
    return special.PRIMITIVES_BY_NAME


_P = _primitives()


class norm_gen(Continuous):
    """The normal distribution: ``logpdf(x, loc=0, scale=1)``...

    >>> round(float(norm.pdf(0.0)), 6)
    0.398942
    """

    name = "norm"

    def _logpdf(self, z: Any) -> Any:
        return -z * z / 2 - HALF_LOG_2PI

    def _cdf(self, z: Any) -> Any:
        return sc.ndtr(z)

    def _sf(self, z: Any) -> Any:
        return sc.ndtr(-z)

    def _logcdf(self, z: Any) -> Any:
        return sc.log_ndtr(z)

    def _logsf(self, z: Any) -> Any:
        return sc.log_ndtr(-z)

    def _ppf(self, q: Any) -> Any:
        return sc.ndtri(q)

    def _isf(self, q: Any) -> Any:
        return -sc.ndtri(q)


class t_gen(Continuous):
    """Student's t: ``logpdf(x, df, loc=0, scale=1)``; cdf, sf and ppf are differentiable in
    ``df`` to first order (quadrature).

    >>> float(t.cdf(0.0, 3.0))
    0.5
    """

    name = "t"
    shapes = ("df",)

    def _argcheck(self, df: Any) -> Any:
        return df > 0

    def _logpdf(self, z: Any, df: Any) -> Any:
        log_norm = sc.gammaln((df + 1) / 2) - sc.gammaln(df / 2) - 0.5 * (np.log(df) + LOG_PI)
        return log_norm - (df + 1) / 2 * np.log1p(z * z / df)

    def _cdf(self, z: Any, df: Any) -> Any:
        return sc.stdtr(df, z)

    def _sf(self, z: Any, df: Any) -> Any:
        return sc.stdtr(df, -z)

    def _ppf(self, q: Any, df: Any) -> Any:
        return sc.stdtrit(df, q)

    def _isf(self, q: Any, df: Any) -> Any:
        return -sc.stdtrit(df, q)


class gamma_gen(Continuous):
    """The gamma distribution: ``logpdf(x, a, loc=0, scale=1)``; cdf, sf and ppf are
    differentiable in ``a`` to first order (quadrature of the incomplete gamma function's
    shape derivative).

    >>> round(float(gamma.cdf(1.0, 1.0)), 6)  # 1 - e^{-1}
    0.632121
    """

    name = "gamma"
    shapes = ("a",)
    support = (0.0, INF)
    safe = 1.0

    def _argcheck(self, a: Any) -> Any:
        return a > 0

    def _logpdf(self, z: Any, a: Any) -> Any:
        return sc.xlogy(a - 1, z) - z - sc.gammaln(a)

    def _cdf(self, z: Any, a: Any) -> Any:
        return sc.gammainc(a, z)

    def _sf(self, z: Any, a: Any) -> Any:
        return sc.gammaincc(a, z)

    def _ppf(self, q: Any, a: Any) -> Any:
        return sc.gammaincinv(a, q)

    def _isf(self, q: Any, a: Any) -> Any:
        return sc.gammainccinv(a, q)


class beta_gen(Continuous):
    """The beta distribution: ``logpdf(x, a, b, loc=0, scale=1)``; cdf, sf and ppf are
    differentiable in ``a``, ``b`` to first order (quadrature).

    >>> float(beta.cdf(0.5, 2.0, 2.0))
    0.5
    """

    name = "beta"
    shapes = ("a", "b")
    support = (0.0, 1.0)
    safe = 0.5

    def _argcheck(self, a: Any, b: Any) -> Any:
        return (a > 0) & (b > 0)

    def _logpdf(self, z: Any, a: Any, b: Any) -> Any:
        return sc.xlogy(a - 1, z) + sc.xlog1py(b - 1, -z) - sc.betaln(a, b)

    def _cdf(self, z: Any, a: Any, b: Any) -> Any:
        return sc.betainc(a, b, z)

    def _sf(self, z: Any, a: Any, b: Any) -> Any:
        return sc.betaincc(a, b, z)

    def _ppf(self, q: Any, a: Any, b: Any) -> Any:
        return sc.betaincinv(a, b, q)


class chi2_gen(Continuous):
    """The chi-squared distribution: ``logpdf(x, df, loc=0, scale=1)``; cdf, sf and ppf are
    differentiable in ``df`` to first order.

    >>> round(float(chi2.cdf(2.0, 2.0)), 6)  # 1 - e^{-1}
    0.632121
    """

    name = "chi2"
    shapes = ("df",)
    support = (0.0, INF)
    safe = 1.0

    def _argcheck(self, df: Any) -> Any:
        return df > 0

    def _logpdf(self, z: Any, df: Any) -> Any:
        half = df / 2
        return sc.xlogy(half - 1, z) - z / 2 - sc.gammaln(half) - half * LOG_2

    def _cdf(self, z: Any, df: Any) -> Any:
        return sc.chdtr(df, z)

    def _sf(self, z: Any, df: Any) -> Any:
        return sc.chdtrc(df, z)

    def _ppf(self, q: Any, df: Any) -> Any:
        return 2 * sc.gammaincinv(df / 2, q)

    def _isf(self, q: Any, df: Any) -> Any:
        return 2 * sc.gammainccinv(df / 2, q)


class expon_gen(Continuous):
    """The exponential distribution: ``logpdf(x, loc=0, scale=1)``.

    >>> float(expon.logpdf(2.0))
    -2.0
    """

    name = "expon"
    support = (0.0, INF)
    safe = 1.0

    def _logpdf(self, z: Any) -> Any:
        return -z

    def _cdf(self, z: Any) -> Any:
        return -np.expm1(-z)

    def _sf(self, z: Any) -> Any:
        return np.exp(-z)

    def _logcdf(self, z: Any) -> Any:
        return np.log(-np.expm1(-z))

    def _logsf(self, z: Any) -> Any:
        return -z

    def _ppf(self, q: Any) -> Any:
        return -np.log1p(-q)

    def _isf(self, q: Any) -> Any:
        return -np.log(q)


class laplace_gen(Continuous):
    """The Laplace distribution: ``logpdf(x, loc=0, scale=1)``.

    >>> float(laplace.cdf(0.0))
    0.5
    """

    name = "laplace"

    def _logpdf(self, z: Any) -> Any:
        return -np.abs(z) - LOG_2

    def _cdf(self, z: Any) -> Any:
        # each branch sees z only where it is taken: no overflow reaches a derivative
        left = z < 0
        return np.where(
            left, 0.5 * np.exp(np.where(left, z, 0.0)), 1 - 0.5 * np.exp(-np.where(left, 0.0, z))
        )

    def _sf(self, z: Any) -> Any:
        return self._cdf(-z)

    def _ppf(self, q: Any) -> Any:
        low = q < 0.5
        return np.where(
            low, np.log(2 * np.where(low, q, 0.25)), -np.log(2 - 2 * np.where(low, 0.75, q))
        )

    def _isf(self, q: Any) -> Any:
        return -self._ppf(q)


class logistic_gen(Continuous):
    """The logistic distribution: ``logpdf(x, loc=0, scale=1)``.

    >>> float(logistic.cdf(0.0))
    0.5
    """

    name = "logistic"

    def _logpdf(self, z: Any) -> Any:
        return -z - 2 * np.logaddexp(0.0, -z)

    def _cdf(self, z: Any) -> Any:
        return sc.expit(z)

    def _sf(self, z: Any) -> Any:
        return sc.expit(-z)

    def _logcdf(self, z: Any) -> Any:
        return sc.log_expit(z)

    def _logsf(self, z: Any) -> Any:
        return sc.log_expit(-z)

    def _ppf(self, q: Any) -> Any:
        return sc.logit(q)

    def _isf(self, q: Any) -> Any:
        return -sc.logit(q)


class cauchy_gen(Continuous):
    """The Cauchy distribution: ``logpdf(x, loc=0, scale=1)``.

    >>> float(cauchy.cdf(1.0))
    0.75
    """

    name = "cauchy"

    def _logpdf(self, z: Any) -> Any:
        return -LOG_PI - np.log1p(z * z)

    def _cdf(self, z: Any) -> Any:
        return 0.5 + np.arctan(z) / math.pi

    def _sf(self, z: Any) -> Any:
        return 0.5 - np.arctan(z) / math.pi

    def _ppf(self, q: Any) -> Any:
        return np.tan(math.pi * (q - 0.5))

    def _isf(self, q: Any) -> Any:
        return np.tan(math.pi * (0.5 - q))


class uniform_gen(Continuous):
    """The uniform distribution on ``[loc, loc + scale]``.

    >>> float(uniform.cdf(0.25))
    0.25
    """

    name = "uniform"
    support = (0.0, 1.0)
    safe = 0.5

    def _logpdf(self, z: Any) -> Any:
        return 0.0 * z

    def _cdf(self, z: Any) -> Any:
        return z

    def _sf(self, z: Any) -> Any:
        return 1 - z

    def _ppf(self, q: Any) -> Any:
        return q

    def _isf(self, q: Any) -> Any:
        return 1 - q


class lognorm_gen(Continuous):
    """The log-normal distribution: ``logpdf(x, s, loc=0, scale=1)``.

    >>> float(lognorm.cdf(1.0, 0.5))
    0.5
    """

    name = "lognorm"
    shapes = ("s",)
    support = (0.0, INF)
    open_support = True
    safe = 1.0

    def _argcheck(self, s: Any) -> Any:
        return s > 0

    def _logpdf(self, z: Any, s: Any) -> Any:
        log_z = np.log(z)
        return -log_z - np.log(s) - HALF_LOG_2PI - log_z * log_z / (2 * s * s)

    def _cdf(self, z: Any, s: Any) -> Any:
        return sc.ndtr(np.log(z) / s)

    def _sf(self, z: Any, s: Any) -> Any:
        return sc.ndtr(-np.log(z) / s)

    def _logcdf(self, z: Any, s: Any) -> Any:
        return sc.log_ndtr(np.log(z) / s)

    def _logsf(self, z: Any, s: Any) -> Any:
        return sc.log_ndtr(-np.log(z) / s)

    def _ppf(self, q: Any, s: Any) -> Any:
        return np.exp(s * sc.ndtri(q))

    def _isf(self, q: Any, s: Any) -> Any:
        return np.exp(-s * sc.ndtri(q))


class vonmises_gen(Continuous):
    """The von Mises distribution: ``logpdf(x, kappa, loc=0, scale=1)``, periodic in ``x``
    (as SciPy's, defined on the whole line); cdf and ppf, computed by SciPy, have no
    derivative in ``kappa``.

    >>> round(float(vonmises.cdf(0.0, 2.0)), 6)
    0.5
    """

    name = "vonmises"
    shapes = ("kappa",)

    def _argcheck(self, kappa: Any) -> Any:
        return kappa > 0

    def _logpdf(self, z: Any, kappa: Any) -> Any:
        # log(e^{κ cos z} / (2π I0(κ))) with I0(κ) = i0e(κ) e^{κ}
        return kappa * (np.cos(z) - 1) - LOG_2PI - np.log(sc.i0e(kappa))

    def _cdf(self, z: Any, kappa: Any) -> Any:
        return _P["vonmises_cdf"](z, kappa)

    def _ppf(self, q: Any, kappa: Any) -> Any:
        return _P["vonmises_ppf"](q, kappa)


class skewnorm_gen(Continuous):
    """The skew-normal distribution: ``logpdf(x, a, loc=0, scale=1)``; its cdf
    ``Φ(z) - 2 T(z, a)`` (Owen's T) and ppf are computed by SciPy and differentiated with
    that formula (the ppf by the implicit function theorem).

    >>> float(skewnorm.cdf(0.0, 0.0))
    0.5
    """

    name = "skewnorm"
    shapes = ("a",)

    def _logpdf(self, z: Any, a: Any) -> Any:
        return LOG_2 - z * z / 2 - HALF_LOG_2PI + sc.log_ndtr(a * z)

    def _cdf(self, z: Any, a: Any) -> Any:
        return _P["skewnorm_cdf"](z, a)

    def _sf(self, z: Any, a: Any) -> Any:
        return _P["skewnorm_sf"](z, a)

    def _ppf(self, q: Any, a: Any) -> Any:
        return _P["skewnorm_ppf"](q, a)


norm = norm_gen()
t = t_gen()
gamma = gamma_gen()
beta = beta_gen()
chi2 = chi2_gen()
expon = expon_gen()
laplace = laplace_gen()
logistic = logistic_gen()
cauchy = cauchy_gen()
uniform = uniform_gen()
lognorm = lognorm_gen()
vonmises = vonmises_gen()
skewnorm = skewnorm_gen()

DISTRIBUTIONS = [
    norm,
    t,
    gamma,
    beta,
    chi2,
    expon,
    laplace,
    logistic,
    cauchy,
    uniform,
    lognorm,
    vonmises,
    skewnorm,
]

__all__ = [
    "beta",
    "cauchy",
    "chi2",
    "expon",
    "gamma",
    "laplace",
    "logistic",
    "lognorm",
    "norm",
    "skewnorm",
    "t",
    "uniform",
    "vonmises",
]
