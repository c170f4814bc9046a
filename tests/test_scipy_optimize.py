"""functional_ad.scipy.optimize: solutions agree with SciPy, derivatives with closed forms,
and what cannot be differentiated raises or warns."""

from __future__ import annotations

import numpy as np
import pytest

import functional_ad as fad

so = pytest.importorskip("scipy.optimize")
from functional_ad.scipy import optimize as fo  # noqa: E402


def test_root_result_matches_scipy_and_its_derivative_the_closed_form():
    res = fo.root(lambda x, a: x**2 - a, np.array([1.0]), args=(2.0,))
    want = so.root(lambda x, a: x**2 - a, np.array([1.0]), args=(2.0,))
    assert res.success and res.nfev >= 1
    np.testing.assert_allclose(res.x, want.x)
    # x = sqrt(a): dx/da = 1/(2 sqrt a), d²x/da² = -1/(4 a^(3/2))
    first = fad.grad(lambda a: fo.root(lambda x, a: x**2 - a, np.ones(1), args=(a,)).x[0])
    np.testing.assert_allclose(first(2.0), 0.5 / np.sqrt(2.0), rtol=1e-10)
    np.testing.assert_allclose(fad.grad(first)(2.0), -0.25 * 2.0**-1.5, rtol=1e-8)


def test_maximum_likelihood_estimate_moves_with_the_data():
    # the mean minimises sum((x - m)^2): d m / d data = 1/n each
    data = np.array([1.0, 2.0, 4.0])

    def estimate(data):
        return fo.minimize(lambda m, d: np.sum((m - d) ** 2), np.zeros(1), args=(data,)).x[0]

    np.testing.assert_allclose(estimate(data), np.mean(data), rtol=1e-8)
    np.testing.assert_allclose(fad.grad(estimate)(data), np.full(3, 1 / 3), rtol=1e-8)
    np.testing.assert_allclose(fad.jacfwd(estimate)(data), np.full(3, 1 / 3), rtol=1e-8)


def test_vmap_solves_each_example():
    a = np.array([4.0, 9.0, 16.0])
    roots = fad.vmap(lambda a: fo.root(lambda x, a: x * x - a, np.ones(1), args=(a,)).x[0])(a)
    np.testing.assert_allclose(roots, np.sqrt(a))


def test_constraints_raise_and_non_convergence_warns():
    with pytest.raises(NotImplementedError, match="bounds and constraints"):
        fo.minimize(lambda x: np.sum(x**2), np.ones(2), bounds=[(0, 1), (0, 1)])
    with pytest.warns(RuntimeWarning, match="did not converge"):
        fo.root(lambda x: x**2 + 1.0, np.array([0.3]))


def test_custom_root_with_a_hand_written_solver():
    def bisect(g, x0):
        lo, hi = 0.0, 10.0
        for _ in range(200):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if g(np.array(mid)) < 0 else (lo, mid)
        return np.array((lo + hi) / 2)

    cube_root = lambda a: fo.custom_root(lambda x, a: x**3 - a, np.array(1.0), bisect, (a,))
    np.testing.assert_allclose(cube_root(27.0), 3.0, rtol=1e-12)
    np.testing.assert_allclose(fad.grad(cube_root)(27.0), 1 / 27.0, rtol=1e-10)
