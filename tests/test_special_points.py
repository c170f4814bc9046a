"""Derivatives at special points: exact values where they exist (mpmath as the oracle), the
documented convention where they do not."""

import mpmath as mp
import numpy as np
import pytest

import functional_ad as fad

grad = fad.grad


def _sinc(t):
    return mp.sin(mp.pi * t) / (mp.pi * t) if t != 0 else mp.mpf(1)


@pytest.mark.parametrize("x", [0.0, 1e-12, 1e-9, 1e-6, 1e-3, 0.05, 0.0999, 0.1, 0.5, -1.3])
def test_sinc_to_the_third_order(x):
    for order in (1, 2, 3):
        f = np.sinc
        for _ in range(order):
            f = grad(f)
        if x == 0:
            exact = [0.0, -float(mp.pi**2) / 3, 0.0][order - 1]
        else:
            exact = float(mp.diff(_sinc, mp.mpf(x), order))
        np.testing.assert_allclose(f(x), exact, rtol=1e-9, atol=1e-12, err_msg=f"order {order}")


def test_sinc_forward_mode_agrees():
    x = np.array([0.0, 1e-9, 0.3])
    _, tangent = fad.jvp(np.sinc, (x,), (np.ones(3),))
    np.testing.assert_allclose(tangent, fad.vmap(grad(np.sinc))(x), rtol=1e-14)


def test_hypot_at_the_origin_is_a_subgradient():
    np.testing.assert_array_equal(grad(lambda v: np.hypot(v[0], v[1]))(np.zeros(2)), [0.0, 0.0])
    _, tangent = fad.jvp(np.hypot, (0.0, 0.0), (1.0, 1.0))
    assert tangent == 0.0
    np.testing.assert_allclose(grad(np.hypot)(3.0, 4.0), 0.6)


def test_complex_sign_at_zero_has_derivative_zero_as_in_jax():
    z = np.array([0j, 3 + 4j])
    out, tangent = fad.jvp(np.sign, (z,), (np.ones(2, complex),))
    np.testing.assert_allclose(out, np.sign(z))
    assert tangent[0] == 0
    h = 1e-7  # elsewhere: the derivative of z/|z|
    np.testing.assert_allclose(tangent[1], (np.sign(z[1] + h) - np.sign(z[1] - h)) / (2 * h))
