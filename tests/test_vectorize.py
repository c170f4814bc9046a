"""np.vectorize of traced values: the Python function applied once per element (NumPy's own
np.vectorize code, given traced elements), in both modes, under vmap and compile."""

from __future__ import annotations

import math

import numpy as np
import pytest

import functional_ad as fad
from functional_ad.testing import check_grads

X = np.array([0.5, 1.5, -2.5])
M = np.array([[0.3, -1.2, 2.0], [1.1, 0.4, -0.7]])


def scalar_only(a):
    """A function of one element (np.vectorize calls it with a 0-d value each time)."""
    assert np.ndim(a) == 0
    return a * np.sin(a) + a**3


def test_values_and_derivatives_match_numpy_and_finite_differences():
    f = np.vectorize(scalar_only)
    for x in (X, M, np.float64(0.7)):
        np.testing.assert_allclose(fad.jvp(f, (x,), (np.ones_like(x),))[0], f(x))
        check_grads(f, (x,), order=2)
    # d/da (a sin a + a^3) = sin a + a cos a + 3 a^2, elementwise: a diagonal Jacobian
    expected = np.sin(X) + X * np.cos(X) + 3 * X**2
    np.testing.assert_allclose(fad.jacfwd(f)(X), np.diag(expected))
    np.testing.assert_allclose(fad.jacrev(f)(X), np.diag(expected))


def test_per_element_control_flow():
    # the point of np.vectorize: Python branches on each element's value
    def clipped_cube(a):
        return a**3 if a > 0 else -2.0 * a

    f = np.vectorize(clipped_cube)
    np.testing.assert_allclose(fad.grad(lambda x: np.sum(f(x)))(X), [0.75, 6.75, -2.0])
    check_grads(lambda x: f(x), (X,), order=2)


def test_several_arguments_broadcast_with_plain_arrays():
    f = np.vectorize(lambda a, b: a * b + np.exp(a - b))
    b = np.array([[1.0], [2.0]])
    value = f(X, b)
    np.testing.assert_allclose(value, X * b + np.exp(X - b))
    check_grads(lambda x: f(x, b), (X,), order=2)
    check_grads(f, (X, np.array([0.2, 0.4, 0.6])), order=2)


def test_otypes_int_has_no_derivative_and_float_keeps_it():
    to_int = np.vectorize(lambda a: a * 3.0, otypes=[int])
    out = fad.jvp(to_int, (X,), (np.ones(3),))
    np.testing.assert_array_equal(out[0], to_int(X))
    assert out[0].dtype == to_int(X).dtype
    np.testing.assert_array_equal(out[1], np.zeros(3))  # an integer result: zero tangent
    to_float = np.vectorize(lambda a: a * 3.0, otypes=[np.float64])
    np.testing.assert_allclose(fad.jacrev(to_float)(X), 3.0 * np.eye(3))


def test_excluded_and_keyword_arguments():
    def weighted(a, w, scale=1.0):
        return scale * (w[0] * a + w[1] * a * a)

    f = np.vectorize(weighted, excluded={1})
    w = [2.0, 0.5]
    np.testing.assert_allclose(f(X, w, scale=3.0), [weighted(a, w, 3.0) for a in X])
    check_grads(lambda x: f(x, w, scale=3.0), (X,), order=2)
    # a keyword argument that is vectorized and traced
    check_grads(lambda s: f(X, w, scale=s), (np.array([1.0, 2.0, 0.5]),), order=2)


def test_several_outputs_and_cache():
    f = np.vectorize(lambda a: (np.sin(a), a * a), cache=True)
    sin_x, square = fad.jvp(f, (X,), (np.ones(3),))[1]
    np.testing.assert_allclose(sin_x, np.cos(X))
    np.testing.assert_allclose(square, 2 * X)
    check_grads(f, (X,), order=2)


def test_constant_outputs_for_some_elements():
    f = np.vectorize(lambda a: 1.0 if a < 0 else a * a)
    np.testing.assert_allclose(fad.grad(lambda x: np.sum(f(x)))(X), [1.0, 3.0, 0.0])


def test_signature():
    moments = np.vectorize(
        lambda row: np.array([np.sum(row), np.sum(row**2)]), signature="(n)->(k)"
    )
    np.testing.assert_allclose(fad.jvp(moments, (M,), (np.ones_like(M),))[0], moments(M))
    check_grads(moments, (M,), order=2)
    outer = np.vectorize(np.outer, signature="(n),(m)->(n,m)")
    check_grads(outer, (M, X[:2]), order=2)


def test_decorator_form():
    @np.vectorize
    def f(a):
        return math.pi * a**2

    check_grads(f, (X,), order=2)
    g = np.vectorize(otypes=[float])(lambda a: a**2)
    np.testing.assert_allclose(fad.grad(lambda x: np.sum(g(x)))(X), 2 * X)


def test_vmap_equals_a_loop():
    f = np.vectorize(scalar_only)
    batched = fad.vmap(lambda x: f(x) * x[0])(M)
    np.testing.assert_allclose(batched, [f(row) * row[0] for row in M])
    np.testing.assert_allclose(fad.vmap(fad.grad(lambda x: np.sum(f(x))))(M),
                               [fad.grad(lambda x: np.sum(f(x)))(row) for row in M])  # fmt: skip


def test_compile_equals_eager_at_new_values():
    f = np.vectorize(scalar_only)
    compiled = fad.compile(lambda x: f(x))
    for x in (X, 2 * X, -X):
        np.testing.assert_allclose(compiled(x), f(x))
    compiled_grad = fad.compile(fad.grad(lambda x: np.sum(f(x))))
    for x in (X, 2 * X):
        np.testing.assert_allclose(compiled_grad(x), fad.grad(lambda x: np.sum(f(x)))(x))


def test_value_dependent_branches_are_refused_by_compile_and_vmap():
    f = np.vectorize(lambda a: a**3 if a > 0 else -2.0 * a)
    with pytest.raises(fad.ConcreteValueError):
        fad.compile(lambda x: f(x))(X)
    with pytest.raises(fad.ConcreteValueError):
        fad.vmap(lambda x: f(x))(M)


def test_size_zero_input_without_otypes_raises_numpys_error():
    f = np.vectorize(np.sin)
    with pytest.raises(ValueError, match="size 0 inputs"):
        fad.grad(lambda x: np.sum(f(x[:0])) + np.sum(x))(X)
