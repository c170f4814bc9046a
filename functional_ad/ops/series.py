"""Taylor rules: truncated power series arithmetic for the ``jet`` rules of the primitives.

A series is the list ``[x0, x1, ..., xK]`` of normalized Taylor coefficients of a path
``x(t) = x0 + x1 t + x2 t**2 + ...`` (so ``xk`` is the k-th derivative over ``k!``); a
coefficient ``None`` is zero and costs nothing. A rule receives, per argument, ``None`` (a
constant) or ``[x1, ..., xK]``, and returns ``[y1, ..., yK]``. Elementwise rules follow the
differential equation of their function: ``y' = u x'`` gives
``k yk = sum_{j=1..k} j xj u_{k-j}`` once the series of ``u`` is known to order ``k - 1``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..core import Primitive, Tracer
from ..core.zeros import Zero

Series = list  # [x0, x1, ..., xK]: coefficients, None for zero

# Python floats, not NumPy scalars: a np.float64 factor would turn float32 series to float64
LN2 = math.log(2.0)
LN10 = math.log(10.0)


def plus(*terms: Any) -> Any:
    """The sum of the terms that are not ``None`` (``None`` if all are)."""
    total = None
    for term in terms:
        if term is not None:
            total = term if total is None else total + term
    return total


def times(a: Any, b: Any) -> Any:
    """``a * b``, ``None`` if either is zero (``None``)."""
    return None if a is None or b is None else a * b


def scale(c: float, a: Any) -> Any:
    """``c * a``, ``None`` if ``a`` is."""
    return None if a is None else (a if c == 1 else c * a)


def full(x: Any, series: Sequence[Any] | None, order: int) -> Series:
    """The series ``[x, x1, ..., xK]`` of an argument (all zero for a constant)."""
    return [x, *series] if series is not None else [x] + [None] * order


def cauchy(a: Series, b: Series, k: int, start: int = 0) -> Any:
    """The coefficient ``k`` of the product ``a b``, from the terms ``a_j b_{k-j}``,
    ``j >= start``."""
    total = None
    for j in range(start, k + 1):
        aj, bk = a[j], b[k - j]
        if aj is not None and bk is not None:
            total = aj * bk if total is None else total + aj * bk
    return total


def square_coefficient(a: Series, k: int) -> Any:
    """The coefficient ``k`` of ``a**2``, with each cross term computed once."""
    total = None
    for j in range((k + 1) // 2):
        aj, ak = a[j], a[k - j]
        if aj is not None and ak is not None:
            total = aj * ak if total is None else total + aj * ak
    if total is not None:
        total = 2.0 * total
    middle = a[k // 2] if k % 2 == 0 else None
    if middle is not None:
        total = middle * middle if total is None else total + middle * middle
    return total


def ode_step(x: Series, u: Series, k: int) -> Any:
    """``yk`` for ``y' = u x'``: ``(1/k) sum_{j=1..k} j xj u_{k-j}`` (u known to ``k - 1``)."""
    total = None
    for j in range(1, k + 1):
        xj, uk = x[j], u[k - j]
        if xj is not None and uk is not None:
            term = xj * uk if j == 1 else (j * xj) * uk
            total = term if total is None else total + term
    return total if total is None or k == 1 else total * (1.0 / k)


def solve_ode(x: Series, y0: Any, u_of: Callable[[Series, int], Any], order: int) -> list:
    """``[y1, ..., yK]`` for ``y' = u x'`` where ``u_of(y, m)`` gives ``u_m`` from ``y`` known
    to order ``m`` (the derivative as a function of the output: tanh, exp, logistic)."""
    y: Series = [y0]
    u: Series = []
    for k in range(1, order + 1):
        u.append(u_of(y, k - 1))
        y.append(ode_step(x, u, k))
    return y[1:]


def unary_rule(
    coefficients: Callable[[Series, Any, int], list],
) -> Callable[..., list | None]:
    """The jet rule of a one-argument primitive from ``coefficients(x, y0, K)``, which gets
    the input's full series and the output and returns ``[y1, ..., yK]``."""

    def rule(prim: Primitive, series: list, y: Any, x: Any) -> list | None:
        (s,) = series
        return coefficients([x, *s], y, len(s))

    return rule


def _no_complex(coefficients: Callable[[Series, Any, int], list]) -> Callable[..., list | None]:
    """A rule for real arguments; complex ones go to the generic rule (``None``)."""

    def rule(prim: Primitive, series: list, y: Any, x: Any) -> list | None:
        (s,) = series
        if np.dtype(getattr(x, "dtype", np.result_type(x))).kind == "c":
            return None
        return coefficients([x, *s], y, len(s))

    return rule


# ------------------------------------------------------------------ elementwise functions


def exp_series(x: Series, y0: Any, order: int) -> list:
    """exp: ``y' = y x'``."""
    return solve_ode(x, y0, lambda y, m: y[m], order)


def expm1_series(x: Series, y0: Any, order: int) -> list:
    """expm1: ``y' = (y + 1) x'``."""
    return solve_ode(x, y0, lambda y, m: y[0] + 1 if m == 0 else y[m], order)


def tanh_series(x: Series, y0: Any, order: int) -> list:
    """tanh: ``y' = (1 - y**2) x'``."""

    def u(y: Series, m: int) -> Any:
        return 1 - y[0] * y[0] if m == 0 else scale(-1.0, square_coefficient(y, m))

    return solve_ode(x, y0, u, order)


def tan_series(x: Series, y0: Any, order: int) -> list:
    """tan: ``y' = (1 + y**2) x'``."""

    def u(y: Series, m: int) -> Any:
        return 1 + y[0] * y[0] if m == 0 else square_coefficient(y, m)

    return solve_ode(x, y0, u, order)


def logistic_series(x: Series, y0: Any, order: int) -> list:
    """logistic (expit): ``y' = y (1 - y) x'``."""

    def u(y: Series, m: int) -> Any:
        if m == 0:
            return y[0] * (1 - y[0])
        return plus(y[m], scale(-1.0, square_coefficient(y, m)))

    return solve_ode(x, y0, u, order)


def _sin_cos(x: Series, s0: Any, c0: Any, order: int, sign: float) -> tuple[list, list]:
    """sin and cos (``sign = -1``: ``s' = c x'``, ``c' = -s x'``), or sinh and cosh
    (``sign = 1``), together."""
    s, c = [s0], [c0]
    for k in range(1, order + 1):
        s.append(ode_step(x, c, k))
        c.append(scale(sign, ode_step(x, s, k)))
    return s[1:], c[1:]


def sin_series(x: Series, y0: Any, order: int) -> list:
    """sin: ``y' = cos(x) x'``."""
    return _sin_cos(x, y0, np.cos(x[0]), order, -1.0)[0]


def cos_series(x: Series, y0: Any, order: int) -> list:
    """cos: ``y' = -sin(x) x'``."""
    return _sin_cos(x, np.sin(x[0]), y0, order, -1.0)[1]


def sinh_series(x: Series, y0: Any, order: int) -> list:
    """sinh: ``y' = cosh(x) x'``."""
    return _sin_cos(x, y0, np.cosh(x[0]), order, 1.0)[0]


def cosh_series(x: Series, y0: Any, order: int) -> list:
    """cosh: ``y' = sinh(x) x'``."""
    return _sin_cos(x, np.sinh(x[0]), y0, order, 1.0)[1]


def divide_series(a: Series, b: Series, y0: Any, order: int) -> list:
    """``y = a / b``: ``b y = a`` gives ``yk = (ak - sum_{j=1..k} bj y_{k-j}) / b0``."""
    y: Series = [y0]
    for k in range(1, order + 1):
        rest = cauchy(b, y, k, start=1)
        top = plus(a[k], scale(-1.0, rest))
        y.append(None if top is None else top / b[0])
    return y[1:]


def reciprocal_series(x: Series, y0: Any, order: int) -> list:
    """``y = 1 / x``."""
    return divide_series([1.0] + [None] * order, x, y0, order)


def log_series(x: Series, y0: Any, order: int) -> list:
    """log: ``x y' = x'`` gives ``yk = (xk - (1/k) sum_{j=1..k-1} j yj x_{k-j}) / x0``."""
    return _log_of(x, x[0], y0, order)


def log1p_series(x: Series, y0: Any, order: int) -> list:
    """log1p: as log of ``1 + x``."""
    return _log_of(x, 1 + x[0], y0, order)


def _log_of(x: Series, base: Any, y0: Any, order: int) -> list:
    y: Series = [y0]
    for k in range(1, order + 1):
        rest = plus(*(scale(j / k, times(y[j], x[k - j])) for j in range(1, k)))
        top = plus(x[k], scale(-1.0, rest))
        y.append(None if top is None else top / base)
    return y[1:]


def sqrt_series(x: Series, y0: Any, order: int) -> list:
    """sqrt: ``y**2 = x`` gives ``yk = (xk - sum_{j=1..k-1} yj y_{k-j}) / (2 y0)``."""
    y: Series = [y0]
    for k in range(1, order + 1):
        rest = plus(*(times(y[j], y[k - j]) for j in range(1, k)))
        top = plus(x[k], scale(-1.0, rest))
        y.append(None if top is None else top / (2 * y0))
    return y[1:]


def square_series(x: Series, y0: Any, order: int) -> list:
    """square: the Cauchy product of ``x`` with itself."""
    return [square_coefficient(x, k) for k in range(1, order + 1)]


def erf_series(x: Series, y0: Any, order: int) -> list:
    """erf: ``y' = (2/sqrt(pi)) exp(-x**2) x'``."""
    return _gaussian_ode(x, 2.0 / math.sqrt(math.pi), -1.0, order)


def arctan_series(x: Series, y0: Any, order: int) -> list:
    """arctan: ``y' = x' / (1 + x**2)``."""
    q = [1 + x[0] * x[0]] + [square_coefficient(x, m) for m in range(1, order)]
    u = [1 / q[0], *divide_series([1.0] + [None] * order, q, 1 / q[0], order - 1)]
    return [ode_step(x, u, k) for k in range(1, order + 1)]


def exp2_series(x: Series, y0: Any, order: int) -> list:
    """exp2: ``y' = ln(2) y x'``."""
    return solve_ode(x, y0, lambda y, m: scale(LN2, y[m]), order)


def log2_series(x: Series, y0: Any, order: int) -> list:
    """log2: the series of log over ln(2)."""
    return [scale(1 / LN2, c) for c in _log_of(x, x[0], y0 * LN2, order)]


def log10_series(x: Series, y0: Any, order: int) -> list:
    """log10: the series of log over ln(10)."""
    return [scale(1 / LN10, c) for c in _log_of(x, x[0], y0 * LN10, order)]


def arcsinh_series(x: Series, y0: Any, order: int) -> list:
    """arcsinh: ``y' = x' / sqrt(1 + x**2)`` (``1 + x**2 > 0``)."""
    q = [1 + x[0] * x[0]] + [square_coefficient(x, m) for m in range(1, order)]
    u = power_series(q, 1 / np.sqrt(q[0]), -0.5, order - 1)
    return [ode_step(x, u, k) for k in range(1, order + 1)]


def arctanh_series(x: Series, y0: Any, order: int) -> list:
    """arctanh: ``y' = x' / (1 - x**2)``."""
    q = [1 - x[0] * x[0]] + [scale(-1.0, square_coefficient(x, m)) for m in range(1, order)]
    u = [1 / q[0], *divide_series([1.0] + [None] * order, q, 1 / q[0], order - 1)]
    return [ode_step(x, u, k) for k in range(1, order + 1)]


def _gaussian_ode(x: Series, c: float, a: float, order: int) -> list:
    """``[y1, ..., yK]`` for ``y' = c exp(a x**2) x'`` (erf, erfc, ndtr)."""
    exponent = [None] + [scale(a, square_coefficient(x, m)) for m in range(1, order)]
    e0 = np.exp(a * (x[0] * x[0]))
    e = [e0, *solve_ode(exponent, e0, lambda y, m: y[m], order - 1)]
    u = [scale(c, coefficient) for coefficient in e]
    return [ode_step(x, u, k) for k in range(1, order + 1)]


def erfc_series(x: Series, y0: Any, order: int) -> list:
    """erfc: ``y' = -(2/sqrt(pi)) exp(-x**2) x'``."""
    return _gaussian_ode(x, -2.0 / math.sqrt(math.pi), -1.0, order)


def ndtr_series(x: Series, y0: Any, order: int) -> list:
    """ndtr (the normal CDF): ``y' = exp(-x**2/2) / sqrt(2 pi) x'``."""
    return _gaussian_ode(x, 1.0 / math.sqrt(2.0 * math.pi), -0.5, order)


def power_series(x: Series, y0: Any, p: float, order: int) -> Series:
    """``[y0, y1, ..., yK]`` of ``y = x**p`` from ``x y' = p y x'`` (``x0`` nonzero)."""
    ys: Series = [y0]
    for k in range(1, order + 1):
        total = None
        for j in range(1, k + 1):
            xj = x[j]
            if xj is not None and ys[k - j] is not None:
                term = ((p * j - (k - j)) * xj) * ys[k - j]
                total = term if total is None else total + term
        ys.append(None if total is None else total / (k * x[0]))
    return ys


exp_rule = unary_rule(exp_series)
exp2_rule = unary_rule(exp2_series)
log2_rule = unary_rule(log2_series)
log10_rule = unary_rule(log10_series)
arcsinh_rule = _no_complex(arcsinh_series)
arctanh_rule = _no_complex(arctanh_series)
erfc_rule = _no_complex(erfc_series)
ndtr_rule = _no_complex(ndtr_series)
expm1_rule = unary_rule(expm1_series)
tanh_rule = unary_rule(tanh_series)
tan_rule = unary_rule(tan_series)
logistic_rule = unary_rule(logistic_series)
sin_rule = unary_rule(sin_series)
cos_rule = unary_rule(cos_series)
sinh_rule = unary_rule(sinh_series)
cosh_rule = unary_rule(cosh_series)
reciprocal_rule = unary_rule(reciprocal_series)
log_rule = unary_rule(log_series)
log1p_rule = unary_rule(log1p_series)
sqrt_rule = unary_rule(sqrt_series)
square_rule = unary_rule(square_series)
erf_rule = _no_complex(erf_series)
arctan_rule = _no_complex(arctan_series)


def div_rule(prim: Primitive, series: list, y: Any, a: Any, b: Any) -> list:
    """``a / b`` (broadcasting)."""
    sa, sb = series
    order = len(sa if sa is not None else sb)
    if sb is None:  # linear in a
        return [None if c is None else c / b for c in sa]
    return divide_series(full(a, sa, order), full(b, sb, order), y, order)


def power_rule(prim: Primitive, series: list, y: Any, x: Any, p: Any) -> list | None:
    """``x ** p`` for a constant scalar ``p``: repeated Cauchy products for a non-negative
    integer (exact at ``x = 0``), else the recurrence of ``x y' = p y x'`` where every ``x``
    is a nonzero array; any other case (a series in ``p``, ``x`` traced by an outer
    transform, a zero in ``x``) goes to the generic rule."""
    sx, sp = series
    if sp is not None or sx is None or isinstance(p, Tracer) or np.ndim(p) != 0:
        return None
    order = len(sx)
    xs = full(x, sx, order)
    n = complex(p)
    if n.imag == 0 and n.real == int(n.real) and 0 <= n.real <= 64:
        return _integer_power(xs, int(n.real), order)
    if not isinstance(x, (np.ndarray, np.generic)) or not np.all(x != 0):
        return None
    return power_series(xs, y, p, order)[1:]


def _integer_power(xs: Series, n: int, order: int) -> list:
    result: Series | None = None
    base = xs
    while n:  # binary powering, truncated at the order
        if n & 1:
            result = base if result is None else _product(result, base, order)
        n >>= 1
        if n:
            base = _product(base, base, order)
    if result is None:  # x ** 0 = 1
        return [None] * order
    return result[1:]


def _product(a: Series, b: Series, order: int) -> Series:
    return [a[0] * b[0]] + [cauchy(a, b, k) for k in range(1, order + 1)]


# ------------------------------------------------------------------ structural rules


def tangent_map(prim: Primitive, tangents: list, y: Any, args: tuple, params: dict) -> Any:
    """The tangent of ``y = prim(*args)`` given the tangents of the arguments (``None`` for
    zero) by the primitive's jvp rules; ``None`` if it is zero."""
    if prim.jvp_joint is not None:
        if all(t is None for t in tangents):
            return None
        out = prim.jvp_joint(tangents, y, *args, **params)
        return None if isinstance(out, Zero) else out
    rules = prim.jvp
    if rules is None:
        raise prim.missing_rule("jvp")
    out = None
    for i, (rule, t) in enumerate(zip(rules, tangents, strict=True)):
        if t is None:
            continue
        if rule is None:
            raise prim.missing_rule("jvp", i)
        contribution = rule(t, y, *args, **params)
        if contribution is not None and not isinstance(contribution, Zero):
            out = contribution if out is None else out + contribution
    return out


def linear_rule(prim: Primitive, series: list, y: Any, *args: Any, **params: Any) -> list:
    """Primitives linear in their series arguments at the point (sum, reshape, indexing,
    add, and piecewise selections: abs of reals, where, maximum): every coefficient goes
    through the jvp rules."""
    order = len(next(s for s in series if s is not None))
    return [
        tangent_map(prim, [None if s is None else s[k] for s in series], y, args, params)
        for k in range(order)
    ]


def real_linear_rule(prim: Primitive, series: list, y: Any, *args: Any, **params: Any) -> Any:
    """``linear_rule`` for real arguments (abs, whose modulus is not linear for complex
    ones: those go to the generic rule)."""
    if any(
        np.dtype(getattr(a, "dtype", np.result_type(a))).kind == "c"
        for a, s in zip(args, series, strict=True)
        if s is not None
    ):
        return None
    return linear_rule(prim, series, y, *args, **params)


def multilinear_rule(prim: Primitive, series: list, y: Any, *args: Any, **params: Any) -> list:
    """Primitives linear in each argument (mul, matmul, einsum): Leibniz's rule,
    ``yk = sum over k1 + ... + kn = k of prim(a1_k1, ..., an_kn)``."""
    order = len(next(s for s in series if s is not None))
    fulls = [full(a, s, order) for a, s in zip(args, series, strict=True)]
    moving = [i for i, s in enumerate(series) if s is not None]
    out = []
    for k in range(1, order + 1):
        terms = []
        for split in _compositions(k, len(moving)):
            operands = list(args)
            for i, ki in zip(moving, split, strict=True):
                operands[i] = fulls[i][ki]
            if any(o is None for o in operands):
                continue
            terms.append(prim(*operands, **params))
        out.append(plus(*terms))
    return out


def _compositions(total: int, parts: int) -> list[tuple[int, ...]]:
    """Every tuple of ``parts`` non-negative ints adding up to ``total``."""
    if parts == 1:
        return [(total,)]
    return [
        (first, *rest)
        for first in range(total + 1)
        for rest in _compositions(total - first, parts - 1)
    ]
