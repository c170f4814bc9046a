"""Second derivatives in shape parameters by quadrature: the incomplete gamma and beta
functions (and the distributions built on them) and the von Mises cdf.

The first shape derivative of each is the integral of the density's shape derivative
(ops/incomplete.py, ops/distributions.py); differentiating under the integral once more:

- ``∂²P/∂a² = ∫_0^x f(t; a) ((log t - ψ(a))² - ψ'(a)) dt`` for ``P = gammainc``,
  ``f(t; a) = t^(a-1) e^(-t) / Γ(a)``;
- ``∂²I/∂a² = ∫_0^x w(t) ((log t + ψ(a+b) - ψ(a))² + ψ'(a+b) - ψ'(a)) dt`` and
  ``∂²I/∂a∂b = ∫_0^x w(t) ((log t + ψ(a+b) - ψ(a)) (log(1-t) + ψ(a+b) - ψ(b)) + ψ'(a+b))
  dt`` for ``I = betainc``, ``w(t) = t^(a-1) (1-t)^(b-1) / B(a, b)``;
- ``∂F/∂κ = ∫_0^z g(t; κ) (cos t - A(κ)) dt`` and ``∂²F/∂κ² = ∫_0^z g(t; κ) ((cos t -
  A)² - A'(κ)) dt`` for the von Mises cdf, ``g(t; κ) = e^(κ cos t) / (2π I₀(κ))``,
  ``A = I₁/I₀``, ``A' = 1 - A/κ - A²``, with ``z`` reduced to ``[-π, π)`` (each integrand
  is even and integrates to zero over a period).

Each integral over the whole support is the derivative of a constant (zero), so the upper
tail is integrated instead where it is the shorter. In the limit ``x`` (``z``) every one has
the closed form of its integrand; one order more in a shape parameter raises
NotImplementedError naming it.
"""

from __future__ import annotations

import importlib
import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from .special_rules import nary, no_partial

_OPTIONS = {"epsabs": 1e-15, "epsrel": 1e-12, "limit": 200}


def _quad(integrand: Callable[[float], float], lo: float, hi: float) -> float:
    """SciPy's adaptive quadrature at tolerances near rounding, which it may report it cannot
    reach on integrals that cancel to about zero (the tests compare with mpmath)."""
    integrate = importlib.import_module("scipy.integrate")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", integrate.IntegrationWarning)
        return float(integrate.quad(integrand, lo, hi, **_OPTIONS)[0])  # type: ignore[arg-type]


def _below(g: Callable[[float], float], log_upper: float) -> float:
    """``∫_0^U g(log u) du`` with ``log U = log_upper``, as ``∫ g(-s) e^(-s) ds`` over
    ``s ≥ -log U``: the logarithmic singularities at ``u = 0`` become polynomial growth
    against an exponential decay."""
    return _quad(lambda s: g(-s) * math.exp(-s), -log_upper, math.inf)


def _gammainc_daa(a: float, x: float) -> float:
    """``∂²/∂a² gammainc(a, x)`` by quadrature (substituting ``t = u^(1/a)`` below ``x``)."""
    special = importlib.import_module("scipy.special")
    if not (a > 0 and x >= 0) or np.isnan(a) or np.isnan(x):
        return math.nan
    if x == 0 or math.isinf(x):
        return 0.0
    psi, trigamma, log_gamma = special.digamma(a), special.polygamma(1, a), special.gammaln(a)

    def weight(log_t: float) -> float:
        return (log_t - psi) ** 2 - trigamma

    def lower(log_u: float) -> float:  # t^(a-1) dt = du / a
        log_t = log_u / a
        return math.exp(-math.exp(log_t) - log_gamma) * weight(log_t) / a

    def upper(t: float) -> float:
        log_t = math.log(t)
        return math.exp((a - 1) * log_t - t - log_gamma) * weight(log_t)

    if x < a + 1:
        return _below(lower, a * math.log(x))
    return -_quad(upper, x, math.inf)


def _betainc_second(a: float, b: float, x: float, mixed: bool) -> float:
    """``∂²/∂a² betainc(a, b, x)`` (``mixed``: ``∂²/∂a∂b``) by quadrature, with the
    substitutions ``t = u^(1/a)`` below and ``1 - t = v^(1/b)`` above."""
    special = importlib.import_module("scipy.special")
    if not (a > 0 and b > 0 and 0 <= x <= 1):
        return math.nan
    if x == 0 or x == 1:
        return 0.0
    shift_a = special.digamma(a + b) - special.digamma(a)
    shift_b = special.digamma(a + b) - special.digamma(b)
    tri_ab, tri_a = special.polygamma(1, a + b), special.polygamma(1, a)
    log_beta = special.betaln(a, b)

    def weight(log_t: float, log_s: float) -> float:  # s = 1 - t
        if mixed:
            return (log_t + shift_a) * (log_s + shift_b) + tri_ab
        return (log_t + shift_a) ** 2 + tri_ab - tri_a

    def lower(log_u: float) -> float:  # t = u^(1/a): t^(a-1) dt = du / a
        log_t = log_u / a
        log_s = math.log1p(-math.exp(log_t))
        return math.exp((b - 1) * log_s - log_beta) * weight(log_t, log_s) / a

    def upper(log_v: float) -> float:  # s = 1 - t = v^(1/b): s^(b-1) ds = dv / b
        log_s = log_v / b
        log_t = math.log1p(-math.exp(log_s))
        return math.exp((a - 1) * log_t - log_beta) * weight(log_t, log_s) / b

    if x <= a / (a + b):
        return _below(lower, a * math.log(x))
    return -_below(upper, b * math.log1p(-x))


def _wrapped(z: float) -> float:
    """``z`` reduced to ``[-π, π)``."""
    return (z + math.pi) % (2 * math.pi) - math.pi


def _vonmises_dk(z: float, kappa: float, order: int) -> float:
    """``∂/∂κ`` (``order`` 1) or ``∂²/∂κ²`` (2) of the von Mises cdf, by quadrature."""
    special = importlib.import_module("scipy.special")
    if not kappa > 0 or np.isnan(z):
        return math.nan
    if math.isinf(z):
        return 0.0
    ratio = special.i1e(kappa) / special.i0e(kappa)
    slope = 1 - ratio / kappa - ratio * ratio
    log_norm = math.log(2 * math.pi * special.i0e(kappa))

    def integrand(t: float) -> float:
        c = math.cos(t)
        weight = c - ratio if order == 1 else (c - ratio) ** 2 - slope
        return math.exp(kappa * (c - 1) - log_norm) * weight

    end = _wrapped(z)
    if end > math.pi / 2:  # the shorter way round: the integral over [0, π] is zero
        return -_quad(integrand, end, math.pi)
    if end < -math.pi / 2:
        return _quad(integrand, -math.pi, end)
    return _quad(integrand, 0.0, end)


def declare(sc: Any) -> dict[str, Any]:
    """Declare the incomplete gamma and beta primitives with ``sc = scipy.special``; returns
    them by name."""

    def third(function: str, argument: str) -> Any:
        return no_partial(function, argument, "a third derivative in a shape parameter")

    def gamma_density(a: Any, x: Any) -> Any:
        return np.exp(sc.xlogy(a - 1, x) - x - sc.gammaln(a))

    def beta_density(a: Any, b: Any, x: Any) -> Any:
        return np.exp(sc.xlogy(a - 1, x) + sc.xlog1py(b - 1, -x) - sc.betaln(a, b))

    beta_name = "scipy.special.betainc (or stdtr, betaincinv, stdtrit built on it)"
    p = {}
    p["gammainc_daa"] = nary(
        "special.gammainc_daa",
        np.vectorize(_gammainc_daa, otypes=[float]),
        [
            third("scipy.special.gammainc", "a"),
            lambda y, a, x: (
                gamma_density(a, x) * ((np.log(x) - sc.digamma(a)) ** 2 - sc.polygamma(1, a))
            ),
        ],
        reads=((), (0, 1)),
    )
    p["betainc_daa"] = nary(
        "special.betainc_daa",
        np.vectorize(lambda a, b, x: _betainc_second(a, b, x, False), otypes=[float]),
        [
            third(beta_name, "a"),
            third(beta_name, "b"),
            lambda y, a, b, x: (
                beta_density(a, b, x)
                * (
                    (np.log(x) + sc.digamma(a + b) - sc.digamma(a)) ** 2
                    + sc.polygamma(1, a + b)
                    - sc.polygamma(1, a)
                )
            ),
        ],
        reads=((), (), (0, 1, 2)),
    )
    p["betainc_dab"] = nary(
        "special.betainc_dab",
        np.vectorize(lambda a, b, x: _betainc_second(a, b, x, True), otypes=[float]),
        [
            third(beta_name, "a"),
            third(beta_name, "b"),
            lambda y, a, b, x: (
                beta_density(a, b, x)
                * (
                    (np.log(x) + sc.digamma(a + b) - sc.digamma(a))
                    * (np.log1p(-x) + sc.digamma(a + b) - sc.digamma(b))
                    + sc.polygamma(1, a + b)
                )
            ),
        ],
        reads=((), (), (0, 1, 2)),
    )
    return p


def declare_vonmises(sc: Any) -> dict[str, Any]:
    """Declare the von Mises cdf's shape derivatives with ``sc = scipy.special``."""

    def vonmises_density(z: Any, kappa: Any) -> Any:
        return np.exp(kappa * (np.cos(z) - 1)) / (2 * math.pi * sc.i0e(kappa))

    def vonmises_ratio(kappa: Any) -> Any:
        return sc.i1e(kappa) / sc.i0e(kappa)

    third = no_partial("scipy.stats.vonmises", "kappa", "a third derivative in kappa")
    p = {}
    p["vonmises_cdf_dkk"] = nary(
        "stats.vonmises_cdf_dkk",
        np.vectorize(lambda z, k: _vonmises_dk(z, k, 2), otypes=[float]),
        [
            lambda y, z, k: vonmises_density(z, k)
            * ((np.cos(z) - vonmises_ratio(k)) ** 2 - (1 - vonmises_ratio(k) / k)
               + vonmises_ratio(k) ** 2),
            third,
        ],
     reads=((0, 1), ()))  # fmt: skip
    p["vonmises_cdf_dk"] = nary(
        "stats.vonmises_cdf_dk",
        np.vectorize(lambda z, k: _vonmises_dk(z, k, 1), otypes=[float]),
        [
            lambda y, z, k: vonmises_density(z, k) * (np.cos(z) - vonmises_ratio(k)),
            lambda y, z, k: p["vonmises_cdf_dkk"](z, k),
        ],
        reads=((0, 1), (0, 1)),
    )
    return p


__all__ = ["declare"]
