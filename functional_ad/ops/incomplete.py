"""Incomplete gamma and beta functions, their inverses and the distribution functions built
on them (scipy.special gammainc, betainc, stdtr, chdtr, pdtr, bdtr, nbdtr...).

The derivative in the integration limit is the integrand, so every function here is
differentiable in ``x`` (and the inverses in ``p``, by ``1 / f'``). The derivative in a
shape parameter (``a``, ``b``, the degrees of freedom) is an integral without closed form
that SciPy does not compute: a tangent there raises NotImplementedError naming the argument.
Counts (``k``, ``n``) are integers: piecewise constant, no derivative.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .shape import where_p
from .special_rules import nary, no_partial

LOG_PI = math.log(math.pi)


def declare(sc: Any) -> dict[str, Any]:
    """Declare the primitives with ``sc = scipy.special``; returns them by name."""

    def shape(name: str, argument: str) -> Any:
        return no_partial(f"scipy.special.{name}", argument, "no closed form in a shape parameter")

    def gamma_density(a: Any, x: Any) -> Any:  # d gammainc(a, x) / dx
        return np.exp(sc.xlogy(a - 1, x) - x - sc.gammaln(a))

    def beta_density(a: Any, b: Any, x: Any) -> Any:  # d betainc(a, b, x) / dx
        return np.exp(sc.xlogy(a - 1, x) + sc.xlog1py(b - 1, -x) - sc.betaln(a, b))

    def t_density(df: Any, t: Any) -> Any:  # d stdtr(df, t) / dt
        log_norm = sc.gammaln((df + 1) / 2) - sc.gammaln(df / 2) - 0.5 * (np.log(df) + LOG_PI)
        return np.exp(log_norm - (df + 1) / 2 * np.log1p(t * t / df))

    p = {}
    p["gammainc"] = nary(
        "special.gammainc",
        sc.gammainc,
        [shape("gammainc", "a"), lambda y, a, x: gamma_density(a, x)],
    )
    p["gammaincc"] = nary(
        "special.gammaincc",
        sc.gammaincc,
        [shape("gammaincc", "a"), lambda y, a, x: -gamma_density(a, x)],
    )
    p["gammaincinv"] = nary(
        "special.gammaincinv",
        sc.gammaincinv,
        [shape("gammaincinv", "a"), lambda y, a, q: 1 / gamma_density(a, y)],
    )
    p["gammainccinv"] = nary(
        "special.gammainccinv",
        sc.gammainccinv,
        [shape("gammainccinv", "a"), lambda y, a, q: -1 / gamma_density(a, y)],
    )
    p["betainc"] = nary(
        "special.betainc",
        sc.betainc,
        [
            shape("betainc", "a"),
            shape("betainc", "b"),
            lambda y, a, b, x: beta_density(a, b, x),
        ],
    )
    p["betaincc"] = nary(
        "special.betaincc",
        sc.betaincc,
        [
            shape("betaincc", "a"),
            shape("betaincc", "b"),
            lambda y, a, b, x: -beta_density(a, b, x),
        ],
    )
    p["betaincinv"] = nary(
        "special.betaincinv",
        sc.betaincinv,
        [
            shape("betaincinv", "a"),
            shape("betaincinv", "b"),
            lambda y, a, b, q: 1 / beta_density(a, b, y),
        ],
    )
    p["stdtr"] = nary(
        "special.stdtr", sc.stdtr, [shape("stdtr", "df"), lambda y, df, t: t_density(df, t)]
    )
    p["stdtrit"] = nary(
        "special.stdtrit",
        sc.stdtrit,
        [shape("stdtrit", "df"), lambda y, df, q: 1 / t_density(df, y)],
    )
    # chi-squared: chdtr(v, x) = gammainc(v/2, x/2)
    p["chdtr"] = nary(
        "special.chdtr",
        sc.chdtr,
        [shape("chdtr", "v"), lambda y, v, x: gamma_density(v / 2, x / 2) / 2],
    )
    p["chdtrc"] = nary(
        "special.chdtrc",
        sc.chdtrc,
        [shape("chdtrc", "v"), lambda y, v, x: -gamma_density(v / 2, x / 2) / 2],
    )
    # Poisson: pdtr(k, m) = gammaincc(floor(k) + 1, m)
    p["pdtr"] = nary(
        "special.pdtr", sc.pdtr, [None, lambda y, k, m: -gamma_density(np.floor(k) + 1, m)]
    )
    p["pdtrc"] = nary(
        "special.pdtrc", sc.pdtrc, [None, lambda y, k, m: gamma_density(np.floor(k) + 1, m)]
    )

    # binomial: bdtr(k, n, p) = betainc(n - k, k + 1, 1 - p) for k < n, 1 for k = n (NaN
    # beyond, and so is its derivative)
    def binomial_d(k: Any, n: Any, q: Any) -> Any:
        k = np.floor(k)
        below = k < n
        a = where_p(below, n - k, 1.0)
        return where_p(below, beta_density(a, k + 1, q), where_p(k == n, 0.0, np.nan))

    p["bdtr"] = nary(
        "special.bdtr", sc.bdtr, [None, None, lambda y, k, n, q: -binomial_d(k, n, 1 - q)]
    )
    p["bdtrc"] = nary(
        "special.bdtrc", sc.bdtrc, [None, None, lambda y, k, n, q: binomial_d(k, n, 1 - q)]
    )
    # negative binomial: nbdtr(k, n, p) = betainc(n, k + 1, p)
    p["nbdtr"] = nary(
        "special.nbdtr",
        sc.nbdtr,
        [None, None, lambda y, k, n, q: beta_density(n, np.floor(k) + 1, q)],
    )
    p["nbdtrc"] = nary(
        "special.nbdtrc",
        sc.nbdtrc,
        [None, None, lambda y, k, n, q: -beta_density(n, np.floor(k) + 1, q)],
    )
    return p


__all__ = ["declare"]
