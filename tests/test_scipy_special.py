"""functional_ad.scipy.special: missing partials raise, mpmath agrees, the old names stay."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest

import functional_ad as fad

sc = pytest.importorskip("scipy.special")
fs = pytest.importorskip("functional_ad.scipy.special")


@pytest.mark.parametrize(
    "fn, argument",
    [
        (lambda v: sc.iv(v, 1.5), "'v'"),
        (lambda v: sc.kve(v, 1.5), "'v'"),
        (lambda x: fs.zeta(x, 1.5), "'x'"),
        (lambda a: sc.hyp1f1(a, 1.5, 0.3), "'a'"),
    ],
)
@pytest.mark.parametrize("transform", [fad.grad, lambda f: lambda x: fad.jvp(f, (x,), (1.0,))])
def test_an_argument_without_derivative_raises_naming_it(fn, argument, transform):
    with pytest.raises(NotImplementedError, match=f"argument {argument}"):
        transform(fn)(2.5)


def test_shape_derivatives_of_the_incomplete_gamma_function_stop_at_second_order():
    mpmath.mp.dps = 30
    for a, x in [(0.5, 0.3), (2.5, 7.0), (10.0, 3.0)]:
        want = mpmath.diff(lambda a: mpmath.gammainc(a, 0, x, regularized=True), a)
        assert np.isclose(fad.grad(lambda a: sc.gammainc(a, x))(a), float(want), rtol=1e-10)
        assert np.isclose(fad.grad(lambda a: sc.gammaincc(a, x))(a), -float(want), rtol=1e-10)
    # the inverse by the implicit function theorem: P(a, x(a)) = q
    q = 0.3
    x = sc.gammaincinv(2.0, q)
    dx = fad.grad(lambda a: sc.gammaincinv(a, q))(2.0)
    assert np.isclose(dx, -fad.grad(lambda a: sc.gammainc(a, x))(2.0) / fad.grad(
        lambda x: sc.gammainc(2.0, x))(x), rtol=1e-9)  # fmt: skip
    for second in (
        lambda a: sc.gammainc(a, 1.5),
        lambda b: sc.betainc(2.0, b, 0.3),
        lambda df: sc.stdtr(df, 0.3),
    ):
        with pytest.raises(NotImplementedError, match="third derivative"):
            fad.grad(fad.grad(fad.grad(second)))(2.0)


def test_shape_derivatives_of_the_incomplete_beta_function_match_mpmath():
    mpmath.mp.dps = 30
    for a, b, x in [(2.0, 3.5, 0.3), (0.5, 0.7, 0.9), (0.3, 2.0, 0.05), (5.0, 0.4, 0.99)]:

        def exact(a, b):
            return mpmath.betainc(a, b, 0, x, regularized=True)

        da, db = fad.grad(lambda a, b: sc.betainc(a, b, x), argnums=(0, 1))(a, b)
        assert np.isclose(da, float(mpmath.diff(lambda a: exact(a, b), a)), rtol=1e-10)
        assert np.isclose(db, float(mpmath.diff(lambda b: exact(a, b), b)), rtol=1e-10)
    # Student's t in its degrees of freedom, at t = 0 (where it is 1/2 for every df) too
    t_cdf = lambda df, t: mpmath.mpf(1) - mpmath.betainc(
        df / 2, 0.5, 0, df / (df + t * t), regularized=True) / 2  # fmt: skip
    for df, t in [(3.5, 0.7), (10.0, 2.5)]:
        want = float(mpmath.diff(lambda d: t_cdf(d, t), df))
        assert np.isclose(fad.grad(lambda d: sc.stdtr(d, t))(df), want, rtol=1e-9)
    assert fad.grad(lambda d: sc.stdtr(d, 0.0))(3.0) == 0.0


def test_counts_are_piecewise_constant():
    # the count k of the Poisson distribution function: derivative 0, not an error
    assert fad.grad(lambda k: sc.pdtr(k, 2.0))(3.0) == 0.0


MP = [
    # (function of one float, the same in mpmath, points)
    (
        lambda x: sc.gammainc(2.5, x),
        lambda x: mpmath.gammainc(2.5, 0, x, regularized=True),
        [0.3, 2.0],
    ),
    (
        lambda x: sc.betainc(2.0, 3.5, x),
        lambda x: mpmath.betainc(2.0, 3.5, 0, x, regularized=True),
        [0.2, 0.7],
    ),
    (lambda x: sc.iv(1.5, x), lambda x: mpmath.besseli(1.5, x), [0.4, 2.5]),
    (lambda x: sc.kv(0.7, x), lambda x: mpmath.besselk(0.7, x), [0.4, 2.5]),
    (lambda x: sc.jv(2.5, x), lambda x: mpmath.besselj(2.5, x), [0.4, 4.5]),
    (lambda x: sc.expn(3, x), lambda x: mpmath.expint(3, x), [0.4, 2.5]),
    (sc.spence, lambda x: mpmath.polylog(2, 1 - x), [0.3, 2.5]),
    (lambda q: fs.zeta(3.0, q), lambda q: mpmath.zeta(3.0, q), [0.7, 2.0]),
    (
        lambda h: sc.owens_t(h, 0.8),
        lambda h: (
            mpmath.quad(lambda t: mpmath.exp(-h * h * (1 + t * t) / 2) / (1 + t * t), [0, 0.8])
            / (2 * mpmath.pi)
        ),
        [-1.0, 0.5],
    ),
    (lambda z: sc.hyp1f1(0.5, 1.5, z), lambda z: mpmath.hyp1f1(0.5, 1.5, z), [-1.0, 1.2]),
    (lambda m: sc.poch(1.3, m), lambda m: mpmath.rf(1.3, m), [0.5, 2.0]),
]


@pytest.mark.parametrize("fn, mp_fn, points", MP)
def test_first_and_second_derivatives_match_mpmath(fn, mp_fn, points):
    mpmath.mp.dps = 30
    for x in points:
        first = fad.grad(fn)(x)
        second = fad.grad(fad.grad(fn))(x)
        assert np.isclose(first, float(mpmath.diff(mp_fn, x, 1)), rtol=1e-8, atol=1e-12)
        assert np.isclose(second, float(mpmath.diff(mp_fn, x, 2)), rtol=1e-7, atol=1e-10)


def test_old_module_is_an_alias():
    import functional_ad.special as old

    for name in old.__all__:
        assert getattr(fs, name) is getattr(old, name)


def test_exact_factorial_refuses_a_traced_value():
    with pytest.raises(TypeError, match="exact=False"):
        fad.grad(lambda n: fs.factorial(n, exact=True))(3.0)
    assert fs.factorial(4, exact=True) == 24
