"""Random variates, the multivariate normal's entropy and its density for a singular
covariance: values equal SciPy's, derivatives checked against central differences."""

from __future__ import annotations

import numpy as np
import pytest

import functional_ad as fad
from functional_ad.testing import check_grads

st = pytest.importorskip("scipy.stats")
from functional_ad.scipy import stats as fs  # noqa: E402


@pytest.mark.parametrize(
    "ours, theirs, args",
    [
        (fs.norm, st.norm, (1.0, 2.0)),
        (fs.gamma, st.gamma, (2.5,)),
        (fs.poisson, st.poisson, (3.0,)),
        (fs.dirichlet, st.dirichlet, (np.ones(3),)),
        (fs.multivariate_normal, st.multivariate_normal, (np.zeros(2), np.eye(2))),
    ],
    ids=["norm", "gamma", "poisson", "dirichlet", "multivariate_normal"],
)
def test_rvs_are_scipys(ours, theirs, args):
    np.testing.assert_array_equal(
        ours.rvs(*args, size=4, random_state=7), theirs.rvs(*args, size=4, random_state=7)
    )


def test_frozen_rvs_and_traced_parameters():
    np.testing.assert_array_equal(
        fs.norm(1.0, 2.0).rvs(size=3, random_state=1), st.norm(1.0, 2.0).rvs(size=3, random_state=1)
    )
    with pytest.raises(TypeError, match="norm.rvs: random variates are not differentiable"):
        fad.grad(lambda s: fs.norm.rvs(scale=s, random_state=0))(1.0)


def test_multivariate_normal_entropy():
    cov = np.eye(3) + 0.2
    assert np.isclose(fs.multivariate_normal.entropy(np.zeros(3), cov),
                      st.multivariate_normal.entropy(np.zeros(3), cov))  # fmt: skip
    assert np.isclose(
        fs.multivariate_normal.entropy(cov=2.0), st.multivariate_normal.entropy(cov=2.0)
    )
    check_grads(lambda c: fs.multivariate_normal.entropy(np.zeros(3), c), (cov,), order=2)
    # along a symmetric direction E: d/dt (log det (Σ + tE))/2 = tr(Σ⁻¹ E)/2
    direction = np.array([[0.5, 0.2, 0.0], [0.2, -0.3, 0.1], [0.0, 0.1, 0.4]])
    _, tangent = fad.jvp(lambda c: fs.multivariate_normal.entropy(cov=c), (cov,), (direction,))
    assert np.isclose(tangent, np.trace(np.linalg.solve(cov, direction)) / 2)


SINGULAR = np.array([[1.0, 0.3, 0, 0], [0.3, 1.0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]])


def test_singular_covariance_matches_scipy_on_and_off_the_support():
    rng = np.random.default_rng(5)
    mean = np.concatenate([rng.normal(size=2), np.zeros(2)])
    points = np.stack([mean + np.array([0.3, -0.2, 0, 0]), mean + np.array([0, 0, 1.0, 0])])
    want = st.multivariate_normal.logpdf(points, mean, SINGULAR, allow_singular=True)
    got = fs.multivariate_normal.logpdf(points, mean, SINGULAR, allow_singular=True)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    assert got[1] == -np.inf


def test_singular_covariance_derivatives_in_data_and_mean():
    rng = np.random.default_rng(6)
    x, mean = rng.normal(size=4), rng.normal(size=4)

    def density(x, mean):  # moves only along the support
        return fs.multivariate_normal.pdf(
            np.concatenate([x[:2], mean[2:]]), mean, SINGULAR, allow_singular=True
        )

    check_grads(density, (x, mean), order=2)
    with pytest.raises(NotImplementedError, match="singular covariance"):
        fad.grad(lambda c: fs.multivariate_normal.logpdf(x, mean, c, allow_singular=True))(SINGULAR)


def test_allow_singular_with_a_regular_covariance_keeps_its_derivative():
    cov = np.eye(3) + 0.2
    x = np.array([0.3, -0.1, 0.5])
    f = lambda c: fs.multivariate_normal.logpdf(x, np.zeros(3), c, allow_singular=True)
    assert np.isclose(f(cov), st.multivariate_normal.logpdf(x, np.zeros(3), cov))
    check_grads(f, (cov,), order=2)
