"""Op-table rows for NumPy's polynomial, sampling, statistics and array-utility functions
(numpy/polynomials.py, sampling.py, statistics.py, array_tools.py, convolution.py)."""

import numpy as np

from tests.op_table import OpCase

DATA = ("data-dependent shape",)


def _increasing(rng, shapes, dtype):
    """Increasing sample points (and values for the others)."""
    out = []
    for i, s in enumerate(shapes):
        if i == 1:  # xp of interp: sorted, spread over the domain of x
            out.append(np.sort(rng.uniform(-2.0, 2.0, size=s)))
        else:
            out.append(rng.uniform(-2.5, 2.5, size=s))
    return tuple(np.asarray(v, dtype) for v in out)


def _coordinates(rng, shapes, dtype):
    f = rng.normal(size=shapes[0])
    x = np.cumsum(rng.uniform(0.3, 1.0, size=shapes[1]))
    return np.asarray(f, dtype), np.asarray(x, dtype)


def _distinct(rng, shapes, dtype):
    """Distinct values, far enough apart that a small step keeps their order (repeated
    values are ties: one of them carries the derivative, see test_numpy_functions.py)."""
    values = rng.permutation(np.arange(float(shapes[0][0]))) + 0.1 * rng.uniform(size=1)
    return (np.asarray(values, dtype),)


def _distinct_rows(rng, shapes, dtype):
    """Rows whose first elements are distinct and apart (np.unique along axis 0 sorts them)."""
    x = rng.normal(size=shapes[0])
    x[:, 0] = rng.permutation(np.arange(float(shapes[0][0]))) + 0.1 * rng.uniform()
    return (np.asarray(x, dtype),)


def _binned(rng, shapes, dtype):
    """Data whose values are away from the edges of equal bins over their range (and
    weights for a second argument): a small step moves no value across an edge."""
    n = shapes[0][0]
    inner = rng.permutation(np.linspace(0.15, 0.85, n - 2) + 0.02 * rng.uniform(size=n - 2))
    x = np.concatenate([[0.0], inner, [1.0]]) * 3.0 - 1.0
    out = [x] + [rng.uniform(0.5, 1.5, size=s) for s in shapes[1:]]
    return tuple(np.asarray(v, dtype) for v in out)


def _binned_points(rng, shapes, dtype):
    """Points in two dimensions, each coordinate laid out as ``_binned`` lays out data (and
    weights for a third argument)."""
    x = _binned(rng, [shapes[0]], dtype)[0]
    y = _binned(rng, [shapes[1]], dtype)[0][::-1].copy()
    return (x, y) + tuple(np.asarray(rng.uniform(0.5, 1.5, size=s), dtype) for s in shapes[2:])


def _two_sets(rng, shapes, dtype):
    """Two arrays of distinct values, apart from each other (their equal values would be
    ties: a small step changes which values are shared)."""
    a = rng.permutation(np.arange(float(shapes[0][0]))) + 0.1
    b = rng.permutation(np.arange(float(shapes[1][0]))) + 0.6
    return np.asarray(a, dtype), np.asarray(b, dtype)


def _overlapping_sets(rng, shapes, dtype):
    a = rng.permutation(np.arange(float(shapes[0][0])))
    b = rng.permutation(np.arange(float(shapes[1][0]))) + 2.0
    return np.asarray(a, dtype), np.asarray(b, dtype)


def _with_nan(rng, shapes, dtype):
    x = rng.normal(size=shapes[0])
    x.flat[1] = np.nan
    return (np.asarray(x, dtype),)


def _phases(rng, shapes, dtype):
    return (np.asarray(np.cumsum(rng.uniform(1.0, 2.5, size=shapes[0]), axis=-1), dtype),)


def _polynomial_roots(rng, shapes, dtype):
    """Coefficients of a polynomial with distinct real roots."""
    roots = np.sort(rng.uniform(-2.0, 2.0, size=shapes[0][0] - 1)) + np.arange(shapes[0][0] - 1)
    return (np.asarray(np.poly(roots) * rng.uniform(1.0, 2.0), dtype),)


ROWS = [
    # polynomials
    OpCase("polyval", np.polyval, arity=2, shapes=[((4,), (3,)), ((3,), ())]),
    OpCase("polyadd", np.polyadd, arity=2, shapes=[((4,), (2,))]),
    OpCase("polysub", np.polysub, arity=2, shapes=[((2,), (4,))]),
    OpCase("polymul", np.polymul, arity=2, shapes=[((3,), (2,))], tags=DATA),
    OpCase("polyder", lambda p: np.polyder(p, 2), shapes=[(4,)]),
    OpCase("polyint", lambda p: np.polyint(p, 2), shapes=[(3,)]),
    OpCase(
        "polydiv",
        np.polydiv,
        arity=2,
        shapes=[((5,), (2,))],
        domain=(1.0, 2.0),
        dtypes=("float64",),
        tags=DATA,
    ),
    OpCase("poly", np.poly, shapes=[(3,)], dtypes=("float64",)),
    OpCase(
        "roots",
        lambda p: np.sort(np.real(np.roots(p))),
        shapes=[(4,)],
        sample=_polynomial_roots,
        dtypes=("float64",),
        tags=DATA,
    ),
    OpCase("vander", lambda x: np.vander(x, 4), shapes=[(3,)]),
    OpCase("vander[increasing]", lambda x: np.vander(x, increasing=True), shapes=[(3,)]),
    OpCase(
        "polyfit",
        lambda x, y: np.polyfit(x, y, 2),
        arity=2,
        shapes=[((6,), (6,)), ((5,), (5, 2))],
        dtypes=("float64",),
    ),
    # grids and sampled functions
    OpCase("linspace", lambda a, b: np.linspace(a, b, 5), arity=2, shapes=[((), ()), ((2,), ())]),
    OpCase(
        "linspace[no endpoint, axis]",
        lambda a, b: np.linspace(a, b, 4, endpoint=False, axis=-1),
        arity=2,
        shapes=[((2,), (2,))],
    ),
    OpCase("logspace", lambda a, b: np.logspace(a, b, 4, base=2.0), arity=2, shapes=[((), ())]),
    OpCase(
        "geomspace", lambda a, b: np.geomspace(a, b, 4), arity=2, shapes=[((), ())], domain=(0.3, 3)
    ),
    OpCase("gradient", np.gradient, shapes=[(5,), (4, 3)]),
    OpCase(
        "gradient[edge_order=2, step]",
        lambda f, h: np.gradient(f, h, axis=0, edge_order=2),
        arity=2,
        shapes=[((5, 2), ())],
        domain=(0.5, 2.0),
    ),
    OpCase(
        "gradient[coordinates]",
        lambda f, x: np.gradient(f, x, edge_order=2),
        arity=2,
        shapes=[((5,), (5,))],
        sample=_coordinates,
        dtypes=("float64",),
    ),
    OpCase(
        "interp",
        np.interp,
        arity=3,
        shapes=[((6,), (4,), (4,))],
        sample=_increasing,
        dtypes=("float64",),
    ),
    OpCase(
        # knots taken modulo the period and sorted (traced knots reorder too)
        "interp[period]",
        lambda x, xp, fp: np.interp(x, xp, fp, period=3.0),
        arity=3,
        shapes=[((6,), (4,), (4,))],
        sample=_increasing,
        dtypes=("float64",),
    ),
    OpCase("unwrap", np.unwrap, shapes=[(6,), (2, 5)], sample=_phases, dtypes=("float64",)),
    # statistics
    OpCase("cov", np.cov, shapes=[(3, 5), (6,)], dtypes=("float64",)),
    OpCase(
        "cov[fweights]",
        lambda x: np.cov(x, fweights=np.array([1, 3, 0, 2, 1]), ddof=2),
        shapes=[(3, 5), (5,)],
        dtypes=("float64",),
    ),
    OpCase(
        "apply_over_axes",
        lambda x: np.apply_over_axes(np.sum, x, [0, -1]) * x,
        shapes=[(2, 3), (2, 3, 2)],
    ),
    OpCase(
        "cov[y, rowvar]",
        lambda x, y: np.cov(x, y, rowvar=False),
        arity=2,
        shapes=[((5, 2), (5,))],
        dtypes=("float64",),
    ),
    OpCase("corrcoef", np.corrcoef, shapes=[(3, 5)], dtypes=("float64",)),
    OpCase("nan_to_num", lambda x: np.nan_to_num(2 * x), shapes=[(3,)]),
    OpCase("nanquantile", lambda a: np.nanquantile(a, 0.3, axis=1), shapes=[(3, 5)]),
    OpCase(
        "nanquantile[nan]",
        lambda a: np.nanquantile(a, [0.2, 0.7], axis=0),
        shapes=[(5, 2)],
        sample=_with_nan,
        order=0,
        dtypes=("float64",),
    ),
    OpCase("nanpercentile", lambda a: np.nanpercentile(a, 40.0), shapes=[(4,), (2, 3)]),
    OpCase("nanmedian", lambda a: np.nanmedian(a, axis=0, keepdims=True), shapes=[(3, 2)]),
    # array utilities
    OpCase("resize", lambda a: np.resize(a, (4, 2)), shapes=[(3,), (2, 2)]),
    OpCase(
        "trim_zeros",
        lambda a: np.trim_zeros(a * np.array([0.0, 1.0, 0.0, 1.0, 0.0, 0.0])),
        shapes=[(6,)],
        domain=(0.5, 1.5),
        dtypes=("float64",),
        tags=DATA,
    ),
    OpCase(
        "apply_along_axis",
        lambda a: np.apply_along_axis(lambda v: v * np.sum(v**2), 1, a),
        shapes=[(2, 3)],
    ),
    OpCase("ix_", lambda a: a[np.ix_([1, 0], [2, 0, 1])], shapes=[(2, 3)]),
    # np.ix_ of float values: the open mesh of the values themselves, reshaped
    OpCase("ix_[values]", lambda a, b: np.ix_(a, b), arity=2, shapes=[((2,), (3,))]),
    OpCase(
        "unique_values",
        np.unique_values,
        shapes=[(5,)],
        sample=_distinct,
        dtypes=("float64",),
        tags=DATA,
    ),
    OpCase(
        "unique_counts",
        lambda a: np.unique_counts(a).values,
        shapes=[(5,)],
        sample=_distinct,
        dtypes=("float64",),
        tags=DATA,
    ),
    OpCase(
        "unique_inverse",
        lambda a: np.unique_inverse(a).values,
        shapes=[(5,)],
        sample=_distinct,
        dtypes=("float64",),
        tags=DATA,
    ),
    OpCase(
        "unique_all",
        lambda a: np.unique_all(a).values,
        shapes=[(5,)],
        sample=_distinct,
        dtypes=("float64",),
        tags=DATA,
    ),
    OpCase(
        "union1d",
        np.union1d,
        arity=2,
        shapes=[((4,), (3,))],
        sample=_two_sets,
        dtypes=("float64",),
        tags=DATA,
    ),
    OpCase(
        "setxor1d",
        np.setxor1d,
        arity=2,
        shapes=[((4,), (3,))],
        sample=_two_sets,
        dtypes=("float64",),
        tags=DATA,
    ),
    OpCase(
        "setdiff1d",
        np.setdiff1d,
        arity=2,
        shapes=[((4,), (3,))],
        sample=_two_sets,
        dtypes=("float64",),
        tags=DATA,
    ),
    OpCase(
        "intersect1d",
        np.intersect1d,
        arity=2,
        shapes=[((5,), (4,))],
        sample=_overlapping_sets,
        order=0,
        dtypes=("float64",),
        tags=DATA,
    ),
    OpCase(
        "unique",
        lambda a: np.unique(a, return_counts=True)[0],
        shapes=[(5,)],
        sample=_distinct,
        dtypes=("float64",),
        tags=DATA,
    ),
    OpCase(
        "unique[axis]",
        lambda a: np.unique(np.concatenate([a, a[:1]]), axis=0),
        shapes=[(3, 2)],
        sample=_distinct_rows,
        dtypes=("float64",),
        tags=DATA,
    ),
    # counting into bins: counts are constants, weights enter linearly, the edges of equal
    # bins move with the data's extremes (which bin a value falls in is read from the values:
    # compile refuses, as for the data-dependent shapes)
    OpCase("bincount", lambda w: np.bincount([0, 2, 2, 1, 4], weights=w), shapes=[(5,)]),
    OpCase(
        "histogram",
        lambda a, w: np.histogram(a, bins=3, weights=w),
        arity=2,
        shapes=[((6,), (6,))],
        sample=_binned,
        dtypes=("float64",),
        tags=DATA,
    ),
    OpCase(
        "histogram[density]",
        lambda a: np.histogram(a, bins=4, density=True)[0],
        shapes=[(6,)],
        sample=_binned,
        dtypes=("float64",),
        tags=DATA,
    ),
    OpCase(
        "histogram2d",
        lambda x, y, w: np.histogram2d(x, y, bins=[2, 3], weights=w),
        arity=3,
        shapes=[((6,), (6,), (6,))],
        sample=_binned_points,
        dtypes=("float64",),
        tags=DATA,
    ),
    OpCase(
        "histogramdd[density]",
        lambda x, y: np.histogramdd(np.stack([x, y], axis=1), bins=2, density=True)[0],
        arity=2,
        shapes=[((6,), (6,))],
        sample=_binned_points,
        dtypes=("float64",),
        tags=DATA,
    ),
    OpCase(
        "histogram_bin_edges",
        lambda a: np.histogram_bin_edges(a, bins=4),
        shapes=[(6,)],
        sample=_binned,
        dtypes=("float64",),
        tags=DATA,
    ),
    OpCase(
        "real_if_close",
        lambda a: np.real_if_close(a + 1e-20j),
        shapes=[(3,)],
        dtypes=("float64",),
        tags=DATA,
    ),
    OpCase("reshape[F]", lambda a: np.reshape(a, (3, 2), order="F"), shapes=[(2, 3)]),
    OpCase("ravel[F]", lambda a: np.ravel(a, order="F"), shapes=[(2, 3)]),
]
