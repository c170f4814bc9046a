"""``scipy.stats`` for traced values: the distributions with SciPy's methods and signatures.

>>> import functional_ad as fad
>>> float(fad.grad(lambda mu: norm.logpdf(1.0, mu, 2.0))(0.0))  # (x - mu) / scale²
0.25
"""

from __future__ import annotations

from .continuous import (
    beta,
    cauchy,
    chi2,
    expon,
    gamma,
    laplace,
    logistic,
    lognorm,
    norm,
    skewnorm,
    t,
    uniform,
    vonmises,
)
from .discrete import binom, nbinom, poisson
from .multivariate import dirichlet, multivariate_normal

__all__ = [
    "beta",
    "binom",
    "cauchy",
    "chi2",
    "dirichlet",
    "expon",
    "gamma",
    "laplace",
    "logistic",
    "lognorm",
    "multivariate_normal",
    "nbinom",
    "norm",
    "poisson",
    "skewnorm",
    "t",
    "uniform",
    "vonmises",
]
