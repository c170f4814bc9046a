"""Item assignment, in-place operators and ``.at`` updates, against equivalent functional code."""

from __future__ import annotations

import numpy as np
import pytest

import functional_ad as fad
from functional_ad.testing import check_grads

X = np.array([0.5, 1.0, 2.0, -0.7])


def _same_derivatives(f, f_ref, x=X):
    """f and f_ref agree in value, in both modes and to second order."""
    np.testing.assert_allclose(f(x.copy()), f_ref(x))
    np.testing.assert_allclose(fad.jacrev(f)(x), fad.jacrev(f_ref)(x), atol=1e-12)
    np.testing.assert_allclose(fad.jacfwd(f)(x), fad.jacfwd(f_ref)(x), atol=1e-12)
    scalar = lambda g: lambda x: np.sum(np.sin(g(x)))
    np.testing.assert_allclose(fad.hessian(scalar(f))(x), fad.hessian(scalar(f_ref))(x), atol=1e-12)
    check_grads(f, (x,), order=2)


def test_assign_into_zeros_like():
    def f(x):
        y = np.zeros_like(x)
        y[0] = x[0] ** 2
        y[1:] = np.sin(x[:3])
        return y

    _same_derivatives(f, lambda x: np.concatenate([x[:1] ** 2, np.sin(x[:3])]))


def test_assign_into_zeros_with_like():
    def f(x):
        y = np.zeros(4, like=x)
        y[::2] = x[1::2] * 3
        return y

    _same_derivatives(f, lambda x: np.stack([3 * x[1], 0 * x[0], 3 * x[3], 0 * x[0]]))


def test_mask_assignment_and_inplace_operators():
    def f(x):
        x = x * 1.0
        x[x > 1.5] = 0
        x += np.cos(x)
        x *= 2
        x -= 1
        x /= 3
        x **= 2
        return x

    def f_ref(x):
        x = np.where(x > 1.5, 0, x)
        return ((2 * (x + np.cos(x)) - 1) / 3) ** 2

    _same_derivatives(f, f_ref)


def test_inplace_on_an_input_leaves_the_callers_array_alone():
    x = X.copy()

    def f(x):
        x[1] = x[0] * x[2]
        x += 1
        return x

    jac = fad.jacrev(f)(x)
    fad.jacfwd(f)(x)
    fad.hvp(lambda x: np.sum(f(x) ** 2), (x,), (np.ones(4),))
    np.testing.assert_array_equal(x, X)
    expected = np.eye(4)
    expected[1] = [X[2], 0, X[0], 0]
    np.testing.assert_allclose(jac, expected)


def test_aliases_see_the_update_like_numpy():
    def f(x):
        y = x * 1.0
        alias = y
        y[0] = 10 * x[1]
        return alias

    _same_derivatives(f, lambda x: np.concatenate([10 * x[1:2], x[1:]]))


def test_repeated_indices_last_write_wins():
    def f(x):
        y = np.zeros_like(x)
        y[np.array([0, 0, 2])] = x[:3] * np.array([1.0, 2.0, 3.0])
        return y

    _same_derivatives(f, lambda x: np.stack([2 * x[1], 0 * x[0], 3 * x[2], 0 * x[0]]))


@pytest.mark.parametrize(
    "update, reference",
    [
        (
            lambda x: fad.at(x)[1:3].set(x[0] ** 2),
            lambda x: np.concatenate([x[:1], x[:1] ** 2, x[:1] ** 2, x[3:]]),
        ),
        (
            lambda x: fad.at(x)[np.array([0, 0, 3])].add(np.sin(x[:3])),
            lambda x: x + np.stack([np.sin(x[0]) + np.sin(x[1]), 0 * x[0], 0 * x[0], np.sin(x[2])]),
        ),
        (
            lambda x: fad.at(x)[np.array([1, 1])].multiply(x[2:]),
            lambda x: np.concatenate([x[:1], x[1:2] * x[2] * x[3], x[2:]]),
        ),
        (
            lambda x: fad.at(x)[np.array([0, 3])].min(x[1:3] - 1.0),
            lambda x: np.stack(
                [np.minimum(x[0], x[1] - 1), x[1], x[2], np.minimum(x[3], x[2] - 1)]
            ),
        ),
        (
            lambda x: fad.at(x)[np.array([2, 2])].max(x[:2] + 1.3),
            lambda x: np.stack(
                [x[0], x[1], np.maximum(np.maximum(x[2], x[0] + 1.3), x[1] + 1.3), x[3]]
            ),
        ),
    ],
    ids=["set", "add", "multiply", "min", "max"],
)
def test_at_updates(update, reference):
    _same_derivatives(update, reference)


def test_at_on_plain_arrays_returns_a_copy():
    x = X.copy()
    y = fad.at(x)[1].set(5.0)
    assert y[1] == 5.0 and x[1] == X[1]
    np.testing.assert_allclose(fad.at(x)[np.array([0, 0])].add(1.0)[0], X[0] + 2)
    np.testing.assert_allclose(x.copy().__getitem__(slice(None)), X)


def test_writing_through_a_view_changes_the_array_it_was_taken_from():
    def f(x):
        v = x[:2]
        v[0] = 1.0
        return np.sum(x)

    np.testing.assert_allclose(fad.grad(f)(X), [0.0] + [1.0] * (len(X) - 1))

    def g(x):
        v = x.reshape(2, 2)
        v += 1
        return np.sum(x * x)

    np.testing.assert_allclose(fad.grad(g)(X), 2 * (X + 1))


def test_a_copy_of_a_view_can_be_written():
    def f(x):
        v = x[:2].copy()
        v[0] = 3 * x[3]
        return v

    _same_derivatives(f, lambda x: np.stack([3 * x[3], x[1]]))


def test_assigning_a_traced_value_into_a_plain_array_names_the_fix():
    def f(x):
        y = np.zeros(2)
        y[:] = x[:2]
        return np.sum(y)

    with pytest.raises(TypeError, match="zeros_like"):
        fad.grad(f)(X)

    def g(x):
        y = np.zeros(2)
        y[0] = x[0]
        return np.sum(y)

    with pytest.raises((TypeError, ValueError)) as info:  # (NumPy's ValueError, ours the cause)
        fad.grad(g)(X)
    chain = f"{info.value} {info.value.__cause__}"
    assert "zeros_like" in chain


def test_out_argument_holds_the_traced_result():
    def f(x):
        out = np.empty_like(x)
        np.sin(x, out=out)
        return np.sum(out)

    np.testing.assert_allclose(fad.grad(f)(X), np.cos(X))


def test_mutation_under_nested_transforms():
    def f(x):
        y = np.zeros_like(x)
        for i in range(len(x)):
            y[i] = x[i] ** 3
        return np.sum(y)

    np.testing.assert_allclose(fad.hessian(f)(X), np.diag(6 * X))
    np.testing.assert_allclose(fad.grad(fad.grad(lambda s: f(s * X)))(1.0), 6 * np.sum(X**3))
