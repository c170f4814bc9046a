"""Discrete distributions of scipy.stats (poisson, binom, nbinom), differentiable in their
real parameters: the pmf through log-gamma functions, the cdf through the incomplete gamma
and beta functions in their integration limit."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._require import scipy_module
from .continuous import _P
from .distribution import Discrete

sc = scipy_module("special")


class poisson_gen(Discrete):
    """The Poisson distribution: ``logpmf(k, mu, loc=0)``...

    >>> round(float(poisson.cdf(1, 2.0)), 6)  # 3 e^{-2}
    0.406006
    """

    name = "poisson"
    shapes = ("mu",)
    ppf_primitive = _P["poisson_ppf"]

    def _argcheck(self, mu: Any) -> Any:
        return mu >= 0

    def _logpmf(self, k: Any, mu: Any) -> Any:
        return sc.xlogy(k, mu) - sc.gammaln(k + 1) - mu

    def _cdf(self, k: Any, mu: Any) -> Any:
        return sc.pdtr(k, mu)

    def _sf(self, k: Any, mu: Any) -> Any:
        return sc.pdtrc(k, mu)


class binom_gen(Discrete):
    """The binomial distribution: ``logpmf(k, n, p, loc=0)``.

    >>> float(binom.pmf(0, 2, 0.5))
    0.25
    """

    name = "binom"
    shapes = ("n", "p")
    ppf_primitive = _P["binom_ppf"]

    def _argcheck(self, n: Any, p: Any) -> Any:
        return (n >= 0) & (p >= 0) & (p <= 1)

    def _upper(self, n: Any, p: Any) -> Any:
        return n

    def _logpmf(self, k: Any, n: Any, p: Any) -> Any:
        log_comb = sc.gammaln(n + 1) - sc.gammaln(k + 1) - sc.gammaln(n - k + 1)
        return log_comb + sc.xlogy(k, p) + sc.xlog1py(n - k, -p)

    def _cdf(self, k: Any, n: Any, p: Any) -> Any:
        # betainc(n - k, k + 1, 1 - p) for k < n, 1 at k = n
        below = k < n
        a = np.where(below, n - k, 1.0)
        return np.where(below, sc.betainc(a, k + 1, 1 - p), 1.0)

    def _sf(self, k: Any, n: Any, p: Any) -> Any:
        below = k < n
        a = np.where(below, n - k, 1.0)
        return np.where(below, sc.betainc(k + 1, a, p), 0.0)


class nbinom_gen(Discrete):
    """The negative binomial distribution (failures before the ``n``-th success):
    ``logpmf(k, n, p, loc=0)``; its cdf is differentiable in ``n`` to first order.

    >>> float(nbinom.pmf(0, 1, 0.5))
    0.5
    """

    name = "nbinom"
    shapes = ("n", "p")
    ppf_primitive = _P["nbinom_ppf"]

    def _argcheck(self, n: Any, p: Any) -> Any:
        return (n > 0) & (p > 0) & (p <= 1)

    def _logpmf(self, k: Any, n: Any, p: Any) -> Any:
        log_comb = sc.gammaln(n + k) - sc.gammaln(k + 1) - sc.gammaln(n)
        return log_comb + n * np.log(p) + sc.xlog1py(k, -p)

    def _cdf(self, k: Any, n: Any, p: Any) -> Any:
        return sc.betainc(n, k + 1, p)

    def _sf(self, k: Any, n: Any, p: Any) -> Any:
        return sc.betaincc(n, k + 1, p)


poisson = poisson_gen()
binom = binom_gen()
nbinom = nbinom_gen()

DISTRIBUTIONS = [poisson, binom, nbinom]

__all__ = ["binom", "nbinom", "poisson"]
