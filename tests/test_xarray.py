"""NumPy ufuncs, operators and reductions on an ``xarray.DataArray`` wrapping a traced array
differentiate: xarray forwards them to the wrapped array through NumPy's protocols."""

from __future__ import annotations

import numpy as np
import pytest

import functional_ad as fad
from functional_ad.testing import check_grads

xr = pytest.importorskip("xarray")

RNG = np.random.default_rng(3)
X = RNG.uniform(0.5, 2.0, size=(2, 3))


def labelled(x):
    return xr.DataArray(x, dims=("a", "b"), coords={"a": [10, 20], "b": [1, 2, 3]})


CASES = {
    "sin": lambda x: np.sin(labelled(x)).sum().data,
    "times 2": lambda x: (labelled(x) * 2).sum().data,
    "sum over a dim": lambda x: (labelled(x).sum(dim="a") ** 2).sum().data,
    "mean": lambda x: labelled(x).mean().data,
    "exp and log": lambda x: (np.exp(labelled(x)) + np.log(labelled(x))).mean(dim="b").sum().data,
    "std over a dim": lambda x: labelled(x).std(dim="b").sum().data,
    "var, ddof 1": lambda x: labelled(x).var(ddof=1).data,
    "max over a dim": lambda x: labelled(x).max(dim="a").sum().data,
    "prod": lambda x: labelled(x).prod().data,
    "cumsum": lambda x: (labelled(x).cumsum(dim="b") ** 2).sum().data,
    "median": lambda x: labelled(x).median().data,
    "broadcast by name": lambda x: (labelled(x) * xr.DataArray(x[0], dims=("b",))).sum().data,
    "sel and isel": lambda x: (labelled(x).sel(b=2) * labelled(x).isel(a=0)).sum().data,
    "where": lambda x: labelled(x).where(labelled(x) > 1.0, 0.0).sum().data,
    "dot over a dim": lambda x: xr.dot(labelled(x), labelled(x), dim="a").sum().data,
    "apply_ufunc": lambda x: xr.apply_ufunc(np.tanh, labelled(x)).sum().data,
    "concat": lambda x: xr.concat([labelled(x), labelled(x) ** 2], dim="a").sum().data,
    "roll and diff": lambda x: ((labelled(x).roll(b=1) * labelled(x)).diff("b") ** 2).sum().data,
    "groupby mean": lambda x: labelled(x).groupby("a").mean().sum().data,
    "power": lambda x: (labelled(x) ** labelled(x)).sum().data,
    "Dataset variable": lambda x: (xr.Dataset({"u": labelled(x)}).u ** 2).sum().data,
    ".values": lambda x: np.sum(np.cos(labelled(x)).values),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_derivatives_through_a_dataarray(name):
    f = CASES[name]
    check_grads(f, (X,), order=2)


@pytest.mark.parametrize("name", sorted(CASES))
def test_values_are_plain_xarrays(name):
    f = CASES[name]
    np.testing.assert_allclose(fad.compile(f)(X), f(X), rtol=1e-12)


def test_gradients_against_closed_forms():
    np.testing.assert_allclose(fad.grad(CASES["sin"])(X), np.cos(X))
    np.testing.assert_allclose(fad.grad(CASES["times 2"])(X), np.full_like(X, 2.0))
    np.testing.assert_allclose(
        fad.grad(CASES["sum over a dim"])(X), np.broadcast_to(2 * X.sum(axis=0), X.shape)
    )
    np.testing.assert_allclose(fad.grad(CASES["mean"])(X), np.full_like(X, 1 / X.size))


def test_vmap_hessian_and_jvp():
    per_row = lambda x: np.sin(xr.DataArray(x, dims=("b",))).sum(dim="b").data
    np.testing.assert_allclose(fad.vmap(per_row)(X), np.sin(X).sum(axis=1))
    np.testing.assert_allclose(fad.vmap(fad.grad(per_row))(X), np.cos(X))
    hessian = fad.hessian(lambda x: (labelled(x) ** 3).sum().data)(X)
    np.testing.assert_allclose(hessian.reshape(6, 6), np.diag(6 * X.ravel()))
    _, tangent = fad.jvp(lambda x: np.sin(labelled(x)).data, (X,), (np.ones_like(X),))
    np.testing.assert_allclose(tangent, np.cos(X))


def test_leaving_the_traced_world_raises_a_named_error():
    with pytest.raises(TypeError, match="float\\(\\) of a traced value"):
        fad.grad(lambda x: float(labelled(x).sum()))(X)
    with pytest.raises(TypeError, match="must return arrays or numbers"):
        fad.grad(lambda x: labelled(x).sum())(X)  # a DataArray: return its .data


def test_a_traced_value_times_a_data_array_is_a_data_array_as_with_ndarray():
    """NumPy's dispatch gives the DataArray's own __array_ufunc__ its turn on either side."""
    data = xr.DataArray(np.array([1.0, 2.0, 3.0]), dims="t")

    def f(x):
        product = x * data
        assert isinstance(product, xr.DataArray) and product.dims == ("t",)
        assert isinstance(np.multiply(x, data), xr.DataArray)
        return np.sum(product).data

    assert float(fad.grad(f)(2.0)) == 6.0
    assert float(fad.grad(lambda x: np.sum(data / x).data)(2.0)) == -6.0 / 4.0


def test_an_operand_opting_out_of_ufuncs_gets_its_reflected_operator():
    class OptsOut:
        __array_ufunc__ = None

        def __rmul__(self, other):
            return "reflected"

    seen = []
    fad.grad(lambda x: (seen.append(x * OptsOut()), np.sin(x))[1])(1.0)
    assert seen == ["reflected"]
