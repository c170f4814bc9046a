"""np.linalg.cond of singular matrices under every transform: NumPy's value (inf, never
LinAlgError), a NaN derivative (undefined there), and the regular matrices of a stack
untouched."""

import numpy as np
import pytest

import functional_ad as fad
from functional_ad.testing import check_grads

SINGULAR = np.array([[1.0, 2.0], [2.0, 4.0]])
REGULAR = np.array([[2.0, 1.0], [0.5, 3.0]])
INVERSE_NORMS = ["fro", "nuc", np.inf, -np.inf, 1, -1]
ALL_NORMS = [None, 2, -2, *INVERSE_NORMS]


def _numpy_cond(m, p):
    if p == "nuc" and np.linalg.matrix_rank(m) < m.shape[-1]:
        return np.inf  # NumPy 2.4 raises LinAlgError here (its SVD of a NaN inverse)
    with np.errstate(all="ignore"):
        return np.linalg.cond(m, p)


@pytest.mark.parametrize("p", INVERSE_NORMS)
@pytest.mark.parametrize("m", [SINGULAR, np.zeros((2, 2)), np.diag([1.0, 0.0, 2.0])])
def test_singular_value_is_inf_and_derivative_nan(p, m):
    f = lambda a: np.linalg.cond(a, p)
    with np.errstate(all="ignore"):
        value, gradient = fad.value_and_grad(f)(m)
        assert value == np.inf and np.isnan(gradient).all()
        assert fad.compile(f)(m) == np.inf
        out, tangent = fad.jvp(f, (m,), (np.ones_like(m),))
        assert out == np.inf and np.isnan(tangent)
        assert np.isnan(fad.hessian(f)(m)).all()


@pytest.mark.parametrize("p", ALL_NORMS)
def test_zero_matrix_is_inf_as_in_numpy(p):
    # NumPy turns cond's NaN (0/0) into inf for every p
    f = lambda a: np.linalg.cond(a, p)
    with np.errstate(all="ignore"):
        assert fad.value_and_grad(f)(np.zeros((2, 2)))[0] == np.inf
        assert fad.compile(f)(np.zeros((2, 2))) == np.inf


@pytest.mark.parametrize("p", ALL_NORMS)
def test_stack_under_vmap_and_jacrev_matches_numpy(p):
    stack = np.stack([REGULAR, SINGULAR if p in INVERSE_NORMS else np.zeros((2, 2)), 2 * REGULAR])
    expected = np.array([_numpy_cond(m, p) for m in stack])
    f = lambda a: np.linalg.cond(a, p)
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(fad.vmap(f)(stack), expected)
        np.testing.assert_array_equal(fad.compile(f)(stack), expected)
        jacobian = fad.jacrev(f)(stack)
        per_example = fad.vmap(fad.grad(f))(stack)
        regular_gradient = fad.grad(f)(REGULAR)
    assert np.isnan(jacobian[1, 1]).all() and np.isnan(per_example[1]).all()
    np.testing.assert_allclose(jacobian[0, 0], regular_gradient, rtol=1e-14)
    np.testing.assert_allclose(per_example[0], regular_gradient, rtol=1e-14)
    np.testing.assert_allclose(per_example[2], fad.grad(f)(2 * REGULAR), rtol=1e-14)
    # the regular matrices do not see each other; a zero cotangent meeting the undefined
    # derivative of the singular one is 0 × NaN = NaN, as 0 × inf is for jacrev(np.sqrt) at 0
    assert (jacobian[0, 2] == 0).all() and (jacobian[2, 0] == 0).all()


@pytest.mark.parametrize("p", ALL_NORMS)
def test_regular_values_and_derivatives_unchanged(p):
    f = lambda a: np.linalg.cond(a, p)
    assert fad.value_and_grad(f)(REGULAR)[0] == pytest.approx(np.linalg.cond(REGULAR, p), rel=1e-15)
    check_grads(f, (REGULAR,), order=2)


def test_float32_stays_float32_and_nan_input_stays_nan():
    f = lambda a: np.linalg.cond(a, "fro")
    with np.errstate(all="ignore"):
        assert fad.value_and_grad(f)(SINGULAR.astype(np.float32))[0].dtype == np.float32
        nan_matrix = np.array([[np.nan, 0.0], [0.0, 1.0]])
        assert np.isnan(fad.value_and_grad(f)(nan_matrix)[0])
        assert np.isnan(np.linalg.cond(nan_matrix, "fro"))


def test_empty_and_non_square_raise_as_numpy():
    with pytest.raises(np.linalg.LinAlgError, match="empty"):
        fad.grad(lambda a: np.linalg.cond(a, "fro"))(np.zeros((0, 0)))
    with pytest.raises(np.linalg.LinAlgError, match="square"):
        fad.grad(lambda a: np.linalg.cond(a, 1))(np.ones((2, 3)))
