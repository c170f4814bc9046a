"""functional_ad.scipy.stats agrees with scipy.stats in value, and raises where a shape has no
derivative (the derivatives themselves are checked by the op table, tests/op_rows/stats.py)."""

from __future__ import annotations

import numpy as np
import pytest

import functional_ad as fad

st = pytest.importorskip("scipy.stats")
from functional_ad.scipy import stats as fs  # noqa: E402

SHAPES = {
    "norm": (),
    "t": (3.5,),
    "gamma": (2.5,),
    "beta": (2.0, 3.0),
    "chi2": (3.0,),
    "expon": (),
    "laplace": (),
    "logistic": (),
    "cauchy": (),
    "uniform": (),
    "lognorm": (0.7,),
    "vonmises": (1.5,),
    "skewnorm": (2.0,),
}
X = np.array([-4.0, -0.5, 0.0, 0.2, 0.6, 1.0, 1.7, 3.0, 40.0])
Q = np.array([0.0, 0.1, 0.5, 0.8, 1.0])


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_continuous_values_match_scipy_inside_and_outside_the_support(name):
    ours, theirs, shapes = getattr(fs, name), getattr(st, name), SHAPES[name]
    with np.errstate(all="ignore"):
        for method in ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"):
            got = getattr(ours, method)(X, *shapes, loc=0.1, scale=1.3)
            want = getattr(theirs, method)(X, *shapes, loc=0.1, scale=1.3)
            np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12, err_msg=method)
        for method in ("ppf", "isf"):
            got = getattr(ours, method)(Q, *shapes, loc=0.1, scale=1.3)
            want = getattr(theirs, method)(Q, *shapes, loc=0.1, scale=1.3)
            np.testing.assert_allclose(got, want, rtol=1e-8, atol=1e-10, err_msg=method)
        # an invalid scale gives NaN, as in SciPy
        assert np.isnan(ours.logpdf(0.5, *shapes, scale=-1.0))


@pytest.mark.parametrize(
    "name, shapes", [("poisson", (2.3,)), ("binom", (5, 0.3)), ("nbinom", (3, 0.4))]
)
def test_discrete_values_match_scipy(name, shapes):
    k = np.array([-1.0, 0.0, 1.0, 2.0, 3.5, 5.0, 7.0])
    ours, theirs = getattr(fs, name), getattr(st, name)
    with np.errstate(all="ignore"):
        for method in ("logpmf", "pmf", "cdf", "logcdf", "sf", "logsf"):
            got = getattr(ours, method)(k, *shapes)
            want = getattr(theirs, method)(k, *shapes)
            np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12, err_msg=method)
    q = np.array([0.1, 0.5, 0.9])
    np.testing.assert_array_equal(ours.ppf(q, *shapes), theirs.ppf(q, *shapes))
    assert fad.grad(lambda q: np.sum(ours.ppf(q, *shapes)))(q).tolist() == [0.0, 0.0, 0.0]


def test_multivariate_values_match_scipy():
    rng = np.random.default_rng(0)
    x, mean = rng.normal(size=(4, 3)), rng.normal(size=3)
    a = rng.normal(size=(3, 3))
    cov = a @ a.T + np.eye(3)
    for args in [(x, mean, cov), (x[0], mean, 2.0), (x[:, 0], 0.5, 2.0), (x, mean, np.ones(3))]:
        np.testing.assert_allclose(
            fs.multivariate_normal.logpdf(*args), st.multivariate_normal.logpdf(*args)
        )
    simplex = np.array([[0.2, 0.3], [0.5, 0.1], [0.3, 0.6]])
    alpha = np.array([1.5, 2.0, 3.0])
    np.testing.assert_allclose(
        fs.dirichlet.logpdf(simplex, alpha), st.dirichlet.logpdf(simplex, alpha)
    )


@pytest.mark.parametrize(
    "fn, argument",
    [
        (lambda df: fad.grad(fad.grad(lambda df: fs.t.cdf(0.3, df)))(df), "third derivative"),
        (lambda a: fad.grad(fad.grad(lambda a: fs.gamma.sf(0.3, a)))(a), "argument 'a'"),
        (lambda b: fad.grad(fad.grad(lambda b: fs.beta.ppf(0.3, 2.0, b)))(b), "third derivative"),
        (lambda k: fad.grad(fad.grad(lambda k: fs.vonmises.cdf(0.3, k)))(k), "argument 'kappa'"),
        (lambda n: fad.grad(fad.grad(lambda n: fs.nbinom.cdf(2, n, 0.4)))(n), "third derivative"),
    ],
)
def test_a_third_shape_derivative_raises(fn, argument):
    with pytest.raises(NotImplementedError, match=argument):
        fad.grad(fn)(2.5)


def test_frozen_distributions_and_keyword_shapes():
    assert fs.norm(1.0, 2.0).logpdf(0.5) == fs.norm.logpdf(0.5, 1.0, 2.0)
    assert fs.t.logpdf(0.5, df=3.0, scale=2.0) == fs.t.logpdf(0.5, 3.0, 0.0, 2.0)
    with pytest.raises(TypeError, match="missing shape"):
        fs.t.logpdf(0.5)
    with pytest.raises(TypeError, match="unexpected keyword"):
        fs.norm.logpdf(0.5, sigma=2.0)


def test_gradient_of_a_log_likelihood_matches_the_closed_form():
    rng = np.random.default_rng(1)
    data = rng.normal(1.0, 2.0, size=50)

    def nll(params):
        return -np.sum(fs.norm.logpdf(data, params[0], np.exp(params[1])))

    mu, log_sigma = 0.3, 0.5
    sigma = np.exp(log_sigma)
    want = [
        -np.sum(data - mu) / sigma**2,
        len(data) - np.sum((data - mu) ** 2) / sigma**2,
    ]
    np.testing.assert_allclose(fad.grad(nll)(np.array([mu, log_sigma])), want)


def test_plain_scipy_on_a_traced_value_points_to_the_counterpart():
    import scipy.linalg

    # SciPy's compiled solve converts its arguments: the error names the counterparts' rule
    with pytest.raises(TypeError, match=r"functional_ad\.scipy\.<module>\.<name>"):
        fad.grad(lambda x: np.sum(scipy.linalg.solve_triangular(x, np.ones(2))))(np.eye(2))


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st_  # noqa: E402

SHAPE_DRAWS = {
    "norm": [],
    "t": [(1.5, 8.0)],
    "gamma": [(0.8, 5.0)],
    "beta": [(1.2, 4.0), (1.2, 4.0)],
    "chi2": [(1.5, 6.0)],
    "expon": [],
    "laplace": [],
    "logistic": [],
    "cauchy": [],
    "lognorm": [(0.3, 1.5)],
    "vonmises": [(0.5, 4.0)],
    "skewnorm": [(-3.0, 3.0)],
}


@st_.composite
def distribution_and_point(draw):
    name = draw(st_.sampled_from(sorted(SHAPE_DRAWS)))
    shapes = [draw(st_.floats(lo, hi)) for lo, hi in SHAPE_DRAWS[name]]
    q = draw(st_.floats(0.05, 0.95))
    loc = draw(st_.floats(-1.0, 1.0))
    scale = draw(st_.floats(0.5, 2.0))
    return name, shapes, q, loc, scale


@settings(max_examples=60, deadline=None)
@given(distribution_and_point())
def test_cdf_derivative_is_the_density_and_ppf_inverts_it(case):
    name, shapes, q, loc, scale = case
    dist = getattr(fs, name)
    x = float(dist.ppf(q, *shapes, loc=loc, scale=scale))
    assert np.isclose(float(dist.cdf(x, *shapes, loc=loc, scale=scale)), q, atol=1e-9)
    density = float(dist.pdf(x, *shapes, loc=loc, scale=scale))
    d_cdf = fad.grad(lambda x: dist.cdf(x, *shapes, loc=loc, scale=scale))(x)
    d_ppf = fad.grad(lambda q: dist.ppf(q, *shapes, loc=loc, scale=scale))(q)
    assert np.isclose(d_cdf, density, rtol=1e-7)
    assert np.isclose(d_ppf * density, 1.0, rtol=1e-6)
    # d sf = -d cdf, and the log-density's derivative is pdf'/pdf
    d_sf = fad.grad(lambda x: dist.sf(x, *shapes, loc=loc, scale=scale))(x)
    assert np.isclose(d_sf, -density, rtol=1e-7)
    d_logpdf = fad.grad(lambda x: dist.logpdf(x, *shapes, loc=loc, scale=scale))(x)
    d_pdf = fad.grad(lambda x: dist.pdf(x, *shapes, loc=loc, scale=scale))(x)
    assert np.isclose(d_logpdf * density, d_pdf, rtol=1e-7, atol=1e-12)


@pytest.mark.parametrize(
    "method",
    [
        lambda d, x: d.norm.cdf(x),
        lambda d, x: d.norm.logpdf(x, 0.5, 2.0),
        lambda d, x: d.norm.ppf(x / 3.0),
        lambda d, x: d.gamma.sf(x, 2.0),
        lambda d, x: d.poisson.logpmf(3, x),
    ],
    ids=["norm.cdf", "norm.logpdf", "norm.ppf", "gamma.sf", "poisson.logpmf"],
)
def test_float32_data_gives_scipy_s_double_precision(method):
    # SciPy's distributions compute in double precision: norm.cdf of float32 data was float32
    x = np.float32([0.5, 1.0, 2.0])
    expected = method(st, x)
    got = fad.vjp(lambda t: method(fs, t), x)[0]
    assert got.dtype == expected.dtype == np.float64
    # (SciPy's ppf evaluates float32 quantiles in float32 before widening them: 1e-6 apart)
    np.testing.assert_allclose(got, expected, rtol=1e-6)
    linalg = pytest.importorskip("scipy.linalg")
    from functional_ad.scipy import linalg as fl

    m = np.float32([[2.0, 0.5], [0.25, 1.0]])
    assert fad.vjp(fl.det, m)[0].dtype == linalg.det(m).dtype == np.float64
