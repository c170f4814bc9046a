"""Unmodified library code on traced values: ``numpy.polynomial``, the Python machinery of
``scipy.stats`` distributions, ``scipy.special``'s array-API functions and ``scipy.linalg``'s
matrix constructors, called as a new user would. What works is checked against the library's
own values and central differences; what does not either raises an error that names the way
out, or is an expected failure whose reason says which entry point is missing."""

from __future__ import annotations

import numpy as np
import pytest

import functional_ad as fad
from functional_ad.testing import check_grads

C = np.array([0.5, -1.0, 2.0, 0.3])
X = np.array([0.2, -0.7, 1.1])
A = np.array([[0.3, 0.1], [-0.2, 0.4]])


# Polynomial objects gather their coefficients with polyutils.as_series, which asks
# np.common_type for their type; without a handler for traced values it falls back to
# object arrays and writes the coefficients into one (tmp[:] = a[:])
def _polynomial_modules():
    from numpy.polynomial import chebyshev, hermite, legendre, polynomial

    return {"polyval": polynomial.polyval, "chebval": chebyshev.chebval,
            "legval": legendre.legval, "hermval": hermite.hermval}  # fmt: skip


@pytest.mark.parametrize("name", ["polyval", "chebval", "legval", "hermval"])
def test_polynomial_series_in_a_traced_point(name):
    evaluate = _polynomial_modules()[name]
    f = lambda x: evaluate(x, C)
    np.testing.assert_allclose(fad.compile(f)(X), f(X), rtol=1e-14)
    check_grads(f, (X,), order=2)


@pytest.mark.parametrize("name", ["polyval", "chebval", "legval", "hermval"])
def test_polynomial_series_with_traced_coefficients(name):
    evaluate = _polynomial_modules()[name]
    f = lambda c: evaluate(X, c)
    np.testing.assert_allclose(fad.compile(f)(C), f(C), rtol=1e-14)
    check_grads(f, (C,), order=2)


def test_polynomial_objects_with_constant_coefficients_in_a_traced_point():
    from numpy.polynomial import Chebyshev, Polynomial

    f = lambda x: Polynomial(C)(x) + Chebyshev(C)(x)
    np.testing.assert_allclose(fad.compile(f)(X), f(X), rtol=1e-14)
    check_grads(f, (X,), order=2)


def test_polynomial_objects_with_traced_coefficients():
    # numpy.polynomial's as_series calls np.common_type: a shape/dtype query for traced values
    from numpy.polynomial import Chebyshev, Polynomial

    check_grads(lambda c: Polynomial(c)(X) + Chebyshev(c)(X), (C,), order=2)
    check_grads(lambda c: (Polynomial(c) * Polynomial(c))(X), (C,), order=2)


# ----------------------------------------------------------------------------- scipy.stats

st = pytest.importorskip("scipy.stats")


def test_plain_multivariate_normal_logpdf_works():
    # SciPy's multivariate normal is NumPy code over a plain covariance factorisation
    from functional_ad.scipy import stats as fs

    mean, cov = np.zeros(3), np.eye(3) + 0.3
    f = lambda x: st.multivariate_normal.logpdf(x, mean, cov)
    np.testing.assert_allclose(f(X), fs.multivariate_normal.logpdf(X, mean, cov), rtol=1e-12)
    check_grads(f, (X,), order=2)


@pytest.mark.parametrize(
    "call",
    [
        lambda x: st.norm.logpdf(x),
        lambda x: st.t.logpdf(x, 3.0, loc=0.1),
        lambda x: st.norm.cdf(x),
        lambda x: st.poisson.logpmf(2, x + 2),
    ],
    ids=["norm.logpdf", "t.logpdf", "norm.cdf", "poisson.logpmf"],
)
def test_plain_scipy_stats_raises_an_error_naming_the_counterpart(call):
    # rv_generic converts its arguments with the asarray it imported from NumPy and writes
    # the results into np.empty arrays: the error names functional_ad.scipy's counterparts
    with pytest.raises(TypeError, match="functional_ad.scipy.<module>.<name>"):
        fad.grad(lambda x: np.sum(call(x)))(X)


# ----------------------------------------------------------------------------- scipy.special

sc = pytest.importorskip("scipy.special")


def test_plain_softmax_works():
    check_grads(lambda x: sc.softmax(x), (X,), order=2)
    np.testing.assert_allclose(fad.compile(sc.softmax)(X), sc.softmax(X), rtol=1e-14)


@pytest.mark.parametrize("name", ["logsumexp", "log_softmax"])
def test_plain_logsumexp_and_log_softmax(name):
    # SciPy's array-API helper xpx.at(x).set(...) writes into arrays that have an
    # __array_namespace__; the Tracer's is NumPy
    check_grads(getattr(sc, name), (X,), order=2)


# ----------------------------------------------------------------------------- scipy.linalg

sl = pytest.importorskip("scipy.linalg")


# compiled SciPy code reads .flags (expm: _cythonized_array_utils.pick_pade_structure;
# scipy.fft's pocketfft helper) and Python code reads .strides (toeplitz, circulant, hankel,
# for as_strided): a traced value refuses both with a TypeError naming the counterparts
@pytest.mark.parametrize(
    "call",
    [
        lambda a: sl.expm(a),
        lambda a: sl.toeplitz(a[0]),
        lambda a: sl.circulant(a[0]),
        lambda a: sl.hankel(a[0]),
    ],
    ids=["expm", "toeplitz", "circulant", "hankel"],
)
def test_plain_scipy_linalg_raises_a_named_error(call):
    with pytest.raises(TypeError, match="functional_ad.scipy"):
        fad.grad(lambda a: np.sum(call(a)))(A)


@pytest.mark.parametrize(
    "call",
    [
        lambda a: sl.solve(a + np.eye(2), np.ones(2)),
        lambda a: sl.inv(a + np.eye(2)),
        lambda a: sl.block_diag(a, a),
        lambda a: sl.companion(a[0]),
    ],
    ids=["solve", "inv", "block_diag", "companion"],
)
def test_plain_scipy_linalg_conversions_name_the_counterpart(call):
    with pytest.raises(TypeError, match="functional_ad.scipy.<module>.<name>"):
        fad.grad(lambda a: np.sum(call(a)))(A)


def test_the_counterparts_differentiate():
    from functional_ad.scipy import linalg as fl

    for ours, theirs, arg in [
        (fl.expm, sl.expm, A),
        (lambda a: fl.toeplitz(a[0], a[1]), lambda a: sl.toeplitz(a[0], a[1]), A),
    ]:
        np.testing.assert_allclose(ours(arg), theirs(arg), rtol=1e-12)
        check_grads(ours, (arg,), order=2)
