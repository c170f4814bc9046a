"""Op-table rows for functional_ad.scipy.stats: every method of every distribution,
differentiated in the data, ``loc``, ``scale`` and each shape with a derivative there.

Each row's arguments are ``(x or q, loc, scale, *shapes)``; shapes without a derivative in a
method (the degrees of freedom of ``t.cdf``...) are held at a constant, and
``tests/test_scipy_stats.py`` checks that a tangent there raises.
"""

import numpy as np

from tests.op_table import OpCase

try:
    from functional_ad.scipy import stats
except ImportError:  # pragma: no cover - SciPy is optional
    stats = None

F64 = ("float64",)
LOC, SCALE, Q = (-0.2, 0.2), (0.8, 1.4), (0.1, 0.9)
# name: (domain of x, [(domain, differentiable in cdf/sf/ppf)] per shape)
CONTINUOUS = {
    "norm": ((-2.5, 2.5), []),
    "t": ((-2.5, 2.5), [((2.5, 6.0), True)]),
    "gamma": ((0.6, 4.0), [((1.5, 4.0), True)]),
    "beta": ((0.3, 0.7), [((1.5, 4.0), True), ((1.5, 4.0), True)]),
    "chi2": ((0.6, 4.0), [((2.5, 5.0), True)]),
    "expon": ((0.6, 4.0), []),
    "laplace": ((-2.5, 2.5), []),
    "logistic": ((-2.5, 2.5), []),
    "cauchy": ((-2.5, 2.5), []),
    "uniform": ((0.3, 0.7), []),
    "lognorm": ((0.6, 4.0), [((0.4, 1.2), True)]),
    "vonmises": ((-2.5, 2.5), [((0.5, 3.0), True)]),
    "skewnorm": ((-2.0, 2.0), [((-2.0, 2.0), True)]),
}
NARROW = {"beta", "uniform"}  # support [0, 1]: loc and scale kept near 0 and 1
DENSITY = ("logpdf", "pdf")
METHODS = ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf", "ppf", "isf")


def _sampler(domains):
    def sample(rng, shapes, dtype):
        return tuple(
            np.asarray(rng.uniform(lo, hi, size=s), dtype)
            for (lo, hi), s in zip(domains, shapes, strict=True)
        )

    return sample


def _continuous_row(name, method, x_domain, shape_specs):
    dist = getattr(stats, name)
    free = [method in DENSITY or differentiable for _, differentiable in shape_specs]
    fixed = [sum(domain) / 2 for domain, _ in shape_specs]
    loc, scale = ((-0.03, 0.03), (0.9, 1.1)) if name in NARROW else (LOC, SCALE)
    first = Q if method in ("ppf", "isf") else x_domain
    domains = [first, loc, scale] + [d for (d, _), f in zip(shape_specs, free, strict=True) if f]

    def fn(x, loc, scale, *shape_values):
        values = iter(shape_values)
        shapes_ = [next(values) if f else c for f, c in zip(free, fixed, strict=True)]
        return getattr(dist, method)(x, *shapes_, loc=loc, scale=scale)

    n = len(domains)
    return OpCase(
        f"stats.{name}.{method}",
        fn,
        arity=n,
        shapes=[((3,),) + ((),) * (n - 1), ((2, 3),) + ((3,),) * (n - 1)],
        dtypes=F64,
        sample=_sampler(domains),
    )


def _discrete_rows():
    # name: (k values, domains of the differentiable shapes, fixed leading shapes)
    specs = {
        "poisson": (np.array([0.0, 1.0, 3.0]), [(0.5, 4.0)], []),
        "binom": (np.array([0.0, 2.0, 4.0]), [(0.2, 0.8)], [6]),
        "nbinom": (np.array([0.0, 2.0, 5.0]), [(0.2, 0.8)], [3]),
    }
    rows = []
    for name, (k, domains, fixed) in specs.items():
        dist = getattr(stats, name)
        middle = sum(domains[0]) / 2
        for method in ("logpmf", "pmf", "cdf", "logcdf", "sf", "logsf"):
            rows.append(
                OpCase(
                    f"stats.{name}.{method}",
                    lambda p, dist=dist, method=method, k=k, fixed=fixed: getattr(dist, method)(
                        k, *fixed, p
                    ),
                    shapes=[(), (3,)],
                    domain=domains[0],
                    dtypes=F64,
                )
            )
        rows.append(
            OpCase(
                f"stats.{name}.ppf",
                lambda q, dist=dist, fixed=fixed, p=middle: dist.ppf(q, *fixed, p),
                shapes=[(3,)],
                domain=Q,
                dtypes=F64,
                order=0,
            )
        )
    # the real-valued count of the negative binomial, in its logpmf and (by quadrature) cdf
    rows.append(
        OpCase(
            "stats.nbinom.cdf[n]",
            lambda n: stats.nbinom.cdf(np.array([0.0, 2.0, 5.0]), n, 0.4),
            shapes=[(), (3,)],
            domain=(1.5, 4.0),
            dtypes=F64,
        )
    )
    rows.append(
        OpCase(
            "stats.nbinom.logpmf[n]",
            lambda n: stats.nbinom.logpmf(np.array([0.0, 2.0, 5.0]), n, 0.4),
            shapes=[(), (3,)],
            domain=(1.5, 4.0),
            dtypes=F64,
        )
    )
    return rows


def _spd(rng, d):
    a = rng.normal(size=(d, d))
    return a @ a.T + d * np.eye(d)


def _mvn_args(rng, shapes, dtype):
    x_shape, d = shapes[0], shapes[1][0]
    return (
        rng.normal(size=x_shape).astype(dtype),
        rng.normal(size=(d,)).astype(dtype),
        _spd(rng, d).astype(dtype),
    )


def _dirichlet_args(rng, shapes, dtype):
    x = rng.uniform(0.5, 2.0, size=shapes[0])
    x = x / np.sum(x, axis=0)
    return x.astype(dtype), rng.uniform(0.8, 3.0, size=shapes[1]).astype(dtype)


def _rows():
    if stats is None:
        return []
    rows = [
        _continuous_row(name, method, x_domain, shape_specs)
        for name, (x_domain, shape_specs) in CONTINUOUS.items()
        for method in METHODS
    ]
    rows += _discrete_rows()
    mvn = stats.multivariate_normal
    rows += [
        OpCase(
            "stats.multivariate_normal.logpdf",
            mvn.logpdf,
            arity=3,
            shapes=[((3,), (3,), (3, 3)), ((4, 2), (2,), (2, 2))],
            sample=_mvn_args,
            dtypes=F64,
        ),
        OpCase(
            "stats.multivariate_normal.pdf",
            mvn.pdf,
            arity=3,
            shapes=[((2,), (2,), (2, 2))],
            sample=_mvn_args,
            dtypes=F64,
        ),
        OpCase(
            "stats.multivariate_normal.cdf",
            mvn.cdf,
            arity=3,
            shapes=[((2,), (2,), (2, 2)), ((4, 2), (2,), (2, 2)), ((3, 1), (1,), (1, 1))],
            sample=_mvn_args,
            dtypes=F64,
        ),
        OpCase(
            "stats.multivariate_normal.logcdf",
            mvn.logcdf,
            arity=3,
            shapes=[((2,), (2,), (2, 2)), ((3, 1), (1,), (1, 1))],
            sample=_mvn_args,
            dtypes=F64,
        ),
        OpCase(
            "stats.multivariate_normal.logpdf[diagonal]",
            lambda x, mean, var: mvn.logpdf(x, mean, var),
            arity=3,
            shapes=[((4, 3), (3,), (3,))],
            domain=(0.5, 2.0),
            dtypes=F64,
        ),
        OpCase(
            "stats.dirichlet.logpdf",
            stats.dirichlet.logpdf,
            arity=2,
            shapes=[((3,), (3,)), ((3, 2), (3,))],
            sample=_dirichlet_args,
            dtypes=F64,
        ),
        OpCase(
            "stats.dirichlet.pdf",
            stats.dirichlet.pdf,
            arity=2,
            shapes=[((3,), (3,))],
            sample=_dirichlet_args,
            dtypes=F64,
        ),
    ]
    return rows


ROWS = _rows()
