"""Incomplete gamma and beta functions, their inverses and the distribution functions built
on them (scipy.special gammainc, betainc, stdtr, chdtr, pdtr, bdtr, nbdtr...).

The derivative in the integration limit is the integrand, so every function here is
differentiable in ``x`` (and the inverses in ``p``, by ``1 / f'``). The derivative of the
regularized incomplete gamma function in its shape ``a`` is the integral of the integrand's
derivative, ``∂P/∂a = ∫_0^x f(t; a) (log t - ψ(a)) dt`` with ``f(t; a) = t^(a-1) e^(-t) /
Γ(a)``, computed by adaptive quadrature (SciPy's ``quad``, on ``[x, ∞)`` for the upper
tail, where ``∂P/∂a = -∫_x^∞ ...``). ``betainc``'s in ``a`` and ``b``, and so ``stdtr``'s
in the degrees of freedom, are computed by quadrature the same way. Their second derivatives
in the shapes are quadratures too (ops/shape_quadrature.py); a third derivative in a shape
parameter raises NotImplementedError naming it. Counts (``k``, ``n``) are integers:
piecewise constant, no derivative.
"""

from __future__ import annotations

import importlib
import math
from typing import Any

import numpy as np

from . import shape_quadrature
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

    p = shape_quadrature.declare(sc)  # the second derivatives in the shapes
    # ∂/∂a of gammainc: quadrature; its own derivative in x has a closed form
    p["gammainc_da"] = nary(
        "special.gammainc_da",
        np.vectorize(_gammainc_da, otypes=[float]),
        [
            lambda y, a, x: p["gammainc_daa"](a, x),
            lambda y, a, x: gamma_density(a, x) * (np.log(x) - sc.digamma(a)),
        ],
        reads=((0, 1), (0, 1)),
    )
    p["gammainc"] = nary(
        "special.gammainc",
        sc.gammainc,
        [lambda y, a, x: p["gammainc_da"](a, x), lambda y, a, x: gamma_density(a, x)],
        reads=((0, 1), (0, 1)),
    )
    p["gammaincc"] = nary(
        "special.gammaincc",
        sc.gammaincc,
        [lambda y, a, x: -p["gammainc_da"](a, x), lambda y, a, x: -gamma_density(a, x)],
        reads=((0, 1), (0, 1)),
    )
    # inverses x(a, q): ∂x/∂q = ±1/f(x), and ∂x/∂a = -(∂P/∂a)/f(x) for both (implicit
    # function theorem on P(a, x) = q or Q(a, x) = 1 - P(a, x) = q)
    inverse_da = lambda y, a, q: -p["gammainc_da"](a, y) / gamma_density(a, y)
    p["gammaincinv"] = nary(
        "special.gammaincinv",
        sc.gammaincinv,
        [inverse_da, lambda y, a, q: 1 / gamma_density(a, y)],
        reads=((-1, 0), (-1, 0)),
    )
    p["gammainccinv"] = nary(
        "special.gammainccinv",
        sc.gammainccinv,
        [inverse_da, lambda y, a, q: -1 / gamma_density(a, y)],
        reads=((-1, 0), (-1, 0)),
    )
    # ∂/∂a betainc: quadrature; ∂/∂b by the symmetry I_x(a, b) = 1 - I_{1-x}(b, a)
    p["betainc_da"] = nary(
        "special.betainc_da",
        np.vectorize(_betainc_da, otypes=[float]),
        [
            lambda y, a, b, x: p["betainc_daa"](a, b, x),
            lambda y, a, b, x: p["betainc_dab"](a, b, x),
            lambda y, a, b, x: (
                beta_density(a, b, x) * (np.log(x) - sc.digamma(a) + sc.digamma(a + b))
            ),
        ],
        reads=((0, 1, 2), (0, 1, 2), (0, 1, 2)),
    )
    beta_da = lambda a, b, x: p["betainc_da"](a, b, x)
    beta_db = lambda a, b, x: -p["betainc_da"](b, a, 1 - x)
    p["betainc"] = nary(
        "special.betainc",
        sc.betainc,
        [
            lambda y, a, b, x: beta_da(a, b, x),
            lambda y, a, b, x: beta_db(a, b, x),
            lambda y, a, b, x: beta_density(a, b, x),
        ],
        reads=((0, 1, 2), (0, 1, 2), (0, 1, 2)),
    )
    p["betaincc"] = nary(
        "special.betaincc",
        sc.betaincc,
        [
            lambda y, a, b, x: -beta_da(a, b, x),
            lambda y, a, b, x: -beta_db(a, b, x),
            lambda y, a, b, x: -beta_density(a, b, x),
        ],
        reads=((0, 1, 2), (0, 1, 2), (0, 1, 2)),
    )
    # x(a, b, q) with I_x(a, b) = q: ∂x/∂θ = -(∂I/∂θ) / f(x)
    p["betaincinv"] = nary(
        "special.betaincinv",
        sc.betaincinv,
        [
            lambda y, a, b, q: -beta_da(a, b, y) / beta_density(a, b, y),
            lambda y, a, b, q: -beta_db(a, b, y) / beta_density(a, b, y),
            lambda y, a, b, q: 1 / beta_density(a, b, y),
        ],
        reads=((-1, 0, 1), (-1, 0, 1), (-1, 0, 1)),
    )

    # stdtr(ν, t) = 1 - I_u(ν/2, 1/2)/2 for t >= 0 (I_u/2 for t < 0), u = ν/(ν + t²):
    # ∂/∂ν = ∓ (∂I/∂a / 2 + f_beta(u) t²/(ν + t²)²) / 2
    def t_d_df(df: Any, t: Any) -> Any:
        zero = t == 0  # stdtr(ν, 0) = 1/2 for every ν (and f_beta(1) is infinite for b = 1/2)
        t = where_p(zero, 1.0, t)
        u = df / (df + t * t)
        d_u = t * t / ((df + t * t) * (df + t * t))
        d_i = 0.5 * beta_da(df / 2, 0.5, u) + beta_density(df / 2, 0.5, u) * d_u
        return where_p(zero, 0.0, -0.5 * np.sign(t) * d_i)

    p["stdtr"] = nary(
        "special.stdtr",
        sc.stdtr,
        [lambda y, df, t: t_d_df(df, t), lambda y, df, t: t_density(df, t)],
        reads=((0, 1), (0, 1)),
    )
    p["stdtrit"] = nary(
        "special.stdtrit",
        sc.stdtrit,
        [
            lambda y, df, q: -t_d_df(df, y) / t_density(df, y),
            lambda y, df, q: 1 / t_density(df, y),
        ],
        reads=((-1, 0), (-1, 0)),
    )
    # chi-squared: chdtr(v, x) = gammainc(v/2, x/2)
    p["chdtr"] = nary(
        "special.chdtr",
        sc.chdtr,
        [
            lambda y, v, x: p["gammainc_da"](v / 2, x / 2) / 2,
            lambda y, v, x: gamma_density(v / 2, x / 2) / 2,
        ],
        reads=((0, 1), (0, 1)),
    )
    p["chdtrc"] = nary(
        "special.chdtrc",
        sc.chdtrc,
        [
            lambda y, v, x: -p["gammainc_da"](v / 2, x / 2) / 2,
            lambda y, v, x: -gamma_density(v / 2, x / 2) / 2,
        ],
        reads=((0, 1), (0, 1)),
    )
    # Poisson: pdtr(k, m) = gammaincc(floor(k) + 1, m)
    p["pdtr"] = nary(
        "special.pdtr",
        sc.pdtr,
        [None, lambda y, k, m: -gamma_density(np.floor(k) + 1, m)],
        reads=((), (0, 1)),
    )
    p["pdtrc"] = nary(
        "special.pdtrc",
        sc.pdtrc,
        [None, lambda y, k, m: gamma_density(np.floor(k) + 1, m)],
        reads=((), (0, 1)),
    )

    # binomial: bdtr(k, n, p) = betainc(n - k, k + 1, 1 - p) for k < n, 1 for k = n (NaN
    # beyond, and so is its derivative)
    def binomial_d(k: Any, n: Any, q: Any) -> Any:
        k = np.floor(k)
        below = k < n
        a = where_p(below, n - k, 1.0)
        return where_p(below, beta_density(a, k + 1, q), where_p(k == n, 0.0, np.nan))

    p["bdtr"] = nary(
        "special.bdtr",
        sc.bdtr,
        [None, None, lambda y, k, n, q: -binomial_d(k, n, 1 - q)],
        reads=((), (), (0, 1, 2)),
    )
    p["bdtrc"] = nary(
        "special.bdtrc",
        sc.bdtrc,
        [None, None, lambda y, k, n, q: binomial_d(k, n, 1 - q)],
        reads=((), (), (0, 1, 2)),
    )
    # negative binomial: nbdtr(k, n, p) = betainc(n, k + 1, p)
    p["nbdtr"] = nary(
        "special.nbdtr",
        sc.nbdtr,
        [None, None, lambda y, k, n, q: beta_density(n, np.floor(k) + 1, q)],
        reads=((), (), (0, 1, 2)),
    )
    p["nbdtrc"] = nary(
        "special.nbdtrc",
        sc.nbdtrc,
        [None, None, lambda y, k, n, q: -beta_density(n, np.floor(k) + 1, q)],
        reads=((), (), (0, 1, 2)),
    )
    return p


def _gammainc_da(a: float, x: float) -> float:
    """``∂/∂a gammainc(a, x)`` by quadrature of ``f(t; a) (log t - ψ(a))`` over ``[0, x]``,
    or minus that over ``[x, ∞)`` when ``x`` lies in the upper part (better conditioned)."""
    special = importlib.import_module("scipy.special")
    integrate = importlib.import_module("scipy.integrate")
    if not (a > 0 and x >= 0) or np.isnan(a) or np.isnan(x):
        return math.nan
    if x == 0 or math.isinf(x):
        return 0.0
    psi, log_gamma = special.digamma(a), special.gammaln(a)

    def integrand(t: float) -> float:
        if t <= 0:
            return 0.0
        return math.exp((a - 1) * math.log(t) - t - log_gamma) * (math.log(t) - psi)

    def lower(u: float) -> float:  # t = u^(1/a): t^(a-1) dt = du / a, no power singularity
        if u <= 0:
            return 0.0
        log_t = math.log(u) / a
        return math.exp(-math.exp(log_t) - log_gamma) * (log_t - psi) / a

    options = {"epsabs": 1e-15, "epsrel": 1e-12, "limit": 200}
    if x < a + 1:
        return float(integrate.quad(lower, 0.0, x**a, **options)[0])
    return -float(integrate.quad(integrand, x, math.inf, **options)[0])


def _betainc_da(a: float, b: float, x: float) -> float:
    """``∂/∂a betainc(a, b, x)``: the integral of ``w(t) (log t - ψ(a) + ψ(a+b))`` with
    ``w(t) = t^(a-1) (1-t)^(b-1) / B(a, b)`` over ``[0, x]``, or minus it over ``[x, 1]``
    (the whole integral is 0: ``I_1 = 1``), with substitutions that remove the endpoint
    power singularities."""
    special = importlib.import_module("scipy.special")
    integrate = importlib.import_module("scipy.integrate")
    if not (a > 0 and b > 0 and 0 <= x <= 1):
        return math.nan
    if x == 0 or x == 1:
        return 0.0
    shift = special.digamma(a + b) - special.digamma(a)
    log_beta = special.betaln(a, b)
    options = {"epsabs": 1e-15, "epsrel": 1e-12, "limit": 200}

    def lower(u: float) -> float:  # t = u^(1/a): t^(a-1) dt = du / a
        if u <= 0:
            return 0.0
        log_t = math.log(u) / a
        return math.exp((b - 1) * math.log1p(-math.exp(log_t)) - log_beta) * (log_t + shift) / a

    def upper(v: float) -> float:  # 1 - t = v^(1/b): (1-t)^(b-1) dt = -dv / b
        if v <= 0:
            return 0.0
        s = math.exp(math.log(v) / b)
        if s >= 1:
            return 0.0
        log_t = math.log1p(-s)
        return math.exp((a - 1) * log_t - log_beta) * (log_t + shift) / b

    if x <= a / (a + b):
        return float(integrate.quad(lower, 0.0, x**a, **options)[0])
    return -float(integrate.quad(upper, 0.0, (1 - x) ** b, **options)[0])


__all__ = ["declare"]
