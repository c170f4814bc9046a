"""np.unique under the transforms: its values are a selection of the input, so their
derivative flows to the first occurrence of each distinct value (as for np.unique_values)."""

import itertools

import numpy as np
import pytest

import functional_ad as fad
from functional_ad.testing import check_grads

X = np.array([3.0, 1.0, 3.0, 2.0, 1.0, 5.0])


def _first_occurrence_weights(x):
    """d sum(unique(x) ** 2) / dx: 2 v at the first occurrence of each value v, else 0."""
    out = np.zeros_like(x)
    _, first = np.unique(x, return_index=True)
    out[first] = 2 * x[first]
    return out


FLAGS = list(itertools.product([False, True], repeat=3))


@pytest.mark.parametrize("flags", FLAGS, ids=lambda f: "".join("ic"[0] if f else "-" for f in f))
def test_grad_flows_to_the_first_occurrence(flags):
    return_index, return_inverse, return_counts = flags
    kwargs = dict(
        return_index=return_index, return_inverse=return_inverse, return_counts=return_counts
    )

    def f(x):
        out = np.unique(x, **kwargs)
        values = out[0] if any(flags) else out
        return np.sum(values**2)

    np.testing.assert_array_equal(fad.grad(f)(X), _first_occurrence_weights(X))
    # the extra outputs are NumPy's, unchanged
    traced = {}

    def keep(x):
        traced["out"] = np.unique(x, **kwargs)
        return f(x)

    fad.grad(keep)(X)
    expected = np.unique(X, **kwargs)
    got = traced["out"]
    if any(flags):
        assert len(got) == len(expected)
        for g, e in zip(got[1:], expected[1:], strict=True):
            np.testing.assert_array_equal(g, e)


def test_forward_mode_and_second_order():
    t = np.arange(6.0) + 1.0
    value, tangent = fad.jvp(np.unique, (X,), (t,))
    np.testing.assert_array_equal(value, np.unique(X))
    _, first = np.unique(X, return_index=True)
    np.testing.assert_array_equal(tangent, t[first])
    # finite differences split ties, so they check the rules at distinct values only
    check_grads(lambda x: np.unique(x) ** 3, (np.array([0.3, -1.2, 2.5, 0.7]),), order=2)
    h = fad.hessian(lambda x: np.sum(np.unique(x) ** 3))(X)
    np.testing.assert_allclose(np.diag(h), np.where(_first_occurrence_weights(X) != 0, 6 * X, 0))


def test_inverse_rebuilds_the_input_with_its_derivative():
    def f(x):
        values, inverse = np.unique(x, return_inverse=True)
        return np.sum(values[inverse] * np.arange(6.0))

    # values[inverse] reads each value from its first occurrence
    g = fad.grad(f)(X)
    expected = np.zeros(6)
    _, first, inverse = np.unique(X, return_index=True, return_inverse=True)
    np.add.at(expected, first[inverse], np.arange(6.0))
    np.testing.assert_array_equal(g, expected)


def test_axis_and_nan():
    m = np.array([[1.0, 2.0], [3.0, 4.0], [1.0, 2.0]])
    g = fad.grad(lambda a: np.sum(np.unique(a, axis=0) * np.array([[1.0, 2.0], [3.0, 4.0]])))(m)
    np.testing.assert_array_equal(g, [[1.0, 2.0], [3.0, 4.0], [0.0, 0.0]])
    x = np.array([np.nan, 1.0, np.nan])
    g = fad.grad(lambda v: np.nansum(np.unique(v) * 2.0))(x)  # the NaNs collapse (equal_nan)
    np.testing.assert_array_equal(g, [0.0, 2.0, 0.0])
    g = fad.grad(lambda v: np.sum(np.isnan(np.unique(v, equal_nan=False)) * 0.0 + 1.0))(x)
    np.testing.assert_array_equal(g, 0.0)


def test_vmap_and_compile():
    same = np.array([[1.0, 1.0, 2.0], [5.0, 2.0, 5.0]])
    np.testing.assert_array_equal(fad.vmap(np.unique)(same), [[1.0, 2.0], [2.0, 5.0]])
    # a transform inside vmap cannot be run per example: a named error
    with pytest.raises(fad.ConcreteValueError, match="vmap"):
        fad.vmap(fad.grad(lambda r: np.sum(np.unique(r) ** 2)))(same)
    differ = np.array([[1.0, 1.0, 2.0], [1.0, 2.0, 3.0]])
    with pytest.raises(ValueError, match="vmap.*different shapes"):
        fad.vmap(np.unique)(differ)
    # the output's shape depends on the values: one recorded program cannot serve them all
    with pytest.raises(fad.ConcreteValueError, match="compile"):
        fad.compile(fad.grad(lambda x: np.sum(np.unique(x) ** 2)))(X)
    with pytest.raises(fad.ConcreteValueError, match="compile"):
        fad.compile(np.unique)(X)


def test_matches_jax_with_a_fixed_size():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    n = len(np.unique(X))
    g_jax = jax.grad(lambda x: jax.numpy.sum(jax.numpy.unique(x, size=n) ** 2))(X)
    np.testing.assert_array_equal(fad.grad(lambda x: np.sum(np.unique(x) ** 2))(X), g_jax)
