"""Exact derivatives from sympy for distributions with closed forms, checked against
functional_ad.scipy.stats: gradients and Hessians in the data and every parameter."""

from __future__ import annotations

import numpy as np
import pytest
import sympy

import functional_ad as fad

fs = pytest.importorskip("functional_ad.scipy.stats")

x, loc, scale, shape = sympy.symbols("x loc scale shape", real=True)
z = (x - loc) / scale
PI = sympy.pi

CASES = [
    # name, sympy log-density (or cdf) in (x, loc, scale, shape), numeric version, point
    (
        "t.logpdf",
        sympy.loggamma((shape + 1) / 2)
        - sympy.loggamma(shape / 2)
        - sympy.log(shape * PI) / 2
        - sympy.log(scale)
        - (shape + 1) / 2 * sympy.log(1 + z**2 / shape),
        lambda v: fs.t.logpdf(v[0], v[3], v[1], v[2]),
        [0.7, 0.2, 1.3, 3.5],
    ),
    (
        "lognorm.logpdf",
        -sympy.log(z)
        - sympy.log(shape)
        - sympy.log(2 * PI) / 2
        - sympy.log(z) ** 2 / (2 * shape**2)
        - sympy.log(scale),
        lambda v: fs.lognorm.logpdf(v[0], v[3], v[1], v[2]),
        [2.1, 0.3, 1.2, 0.6],
    ),
    (
        "gamma.logpdf",
        (shape - 1) * sympy.log(z) - z - sympy.loggamma(shape) - sympy.log(scale),
        lambda v: fs.gamma.logpdf(v[0], v[3], v[1], v[2]),
        [2.5, 0.2, 1.4, 2.3],
    ),
    (
        "skewnorm.logpdf",
        sympy.log(2)
        - z**2 / 2
        - sympy.log(2 * PI) / 2
        + sympy.log((1 + sympy.erf(shape * z / sympy.sqrt(2))) / 2)
        - sympy.log(scale),
        lambda v: fs.skewnorm.logpdf(v[0], v[3], v[1], v[2]),
        [0.4, -0.1, 1.1, 1.7],
    ),
    (
        "logistic.cdf",
        1 / (1 + sympy.exp(-z)) + 0 * shape,
        lambda v: fs.logistic.cdf(v[0], v[1], v[2]),
        [0.4, -0.1, 1.1, 0.0],
    ),
    (
        "cauchy.logsf",
        sympy.log(sympy.Rational(1, 2) - sympy.atan(z) / PI) + 0 * shape,
        lambda v: fs.cauchy.logsf(v[0], v[1], v[2]),
        [0.4, -0.1, 1.1, 0.0],
    ),
    (
        "lognorm.cdf",
        (1 + sympy.erf(sympy.log(z) / (shape * sympy.sqrt(2)))) / 2,
        lambda v: fs.lognorm.cdf(v[0], v[3], v[1], v[2]),
        [2.1, 0.3, 1.2, 0.6],
    ),
]
SYMBOLS = (x, loc, scale, shape)


@pytest.mark.parametrize("name, expr, numeric, point", CASES, ids=[c[0] for c in CASES])
def test_gradient_and_hessian_match_sympy(name, expr, numeric, point):
    point = np.array(point)
    at = dict(zip(SYMBOLS, point, strict=True))
    value = float(expr.subs(at).evalf(30))
    gradient = np.array([float(sympy.diff(expr, s).subs(at).evalf(30)) for s in SYMBOLS])
    hessian = np.array(
        [[float(sympy.diff(expr, s, r).subs(at).evalf(30)) for r in SYMBOLS] for s in SYMBOLS]
    )
    assert np.isclose(float(numeric(point)), value, rtol=1e-12)
    np.testing.assert_allclose(fad.grad(numeric)(point), gradient, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(fad.hessian(numeric)(point), hessian, rtol=1e-8, atol=1e-10)
