"""Exact first, second and third derivatives from sympy checked against every transform.

Each row of ``CASES`` holds one expression twice: as a sympy expression and as the same
function written with ``np.*``. sympy differentiates the expression exactly; the derivatives
are lambdified and compared at hypothesis-drawn points with ``grad``, ``value_and_grad``,
``jvp``, ``vjp``, ``hessian``, ``hvp``, ``vhp``, jacobians and nested ``grad``.

Variables are passed either as separate scalars (Python floats or 0-d arrays) or packed
into one vector of shape ``(k,)``.
"""

import functools
import itertools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st

import functional_ad as fad

RTOL = 1e-7
ATOL = 1e-9  # scaled by the size of the expected tensor, see assert_matches

X, Y, Z = sympy.symbols("x y z", real=True)
SYMBOLS = (X, Y, Z)
HALF = sympy.Rational(1, 2)


@dataclass(frozen=True)
class OracleCase:
    """One expression: its sympy form, its NumPy form and a domain per variable."""

    name: str
    expr: sympy.Expr
    numeric: Callable[..., object]
    domains: tuple[tuple[float, float], ...]

    @property
    def arity(self) -> int:
        """Number of scalar variables the expression takes."""
        return len(self.domains)

    @property
    def symbols(self) -> tuple[sympy.Symbol, ...]:
        """The sympy symbols of the variables, in argument order."""
        return SYMBOLS[: self.arity]


WIDE = (-2.0, 2.0)
POSITIVE = (0.2, 3.0)

CASES = [
    # --- one variable: polynomials and rational functions
    OracleCase(
        "cubic", X**3 - 2 * X**2 + 3 * X - 1, lambda x: x**3 - 2 * x**2 + 3 * x - 1, (WIDE,)
    ),
    OracleCase("quintic", X**5 / 7 - X**4 + HALF * X, lambda x: x**5 / 7 - x**4 + 0.5 * x, (WIDE,)),
    OracleCase("lorentzian", 1 / (1 + X**2), lambda x: 1 / (1 + x**2), (WIDE,)),
    OracleCase(
        "rational_quadratics",
        (X**2 - 1) / (X**2 + X + 1),
        lambda x: (x**2 - 1) / (x**2 + x + 1),
        (WIDE,),
    ),
    OracleCase("sinc_like", sympy.sin(X) / X, lambda x: np.sin(x) / x, ((0.5, 4.0),)),
    # --- exp / log
    OracleCase("gaussian", sympy.exp(-(X**2)), lambda x: np.exp(-(x**2)), (WIDE,)),
    OracleCase("log", sympy.log(X), np.log, (POSITIVE,)),
    OracleCase("x_log_x", X * sympy.log(X), lambda x: x * np.log(x), (POSITIVE,)),
    OracleCase(
        "softplus", sympy.log(1 + sympy.exp(X)), lambda x: np.log(1 + np.exp(x)), ((-4.0, 4.0),)
    ),
    OracleCase("sigmoid", 1 / (1 + sympy.exp(-X)), lambda x: 1 / (1 + np.exp(-x)), ((-4.0, 4.0),)),
    OracleCase("log1p", sympy.log(1 + X), np.log1p, ((-0.5, 3.0),)),
    OracleCase("expm1", sympy.exp(X) - 1, np.expm1, (WIDE,)),
    OracleCase("x_pow_x", X**X, lambda x: np.power(x, x), (POSITIVE,)),
    # --- trig and hyperbolic
    OracleCase(
        "sin_cos2x",
        sympy.sin(X) * sympy.cos(2 * X),
        lambda x: np.sin(x) * np.cos(2 * x),
        ((-3.0, 3.0),),
    ),
    OracleCase("tan", sympy.tan(X), np.tan, ((-1.2, 1.2),)),
    OracleCase("cos_cubed", sympy.cos(X) ** 3, lambda x: np.cos(x) ** 3, ((-3.0, 3.0),)),
    OracleCase("tanh", sympy.tanh(X), np.tanh, ((-3.0, 3.0),)),
    OracleCase(
        "sinh_cosh_half",
        sympy.sinh(X) * sympy.cosh(X / 2),
        lambda x: np.sinh(x) * np.cosh(x / 2),
        (WIDE,),
    ),
    OracleCase("log_cosh", sympy.log(sympy.cosh(X)), lambda x: np.log(np.cosh(x)), ((-3.0, 3.0),)),
    # --- compositions
    OracleCase("exp_sin", sympy.exp(sympy.sin(X)), lambda x: np.exp(np.sin(x)), ((-3.0, 3.0),)),
    OracleCase("tanh_sin", sympy.tanh(sympy.sin(X)), lambda x: np.tanh(np.sin(x)), ((-3.0, 3.0),)),
    OracleCase("log1p_of_square", sympy.log(1 + X**2), lambda x: np.log1p(x**2), (WIDE,)),
    # --- roots, real powers and abs away from 0
    OracleCase("sqrt", sympy.sqrt(X), np.sqrt, ((0.1, 5.0),)),
    OracleCase("sqrt_one_plus_square", sympy.sqrt(1 + X**2), lambda x: np.sqrt(1 + x**2), (WIDE,)),
    OracleCase("pow_2_5", X ** sympy.Rational(5, 2), lambda x: x**2.5, ((0.1, 4.0),)),
    OracleCase("pow_minus_1_5", X ** sympy.Rational(-3, 2), lambda x: x**-1.5, (POSITIVE,)),
    OracleCase(
        "abs_pow_negative_side",
        sympy.Abs(X) ** sympy.Rational(3, 2),
        lambda x: np.abs(x) ** 1.5,
        ((-3.0, -0.3),),
    ),
    OracleCase(
        "abs_shifted_times_x", sympy.Abs(X - 2) * X, lambda x: np.abs(x - 2) * x, ((-3.0, 1.5),)
    ),
    # --- two variables
    OracleCase(
        "poly_xy",
        X**2 * Y + Y**3 - 3 * X * Y,
        lambda x, y: x**2 * y + y**3 - 3 * x * y,
        (WIDE, WIDE),
    ),
    OracleCase(
        "rational_xy",
        X * Y / (1 + X**2 + Y**2),
        lambda x, y: x * y / (1 + x**2 + y**2),
        (WIDE, WIDE),
    ),
    OracleCase("quotient", X / Y, lambda x, y: x / y, (WIDE, (0.5, 3.0))),
    OracleCase("exp_xy", sympy.exp(X * Y), lambda x, y: np.exp(x * y), ((-1.5, 1.5), (-1.5, 1.5))),
    OracleCase(
        "sin_sum_cos_diff",
        sympy.sin(X + Y) * sympy.cos(X - Y),
        lambda x, y: np.sin(x + y) * np.cos(x - y),
        (WIDE, WIDE),
    ),
    OracleCase(
        "log_radius", sympy.log(X**2 + Y**2), lambda x, y: np.log(x**2 + y**2), (POSITIVE, POSITIVE)
    ),
    OracleCase("x_pow_y", X**Y, lambda x, y: x**y, (POSITIVE, WIDE)),
    OracleCase(
        "radius_pow_1_5",
        (X**2 + Y**2) ** sympy.Rational(3, 2),
        lambda x, y: (x**2 + y**2) ** 1.5,
        (POSITIVE, POSITIVE),
    ),
    OracleCase(
        "damped_wave",
        sympy.exp(-X) * sympy.sin(Y),
        lambda x, y: np.exp(-x) * np.sin(y),
        (WIDE, (-3.0, 3.0)),
    ),
    OracleCase("tanh_xy", sympy.tanh(X * Y), lambda x, y: np.tanh(x * y), (WIDE, WIDE)),
    OracleCase(
        "log1p_xy", sympy.log(1 + X * Y), lambda x, y: np.log1p(x * y), ((0.1, 2.0), (0.1, 2.0))
    ),
    OracleCase(
        "expm1_x_times_y2", (sympy.exp(X) - 1) * Y**2, lambda x, y: np.expm1(x) * y**2, (WIDE, WIDE)
    ),
    OracleCase(
        "cosh_x_sinh_y",
        sympy.cosh(X) * sympy.sinh(Y),
        lambda x, y: np.cosh(x) * np.sinh(y),
        (WIDE, WIDE),
    ),
    OracleCase(
        "abs_difference_times_x",
        sympy.Abs(X - Y) * X,
        lambda x, y: np.abs(x - y) * x,
        ((1.5, 3.0), (-1.0, 1.0)),
    ),
    OracleCase(
        "sqrt_radius_plus_one",
        sympy.sqrt(X**2 + Y**2 + 1),
        lambda x, y: np.sqrt(x**2 + y**2 + 1),
        (WIDE, WIDE),
    ),
    OracleCase(
        "maximum_separated",
        sympy.Max(X, Y) * X,
        lambda x, y: np.maximum(x, y) * x,
        ((1.0, 2.0), (-1.0, 0.5)),
    ),
    OracleCase(
        "minimum_separated",
        sympy.Min(X, Y) * Y**2,
        lambda x, y: np.minimum(x, y) * y**2,
        ((1.0, 2.0), (-1.0, 0.5)),
    ),
    # --- three variables
    OracleCase("product_xyz", X * Y * Z, lambda x, y, z: x * y * z, (WIDE, WIDE, WIDE)),
    OracleCase(
        "quadratic_plus_xyz",
        X**2 + Y**2 + Z**2 + X * Y * Z,
        lambda x, y, z: x**2 + y**2 + z**2 + x * y * z,
        (WIDE, WIDE, WIDE),
    ),
    OracleCase(
        "exp_sin_log",
        sympy.exp(X) * sympy.sin(Y) * sympy.log(Z),
        lambda x, y, z: np.exp(x) * np.sin(y) * np.log(z),
        (WIDE, WIDE, POSITIVE),
    ),
    OracleCase(
        "rational_xyz",
        (X * Y + Y * Z) / (1 + X**2) + Z * X,
        lambda x, y, z: (x * y + y * z) / (1 + x**2) + z * x,
        (WIDE, WIDE, WIDE),
    ),
    OracleCase(
        "norm3",
        sympy.sqrt(X**2 + Y**2 + Z**2),
        lambda x, y, z: np.sqrt(x**2 + y**2 + z**2),
        ((0.5, 2.0), (0.5, 2.0), (0.5, 2.0)),
    ),
    OracleCase(
        "tanh_linear",
        sympy.tanh(X + 2 * Y - Z),
        lambda x, y, z: np.tanh(x + 2 * y - z),
        ((-1.0, 1.0),) * 3,
    ),
    OracleCase(
        "real_powers_xyz",
        X ** sympy.Rational(5, 2) * Y ** sympy.Rational(3, 2) * Z,
        lambda x, y, z: x**2.5 * y**1.5 * z,
        (POSITIVE, POSITIVE, WIDE),
    ),
    OracleCase(
        "sin_xy_cos_z",
        sympy.sin(X * Y) * sympy.cos(Z),
        lambda x, y, z: np.sin(x * y) * np.cos(z),
        (WIDE, WIDE, WIDE),
    ),
    OracleCase(
        "log_even_powers",
        sympy.log(1 + X**2 + Y**4 + Z**6),
        lambda x, y, z: np.log(1 + x**2 + y**4 + z**6),
        (WIDE, WIDE, (-1.5, 1.5)),
    ),
    OracleCase(
        "difference_over_bump",
        (X - Y) / (1 + Z**2),
        lambda x, y, z: (x - y) / (1 + z**2),
        (WIDE, WIDE, WIDE),
    ),
    OracleCase(
        "abs_negative_x_yz",
        sympy.Abs(X) * Y * Z,
        lambda x, y, z: np.abs(x) * y * z,
        ((-3.0, -0.5), WIDE, WIDE),
    ),
    OracleCase(
        "sqrt_exp_mix",
        sympy.sqrt(Z) * sympy.exp(X * Y - Z),
        lambda x, y, z: np.sqrt(z) * np.exp(x * y - z),
        ((-1.0, 1.0), (-1.0, 1.0), POSITIVE),
    ),
]

CASES_BY_NAME = {case.name: case for case in CASES}
MULTIVARIATE_CASES = [case for case in CASES if case.arity >= 2]


def without_distributions(expr: sympy.Expr) -> sympy.Expr:
    """Drop DiracDelta terms: they vanish inside our domains (abs, max away from ties)."""
    return expr.replace(lambda e: isinstance(e, sympy.DiracDelta), lambda e: sympy.S.Zero)


@dataclass(frozen=True)
class ExactDerivatives:
    """Lambdified exact value, gradient (k,), Hessian (k, k) and third derivatives (k, k, k)."""

    value: Callable[..., float]
    gradient: Callable[..., np.ndarray]
    hessian: Callable[..., np.ndarray]
    third: Callable[..., np.ndarray]


def lambdify_tensor(symbols, exprs: list, shape: tuple[int, ...]) -> Callable[..., np.ndarray]:
    """Lambdify a flat list of expressions into a function returning a float array of `shape`."""
    flat = sympy.lambdify(symbols, [without_distributions(e) for e in exprs], modules="numpy")

    def evaluate(*point: float) -> np.ndarray:
        return np.array(flat(*point), dtype=np.float64).reshape(shape)

    return evaluate


@functools.cache
def exact_derivatives(name: str) -> ExactDerivatives:
    """Differentiate case `name` symbolically up to third order (cached per case)."""
    case = CASES_BY_NAME[name]
    symbols, k = case.symbols, case.arity
    first = [sympy.diff(case.expr, s) for s in symbols]
    second = [sympy.diff(d, s) for d in first for s in symbols]
    third = [sympy.diff(d, s) for d in second for s in symbols]
    return ExactDerivatives(
        value=lambdify_tensor(symbols, [case.expr], ()),
        gradient=lambdify_tensor(symbols, first, (k,)),
        hessian=lambdify_tensor(symbols, second, (k, k)),
        third=lambdify_tensor(symbols, third, (k, k, k)),
    )


def assert_matches(actual, expected, what: str) -> None:
    """Compare with a relative tolerance plus an absolute one scaled by the largest entry."""
    expected = np.asarray(expected, dtype=np.float64)
    actual = np.asarray(actual, dtype=np.float64)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    scale = 1.0 + float(np.max(np.abs(expected), initial=0.0))
    np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=ATOL * scale, err_msg=what)


def stack_scalars(values) -> np.ndarray:
    """Turn a tuple of 0-d results into a (k,) array, checking each really is a scalar."""
    for value in values:
        assert np.shape(value) == (), f"expected a scalar per variable, got shape {np.shape(value)}"
    return np.array([np.asarray(v, dtype=np.float64) for v in values])


def points(case: OracleCase) -> st.SearchStrategy[tuple[float, ...]]:
    """Points drawn inside the domain of every variable of `case`."""
    return st.tuples(
        *[
            st.floats(lo, hi, allow_nan=False, allow_infinity=False, allow_subnormal=False)
            for lo, hi in case.domains
        ]
    )


def directions(arity: int) -> st.SearchStrategy[tuple[float, ...]]:
    """Tangent or cotangent components, one per variable."""
    component = st.floats(-2.0, 2.0, allow_nan=False, allow_infinity=False, allow_subnormal=False)
    return st.tuples(*[component] * arity)


def as_arguments(point: tuple[float, ...], as_zero_d_arrays: bool) -> tuple:
    """Pass the point as Python floats or as 0-d float64 arrays."""
    if as_zero_d_arrays:
        return tuple(np.asarray(p, dtype=np.float64) for p in point)
    return tuple(point)


def vector_form(case: OracleCase) -> Callable:
    """The case's function taking one vector x of shape (k,) instead of k scalars."""

    def f_of_vector(x):
        return case.numeric(*[x[i] for i in range(case.arity)])

    f_of_vector.__name__ = f"{case.name}_of_vector"
    return f_of_vector


def all_argnums(case: OracleCase) -> tuple[int, ...]:
    """argnums selecting every variable."""
    return tuple(range(case.arity))


parametrize_cases = pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
parametrize_multivariate = pytest.mark.parametrize("case", MULTIVARIATE_CASES, ids=lambda c: c.name)


def test_table_is_large_and_names_unique():
    assert len(CASES) >= 40
    assert len(CASES_BY_NAME) == len(CASES)


@parametrize_cases
@given(data=st.data())
def test_grad_over_all_arguments(case, data):
    point = data.draw(points(case))
    args = as_arguments(point, data.draw(st.booleans(), label="as_zero_d_arrays"))
    exact = exact_derivatives(case.name)

    gradients = fad.grad(case.numeric, argnums=all_argnums(case))(*args)
    assert isinstance(gradients, tuple) and len(gradients) == case.arity
    assert_matches(stack_scalars(gradients), exact.gradient(*point), "grad")

    value, gradients = fad.value_and_grad(case.numeric, argnums=all_argnums(case))(*args)
    assert_matches(value, exact.value(*point), "value_and_grad value")
    assert_matches(stack_scalars(gradients), exact.gradient(*point), "value_and_grad grad")


@parametrize_cases
@given(data=st.data())
def test_grad_one_argument_at_a_time(case, data):
    point = data.draw(points(case))
    args = as_arguments(point, data.draw(st.booleans(), label="as_zero_d_arrays"))
    expected = exact_derivatives(case.name).gradient(*point)
    for i in range(case.arity):
        partial = fad.grad(case.numeric, argnums=i)(*args)
        assert_matches(partial, expected[i], f"d/dx{i}")


@parametrize_cases
@given(data=st.data())
def test_jvp_is_directional_derivative(case, data):
    point = data.draw(points(case))
    tangent = data.draw(directions(case.arity), label="tangent")
    args = as_arguments(point, data.draw(st.booleans(), label="as_zero_d_arrays"))
    exact = exact_derivatives(case.name)

    value, value_dot = fad.jvp(case.numeric, args, as_arguments(tangent, True))
    assert_matches(value, exact.value(*point), "jvp primal output")
    assert_matches(value_dot, exact.gradient(*point) @ np.array(tangent), "jvp tangent")


@parametrize_cases
@given(data=st.data())
def test_vjp_scales_gradient(case, data):
    point = data.draw(points(case))
    (cotangent,) = data.draw(directions(1), label="cotangent")
    args = as_arguments(point, data.draw(st.booleans(), label="as_zero_d_arrays"))
    exact = exact_derivatives(case.name)

    value, pullback = fad.vjp(case.numeric, *args)
    assert_matches(value, exact.value(*point), "vjp primal output")
    cotangents_in = pullback(np.float64(cotangent))
    assert isinstance(cotangents_in, tuple) and len(cotangents_in) == case.arity
    assert_matches(stack_scalars(cotangents_in), cotangent * exact.gradient(*point), "vjp")


@parametrize_cases
@given(data=st.data())
def test_hessian_hvp_vhp(case, data):
    point = data.draw(points(case))
    direction = data.draw(directions(case.arity), label="direction")
    args = as_arguments(point, data.draw(st.booleans(), label="as_zero_d_arrays"))
    expected = exact_derivatives(case.name).hessian(*point)

    blocks = fad.hessian(case.numeric, argnums=all_argnums(case))(*args)
    assert len(blocks) == case.arity and all(len(row) == case.arity for row in blocks)
    assert_matches(np.array([stack_scalars(row) for row in blocks]), expected, "hessian")

    direction_args = as_arguments(direction, True)
    _, hessian_times_v = fad.hvp(case.numeric, args, direction_args)
    assert_matches(stack_scalars(hessian_times_v), expected @ np.array(direction), "hvp")
    _, v_times_hessian = fad.vhp(case.numeric, args, direction_args)
    assert_matches(stack_scalars(v_times_hessian), np.array(direction) @ expected, "vhp")


@parametrize_cases
@given(data=st.data())
def test_pure_third_derivative_by_nested_grad(case, data):
    point = data.draw(points(case))
    args = as_arguments(point, data.draw(st.booleans(), label="as_zero_d_arrays"))
    expected = exact_derivatives(case.name).third(*point)
    for i in range(case.arity):
        third = fad.grad(fad.grad(fad.grad(case.numeric, argnums=i), argnums=i), argnums=i)
        assert_matches(third(*args), expected[i, i, i], f"d3/dx{i}3")


@parametrize_multivariate
@given(data=st.data())
def test_mixed_third_derivatives_by_nested_grad(case, data):
    point = data.draw(points(case))
    args = as_arguments(point, data.draw(st.booleans(), label="as_zero_d_arrays"))
    expected = exact_derivatives(case.name).third(*point)
    for combination in itertools.combinations_with_replacement(range(case.arity), 3):
        if len(set(combination)) == 1:
            continue  # pure derivatives have their own test
        first, second, third = data.draw(st.permutations(combination), label="order")
        nested = fad.grad(
            fad.grad(fad.grad(case.numeric, argnums=first), argnums=second), argnums=third
        )
        assert_matches(nested(*args), expected[first, second, third], f"d3/{combination}")


@parametrize_cases
@given(data=st.data())
def test_vector_argument_grad_hessian_jvp_vjp(case, data):
    point = data.draw(points(case))
    direction = np.array(data.draw(directions(case.arity), label="direction"))
    (cotangent,) = data.draw(directions(1), label="cotangent")
    x = np.array(point, dtype=np.float64)
    f_of_vector = vector_form(case)
    exact = exact_derivatives(case.name)

    gradient = fad.grad(f_of_vector)(x)
    assert_matches(gradient, exact.gradient(*point), "grad of vector form")
    assert_matches(fad.hessian(f_of_vector)(x), exact.hessian(*point), "hessian of vector form")

    _, value_dot = fad.jvp(f_of_vector, (x,), (direction,))
    assert_matches(value_dot, exact.gradient(*point) @ direction, "jvp of vector form")

    _, pullback = fad.vjp(f_of_vector, x)
    (x_bar,) = pullback(np.float64(cotangent))
    assert_matches(x_bar, cotangent * exact.gradient(*point), "vjp of vector form")


@parametrize_cases
@given(data=st.data())
def test_vector_argument_third_derivative_tensor(case, data):
    point = data.draw(points(case))
    x = np.array(point, dtype=np.float64)
    f_of_vector = vector_form(case)
    expected = exact_derivatives(case.name).third(*point)

    assert_matches(fad.jacfwd(fad.hessian(f_of_vector))(x), expected, "jacfwd(hessian)")
    reverse_thrice = fad.jacrev(fad.jacrev(fad.grad(f_of_vector)))
    assert_matches(reverse_thrice(x), expected, "jacrev(jacrev(grad))")
