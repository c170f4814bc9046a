"""NumPy's polynomial, sampling, statistics and array-utility functions on traced values:
values equal NumPy's (NaN, ties and edge cases included), unsupported options raise."""

from __future__ import annotations

import numpy as np
import pytest

import functional_ad as fad


def traced_value(f, *args):
    """``f(*args)`` computed on traced values (the value of a jvp)."""
    out, _ = fad.jvp(f, args, tuple(np.zeros_like(np.asarray(a, float)) for a in args))
    return out


def test_nan_statistics_skip_nans_and_differentiate_the_rest():
    a = np.array([[1.0, np.nan, 3.0, 0.5], [np.nan, np.nan, np.nan, np.nan]])
    with np.errstate(all="ignore"), pytest.warns(RuntimeWarning):
        want = np.nanquantile(a, 0.3, axis=1)
    np.testing.assert_allclose(traced_value(lambda a: np.nanquantile(a, 0.3, axis=1), a), want)
    # the quantile of [0.5, 1, 3] at 0.3 interpolates between 0.5 and 1 with weight 0.6
    g = fad.grad(lambda a: np.nanquantile(a, 0.3, axis=1)[0])(a)
    np.testing.assert_allclose(g[0], [0.6, 0.0, 0.0, 0.4])
    assert np.all(g[1] == 0)
    np.testing.assert_allclose(fad.grad(lambda a: np.nanmedian(a[0]))(a)[0], [1.0, 0, 0, 0])


def test_nan_to_num_passes_finite_derivatives_only():
    x = np.array([1.0, np.inf, -np.inf, np.nan])
    np.testing.assert_array_equal(traced_value(np.nan_to_num, x), np.nan_to_num(x))
    np.testing.assert_array_equal(fad.grad(lambda x: np.sum(np.nan_to_num(x)))(x), [1, 0, 0, 0])


def test_repeated_values_give_their_derivative_to_one_occurrence():
    x = np.array([2.0, 1.0, 2.0])
    values, counts = traced_value(lambda x: tuple(np.unique_counts(x)), x)
    np.testing.assert_array_equal(values, [1.0, 2.0])
    np.testing.assert_array_equal(counts, [1, 2])
    np.testing.assert_array_equal(fad.grad(lambda x: np.sum(np.unique_values(x)))(x), [1, 1, 0])


def test_polynomial_edge_cases_match_numpy():
    p = np.array([0.0, 1.0, -3.0, 2.0, 0.0])  # leading and trailing zeros
    np.testing.assert_allclose(np.sort(traced_value(np.roots, p)), np.sort(np.roots(p)))
    q, r = traced_value(np.polydiv, np.array([1.0, -3.0, 2.0]), np.array([1.0, -1.0]))
    want_q, want_r = np.polydiv(np.array([1.0, -3.0, 2.0]), np.array([1.0, -1.0]))
    np.testing.assert_allclose(q, want_q)
    np.testing.assert_allclose(r, want_r)
    np.testing.assert_allclose(traced_value(np.vander, np.array([0.0, 2.0])), np.vander([0.0, 2.0]))
    # d/dx of x^k at x = 0 is finite (products, not powers)
    assert np.all(np.isfinite(fad.jacfwd(np.vander)(np.array([0.0, 1.0]))))


def test_grids_have_exact_endpoints_and_numpys_values():
    for args in [(0.0, 1.0, 5), (2.0, -1.0, 4), (np.array([0.0, 1.0]), 3.0, 3)]:
        np.testing.assert_array_equal(
            traced_value(lambda a, b: np.linspace(a, b, args[2]), *args[:2]),
            np.linspace(*args),
        )
    np.testing.assert_allclose(
        traced_value(lambda a, b: np.geomspace(a, b, 5), -1.0, -16.0), np.geomspace(-1.0, -16.0, 5)
    )
    with pytest.raises(ValueError, match="zero"):
        traced_value(lambda a, b: np.geomspace(a, b, 3), 0.0, 1.0)


def test_unsupported_options_raise():
    # (np.interp's period= and np.cov's weights are supported: tests below)
    x = np.linspace(0.0, 1.0, 5)
    with pytest.raises(NotImplementedError, match="full=True"):
        traced_value(lambda x: np.polyfit(x, x, 1, full=True), x)
    with pytest.raises(NotImplementedError, match="linear"):
        traced_value(lambda x: np.nanquantile(x, 0.5, method="nearest"), x)


def test_fortran_order_matches_numpy():
    a = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(traced_value(lambda a: np.reshape(a, (3, 2), order="F"), a),
                                  np.reshape(a, (3, 2), order="F"))  # fmt: skip
    np.testing.assert_array_equal(traced_value(lambda a: a.flatten("F"), a), a.flatten("F"))


def test_set_operations_values_come_from_the_inputs():
    a = np.array([3.0, 1.0, 2.0, 3.0, 5.0])
    b = np.array([2.0, 7.0, 5.0, 5.0, 0.5])
    for op in (np.union1d, np.intersect1d, np.setdiff1d, np.setxor1d):
        np.testing.assert_array_equal(traced_value(op, a, b), op(a, b))
    # the intersection's values are ar1's: its derivative goes to ar1's first occurrences
    g = fad.grad(lambda a: np.sum(np.intersect1d(a, b) ** 2))(a)
    np.testing.assert_array_equal(g, [0.0, 0.0, 4.0, 0.0, 10.0])


def test_a_fortran_order_reshape_is_a_copy_when_numpy_copies():
    def write_through(x):
        y = np.reshape(x, (3, 2), order="F")  # NumPy copies a C-ordered x here
        y[0, 1] = 100.0
        z = np.reshape(x[0], (3,), order="F")  # a 1-D row: a view in either order
        z[2] = -1.0
        return x, y

    x = np.arange(6.0).reshape(2, 3)
    want = write_through(x.copy())
    got = traced_value(write_through, x)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(g, w)


def test_ix_of_values_keeps_their_derivatives():
    # np.ix_ reshapes each 1-D argument: float values are values, not constants
    from functional_ad.testing import check_grads

    x = np.arange(1.0, 4.0)
    np.testing.assert_allclose(fad.grad(lambda x: np.sum(np.ix_(x, x)[0]))(x), np.ones(3))
    check_grads(lambda x: np.ix_(x, x**2)[1] * np.ix_(x, x)[0], (x,), order=2)
    w = np.arange(9.0).reshape(3, 3)
    mask = np.array([True, False, True])
    expected = np.zeros((3, 3))
    expected[np.ix_(mask, [0, 1])] = 1.0
    np.testing.assert_allclose(fad.grad(lambda w: np.sum(w[np.ix_(mask, [0, 1])]))(w), expected)
    assert fad.vmap(lambda x: np.ix_(x, x)[1])(np.ones((2, 3))).shape == (2, 1, 3)


def test_common_type_of_traced_values():
    assert fad.grad(lambda x: np.sum(x.astype(np.common_type(x))))(np.ones(2)).dtype == float


def test_real_if_close():
    x = np.array([1.0, 2.0])
    # imaginary parts of zero: the real part, with its derivative
    out = fad.grad(lambda x: np.sum(np.real_if_close(x * (1 + 0j)) ** 2))(x)
    np.testing.assert_allclose(out, 2 * x)
    y, y_dot = fad.jvp(lambda x: np.real_if_close(x * (1 + 1j)), (x,), (np.ones(2),))
    assert y.dtype == np.complex128 and y_dot.dtype == np.complex128  # not close: kept complex
    with pytest.raises(fad.ConcreteValueError):
        fad.compile(lambda x: np.real_if_close(x * (1 + 0j)))(x)


def test_vecdot_takes_the_vectors_at_axis_of_each_operand():
    # a gufunc's axis names each operand's own core axis before the others broadcast: the
    # product was broadcast first and summed over the axis of the result, silently wrong
    a, v = np.arange(12.0).reshape(3, 4), np.array([1.0, -2.0, 0.5])
    for vecdot in (np.vecdot, np.linalg.vecdot):
        want = vecdot(a, v, axis=0)
        np.testing.assert_array_equal(traced_value(lambda a, v: vecdot(a, v, axis=0), a, v), want)
        np.testing.assert_array_equal(fad.jacobian(lambda v: vecdot(a, v, axis=0))(v), a.T)
    for x, y in ((np.zeros(()), v), (a, np.ones(4))):
        with pytest.raises(ValueError, match="vecdot"):
            fad.jvp(lambda x: np.vecdot(x, y, axis=0), (x,), (x,))


def test_weighted_covariance_follows_numpy():
    # fweights repeat observations, aweights weigh them; both enter the mean and the
    # normalization as NumPy's cov writes them, and aweights are differentiable
    x = np.array([[0.3, -1.2, 2.0, 0.7], [1.1, 0.4, -0.5, 2.2]])
    f, a = np.array([1, 2, 1, 3]), np.array([0.5, 1.5, 1.0, 2.0])
    for kwargs in ({"fweights": f}, {"aweights": a}, {"fweights": f, "aweights": a, "ddof": 2}):
        want = np.cov(x, **kwargs)
        np.testing.assert_allclose(traced_value(lambda x: np.cov(x, **kwargs), x), want)
    g = fad.grad(lambda a: np.sum(np.cov(x, aweights=a)))(a)
    h = 1e-6
    central = [(np.sum(np.cov(x, aweights=a + h * e)) - np.sum(np.cov(x, aweights=a - h * e)))
               / (2 * h) for e in np.eye(4)]  # fmt: skip
    np.testing.assert_allclose(g, central, rtol=1e-6)
    for bad, error in (
        ([1, 2.5, 1, 3], TypeError),
        ([1, -2, 1, 3], ValueError),
        ([1, 2], RuntimeError),
    ):
        with pytest.raises(error):
            np.cov(x, fweights=np.array(bad))
        with pytest.raises(error):
            traced_value(lambda x: np.cov(x, fweights=np.array(bad)), x)


def test_periodic_interpolation_follows_numpy():
    x = np.array([-200.0, -10.0, 5.0, 179.0, 400.0])
    xp, fp = np.array([190.0, -170.0, 0.0, 90.0]), np.array([1.0, 2.0, -1.0, 0.5])
    want = np.interp(x, xp, fp, period=360)
    np.testing.assert_allclose(
        traced_value(lambda x, xp, fp: np.interp(x, xp, fp, period=360), x, xp, fp), want
    )
    with pytest.raises(ValueError, match="period"):
        traced_value(lambda x: np.interp(x, xp, fp, period=0), x)


def test_put_along_axis_and_apply_over_axes_follow_numpy():
    a = np.arange(12.0).reshape(3, 4)
    index = np.array([[1], [3], [0]])

    def put(a, values, axis=1, index=index):
        out = a + np.zeros_like(values, shape=a.shape)  # (traced if either is)
        np.put_along_axis(out, index, values, axis)
        return out

    for values in (9.0, np.array([[7.0], [8.0], [9.0]])):
        np.testing.assert_array_equal(traced_value(lambda a: put(a, values), a), put(a, values))
    flat = np.array([0, 5, 11])
    np.testing.assert_array_equal(
        traced_value(lambda a: put(a, -1.0, None, flat), a), put(a, -1.0, None, flat)
    )
    # the values written get the derivative, the overwritten elements none
    jac = fad.jacobian(lambda v: put(a, v))(np.array([[7.0], [8.0], [9.0]]))
    assert jac.shape == (3, 4, 3, 1) and jac[0, 1, 0, 0] == 1.0 and jac.sum() == 3.0
    for bad, error in ((np.array([[0.0]] * 3), IndexError), (np.array([0, 1]), ValueError)):
        with pytest.raises(error):
            traced_value(lambda a: put(a, 1.0, 1, bad), a)
    t = np.arange(24.0).reshape(2, 3, 4)
    for axes in ([0, 2], -1, (1,)):
        want = np.apply_over_axes(np.sum, t, axes)
        np.testing.assert_array_equal(
            traced_value(lambda t: np.apply_over_axes(np.sum, t, axes), t), want
        )


def test_histogramdd_and_histogram2d_follow_numpy():
    rng = np.random.default_rng(2)
    points, weights = rng.standard_normal((40, 2)), rng.uniform(0.5, 1.5, 40)
    for f in (
        lambda p, w: np.histogramdd(p, bins=3, weights=w),
        lambda p, w: np.histogramdd([p[:, 0], p[:, 1]], bins=(2, 3), density=True),
        lambda p, w: np.histogram2d(p[:, 0], p[:, 1], bins=np.linspace(-3, 3, 4), weights=w),
    ):
        got, want = traced_value(f, points, weights), f(points, weights)
        for g, w in zip(fad.tree_leaves(got), fad.tree_leaves(want), strict=True):
            np.testing.assert_allclose(g, w, rtol=1e-12)
    # each weight lands in one bin: the Jacobian is the 0/1 matrix of where each point falls
    jac = fad.jacobian(lambda w: np.histogramdd(points, bins=3, weights=w)[0])(weights)
    counts = np.histogramdd(points, bins=3)[0]
    np.testing.assert_array_equal(jac.sum(axis=-1), counts)
    assert set(np.unique(jac)) <= {0.0, 1.0}


def test_nan_quantiles_over_several_axes():
    t = np.arange(24.0).reshape(2, 3, 4) ** 1.5
    t[0, 1, 2] = t[1, :, 0] = np.nan
    for axis in ((0, 2), [1, 2], (2, 0, 1)):
        for keepdims in (False, True):
            for f in (
                lambda t: np.nanmedian(t, axis=axis, keepdims=keepdims),
                lambda t: np.nanquantile(t, [0.2, 0.9], axis=axis, keepdims=keepdims),
            ):
                np.testing.assert_allclose(traced_value(f, t), f(t))
    # each median is one value or the mean of two: its gradient sums to one per result
    g = fad.grad(lambda t: np.sum(np.nanmedian(t, axis=(0, 2))))(t)
    assert np.isclose(np.nansum(g), 3.0) and np.all(g[np.isnan(t)] == 0)
