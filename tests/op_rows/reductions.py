"""Op-table rows for reductions and scans (functional_ad/ops/reductions.py)."""

import numpy as np

from tests.op_table import OpCase

ALL = [(), (3,), (2, 3)]
MATRICES = [(2, 3), (3, 2, 2)]


def _with_nans(rng, shapes, dtype):
    """Uniform values with a NaN in every other row (never a whole slice of NaNs)."""
    out = []
    for s in shapes:
        x = rng.uniform(-2.0, 2.0, size=s).astype(dtype)
        if x.ndim:
            x.reshape(-1, x.shape[-1])[::2, 0] = np.nan
        out.append(x)
    return tuple(out)


def _with_zeros(count):
    """Uniform values with ``count`` exact zeros (products are polynomials: still smooth)."""

    def sample(rng, shapes, dtype):
        out = []
        for s in shapes:
            x = rng.uniform(0.5, 2.0, size=s) * rng.choice([-1.0, 1.0], size=s)
            x.reshape(-1)[rng.choice(x.size, size=min(count, x.size), replace=False)] = 0.0
            out.append(x.astype(dtype))
        return tuple(out)

    return sample


def _values_and_quantiles(rng, shapes, dtype):
    x = rng.uniform(-2.0, 2.0, size=shapes[0]).astype(dtype)
    q = rng.uniform(0.05, 0.95, size=shapes[1]).astype(dtype)
    return x, q


def _values_and_positive_weights(rng, shapes, dtype):
    x = rng.uniform(-2.0, 2.0, size=shapes[0]).astype(dtype)
    w = rng.uniform(0.5, 2.0, size=shapes[1]).astype(dtype)
    return x, w


def _q(x, values):
    """Quantiles in ``x``'s dtype (a float64 q array would make NumPy's result float64)."""
    return np.asarray(values, dtype=x.dtype)


def _mask(x):
    """A fixed pattern over the last axis (a constant, as ``where=`` arguments are)."""
    return np.arange(x.shape[-1]) % 2 == 0


ROWS = [
    # sum
    OpCase("sum[axis=None]", np.sum, shapes=ALL, complex=True),
    OpCase("sum[axis=(0,-1)]", lambda x: np.sum(x, axis=(0, -1)), shapes=MATRICES, complex=True),
    OpCase("sum[empty]", lambda x: np.sum(x, axis=0), shapes=[(0,), (0, 3)]),
    OpCase(
        "sum[where,initial]",
        lambda x: np.sum(x, axis=-1, where=_mask(x), initial=1.5),
        shapes=[(3,), (2, 3)],
    ),
    OpCase("sum[dtype]", lambda x: np.sum(x, dtype=np.float64), shapes=[(3,)], dtypes=("float64",)),
    # prod: exact at zeros, to second order
    OpCase("prod[axis=None]", np.prod, shapes=ALL, domain=(0.5, 1.5), complex=True),
    OpCase(
        "prod[one zero]",
        lambda x: np.prod(x, axis=-1),
        shapes=[(4,), (2, 3)],
        sample=_with_zeros(1),
    ),
    OpCase("prod[two zeros]", np.prod, shapes=[(4,), (2, 3)], sample=_with_zeros(2)),
    OpCase(
        "prod[keepdims,where]",
        lambda x: np.prod(x, axis=0, keepdims=True, where=_mask(x)),
        shapes=[(3,), (2, 3)],
        complex=True,
    ),
    # max / min and friends
    OpCase("amax", lambda x: np.amax(x, axis=-1), shapes=[(3,), (2, 3)]),
    OpCase("amin", lambda x: np.amin(x, axis=(0, 1), keepdims=True), shapes=MATRICES),
    OpCase("max[axis=None]", np.max, shapes=ALL),
    OpCase(
        "max[where,initial]",
        lambda x: np.max(x, axis=-1, where=_mask(x), initial=-1.0),
        shapes=[(3,), (2, 3)],
    ),
    OpCase("min[initial]", lambda x: np.min(x, axis=0, initial=0.5), shapes=[(3,), (2, 3)]),
    OpCase("ptp", lambda x: np.ptp(x, axis=-1), shapes=[(3,), (2, 3)]),
    OpCase("ptp[axis=None]", np.ptp, shapes=[(3,), (2, 3)]),
    # moments
    OpCase("mean[axis=None]", np.mean, shapes=ALL, complex=True),
    OpCase("mean[keepdims]", lambda x: np.mean(x, axis=(-1,), keepdims=True), shapes=MATRICES),
    OpCase(
        "mean[where]",
        lambda x: np.mean(x, axis=-1, where=_mask(x)),
        shapes=[(3,), (2, 3)],
        complex=True,
    ),
    OpCase("var", lambda x: np.var(x, axis=0), shapes=[(3,), (2, 3)], complex=True),
    OpCase("var[ddof=1]", lambda x: np.var(x, ddof=1), shapes=[(3,), (2, 3)], complex=True),
    OpCase(
        "var[keepdims,tuple]", lambda x: np.var(x, axis=(0, 2), keepdims=True), shapes=[(2, 3, 2)]
    ),
    OpCase("var[where]", lambda x: np.var(x, axis=-1, where=_mask(x)), shapes=[(3,), (2, 3)]),
    OpCase(
        "var[mean=]",
        lambda x: np.var(x, axis=-1, mean=np.mean(x, axis=-1, keepdims=True)),
        shapes=[(3,), (2, 3)],
    ),
    OpCase("std", lambda x: np.std(x, axis=-1, ddof=1), shapes=[(3,), (2, 3)], complex=True),
    OpCase(
        "std[correction]", lambda x: np.std(x, correction=1, keepdims=True), shapes=[(3,), (2, 3)]
    ),
    OpCase("average", lambda x: np.average(x), shapes=ALL),
    OpCase(
        "average[weights]",
        lambda x, w: np.average(x, axis=-1, weights=w),
        arity=2,
        shapes=[((3,), (3,)), ((2, 3), (3,)), ((2, 3), (2, 3))],
        sample=_values_and_positive_weights,
    ),
    OpCase(
        "average[returned]",
        lambda x, w: np.average(x, axis=0, weights=w, returned=True),
        arity=2,
        shapes=[((3,), (3,)), ((3, 2), (3,))],
        sample=_values_and_positive_weights,
    ),
    OpCase(
        "average[keepdims]",
        lambda x, w: np.average(x, axis=(0, 1), weights=w, keepdims=True),
        arity=2,
        shapes=[((2, 3), (2, 3)), ((2, 3, 2), (2, 3))],
        sample=_values_and_positive_weights,
    ),
    OpCase(
        "average[weights,axes order]",
        lambda x, w: np.average(x, axis=(2, 0), weights=w),
        arity=2,
        shapes=[((2, 3, 4), (4, 2))],
        sample=_values_and_positive_weights,
    ),
    # order statistics
    OpCase("median", np.median, shapes=[(), (3,), (4,), (2, 3)]),
    OpCase(
        "median[axis,keepdims]",
        lambda x: np.median(x, axis=-1, keepdims=True),
        shapes=[(4,), (2, 3), (2, 2, 4)],
    ),
    OpCase(
        "quantile", lambda x: np.quantile(x, _q(x, [0.1, 0.5, 0.75]), axis=0), shapes=[(3,), (5, 2)]
    ),
    OpCase(
        "quantile[q 2-d, tuple axis]",
        lambda x: np.quantile(x, _q(x, [[0.2, 0.9], [0.35, 0.6]]), axis=(0, -1), keepdims=True),
        shapes=[(3, 2), (2, 2, 3)],
    ),
    OpCase(
        "quantile[traced q]",
        lambda x, q: np.quantile(x, q, axis=-1),
        arity=2,
        shapes=[((5,), ()), ((2, 4), (3,))],
        sample=_values_and_quantiles,
        dtypes=("float64",),
    ),
    OpCase(
        "quantile[nearest]", lambda x: np.quantile(x, 0.3, method="nearest"), shapes=[(3,), (2, 3)]
    ),
    OpCase(
        "quantile[weibull]",
        lambda x: np.quantile(x, _q(x, [0.3, 0.8]), axis=-1, method="weibull"),
        shapes=[(4,), (2, 5)],
    ),
    OpCase("percentile", lambda x: np.percentile(x, 40.0, axis=-1), shapes=[(3,), (2, 4)]),
    OpCase(
        "percentile[midpoint]",
        lambda x: np.percentile(x, _q(x, [10, 60]), method="midpoint"),
        shapes=[(3,), (2, 3)],
    ),
    # nan-functions
    OpCase(
        "nansum",
        lambda x: np.nansum(x, axis=-1),
        shapes=[(3,), (4, 3)],
        sample=_with_nans,
        complex=True,
    ),
    OpCase("nanprod", np.nanprod, shapes=[(3,), (4, 3)], sample=_with_nans),
    OpCase("nanmean", lambda x: np.nanmean(x, axis=-1), shapes=[(3,), (4, 3)], sample=_with_nans),
    OpCase("nanmax", lambda x: np.nanmax(x, axis=-1), shapes=[(3,), (4, 3)], sample=_with_nans),
    OpCase(
        "nanmin",
        lambda x: np.nanmin(x, axis=-1, keepdims=True),
        shapes=[(3,), (4, 3)],
        sample=_with_nans,
    ),
    OpCase("nanvar", lambda x: np.nanvar(x, axis=-1), shapes=[(4, 3)], sample=_with_nans),
    OpCase("nanstd", lambda x: np.nanstd(x), shapes=[(4, 3)], sample=_with_nans),
    OpCase("nancumsum", lambda x: np.nancumsum(x, axis=-1), shapes=[(4, 3)], sample=_with_nans),
    OpCase("nancumprod", lambda x: np.nancumprod(x, axis=-1), shapes=[(4, 3)], sample=_with_nans),
    # scans
    OpCase("cumsum", lambda x: np.cumsum(x, axis=-1), shapes=[(3,), (2, 3)], complex=True),
    OpCase("cumsum[axis=None]", np.cumsum, shapes=ALL, complex=True),
    OpCase("cumprod", lambda x: np.cumprod(x, axis=0), shapes=[(3,), (5, 2)], complex=True),
    OpCase("cumprod[axis=None]", np.cumprod, shapes=ALL),
    OpCase(
        "cumprod[zeros]",
        lambda x: np.cumprod(x, axis=-1),
        shapes=[(5,), (3, 4)],
        sample=_with_zeros(2),
    ),
    OpCase(
        "cumulative_sum",
        lambda x: np.cumulative_sum(x, axis=0, include_initial=True),
        shapes=[(3,), (2, 3)],
    ),
    OpCase("cumulative_prod", lambda x: np.cumulative_prod(x, axis=-1), shapes=[(3,), (2, 3)]),
    # differences and traces
    OpCase("diff", lambda x: np.diff(x), shapes=[(3,), (2, 3)], complex=True),
    OpCase(
        "diff[n=2,prepend]",
        lambda x: np.diff(x, n=2, axis=0, prepend=x.dtype.type(0.5)),
        shapes=[(3,), (3, 2)],
    ),
    OpCase("ediff1d", lambda x: np.ediff1d(x, to_begin=[1.0]), shapes=[(3,), (2, 3)]),
    OpCase("trace", np.trace, shapes=[(3, 3), (2, 3)], complex=True),
    OpCase(
        "trace[offset,axes]",
        lambda x: np.trace(x, offset=-1, axis1=1, axis2=2),
        shapes=[(2, 3, 3), (2, 3, 4)],
    ),
    OpCase("trapezoid", lambda y: np.trapezoid(y, dx=0.5), shapes=[(3,), (2, 3)]),
    OpCase(
        "trapezoid[x]",
        lambda y, x: np.trapezoid(y, x, axis=0),
        arity=2,
        shapes=[((3,), (3,)), ((3, 2), (3,)), ((3, 2), (3, 2))],
        complex=True,
    ),
]
