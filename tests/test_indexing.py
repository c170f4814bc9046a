"""Indexing traced values: the forms NumPy accepts, their derivatives, and what is refused."""

import numpy as np
import pytest

import functional_ad as fad
from functional_ad.testing import check_grads

X = np.arange(1.0, 13.0).reshape(3, 4)
V = np.array([0.5, -1.0, 2.0, 3.0])


def grad_of_sum(index, x):
    """The gradient of sum(x[index]): how many times each element was picked."""
    return fad.grad(lambda a: np.sum(a[index]))(x)


def picks(index, shape):
    """Count how many times each element is selected by ``index`` (the expected gradient)."""
    counts = np.zeros(shape)
    np.add.at(counts, index, 1.0)
    return counts


# ----------------------------------------------------------------------------- forms


@pytest.mark.parametrize(
    "index",
    [
        1,
        -1,
        (1, 2),
        (-1, -4),
        slice(None, None, -1),
        (slice(1, None), slice(None, None, 2)),
        (Ellipsis, 0),
        (None, 1),
        (1, None, Ellipsis, None),
        (),
        Ellipsis,
        np.array([0, 0, 2]),
        [2, 0, 2],
        (np.array([0, 2]), np.array([3, 3])),
        (slice(None), [1, 1, 0]),
        ([0, 1], slice(None)),
        (np.array([[0], [2]]), [1, 3]),
        np.array([True, False, True]),
        (np.array([True, False, True]), slice(1, 3)),
        X > 6,
        np.int64(2),
        (np.array(1), np.array(-1)),
        np.array([], dtype=np.intp),
        ((2, 0, 2),),
        ((0, 0), slice(1, 3)),
    ],
    ids=repr,
)
def test_value_and_gradient_match_numpy(index):
    out = fad.jvp(lambda a: a[index], (X,), (np.ones_like(X),))[0]
    np.testing.assert_array_equal(out, X[index])
    np.testing.assert_array_equal(grad_of_sum(index, X), picks(index, X.shape))


def test_repeated_indices_accumulate_in_reverse_mode():
    index = np.array([1, 1, 1, 3, -1])
    g = fad.grad(lambda v: np.sum(v[index] * np.arange(1.0, 6.0)))(V)
    np.testing.assert_array_equal(g, [0.0, 1 + 2 + 3, 0.0, 4 + 5])
    _, pullback = fad.vjp(lambda v: v[index], V)
    np.testing.assert_array_equal(pullback(np.ones(5))[0], [0.0, 3.0, 0.0, 2.0])


def test_repeated_indices_jacobians_agree():
    index = (np.array([0, 0, 2]), np.array([1, 1, -1]))
    jac_rev = fad.jacrev(lambda a: a[index] ** 2)(X)
    jac_fwd = fad.jacfwd(lambda a: a[index] ** 2)(X)
    np.testing.assert_array_equal(jac_rev, jac_fwd)
    assert jac_rev.shape == (3,) + X.shape
    np.testing.assert_array_equal(jac_rev[0], jac_rev[1])  # both rows read X[0, 1]


def test_second_order_through_repeated_gather():
    index = np.array([0, 0, 2])
    hess = fad.hessian(lambda v: np.sum(v[index] ** 3))(V)
    np.testing.assert_allclose(hess, np.diag([2 * 6 * V[0], 0.0, 6 * V[2], 0.0]))
    check_grads(lambda a: a[(np.array([0, 0, 2]), slice(1, None))] ** 2, (X,), order=3)


def test_mixed_advanced_indices_move_to_the_front():
    x = np.arange(24.0).reshape(2, 3, 4)
    index = ([0, 1, 1], slice(None), [3, 3, 0])
    out, tangent = fad.jvp(lambda a: a[index], (x,), (x,))
    assert out.shape == x[index].shape == (3, 3)
    np.testing.assert_array_equal(tangent, x[index])
    np.testing.assert_array_equal(grad_of_sum(index, x), picks(index, x.shape))


def test_zero_and_one_dimensional_inputs():
    s = np.array(2.5)
    assert fad.grad(lambda a: a[()] * 3)(s) == 3.0
    assert fad.grad(lambda a: np.sum(a[None]))(s) == 1.0
    assert fad.grad(lambda a: np.sum(a[...] ** 2))(s) == 5.0
    np.testing.assert_array_equal(fad.grad(lambda v: v[-2])(V), [0.0, 0.0, 1.0, 0.0])
    np.testing.assert_array_equal(fad.grad(lambda v: v[np.int32(0)])(V), [1.0, 0.0, 0.0, 0.0])


def test_list_and_tuple_indices():
    np.testing.assert_array_equal(grad_of_sum([3, 0, 3], V), [1.0, 0.0, 0.0, 2.0])
    np.testing.assert_array_equal(grad_of_sum((2, 3), X), picks((2, 3), X.shape))
    nested = [[0, 1], [1, 1]]
    np.testing.assert_array_equal(grad_of_sum(nested, V), picks(np.array(nested), V.shape))
    mask = [True, False, False, True]
    np.testing.assert_array_equal(grad_of_sum(mask, V), [1.0, 0.0, 0.0, 1.0])


def test_out_of_range_index_raises_like_numpy():
    with pytest.raises(IndexError):
        fad.grad(lambda v: v[4])(V)
    with pytest.raises(IndexError):
        fad.grad(lambda v: np.sum(v[np.array([0, -5])]))(V)


def test_float32_gradients_stay_float32():
    x = X.astype(np.float32)
    g = fad.grad(lambda a: np.sum(a[[0, 0, 2], 1:] ** 2))(x)
    assert g.dtype == np.float32
    _, tangent = fad.jvp(lambda a: a[x > 5], (x,), (np.ones_like(x),))
    assert tangent.dtype == np.float32


def test_iteration_and_len():
    def f(v):
        assert len(v) == 4
        return sum(k * e for k, e in enumerate(v))

    np.testing.assert_array_equal(fad.grad(f)(V), [0.0, 1.0, 2.0, 3.0])
    rows = fad.jacobian(lambda a: np.stack([r for r in a][::-1]))(X)
    np.testing.assert_array_equal(
        rows.reshape(12, 12),
        np.flipud(np.eye(3)).repeat(4, 0).repeat(4, 1) * np.tile(np.eye(4), (3, 3)),
    )


# ----------------------------------------------------------------------------- traced indices


def test_integer_traced_index_is_lowered():
    # an integer-valued tracer has no derivative; it indexes with its concrete value
    def f(v):
        i = v.astype(int)  # [0, -1, 2, 3]
        return v[i[2]] + np.sum(v[i[2:]]) + np.sum(v[i[0] : i[3]])

    np.testing.assert_array_equal(fad.grad(f)(V), [1.0, 1.0, 3.0, 1.0])
    out, tangent = fad.jvp(f, (V,), (np.ones(4),))
    assert out == f(V) and tangent == 6.0


def test_traced_integers_inside_a_list_index():
    g = fad.grad(lambda v: np.sum(v[[[0, v.astype(int)[3]], [3, 3]]]))(V)
    np.testing.assert_array_equal(g, [1.0, 0.0, 0.0, 3.0])


def test_float_traced_index_is_refused():
    with pytest.raises(IndexError, match="cannot be used as an index"):
        fad.grad(lambda v: v[v[0]])(V)
    with pytest.raises(IndexError, match="cannot be used as an index"):
        fad.grad(lambda v: np.sum(v[np.stack([v[0], v[0]])]))(V)
    with pytest.raises(IndexError, match="cannot be used as an index"):
        fad.grad(lambda v: np.sum(np.take(v, v[:1])))(V)


def test_index_from_argmax_is_a_constant():
    g = fad.grad(lambda v: v[np.argmax(v)] ** 2)(V)
    np.testing.assert_array_equal(g, [0.0, 0.0, 0.0, 6.0])


# ----------------------------------------------------------------------------- gathers


def test_take_and_take_along_axis_accumulate():
    g = fad.grad(lambda a: np.sum(np.take(a, [1, 1, -1], axis=1)))(X)
    np.testing.assert_array_equal(g, np.tile([0.0, 2.0, 0.0, 1.0], (3, 1)))
    order = np.array([[0, 0, 0, 3]] * 3)
    g = fad.grad(lambda a: np.sum(np.take_along_axis(a, order, axis=1)))(X)
    np.testing.assert_array_equal(g, np.tile([3.0, 0.0, 0.0, 1.0], (3, 1)))


def test_sort_gradient_follows_the_permutation():
    x = np.array([3.0, -1.0, 2.0])
    weights = np.array([1.0, 10.0, 100.0])
    g = fad.grad(lambda v: np.sum(np.sort(v) * weights))(x)
    np.testing.assert_array_equal(g, [100.0, 1.0, 10.0])


def test_prod_and_cumprod_are_exact_at_zeros():
    x = np.array([0.0, 2.0, 3.0, 0.5])
    np.testing.assert_array_equal(fad.grad(np.prod)(x), [3.0, 0.0, 0.0, 0.0])
    jac = fad.jacrev(np.cumprod)(x)
    np.testing.assert_array_equal(jac, fad.jacfwd(np.cumprod)(x))
    np.testing.assert_array_equal(jac[:, 0], [1.0, 2.0, 6.0, 3.0])
    assert np.all(np.isfinite(fad.hessian(lambda v: np.sum(np.cumprod(v)))(x)))
    two_zeros = np.array([0.0, 2.0, 0.0])
    np.testing.assert_array_equal(fad.hessian(np.prod)(two_zeros)[0], [0.0, 0.0, 2.0])
