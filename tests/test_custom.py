"""custom_jvp and custom_vjp: every transform uses the rule, to second order, with pytrees."""

from __future__ import annotations

import functools

import numpy as np
import pytest

import functional_ad as fad
from functional_ad import custom_jvp, custom_vjp
from functional_ad.testing import check_grads

X3 = np.array([0.3, -1.2, 2.0])


def sigmoid(x):
    return np.exp(-np.logaddexp(0.0, -x))  # 1 / (1 + e^-x) without overflow


# ----------------------------------------------------------------------------- fixtures


@custom_jvp
def log1pexp(x):
    """log(1 + e^x), finite for large x."""
    return np.where(x > 30, x, np.log1p(np.exp(np.minimum(x, 30))))


@log1pexp.defjvp
def _log1pexp_jvp(primals, tangents):
    (x,), (x_dot,) = primals, tangents
    return log1pexp(x), x_dot * sigmoid(x)


@custom_vjp
def sin_custom(x):
    return np.sin(x)


def _sin_fwd(x):
    return sin_custom(x), np.cos(x)


def _sin_bwd(cos_x, g):
    return (g * cos_x,)


sin_custom.defvjp(_sin_fwd, _sin_bwd)


# Rules that deliberately differ from the primal's derivative show which one a transform used.
@custom_vjp
def doubled_grad(x):
    return x * x


doubled_grad.defvjp(lambda x: (x * x, x), lambda x, g: (4 * x * g,))


@custom_jvp
def tripled_tangent(x):
    return x * x


@tripled_tangent.defjvp
def _tripled_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return x * x, 6 * x * t


# ----------------------------------------------------------------------------- custom_jvp


def test_custom_jvp_gives_finite_gradient_where_the_naive_one_is_nan():
    def naive(x):
        return np.where(x > 30, x, np.log1p(np.exp(x)))

    with np.errstate(over="ignore", invalid="ignore"):
        assert np.isnan(fad.grad(naive)(1000.0))
    assert fad.grad(log1pexp)(1000.0) == 1.0
    assert fad.grad(log1pexp)(-1000.0) == 0.0


@pytest.mark.parametrize("transform", ["grad", "jvp", "vjp", "jacfwd", "jacrev"])
def test_custom_jvp_first_order_in_every_transform(transform):
    expected = sigmoid(X3)
    if transform == "grad":
        got = fad.grad(lambda x: np.sum(log1pexp(x)))(X3)
    elif transform == "jvp":
        got = fad.jvp(log1pexp, (X3,), (np.ones(3),))[1]
    elif transform == "vjp":
        got = fad.vjp(log1pexp, X3)[1](np.ones(3))[0]
    else:
        got = np.diag(getattr(fad, transform)(log1pexp)(X3))
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_custom_jvp_second_order_and_hessian():
    d2 = sigmoid(X3) * (1 - sigmoid(X3))
    np.testing.assert_allclose(
        fad.hessian(lambda x: np.sum(log1pexp(x)))(X3), np.diag(d2), rtol=1e-12
    )
    g2 = [fad.grad(fad.grad(log1pexp))(float(x)) for x in X3]
    np.testing.assert_allclose(g2, d2, rtol=1e-12)
    _, hv = fad.hvp(lambda x: np.sum(log1pexp(x)), (X3,), (np.ones(3),))
    np.testing.assert_allclose(hv[0], d2, rtol=1e-12)
    check_grads(log1pexp, (X3,), order=3)


def test_custom_jvp_rule_is_used_in_both_modes():
    # the rule says 6x; the primal's own derivative would be 2x
    assert fad.grad(tripled_tangent)(2.0) == 12.0
    assert fad.jvp(tripled_tangent, (2.0,), (1.0,))[1] == 12.0
    assert fad.grad(fad.grad(tripled_tangent))(2.0) == 6.0
    assert fad.jacfwd(fad.jacrev(tripled_tangent))(2.0) == 6.0


def test_custom_jvp_nondiff_argnums_are_passed_first_to_the_rule():
    @functools.partial(custom_jvp, nondiff_argnums=(0,))
    def power(n, x):
        return x**n

    @power.defjvp
    def power_jvp(n, primals, tangents):
        (x,), (t,) = primals, tangents
        return x**n, n * x ** (n - 1) * t

    assert fad.grad(power, argnums=1)(3, 2.0) == 12.0
    assert fad.grad(fad.grad(power, argnums=1), argnums=1)(3, 2.0) == 12.0


def test_custom_jvp_with_pytrees_and_two_arguments():
    @custom_jvp
    def weighted(params, x):
        return {"out": params["w"] * x + params["b"], "norm": np.sum(x * x)}

    @weighted.defjvp
    def weighted_jvp(primals, tangents):
        (p, x), (dp, dx) = primals, tangents
        out = weighted(p, x)
        return out, {"out": dp["w"] * x + p["w"] * dx + dp["b"], "norm": np.sum(2 * x * dx)}

    params = {"w": np.array([1.0, 2.0, 3.0]), "b": np.array(0.5)}

    def loss(p, x):
        out = weighted(p, x)
        return np.sum(out["out"] ** 2) + out["norm"]

    check_grads(loss, (params, X3), order=2)
    g_p, g_x = fad.grad(loss, argnums=(0, 1))(params, X3)
    y = params["w"] * X3 + params["b"]
    np.testing.assert_allclose(g_p["w"], 2 * y * X3)
    np.testing.assert_allclose(g_p["b"], np.sum(2 * y))
    np.testing.assert_allclose(g_x, 2 * y * params["w"] + 2 * X3)


def test_custom_jvp_keeps_float32():
    x = np.array([0.5, 1.5], dtype=np.float32)
    assert fad.grad(lambda x: np.sum(log1pexp(x)))(x).dtype == np.float32
    assert fad.jvp(log1pexp, (x,), (np.ones(2, np.float32),))[1].dtype == np.float32


# ----------------------------------------------------------------------------- custom_vjp


@pytest.mark.parametrize("transform", ["grad", "jvp", "vjp", "jacfwd", "jacrev"])
def test_custom_vjp_first_order_in_every_transform(transform):
    expected = np.cos(X3)
    if transform == "grad":
        got = fad.grad(lambda x: np.sum(sin_custom(x)))(X3)
    elif transform == "jvp":
        got = fad.jvp(sin_custom, (X3,), (np.ones(3),))[1]
    elif transform == "vjp":
        got = fad.vjp(sin_custom, X3)[1](np.ones(3))[0]
    else:
        got = np.diag(getattr(fad, transform)(sin_custom)(X3))
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_custom_vjp_second_order_through_differentiable_rules():
    np.testing.assert_allclose(
        fad.hessian(lambda x: np.sum(sin_custom(x)))(X3),
        np.diag(-np.sin(X3)),
        rtol=1e-12,
        atol=1e-15,
    )
    assert np.isclose(fad.grad(fad.grad(sin_custom))(0.7), -np.sin(0.7))
    _, vh = fad.vhp(lambda x: np.sum(sin_custom(x)), (X3,), (np.ones(3),))
    np.testing.assert_allclose(vh[0], -np.sin(X3), rtol=1e-12)
    check_grads(sin_custom, (X3,), order=3)


def test_custom_vjp_rule_is_used_in_both_modes():
    # bwd says 4x; the primal's own derivative would be 2x
    assert fad.grad(doubled_grad)(3.0) == 12.0
    assert fad.jvp(doubled_grad, (3.0,), (1.0,))[1] == 12.0
    np.testing.assert_allclose(fad.jacfwd(doubled_grad)(X3), fad.jacrev(doubled_grad)(X3))
    # second order: d/dx of the rule 4x
    assert fad.grad(fad.grad(doubled_grad))(3.0) == 4.0


def test_custom_vjp_clip_gradient():
    @custom_vjp
    def clip_gradient(x):
        return x

    clip_gradient.defvjp(lambda x: (x, None), lambda _, g: (np.clip(g, -1.0, 1.0),))
    assert fad.grad(lambda x: 5 * clip_gradient(x))(2.0) == 1.0
    assert fad.grad(lambda x: 0.5 * clip_gradient(x))(2.0) == 0.5


def test_custom_vjp_nondiff_function_argument():
    @functools.partial(custom_vjp, nondiff_argnums=(0,))
    def apply(fn, x):
        return fn(x)

    def apply_fwd(fn, x):
        return fn(x), x

    def apply_bwd(fn, x, g):
        _, pullback = fad.vjp(fn, x)
        return pullback(g)

    apply.defvjp(apply_fwd, apply_bwd)
    np.testing.assert_allclose(fad.grad(lambda x: np.sum(apply(np.sin, x)))(X3), np.cos(X3))


def test_custom_vjp_pytrees_multiple_outputs_and_none_cotangent():
    @custom_vjp
    def stats(x, scale):
        return {"mean": np.mean(x) * scale, "max": np.max(x)}

    def stats_fwd(x, scale):
        return stats(x, scale), (x, scale)

    def stats_bwd(res, g):
        x, scale = res
        onehot = (x == np.max(x)).astype(x.dtype)
        dx = g["mean"] * scale / x.size + g["max"] * onehot
        return dx, None  # scale: declared constant by the rule

    stats.defvjp(stats_fwd, stats_bwd)

    def loss(x):
        out = stats(x, 2.0)
        return out["mean"] + 3 * out["max"]

    np.testing.assert_allclose(fad.grad(loss)(X3), [2 / 3, 2 / 3, 2 / 3 + 3])
    np.testing.assert_allclose(fad.jvp(loss, (X3,), (np.array([1.0, 0.0, 1.0]),))[1], 2 / 3 * 2 + 3)
    # only one output used: the other's cotangent arrives as zeros
    np.testing.assert_allclose(fad.grad(lambda x: stats(x, 2.0)["max"])(X3), [0, 0, 1])
    assert fad.grad(lambda s: stats(X3, s)["mean"])(2.0) == 0.0


def test_custom_vjp_wrapping_a_non_numpy_computation():
    # the primal leaves NumPy (float() would fail on a tracer): only the rule is traced
    @custom_vjp
    def cube(x):
        return np.asarray(float(x) ** 3)

    cube.defvjp(lambda x: (cube(x), x), lambda x, g: (3 * x * x * g,))
    assert fad.grad(cube)(2.0) == 12.0
    assert fad.jvp(cube, (2.0,), (1.0,))[1] == 12.0
    assert fad.grad(fad.grad(cube))(2.0) == 12.0  # the rule is differentiable


def test_custom_vjp_complex_holomorphic():
    @custom_vjp
    def square(z):
        return z * z

    square.defvjp(lambda z: (z * z, z), lambda z, g: (2 * z * g,))
    z = np.array([1.0 + 2.0j, -0.5 + 0.3j])
    check_grads(square, (z,), order=2)
    _, pullback = fad.vjp(square, z)
    np.testing.assert_allclose(pullback(np.ones(2, complex))[0], 2 * z)


# ----------------------------------------------------------------------------- composition


def test_perturbation_confusion_with_custom_functions():
    # d/dx [x * d/dy f(x + y)] at y = 0 with f' = sigmoid: sigmoid(x) + x sigmoid'(x)
    def outer(x):
        return x * fad.grad(lambda y: log1pexp(x + y))(0.0)

    s = sigmoid(0.8)
    assert np.isclose(fad.grad(outer)(0.8), s + 0.8 * s * (1 - s))

    def outer_vjp(x):
        return x * fad.grad(lambda y: sin_custom(x * y))(1.0)

    # d/dx [x * x cos(x)] = 2x cos x - x^2 sin x
    assert np.isclose(fad.grad(outer_vjp)(0.8), 1.6 * np.cos(0.8) - 0.64 * np.sin(0.8))


def test_custom_functions_nest_inside_each_other():
    @custom_vjp
    def outer(x):
        return log1pexp(x) * 2

    outer.defvjp(lambda x: (outer(x), x), lambda x, g: (2 * g * sigmoid(x),))
    np.testing.assert_allclose(fad.grad(lambda x: np.sum(outer(x)))(X3), 2 * sigmoid(X3))
    check_grads(outer, (X3,), order=2)


def test_plain_call_is_the_plain_function():
    assert log1pexp(1000.0) == 1000.0
    np.testing.assert_allclose(sin_custom(X3), np.sin(X3))


def test_custom_function_under_vmap():
    out = fad.vmap(fad.grad(log1pexp))(X3)
    np.testing.assert_allclose(out, sigmoid(X3), rtol=1e-12)


# ----------------------------------------------------------------------------- errors


def test_missing_rule_raises_when_differentiated():
    @custom_vjp
    def no_rule(x):
        return x

    assert no_rule(1.0) == 1.0
    with pytest.raises(TypeError, match="defvjp"):
        fad.grad(no_rule)(1.0)


def test_traced_nondiff_argument_raises():
    @functools.partial(custom_jvp, nondiff_argnums=(1,))
    def scale(x, k):
        return x * k

    scale.defjvp(lambda k, p, t: (p[0] * k, t[0] * k))
    with pytest.raises(TypeError, match="nondiff_argnums"):
        fad.grad(lambda x: scale(x, x))(2.0)


def test_closing_over_a_traced_value_raises():
    def outer(a):
        @custom_vjp
        def times_a(x):
            return x * a

        times_a.defvjp(lambda x: (x * a, None), lambda _, g: (g * a,))
        return times_a(2.0) + times_a(a)

    with pytest.raises(TypeError, match="closes over"):
        fad.grad(outer)(3.0)


def test_bwd_returning_wrong_structure_or_shape_raises():
    @custom_vjp
    def f(x):
        return x * 2

    f.defvjp(lambda x: (x * 2, None), lambda _, g: g)  # not a tuple
    with pytest.raises(TypeError, match="one cotangent per"):
        fad.grad(lambda x: np.sum(f(x)))(X3)

    f.defvjp(lambda x: (x * 2, None), lambda _, g: (np.sum(g),))  # wrong shape
    with pytest.raises(ValueError, match=r"shape \(3,\)"):
        fad.grad(lambda x: np.sum(f(x)))(X3)


def test_jvp_rule_returning_wrong_shape_raises():
    @custom_jvp
    def f(x):
        return x * 2

    f.defjvp(lambda p, t: (p[0] * 2, np.sum(t[0])))
    with pytest.raises(ValueError, match="output tangent"):
        fad.jvp(f, (X3,), (np.ones(3),))
    with pytest.raises(ValueError, match="output tangent"):
        fad.grad(lambda x: np.sum(f(x)))(X3)


def test_names_and_docs_are_kept():
    assert log1pexp.__name__ == "log1pexp"
    assert "finite for large x" in log1pexp.__doc__
    assert fad.grad(log1pexp).__name__ == "grad_of_log1pexp"
