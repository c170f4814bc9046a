"""multivariate_normal.cdf / logcdf: SciPy's values, derivatives to second order, at the
special points of Owen's formula (h = 0, k = 0, both), and named refusals."""

import numpy as np
import pytest

import functional_ad as fad
from functional_ad.testing import check_grads

scipy_stats = pytest.importorskip("scipy.stats")
from functional_ad.scipy.stats import multivariate_normal as mvn  # noqa: E402

MEAN = np.array([0.1, -0.2])


def _cov(rho, variances=(1.5, 0.8)):
    off = rho * np.sqrt(variances[0] * variances[1])
    return np.array([[variances[0], off], [off, variances[1]]])


def _point(h, k, variances=(1.5, 0.8)):
    return MEAN + np.array([h, k]) * np.sqrt(variances)


# standardized (h, k) and the correlation: generic points, h = 0, k = 0, both, strong
# positive and negative correlation, none
POINTS = [
    (0.3, -0.7, 0.5),
    (0.0, 0.4, 0.3),
    (0.5, 0.0, -0.6),
    (0.0, 0.0, 0.7),
    (0.0, -0.9, -0.2),
    (-1.2, -0.3, -0.9),
    (2.0, 1.0, 0.99),
    (-0.3, 0.8, 0.0),
]


@pytest.mark.parametrize("h, k, rho", POINTS)
def test_values_are_scipys(h, k, rho):
    x, cov = _point(h, k), _cov(rho)
    expected = scipy_stats.multivariate_normal.cdf(x, MEAN, cov)
    assert float(mvn.cdf(x, MEAN, cov)) == pytest.approx(expected, rel=1e-12, abs=1e-15)
    assert float(mvn.logcdf(x, MEAN, cov)) == pytest.approx(np.log(expected), rel=1e-12)


@pytest.mark.parametrize("h, k, rho", POINTS[:5])
def test_second_derivatives_in_every_argument(h, k, rho):
    check_grads(lambda x, m, c: mvn.cdf(x, m, c), (_point(h, k), MEAN, _cov(rho)), order=2)
    check_grads(lambda x: mvn.logcdf(x, MEAN, _cov(rho)), (_point(h, k),), order=2)


def test_batches_of_points_scalar_and_one_dimensional_covariances():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((5, 2))
    cov = _cov(0.4)
    np.testing.assert_allclose(
        mvn.cdf(x, MEAN, cov), scipy_stats.multivariate_normal.cdf(x, MEAN, cov), rtol=1e-12
    )
    np.testing.assert_allclose(
        fad.vmap(lambda p: mvn.cdf(p, MEAN, cov))(x), mvn.cdf(x, MEAN, cov), rtol=1e-13
    )
    # a vector with a scalar covariance: points of dimension one, as SciPy reads it
    np.testing.assert_allclose(
        mvn.cdf(x[0], cov=2.0), scipy_stats.multivariate_normal.cdf(x[0], cov=2.0), rtol=1e-13
    )
    one = np.array([0.5])
    assert float(mvn.logcdf(one, np.array([0.1]), 2.0)) == pytest.approx(
        scipy_stats.multivariate_normal.logcdf(one, np.array([0.1]), 2.0), rel=1e-13
    )
    compiled = fad.compile(lambda p: mvn.cdf(p, MEAN, cov))
    np.testing.assert_allclose(compiled(x), mvn.cdf(x, MEAN, cov), rtol=1e-15)


def test_unsupported_cases_raise_named_errors():
    with pytest.raises(NotImplementedError, match="dimension 3"):
        mvn.cdf(np.zeros(3), np.zeros(3), np.eye(3))
    with pytest.raises(NotImplementedError, match="lower_limit"):
        mvn.cdf(np.zeros(2), np.zeros(2), np.eye(2), lower_limit=-np.ones(2))
