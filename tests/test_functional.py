"""functional_ad.functional: PyTorch's torch.autograd.functional signatures and structures."""

import numpy as np
import pytest
from hypothesis import given, settings

import functional_ad as fad
from functional_ad import functional as F
from functional_ad.testing import check_grads, differentiable_arrays

rng = np.random.default_rng(0)


def exp_reducer(x):
    return np.sum(np.exp(x), axis=1)


def exp_adder(x, y):
    return 2 * np.exp(x) + 3 * y


def pow_reducer(x):
    return np.sum(x**3)


def pow_adder_reducer(x, y):
    return np.sum(2 * x**2 + 3 * y**2)


def numerical_jacobian(f, x, eps=1e-6):
    """Central differences, one column per input element: shape out.shape + x.shape."""
    cols = []
    for k in range(x.size):
        e = np.zeros(x.size)
        e[k] = eps
        e = e.reshape(x.shape)
        cols.append((np.asarray(f(x + e)) - np.asarray(f(x - e))) / (2 * eps))
    out_shape = np.shape(f(x))
    return np.moveaxis(np.array(cols), 0, -1).reshape(out_shape + x.shape)


# ----------------------------------------------------------------------------- jacobian


@pytest.mark.parametrize("strategy", ["reverse-mode", "forward-mode"])
@pytest.mark.parametrize("vectorize", [False, True])
def test_jacobian_single_input_and_output(strategy, vectorize):
    x = rng.random((2, 3))
    jac = F.jacobian(exp_reducer, x, vectorize=vectorize, strategy=strategy)
    assert isinstance(jac, np.ndarray) and jac.shape == (2, 2, 3)
    np.testing.assert_allclose(jac, numerical_jacobian(exp_reducer, x), atol=1e-7)
    assert np.all(jac[0, 1] == 0) and np.all(jac[1, 0] == 0)


@pytest.mark.parametrize("strategy", ["reverse-mode", "forward-mode"])
def test_jacobian_tuple_inputs_give_a_tuple(strategy):
    x, y = rng.random(2), rng.random(2)
    jac = F.jacobian(exp_adder, (x, y), strategy=strategy)
    assert isinstance(jac, tuple) and len(jac) == 2
    np.testing.assert_allclose(jac[0], np.diag(2 * np.exp(x)))
    np.testing.assert_allclose(jac[1], 3 * np.eye(2))


def test_jacobian_tuple_outputs_and_inputs_nest_output_first():
    x, y = rng.random(2), rng.random(3)

    def f(x, y):
        return np.sum(x) * y, np.sin(x)

    jac = F.jacobian(f, (x, y))
    assert len(jac) == 2 and all(len(row) == 2 for row in jac)
    assert [[b.shape for b in row] for row in jac] == [[(3, 2), (3, 3)], [(2, 2), (2, 3)]]
    np.testing.assert_allclose(jac[0][0], np.outer(y, np.ones(2)))
    np.testing.assert_allclose(jac[0][1], np.sum(x) * np.eye(3))
    np.testing.assert_allclose(jac[1][0], np.diag(np.cos(x)))
    np.testing.assert_array_equal(jac[1][1], np.zeros((2, 3)))  # independent: zeros


def test_jacobian_tuple_output_single_input():
    x = rng.random(3)
    jac = F.jacobian(lambda x: (x**2, np.sum(x)), x)
    assert isinstance(jac, tuple) and len(jac) == 2
    np.testing.assert_allclose(jac[0], np.diag(2 * x))
    np.testing.assert_allclose(jac[1], np.ones(3))


def test_jacobian_one_tuple_input_stays_a_tuple():
    x = rng.random(2)
    jac = F.jacobian(lambda x: x * 2, (x,))
    assert isinstance(jac, tuple) and len(jac) == 1
    np.testing.assert_allclose(jac[0], 2 * np.eye(2))


def test_seed_tutorial_single_element_inputs():
    inputs = (np.array([0.3]), np.array([0.7]))
    jac = F.jacobian(exp_adder, inputs)
    np.testing.assert_allclose(jac[0], [[2 * np.exp(0.3)]])
    np.testing.assert_allclose(jac[1], [[3.0]])


def test_jacobian_strict_raises_for_an_independent_pair_and_not_otherwise():
    x, y = rng.random(2), rng.random(2)
    with pytest.raises(ValueError, match="Output 0 .* independent of input 1"):
        F.jacobian(lambda x, y: 2 * x, (x, y), strict=True)
    with pytest.raises(ValueError, match="does not depend on any input"):
        F.jacobian(lambda x: np.ones(2), x, strict=True)
    for strategy in ("reverse-mode", "forward-mode"):
        for vectorize in (False, True):
            jac = F.jacobian(exp_adder, (x, y), strict=True, vectorize=vectorize, strategy=strategy)
            np.testing.assert_allclose(jac[1], 3 * np.eye(2))
    # without strict the independent block is zeros
    np.testing.assert_array_equal(F.jacobian(lambda x, y: 2 * x, (x, y))[1], np.zeros((2, 2)))


def test_strict_sees_stop_gradient_and_detach_as_independence():
    x = rng.random(2)
    with pytest.raises(ValueError, match="does not depend on any input"):
        F.jacobian(lambda x: fad.stop_gradient(x) * 2, x, strict=True)
    with pytest.raises(ValueError, match="does not depend on any input"):
        F.vjp(lambda x: x.detach() * 2, x, np.ones(2), strict=True)


def test_invalid_arguments_raise_clear_errors():
    x = rng.random(2)
    with pytest.raises(ValueError, match="strategy must be"):
        F.jacobian(np.sin, x, strategy="fwd")
    with pytest.raises(ValueError, match="outer_jacobian_strategy must be"):
        F.hessian(pow_reducer, x, outer_jacobian_strategy="backward")
    with pytest.raises(TypeError, match="vectorize must be True or False"):
        F.jacobian(np.sin, x, vectorize="yes")
    with pytest.raises(TypeError, match="tuple of arrays.*list"):
        F.jacobian(np.sin, [x, x])
    with pytest.raises(TypeError, match="outputs of the user-provided function"):
        F.jacobian(lambda x: [x, x], x)
    with pytest.raises(TypeError, match="only float and complex"):
        F.jacobian(lambda x: x * 2, np.arange(3))


# ----------------------------------------------------------------------------- hessian


@pytest.mark.parametrize("outer", ["reverse-mode", "forward-mode"])
@pytest.mark.parametrize("vectorize", [False, True])
def test_hessian_single_input(outer, vectorize):
    x = rng.random((2, 2))
    hess = F.hessian(pow_reducer, x, vectorize=vectorize, outer_jacobian_strategy=outer)
    assert hess.shape == (2, 2, 2, 2)
    np.testing.assert_allclose(hess.reshape(4, 4), np.diag(6 * x.ravel()))


def test_hessian_tuple_inputs_nest_input_by_input():
    x, y = rng.random(2), rng.random(3)
    hess = F.hessian(lambda x, y: np.sum(x**2) * np.sum(y), (x, y))
    assert [[b.shape for b in row] for row in hess] == [[(2, 2), (2, 3)], [(3, 2), (3, 3)]]
    np.testing.assert_allclose(hess[0][0], 2 * np.sum(y) * np.eye(2))
    np.testing.assert_allclose(hess[0][1], np.outer(2 * x, np.ones(3)))
    np.testing.assert_allclose(hess[1][0], np.outer(np.ones(3), 2 * x))
    np.testing.assert_array_equal(hess[1][1], np.zeros((3, 3)))


def test_hessian_of_a_one_element_array_output():
    x = rng.random(3)
    hess = F.hessian(lambda x: np.sum(x**3, keepdims=True), x)  # shape (1,), as in PyTorch
    np.testing.assert_allclose(hess, np.diag(6 * x))


def test_hessian_needs_a_single_one_element_output():
    x = rng.random(2)
    with pytest.raises(TypeError, match="single element"):
        F.hessian(lambda x: x**2, x)
    with pytest.raises(TypeError, match="single array, not a tuple"):
        F.hessian(lambda x: (np.sum(x), np.sum(x)), x)


def test_hessian_strict():
    x, y = rng.random(2), rng.random(2)
    with pytest.raises(ValueError, match="independent of input 1"):
        F.hessian(pow_adder_reducer, (x, y), strict=True)
    with pytest.raises(ValueError, match="linear in input 0"):
        F.hessian(lambda x: np.sum(3 * x), x, strict=True)
    with pytest.raises(ValueError, match="independent of input 1"):
        F.hessian(lambda x, y: np.sum(x**3), (x, y), strict=True)
    with pytest.raises(ValueError, match="Gradient block 1 .* independent of input 1"):
        F.hessian(lambda x, y: np.sum(x**2 * y), (x, y), strict=True)  # d2f/dy2 = 0
    hess = F.hessian(lambda x, y: np.sum(x**2 * y**2), (x, y), strict=True)
    np.testing.assert_allclose(hess[0][1], np.diag(4 * x * y))


# ----------------------------------------------------------------------------- products


def test_vjp_matches_the_transpose_of_the_jacobian():
    x = rng.random((4, 4))
    v = rng.random(4)
    out, vjp_x = F.vjp(exp_reducer, x, v)
    np.testing.assert_allclose(out, exp_reducer(x))
    np.testing.assert_allclose(vjp_x, np.tensordot(v, numerical_jacobian(exp_reducer, x), 1))


def test_vjp_structures():
    x, y = rng.random(2), rng.random(2)
    out, bars = F.vjp(lambda x, y: 2 * x + 3 * y, (x, y), np.ones(2))
    assert isinstance(bars, tuple) and len(bars) == 2
    np.testing.assert_allclose(bars[0], [2.0, 2.0])
    np.testing.assert_allclose(bars[1], [3.0, 3.0])
    out, bar = F.vjp(lambda x: (x, 2 * x), x, (np.ones(2), np.ones(2)))
    assert isinstance(out, tuple) and isinstance(bar, np.ndarray)
    np.testing.assert_allclose(bar, [3.0, 3.0])


def test_vjp_v_none_only_for_a_single_element_output():
    x = rng.random(3)
    out, bar = F.vjp(lambda x: np.sum(x**2), x)
    np.testing.assert_allclose(bar, 2 * x)
    with pytest.raises(ValueError, match="v can only be None"):
        F.vjp(lambda x: x**2, x)
    with pytest.raises(ValueError, match="v has shape"):
        F.vjp(lambda x: x**2, x, np.ones(2))
    with pytest.raises(ValueError, match="length 1 but should have length 2"):
        F.vjp(lambda x: (x, x), x, (np.ones(3),))


def test_vjp_and_jvp_strict():
    x, y = rng.random(2), rng.random(2)
    for fn, v in ((F.vjp, np.ones(2)), (F.jvp, (np.ones(2), np.ones(2)))):
        with pytest.raises(ValueError, match="independent of input 1"):
            fn(lambda x, y: 2 * x, (x, y), v, strict=True)
        out, prod = fn(lambda x, y: 2 * x, (x, y), v)  # not strict: zeros
    np.testing.assert_array_equal(F.vjp(lambda x, y: 2 * x, (x, y), np.ones(2))[1][1], 0.0)


def test_jvp_matches_the_jacobian():
    x = rng.random((4, 4))
    v = rng.random((4, 4))
    out, jv = F.jvp(exp_reducer, x, v)
    np.testing.assert_allclose(jv, np.tensordot(numerical_jacobian(exp_reducer, x), v, 2))
    out, jv = F.jvp(exp_adder, (x, x), (v, v))
    np.testing.assert_allclose(jv, 2 * np.exp(x) * v + 3 * v)


def test_jvp_v_none_only_for_a_single_element_input():
    out, jv = F.jvp(np.sin, np.array([0.5]))
    np.testing.assert_allclose(jv, np.cos([0.5]))
    with pytest.raises(ValueError, match="v can only be None"):
        F.jvp(np.sin, np.ones(2))
    with pytest.raises(ValueError, match="v should be a single array"):
        F.jvp(np.sin, np.ones(2), (np.ones(2), np.ones(2)))


@pytest.mark.parametrize("fn", [F.vhp, F.hvp])
def test_hessian_products(fn):
    x = rng.random((2, 2))
    v = rng.random((2, 2))
    value, prod = fn(pow_reducer, x, v)
    np.testing.assert_allclose(value, pow_reducer(x))
    np.testing.assert_allclose(prod, 6 * x * v)
    x, y = rng.random(2), rng.random(2)
    value, prod = fn(pow_adder_reducer, (x, y), (np.zeros(2), np.ones(2)))
    assert isinstance(prod, tuple)
    np.testing.assert_allclose(prod[0], [0.0, 0.0])
    np.testing.assert_allclose(prod[1], [6.0, 6.0])
    with pytest.raises(ValueError, match="v can only be None"):
        fn(pow_reducer, x)
    value, prod = fn(pow_reducer, np.array(2.0))  # one element: v defaults to 1
    np.testing.assert_allclose(prod, 12.0)
    with pytest.raises(TypeError, match="single element"):
        fn(lambda x: x, x, x)
    with pytest.raises(ValueError, match="linear in input 0"):
        fn(lambda x: np.sum(3 * x), x, x, strict=True)


# ----------------------------------------------------------------------------- composition


def test_hessian_inside_grad_with_create_graph():
    def f(x):
        return np.sum(F.hessian(lambda z: np.sum(z**3), x, create_graph=True))

    x = rng.random(3)
    np.testing.assert_allclose(fad.grad(f)(x), 6 * np.ones(3))
    check_grads(f, (x,), order=2)


def test_products_and_jacobian_compose_with_create_graph():
    x, v = rng.random(3), rng.random(3)

    def g(x):
        _, jv = F.jvp(np.sin, x, v, create_graph=True)
        _, vj = F.vjp(np.tanh, x, v, create_graph=True)
        _, hv = F.hvp(lambda z: np.sum(np.exp(z)), x, v, create_graph=True)
        jac = F.jacobian(np.sin, x, create_graph=True, strategy="forward-mode")
        return np.sum(jv * vj) + np.sum(hv**2) + np.sum(jac**2)

    check_grads(g, (x,), order=1)


def test_create_graph_false_under_a_differentiating_transform_raises():
    x = rng.random(2)
    for call in (
        lambda x: F.jacobian(np.sin, x),
        lambda x: F.hessian(pow_reducer, x),
        lambda x: F.vjp(np.sin, x, np.ones(2))[1],
        lambda x: F.jvp(np.sin, x, np.ones(2))[1],
        lambda x: F.hvp(pow_reducer, x, np.ones(2))[1],
        lambda x: F.vhp(pow_reducer, x, np.ones(2))[1],
    ):
        with pytest.raises(ValueError, match="create_graph=True"):
            fad.grad(lambda x: np.sum(call(x)))(x)

    def constant_hessian(x):
        with fad.no_grad():
            h = F.hessian(pow_reducer, x)
        return np.sum(h * x)

    np.testing.assert_allclose(fad.grad(constant_hessian)(x), np.diag(6 * x).sum(axis=0))

    def of_a_constant(x):  # nothing to detach: the result carries no derivative
        return np.sum(F.hessian(pow_reducer, fad.stop_gradient(x)) * x)

    np.testing.assert_allclose(fad.grad(of_a_constant)(x), np.diag(6 * x).sum(axis=0))
    np.testing.assert_allclose(fad.jacfwd(of_a_constant)(x), np.diag(6 * x).sum(axis=0))


def test_under_vmap_create_graph_is_not_needed():
    xs = rng.random((4, 3))
    jacs = fad.vmap(lambda x: F.jacobian(np.sin, x))(xs)
    np.testing.assert_allclose(jacs, np.stack([np.diag(np.cos(x)) for x in xs]))
    hvps = fad.vmap(lambda x: F.hvp(pow_reducer, x, np.ones(3))[1])(xs)
    np.testing.assert_allclose(hvps, 6 * xs)


def test_agrees_with_the_jax_style_transforms():
    x, y = rng.random(3), rng.random(3)
    u, w = rng.random(3), rng.random(3)
    ours = F.jacobian(exp_adder, (x, y))
    theirs = fad.jacobian(exp_adder, argnums=(0, 1))(x, y)
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a, b)
    np.testing.assert_allclose(
        F.hessian(lambda x: np.sum(np.sin(x) * x), x),
        fad.hessian(lambda x: np.sum(np.sin(x) * x))(x),
    )
    f = lambda x, y: np.sum(x**2 * y)
    np.testing.assert_allclose(F.hvp(f, (x, y), (u, w))[1], fad.hvp(f, (x, y), (u, w))[1])
    np.testing.assert_allclose(F.vhp(f, (x, y), (u, w))[1], fad.vhp(f, (x, y), (u, w))[1])


def test_the_jax_style_calls_point_to_this_module_when_given_pytorch_arguments():
    x, y = np.ones(1), np.ones(1)
    with pytest.raises(TypeError, match="takes argnums, not the inputs.*functional.jacobian"):
        fad.jacobian(exp_adder, (x, y))  # PyTorch's argument order: refused at once
    for transform in (fad.jacrev, fad.jacfwd, fad.hessian, fad.value_and_grad):
        with pytest.raises(TypeError, match="takes argnums, not the inputs"):
            transform(exp_adder, (x, y))
    with pytest.raises(TypeError, match="takes argnums, not the inputs"):
        fad.grad(np.sum, (x,))
    with pytest.raises(TypeError, match="functional_ad.functional.hvp"):
        fad.hvp(pow_reducer, x, x)
    with pytest.raises(TypeError, match="functional_ad.functional.vhp"):
        fad.vhp(pow_reducer, x, x)
    with pytest.raises(ValueError, match="1 primals but 2 tangents"):
        fad.hvp(pow_reducer, (x,), (x, x))
    with pytest.raises(TypeError, match="functional_ad.functional.jvp"):
        fad.jvp(np.sin, x, x)


@settings(max_examples=15, deadline=None, derandomize=True)
@given(
    differentiable_arrays(shape=(3,), domain=(-2.0, 2.0)),
    differentiable_arrays(shape=(2,), domain=(0.1, 2.0)),
)
def test_every_block_matches_central_differences(x, y):
    def f(x, y):
        return np.sin(x) * np.sum(np.log(y)), np.outer(x, y**2)

    for strategy in ("reverse-mode", "forward-mode"):
        for vectorize in (False, True):
            jac = F.jacobian(f, (x, y), vectorize=vectorize, strategy=strategy)
            for i in range(2):
                np.testing.assert_allclose(
                    jac[i][0], numerical_jacobian(lambda x: f(x, y)[i], x), atol=1e-6
                )
                np.testing.assert_allclose(
                    jac[i][1], numerical_jacobian(lambda y: f(x, y)[i], y), atol=1e-6
                )
    hess = F.hessian(lambda x, y: np.sum(f(x, y)[1]) + np.sum(f(x, y)[0]), (x, y))
    g = lambda x, y: fad.grad(lambda x, y: np.sum(f(x, y)[1]) + np.sum(f(x, y)[0]), (0, 1))(x, y)
    np.testing.assert_allclose(hess[0][1], numerical_jacobian(lambda y: g(x, y)[0], y), atol=1e-5)
    np.testing.assert_allclose(hess[1][1], numerical_jacobian(lambda y: g(x, y)[1], y), atol=1e-5)


def test_strict_with_create_graph_refuses_results_that_do_not_depend_on_the_inputs():
    x = np.array([1.0, 2.0])
    linear = lambda x: 3 * x
    quadratic = lambda x: np.sum(x**2)
    for call in (
        lambda **kw: F.jacobian(linear, x, **kw),
        lambda **kw: F.vjp(linear, x, x, **kw),
        lambda **kw: F.jvp(linear, x, x, **kw),
    ):
        with pytest.raises(ValueError, match="linear in them"):
            call(strict=True, create_graph=True)
        call(strict=True)  # a constant Jacobian is fine when nothing differentiates it
        call(create_graph=True)
    for call in (
        lambda **kw: F.hessian(quadratic, x, **kw),
        lambda **kw: F.hvp(quadratic, x, x, **kw),
        lambda **kw: F.vhp(quadratic, x, x, **kw),
    ):
        with pytest.raises(ValueError, match="at most quadratic"):
            call(strict=True, create_graph=True)
        call(strict=True)
    cubic = lambda x: np.sum(x**3)
    np.testing.assert_allclose(F.hessian(cubic, x, strict=True, create_graph=True), np.diag(6 * x))
    np.testing.assert_allclose(F.hvp(cubic, x, x, strict=True, create_graph=True)[1], 6 * x * x)
    np.testing.assert_allclose(
        F.jacobian(np.sin, x, strict=True, create_graph=True), np.diag(np.cos(x))
    )
