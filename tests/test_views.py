"""NumPy's view and in-place semantics under every transform.

Each program is ordinary NumPy code; ``check_program`` runs it on plain arrays and under
jvp, vjp, grad, jacfwd, jacrev, hessian, hvp, vmap and compile, comparing values with NumPy
and derivatives with central differences.
"""

import numpy as np
import pytest

import functional_ad as fad

from .transform_check import check_program

X = np.array([0.3, -1.2, 0.7, 1.9, -0.4, 0.8])
M = X.reshape(2, 3)


def shift_add(x):
    y = x.copy()
    y[1:] += x[:-1]
    return y


def strided_scale(x):
    y = x.copy()
    y[::2] *= 3.0
    return y


def element_add(x):
    y = x.copy()
    y[1] += x[0]
    return y


def argument_in_place(x):
    x += 1
    x *= 2
    x[0] -= 1
    return x * x


def fill_then_assign(x):
    y = np.empty_like(x)
    y.fill(2.0)
    y[2] = x[3] ** 2
    y[:2] = np.sin(x[4:])
    return y * x


def mask_scale(x):
    y = x.copy()
    y[y > 0] *= 2.0
    return y


def mask_set(x):
    y = np.sin(x)
    y[x < 0] = 0.5
    return y


def mask_add_selection(x):
    y = x.copy()
    m = x > 0
    y[m] += np.exp(x)[m]
    return y


def transpose_written(x):
    y = x.reshape(2, 3).copy()
    t = y.T
    t[0] *= 5.0
    t[1:, 1] = x[:2]
    return y


def reshape_written(x):
    y = x.copy()
    r = y.reshape(3, 2)
    r[1] += 10.0 * x[:2]
    return y


def swapaxes_written(x):
    y = x.reshape(1, 2, 3) * 1.0
    s = np.swapaxes(y, 1, 2)
    s[0, 2] = np.cos(x[:2])
    return y


def rows_iterated(x):
    y = x.reshape(3, 2) * 1.0
    for row in y:
        row *= 2.0
        row[0] += row[1]
    return y


def unpacked_rows(x):
    y = np.sin(x.reshape(2, 3))
    a, b = y
    a *= b
    b[0] = 7.0
    return y


def split_pieces(x):
    y = x * 1.0
    first, second, third = np.split(y, 3)
    first += second
    third[1] = first[0] ** 2
    return y


def array_split_pieces(x):
    y = x * 1.0
    pieces = np.array_split(y, 4)
    for piece in pieces:
        piece *= piece.shape[0] + 1.0
    return y


def view_before_write(x):
    y = x.copy()
    v = y[2:5]
    y[3] = x[0] * x[1]
    y *= 2.0
    return v + 0.0


def view_of_view(x):
    y = x.reshape(2, 3) * 1.0
    v = y[:, 1:]
    w = v.T
    w[0] = x[:2] ** 2
    return np.concatenate([y.ravel(), v.ravel()])


def chained_write_sees_old_view(x):
    y = x.copy()
    head = y[:3]
    y[0] = 100.0 * x[5]
    total = head * 1.0
    head[1] = x[2]
    return np.concatenate([total, y])


def out_clip(x):
    y = np.empty_like(x)
    np.clip(x * 2.0, -1.0, 1.5, out=y)
    return y * x


def out_concatenate(x):
    y = np.zeros(9, like=x)
    np.concatenate([x, x[:3] ** 2], out=y)
    return y


def out_ufuncs(x):
    y = np.zeros_like(x)
    np.multiply(x, x, out=y)
    np.sin(y, out=y)
    z = np.zeros((2, 6), like=x)
    np.add(x, 1.0, out=z)
    return z * y


def out_with_where(x):
    y = np.ones_like(x)
    np.exp(x, out=y, where=x > 0)
    return y


def out_reduction(x):
    s = np.zeros(3, like=x)
    np.sum(x.reshape(2, 3), axis=0, out=s)
    return s * x[:3]


def copyto_and_friends(x):
    y = np.zeros_like(x)
    np.copyto(y, x**2)
    np.copyto(y, 5.0, where=x > 1.0)
    np.putmask(y, x < 0, x[:2] * 10.0)
    return y


def put_and_place(x):
    y = x * 1.0
    np.put(y, [0, 5], x[2:4] ** 3)
    z = x * 2.0
    np.place(z, [True, False, True, False, False, True], [1.0, -1.0])
    return y + z


def fill_diagonal_on_copy(x):
    m = np.outer(x[:3], x[3:])
    np.fill_diagonal(m, x[:3] ** 2)
    return m


def ufunc_at(x):
    y = x * 1.0
    np.add.at(y, [0, 0, 2], x[3:] ** 2)
    np.multiply.at(y, [1, 1], x[:2])
    np.negative.at(y, [4])
    return y


def fancy_aug_assign(x):
    y = x * 1.0
    y[[0, 0, 3]] += x[:3]  # buffered: the repeated 0 is written once, with the last value
    return y


def scalar_in_place(x):
    s = np.sum(x)
    t = s
    s += 1.0
    s *= x[0]
    return np.stack([s, t])


def zero_d_array_in_place(x):
    a = np.zeros((), like=x)
    b = a
    a += x[0]
    return np.stack([a, b])


# idioms beyond the ones above, each checked the same way


def column_from_column(x):
    y = x.reshape(2, 3).copy()
    y[:, 0] = y[:, 1] * 2
    return y


def cumulative_loop(x):
    y = x.copy()
    for i in range(1, 6):
        y[i] += y[i - 1] * 0.5
    return y


def stencil(x):
    y = np.zeros_like(x)
    y[1:-1] = 0.5 * (x[:-2] + x[2:])
    return y


def normalise_in_place(x):
    y = np.exp(x)
    y /= y.sum()
    return y


def swap_rows_fancy(x):
    y = x.reshape(3, 2).copy()
    y[[0, 1]] = y[[1, 0]]
    return y


def transpose_row_written(x):
    y = x.reshape(2, 3).copy()
    y.T[0] = x[3:5] ** 2
    return y


def out_is_a_view(x):
    y = x.copy()
    np.add(y[:3], 1, out=y[3:])
    return y


def ellipsis_assign_reversed(x):
    y = np.empty_like(x)
    y[...] = x[::-1]
    return y


def whole_slice_aug(x):
    y = x.copy()
    y[:] += 1
    y[...] *= x
    return y


def ravel_view_and_copy(x):
    y = x.reshape(2, 3) * 1.0
    z = y.ravel()
    z[0] = 5 * x[1]
    w = y.T.ravel()
    w[1] = 7.0
    return np.concatenate([y.ravel(), w])


def sort_a_view(x):
    y = x * 1.0
    y[1:].sort()
    return y


def element_read_before_write(x):
    y = x * 1.0
    a = y[0]
    y[0] = 5.0
    return np.stack([a, y[0]])


def real_imag_views(x):
    z = x[:3] + 1j * x[3:]
    z.real[0] = x[1] ** 2
    z.imag[1:] *= 3.0
    return np.concatenate([z.real, z.imag])


def out_negative_cumsum(x):
    y = x * 1.0
    np.negative(y, out=y)
    z = np.empty_like(x)
    np.cumsum(x, out=z)
    return y * z


def overlapping_assign(x):
    y = x * 1.0
    y[1:3] = y[0:2]
    return y


def negative_stride_view(x):
    y = x * 1.0
    v = y[::-1]
    v[0] = x[0] * 3
    v[2:4] += 1.0
    return y


def flip_view_written(x):
    y = x * 1.0
    np.flip(y)[0] = x[1] ** 2
    return y


def reshape_strided_write(x):
    y = x * 1.0
    y.reshape(-1)[::2] = 0
    return y


def rot90_view_written(x):
    y = x.reshape(2, 3) * 1.0
    r = np.rot90(y)
    r[0, 1] = x[0] * 5
    return y


def expand_squeeze_views(x):
    y = x.reshape(2, 3) * 1.0
    e = np.expand_dims(y, 0)
    e[0, 1] *= 2
    s = np.squeeze(e)
    s[0, 0] = 1.0
    return y


def shifted_sum_assign(x):
    y = x.copy()
    y[1:] = y[1:] + y[:-1]
    y[0] = y[-1]
    return y


def column_view_after_row_writes(x):
    y = x.reshape(2, 3).copy()
    col = y[:, 1]
    y[0] *= 2.0
    y[:, 0] += col
    return y


def name_alias_in_place(x):
    y = x.copy()
    t = y
    t += 1.0
    return y * t


def accumulate_rows(x):
    acc = np.zeros(3, like=x)
    for row in x.reshape(2, 3):
        acc += row**2
    return acc


def split_axis1_pieces(x):
    y = x.reshape(2, 3).copy()
    a, b = np.split(y, [1], axis=1)
    b *= a
    return y


def maximum_out_in_place(x):
    y = x * 1.0
    np.maximum(y, 0.1, out=y)
    return y


def mask_set_then_add(x):
    y = x.copy()
    m = y > 0
    y[m] = 0.0
    y += 1.0
    return y


def argmax_index_set(x):
    y = x.copy()
    y[np.argmax(x)] = 0.0
    return y


def fill_diagonal_rectangular(x):
    y = x.reshape(2, 3).copy()
    np.fill_diagonal(y, x[:2] * 3)
    return y


def fill_then_fancy(x):
    y = x.copy()
    y.fill(1.0)
    y[[1, 3]] = x[[0, 0]]
    return y


def row_from_row(x):
    y = np.ones((2, 6), like=x)
    y[0] = x
    y[1] = y[0] ** 2
    return y


def atleast_2d_view(x):
    z = np.atleast_2d(x * 1.0)
    z[0, 0] = 2.0
    return z


def argmin_column_add(x):
    y = x.reshape(2, 3).copy()
    y[:, np.argmin(x[:3])] += x[3:5]
    return y


def argmax_row_view_written(x):
    y = x.reshape(2, 3).copy()
    r = y[np.argmax(x[:2])]
    r *= 3.0
    return y


def list_of_traced_values_assigned(x):
    y = x.copy()
    y[:2] = [x[3], x[4] * 2]
    return y


def rows_and_columns_of_a_2d_buffer(x):
    y = np.zeros((2, 6), like=x)
    y[0] = x
    y[1, :] = 3.0
    y[:, 0] += x[:2]
    return y


def constant_mask_assign(x):
    y = x.copy()
    y[np.array([True, False, True, False, True, False])] = x[:3]
    return y


def two_d_fancy_aug_assign(x):
    y = x.copy()
    idx = np.array([[0, 1], [2, 3]])
    y[idx] *= 2.0
    return y


def newaxis_slice_assign(x):
    y = x.copy()
    y[np.newaxis, 1:3] = x[4:]
    return y


def ellipsis_column_update(x):
    y = x.reshape(2, 3).copy()
    y[..., -1] -= y[..., 0]
    return y


def view_of_strided_view(x):
    a = x.copy()
    b = a[1:4]
    c = b[::2]
    c *= 10.0
    b[1] = a[0]
    return a


def view_outlives_rebinding_of_its_name(x):
    y = x.copy()
    z = y[:3]
    y = y * 2.0
    z += 1.0
    return y + np.concatenate([z, z])


def read_then_zero(x):
    y = x.copy()
    s = y[2:4].sum()
    y[2:4] = 0.0
    return y + s


def np_array_copies(x):
    y = np.array(x)
    y[0] = 2.0
    return y * x


def np_asarray_is_the_same_array(x):
    y = np.asarray(x)
    y[0] = 2.0
    return y * x


def copyto_strided_views(x):
    y = x.copy()
    np.copyto(y[::2], x[1::2])
    return y


def clip_in_place(x):
    y = x.copy()
    np.clip(y, -0.5, 0.5, out=y)
    return y * x


def mask_recomputed_on_both_sides(x):
    y = x.copy()
    y[y > 0] += x[y > 0]
    return y


def mask_recomputed_in_assignment(x):
    m = x.reshape(2, 3).copy()
    m[m > 0] = m[m > 0] ** 2
    return m


def divide_where_in_place(x):
    y = x.copy()
    np.divide(y, 2.0, out=y, where=y > 0)
    return y


def last_from_first_two(x):
    y = x.copy()
    y[-1] = y[0] * y[1]
    return y


PROGRAMS = [
    shift_add,
    strided_scale,
    element_add,
    argument_in_place,
    fill_then_assign,
    transpose_written,
    reshape_written,
    swapaxes_written,
    rows_iterated,
    unpacked_rows,
    split_pieces,
    array_split_pieces,
    view_before_write,
    view_of_view,
    chained_write_sees_old_view,
    out_clip,
    out_concatenate,
    out_ufuncs,
    out_reduction,
    copyto_and_friends,
    put_and_place,
    fill_diagonal_on_copy,
    ufunc_at,
    fancy_aug_assign,
    scalar_in_place,
    zero_d_array_in_place,
    column_from_column,
    cumulative_loop,
    stencil,
    normalise_in_place,
    swap_rows_fancy,
    transpose_row_written,
    out_is_a_view,
    ellipsis_assign_reversed,
    whole_slice_aug,
    ravel_view_and_copy,
    sort_a_view,
    element_read_before_write,
    real_imag_views,
    out_negative_cumsum,
    overlapping_assign,
    negative_stride_view,
    flip_view_written,
    reshape_strided_write,
    rot90_view_written,
    expand_squeeze_views,
    shifted_sum_assign,
    column_view_after_row_writes,
    name_alias_in_place,
    accumulate_rows,
    split_axis1_pieces,
    maximum_out_in_place,
    mask_set_then_add,
    argmax_index_set,
    fill_diagonal_rectangular,
    fill_then_fancy,
    row_from_row,
    atleast_2d_view,
    argmin_column_add,
    argmax_row_view_written,
    list_of_traced_values_assigned,
    rows_and_columns_of_a_2d_buffer,
    constant_mask_assign,
    two_d_fancy_aug_assign,
    newaxis_slice_assign,
    ellipsis_column_update,
    view_of_strided_view,
    view_outlives_rebinding_of_its_name,
    read_then_zero,
    np_array_copies,
    np_asarray_is_the_same_array,
    copyto_strided_views,
    clip_in_place,
    last_from_first_two,
]

# programs whose masks depend on values: fixed-shape updates, so vmap and compile work too
MASK_PROGRAMS = [
    mask_scale,
    mask_set,
    mask_add_selection,
    out_with_where,
    mask_recomputed_on_both_sides,
    mask_recomputed_in_assignment,
    divide_where_in_place,
]


@pytest.mark.parametrize("program", PROGRAMS + MASK_PROGRAMS, ids=lambda f: f.__name__)
def test_program_means_what_numpy_means(program):
    check_program(program, X)


def test_the_callers_array_is_never_changed():
    x = X.copy()
    for transform in (fad.grad, fad.jacfwd, fad.jacrev, fad.hessian, fad.vmap, fad.compile):
        f = (lambda z: np.sum(argument_in_place(z))) if transform is not fad.vmap else None
        if transform is fad.vmap:
            transform(argument_in_place)(np.stack([x, x]))
        else:
            transform(f)(x)
        np.testing.assert_array_equal(x, X)


def test_diagonal_is_a_read_only_view():
    def f(x):
        m = np.outer(x, x)
        d = np.diagonal(m)
        m[0, 0] = 5.0  # seen by the view
        first = d[0] * 1.0
        d[1] = 1.0  # NumPy: assignment destination is read-only
        return first

    check_program(_outer_written, X)
    with pytest.raises(ValueError, match="read-only"):
        fad.grad(f)(X)


def _outer_written(x):
    m = np.outer(x, x)
    d = np.diagonal(m)
    m[0, 0] = 5.0
    return d * 1.0


def test_broadcast_to_is_read_only():
    def f(x):
        b = np.broadcast_to(x, (2, 6))
        b[0, 0] = 1.0
        return np.sum(b)

    with pytest.raises(ValueError, match="read-only"):
        fad.grad(f)(X)


def test_traced_value_into_a_plain_array_names_the_fix():
    def item(x):
        y = np.zeros(3)
        y[0] = x[0]
        return np.sum(y)

    def slice_(x):
        y = np.zeros(3)
        y[:] = x[:3]
        return np.sum(y)

    def out(x):
        return np.sum(np.sin(x, out=np.empty(6)))

    def function_out(x):
        return np.sum(np.clip(x, 0, 1, out=np.empty(6)))

    def copyto(x):
        y = np.zeros(6)
        np.copyto(y, x)
        return np.sum(y)

    for f in (slice_, out, function_out, copyto):
        with pytest.raises(TypeError, match="zeros_like"):
            fad.grad(f)(X)
    # NumPy replaces any error of a scalar item assignment by its own ValueError ("setting an
    # array element with a sequence"); ours is its direct cause
    with pytest.raises((TypeError, ValueError)) as info:
        fad.grad(item)(X)
    assert isinstance(info.value.__cause__ or info.value, TypeError)
    assert "zeros_like" in str(info.value.__cause__ or info.value)


def test_in_place_casting_follows_numpy():
    def f(x):
        y = np.zeros(6, dtype=np.float32, like=x)
        y += x  # float64 into float32: kept float32, as NumPy does
        return y

    out, tangent = fad.jvp(f, (X,), (np.ones(6),))
    assert out.dtype == np.float32 and tangent.dtype == np.float32

    def g(x):
        y = x.copy()
        y += 1j * x  # complex into float: NumPy refuses under same_kind
        return y

    with pytest.raises(TypeError, match="same_kind"):
        fad.jvp(g, (X,), (X,))

    def h(x):
        y = x[:3].copy()
        y += x.reshape(2, 3)  # the result would not fit y
        return y

    with pytest.raises(ValueError, match="broadcast"):
        fad.grad(lambda x: np.sum(h(x)))(X)


def test_plain_array_changed_after_vjp_recorded_it():
    w = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    out, pullback = fad.vjp(lambda x: np.sum(x * w), X)
    w[0] = 100.0  # the recording must not see this
    (g,) = pullback(1.0)
    np.testing.assert_array_equal(g, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0])


def test_plain_array_changed_inside_the_function_after_use():
    def f(x):
        buffer = np.ones(6)
        y = x * buffer
        buffer[0] = 3.0  # NumPy: y keeps the old factor, the next use sees the new one
        return np.sum(y * buffer * x)

    check_program(lambda x: np.atleast_1d(f(x)), X)


def test_argument_changed_after_vjp():
    x = X.copy()
    out, pullback = fad.vjp(lambda z: np.sum(np.sin(z)), x)
    x[:] = 0.0
    np.testing.assert_allclose(pullback(1.0)[0], np.cos(X))


def test_returned_output_changed_before_pullback():
    out, pullback = fad.vjp(np.exp, X)
    out[:] = 0.0
    np.testing.assert_allclose(pullback(np.ones(6))[0], np.exp(X))


def test_masked_selection_outside_in_place_use_names_the_way_out():
    def f(x):
        return np.sum(x[x > 0])

    with pytest.raises(fad.ConcreteValueError, match="np.where"):
        fad.compile(f)(X)
    batch = np.stack([X, 2 * X])  # vmap selects example by example
    np.testing.assert_allclose(fad.vmap(f)(batch), [f(b) for b in batch])
    np.testing.assert_allclose(fad.grad(f)(X), (X > 0).astype(float))


def test_views_survive_nested_transforms():
    def f(x):
        y = x.copy()
        y[1:] += y[:-1] * x[0]
        return np.sum(y**3)

    check_program(lambda x: np.atleast_1d(f(x)), X)
    np.testing.assert_allclose(
        fad.grad(fad.grad(lambda s: f(s * X)))(1.0),
        _second_difference(lambda s: f(s * X), 1.0),
        rtol=1e-5,
    )


def _second_difference(g, s, eps=1e-4):
    return (g(s + eps) - 2 * g(s) + g(s - eps)) / eps**2


@pytest.mark.parametrize("program", PROGRAMS + MASK_PROGRAMS, ids=lambda f: f.__name__)
def test_program_when_every_value_counts_as_large(program, monkeypatch):
    from functional_ad import graph

    monkeypatch.setattr(graph, "KEEP_BELOW", 0)  # lean nodes and deferred tangents everywhere
    check_program(program, X)


def test_masks_that_differ_at_run_time_raise():
    def f(x):
        y = x.copy()
        y[x > 0] += x[x > 0.5]  # NumPy: a shape error when the counts differ
        return y

    with pytest.raises(ValueError, match="masks"):
        fad.vmap(f)(np.stack([X, X]))
    with pytest.raises(ValueError, match="masks"):
        fad.compile(f)(X)


MEMORY_ORDER_PROGRAMS = {
    # ravel(order='K') reads memory order; 'A' is Fortran order for Fortran-contiguous arrays
    # (they were read in C order under every transform: a silent wrong value)
    "ravel K of a transpose": lambda x: np.ravel(x.T, order="K") * np.arange(6.0),
    "ravel A of a transpose": lambda x: x.T.ravel("A") * np.arange(6.0),
    "reshape A of a transpose": lambda x: np.reshape(x.T, (2, 3), order="A") ** 2,
    "flatten K and A": lambda x: np.concatenate([x.T.flatten("K"), (x * 2).T.flatten("A")]),
    "ravel K of a Fortran copy": lambda x: np.ravel(x.T.copy().T * x, order="K"),
    "ravel K of a strided view": lambda x: np.ravel(x.T[::-1, ::2], order="K") * 3.0,
    "ravel K of a ufunc of a transpose": lambda x: np.ravel(np.sin(x.T), order="K"),
    # arrays made from others are laid out as NumPy lays them out
    "ascontiguousarray": lambda x: np.ravel(np.ascontiguousarray(x.T), order="K"),
    "array in Fortran order": lambda x: np.ravel(np.array(x * 2.0, order="F"), order="K"),
    "asarray in C order": lambda x: np.ravel(np.asarray(x.T, order="C"), order="K"),
    "zeros_like a transpose": lambda x: np.ravel(np.zeros_like(x.T) + x.T * x.T, order="K"),
    "ones_like in Fortran order": lambda x: np.ones_like(x, order="F").ravel("K") * x.ravel(),
}


def _written_through_memory_order(x):
    y = x.T * 1.0  # laid out as the transpose: Fortran order
    flat = np.ravel(y, order="K")  # a view, in memory order
    flat[1] = flat[0] * 5.0
    flat[-1] += 1.0
    return y * x.T


@pytest.mark.parametrize("name", [*MEMORY_ORDER_PROGRAMS, "written through"])
def test_memory_orders_mean_what_they_mean_in_numpy(name):
    f = MEMORY_ORDER_PROGRAMS.get(name, _written_through_memory_order)
    check_program(f, np.linspace(-1.0, 1.0, 6).reshape(2, 3) + 0.1)


def test_a_fortran_ordered_argument_is_read_in_its_memory_order():
    x = np.asfortranarray(np.arange(6.0).reshape(2, 3))
    weights = np.arange(6.0)

    def f(x):
        return np.sum(np.ravel(x, order="K") * weights)

    want = np.array([[0.0, 2.0, 4.0], [1.0, 3.0, 5.0]])  # x[i, j] is read at 2 j + i
    np.testing.assert_array_equal(fad.grad(f)(x), want)
    np.testing.assert_array_equal(fad.make_graph(fad.grad(f))(x)(x), want)
    compiled = fad.compile(fad.grad(f))
    c_ordered = np.ascontiguousarray(x)
    for _ in range(2):  # one program per memory layout of the argument
        np.testing.assert_array_equal(compiled(x), want)
        np.testing.assert_array_equal(compiled(c_ordered), weights.reshape(2, 3))
    assert len(compiled.programs) == 2
    batch = np.stack([x, x]).transpose(0, 2, 1).copy().transpose(0, 2, 1)  # Fortran examples
    np.testing.assert_array_equal(fad.vmap(fad.grad(f))(batch), [want, want])
    np.testing.assert_array_equal(
        fad.vmap(lambda x: np.ravel(x, order="K"))(batch), [np.ravel(x, order="K")] * 2
    )
