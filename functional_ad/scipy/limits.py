"""The derivative orders ``functional_ad.scipy`` reaches in the arguments where it stops:
beyond them a tangent raises NotImplementedError naming the function and the argument.

>>> LIMITS["scipy.special.gammainc"]
(('a', 2),)
>>> describe("scipy.special.iv")
"no derivative in argument 'v' (it raises)"
"""

from __future__ import annotations

_CDF_METHODS = ("cdf", "logcdf", "sf", "logsf", "ppf", "isf")
_SHAPES = {"gamma": "a", "beta": "a, b", "t": "df", "chi2": "df", "vonmises": "kappa"}

LIMITS: dict[str, tuple[tuple[str, int], ...]] = {
    # shape derivatives by quadrature (ops/incomplete.py, ops/shape_quadrature.py)
    **{
        f"scipy.special.{name}": (("a", 2),)
        for name in ("gammainc", "gammaincc", "gammaincinv", "gammainccinv")
    },
    **{f"scipy.special.{name}": (("v", 2),) for name in ("chdtr", "chdtrc")},
    **{
        f"scipy.special.{name}": (("a", 2), ("b", 2))
        for name in ("betainc", "betaincc", "betaincinv")
    },
    **{f"scipy.special.{name}": (("df", 2),) for name in ("stdtr", "stdtrit")},
    **{
        f"functional_ad.scipy.stats.{dist}.{method}": tuple(
            (shape, 2) for shape in shapes.split(", ")
        )
        for dist, shapes in _SHAPES.items()
        for method in _CDF_METHODS
    },
    **{
        f"functional_ad.scipy.stats.nbinom.{method}": (("n", 2),)
        for method in ("cdf", "logcdf", "sf", "logsf")
    },
    # no derivative at all: no closed form SciPy computes
    **{f"scipy.special.{name}": (("v", 0),) for name in ("iv", "ive", "jv", "yv", "kv", "kve")},
    "scipy.special.hyp1f1": (("a", 0), ("b", 0)),
    "scipy.special.zeta": (("x", 0),),
}


def describe(name: str) -> str:
    """The limits of the function called ``name`` in words ("" when it has none).

    >>> describe("scipy.special.betainc")
    "in argument 'a', 'b': to order 2 (a higher one raises)"
    """
    limits = LIMITS.get(name, ())
    parts = []
    for order in sorted({order for _, order in limits}):
        arguments = ", ".join(repr(a) for a, o in limits if o == order)
        if order == 0:
            parts.append(f"no derivative in argument {arguments} (it raises)")
        else:
            parts.append(f"in argument {arguments}: to order {order} (a higher one raises)")
    return "; ".join(parts)


__all__ = ["LIMITS", "describe"]
