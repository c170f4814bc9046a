"""functional_ad.scipy.integrate: values equal SciPy's, the adjoint equals forward
sensitivities and closed forms, to second order."""

from __future__ import annotations

import numpy as np
import pytest

import functional_ad as fad

si = pytest.importorskip("scipy.integrate")
from functional_ad.scipy import integrate as fi  # noqa: E402

T = np.linspace(0.0, 2.0, 5)


def lotka_volterra(y, t, a, b):
    return np.stack([a * y[0] - b * y[0] * y[1], b * y[0] * y[1] - y[1]])


def test_values_are_scipys():
    y0 = np.array([1.0, 0.5])
    np.testing.assert_array_equal(
        fi.odeint(lotka_volterra, y0, T, (1.1, 0.4)), si.odeint(lotka_volterra, y0, T, (1.1, 0.4))
    )


def test_adjoint_equals_forward_sensitivities():
    def loss(y0, a, b):
        ys = fi.odeint(lotka_volterra, y0, T, (a, b), rtol=1e-11, atol=1e-11)
        return np.sum(ys[1:] ** 2)

    args = (np.array([1.0, 0.5]), 1.1, 0.4)
    reverse = fad.grad(loss, argnums=(0, 1, 2))(*args)
    forward = fad.jacfwd(loss, argnums=(0, 1, 2))(*args)
    for r, f in zip(reverse, forward, strict=True):
        np.testing.assert_allclose(r, f, rtol=1e-7, atol=1e-9)


def test_exponential_decay_against_the_closed_form():
    # y = y0 e^{-k t}: dy/dk = -t y, dy/dt = -k y
    def final(k, t1):
        return fi.odeint(lambda y, t, k: -k * y, np.ones(1), np.stack([0.0, t1]), (k,),
                         rtol=1e-12, atol=1e-12)[-1, 0]  # fmt: skip

    k, t1 = 0.7, 1.3
    dk, dt = fad.grad(final, argnums=(0, 1))(k, t1)
    np.testing.assert_allclose(dk, -t1 * np.exp(-k * t1), rtol=1e-8)
    np.testing.assert_allclose(dt, -k * np.exp(-k * t1), rtol=1e-8)


def test_second_derivatives_of_an_ode_solution_against_the_closed_form():
    # y(T) = e^{-k T}: d²y/dk² = T² e^{-k T}, in every combination of modes
    f = lambda k: fi.odeint(lambda y, t, k: -k * y, np.ones(1), T, (k,), rtol=1e-12,
                            atol=1e-12)[-1, 0]  # fmt: skip
    want = T[-1] ** 2 * np.exp(-0.5 * T[-1])
    assert np.isclose(fad.grad(fad.grad(f))(0.5), want, rtol=1e-7)
    assert np.isclose(fad.hessian(f)(0.5), want, rtol=1e-7)
    assert np.isclose(fad.jacfwd(fad.jacfwd(f))(0.5), want, rtol=1e-7)


def test_vmap_solves_each_example():
    ks = np.array([0.5, 1.0, 2.0])
    f = lambda k: fi.odeint(lambda y, t, k: -k * y, np.ones(1), T, (k,))[-1, 0]
    np.testing.assert_allclose(fad.vmap(f)(ks), [f(k) for k in ks])


def test_solve_ivp_needs_t_eval():
    with pytest.raises(NotImplementedError, match="t_eval"):
        fi.solve_ivp(lambda t, y: -y, (0.0, 1.0), np.ones(1))


def test_quad_second_derivative_in_a_parameter():
    # ∫_0^1 e^{-c x} dx = (1 - e^{-c}) / c
    exact = lambda c: (1 - np.exp(-c)) / c
    integral = lambda c: fi.quad(lambda x, c: np.exp(-c * x), 0.0, 1.0, (c,))[0]
    np.testing.assert_allclose(fad.grad(fad.grad(integral))(0.8), fad.grad(fad.grad(exact))(0.8))
