"""Derivatives of np.linalg.qr at rank-deficient inputs (a zero on the diagonal of R): a
ValueError naming qr, the mode of differentiation and the cause, under every transform;
values stay NumPy's."""

import numpy as np
import pytest

import functional_ad as fad
from functional_ad.testing import check_grads

ZERO = np.zeros((3, 2))
FIRST_COLUMN_ZERO = np.array([[0.0, 1.0], [0.0, 2.0], [0.0, 3.0]])
FULL_RANK = np.array([[2.0, 1.0], [0.5, 3.0], [1.0, -1.0]])
REVERSE = "numpy.linalg.qr: no derivative in reverse mode .*R has a zero on its diagonal"
FORWARD = "numpy.linalg.qr: no derivative in forward mode .*R has a zero on its diagonal"


def loss(a):
    q, r = np.linalg.qr(a)
    return np.sum(q) + np.sum(r**2)


@pytest.mark.parametrize("a", [ZERO, FIRST_COLUMN_ZERO, np.zeros((2, 3)), np.zeros((2, 2))])
def test_every_transform_names_qr_and_the_cause(a):
    for transform in (fad.grad, fad.value_and_grad, fad.jacrev):
        with pytest.raises(ValueError, match=REVERSE):
            transform(loss)(a)
    with pytest.raises(ValueError, match=FORWARD):
        fad.jacfwd(loss)(a)
    with pytest.raises(ValueError, match=FORWARD):
        fad.jvp(loss, (a,), (np.ones_like(a),))
    with pytest.raises(ValueError, match="numpy.linalg.qr: no derivative"):
        fad.hessian(loss)(a)
    with pytest.raises(ValueError, match=REVERSE):
        fad.compile(fad.grad(loss))(a)
    with pytest.raises(ValueError, match=REVERSE):
        fad.vmap(fad.grad(loss))(np.stack([FULL_RANK, a]) if a.shape == (3, 2) else a[None])


def test_values_are_numpy_s_at_a_rank_deficient_input():
    for a in (ZERO, FIRST_COLUMN_ZERO):
        np.testing.assert_array_equal(fad.compile(loss)(a), loss(a))
        np.testing.assert_array_equal(fad.vmap(loss)(a[None]), [loss(a)])


def test_the_column_is_named():
    a = np.array([[1.0, 0.0], [2.0, 0.0], [3.0, 0.0]])
    with pytest.raises(ValueError, match="column 1 of A is zero"):
        fad.grad(loss)(a)


def test_full_rank_derivatives_are_unchanged():
    check_grads(loss, (FULL_RANK,), order=2)
    check_grads(loss, (FULL_RANK.T.copy(),), order=2)
