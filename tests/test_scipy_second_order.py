"""Second derivatives in distribution shape parameters (against mpmath and central
differences) and through ODE solutions (the Hessian of a parameter fit's loss)."""

from __future__ import annotations

import numpy as np
import pytest

import functional_ad as fad
from functional_ad.testing import check_grads

sc = pytest.importorskip("scipy.special")
mpmath = pytest.importorskip("mpmath")
from functional_ad.scipy import integrate as fi  # noqa: E402
from functional_ad.scipy import stats as fs  # noqa: E402
from functional_ad.scipy.limits import LIMITS  # noqa: E402


def _hessian(f, point):
    return np.asarray(fad.hessian(f)(np.asarray(point, dtype=float)))


@pytest.mark.parametrize("a, x", [(0.3, 0.01), (0.5, 0.3), (2.5, 1.3), (2.5, 7.0), (10.0, 3.0)])
def test_gammainc_second_derivatives_match_mpmath(a, x):
    mpmath.mp.dps = 30
    exact = lambda a, x: mpmath.gammainc(a, 0, x, regularized=True)
    h = _hessian(lambda v: sc.gammainc(v[0], v[1]), [a, x])
    want = [
        [mpmath.diff(exact, (a, x), (2, 0)), mpmath.diff(exact, (a, x), (1, 1))],
        [mpmath.diff(exact, (a, x), (1, 1)), mpmath.diff(exact, (a, x), (0, 2))],
    ]
    np.testing.assert_allclose(h, np.array(want, dtype=float), rtol=1e-9, atol=1e-13)
    assert np.isclose(
        fad.grad(fad.grad(lambda a: sc.gammaincc(a, x)))(a), -float(want[0][0]), rtol=1e-9
    )


@pytest.mark.parametrize(
    "a, b, x",
    [(2.0, 3.5, 0.3), (0.5, 0.7, 0.9), (0.3, 2.0, 0.05), (5.0, 0.4, 0.99), (1.0, 1.0, 0.5)],
)
def test_betainc_second_derivatives_match_mpmath(a, b, x):
    mpmath.mp.dps = 30
    exact = lambda a, b, x: mpmath.betainc(a, b, 0, x, regularized=True)
    h = _hessian(lambda v: sc.betainc(v[0], v[1], v[2]), [a, b, x])
    orders = [[(2, 0, 0), (1, 1, 0), (1, 0, 1)], [(1, 1, 0), (0, 2, 0), (0, 1, 1)],
              [(1, 0, 1), (0, 1, 1), (0, 0, 2)]]  # fmt: skip
    want = np.array([[float(mpmath.diff(exact, (a, b, x), o)) for o in row] for row in orders])
    np.testing.assert_allclose(h, want, rtol=1e-8, atol=1e-12)


@pytest.mark.parametrize("df, t", [(2.5, 0.3), (4.0, -1.7), (7.0, 2.5)])
def test_student_t_cdf_second_derivative_in_df_matches_mpmath(df, t):
    mpmath.mp.dps = 30

    def exact(nu):  # the cdf as the integral of the density
        density = lambda s: (
            mpmath.gamma((nu + 1) / 2)
            / (mpmath.sqrt(nu * mpmath.pi) * mpmath.gamma(nu / 2))
            * (1 + s * s / nu) ** (-(nu + 1) / 2)
        )
        return mpmath.mpf(1) / 2 + mpmath.quad(density, [0, t])

    got = fad.grad(fad.grad(lambda nu: fs.t.cdf(t, nu)))(df)
    assert np.isclose(got, float(mpmath.diff(exact, df, 2)), rtol=1e-8)


@pytest.mark.parametrize("z, kappa", [(0.6, 1.5), (-2.0, 0.3), (3.0, 10.0), (7.0, 2.0)])
def test_vonmises_cdf_shape_derivatives_match_mpmath(z, kappa):
    mpmath.mp.dps = 30

    def exact(k):
        end = (z + mpmath.pi) % (2 * mpmath.pi) - mpmath.pi
        density = lambda t: mpmath.exp(k * mpmath.cos(t)) / (2 * mpmath.pi * mpmath.besseli(0, k))
        return mpmath.quad(density, [-mpmath.pi, 0, end])

    first = fad.grad(lambda k: fs.vonmises.cdf(z, k))(kappa)
    second = fad.grad(fad.grad(lambda k: fs.vonmises.cdf(z, k)))(kappa)
    assert np.isclose(first, float(mpmath.diff(exact, kappa, 1)), rtol=1e-9, atol=1e-15)
    assert np.isclose(second, float(mpmath.diff(exact, kappa, 2)), rtol=1e-9, atol=1e-15)


# (distribution, data, shape values): every shape differentiated together with the data
SHAPED = [
    ("gamma", 1.3, (2.5,)),
    ("beta", 0.4, (2.0, 3.0)),
    ("t", 0.7, (3.5,)),
    ("chi2", 1.7, (3.0,)),
    ("lognorm", 1.2, (0.7,)),
    ("vonmises", 0.6, (1.5,)),
    ("skewnorm", 0.3, (2.0,)),
]


@pytest.mark.parametrize("name, x, shapes", SHAPED, ids=[s[0] for s in SHAPED])
@pytest.mark.parametrize("method", ["logpdf", "cdf", "logsf", "ppf"])
def test_second_derivatives_in_data_and_shapes(name, x, shapes, method):
    dist = getattr(fs, name)
    first = 0.3 if method == "ppf" else x
    check_grads(
        lambda v, s: getattr(dist, method)(v, *s, loc=0.1, scale=1.2),
        (np.array(first), np.array(shapes)),
        order=2,
    )


@pytest.mark.parametrize(
    "f, point",
    [
        (lambda v: fs.nbinom.cdf(np.array([0.0, 2.0, 5.0]), v[0], v[1]), (3.0, 0.4)),
        (lambda v: fs.nbinom.logpmf(np.array([0.0, 2.0, 5.0]), v[0], v[1]), (3.0, 0.4)),
        (lambda v: fs.binom.sf(np.array([0.0, 2.0, 4.0]), 6, v[0]), (0.3,)),
        (lambda v: fs.poisson.logcdf(np.array([0.0, 2.0, 4.0]), v[0]), (2.3,)),
    ],
    ids=["nbinom.cdf", "nbinom.logpmf", "binom.sf", "poisson.logcdf"],
)
def test_second_derivatives_in_discrete_parameters(f, point):
    check_grads(f, (np.array(point),), order=2)


def test_a_third_derivative_in_a_shape_raises_naming_it():
    with pytest.raises(NotImplementedError, match="argument 'a'.*third derivative"):
        fad.grad(fad.grad(fad.grad(lambda a: fs.gamma.cdf(1.3, a))))(2.5)
    with pytest.raises(NotImplementedError, match="argument 'kappa'.*third derivative"):
        fad.jacfwd(fad.hessian(lambda k: fs.vonmises.cdf(0.6, k)))(1.5)


# ----------------------------------------------------------------------------- ODE fits

TIMES = np.linspace(0.0, 1.0, 3)
START = np.array([2.0, 1.0])
TIGHT = {"rtol": 1e-11, "atol": 1e-11}


def lotka_volterra(y, t, theta):
    return np.stack([theta[0] * y[0] - 0.4 * y[0] * y[1], theta[1] * y[0] * y[1] - y[1]])


OBSERVED = fi.odeint(lotka_volterra, START, TIMES, (np.array([1.1, 0.3]),), **TIGHT)


def odeint_loss(theta, y0=START):
    return np.sum((fi.odeint(lotka_volterra, y0, TIMES, (theta,), **TIGHT) - OBSERVED) ** 2)


def solve_ivp_loss(theta, y0=START):
    result = fi.solve_ivp(
        lambda t, y, theta: lotka_volterra(y, t, theta),
        (0.0, 1.0),
        y0,
        method="DOP853",
        t_eval=TIMES,
        args=(theta,),
        **TIGHT,
    )
    return np.sum((result.y.T - OBSERVED) ** 2)


@pytest.mark.parametrize("loss", [odeint_loss, solve_ivp_loss], ids=["odeint", "solve_ivp"])
def test_hessian_of_an_ode_fit_loss_against_central_differences(loss):
    theta = np.array([0.9, 0.4])
    hessian = fad.hessian(loss)(theta)
    eps = 1e-4  # central differences of the adjoint gradient
    columns = [
        (fad.grad(loss)(theta + eps * e) - fad.grad(loss)(theta - eps * e)) / (2 * eps)
        for e in np.eye(2)
    ]
    np.testing.assert_allclose(hessian, np.stack(columns, axis=1), rtol=1e-6)
    eps = 1e-3  # and second differences of the loss itself
    second = [
        [
            (loss(theta + eps * (ei + ej)) - loss(theta + eps * (ei - ej))
             - loss(theta - eps * (ei - ej)) + loss(theta - eps * (ei + ej))) / (4 * eps * eps)
            for ej in np.eye(2)
        ]
        for ei in np.eye(2)
    ]  # fmt: skip
    np.testing.assert_allclose(hessian, second, rtol=1e-4)
    np.testing.assert_allclose(hessian, hessian.T, rtol=1e-8)


def test_the_hessian_of_an_ode_fit_is_the_same_in_every_mode():
    theta = np.array([0.9, 0.4])
    reverse_over_reverse = fad.jacrev(fad.grad(odeint_loss))(theta)
    forward_over_forward = fad.jacfwd(fad.jacfwd(odeint_loss))(theta)
    np.testing.assert_allclose(reverse_over_reverse, forward_over_forward, rtol=1e-7)


def test_ode_second_order_in_every_mode_and_in_the_initial_state():
    check_grads(lambda theta, y0: odeint_loss(theta, y0), (np.array([0.9, 0.4]), START), order=2)
    check_grads(
        lambda t: fi.odeint(lotka_volterra, START, t, (np.array([0.9, 0.4]),), **TIGHT),
        (TIMES,),
        order=2,
    )


def test_vmap_of_the_gradient_of_an_ode_fit():
    thetas = np.array([[0.9, 0.4], [1.2, 0.25], [1.0, 0.35]])
    batched = fad.vmap(fad.grad(odeint_loss))(thetas)
    for theta, row in zip(thetas, batched, strict=True):
        np.testing.assert_allclose(row, fad.grad(odeint_loss)(theta), rtol=1e-9)


# ----------------------------------------------------------------------------- the limits table

# scipy.special function -> its arguments at a point inside the domain, by name
POINTS = {
    "gammainc": {"a": 2.0, "x": 1.5},
    "gammaincc": {"a": 2.0, "x": 1.5},
    "gammaincinv": {"a": 2.0, "y": 0.3},
    "gammainccinv": {"a": 2.0, "y": 0.3},
    "chdtr": {"v": 3.0, "x": 1.5},
    "chdtrc": {"v": 3.0, "x": 1.5},
    "betainc": {"a": 2.0, "b": 3.0, "x": 0.3},
    "betaincc": {"a": 2.0, "b": 3.0, "x": 0.3},
    "betaincinv": {"a": 2.0, "b": 3.0, "y": 0.3},
    "stdtr": {"df": 3.0, "t": 0.4},
    "stdtrit": {"df": 3.0, "p": 0.4},
    **{name: {"v": 1.5, "x": 1.2} for name in ("iv", "ive", "jv", "yv", "kv", "kve")},
    "hyp1f1": {"a": 1.5, "b": 2.5, "x": 0.3},
    "zeta": {"x": 2.5, "q": 1.5},
}


def _nested_grad(f, order):
    for _ in range(order):
        f = fad.grad(f)
    return f


@pytest.mark.parametrize(
    "name, argument, order",
    [
        (name, argument, order)
        for name, limits in LIMITS.items()
        if name.startswith("scipy.special.")
        for argument, order in limits
    ],
)
def test_the_limits_table_is_where_derivatives_stop(name, argument, order):
    short = name.removeprefix("scipy.special.")
    point = POINTS[short]
    ufunc = getattr(sc, short)

    def f(value):
        return ufunc(*[value if key == argument else v for key, v in point.items()])

    if order:
        check_grads(f, (np.array(point[argument]),), order=order, modes=("rev",))
    # (a derived function names the incomplete gamma or beta function's own argument)
    message = f"argument '{argument}'" if order == 0 else "third derivative in a shape"
    with pytest.raises(NotImplementedError, match=message):
        _nested_grad(f, order + 1)(point[argument])


def test_the_limits_appear_in_the_coverage_table():
    from functional_ad.tools.coverage import coverage_rows

    notes = {row.name: row.notes for row in coverage_rows()}
    assert "in argument 'a': to order 2 (a higher one raises)" in notes["scipy.special.gammainc"]
    assert "no derivative in argument 'v'" in notes["scipy.special.iv"]
    assert "in argument 'kappa': to order 2" in notes["functional_ad.scipy.stats.vonmises.cdf"]


def test_sqrtm_second_derivatives_of_a_matrix_with_a_negative_eigenvalue():
    # the principal square root is complex; every mode must agree (reverse over reverse
    # once took the square root of a block matrix across the branch cut)
    from functional_ad.scipy import linalg as fl

    a = np.array([[-1.0, 0.3], [0.3, 0.5]])
    weights = np.array([[0.4 + 0.2j, -0.3 + 0.5j], [0.1 - 0.7j, 0.6 + 0.1j]])
    loss = lambda a: np.real(np.sum(weights * fl.sqrtm(a)))
    forward = fad.jacfwd(fad.grad(loss))(a)
    np.testing.assert_allclose(fad.jacrev(fad.grad(loss))(a), forward, atol=1e-10)
    check_grads(lambda a: fl.sqrtm((a + a.T) / 2), (a,), order=2)
