"""bincount and histogram: counts are constants, weights and data-range edges differentiate."""

import numpy as np
import pytest

import functional_ad as fad

from .transform_check import check_program

X = np.array([0.3, 1.7, 0.2, 2.9, 1.3])
W = np.array([1.0, 2.0, 0.5, -1.0, 3.0])
INDICES = np.array([0, 2, 2, 1, 4])


def test_bincount_is_linear_in_its_weights():
    check_program(lambda w: np.bincount(INDICES, weights=w, minlength=6), W)
    np.testing.assert_array_equal(
        fad.grad(lambda w: np.sum(np.bincount(INDICES)) * w[0])(W)[0], 5.0
    )


@pytest.mark.parametrize("density", [False, True])
def test_histogram_weights(density):
    check_program(lambda w: np.histogram(X, bins=3, weights=w, density=density)[0], W)


NOT_COMPILED = ("jvp", "vjp", "grad", "jacfwd", "jacrev", "hessian", "hvp", "vmap")


def test_histogram_edges_move_with_the_data():
    # edges computed from the data's values cannot be compiled: ConcreteValueError says so
    check_program(lambda x: np.histogram(x, bins=4)[1], X, transforms=NOT_COMPILED)
    check_program(lambda x: np.histogram_bin_edges(x, bins=5), X, transforms=NOT_COMPILED)
    check_program(lambda x: np.histogram(x, bins=3, density=True)[0], X, transforms=NOT_COMPILED)
    with pytest.raises(fad.ConcreteValueError):
        fad.compile(lambda x: np.histogram(x, bins=4)[1])(X)
