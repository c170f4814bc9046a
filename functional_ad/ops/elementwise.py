"""Elementwise primitives: NumPy's ufuncs with their derivatives (domains noted where partial).

Complex numbers follow the convention of the engine: tangents are pushed through the ordinary
(R-linear) derivative, and cotangents through its transpose without conjugation, so that the
vjp of a holomorphic ``f`` at ``1`` is ``f'(z)``. A function with a real output and a complex
input (``abs``, ``real``, ``imag``, ``angle``) first takes the real part of its cotangent: a
complex cotangent can reach a real value when a real intermediate meets a complex one.
"""

from __future__ import annotations

import cmath
import math
import operator
from collections.abc import Callable
from typing import Any

import numpy as np

from ..core import Primitive, Tracer, zero_derivative
from ..core.zeros import Zero
from . import series
from .batching import batch_elementwise
from .registry import (
    broadcast_like,
    negated,
    no_derivative,
    primitive,
    product,
    scaled_product,
    shape_of,
    unbroadcast,
)
from .shape import where_p

FAMILY = "elementwise"

# Python floats, not NumPy scalars: a np.float64 factor would turn float32 tangents to float64.
LN2 = math.log(2.0)
LN10 = math.log(10.0)
DEG_PER_RAD = 180.0 / math.pi
RAD_PER_DEG = math.pi / 180.0


def unary(
    name: str,
    ufunc: Any,
    d: Callable[[Any, Any], Any],
    *,
    reads: tuple[int, ...],
    family: str = FAMILY,
    jet: Callable[..., Any] | None = None,
) -> Primitive:
    """A one-argument ufunc whose derivative is ``d(y, x)`` (so ``y_dot = x_dot * d``);
    ``reads`` says which of ``y`` (-1) and ``x`` (0) ``d`` reads; ``jet`` is its Taylor
    rule (``functional_ad.ops.series``).

    Holomorphic on complex inputs when ``d`` is the complex derivative.

    >>> import numpy as np
    >>> from functional_ad.ops.registry import PRIMITIVES
    >>> p = unary("doc_exp", lambda x: np.exp(x), lambda y, x: y, reads=(-1,))
    >>> p.reads, PRIMITIVES.pop("doc_exp") is p
    (((-1,),), True)
    """
    prim = primitive(
        name,
        ufunc,
        jvp=lambda x_dot, y, x: x_dot * d(y, x),
        vjp=lambda y_bar, y, x: y_bar * d(y, x),
        reads=(reads,),
        family=family,
        batch=batch_elementwise,
        elementwise=True,
        jet=jet,
    )
    return prim


def linear(name: str, ufunc: np.ufunc, apply: Callable[[Any], Any]) -> Primitive:
    """A one-argument ufunc that is linear: its tangent and cotangent maps are ``apply``
    (which reads nothing but the tangent or cotangent)."""
    prim = primitive(
        name,
        ufunc,
        jvp=lambda x_dot, y, x: apply(x_dot),
        vjp=lambda y_bar, y, x: apply(y_bar),
        reads=((),),
        family=FAMILY,
        batch=batch_elementwise,
        elementwise=True,
        jet=series.linear_rule,
    )
    return prim


def binary(
    name: str,
    ufunc: Any,
    dx: Callable[[Any, Any, Any], Any] | None,
    dz: Callable[[Any, Any, Any], Any] | None,
    *,
    reads: tuple[tuple[int, ...], tuple[int, ...]],
    family: str = FAMILY,
    jet: Callable[..., Any] | None = None,
) -> Primitive:
    """A broadcasting two-argument ufunc with partials ``dx(y, x, z)`` and ``dz(y, x, z)``;
    ``reads`` says which of ``y`` (-1), ``x`` (0) and ``z`` (1) each partial reads (``()``
    for a ``None`` partial, whose argument has no derivative); ``jet`` is its Taylor rule."""

    def rules(d: Callable | None, which: int) -> tuple[Callable, Callable]:
        if d is None:  # (None here: the output does not depend smoothly on that argument)
            return zero_derivative, zero_derivative

        def jvp(t: Any, y: Any, x: Any, z: Any) -> Any:
            return broadcast_like(t * d(y, x, z), y)

        def vjp(g: Any, y: Any, x: Any, z: Any) -> Any:
            return unbroadcast(g * d(y, x, z), (x, z)[which])

        return jvp, vjp

    (jx, vx), (jz, vz) = rules(dx, 0), rules(dz, 1)
    prim = primitive(
        name,
        ufunc,
        jvp=(jx, jz),
        vjp=(vx, vz),
        reads=reads,
        family=family,
        batch=batch_elementwise,
        elementwise=True,
        jet=jet,
    )
    return prim


def constant_ufunc(name: str, ufunc: np.ufunc) -> Primitive:
    """A ufunc whose result is piecewise constant or boolean: no derivative."""
    prim = no_derivative(name, ufunc, family=FAMILY, batch=batch_elementwise, elementwise=True)
    return prim


def is_complex(x: Any) -> bool:
    """True if ``x`` (an array, tracer or scalar) holds complex numbers."""
    dtype = getattr(x, "dtype", None)
    return (np.dtype(dtype) if dtype is not None else np.result_type(x)).kind == "c"


def real_part(g: Any) -> Any:
    """The cotangent of a real value: the real part of ``g`` (``g`` itself when real)."""
    return real(g) if is_complex(g) else g


def nonzero(y: Any) -> Any:
    """``y`` with its zeros replaced by ones: a safe denominator where the numerator is 0 too."""
    return where_p(y == 0, 1, y)


def _softmax_weight(exp: Any, y: Any, x: Any, other: Any) -> Any:
    """``exp(x - y)``, the partial of ``y = logaddexp(x, other)`` in ``x``, also where
    ``x = y`` is infinite (``inf - inf``): 1 if ``x`` alone reaches ``y`` (the other term
    is negligible), ½ if both do (a tie, as for ``maximum``). Both branches stay finite."""
    at_y = x == y
    gap = where_p(at_y, 0, x - y)
    return where_p(at_y, 1 - 0.5 * as_dtype_of(other == y, y), exp(gap))


def as_dtype_of(mask: Any, like: Any) -> Any:
    """A boolean mask as 0/1 in the (inexact) dtype of ``like``."""
    return mask.astype(np.result_type(like, np.float16))


def _batch_axis_first(
    prim: Primitive, size: int, vals: list, batched: tuple, axis: Any, **params: Any
) -> Any:
    """Batching rule for primitives with an ``axis`` over one example: all get the batch."""
    vals = [
        v if b else np.broadcast_to(v, (size,) + np.shape(v))
        for v, b in zip(vals, batched, strict=True)
    ]
    ndim = np.ndim(vals[0]) - 1
    if axis is None:
        axis = tuple(range(1, ndim + 1))
    elif isinstance(axis, tuple):
        axis = tuple(a % max(ndim, 1) + 1 for a in axis)
    else:
        axis = axis % max(ndim, 1) + 1
    return prim(*vals, axis=axis, **params)


# ---------------------------------------------------------------- arithmetic

add = primitive(
    "add",
    np.add,
    jvp=(lambda t, y, x, z: broadcast_like(t, y), lambda t, y, x, z: broadcast_like(t, y)),
    vjp=(lambda g, y, x, z: unbroadcast(g, x), lambda g, y, x, z: unbroadcast(g, z)),
    reads=((), ()),
    family=FAMILY,
    batch=batch_elementwise,
    elementwise=True,
    scalar_impl=operator.add,
    jet=series.linear_rule,
)


def _sub_jvp(tangents: list, y: Any, x: Any, z: Any) -> Any:
    # one subtraction rather than a negation and a sum
    x_dot, z_dot = tangents
    if z_dot is None:
        return broadcast_like(x_dot, y)
    return broadcast_like(-z_dot if x_dot is None else x_dot - z_dot, y)


sub = primitive(
    "sub",
    np.subtract,
    jvp_joint=_sub_jvp,
    vjp=(lambda g, y, x, z: unbroadcast(g, x), lambda g, y, x, z: unbroadcast(negated(g), z)),
    reads=((), ()),
    family=FAMILY,
    batch=batch_elementwise,
    elementwise=True,
    scalar_impl=operator.sub,
    jet=series.linear_rule,
)


def _mul_jvp(tangents: list, y: Any, x: Any, z: Any) -> Any:
    # d(x z) = dx z + x dz
    x_dot, z_dot = tangents
    if z_dot is None:
        return broadcast_like(x_dot * z, y)
    if x_dot is None:
        return broadcast_like(x * z_dot, y)
    first = x_dot * z
    second = x * z_dot
    if (
        type(first) is np.ndarray
        and type(second) is np.ndarray
        and first.shape == shape_of(y) == second.shape
        and first.dtype == second.dtype
    ):
        # plain arrays made here (forward over reverse, as in hvp): sum into the first, so
        # that the sum is not a third array of y's size
        return np.add(first, second, out=first)
    return broadcast_like(first + second, y)


mul = primitive(
    "mul",
    np.multiply,
    jvp_joint=_mul_jvp,
    vjp=(
        lambda g, y, x, z: unbroadcast(product(g, z), x),
        lambda g, y, x, z: unbroadcast(product(x, g), z),
    ),
    reads=((1,), (0,)),
    family=FAMILY,
    batch=batch_elementwise,
    elementwise=True,
    scalar_impl=operator.mul,
    jet=series.multilinear_rule,
)


def _div_dz(t: Any, y: Any, x: Any, z: Any) -> Any:
    # -t y / z. A tangent traced where the values are not (under jacfwd, a batch of tangents)
    # meets one product: the factor -y / z of the values first
    if isinstance(t, Tracer) and not isinstance(y, Tracer) and not isinstance(z, Tracer):
        return broadcast_like(t * -(y / z), y)
    return broadcast_like(-t * y / z, y)


# d(x/z) = dx/z - y dz/z
div = primitive(
    "div",
    np.true_divide,
    jvp=(lambda t, y, x, z: broadcast_like(t / z, y), _div_dz),
    vjp=(
        lambda g, y, x, z: unbroadcast(g / z, x),
        lambda g, y, x, z: unbroadcast(-g * y / z, z),
    ),
    reads=((1,), (-1, 1)),
    family=FAMILY,
    batch=batch_elementwise,
    elementwise=True,
    scalar_impl=operator.truediv,
    jet=series.div_rule,
)
neg = linear("neg", np.negative, negated)
pos = linear("pos", np.positive, lambda t: t)


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
    # only 0 * 0**-1 needs the guard: elsewhere z x**(z-1) stays differentiable in z
    # (d/dz at z = 0 is x**-1, which the mixed second derivative needs)
    origin = np.logical_and(z == 0, x == 0)
    return where_p(origin, 0, z * x ** where_p(origin, 1, z - 1))


def _pow_dz(y: Any, x: Any, z: Any) -> Any:
    # d x**z / dz = log(x) x**z, taken as 0 where x = 0 (the limit from the right for z > 0)
    if isinstance(x, (int, float, complex)):  # a Python base: keep the factor weakly typed
        return y * _python_log(x)
    return where_p(x == 0, 0, y * np.log(nonzero(x)))


def _python_log(x: complex) -> complex:
    if x == 0:
        return 0.0
    if isinstance(x, complex):
        return cmath.log(x)
    return math.log(x) if x > 0 else math.nan


power = binary("pow", np.power, _pow_dx, _pow_dz, reads=((0, 1), (-1, 0)), jet=series.power_rule)


def _square_jvp(t: Any, y: Any, x: Any) -> Any:
    # 2 x t. Under a recording of x (hvp is reverse over forward) with a plain t (a slice of
    # the direction), x * t keeps t as it is for the reverse pass where (2 t) * x would keep
    # a new array 2 t
    if isinstance(x, Tracer) and type(t) is np.ndarray:
        return (x * t) * 2
    return scaled_product(2, t, x)


square = primitive(
    "square",
    np.square,
    jvp=_square_jvp,
    vjp=lambda g, y, x: scaled_product(2, g, x),
    reads=((0,),),
    family=FAMILY,
    batch=batch_elementwise,
    elementwise=True,
    jet=series.square_rule,
)
reciprocal = unary(
    "reciprocal", np.reciprocal, lambda y, x: -(y * y), reads=(-1,), jet=series.reciprocal_rule
)

# ---------------------------------------------------------------- exponentials and logarithms

exp = unary("exp", np.exp, lambda y, x: y, reads=(-1,), jet=series.exp_rule)
exp2 = unary("exp2", np.exp2, lambda y, x: y * LN2, reads=(-1,), jet=series.exp2_rule)
expm1 = unary("expm1", np.expm1, lambda y, x: y + 1, reads=(-1,), jet=series.expm1_rule)
log = primitive(
    "log",
    np.log,
    jvp=lambda t, y, x: t / x,
    vjp=lambda g, y, x: g / x,
    reads=((0,),),
    family=FAMILY,
    batch=batch_elementwise,
    elementwise=True,
    jet=series.log_rule,
)  # x > 0
log2 = primitive(
    "log2",
    np.log2,
    jvp=lambda t, y, x: t / (x * LN2),
    vjp=lambda g, y, x: g / (x * LN2),
    family=FAMILY,
    batch=batch_elementwise,
    reads=((0,),),
    elementwise=True,
    jet=series.log2_rule,
)
log10 = primitive(
    "log10",
    np.log10,
    jvp=lambda t, y, x: t / (x * LN10),
    vjp=lambda g, y, x: g / (x * LN10),
    family=FAMILY,
    batch=batch_elementwise,
    reads=((0,),),
    elementwise=True,
    jet=series.log10_rule,
)
log1p = primitive(
    "log1p",
    np.log1p,
    jvp=lambda t, y, x: t / (1 + x),
    vjp=lambda g, y, x: g / (1 + x),
    family=FAMILY,
    batch=batch_elementwise,
    reads=((0,),),
    elementwise=True,
    jet=series.log1p_rule,
)  # x > -1
# sqrt'(0) = inf, as the limit from the right
sqrt = primitive(
    "sqrt",
    np.sqrt,
    jvp=lambda t, y, x: t / (2 * y),
    vjp=lambda g, y, x: g / (2 * y),
    reads=((-1,),),
    family=FAMILY,
    batch=batch_elementwise,
    elementwise=True,
    jet=series.sqrt_rule,
)
# real only; cbrt'(0) = inf, and y ** -2 (not 1 / (y * y): inf * 0 in the product rule)
# gives cbrt''(0) = -inf, the limit from the right, as JAX
cbrt = unary("cbrt", np.cbrt, lambda y, x: y**-2 / 3, reads=(-1,))
# log(e^x + e^z): the partials are the softmax weights e^(x-y) and e^(z-y)
logaddexp = binary(
    "logaddexp",
    np.logaddexp,
    lambda y, x, z: _softmax_weight(np.exp, y, x, z),
    lambda y, x, z: _softmax_weight(np.exp, y, z, x),
    reads=((-1, 0, 1), (-1, 0, 1)),
)
logaddexp2 = binary(
    "logaddexp2",
    np.logaddexp2,
    lambda y, x, z: _softmax_weight(np.exp2, y, x, z),
    lambda y, x, z: _softmax_weight(np.exp2, y, z, x),
    reads=((-1, 0, 1), (-1, 0, 1)),
)

# ---------------------------------------------------------------- trigonometric and hyperbolic
# On complex inputs these are the principal branches and the rules their complex derivatives.

sin = unary("sin", np.sin, lambda y, x: np.cos(x), reads=(0,), jet=series.sin_rule)
cos = unary("cos", np.cos, lambda y, x: -np.sin(x), reads=(0,), jet=series.cos_rule)
tan = unary("tan", np.tan, lambda y, x: 1 + y * y, reads=(-1,), jet=series.tan_rule)
arcsin = unary("arcsin", np.arcsin, lambda y, x: 1 / np.sqrt(1 - x * x), reads=(0,))  # |x| < 1
arccos = unary("arccos", np.arccos, lambda y, x: -1 / np.sqrt(1 - x * x), reads=(0,))  # |x| < 1
arctan = unary(
    "arctan", np.arctan, lambda y, x: 1 / (1 + x * x), reads=(0,), jet=series.arctan_rule
)
sinh = unary("sinh", np.sinh, lambda y, x: np.cosh(x), reads=(0,), jet=series.sinh_rule)
cosh = unary("cosh", np.cosh, lambda y, x: np.sinh(x), reads=(0,), jet=series.cosh_rule)
# -(y² - 1) rather than 1 - y²: the same value, and NumPy reuses each temporary in place
tanh = unary("tanh", np.tanh, lambda y, x: -(y * y - 1), reads=(-1,), jet=series.tanh_rule)
arcsinh = unary(
    "arcsinh",
    np.arcsinh,
    lambda y, x: 1 / np.sqrt(x * x + 1),
    reads=(0,),
    jet=series.arcsinh_rule,
)
# 1/sqrt(x-1)/sqrt(x+1) rather than 1/sqrt(x²-1): equal for x > 1, and the principal
# branch's derivative for complex x (the two differ for Re x < 0)
arccosh = unary(
    "arccosh", np.arccosh, lambda y, x: 1 / (np.sqrt(x - 1) * np.sqrt(x + 1)), reads=(0,)
)
arctanh = unary(
    "arctanh", np.arctanh, lambda y, x: 1 / (1 - x * x), reads=(0,), jet=series.arctanh_rule
)  # |x| < 1
deg2rad = linear("deg2rad", np.deg2rad, lambda t: t * RAD_PER_DEG)
rad2deg = linear("rad2deg", np.rad2deg, lambda t: t * DEG_PER_RAD)
# arctan2(x, z) = angle of (z, x): partials z/(x²+z²) and -x/(x²+z²)
arctan2 = binary(
    "arctan2",
    np.arctan2,
    lambda y, x, z: z / (x * x + z * z),
    lambda y, x, z: -x / (x * x + z * z),
    reads=((0, 1), (0, 1)),
)
# hypot(x, z) = sqrt(x² + z²): partials x/y and z/y; at the origin, where they are undefined,
# 0 (a subgradient, as for np.linalg.norm at 0)
hypot = binary(
    "hypot",
    np.hypot,
    lambda y, x, z: x / nonzero(y),
    lambda y, x, z: z / nonzero(y),
    reads=((-1, 0), (-1, 1)),
)

# sinc'(x) = sum_k (-1)^k 2k pi^(2k) x^(2k-1) / (2k+1)!, k >= 1: the series used below
# |x| < 0.1 (where the closed form cancels), accurate to 1e-16 with these terms, and
# differentiable again term by term (sinc''(0) = -pi²/3)
_SINC_SERIES = [
    (-1) ** k * 2 * k * math.pi ** (2 * k) / math.factorial(2 * k + 1) for k in range(1, 9)
]


def _sinc_d(y: Any, x: Any) -> Any:
    # sinc(x) = sin(pi x)/(pi x): sinc' = (cos(pi x) - sinc(x))/x away from 0
    small = np.abs(x) < 0.1
    near = where_p(small, x, 0.0)  # each branch sees only the arguments it is accurate for
    far = where_p(small, 1.0, x)
    x2 = near * near
    series = _SINC_SERIES[-1]
    for c in reversed(_SINC_SERIES[:-1]):
        series = series * x2 + c
    closed = (np.cos(math.pi * far) - np.sinc(far)) / far
    return where_p(small, series * near, closed)


sinc = primitive(
    "sinc",
    np.sinc,
    jvp=lambda t, y, x: t * _sinc_d(y, x),
    vjp=lambda g, y, x: g * _sinc_d(y, x),
    family=FAMILY,
    batch=batch_elementwise,
    reads=((0,),),
    elementwise=True,
)

# ---------------------------------------------------------------- complex parts

conj = linear("conj", np.conjugate, np.conjugate)


def _real_vjp(g: Any, y: Any, x: Any) -> Any:
    g = real_part(g)
    return g.astype(x.dtype) if is_complex(x) else g


# real(z) = (z + conj z)/2: the cotangent passes unchanged, as a complex number
real = primitive(
    "real",
    np.real,
    jvp=lambda t, y, x: np.real(t),
    vjp=_real_vjp,
    family=FAMILY,
    batch=batch_elementwise,
    reads=((),),
    elementwise=True,
    jet=series.linear_rule,
)


def _imag_jvp(t: Any, y: Any, x: Any) -> Any:
    return np.imag(t) if is_complex(x) else None


def _imag_vjp(g: Any, y: Any, x: Any) -> Any:
    # imag(z) = (z - conj z)/2i: the transpose of t -> Im t maps g to -i g
    return real_part(g) * -1j if is_complex(x) else None


imag = primitive(
    "imag",
    np.imag,
    jvp=_imag_jvp,
    vjp=_imag_vjp,
    family=FAMILY,
    batch=batch_elementwise,
    reads=((),),
    elementwise=True,
    jet=series.linear_rule,
)

# The angle of a real number is 0 or pi: piecewise constant.
_real_angle = no_derivative(
    "angle_of_real", np.angle, family=FAMILY, batch=batch_elementwise, elementwise=True
)


# ---------------------------------------------------------------- piecewise


def _abs_jvp(t: Any, y: Any, x: Any) -> Any:
    # real x: sign(x) t, with abs'(0) = 0; complex x: d|x| = Re(conj(x) dx) / |x|, 0 at 0
    if is_complex(x):
        return real(np.conj(x) * t) / nonzero(y)
    return t * np.sign(x)


def _abs_vjp(g: Any, y: Any, x: Any) -> Any:
    # the transpose of dx -> Re(conj(x) dx)/|x| sends g to g conj(x)/|x|
    if is_complex(x):
        return real_part(g) * np.conj(x) / nonzero(y)
    return g * np.sign(x)


absolute = primitive(
    "abs",
    np.absolute,
    jvp=_abs_jvp,
    vjp=_abs_vjp,
    family=FAMILY,
    batch=batch_elementwise,
    reads=((-1, 0),),
    elementwise=True,
    jet=series.real_linear_rule,  # |x| is locally ±x for reals; not so for complex numbers
)
# real only; fabs'(0) = 0
fabs = unary("fabs", np.fabs, lambda y, x: np.sign(x), reads=(0,), jet=series.linear_rule)

_real_sign = no_derivative(
    "sign", np.sign, family=FAMILY, batch=batch_elementwise, elementwise=True
)


def _wins(a: Any, b: Any, larger: bool, nan_wins: bool) -> Any:
    """1 where ``a`` is chosen over ``b``, 1/2 where they tie: ties split the derivative.

    ``a`` is chosen where it is the ``larger`` (else the smaller) one. With ``nan_wins`` a
    NaN in ``a`` is chosen (maximum, minimum propagate NaN); otherwise the other argument is
    (fmax, fmin ignore NaN).
    """
    wins = (a > b) if larger else (a < b)
    if nan_wins:
        wins = np.logical_or(wins, np.isnan(a))
    else:
        wins = np.logical_or(wins, np.logical_and(np.isnan(b), np.logical_not(np.isnan(a))))
    return as_dtype_of(wins, a) + as_dtype_of(a == b, a) * 0.5


def _extremum(name: str, ufunc: np.ufunc, larger: bool, nan_wins: bool) -> Primitive:
    return binary(
        name,
        ufunc,
        lambda y, x, z: _wins(x, z, larger, nan_wins),
        lambda y, x, z: _wins(z, x, larger, nan_wins),
        reads=((0, 1), (0, 1)),
        jet=series.linear_rule,  # locally one of its arguments (ties: the jvp's average)
    )


maximum = _extremum("maximum", np.maximum, larger=True, nan_wins=True)
minimum = _extremum("minimum", np.minimum, larger=False, nan_wins=True)
fmax = _extremum("fmax", np.fmax, larger=True, nan_wins=False)
fmin = _extremum("fmin", np.fmin, larger=False, nan_wins=False)
# x mod z = x - floor(x/z) z: partials 1 and -floor(x/z), away from the jumps
remainder = binary(
    "remainder",
    np.remainder,
    lambda y, x, z: 1.0,
    lambda y, x, z: -np.floor_divide(x, z),
    reads=((), (0, 1)),
)
fmod = binary(
    "fmod", np.fmod, lambda y, x, z: 1.0, lambda y, x, z: -np.trunc(x / z), reads=((), (0, 1))
)
# copysign(x, z) = |x| sign(z): d/dx = sign(x) sign(result), 0 at x = 0 like abs
copysign = binary(
    "copysign", np.copysign, lambda y, x, z: np.sign(x) * np.sign(y), None, reads=((-1, 0), ())
)
# heaviside(x, h) is 0, h or 1: piecewise constant in x, and equal to h where x = 0
heaviside = binary(
    "heaviside", np.heaviside, None, lambda y, x, z: as_dtype_of(x == 0, y), reads=((), (-1, 0))
)
# ldexp(x, n) = x 2**n: linear in x; n is an integer
ldexp = primitive(
    "ldexp",
    np.ldexp,
    jvp=(lambda t, y, x, n: broadcast_like(np.ldexp(t, n), y), zero_derivative),
    vjp=(lambda g, y, x, n: unbroadcast(np.ldexp(g, n), x), zero_derivative),
    family=FAMILY,
    batch=batch_elementwise,
    reads=((1,), ()),
    elementwise=True,
)
# nextafter(x, z) moves x by one ulp: derivative 1 in x, 0 in z
nextafter = binary("nextafter", np.nextafter, lambda y, x, z: 1.0, None, reads=((), ()))


def _frexp_vjp(g: tuple, y: tuple, x: Any) -> Any:
    # mantissa = x 2**-exponent; the integer exponent has no derivative
    return None if isinstance(g[0], Zero) else np.ldexp(g[0], -y[1])


frexp = primitive(
    "frexp",
    np.frexp,
    jvp=lambda t, y, x: (np.ldexp(t, -y[1]), None),
    vjp=_frexp_vjp,
    multiple_results=True,
    family=FAMILY,
    batch=batch_elementwise,
    reads=((-1,),),
    elementwise=True,
)
# modf(x) = (x - trunc(x), trunc(x)): the fractional part moves with x, the integral part not
modf = primitive(
    "modf",
    np.modf,
    jvp=lambda t, y, x: (t, None),
    vjp=lambda g, y, x: None if isinstance(g[0], Zero) else g[0],
    multiple_results=True,
    family=FAMILY,
    batch=batch_elementwise,
    reads=((),),
    elementwise=True,
)


CONSTANT_UFUNCS = {
    name: constant_ufunc(name, ufunc)
    for name, ufunc in [
        ("floor", np.floor),
        ("ceil", np.ceil),
        ("trunc", np.trunc),
        ("rint", np.rint),
        ("floor_divide", np.floor_divide),
        ("less", np.less),
        ("less_equal", np.less_equal),
        ("greater", np.greater),
        ("greater_equal", np.greater_equal),
        ("equal", np.equal),
        ("not_equal", np.not_equal),
        ("logical_and", np.logical_and),
        ("logical_or", np.logical_or),
        ("logical_xor", np.logical_xor),
        ("logical_not", np.logical_not),
        ("isnan", np.isnan),
        ("isfinite", np.isfinite),
        ("isinf", np.isinf),
        ("signbit", np.signbit),
        ("bitwise_and", np.bitwise_and),
        ("bitwise_or", np.bitwise_or),
        ("bitwise_xor", np.bitwise_xor),
        ("invert", np.invert),
        ("spacing", np.spacing),  # (the distance to the next float: constant in each binade)
    ]
}
CONSTANT_UFUNCS["sign"] = _real_sign

_round = no_derivative(
    "round",
    lambda x, decimals: np.round(x, decimals),
    family=FAMILY,
    batch=batch_elementwise,
    elementwise=True,
)


# ---------------------------------------------------------------- dtype conversion


def _convert_impl(x: Any, dtype: Any) -> Any:
    return x.astype(dtype) if hasattr(x, "astype") else np.asarray(x, dtype)


def _is_inexact(dtype: Any) -> bool:
    return np.issubdtype(np.dtype(dtype), np.inexact)


def _convert_jvp(t: Any, y: Any, x: Any, dtype: Any) -> Any:
    # a cast to an integer or bool type is a constant; complex -> real keeps the real part
    if not _is_inexact(dtype):
        return None
    if np.dtype(dtype).kind != "c":
        t = real_part(t)
    return t.astype(dtype)


def _convert_vjp(g: Any, y: Any, x: Any, dtype: Any) -> Any:
    if not _is_inexact(dtype):
        return None
    if not is_complex(x):
        g = real_part(g)
    return g.astype(x.dtype)


convert = primitive(
    "convert",
    _convert_impl,
    jvp=_convert_jvp,
    vjp=_convert_vjp,
    reads=((),),
    family=FAMILY,
    batch=batch_elementwise,
    elementwise=True,
    jet=series.linear_rule,
)  # the rule reads only the dtype of x
copy = primitive(
    "copy",
    np.copy,
    jvp=lambda t, y, x: t,
    vjp=lambda g, y, x: g,
    reads=((),),
    family=FAMILY,
    batch=batch_elementwise,
    elementwise=True,
    jet=series.linear_rule,
)


# ---------------------------------------------------------------- ufunc methods

# A shift by the maximum keeps exp() from overflowing; the shift's derivative cancels exactly,
# so it is computed as a constant.


def _finite_max(a: Any, axis: tuple | None) -> Any:
    """The maximum of the real part over ``axis`` (kept as length-1 axes), 0 where not finite."""
    a = np.real(a)
    if a.size == 0:
        kept = tuple(1 if axis is None or i in axis else n for i, n in enumerate(a.shape))
        return np.zeros(kept, a.dtype)
    m = np.max(a, axis=axis, keepdims=True)
    return np.where(np.isfinite(m), m, 0).astype(m.dtype)


max_shift = no_derivative("max_shift", _finite_max, batch=_batch_axis_first, family=FAMILY)


def logsumexp(a: Any, axis: tuple | None, keepdims: bool = False, b: Any = None) -> Any:
    """``log(sum(b * exp(a), axis))`` computed stably (``b`` defaults to 1).

    ``axis`` is a normalised tuple or None. Rows that are all ``-inf`` give ``-inf``.
    """
    m = max_shift(a, axis=axis)
    e = np.exp(a - m)
    if b is not None:
        e = b * e
    s = np.sum(e, axis=axis, keepdims=True)
    out = np.log(s) + m
    if not keepdims:
        out = np.reshape(out, _reduced_shape(shape_of(out), axis))
    return out


def _reduced_shape(shape: tuple, axis: tuple | None) -> tuple:
    return () if axis is None else tuple(n for i, n in enumerate(shape) if i not in axis)


# maximum.accumulate (running maximum): y_i = x_k for the k <= i where the running maximum
# was attained. Equal values tie: within a run of equal y, the derivative of y_i is the mean
# of the tangents of every x_j == y_i with j <= i. That map and its transpose are linear in
# the tangent with coefficients constant in x (so the second derivative is 0); each is a
# primitive computed from concrete values, and each is the other's derivative.


def _running_ties(x: np.ndarray, y: np.ndarray) -> tuple[Any, Any, Any, Any]:
    """Where the running extremum ``y`` of ``x`` (along the last axis) comes from.

    Returns ``(hit, count, start, stop)``: where ``x`` attains ``y``; how many ties share
    ``y_i`` up to ``i``; the first and the last index of the run of equal ``y`` holding ``i``.
    """
    n = y.shape[-1]
    positions = np.broadcast_to(np.arange(n), y.shape)
    new_run = np.ones(y.shape, bool)
    new_run[..., 1:] = y[..., 1:] != y[..., :-1]
    run_end = np.ones(y.shape, bool)
    run_end[..., :-1] = new_run[..., 1:]
    start = np.maximum.accumulate(np.where(new_run, positions, 0), axis=-1)
    stop = np.flip(
        np.minimum.accumulate(np.flip(np.where(run_end, positions, n - 1), -1), axis=-1), -1
    )
    hit = x == y
    hits_so_far = np.cumsum(hit, axis=-1)
    hits_before_run = np.take_along_axis(_pad_last(hits_so_far, before=True), start, axis=-1)
    count = np.maximum(hits_so_far - hits_before_run, 1)
    return hit, count, start, stop


def _pad_last(a: np.ndarray, before: bool) -> np.ndarray:
    zero = np.zeros(a.shape[:-1] + (1,), a.dtype)
    return np.concatenate([zero, a] if before else [a, zero], axis=-1)


def _tie_share_impl(t: Any, x: Any, y: Any, axis: int) -> Any:
    # y_dot_i = sum of hit_j t_j over j <= i in the run of i, divided by count_i
    t, x, y = (np.moveaxis(np.asarray(v), axis, -1) for v in np.broadcast_arrays(t, x, y))
    hit, count, start, _ = _running_ties(x, y)
    total = np.cumsum(t * hit, axis=-1)
    before_run = np.take_along_axis(_pad_last(total, before=True), start, axis=-1)
    return np.moveaxis((total - before_run) / count.astype(total.dtype), -1, axis)


def _tie_gather_impl(g: Any, x: Any, y: Any, axis: int) -> Any:
    # the transpose: x_bar_j = hit_j times the sum of g_i / count_i over i >= j in j's run
    g, x, y = (np.moveaxis(np.asarray(v), axis, -1) for v in np.broadcast_arrays(g, x, y))
    hit, count, _, stop = _running_ties(x, y)
    total = np.flip(np.cumsum(np.flip(g / count.astype(g.dtype), -1), axis=-1), -1)
    after_run = np.take_along_axis(_pad_last(total, before=False), stop + 1, axis=-1)
    return np.moveaxis((total - after_run) * hit, -1, axis)


tie_share: Primitive = primitive(
    "tie_share",
    _tie_share_impl,
    jvp=(
        lambda t, y, t0, x, z, axis: tie_share(t, x, z, axis=axis),
        zero_derivative,
        zero_derivative,
    ),
    vjp=(
        lambda g, y, t0, x, z, axis: tie_gather(g, x, z, axis=axis),
        zero_derivative,
        zero_derivative,
    ),
    batch=_batch_axis_first,
    family=FAMILY,
    reads=((1, 2), (), ()),
    elementwise=True,
)
tie_gather: Primitive = primitive(
    "tie_gather",
    _tie_gather_impl,
    jvp=(
        lambda t, y, g0, x, z, axis: tie_gather(t, x, z, axis=axis),
        zero_derivative,
        zero_derivative,
    ),
    vjp=(
        lambda g, y, g0, x, z, axis: tie_share(g, x, z, axis=axis),
        zero_derivative,
        zero_derivative,
    ),
    batch=_batch_axis_first,
    family=FAMILY,
    reads=((1, 2), (), ()),
    elementwise=True,
)
cummax = primitive(
    "cummax",
    lambda x, axis: np.maximum.accumulate(x, axis=axis),
    jvp=lambda t, y, x, axis: tie_share(t, x, y, axis=axis),
    vjp=lambda g, y, x, axis: tie_gather(g, x, y, axis=axis),
    batch=_batch_axis_first,
    family=FAMILY,
    reads=((-1, 0),),
    elementwise=True,
)
cummin = primitive(
    "cummin",
    lambda x, axis: np.minimum.accumulate(x, axis=axis),
    jvp=lambda t, y, x, axis: tie_share(t, x, y, axis=axis),
    vjp=lambda g, y, x, axis: tie_gather(g, x, y, axis=axis),
    batch=_batch_axis_first,
    family=FAMILY,
    reads=((-1, 0),),
    elementwise=True,
)
