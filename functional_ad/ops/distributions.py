"""Distribution functions computed numerically by scipy.stats (von Mises cdf and ppf, skew
normal ppf, quantiles of discrete distributions), with derivatives from their densities.

The derivative of a cdf in its argument is the density, and of a quantile function
``x = F^{-1}(q)`` it is ``1 / f(x)``; in a shape parameter ``θ`` the implicit function
theorem gives ``-∂F/∂θ / f(x)`` where ``∂F/∂θ`` has a closed form (skew normal) or is a
quadrature (von Mises, to second order in ``kappa``: ops/shape_quadrature.py). Discrete
quantiles are integers: no derivative.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import shape_quadrature
from .batching import batch_elementwise
from .registry import no_derivative
from .special_rules import nary

LOG_2PI = math.log(2.0 * math.pi)
INV_2PI = 1.0 / (2.0 * math.pi)


def declare(stats: Any, sc: Any) -> dict[str, Any]:
    """Declare the primitives with ``stats = scipy.stats``, ``sc = scipy.special``."""

    def vonmises_pdf(z: Any, kappa: Any) -> Any:
        return np.exp(kappa * (np.cos(z) - 1) - LOG_2PI - np.log(sc.i0e(kappa)))

    def skewnorm_pdf(z: Any, a: Any) -> Any:
        return 2 * np.exp(-z * z / 2 - 0.5 * LOG_2PI) * sc.ndtr(a * z)

    def owens_t_da(h: Any, a: Any) -> Any:
        return INV_2PI * np.exp(-h * h * (1 + a * a) / 2) / (1 + a * a)

    p = shape_quadrature.declare_vonmises(sc)  # ∂F/∂κ and ∂²F/∂κ², by quadrature
    p["vonmises_cdf"] = nary(
        "stats.vonmises_cdf",
        _elementwise(stats.vonmises.cdf),
        [lambda y, z, k: vonmises_pdf(z, k), lambda y, z, k: p["vonmises_cdf_dk"](z, k)],
        reads=((0, 1), (0, 1)),
    )
    p["vonmises_ppf"] = nary(
        "stats.vonmises_ppf",
        _elementwise(stats.vonmises.ppf),
        [
            lambda y, q, k: 1 / vonmises_pdf(y, k),
            lambda y, q, k: -p["vonmises_cdf_dk"](y, k) / vonmises_pdf(y, k),
        ],
        reads=((-1, 1), (-1, 1)),
    )
    # F(x; a) = Φ(x) - 2 T(x, a): ∂F/∂a = -2 ∂T/∂a, so ∂x/∂a = 2 ∂T/∂a(x, a) / f(x); SciPy
    # computes F without the cancellation of that difference in the left tail
    p["skewnorm_cdf"] = nary(
        "stats.skewnorm_cdf",
        _elementwise(stats.skewnorm.cdf),
        [lambda y, z, a: skewnorm_pdf(z, a), lambda y, z, a: -2 * owens_t_da(z, a)],
        reads=((0, 1), (0, 1)),
    )
    p["skewnorm_sf"] = nary(
        "stats.skewnorm_sf",
        _elementwise(stats.skewnorm.sf),
        [lambda y, z, a: -skewnorm_pdf(z, a), lambda y, z, a: 2 * owens_t_da(z, a)],
        reads=((0, 1), (0, 1)),
    )
    p["skewnorm_ppf"] = nary(
        "stats.skewnorm_ppf",
        _elementwise(stats.skewnorm.ppf),
        [
            lambda y, q, a: 1 / skewnorm_pdf(y, a),
            lambda y, q, a: 2 * owens_t_da(y, a) / skewnorm_pdf(y, a),
        ],
        reads=((-1, 1), (-1, 1)),
    )
    for name in ("poisson", "binom", "nbinom"):
        p[f"{name}_ppf"] = no_derivative(
            f"stats.{name}_ppf",
            _elementwise(getattr(stats, name).ppf),
            family="special",
            batch=batch_elementwise,
            elementwise=True,
        )
    return p


def _elementwise(method: Any) -> Any:
    """A scipy.stats method as an implementation: arrays in, one array of the inputs' float
    dtype out."""

    def impl(*args: Any) -> Any:
        out = np.asarray(method(*args))
        # (as arrays: a Python float with float16 would make float16 under NumPy 2's rules)
        dtype = np.result_type(*[np.asarray(a) for a in args])
        return out.astype(dtype) if dtype.kind == "f" and out.dtype != dtype else out

    return impl


__all__ = ["declare"]
