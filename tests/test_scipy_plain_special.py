"""SciPy's own softmax, log_softmax and logsumexp (plain SciPy functions, not the
functional_ad.scipy.special ones) called on traced values inside the transforms."""

import numpy as np
import pytest

import functional_ad as fad

sc = pytest.importorskip("scipy.special")
fs = pytest.importorskip("functional_ad.scipy.special")

X = np.array([[1.0, 2.0, 3.0], [-0.5, 0.0, 4.0]])

# SciPy updates a copy in place through array_api_extra's ``at``, which treats an object
# without ``__array_namespace__`` as read-only; the Tracer's (NumPy) lets these calls trace.
CASES = [
    pytest.param("softmax", {"axis": -1}, id="softmax"),
    pytest.param("log_softmax", {"axis": -1}, id="log_softmax"),
    pytest.param("logsumexp", {"axis": -1}, id="logsumexp"),
]


@pytest.mark.parametrize("name, kwargs", CASES)
def test_plain_scipy_function_traces_like_ours(name, kwargs):
    theirs, ours = getattr(sc, name), getattr(fs, name)

    out_shape = np.shape(ours(X, **kwargs))
    weights = np.arange(1.0, 1.0 + np.prod(out_shape)).reshape(out_shape)

    def loss(f):
        return lambda x: np.sum(f(x, **kwargs) * weights)

    plain, traced = loss(theirs), loss(ours)
    np.testing.assert_allclose(fad.grad(plain)(X), fad.grad(traced)(X), rtol=1e-13)
    np.testing.assert_allclose(fad.hessian(plain)(X), fad.hessian(traced)(X), atol=1e-13)
    t = np.ones_like(X)
    np.testing.assert_allclose(
        fad.jvp(lambda x: theirs(x, **kwargs), (X,), (t,))[1],
        fad.jvp(lambda x: ours(x, **kwargs), (X,), (t,))[1],
        atol=1e-14,
    )
    np.testing.assert_allclose(
        fad.vmap(lambda x: theirs(x, **kwargs))(X), fad.vmap(lambda x: ours(x, **kwargs))(X)
    )
    # and the input is not written through: a plain use of x beside the call
    g = fad.grad(lambda x: np.sum(theirs(x, **kwargs)) + np.sum(x**2))(X)
    np.testing.assert_allclose(g, fad.grad(lambda x: np.sum(ours(x, **kwargs)) + np.sum(x**2))(X))
