"""Exponential, Fresnel and sine/cosine integrals, Dawson, Faddeeva, Owen's T, Spence,
zeta, Pochhammer, binomial, confluent hypergeometric and Box-Cox (scipy.special).

Each derivative is the integrand or a known identity, noted beside its rule. Arguments with
no closed-form derivative (the order ``n`` of ``expn``, ``x`` of the zeta functions, ``a``
and ``b`` of ``hyp1f1``) raise NotImplementedError naming the argument.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..core.zeros import Zero
from .batching import batch_elementwise
from .elementwise import is_complex, nonzero, real_part, unary
from .registry import primitive
from .shape import where_p
from .special_rules import nary, no_partial

FAMILY = "special"

INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
INV_2PI = 1.0 / (2.0 * math.pi)
HALF_PI = math.pi / 2.0
SQRT_HALF = math.sqrt(0.5)


def _pair(name: str, ufunc: Any, d_first: Any, d_second: Any) -> Any:
    """A one-argument ufunc with two results and derivatives ``d_first(x)``, ``d_second(x)``."""

    def vjp(g: tuple, y: tuple, x: Any) -> Any:
        bar = None
        for g_i, d in zip(g, (d_first, d_second), strict=True):
            if not isinstance(g_i, Zero):
                term = g_i * d(x)
                bar = term if bar is None else bar + term
        return bar

    prim = primitive(
        name,
        ufunc,
        jvp=lambda t, y, x: (t * d_first(x), t * d_second(x)),
        vjp=vjp,
        multiple_results=True,
        reads=((0,),),
        family=FAMILY,
        batch=batch_elementwise,
        elementwise=True,
    )
    return prim


def _sinc_pi(x: Any) -> Any:
    """``sin(x) / x`` (1 at 0), the derivative of the sine integral."""
    return np.sinc(x / math.pi)


def declare(sc: Any) -> dict[str, Any]:
    """Declare the primitives with ``sc = scipy.special``; returns them by name."""
    p: dict[str, Any] = {}
    # E1(x) = ∫_x^∞ e^{-t}/t dt: E1' = -e^{-x}/x; Ei' = e^x/x (x != 0)
    p["exp1"] = unary(
        "special.exp1", sc.exp1, lambda y, x: -np.exp(-x) / x, family=FAMILY, reads=(0,)
    )
    # log(expit(x)): derivative expit(-x)
    p["log_expit"] = unary(
        "special.log_expit", sc.log_expit, lambda y, x: sc.expit(-x), family=FAMILY, reads=(0,)
    )
    p["expi"] = unary(
        "special.expi", sc.expi, lambda y, x: np.exp(x) / x, family=FAMILY, reads=(0,)
    )

    # E_n' = -E_{n-1} for n >= 1; E_0(x) = e^{-x}/x, so E_0' = -e^{-x}(1 + x)/x²
    def expn_dx(y: Any, n: Any, x: Any) -> Any:
        previous = sc.expn(np.maximum(n - 1, 0), x)
        return -where_p(n >= 1, previous, np.exp(-x) * (1 + x) / (x * x))

    p["expn"] = nary("special.expn", sc.expn, [None, expn_dx], reads=((), (0, 1)))
    # Dawson's F(x) = e^{-x²} ∫_0^x e^{t²} dt: F' = 1 - 2xF
    # the sign of Γ(x): piecewise constant
    p["gammasgn"] = nary("special.gammasgn", sc.gammasgn, [None], reads=((),))
    p["dawsn"] = unary(
        "special.dawsn", sc.dawsn, lambda y, x: 1 - 2 * x * y, family=FAMILY, reads=(-1, 0)
    )
    # S(x) = ∫_0^x sin(πt²/2) dt, C(x) = ∫_0^x cos(πt²/2) dt
    p["fresnel"] = _pair(
        "special.fresnel",
        sc.fresnel,
        lambda x: np.sin(HALF_PI * x * x),
        lambda x: np.cos(HALF_PI * x * x),
    )
    # Si' = sin x / x, Ci' = cos x / x; Shi' = sinh x / x, Chi' = cosh x / x
    p["sici"] = _pair("special.sici", sc.sici, _sinc_pi, lambda x: np.cos(x) / x)
    p["shichi"] = _pair(
        "special.shichi",
        sc.shichi,
        lambda x: where_p(x == 0, 1.0, np.sinh(x) / nonzero(x)),
        lambda x: np.cosh(x) / x,
    )
    # spence(z) = ∫_1^z log t / (1 - t) dt: spence' = log z / (1 - z), -1 at z = 1
    p["spence"] = unary(
        "special.spence",
        sc.spence,
        lambda y, z: where_p(z == 1, -1.0, np.log(z) / nonzero(1 - z)),
        family=FAMILY,
        reads=(0,),
    )
    # Faddeeva w(z) = e^{-z²} erfc(-iz): w' = -2z w + 2i/sqrt(pi) (entire); real z gives a
    # complex w whose cotangent's real part reaches z
    p["wofz"] = primitive(
        "special.wofz",
        sc.wofz,
        jvp=lambda t, y, z: t * (-2 * z * y + 2j / math.sqrt(math.pi)),
        vjp=lambda g, y, z: _real_if_real(g * (-2 * z * y + 2j / math.sqrt(math.pi)), z),
        reads=((-1, 0),),
        family=FAMILY,
        batch=batch_elementwise,
    )
    # Owen's T(h, a) = 1/(2π) ∫_0^a e^{-h²(1+x²)/2}/(1+x²) dx:
    # ∂T/∂h = -φ(h) erf(a h / sqrt 2) / 2, ∂T/∂a = e^{-h²(1+a²)/2} / (2π (1+a²))
    p["owens_t"] = nary(
        "special.owens_t",
        sc.owens_t,
        [
            lambda y, h, a: -INV_SQRT_2PI * np.exp(-h * h / 2) * sc.erf(SQRT_HALF * a * h) / 2,
            lambda y, h, a: INV_2PI * np.exp(-h * h * (1 + a * a) / 2) / (1 + a * a),
        ],
        reads=((0, 1), (0, 1)),
    )
    # Hurwitz zeta ζ(x, q) = Σ (k + q)^{-x}: ∂/∂q = -x ζ(x + 1, q); none in x
    zeta_x = no_partial("scipy.special.zeta", "x", "no closed form in the exponent")
    p["zeta"] = nary(
        "special.zeta",
        sc._ufuncs._zeta,
        [zeta_x, lambda y, x, q: -x * sc.zeta(x + 1, q)],
        reads=((), (0, 1)),
    )
    p["riemann_zeta"] = nary(
        "special.riemann_zeta", sc._ufuncs._riemann_zeta, [zeta_x], reads=((),)
    )
    # poch(z, m) = Γ(z+m)/Γ(z): ∂z = y (ψ(z+m) - ψ(z)), ∂m = y ψ(z+m); for z < 1/2 by the
    # reflection 1/Γ(z) = sin(πz) Γ(1-z)/π, finite at the poles z = 0, -1, ... of Γ(z)
    p["poch"] = nary(
        "special.poch",
        sc.poch,
        [
            lambda y, z, m: _poch_d_z(sc, y, z, m),
            lambda y, z, m: _poch_d_m(sc, y, z, m),
        ],
        reads=((-1, 0, 1), (-1, 0, 1)),
    )
    # binom(n, k) = Γ(n+1)/(Γ(k+1)Γ(n-k+1)) on real arguments
    p["binom"] = nary(
        "special.binom",
        sc.binom,
        [
            lambda y, n, k: y * (sc.digamma(n + 1) - sc.digamma(n - k + 1)),
            lambda y, n, k: y * (sc.digamma(n - k + 1) - sc.digamma(k + 1)),
        ],
        reads=((-1, 0, 1), (-1, 0, 1)),
    )
    # ₁F₁(a; b; z): ∂z = (a/b) ₁F₁(a+1; b+1; z)
    p["hyp1f1"] = nary(
        "special.hyp1f1",
        sc.hyp1f1,
        [
            no_partial("scipy.special.hyp1f1", "a", "no closed form in the parameters"),
            no_partial("scipy.special.hyp1f1", "b", "no closed form in the parameters"),
            lambda y, a, b, z: a / b * sc.hyp1f1(a + 1, b + 1, z),
        ],
        reads=((), (), (0, 1, 2)),
    )
    # Box-Cox y = (x^λ - 1)/λ (log x at λ = 0): ∂x = x^(λ-1), ∂λ = (log(x) x^λ - y)/λ
    p["boxcox"] = nary(
        "special.boxcox",
        sc.boxcox,
        [
            lambda y, x, lmbda: np.exp((lmbda - 1) * np.log(x)),
            lambda y, x, lmbda: _boxcox_d_lambda(y, np.log(x), lmbda),
        ],
        reads=((0, 1), (-1, 0, 1)),
    )
    p["boxcox1p"] = nary(
        "special.boxcox1p",
        sc.boxcox1p,
        [
            lambda y, x, lmbda: np.exp((lmbda - 1) * np.log1p(x)),
            lambda y, x, lmbda: _boxcox_d_lambda(y, np.log1p(x), lmbda),
        ],
        reads=((0, 1), (-1, 0, 1)),
    )
    # inverse Box-Cox x = (1 + λy)^(1/λ): ∂y = x^(1-λ), ∂λ = x (log(x)/λ - y x^(-λ)/λ)
    p["inv_boxcox"] = nary(
        "special.inv_boxcox",
        sc.inv_boxcox,
        [
            lambda x, y, lmbda: np.exp((1 - lmbda) * np.log(x)),
            lambda x, y, lmbda: _inv_boxcox_d_lambda(x, y, lmbda),
        ],
        reads=((-1, 1), (-1, 0, 1)),
    )
    return p


# poch's reflected form is used on -POCH_REFLECT_BELOW < z < 1/2: there 1/Γ(z) has zeros
# (z = 0, -1, ...), where y (ψ(z+m) - ψ(z)) is 0·∞, and cancels to second order near them
POCH_REFLECT_BELOW = 100.0


def _poch_reflected(sc: Any, z: Any, m: Any) -> tuple[Any, Any, Any, Any]:
    """Where the reflected form applies, and on a safe copy of ``z`` there,
    ``Γ(z+m) Γ(1-z)/π``, ``sin(πz)`` and ``cos(πz)`` (exact 0 and ±1 at integers)."""
    reflect = (z < 0.5) & (z > -POCH_REFLECT_BELOW)
    z = where_p(reflect, z, 0.0)
    k = np.round(z)
    sign = 1.0 - 2.0 * (k - 2.0 * np.floor(k / 2.0))  # (-1)^k
    turn = math.pi * (z - k)
    ratio = sc.gamma(z + m) * sc.gamma(1.0 - z) / math.pi
    return reflect, ratio, sign * np.sin(turn), sign * np.cos(turn)


def _poch_d_z(sc: Any, y: Any, z: Any, m: Any) -> Any:
    """∂poch/∂z: ``y (ψ(z+m) - ψ(z))``, reflected: ``R (sin(πz)(ψ(z+m) - ψ(1-z)) + π cos(πz))``
    with ``R = Γ(z+m) Γ(1-z)/π``."""
    reflect, ratio, sin_pz, cos_pz = _poch_reflected(sc, z, m)
    z_r = where_p(reflect, z, 0.0)
    reflected = ratio * (sin_pz * (sc.digamma(z_r + m) - sc.digamma(1.0 - z_r)) + math.pi * cos_pz)
    z_d = where_p(reflect, 1.0, z)
    direct = y * (sc.digamma(z_d + m) - sc.digamma(z_d))
    return where_p(reflect, reflected, direct)


def _poch_d_m(sc: Any, y: Any, z: Any, m: Any) -> Any:
    """∂poch/∂m: ``y ψ(z+m)``, reflected: ``R sin(πz) ψ(z+m)`` (0 at z = 0, -1, ...)."""
    reflect, ratio, sin_pz, _ = _poch_reflected(sc, z, m)
    z_r = where_p(reflect, z, 0.0)
    return where_p(reflect, ratio * sin_pz * sc.digamma(z_r + m), y * sc.digamma(z + m))


SMALL_LAMBDA = 1e-3


def _boxcox_d_lambda(y: Any, log_x: Any, lmbda: Any) -> Any:
    """∂/∂λ of ``(e^{λL} - 1)/λ``: ``(L e^{λL} - y)/λ``, by its series near ``λ = 0``
    (``Σ_{k≥2} (k-1) λ^{k-2} L^k / k!``, four terms), where the closed form cancels."""
    small = np.abs(lmbda) < SMALL_LAMBDA
    safe = where_p(small, 1.0, lmbda)
    exact = (log_x * np.exp(safe * log_x) - y) / safe
    series = (
        log_x**2 / 2 + lmbda * log_x**3 / 3 + lmbda**2 * log_x**4 / 8 + lmbda**3 * log_x**5 / 30
    )
    return where_p(small, series, exact)


def _inv_boxcox_d_lambda(x: Any, y: Any, lmbda: Any) -> Any:
    """∂/∂λ of ``(1 + λy)^(1/λ)``: ``x (log(1+λy)/(-λ²) + y/(λ(1+λy)))``; ``-x y²/2`` at 0
    (series ``x (-y²/2 + 2λy³/3 - 3λ²y⁴/4)``)."""
    small = np.abs(lmbda) < SMALL_LAMBDA
    safe = where_p(small, 1.0, lmbda)
    u = 1 + safe * y
    exact = x * (y / (safe * u) - np.log(u) / (safe * safe))
    series = x * (-(y**2) / 2 + 2 * lmbda * y**3 / 3 - 3 * lmbda**2 * y**4 / 4)
    return where_p(small, series, exact)


def _real_if_real(bar: Any, x: Any) -> Any:
    return bar if is_complex(x) else real_part(bar)


__all__ = ["declare"]
