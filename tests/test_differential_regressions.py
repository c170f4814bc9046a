"""Wrong results the differential comparison with JAX and NumPy found (tests/jax_diff), each
kept as a named test."""

import numpy as np
import pytest

import functional_ad as fad
from functional_ad.testing import check_grads


@pytest.mark.parametrize(
    "a1, a2", [([0.0, 1.0, 2.0], [1.0, 2.0]), ([0.0, 0.0], [1.0, 2.0]), ([3.0, 1.0], [0.0, 2.0])]
)
def test_polymul_drops_leading_zeros_as_numpy(a1, a2):
    a1, a2 = np.array(a1), np.array(a2)
    value, tangent = fad.jvp(np.polymul, (a1, a2), (np.ones_like(a1), np.ones_like(a2)))
    np.testing.assert_array_equal(value, np.polymul(a1, a2))  # was one element longer
    assert np.shape(tangent) == np.shape(np.polymul(a1, a2))
    # (finite differences cannot check a leading zero: a step changes the shape)
    check_grads(np.polymul, (np.array([0.5, 1.5, -2.0]), np.array([0.7, 2.0])), order=2)


def test_union1d_collapses_nans_as_numpy():
    x, y = np.array([np.nan, 1.0, np.nan]), np.array([1.0, np.nan, 2.0])
    value, _ = fad.jvp(np.union1d, (x, y), (np.ones(3), np.ones(3)))
    np.testing.assert_array_equal(value, np.union1d(x, y))  # was three NaNs
    g = fad.grad(lambda a: np.sum(np.union1d(a, np.array([2.0, 3.0]))))(np.array([3.0, 1.0, 3.0]))
    np.testing.assert_array_equal(g, [1.0, 1.0, 0.0])


def test_comb_outside_its_support_has_zero_derivative():
    import functional_ad.scipy.special as fs

    n, k = np.array([-1.0, -1.0, 4.0]), np.array([1.2, 0.5, 1.5])
    g = fad.grad(lambda v: np.sum(fs.comb(v, k)))(n)
    assert g[0] == 0.0 and g[1] == 0.0  # comb is 0 there: was NaN through the where
    h = fad.hessian(lambda v: np.sum(fs.comb(v, k)))(n)
    assert np.all(np.isfinite(h)) and h[0, 0] == 0.0
