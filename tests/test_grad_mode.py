"""The tutorial's vocabulary: x.detach(), set_grad_enabled and is_grad_enabled."""

import numpy as np
import pytest

import functional_ad as fad
from functional_ad.testing import check_grads


def test_detach_is_stop_gradient():
    x = np.array([0.5, 1.5])
    np.testing.assert_allclose(fad.grad(lambda x: np.sum(x * x.detach()))(x), x)
    np.testing.assert_allclose(
        fad.grad(lambda x: np.sum(x * x.detach()))(x),
        fad.grad(lambda x: np.sum(x * fad.stop_gradient(x)))(x),
    )
    # forward mode and second order: the detached factor is a constant at every level
    _, t = fad.jvp(lambda x: x * x.detach(), (x,), (np.ones(2),))
    np.testing.assert_allclose(t, x)
    np.testing.assert_allclose(fad.hessian(lambda x: np.sum(x**2 * x.detach()))(x), np.diag(2 * x))


def test_detach_keeps_the_value_and_is_seen_by_vmap():
    xs = np.arange(6.0).reshape(3, 2)
    np.testing.assert_allclose(fad.vmap(lambda x: x.detach() * 2)(xs), xs * 2)
    graph = fad.make_graph(lambda x: x.detach() + x)(np.ones(2))
    assert "stop_gradient" in str(graph)


def f(x, mode):
    with fad.set_grad_enabled(mode):
        y = np.sin(x)
    return x * y


def test_set_grad_enabled_as_context_manager():
    x = 0.7
    assert fad.grad(f)(x, True) == pytest.approx(np.sin(x) + x * np.cos(x))
    assert fad.grad(f)(x, False) == pytest.approx(np.sin(x))
    check_grads(lambda x: f(x, True), (np.array(x),), order=2)

    def nested(x):
        with fad.no_grad():
            with fad.set_grad_enabled(True):
                y = x * x  # differentiated again
            z = x * x
        return y + z

    assert fad.grad(nested)(3.0) == pytest.approx(6.0)


def test_set_grad_enabled_as_decorator_sets_no_mode_when_decorating():
    @fad.set_grad_enabled(False)
    def square(x):
        assert not fad.is_grad_enabled()
        return x * x

    assert fad.is_grad_enabled()
    assert fad.grad(lambda x: square(x) + x)(3.0) == pytest.approx(1.0)
    assert fad.is_grad_enabled()


def test_set_grad_enabled_as_a_plain_call_lasts_until_set_again():
    def g(x):
        fad.set_grad_enabled(False)
        assert not fad.is_grad_enabled()
        y = x * x
        fad.set_grad_enabled(True)
        return y + x * x

    assert fad.grad(g)(3.0) == pytest.approx(6.0)
    assert fad.is_grad_enabled()


def test_is_grad_enabled():
    assert fad.is_grad_enabled()
    with fad.no_grad():
        assert not fad.is_grad_enabled()
        with fad.enable_grad():
            assert fad.is_grad_enabled()
        with fad.set_grad_enabled(True):
            assert fad.is_grad_enabled()
    with fad.set_grad_enabled(False):
        assert not fad.is_grad_enabled()
    assert fad.is_grad_enabled()


def test_set_grad_enabled_needs_a_bool():
    with pytest.raises(TypeError, match="True or False"):
        fad.set_grad_enabled("no")
