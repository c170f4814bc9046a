"""scipy.special.poch at the poles of Γ(z) (z = 0, -1, ...): exact first and second
derivatives (mpmath as the oracle), where y (ψ(z+m) - ψ(z)) would be 0·∞."""

import mpmath as mp
import numpy as np
import pytest

import functional_ad as fad
from functional_ad.scipy import special as fs
from functional_ad.testing import check_grads

mp.mp.dps = 40


def _poch(v):
    return fs.poch(v[0], v[1])


def _exact(z, m, orders):
    return float(mp.diff(mp.rf, (mp.mpf(z), mp.mpf(m)), orders))


POINTS = [
    (0.0, 2.5),
    (0.0, 1.0),
    (0.0, -0.5),
    (-1.0, 2.5),
    (-2.0, 0.5),
    (-7.0, 3.3),
    (1e-9, 2.5),
    (-1 + 1e-7, 0.3),
    (0.3, 1.2),
    (0.7, -0.3),
    (2.5, 1.5),
]


@pytest.mark.parametrize(("z", "m"), POINTS)
def test_poch_gradient_and_hessian_match_mpmath(z, m):
    x = np.array([z, m])
    gradient = [_exact(z, m, (1, 0)), _exact(z, m, (0, 1))]
    hess = [
        [_exact(z, m, (2, 0)), _exact(z, m, (1, 1))],
        [_exact(z, m, (1, 1)), _exact(z, m, (0, 2))],
    ]
    np.testing.assert_allclose(fad.grad(_poch)(x), gradient, rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(fad.hessian(_poch)(x), hess, rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(fad.jacfwd(fad.jacfwd(_poch))(x), hess, rtol=1e-13, atol=1e-14)


def test_poch_at_zero_has_exact_zeros_in_m():
    # poch(0, m) = 0 for every m that is not a pole of Γ: its m-derivatives are exactly 0
    h = fad.hessian(_poch)(np.array([0.0, 2.5]))
    assert fad.grad(_poch)(np.array([0.0, 2.5]))[1] == 0.0 and h[1, 1] == 0.0


@pytest.mark.parametrize("z", [1e-3, -1e-3, -1 + 1e-3, 0.49, 0.51, -2.5])
def test_poch_near_the_poles_matches_finite_differences(z):
    check_grads(fs.poch, (z, 1.7), order=2)
