"""x log y and its relatives at x = 0: exact mixed second derivatives, the one-sided limits
of the x-partial, no NaN from ``inf * 0`` inside the rules."""

import numpy as np
import pytest
import scipy.special as sc

import functional_ad as fad
from functional_ad.testing import check_grads

grad, jacfwd = fad.grad, fad.jacfwd


def _mixed(f, x, z):
    """d/dz d/dx f and d/dx d/dz f in reverse-over-reverse and forward-over-forward."""
    return [
        grad(grad(f, argnums=0), argnums=1)(x, z),
        grad(grad(f, argnums=1), argnums=0)(x, z),
        jacfwd(jacfwd(f, argnums=0), argnums=1)(x, z),
        jacfwd(jacfwd(f, argnums=1), argnums=0)(x, z),
        fad.jvp(grad(f, argnums=1), (x, z), (1.0, 0.0))[1],
    ]


# f, d2f/dxdz at x = 0 (exact: d/dx of the z-partial x/z, x/(1+z), -x/z, 1 - x/z)
MIXED = [
    (sc.xlogy, lambda z: 1 / z),
    (sc.xlog1py, lambda z: 1 / (1 + z)),
    (sc.rel_entr, lambda z: -1 / z),
    (sc.kl_div, lambda z: -1 / z),
]


@pytest.mark.parametrize("f, exact", MIXED, ids=lambda v: getattr(v, "__name__", ""))
@pytest.mark.parametrize("z", [0.5, 2.0, 7.0])
def test_mixed_second_derivative_at_x_zero(f, exact, z):
    np.testing.assert_allclose(_mixed(f, 0.0, z), exact(z), rtol=1e-14)
    # the same rules near 0 agree with central differences
    check_grads(f, (1e-3, z), order=2)


@pytest.mark.parametrize("f", [sc.xlogy, sc.xlog1py], ids=lambda f: f.__name__)
def test_z_partial_is_zero_at_x_zero(f):
    # f(0, z) = 0 for every z: the z-partials of every order vanish there
    assert grad(f, argnums=1)(0.0, 2.0) == 0.0
    assert grad(grad(f, argnums=1), argnums=1)(0.0, 2.0) == 0.0


def test_xlogy_z_partial_at_z_zero_is_infinite():
    # xlogy(1, z) = log z: the z-partial at z = 0 is +inf, not the 1 of a patched denominator
    with np.errstate(divide="ignore"):
        assert grad(sc.xlogy, argnums=1)(1.0, 0.0) == np.inf
        assert grad(sc.xlogy, argnums=1)(-2.0, 0.0) == -np.inf
        _, tangent = fad.jvp(lambda z: sc.xlogy(1.0, z), (0.0,), (1.0,))
    assert tangent == np.inf
    # xlogy(0, 0) = 0 along z: a zero partial
    assert grad(sc.xlogy, argnums=1)(0.0, 0.0) == 0.0


@pytest.mark.parametrize("f, dz", [(sc.kl_div, 1.0), (sc.rel_entr, 0.0)])
def test_kl_div_and_rel_entr_at_x_zero(f, dz):
    with np.errstate(divide="ignore"):
        gx, gz = grad(f, argnums=(0, 1))(0.0, 2.0)
        assert gx == -np.inf  # log(x/z) -> -inf: the one-sided limit, as sqrt'(0) = inf
        assert gz == dz  # f(0, z) = z (kl_div) or 0 (rel_entr)
        assert grad(grad(f, argnums=0), argnums=0)(0.0, 2.0) == np.inf  # 1/x
        # (a tangent of x that is an array of zeros would meet the infinite x-partial:
        # 0 * inf = nan, as in every forward mode)
        _, tangent = fad.jvp(lambda z: f(0.0, z), (2.0,), (1.0,))
    assert tangent == dz


@pytest.mark.parametrize("f", [sc.xlogy, sc.xlog1py, sc.rel_entr, sc.kl_div])
def test_interior_unchanged(f):
    rng = np.random.default_rng(0)
    x, z = rng.uniform(0.2, 3.0, size=(2, 5))
    check_grads(f, (x, z), order=2)
    # near x = z, where log(x/z) is small, the x-partial keeps its relative precision
    if f in (sc.kl_div, sc.rel_entr):
        a, b = 1.0 + 1e-12, 1.0
        d = grad(f, argnums=0)(a, b) - (1.0 if f is sc.rel_entr else 0.0)
        np.testing.assert_allclose(d, np.log(a / b), rtol=1e-12)
