"""Nested transforms: perturbation confusion, higher derivatives and mixed forward/reverse modes."""

import itertools
import math

import numpy as np
import pytest
from scipy.optimize import rosen, rosen_hess, rosen_hess_prod

import functional_ad as fad

# ---------------------------------------------------------------------------
# scalar derivative operators, one per way of differentiating
# ---------------------------------------------------------------------------


def derivative(mode, func):
    """Return x -> func'(x) for a scalar function, computed with the named transform."""
    if mode == "grad":
        return fad.grad(func)
    if mode == "value_and_grad":
        return lambda x: fad.value_and_grad(func)(x)[1]
    if mode == "jvp":
        return lambda x: fad.jvp(func, (x,), (1.0,))[1]
    if mode == "vjp":
        return lambda x: fad.vjp(func, x)[1](1.0)[0]
    if mode == "jacfwd":
        return fad.jacfwd(func)
    if mode == "jacrev":
        return fad.jacrev(func)
    raise ValueError(f"unknown mode {mode!r}")


ALL_MODES = ["grad", "value_and_grad", "jvp", "vjp", "jacfwd", "jacrev"]
CORE_MODES = ["grad", "jvp", "vjp"]


def as_float(value):
    """Convert a 0-d result to a Python float, checking it is a plain value of shape ()."""
    assert isinstance(value, (float, np.ndarray, np.generic)), type(value)
    assert np.shape(value) == ()
    return float(value)


# ---------------------------------------------------------------------------
# perturbation confusion
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("outer", ALL_MODES)
@pytest.mark.parametrize("inner", ALL_MODES)
def test_perturbation_confusion_x_times_inner(outer, inner):
    # d/dx [x * d/dy (x + y) at y=1] = d/dx [x] = 1; confusing the two perturbations gives 2.
    def outer_function(x):
        return x * derivative(inner, lambda y: x + y)(1.0)

    assert as_float(derivative(outer, outer_function)(1.0)) == pytest.approx(1.0)
    assert as_float(derivative(outer, outer_function)(-2.5)) == pytest.approx(1.0)


@pytest.mark.parametrize("outer", ALL_MODES)
@pytest.mark.parametrize("inner", ALL_MODES)
def test_perturbation_confusion_inner_times_x(outer, inner):
    # Same quantity with the arguments swapped: d/dx [d/dy (y + x) at y=1 * x] = 1.
    def outer_function(x):
        return derivative(inner, lambda y: y + x)(1.0) * x

    assert as_float(derivative(outer, outer_function)(1.0)) == pytest.approx(1.0)
    assert as_float(derivative(outer, outer_function)(3.0)) == pytest.approx(1.0)


@pytest.mark.parametrize("outer", ALL_MODES)
@pytest.mark.parametrize("inner", ALL_MODES)
def test_perturbation_confusion_product(outer, inner):
    # d/dx [x * d/dy (x * y) at y=2] = d/dx [x**2] = 2x.
    def outer_function(x):
        return x * derivative(inner, lambda y: x * y)(2.0)

    assert as_float(derivative(outer, outer_function)(3.0)) == pytest.approx(6.0)


@pytest.mark.parametrize("outer", CORE_MODES)
@pytest.mark.parametrize("inner", CORE_MODES)
def test_inner_derivative_evaluated_at_outer_variable(outer, inner):
    # d/dx [ d/dy (x * y**2) at y=x ] = d/dx [2 x**2] = 4x.
    def outer_function(x):
        return derivative(inner, lambda y: x * y**2)(x)

    assert as_float(derivative(outer, outer_function)(1.5)) == pytest.approx(6.0)


# ---------------------------------------------------------------------------
# third and fourth derivatives
# ---------------------------------------------------------------------------


def tanh_third(x):
    """d^3/dx^3 tanh x = (1 - t^2)(6 t^2 - 2) with t = tanh x."""
    t = math.tanh(x)
    return (1 - t * t) * (6 * t * t - 2)


def tanh_fourth(x):
    """d^4/dx^4 tanh x = 8 t (1 - t^2)(2 - 3 t^2) with t = tanh x."""
    t = math.tanh(x)
    return 8 * t * (1 - t * t) * (2 - 3 * t * t)


THIRD_DERIVATIVES = {
    "sin": (np.sin, lambda x: -math.cos(x)),
    "exp": (np.exp, math.exp),
    "pow5": (lambda x: x**5, lambda x: 60 * x**2),
    "tanh": (np.tanh, tanh_third),
}
POINTS = [-0.7, 0.3, 1.9]


@pytest.mark.parametrize("name", sorted(THIRD_DERIVATIVES))
def test_grad_grad_grad_matches_closed_form(name):
    func, third = THIRD_DERIVATIVES[name]
    third_via_grad = fad.grad(fad.grad(fad.grad(func)))
    for x in POINTS:
        assert as_float(third_via_grad(x)) == pytest.approx(third(x), rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("name", sorted(THIRD_DERIVATIVES))
@pytest.mark.parametrize("modes", list(itertools.product(CORE_MODES, repeat=3)), ids="-".join)
def test_third_derivative_in_every_mode_mix(name, modes):
    func, third = THIRD_DERIVATIVES[name]
    for mode in reversed(modes):
        func = derivative(mode, func)
    for x in POINTS:
        assert as_float(func(x)) == pytest.approx(third(x), rel=1e-12, abs=1e-12)


def test_third_derivative_on_arrays_elementwise():
    x = np.array(POINTS)

    def summed_derivative(func):
        return fad.grad(lambda x: np.sum(func(x)))

    third = summed_derivative(summed_derivative(summed_derivative(np.sin)))(x)
    np.testing.assert_allclose(third, -np.cos(x), rtol=1e-12)


@pytest.mark.parametrize(
    "modes",
    [
        ("grad",) * 4,
        ("jvp",) * 4,
        ("vjp",) * 4,
        ("jvp", "grad", "jvp", "grad"),
        ("grad", "jvp", "vjp", "jacfwd"),
        ("jacfwd", "jacfwd", "jacrev", "jacrev"),
    ],
    ids="-".join,
)
def test_fourth_derivative_of_tanh(modes):
    func = np.tanh
    for mode in reversed(modes):
        func = derivative(mode, func)
    for x in POINTS:
        assert as_float(func(x)) == pytest.approx(tanh_fourth(x), rel=1e-11, abs=1e-12)


# ---------------------------------------------------------------------------
# mixed forward and reverse mode on a vector function (Rosenbrock)
# ---------------------------------------------------------------------------


def rosenbrock(x):
    """sum(100 (x[i+1] - x[i]^2)^2 + (1 - x[i])^2), written with first-set primitives."""
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


ROSEN_POINT = np.array([0.3, -1.1, 0.8, 1.7, -0.4])
ROSEN_DIRECTION = np.array([1.0, -0.5, 0.25, 2.0, 0.0])


def test_rosenbrock_value_matches_scipy():
    assert rosenbrock(ROSEN_POINT) == pytest.approx(rosen(ROSEN_POINT))


@pytest.mark.parametrize(
    "hessian_transform",
    [
        fad.hessian,
        lambda f: fad.jacfwd(fad.jacrev(f)),
        lambda f: fad.jacrev(fad.jacfwd(f)),
        lambda f: fad.jacrev(fad.jacrev(f)),
        lambda f: fad.jacfwd(fad.jacfwd(f)),
        lambda f: fad.jacfwd(fad.grad(f)),
        lambda f: fad.jacrev(fad.grad(f)),
    ],
    ids=["hessian", "fwd_rev", "rev_fwd", "rev_rev", "fwd_fwd", "fwd_grad", "rev_grad"],
)
def test_every_hessian_composition_matches_scipy(hessian_transform):
    hess = hessian_transform(rosenbrock)(ROSEN_POINT)
    np.testing.assert_allclose(hess, rosen_hess(ROSEN_POINT), rtol=1e-12, atol=1e-10)


def test_forward_over_reverse_hvp():
    _, hess_vector = fad.jvp(fad.grad(rosenbrock), (ROSEN_POINT,), (ROSEN_DIRECTION,))
    expected = rosen_hess_prod(ROSEN_POINT, ROSEN_DIRECTION)
    np.testing.assert_allclose(hess_vector, expected, rtol=1e-12, atol=1e-10)


def test_reverse_over_forward_hvp():
    def directional_derivative(x):
        return fad.jvp(rosenbrock, (x,), (ROSEN_DIRECTION,))[1]

    hess_vector = fad.grad(directional_derivative)(ROSEN_POINT)
    expected = rosen_hess_prod(ROSEN_POINT, ROSEN_DIRECTION)
    np.testing.assert_allclose(hess_vector, expected, rtol=1e-12, atol=1e-10)


def test_reverse_over_reverse_hvp():
    def gradient_along_direction(x):
        return np.sum(fad.grad(rosenbrock)(x) * ROSEN_DIRECTION)

    hess_vector = fad.grad(gradient_along_direction)(ROSEN_POINT)
    expected = rosen_hess_prod(ROSEN_POINT, ROSEN_DIRECTION)
    np.testing.assert_allclose(hess_vector, expected, rtol=1e-12, atol=1e-10)


def test_hvp_and_vhp_match_scipy():
    expected = rosen_hess_prod(ROSEN_POINT, ROSEN_DIRECTION)
    value, (hess_vector,) = fad.hvp(rosenbrock, (ROSEN_POINT,), (ROSEN_DIRECTION,))
    assert value == pytest.approx(rosen(ROSEN_POINT))
    np.testing.assert_allclose(hess_vector, expected, rtol=1e-12, atol=1e-10)
    value, (vector_hess,) = fad.vhp(rosenbrock, (ROSEN_POINT,), (ROSEN_DIRECTION,))
    np.testing.assert_allclose(vector_hess, expected, rtol=1e-12, atol=1e-10)


def test_jvp_with_tangent_that_depends_on_outer_variable():
    # g(x) = d/dt f(x + t x) at t=0 with f = sum(x**3): g(x) = sum(3 x**2 * x) = 3 sum(x**3)
    def g(x):
        return fad.jvp(lambda z: np.sum(z**3), (x,), (x,))[1]

    np.testing.assert_allclose(fad.grad(g)(ROSEN_POINT), 9 * ROSEN_POINT**2, rtol=1e-12)


# ---------------------------------------------------------------------------
# differentiating functions that themselves call transforms
# ---------------------------------------------------------------------------

OUTER_POINTS = [0.4, -1.3, 2.2]


def calls_grad(x):
    """x * d/dx sin(x) = x cos x."""
    return x * fad.grad(np.sin)(x)


def calls_value_and_grad(x):
    """value * slope of exp(2x) = 2 exp(4x)."""
    value, slope = fad.value_and_grad(lambda z: np.exp(2.0 * z))(x)
    return value * slope


def calls_jvp(x):
    """jvp of z**3 at x with tangent x: 3 x**3."""
    return fad.jvp(lambda z: z**3, (x,), (x,))[1]


def calls_vjp(x):
    """vjp of exp(2z) at x with cotangent x: 2 x exp(2x)."""
    _, vjp_fn = fad.vjp(lambda z: np.exp(2.0 * z), x)
    return vjp_fn(x)[0]


def calls_jacrev(x):
    """sum(diag(cos x) @ x) = sum(x cos x), for a vector x."""
    return np.sum(fad.jacrev(np.sin)(x) @ x)


FUNCTIONS_CALLING_TRANSFORMS = {
    "grad": (calls_grad, lambda x: math.cos(x) - x * math.sin(x)),
    "value_and_grad": (calls_value_and_grad, lambda x: 8.0 * math.exp(4.0 * x)),
    "jvp": (calls_jvp, lambda x: 9.0 * x**2),
    "vjp": (calls_vjp, lambda x: 2.0 * math.exp(2.0 * x) + 4.0 * x * math.exp(2.0 * x)),
}


@pytest.mark.parametrize("inner_name", sorted(FUNCTIONS_CALLING_TRANSFORMS))
@pytest.mark.parametrize("outer", ALL_MODES)
def test_derivative_of_function_calling_a_transform(inner_name, outer):
    func, expected_derivative = FUNCTIONS_CALLING_TRANSFORMS[inner_name]
    for x in OUTER_POINTS:
        actual = as_float(derivative(outer, func)(x))
        assert actual == pytest.approx(expected_derivative(x), rel=1e-12)


def test_grad_of_function_calling_jacrev():
    x = np.array(OUTER_POINTS)
    np.testing.assert_allclose(fad.grad(calls_jacrev)(x), np.cos(x) - x * np.sin(x), rtol=1e-12)


def test_transforming_a_vjp_fn_made_outside():
    point = np.array(OUTER_POINTS)
    _, vjp_fn = fad.vjp(lambda x: np.sin(x) * 3.0, point)
    cotangent = np.array([1.0, -2.0, 0.5])

    grad_wrt_cotangent = fad.grad(lambda c: np.sum(vjp_fn(c)[0] ** 2))(cotangent)
    np.testing.assert_allclose(grad_wrt_cotangent, 2 * cotangent * (3.0 * np.cos(point)) ** 2)

    _, tangent_out = fad.jvp(lambda c: vjp_fn(c)[0], (cotangent,), (np.ones(3),))
    np.testing.assert_allclose(tangent_out, 3.0 * np.cos(point))


# ---------------------------------------------------------------------------
# hessian of a function of several arguments
# ---------------------------------------------------------------------------


def two_argument_energy(x, y):
    """sum_ij (x_i y_j)^2 + sum(sin y) = |x|^2 |y|^2 + sum(sin y)."""
    return np.sum(np.outer(x, y) ** 2) + np.sum(np.sin(y))


X2 = np.array([0.7, -1.2])
Y3 = np.array([0.5, 2.0, -0.3])


def two_argument_hessian_blocks(x, y):
    """Analytic blocks (Hxx, Hxy, Hyx, Hyy) of two_argument_energy."""
    hxx = 2.0 * np.sum(y**2) * np.eye(x.size)
    hxy = 4.0 * np.outer(x, y)
    hyy = 2.0 * np.sum(x**2) * np.eye(y.size) - np.diag(np.sin(y))
    return hxx, hxy, hxy.T, hyy


@pytest.mark.parametrize(
    "hessian_transform",
    [
        lambda f, argnums: fad.hessian(f, argnums=argnums),
        lambda f, argnums: fad.jacfwd(fad.jacrev(f, argnums=argnums), argnums=argnums),
        lambda f, argnums: fad.jacrev(fad.jacrev(f, argnums=argnums), argnums=argnums),
        lambda f, argnums: fad.jacrev(fad.jacfwd(f, argnums=argnums), argnums=argnums),
    ],
    ids=["hessian", "fwd_rev", "rev_rev", "rev_fwd"],
)
def test_hessian_of_multi_argument_function(hessian_transform):
    blocks = hessian_transform(two_argument_energy, (0, 1))(X2, Y3)
    hxx, hxy, hyx, hyy = two_argument_hessian_blocks(X2, Y3)
    assert blocks[0][0].shape == (2, 2) and blocks[0][1].shape == (2, 3)
    assert blocks[1][0].shape == (3, 2) and blocks[1][1].shape == (3, 3)
    np.testing.assert_allclose(blocks[0][0], hxx, rtol=1e-12)
    np.testing.assert_allclose(blocks[0][1], hxy, rtol=1e-12)
    np.testing.assert_allclose(blocks[1][0], hyx, rtol=1e-12)
    np.testing.assert_allclose(blocks[1][1], hyy, rtol=1e-12)


def test_hessian_single_argnum_of_multi_argument_function():
    _, _, _, hyy = two_argument_hessian_blocks(X2, Y3)
    np.testing.assert_allclose(fad.hessian(two_argument_energy, argnums=1)(X2, Y3), hyy, rtol=1e-12)


def test_hvp_of_multi_argument_function_matches_blocks():
    v_x, v_y = np.array([1.0, 0.5]), np.array([-1.0, 0.0, 2.0])
    hxx, hxy, hyx, hyy = two_argument_hessian_blocks(X2, Y3)
    _, (hv_x, hv_y) = fad.hvp(two_argument_energy, (X2, Y3), (v_x, v_y))
    np.testing.assert_allclose(hv_x, hxx @ v_x + hxy @ v_y, rtol=1e-12)
    np.testing.assert_allclose(hv_y, hyx @ v_x + hyy @ v_y, rtol=1e-12)
