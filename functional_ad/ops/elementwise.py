"""Elementwise primitives: NumPy's ufuncs with their derivatives (domains noted where partial)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..core import Primitive
from .registry import NUMPY, broadcast_like, implements, no_derivative, primitive, unbroadcast

LN2 = np.log(2.0)
LN10 = np.log(10.0)


def unary(name: str, ufunc: np.ufunc, d: Callable[[Any, Any], Any]) -> Primitive:
    """A one-argument ufunc whose derivative is ``d(y, x)`` (so ``y_dot = x_dot * d``)."""
    prim = primitive(
        name,
        ufunc,
        jvp=lambda x_dot, y, x: x_dot * d(y, x),
        vjp=lambda y_bar, y, x: y_bar * d(y, x),
    )
    NUMPY[ufunc] = prim
    return prim


def linear(name: str, ufunc: np.ufunc, apply: Callable[[Any], Any]) -> Primitive:
    """A one-argument ufunc that is linear: its tangent and cotangent maps are ``apply``."""
    prim = primitive(
        name, ufunc, jvp=lambda x_dot, y, x: apply(x_dot), vjp=lambda y_bar, y, x: apply(y_bar)
    )
    NUMPY[ufunc] = prim
    return prim


def binary(
    name: str,
    ufunc: np.ufunc,
    dx: Callable[[Any, Any, Any], Any] | None,
    dz: Callable[[Any, Any, Any], Any] | None,
) -> Primitive:
    """A broadcasting two-argument ufunc with partials ``dx(y, x, z)`` and ``dz(y, x, z)``."""

    def rules(d: Callable | None, which: int) -> tuple[Callable | None, Callable | None]:
        if d is None:
            return None, None

        def jvp(t: Any, y: Any, x: Any, z: Any) -> Any:
            return broadcast_like(t * d(y, x, z), y)

        def vjp(g: Any, y: Any, x: Any, z: Any) -> Any:
            return unbroadcast(g * d(y, x, z), (x, z)[which])

        return jvp, vjp

    (jx, vx), (jz, vz) = rules(dx, 0), rules(dz, 1)
    prim = primitive(name, ufunc, jvp=(jx, jz), vjp=(vx, vz))
    NUMPY[ufunc] = prim
    return prim


def constant_ufunc(name: str, ufunc: np.ufunc) -> Primitive:
    """A ufunc whose result is piecewise constant or boolean: no derivative."""
    prim = no_derivative(name, ufunc)
    NUMPY[ufunc] = prim
    return prim


# ---------------------------------------------------------------- arithmetic

add = primitive(
    "add",
    np.add,
    jvp=(lambda t, y, x, z: broadcast_like(t, y), lambda t, y, x, z: broadcast_like(t, y)),
    vjp=(lambda g, y, x, z: unbroadcast(g, x), lambda g, y, x, z: unbroadcast(g, z)),
)
sub = primitive(
    "sub",
    np.subtract,
    jvp=(lambda t, y, x, z: broadcast_like(t, y), lambda t, y, x, z: broadcast_like(-t, y)),
    vjp=(lambda g, y, x, z: unbroadcast(g, x), lambda g, y, x, z: unbroadcast(-g, z)),
)
mul = primitive(
    "mul",
    np.multiply,
    jvp=(lambda t, y, x, z: broadcast_like(t * z, y), lambda t, y, x, z: broadcast_like(x * t, y)),
    vjp=(lambda g, y, x, z: unbroadcast(g * z, x), lambda g, y, x, z: unbroadcast(x * g, z)),
)
# d(x/z) = dx/z - y dz/z
div = primitive(
    "div",
    np.true_divide,
    jvp=(lambda t, y, x, z: broadcast_like(t / z, y), lambda t, y, x, z: broadcast_like(-t * y / z, y)),
    vjp=(lambda g, y, x, z: unbroadcast(g / z, x), lambda g, y, x, z: unbroadcast(-g * y / z, z)),
)
NUMPY.update({np.add: add, np.subtract: sub, np.multiply: mul, np.true_divide: div})
neg = linear("neg", np.negative, lambda t: -t)
pos = linear("pos", np.positive, lambda t: t)
conj = linear("conj", np.conjugate, np.conj)


def _pow_dx(y: Any, x: Any, z: Any) -> Any:
    # d x**z / dx = z x**(z-1); written to stay finite at x = 0 for z = 0 and z = 1
    if isinstance(z, (int, float)):
        if z == 0:
            return 0.0 * x
        if z == 1:
            return np.ones_like(x)
        if z == 2:
            return 2 * x
        return z * x ** (z - 1)
    return np.where(z == 0, 0.0, z * x ** np.where(z == 0, 1.0, z - 1))


def _pow_dz(y: Any, x: Any, z: Any) -> Any:
    # d x**z / dz = log(x) x**z, taken as 0 where x = 0 (the limit from the right for z > 0)
    safe_x = np.where(x == 0, 1.0, x)
    return np.where(x == 0, 0.0, y * np.log(safe_x))


power = binary("pow", np.power, _pow_dx, _pow_dz)


@implements(np.float_power)
def _float_power(x: Any, z: Any) -> Any:
    """x ** z computed in at least double precision, as NumPy's float_power."""
    dtype = np.result_type(x, z, np.float64)
    return power(convert(x, dtype=dtype), z)
square = unary("square", np.square, lambda y, x: 2 * x)
reciprocal = unary("reciprocal", np.reciprocal, lambda y, x: -(y * y))

# ---------------------------------------------------------------- exponentials and logarithms

exp = unary("exp", np.exp, lambda y, x: y)
exp2 = unary("exp2", np.exp2, lambda y, x: y * LN2)
expm1 = unary("expm1", np.expm1, lambda y, x: y + 1)
log = primitive("log", np.log, jvp=lambda t, y, x: t / x, vjp=lambda g, y, x: g / x)  # x > 0
log2 = primitive(
    "log2", np.log2, jvp=lambda t, y, x: t / (x * LN2), vjp=lambda g, y, x: g / (x * LN2)
)
log10 = primitive(
    "log10", np.log10, jvp=lambda t, y, x: t / (x * LN10), vjp=lambda g, y, x: g / (x * LN10)
)
log1p = primitive(
    "log1p", np.log1p, jvp=lambda t, y, x: t / (1 + x), vjp=lambda g, y, x: g / (1 + x)
)  # x > -1
NUMPY.update({np.log: log, np.log2: log2, np.log10: log10, np.log1p: log1p})
# sqrt'(0) = inf, as the limit from the right
sqrt = primitive(
    "sqrt", np.sqrt, jvp=lambda t, y, x: t / (2 * y), vjp=lambda g, y, x: g / (2 * y)
)
cbrt = unary("cbrt", np.cbrt, lambda y, x: 1 / (3 * y * y))
NUMPY[np.sqrt] = sqrt
# log(e^x + e^z): partials are the softmax weights
logaddexp = binary(
    "logaddexp", np.logaddexp, lambda y, x, z: np.exp(x - y), lambda y, x, z: np.exp(z - y)
)
logaddexp2 = binary(
    "logaddexp2", np.logaddexp2, lambda y, x, z: np.exp2(x - y), lambda y, x, z: np.exp2(z - y)
)

# ---------------------------------------------------------------- trigonometric and hyperbolic

sin = unary("sin", np.sin, lambda y, x: np.cos(x))
cos = unary("cos", np.cos, lambda y, x: -np.sin(x))
tan = unary("tan", np.tan, lambda y, x: 1 + y * y)
arcsin = unary("arcsin", np.arcsin, lambda y, x: 1 / np.sqrt(1 - x * x))  # |x| < 1
arccos = unary("arccos", np.arccos, lambda y, x: -1 / np.sqrt(1 - x * x))  # |x| < 1
arctan = unary("arctan", np.arctan, lambda y, x: 1 / (1 + x * x))
sinh = unary("sinh", np.sinh, lambda y, x: np.cosh(x))
cosh = unary("cosh", np.cosh, lambda y, x: np.sinh(x))
tanh = unary("tanh", np.tanh, lambda y, x: 1 - y * y)
arcsinh = unary("arcsinh", np.arcsinh, lambda y, x: 1 / np.sqrt(x * x + 1))
arccosh = unary("arccosh", np.arccosh, lambda y, x: 1 / np.sqrt(x * x - 1))  # x > 1
arctanh = unary("arctanh", np.arctanh, lambda y, x: 1 / (1 - x * x))  # |x| < 1
deg2rad = linear("deg2rad", np.deg2rad, lambda t: t * (np.pi / 180))
rad2deg = linear("rad2deg", np.rad2deg, lambda t: t * (180 / np.pi))
NUMPY.update({np.radians: deg2rad, np.degrees: rad2deg})
# arctan2(x, z) = angle of (z, x): partials z/(x²+z²) and -x/(x²+z²)
arctan2 = binary(
    "arctan2", np.arctan2, lambda y, x, z: z / (x * x + z * z), lambda y, x, z: -x / (x * x + z * z)
)
hypot = binary("hypot", np.hypot, lambda y, x, z: x / y, lambda y, x, z: z / y)

# ---------------------------------------------------------------- piecewise


def _abs_d(y: Any, x: Any) -> Any:
    # abs'(0) = 0; for complex x the derivative of |x| is conj(x)/|x| in the real sense
    return np.sign(x)


absolute = unary("abs", np.absolute, _abs_d)
NUMPY[np.fabs] = absolute


def _ties(a: Any, b: Any) -> Any:
    """1 where ``a`` wins, 1/2 where it ties, 0 where it loses: ties split evenly."""
    return np.where(a > b, 1.0, np.where(a == b, 0.5, 0.0))


maximum = binary("maximum", np.maximum, lambda y, x, z: _ties(x, z), lambda y, x, z: _ties(z, x))
minimum = binary("minimum", np.minimum, lambda y, x, z: _ties(z, x), lambda y, x, z: _ties(x, z))
fmax = binary("fmax", np.fmax, lambda y, x, z: _ties(x, z), lambda y, x, z: _ties(z, x))
fmin = binary("fmin", np.fmin, lambda y, x, z: _ties(z, x), lambda y, x, z: _ties(x, z))
# x mod z = x - floor(x/z) z
remainder = binary(
    "remainder", np.remainder, lambda y, x, z: 1.0, lambda y, x, z: -np.floor_divide(x, z)
)
NUMPY[np.mod] = remainder
fmod = binary("fmod", np.fmod, lambda y, x, z: 1.0, lambda y, x, z: -np.trunc(x / z))
# copysign(x, z) = |x| sign(z): d/dx = sign(x) sign(z) taken from the result
copysign = binary("copysign", np.copysign, lambda y, x, z: np.sign(x) * np.sign(y), None)

CONSTANT_UFUNCS = {
    name: constant_ufunc(name, ufunc)
    for name, ufunc in [
        ("sign", np.sign), ("floor", np.floor), ("ceil", np.ceil), ("trunc", np.trunc),
        ("rint", np.rint), ("floor_divide", np.floor_divide), ("heaviside", np.heaviside),
        ("less", np.less), ("less_equal", np.less_equal), ("greater", np.greater),
        ("greater_equal", np.greater_equal), ("equal", np.equal), ("not_equal", np.not_equal),
        ("logical_and", np.logical_and), ("logical_or", np.logical_or),
        ("logical_xor", np.logical_xor), ("logical_not", np.logical_not), ("isnan", np.isnan),
        ("isfinite", np.isfinite), ("isinf", np.isinf), ("signbit", np.signbit),
    ]
}
NUMPY[np.fix] = lambda x, out=None: CONSTANT_UFUNCS["trunc"](x)

# ---------------------------------------------------------------- dtype conversion


def _convert_impl(x: Any, dtype: Any) -> Any:
    return x.astype(dtype) if hasattr(x, "astype") else np.asarray(x, dtype)


def _is_inexact(dtype: Any) -> bool:
    return np.issubdtype(np.dtype(dtype), np.inexact)


# astype: a tangent follows the cast; a cast to an integer or bool type is a constant
convert = primitive(
    "convert",
    _convert_impl,
    jvp=lambda t, y, x, dtype: t.astype(dtype) if _is_inexact(dtype) else None,
    vjp=lambda g, y, x, dtype: g.astype(x.dtype) if _is_inexact(dtype) else None,
)
copy = primitive("copy", np.copy, jvp=lambda t, y, x: t, vjp=lambda g, y, x: g)
real = primitive(
    "real", np.real, jvp=lambda t, y, x: np.real(t), vjp=lambda g, y, x: g.astype(x.dtype)
)
NUMPY.update({np.real: real, np.copy: copy})
