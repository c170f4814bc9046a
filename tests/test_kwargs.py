"""Keyword arguments pass through the transforms unchanged and are never differentiated."""

import numpy as np
import pytest

import functional_ad as fad
from functional_ad.testing import check_grads

rng = np.random.default_rng(0)


def scaled(x, y=None, *, scale=1.0, offset=None):
    out = scale * np.sin(x) + (0.0 if offset is None else offset)
    return np.sum(out if y is None else out * y)


def test_grad_and_value_and_grad_pass_keywords_and_do_not_differentiate_them():
    x, offset = rng.random(3), rng.random(3)
    g = fad.grad(scaled)(x, scale=2.0, offset=offset)
    np.testing.assert_allclose(g, 2.0 * np.cos(x))
    value, g2 = fad.value_and_grad(scaled)(x, scale=3.0, offset=offset)
    np.testing.assert_allclose(value, scaled(x, scale=3.0, offset=offset))
    np.testing.assert_allclose(g2, 3.0 * np.cos(x))
    # argnums counts positional arguments only
    y = rng.random(3)
    np.testing.assert_allclose(fad.grad(scaled, argnums=1)(x, y, scale=2.0), 2 * np.sin(x))


def test_vjp_jvp_jacobians_and_hessian_pass_keywords():
    x = rng.random(3)
    out, pullback = fad.vjp(lambda x, scale: scale * np.sin(x), x, scale=2.0)
    np.testing.assert_allclose(pullback(np.ones(3))[0], 2 * np.cos(x))
    _, t = fad.jvp(lambda x, scale: scale * np.sin(x), (x,), (np.ones(3),), scale=2.0)
    np.testing.assert_allclose(t, 2 * np.cos(x))
    f = lambda x, scale=1.0: scale * np.sin(x)
    for jac in (fad.jacrev, fad.jacfwd, fad.jacobian):
        np.testing.assert_allclose(jac(f)(x, scale=2.0), np.diag(2 * np.cos(x)))
    np.testing.assert_allclose(
        fad.hessian(scaled)(x, scale=2.0), np.diag(-2 * np.sin(x)), atol=1e-12
    )
    _, pullback, aux = fad.vjp(lambda x, k: (k * x, k), x, has_aux=True, k=3.0)
    assert aux == 3.0


def test_keywords_are_constants_inside_nested_transforms():
    # d/dx [x * d/dy (x * y, scale=x)]: the keyword carries an outer tracer as a constant of
    # the inner grad, and is still differentiated by the outer one
    def inner(y, scale):
        return scale * y * y

    def outer(x):
        return fad.grad(inner)(x, scale=x)  # = 2 x * x

    np.testing.assert_allclose(fad.grad(outer)(1.5), 4 * 1.5)
    check_grads(outer, (np.array(1.5),), order=2)


def test_vmap_broadcasts_keywords():
    xs = rng.random((4, 3))
    w = rng.random(3)
    out = fad.vmap(lambda x, w: x @ w)(xs, w=w)
    np.testing.assert_allclose(out, xs @ w)
    # mapped when passed positionally with in_axes
    ws = rng.random((4, 3))
    np.testing.assert_allclose(fad.vmap(lambda x, w: x @ w)(xs, ws), np.sum(xs * ws, axis=1))
    with pytest.raises(ValueError, match="shapes|broadcast|aligned|mismatch"):
        fad.vmap(lambda x, w: x @ w)(xs, w=ws)  # (3,) @ (4, 3): the keyword is not mapped
    per_example = fad.vmap(fad.grad(scaled))(xs, scale=2.0)
    np.testing.assert_allclose(per_example, 2 * np.cos(xs))


def test_compile_keys_its_cache_on_keyword_values():
    calls = []

    def f(x, scale=1.0, weights=None):
        calls.append(1)
        return scale * np.sum(x * (1.0 if weights is None else weights))

    fast = fad.compile(f)
    x = rng.random(3)
    assert fast(x, scale=2.0) == pytest.approx(2 * np.sum(x))
    assert fast(x, scale=3.0) == pytest.approx(3 * np.sum(x))  # a new value: not stale
    assert fast(x, scale=2.0) == pytest.approx(2 * np.sum(x))
    assert len(calls) == 2 and len(fast.programs) == 2
    w = np.ones(3)
    assert fast(x, weights=w) == pytest.approx(np.sum(x))
    w[0] = 5.0  # changed in place: a new program, never the stale one
    assert fast(x, weights=w) == pytest.approx(np.sum(x) + 4 * x[0])
    assert len(fast.programs) == 4
    assert fast(x, scale=2, weights=None) == pytest.approx(2 * np.sum(x))  # int 2 is not 2.0
    assert len(fast.programs) == 5


def test_compile_rejects_unkeyable_and_traced_keywords():
    fast = fad.compile(lambda x, opts=None: x * 2)
    with pytest.raises(TypeError, match="'opts' is a set, which is neither hashable nor"):
        fast(np.ones(2), opts={1, 2})
    with pytest.raises(TypeError, match="traced value.*positionally"):
        fad.grad(lambda x: np.sum(fad.compile(lambda y, s: y * s)(np.ones(2), s=x)))(1.0)
    ok = fad.grad(lambda x: np.sum(fad.compile(lambda y, s: y * s)(x, s=2.0)))(np.ones(2))
    np.testing.assert_allclose(ok, [2.0, 2.0])


def test_compile_under_vmap_with_keywords():
    xs = rng.random((4, 3))
    fast = fad.compile(lambda x, scale: scale * np.sin(x))
    np.testing.assert_allclose(fad.vmap(fast)(xs, scale=2.0), 2 * np.sin(xs))
