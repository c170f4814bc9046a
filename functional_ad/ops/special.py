"""scipy.special: special functions with their derivatives (registered only if SciPy imports).

The ``scipy.special`` ufuncs reach these primitives through ``__array_ufunc__`` like NumPy's
(``numpy/scipy_special.py`` routes them). SciPy's Python-level functions (``polygamma``,
``logsumexp``...) are written with these primitives in ``functional_ad.special``. Every rule
is written with NumPy's primitives, so the derivatives nest to any order.
"""

from __future__ import annotations

import math
import sys
from typing import Any

import numpy as np

from . import series
from .batching import batch_elementwise
from .elementwise import binary, nonzero, unary
from .registry import primitive
from .shape import where_p

FAMILY = "special"

sc: Any = None  # scipy.special once ``register`` has imported it
PRIMITIVES_BY_NAME: dict[str, Any] = {}

TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
SQRT_PI_OVER_TWO = math.sqrt(math.pi) / 2.0
INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
SQRT_2PI = math.sqrt(2.0 * math.pi)
LOG_PI = math.log(math.pi)


def _keep_dtype(impl: Any) -> Any:
    """Wrap ``impl(x, ...)`` so a float32 ``x`` gives float32 (SciPy computes some in double)."""

    def wrapped(x: Any, **params: Any) -> Any:
        y = impl(x, **params)
        dtype = np.result_type(x)
        if dtype.kind == "f" and np.result_type(y) != dtype:
            y = np.asarray(y).astype(dtype)[()]
        return y

    return wrapped


def _declare() -> dict[str, Any]:
    """Declare the primitives and routes for scipy.special; returns them by name."""
    p: dict[str, Any] = {}

    # polygamma(n, x) = d^n digamma / dx^n, so d polygamma(n, x) / dx = polygamma(n + 1, x)
    p["polygamma"] = primitive(
        "special.polygamma",
        _keep_dtype(lambda x, n: sc.polygamma(n, x)),
        jvp=lambda t, y, x, n: t * p["polygamma"](x, n=n + 1),
        vjp=lambda g, y, x, n: g * p["polygamma"](x, n=n + 1),
        family=FAMILY,
        batch=batch_elementwise,
        reads=((0,),),
        elementwise=True,
    )
    trigamma = lambda x: p["polygamma"](x, n=1)

    # log-gamma and digamma family (x > 0 for the rows; gammaln is log|Γ| elsewhere)
    p["gammaln"] = unary(
        "special.gammaln", sc.gammaln, lambda y, x: sc.digamma(x), family=FAMILY, reads=(0,)
    )
    p["digamma"] = unary(
        "special.digamma", sc.digamma, lambda y, x: trigamma(x), family=FAMILY, reads=(0,)
    )
    p["gamma"] = unary(
        "special.gamma", sc.gamma, lambda y, x: y * sc.digamma(x), family=FAMILY, reads=(-1, 0)
    )
    p["loggamma"] = unary(
        "special.loggamma", sc.loggamma, lambda y, x: sc.digamma(x), family=FAMILY, reads=(0,)
    )
    p["rgamma"] = unary(
        "special.rgamma", sc.rgamma, lambda y, x: -y * sc.digamma(x), family=FAMILY, reads=(-1, 0)
    )
    # B(a, b) = Γ(a)Γ(b)/Γ(a+b): ∂/∂a log B = ψ(a) - ψ(a+b)
    p["betaln"] = binary(
        "special.betaln",
        sc.betaln,
        lambda y, a, b: sc.digamma(a) - sc.digamma(a + b),
        lambda y, a, b: sc.digamma(b) - sc.digamma(a + b),
        family=FAMILY,
        reads=((0, 1), (0, 1)),
    )
    p["beta"] = binary(
        "special.beta",
        sc.beta,
        lambda y, a, b: y * (sc.digamma(a) - sc.digamma(a + b)),
        lambda y, a, b: y * (sc.digamma(b) - sc.digamma(a + b)),
        family=FAMILY,
        reads=((-1, 0, 1), (-1, 0, 1)),
    )

    # error functions: erf' = 2/sqrt(pi) exp(-x²) (entire, so also on complex numbers)
    p["erf"] = unary(
        "special.erf",
        sc.erf,
        lambda y, x: TWO_OVER_SQRT_PI * np.exp(-x * x),
        family=FAMILY,
        reads=(0,),
        jet=series.erf_rule,
    )
    p["erfc"] = unary(
        "special.erfc",
        sc.erfc,
        lambda y, x: -TWO_OVER_SQRT_PI * np.exp(-x * x),
        family=FAMILY,
        reads=(0,),
        jet=series.erfc_rule,
    )
    # erfcx(x) = exp(x²) erfc(x): erfcx' = 2x erfcx(x) - 2/sqrt(pi)
    p["erfcx"] = unary(
        "special.erfcx",
        sc.erfcx,
        lambda y, x: 2 * x * y - TWO_OVER_SQRT_PI,
        family=FAMILY,
        reads=(-1, 0),
    )
    # inverse functions: 1 / f'(y)
    p["erfinv"] = unary(
        "special.erfinv",
        sc.erfinv,
        lambda y, x: SQRT_PI_OVER_TWO * np.exp(y * y),
        family=FAMILY,
        reads=(-1,),
    )  # |x| < 1
    p["erfcinv"] = unary(
        "special.erfcinv",
        sc.erfcinv,
        lambda y, x: -SQRT_PI_OVER_TWO * np.exp(y * y),
        family=FAMILY,
        reads=(-1,),
    )  # 0 < x < 2
    # normal distribution: ndtr' = exp(-x²/2)/sqrt(2 pi); log_ndtr' = ndtr'/ndtr, in logs
    p["ndtr"] = unary(
        "special.ndtr",
        sc.ndtr,
        lambda y, x: INV_SQRT_2PI * np.exp(-0.5 * x * x),
        family=FAMILY,
        reads=(0,),
        jet=series.ndtr_rule,
    )
    p["log_ndtr"] = unary(
        "special.log_ndtr",
        sc.log_ndtr,
        lambda y, x: INV_SQRT_2PI * np.exp(-0.5 * x * x - y),
        family=FAMILY,
        reads=(-1, 0),
    )
    p["ndtri"] = unary(
        "special.ndtri",
        sc.ndtri,
        lambda y, x: SQRT_2PI * np.exp(0.5 * y * y),
        family=FAMILY,
        reads=(-1,),
    )  # 0 < x < 1

    # logistic: expit' = y (1 - y); logit' = 1 / (x (1 - x)) for 0 < x < 1
    p["expit"] = unary(
        "special.expit",
        sc.expit,
        lambda y, x: y * (1 - y),
        family=FAMILY,
        reads=(-1,),
        jet=series.logistic_rule,
    )
    p["logit"] = unary(
        "special.logit", sc.logit, lambda y, x: 1 / (x * (1 - x)), family=FAMILY, reads=(0,)
    )

    # x log(y) and x log1p(y), defined as 0 where x = 0: the y-partial is 0 there too, and
    # its x-derivative is the exact 1/y (1/(1 + y)) (_x_over)
    p["xlogy"] = binary(
        "special.xlogy",
        sc.xlogy,
        lambda y, x, z: np.log(z),
        lambda y, x, z: _x_over(x, z),
        family=FAMILY,
        reads=((1,), (0, 1)),
    )
    p["xlog1py"] = binary(
        "special.xlog1py",
        sc.xlog1py,
        lambda y, x, z: np.log1p(z),
        lambda y, x, z: _x_over(x, 1 + z),
        family=FAMILY,
        reads=((1,), (0, 1)),
    )
    # entr(x) = -x log x: entr' = -(log x + 1) for x > 0
    p["entr"] = unary(
        "special.entr", sc.entr, lambda y, x: -(np.log(x) + 1), family=FAMILY, reads=(0,)
    )
    # rel_entr(x, z) = x log(x/z): partials log(x/z) + 1 and -x/z (x, z > 0); at x = 0 the
    # x-partial is its one-sided limit -inf and the z-partial 0 (rel_entr(0, z) = 0)
    p["rel_entr"] = binary(
        "special.rel_entr",
        sc.rel_entr,
        lambda y, x, z: _log_ratio(x, z) + 1,
        lambda y, x, z: -_x_over(x, z),
        family=FAMILY,
        reads=((0, 1), (0, 1)),
    )
    # kl_div(x, z) = x log(x/z) - x + z: partials log(x/z) and 1 - x/z (kl_div(0, z) = z)
    p["kl_div"] = binary(
        "special.kl_div",
        sc.kl_div,
        lambda y, x, z: _log_ratio(x, z),
        lambda y, x, z: 1 - _x_over(x, z),
        family=FAMILY,
        reads=((0, 1), (0, 1)),
    )

    # Bessel functions: i0' = i1, i1' = i0 - i1/x (1/2 at 0); j0' = -j1, j1' = j0 - j1/x;
    # y0' = -y1, y1' = y0 - y1/x (x > 0)
    p["i0"] = unary("special.i0", sc.i0, lambda y, x: sc.i1(x), family=FAMILY, reads=(0,))
    p["i1"] = unary(
        "special.i1",
        sc.i1,
        lambda y, x: _bessel_order1_d(sc.i0(x), y, x),
        family=FAMILY,
        reads=(-1, 0),
    )
    p["i0e"] = unary(
        "special.i0e", sc.i0e, lambda y, x: sc.i1e(x) - np.sign(x) * y, family=FAMILY, reads=(-1, 0)
    )
    p["i1e"] = unary(
        "special.i1e",
        sc.i1e,
        lambda y, x: _bessel_order1_d(sc.i0e(x), y, x) - np.sign(x) * y,
        family=FAMILY,
        reads=(-1, 0),
    )
    p["j0"] = unary("special.j0", sc.j0, lambda y, x: -sc.j1(x), family=FAMILY, reads=(0,))
    p["j1"] = unary(
        "special.j1",
        sc.j1,
        lambda y, x: _bessel_order1_d(sc.j0(x), y, x),
        family=FAMILY,
        reads=(-1, 0),
    )
    p["y0"] = unary("special.y0", sc.y0, lambda y, x: -sc.y1(x), family=FAMILY, reads=(0,))
    p["y1"] = unary(
        "special.y1", sc.y1, lambda y, x: sc.y0(x) - y / x, family=FAMILY, reads=(-1, 0)
    )

    # numpy.i0 is a Python function (not a ufunc) with the same derivative as scipy's i0
    p["numpy.i0"] = primitive(
        "i0",
        np.i0,
        jvp=lambda t, y, x: t * sc.i1(x),
        vjp=lambda g, y, x: g * sc.i1(x),
        family=FAMILY,
        batch=batch_elementwise,
        reads=((0,),),
        elementwise=True,
    )
    return p


def _x_over(x: Any, z: Any) -> Any:
    """``x / z``, 0 where ``x = z = 0``, written ``x * (1/z)`` so that its x-derivative at
    ``x = 0`` is the exact ``1/z`` (the mixed second derivative of ``x log z``)."""
    both = (x == 0) & (z == 0)
    return x * where_p(both, 0, 1 / where_p(both, 1, z))


def _log_ratio(x: Any, z: Any) -> Any:
    """``log(x/z)``; where ``x = 0`` it is ``log x - log z`` (-inf), whose z-derivative is the
    exact ``-1/z`` (``log(x/z)`` would give ``inf * 0 = nan`` there). The other branch of
    each ``where`` sees harmless values, so no NaN leaks into the derivatives."""
    at_zero = x == 0
    return where_p(
        at_zero,
        np.log(x) - np.log(where_p(at_zero, z, 1)),
        np.log(where_p(at_zero, 1, x) / z),
    )


def _bessel_order1_d(order0: Any, y: Any, x: Any) -> Any:
    """``order0 - y/x``, the derivative of an order-1 Bessel function, 1/2 at ``x = 0``."""
    return where_p(x == 0, 0.5, order0 - y / nonzero(x))


def register() -> bool:
    """Import scipy.special and register its functions (once); False if SciPy is missing.

    Run at import if SciPy is already imported, else by the dispatcher on the first ufunc it
    does not know: a scipy.special ufunc can only reach it once the user has imported SciPy,
    so functional_ad itself never pays SciPy's import time.
    """
    global sc
    if PRIMITIVES_BY_NAME:
        return True
    try:
        import scipy.special as module
    except ImportError:  # SciPy is optional: without it nothing here is registered
        return False
    sc = module
    PRIMITIVES_BY_NAME.update(_declare())
    from . import bessel, incomplete, special_misc  # the rest of scipy.special's ufuncs

    for family in (bessel, incomplete, special_misc):
        PRIMITIVES_BY_NAME.update(family.declare(module))
    # SciPy's polygamma, multigammaln, logsumexp, softmax and log_softmax are plain Python
    # that converts its arguments, so no traced value reaches us through them: the versions
    # above are public in functional_ad.special instead
    return True


if "scipy.special" in sys.modules:  # otherwise registered on the first scipy ufunc seen
    register()

__all__ = ["PRIMITIVES_BY_NAME", "register"]
