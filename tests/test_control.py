"""Gradient control: stop_gradient, no_grad and enable_grad, alone and under nested transforms."""

import threading

import numpy as np
import pytest

import functional_ad as fad
from functional_ad.core import active_traces
from functional_ad.transforms.control import is_grad_enabled

X = 0.7
V = np.array([0.3, -1.2, 2.0])


def sin_no_grad(x):
    """sin(x), computed as a constant for the transforms open around the call."""
    with fad.no_grad():
        return np.sin(x)


# ---------------------------------------------------------------------------- stop_gradient


def test_stop_gradient_in_every_transform():
    f = lambda x: np.sum(x * fad.stop_gradient(np.sin(x)))
    np.testing.assert_allclose(fad.grad(f)(V), np.sin(V))
    _, tangent = fad.jvp(f, (V,), (np.ones(3),))
    np.testing.assert_allclose(tangent, np.sum(np.sin(V)))
    np.testing.assert_allclose(fad.jacfwd(f)(V), np.sin(V))
    np.testing.assert_allclose(fad.hessian(f)(V), np.zeros((3, 3)), atol=1e-12)
    np.testing.assert_allclose(fad.vmap(lambda x: fad.stop_gradient(x) * 2.0)(V), 2 * V)


def test_stop_gradient_under_nesting():
    # inner grad: 3 x^2 s with s = x held constant at both levels; outer: 6 x s
    cubic = lambda x: x**3 * fad.stop_gradient(x)
    assert fad.grad(fad.grad(cubic))(2.0) == pytest.approx(24.0)
    # the stopped value depends on the outer variable: it is constant for the outer grad too
    inner = lambda x: fad.grad(lambda y: y * fad.stop_gradient(x * y))(1.0)
    assert inner(X) == pytest.approx(X)
    assert fad.grad(inner)(X) == pytest.approx(0.0)
    # forward over reverse agrees with reverse over reverse
    _, second = fad.jvp(fad.grad(cubic), (2.0,), (1.0,))
    assert second == pytest.approx(24.0)


def test_stop_gradient_of_pytrees_and_plain_values():
    tree = {"a": np.ones(2), "b": (3.0, np.zeros(1))}
    assert fad.stop_gradient(tree) is not tree
    assert fad.stop_gradient(tree)["a"] is tree["a"]  # plain leaves pass untouched


# ---------------------------------------------------------------------------- no_grad


def test_no_grad_value_is_a_constant_for_grad():
    """The documented example: d/dx [x * g(x)] with g under no_grad is g(x)."""
    f = lambda x: x * sin_no_grad(x)
    assert fad.grad(f)(X) == pytest.approx(np.sin(X))
    assert fad.jvp(f, (X,), (1.0,))[1] == pytest.approx(np.sin(X))
    _, pullback = fad.vjp(f, X)
    assert pullback(1.0)[0] == pytest.approx(np.sin(X))
    assert fad.hessian(f)(X) == pytest.approx(0.0)


def test_no_grad_pauses_every_level_of_nesting():
    # both traces are open when no_grad is entered: the inner gradient sin(x) is a
    # constant for the outer grad as well
    inner_grad = fad.grad(lambda y: y * sin_no_grad(y))
    assert inner_grad(X) == pytest.approx(np.sin(X))
    assert fad.grad(inner_grad)(X) == pytest.approx(0.0)
    assert fad.jvp(inner_grad, (X,), (1.0,))[1] == pytest.approx(0.0)


def test_no_grad_around_an_inner_transform():
    """The inner grad started inside the block works; its result is constant outside."""

    def f(x):
        with fad.no_grad():
            slope = fad.grad(lambda y: y**3)(x)  # 3 x^2, computed normally
        return slope * x

    inner = fad.grad(lambda x: fad.grad(lambda y: y**3)(x) * x)
    assert inner(X) == pytest.approx(9 * X**2)  # without no_grad: d/dx 3x^3
    assert fad.grad(f)(X) == pytest.approx(3 * X**2)  # the slope is a constant


def test_transform_started_inside_no_grad_works_normally():
    with fad.no_grad():
        assert fad.grad(lambda x: x * np.sin(x))(X) == pytest.approx(np.sin(X) + X * np.cos(X))
        np.testing.assert_allclose(fad.jacobian(np.exp)(V), np.diag(np.exp(V)))
        assert not is_grad_enabled()
    assert is_grad_enabled()


def test_no_grad_in_inner_function_of_nested_grad_only_affects_its_block():
    def inner(y, x):
        with fad.no_grad():
            c = np.cos(x * y)  # constant for both grads
        return y * y * x + c * y

    # d/dy inner = 2 y x + c; at y = 1: 2x + cos(x); outer d/dx: 2 (c is constant)
    g = lambda x: fad.grad(inner)(1.0, x)
    assert g(X) == pytest.approx(2 * X + np.cos(X))
    assert fad.grad(g)(X) == pytest.approx(2.0)


def test_enable_grad_inside_no_grad():
    def f(x):
        with fad.no_grad():
            with fad.enable_grad():
                y = x * x  # differentiated
            z = x * x  # constant
        return y + z

    assert fad.grad(f)(3.0) == pytest.approx(6.0)
    assert fad.jvp(f, (3.0,), (1.0,))[1] == pytest.approx(6.0)
    assert fad.grad(fad.grad(f))(3.0) == pytest.approx(2.0)


def test_enable_grad_resumes_outer_traces_under_nesting():
    def f(x):
        with fad.no_grad():
            inner = fad.grad(lambda y: y * y * x)(x)  # started inside: normal, 2 x^2
            with fad.enable_grad():
                resumed = x**3  # differentiated by the outer grad again
        return inner + resumed

    assert fad.grad(f)(X) == pytest.approx(3 * X**2)
    assert f(X) == pytest.approx(2 * X**2 + X**3)


def test_no_grad_and_enable_grad_as_decorators():
    @fad.no_grad
    def bare(x):
        return np.sin(x)

    @fad.no_grad()
    def called(x):
        return np.sin(x)

    @fad.enable_grad
    def back_on(x):
        return np.sin(x)

    for g in (bare, called):
        assert fad.grad(lambda x: x * g(x))(X) == pytest.approx(np.sin(X))
    assert bare.__name__ == "bare" and called.__name__ == "called"

    def f(x):
        with fad.no_grad():
            return back_on(x)

    assert fad.grad(f)(X) == pytest.approx(np.cos(X))


def test_no_grad_is_reentrant_and_restores_state():
    block = fad.no_grad()

    def f(x):
        with block:
            with block:
                y = np.sin(x)
            z = np.cos(x)
        return x * y + x * z + x

    assert fad.grad(f)(X) == pytest.approx(np.sin(X) + np.cos(X) + 1.0)
    assert is_grad_enabled()


def test_no_grad_restores_after_an_exception():
    def f(x):
        try:
            with fad.no_grad():
                np.sin(x)
                raise KeyError("inside")
        except KeyError:
            pass
        return x * x  # differentiated again

    assert fad.grad(f)(X) == pytest.approx(2 * X)
    assert is_grad_enabled()


def test_outside_any_transform_nothing_changes():
    with fad.no_grad():
        y = np.sin(V)
        with fad.enable_grad():
            z = np.cos(V)
    assert type(y) is np.ndarray and type(z) is np.ndarray
    np.testing.assert_allclose(y, np.sin(V))
    assert active_traces() == ()


def test_no_grad_does_not_pause_vmap():
    def f(x):
        with fad.no_grad():
            return np.sin(x) * 2.0

    np.testing.assert_allclose(fad.vmap(f)(V), 2 * np.sin(V))
    # a gradient inside vmap, with the no_grad part constant for grad but batched by vmap
    per_example = fad.vmap(fad.grad(lambda x: x * sin_no_grad(x)))(V)
    np.testing.assert_allclose(per_example, np.sin(V))


def test_no_grad_in_one_thread_does_not_pause_another():
    """Traces belong to the thread that opened them."""
    inside_no_grad = threading.Barrier(2, timeout=10)
    other_done = threading.Barrier(2, timeout=10)
    results = {}

    def paused_grad():
        def f(x):
            with fad.no_grad():
                inside_no_grad.wait()
                other_done.wait()  # the other thread differentiates while we are paused
                c = np.sin(x)
            return x * c

        results["paused"] = fad.grad(f)(X)

    def normal_grad():
        inside_no_grad.wait()
        results["normal"] = fad.grad(lambda x: x * np.sin(x))(X)
        other_done.wait()

    threads = [threading.Thread(target=paused_grad), threading.Thread(target=normal_grad)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results["paused"] == pytest.approx(np.sin(X))
    assert results["normal"] == pytest.approx(np.sin(X) + X * np.cos(X))
