"""Failures found by the differential program test, and held-out in-place programs.

Each test writes a small program out by hand and runs every check of
``tests/programs/check.py`` on it: the value under each transform equals plain NumPy's;
grad, vjp, jvp, jacfwd, jacrev, hessian and hvp equal central differences of the plain
program and each other; vmap equals a loop; compile equals eager on fresh inputs too; the
caller's input is unchanged. The first group holds one test per failure family the random
programs found; the second, in-place programs written to the issue's rules but not taken
from its list.
"""

from __future__ import annotations

import numpy as np
import pytest

import functional_ad as fad
from tests.programs.check import Subject, check_all, check_compile, check_values, check_vmap
from tests.programs.program import REFERENCE_NUMPY as rnp

VECTOR = np.array([0.7, -1.3, 0.4, 1.9, -0.6, 1.1])
MATRIX = np.array([[0.7, -1.3, 0.4], [1.9, -0.6, 1.1], [-0.8, 0.5, 1.4]])
TALL = np.array([[0.7, -1.3], [0.4, 1.9], [-0.6, 1.1], [1.6, -0.9]])


def check(f, x, **flags):
    check_all(Subject.from_function(f, x, **flags))


# ----------------------------------------------------------------------------- failure families


def test_aug_assign_into_a_slice():
    def f(x):
        y = x.copy()
        y[1:] += x[:-1]
        return y

    check(f, VECTOR)


def test_aug_assign_into_a_zero_d_array():
    def f(x):
        y = x.copy()
        y[...] += 2.0
        return y

    check(f, np.array(0.55))


def test_write_through_a_view_reaches_its_base():
    def f(x):
        y = x.copy()
        v = y[1:]
        v[0] = 5.0 * x[0]
        return y, v

    check(f, VECTOR)


def test_view_taken_before_its_base_is_written_sees_the_write():
    def f(x):
        y = x.copy()
        v = y[::2]
        y *= 3.0
        return v

    check(f, VECTOR)


def test_views_of_a_zero_d_array_alias_it():
    def transpose(x):
        y = x.copy()
        v = y.T
        y *= 0.5
        return v

    def asarray(x):
        v = np.asarray(x)
        x += 0.25
        return v

    def transpose_of_where(x):
        z = np.where(x > -1.1, x, 2.0 * x)
        v = z.T
        z *= z
        return z, v

    check(transpose, np.array(1.3))
    check(asarray, np.array(-1.47))
    check(transpose_of_where, np.array(-0.8))


def test_ascontiguousarray_of_a_contiguous_array_is_the_array():
    def f(x):
        y = np.full_like(x, 0.5)
        y[...] = x
        z = np.ascontiguousarray(y)
        y *= 2.0
        return z

    check(f, VECTOR)


def test_ascontiguousarray_of_a_diagonal_is_a_writeable_copy():
    def f(x):
        z = np.ascontiguousarray(x.diagonal())
        z[[0]] += 2.0
        return z

    check(f, MATRIX)


def test_iterating_rows_writes_the_base():
    def f(x):
        y = x.copy()
        for row in y:
            row *= 2.0
        return y

    check(f, MATRIX)


def test_unpacked_rows_write_the_base():
    def f(x):
        y = x.copy()
        a, b = y
        a += b
        return y

    check(f, TALL.T)


def test_array_split_pieces_write_the_base():
    def f(x):
        y = x.copy()
        first, second = np.array_split(y, 2)
        first += second
        return y

    check(f, VECTOR)


def test_fill_on_a_traced_array():
    def f(x):
        y = np.empty_like(x)
        y.fill(0.5)
        y[1:] = x[1:]
        return y

    check(f, VECTOR)


def test_zero_d_array_filled_with_a_constant_then_written():
    def fill(x):
        y = np.empty_like(x)
        y.fill(2.0)
        y[...] = x
        return y

    def copyto(x):
        y = x.copy()
        np.copyto(y, 2.0)
        np.sum(x, out=y)
        return y

    check(fill, np.array(0.55))
    check(copyto, np.array(0.55))


def test_filled_array_written_through_a_view_under_jvp():
    def aug(x):
        y = x * 1.0
        y.fill(-1.25)
        y[..., -1] *= 2.0
        return y

    def reversed_view(x):
        y = x * 1.0
        y.fill(1.5)
        y[::-1] -= x
        return y

    check(aug, VECTOR)
    check(reversed_view, VECTOR)


def test_mask_update_of_a_zero_d_array_under_vmap_and_compile():
    def assign(x):
        y = x.copy()
        y[y > 0.7] = -1.25
        return y

    def aug(x):
        y = x.copy()
        y[y > 0.7] += y
        return y

    check(assign, np.array(0.9), others=(np.array(0.2), np.array(1.5)))
    check(aug, np.array(0.9), others=(np.array(0.2), np.array(1.5)))


def test_full_like_of_a_traced_array_accepts_traced_writes():
    def f(x):
        y = np.full_like(x, 0.5)
        y[1:] = 2.0 * x[1:]
        return y

    check(f, VECTOR)


def test_out_on_a_ufunc():
    def f(x):
        y = x.copy()
        np.tanh(x, out=y)
        return y

    check(f, VECTOR)


def test_out_on_a_binary_ufunc_aliasing_its_input():
    def f(x):
        y = x.copy()
        np.multiply(y, x, out=y)
        return y

    check(f, VECTOR)


def test_out_on_clip_and_concatenate_is_not_ignored():
    def clip(x):
        y = x.copy()
        np.clip(x, -0.4, 0.5, out=y)
        return y

    def concatenate(x):
        y = np.zeros_like(np.concatenate([x, x]))
        np.concatenate([x, np.sin(x)], out=y)
        return y

    check(clip, VECTOR)
    check(concatenate, VECTOR)


def test_out_on_a_reduction():
    def f(x):
        y = x[:2].copy()
        np.sum(x.reshape(3, 2), axis=0, out=y)
        return y

    check(f, VECTOR)


def test_copyto():
    def f(x):
        y = x.copy()
        np.copyto(y, np.sin(x[::-1]))
        return y

    check(f, VECTOR)


def test_copyto_from_an_array_into_its_own_transpose():
    def f(x):
        y = x.copy()
        v = y.T
        np.copyto(v, y)  # overlapping: NumPy reads all of y before writing
        return y, v

    check(f, MATRIX)


def test_add_at():
    def f(x):
        y = x.copy()
        np.add.at(y, [0, 2, 0], 0.5 * x[3:])
        return y

    check(f, VECTOR)


def test_putmask():
    def f(x):
        y = x.copy()
        np.putmask(y, x > 0.5, np.sin(x))
        return y

    check(f, VECTOR)


def test_place():
    def f(x):
        y = x.copy()
        np.place(y, x > 0.5, -1.25)
        return y * x

    check(f, VECTOR)


def test_put():
    def f(x):
        y = x.copy()
        np.put(y, [0, 4], x[1:3] ** 2)
        return y

    check(f, VECTOR)


def test_fill_diagonal():
    def f(x):
        y = x.copy()
        np.fill_diagonal(y, 1.5)
        return y * x

    check(f, MATRIX)


def test_astype_to_the_same_dtype_copies():
    def f(x):
        y = x.astype(x.dtype)
        x *= 2.0
        return y

    check(f, VECTOR)


def test_compile_does_not_bake_in_an_update_of_the_argument():
    def f(x):
        x += 3.0
        return x

    def copy_then_update(x):
        y = x.copy()
        x *= -1.25
        return y

    check(f, np.array(0.5))
    check(copy_then_update, VECTOR)


def test_ascontiguousarray_of_a_zero_d_array_is_one_d():
    def f(x):
        return np.ascontiguousarray(x) * 2.0

    check(f, np.array(0.5))


def test_mask_updates_under_vmap_and_compile():
    def aug(x):
        y = x.copy()
        y[y > 0.1] *= -1.25
        return y

    def assign(x):
        y = x.copy()
        y[y > 0.3] = 2.0
        return y

    # the fresh inputs select different numbers of elements than x does
    check(aug, VECTOR, others=(-VECTOR, VECTOR[::-1]))
    check(assign, VECTOR, others=(-VECTOR, VECTOR[::-1]))


def test_plain_array_written_after_vjp_was_recorded():
    """The pullback gives the derivative at recording time, or raises: never a mixed one."""
    weights = np.array([1.0, 2.0, 3.0])
    x = np.array([0.3, -0.2, 0.5])

    def f(x):
        return np.sum(np.sin(x * weights))

    expected = np.cos(x * weights) * weights
    _, pullback = fad.vjp(f, x)
    weights[0] = 5.0
    try:
        (gradient,) = pullback(1.0)
    except (ValueError, RuntimeError):
        return  # a named error is allowed; a derivative mixing old and new weights is not
    np.testing.assert_allclose(gradient, expected, rtol=1e-12)


# ----------------------------------------------------------------------------- held-out programs


def test_held_out_cumulative_sum_loop():
    def f(x):
        y = x.copy()
        for i in range(1, len(y)):
            y[i] += y[i - 1]
        return y

    check(f, VECTOR)


def test_held_out_three_point_stencil():
    def f(x):
        y = x.copy()
        y[1:-1] = 0.5 * (x[:-2] + x[2:])
        return y * y

    check(f, VECTOR)


def test_held_out_in_place_normalisation():
    def f(x):
        y = np.exp(x)
        y /= y.sum()
        return y

    check(f, VECTOR)


def test_held_out_swap_rows_by_fancy_index():
    def f(x):
        y = x.copy()
        y[[0, 2]] = y[[2, 0]]
        return y * np.arange(1.0, 4.0)

    check(f, MATRIX)


def test_held_out_write_a_row_of_the_transpose():
    def f(x):
        y = x.copy()
        y.T[0] = np.sin(x[:, 1])
        return y

    check(f, MATRIX)


def test_held_out_write_through_split_pieces():
    def f(x):
        y = x.copy()
        a, b = np.split(y, 2)
        a *= b
        b -= 0.5
        return y

    check(f, VECTOR)


def test_held_out_fill_diagonal_with_a_traced_value():
    def f(x):
        y = np.cos(x)
        np.fill_diagonal(y, np.sum(x))
        return y

    check(f, MATRIX)


def test_held_out_add_at_with_repeated_indices():
    def f(x):
        y = np.zeros_like(x)
        np.add.at(y, [1, 1, 4, 1], x[:4] ** 2)
        return y

    check(f, VECTOR)


def test_held_out_mask_update_doubles_the_positive_entries():
    def f(x):
        y = np.sin(x)
        y[y > 0] *= 2.0
        return y

    check(f, VECTOR, others=(VECTOR[::-1], 0.5 - VECTOR))


def test_held_out_out_on_multiply_and_clip():
    def f(x):
        y = np.empty_like(x)
        np.multiply(x, np.sin(x), out=y)
        np.clip(y, -0.8, 0.8, out=y)
        return y

    check(f, VECTOR)


def test_held_out_symmetrise_in_place():
    def f(x):
        y = x.copy()
        y += y.T
        return y

    check(f, MATRIX)


def test_held_out_write_a_column_of_a_reshaped_view():
    def f(x):
        y = x.copy()
        v = y.reshape(3, 2)
        v[:, 0] = np.tanh(v[:, 1])
        return y

    check(f, VECTOR)


def test_held_out_scale_a_row_of_swapped_axes():
    def f(x):
        y = x.copy()
        np.swapaxes(y, 0, 1)[0] *= 3.0
        return y

    check(f, TALL)


def test_held_out_normalise_each_row_through_iteration():
    def f(x):
        y = x.copy()
        for row in y:
            row /= 1.0 + np.sum(row * row)
        return y

    check(f, MATRIX)


def test_held_out_centre_and_scale_the_argument():
    def f(x):
        x -= x.mean()
        x /= 2.0
        return x

    check(f, VECTOR)


def test_held_out_copyto_where_a_mask_holds():
    def f(x):
        y = x.copy()
        np.copyto(y, np.sin(x), where=x > 0.2)
        return y * x

    check(f, VECTOR, others=(VECTOR[::-1], -VECTOR))


def test_held_out_write_through_a_reversed_view():
    def f(x):
        y = x.copy()
        r = y[::-1]
        r[:2] += x[:2]
        return y

    check(f, VECTOR)


def test_ravel_of_a_filled_array_is_a_view():
    def f(x):
        y = x.copy()
        y.fill(2.0)
        v1 = y.ravel()
        v1 += 2.0
        return y

    check(f, VECTOR)


def test_reshape_after_a_write_through_a_transpose_is_still_a_view():
    def f(x):
        v1 = x.T
        np.place(v1, v1 > 0.3, 2.0)
        v2 = x.reshape(1, 4)
        np.sin(v2, out=v2)
        return v1

    check(f, np.array([[0.5478, -0.9209], [-1.8361, -1.9339]]))


# ----------------------------------------------------------------------------- special points
# Ties, exact 0 and ±1, inf and NaN, and integer or boolean outputs (the programs test draws
# them; these are written out by hand). Next to a tie central differences do not apply: the
# values must be NumPy's and forward and reverse mode must make the same choice.

TIES = np.array([1.0, 1.0, -1.0, 0.0, -1.0, 0.0])
NONFINITE = np.array([0.5, np.inf, -1.0, np.nan, -np.inf, 0.0])


def check_values_only(f, x, others=None):
    subject = Subject.from_function(f, x, others=others or (x[::-1].copy(), -x))
    for one in (check_values, check_vmap, check_compile):
        one(subject)


def test_ties_of_max_min_sort_clip_same_in_both_modes():
    def f(x):
        y = x.copy()
        s = np.max(y) + np.min(y, axis=0)
        z = np.sort(y)
        c = np.clip(y, -1.0, 1.0)
        return z * s, c + np.maximum(y, 0.0)

    check_values_only(f, TIES)
    np.testing.assert_allclose(fad.jacfwd(f)(TIES)[0], fad.jacrev(f)(TIES)[0], rtol=1e-14)
    np.testing.assert_allclose(fad.jacfwd(f)(TIES)[1], fad.jacrev(f)(TIES)[1], rtol=1e-14)


def test_non_finite_values_are_numpy_s_under_every_transform():
    def f(x):
        y = x.copy()
        y[y > 0.3] *= 2.0
        s = np.max(y) + np.sum(np.tanh(y))
        return np.exp(-y) * s, np.sort(y), np.where(y > 0.0, y, 0.5)

    check_values_only(f, NONFINITE)


def test_integer_and_boolean_outputs_are_numpy_s_and_refused_by_grad():
    def f(x):
        y = np.sin(x)
        return y, np.argmax(y), (y * 2.0).astype(int), y > 0.1, np.sum(x > 0.1)

    check_values_only(f, VECTOR)
    check_values_only(f, NONFINITE)
    check_all(Subject.from_function(f, VECTOR))  # the float output: derivatives as before


def test_integer_output_alone():
    def f(x):
        return np.argsort(x, kind="stable")

    check_values_only(f, TIES)


# ----------------------------------------------------------------------------- the checks bite


def _fails(check, subject):
    try:
        check(subject)
    except AssertionError as error:
        return str(error)
    return None


def test_the_checks_catch_a_wrong_integer_value():
    def f(x):
        return np.argmax(x) if type(x) is np.ndarray else np.argmin(x)

    subject = Subject.from_function(f, VECTOR)
    for one in (check_values, check_vmap, check_compile):
        assert _fails(one, subject), one.__name__


def test_the_checks_catch_a_wrong_nan_or_inf():
    def f(x):
        y = x * 1.0
        return y if type(x) is np.ndarray else np.nan_to_num(y)

    subject = Subject.from_function(f, NONFINITE, others=(NONFINITE, NONFINITE))
    for one in (check_values, check_vmap, check_compile):
        assert _fails(one, subject), one.__name__

    def g(x):  # a finite element wrong beside an inf: inf must not widen the tolerance
        y = x * 1.0
        return y if type(x) is np.ndarray else y + np.array([0.0, 0.0, 1.0])

    x = np.array([np.inf, 0.5, 2.0])
    subject = Subject.from_function(g, x, others=(x, x))
    for one in (check_vmap, check_compile):
        assert _fails(one, subject), one.__name__


# Found by the 30-minute run with special inputs: NumPy gives np.sin of a 0-d array as a
# scalar, which np.put writes into a temporary (no effect) and the other writing functions
# refuse; a value made as an array (np.where, a copy) is written.


def test_put_into_what_numpy_gives_as_a_scalar_changes_nothing():
    def f(x):
        y = x.copy()
        z = np.sin(np.where(x > 0.3, x, x))
        np.put(z, [0], 2.0)  # z is an np.float64 in NumPy: unchanged
        w = np.where(x > 0.3, x, x)
        np.put(w, [0], 3.0)  # a 0-d array: written
        return y, z, w

    # (not under vmap, where a 0-d value of each example is written as an array: see the
    # sharp bits)
    subject = Subject.from_function(f, np.array(0.1))
    check_values(subject)
    check_compile(subject)


@pytest.mark.parametrize(
    "write",
    [
        lambda z: np.putmask(z, z > 0.0, 2.0),
        lambda z: np.place(z, z > 0.0, [2.0]),
        lambda z: np.copyto(z, 2.0),
        lambda z: np.sin(z, out=z),
        lambda z: np.add.at(z, (), 1.0),
    ],
    ids=["putmask", "place", "copyto", "out", "add.at"],
)
def test_writing_functions_refuse_what_numpy_gives_as_a_scalar(write):
    def f(x):
        z = np.sin(x)
        write(z)
        return z

    x = np.array(0.4)
    with pytest.raises(TypeError):
        f(x)  # NumPy refuses
    for transform in (fad.grad(f), fad.compile(f), lambda x: fad.jvp(f, (x,), (x,))):
        with pytest.raises(TypeError):
            transform(x)


def test_a_program_numpy_refuses_must_be_refused_by_the_transforms():
    def f(x):
        z = np.sin(x)
        np.putmask(z, z > 0.0, 2.0)
        return z

    check(f, np.array(0.4))  # NumPy raises TypeError: so must vjp (numpy_refuses_too)


def test_mask_update_of_a_view_of_a_zero_d_argument_under_vmap():
    # found by the 30-minute run: under vmap an argument of 0-d examples was taken for a
    # NumPy scalar and the write refused; it is written as an array
    def f(x):
        y = x.copy()
        v = x.T
        v[v > 0.3] *= 2.0
        return y, v

    check(f, np.array(0.5478))


def test_a_numpy_scalar_has_no_views_to_write_through():
    # found by the 30-minute run: np.sin of a 0-d array is an np.float64 in NumPy, so
    # `y[...] += 2.0` raises there (item assignment into a scalar) and `y.real` is a new value
    def aug_assign(x):
        y = np.sin(x.copy())
        y[...] += 2.0
        return y

    def out_after_real(x):
        y = np.sin(x.copy())
        v = y.real
        np.sum(x, out=y)
        return y, v

    for f in (aug_assign, out_after_real):
        check(f, np.array(np.inf))
        check(f, np.array(0.5))


def test_fused_compile_of_cotangents_embedded_by_a_fancy_and_a_basic_index():
    # found by the 30-minute run: comparing the two embeds' parameters compared an index
    # array with a slice (an ambiguous truth value) in the fused backend
    def f(x):
        y = x.copy()
        y[None, 0] += 2.0
        z = x[[0, 0]]
        y[None, 0] += x[:1]
        return y, z

    check(f, np.array([0.5478, -0.9209]))


def test_a_float32_view_summed_with_float64_values_rounds_in_float32():
    # found by the 30-minute run: the checked scalar sums a float32 view's sines (rounded in
    # float32 in its own order) with float64 values; the value must equal NumPy's to that
    def f(x):
        y = np.zeros(x.shape, like=x)
        y[...] = x
        v = x.T
        np.place(v, v > 0.3, 2.0)
        return y, v

    check(f, np.array([[-0.0336, -1.0624], [-1.7296, 0.8514]], dtype=np.float32))


def test_a_copy_in_order_k_keeps_a_transposed_layout_so_its_reshape_copies():
    # found by the last long run: np.array / np.copy copy in order 'K', so the copy of a
    # transposed view keeps its layout and a reshape of it is a copy (the fill does not reach
    # z); ndarray.copy() is order 'C', where the reshape is a view
    def k_order(x):
        z = np.array(x.T)
        v = z.reshape(1, 4)
        np.fill_diagonal(v, 2.0)
        return z

    def c_order(x):
        z = x.T.copy()
        v = z.reshape(1, 4)
        np.fill_diagonal(v, 2.0)
        return z

    x = np.array([[[0.5478, -0.9209], [-1.8361, -1.9339]]])
    check(k_order, x)
    check(c_order, x)


def test_fused_compile_of_an_embed_with_an_index_array_after_a_slice():
    # found by the 30-minute run: the fused backend's test for an embed of whole rows
    # compared an index array after the leading slice with slice(None)
    def f(x):
        y = x.copy()
        z1 = x[:, [0, 0]]
        y[None, :, 0] += x[::-1, :1, ::-1]
        return y, z1

    check(f, np.array([[[0.5478], [-0.9209]]]))


def test_differences_across_a_threshold_where_numpy_refuses_the_other_branch():
    # found by the 30-minute run: at x = 0.1 the program takes the else branch; a step
    # above it takes the branch that makes y a NumPy scalar, which NumPy refuses to write
    # into. The differences must count the program as not smooth there, not fail.
    def f(x):
        y = np.zeros_like(x)
        y += x
        if np.sum(x) > 0.1:
            y = np.sin(y)
        else:
            y += 2.0
        y[...] -= 0.25
        return y

    check(f, np.array(0.1), branch=True)
    check(f, np.array(-0.4), branch=True)


def test_fused_numexpr_region_reading_more_values_than_numexpr_takes():
    # found by the 30-minute run: the gradient's elementwise region read more than the 63
    # inputs numexpr accepts ("too many inputs"); such a region stays NumPy calls
    def f(x):
        y = x.copy()
        np.multiply.at(y, [0, 0, 0, 0], x)
        s1 = np.sum(x)
        z2 = np.sin(x)
        x[..., 3, ::-2] -= -0.75
        np.exp(z2, out=z2)
        y[:, -4, :] /= 2.0
        np.put(z2, [-9], 2.0)
        v3 = y[-1::-1, -2:, ::3]
        z2[0::-1, 1, -2] /= 1.5 + s1 * s1
        np.concatenate([v3, v3], axis=1)
        return y, v3

    check(
        f,
        np.array(
            [
                [
                    [0.5478, -0.9209, -1.8361, -1.9339],
                    [1.2531, 1.651, 0.4265, 0.918],
                    [0.1745, 1.7403, 1.2634, -1.989],
                    [1.4296, -1.8657, 0.9186, -1.2974],
                ]
            ]
        ),
    )


def test_jacfwd_of_a_value_minus_its_own_reshape():
    # found by the 30-minute run: forward mode keeps the basis as a scaled identity while it
    # stays diagonal; x - x.reshape(1, 2) of an x of shape (2, 1) broadcasts the two to a batch
    # that is not, which the identity's sum wrongly kept (a Jacobian of the wrong size)
    def f(x):
        y = x.copy()
        y += 2.0
        v = x.reshape(1, 2)
        return y, x - v, x * v

    check(f, np.array([[0.5478], [-0.9209]]))


def test_an_elementwise_result_keeps_its_inputs_memory_order_under_vmap_and_compile():
    # found by the 30-minute run: NumPy lays sin of a transposed view out transposed, so
    # ascontiguousarray copies it and the later write leaves the copy alone. Eager transforms
    # read the order off the value; under vmap (a batch) and compile (stand-ins) the order
    # was taken as C, the copy became a view, and it saw the write
    def f(x):
        y = x.copy()
        y[[0]] += 2.0
        v1 = np.swapaxes(x, 1, 2)
        v1 = np.sin(v1)
        np.add(x, x, out=v1)
        z2 = np.ascontiguousarray(v1)
        v1 += 2.0
        return y, z2

    def g(x):
        v1 = np.sin(np.swapaxes(x, 1, 2)) * 2.0
        z2 = np.ascontiguousarray(v1)
        r = v1.reshape(-1)  # a copy too, for the transposed order
        v1 += 2.0
        r += 1.0
        return z2, r, v1

    x = np.array([[[0.5478, -0.9209], [-1.8361, -1.9339]]])
    check(f, x)
    check(g, x)


def test_a_view_made_by_an_elementwise_primitive_of_a_fancy_index_result_sees_writes():
    # found by the 30-minute run: the fancy-index result is laid out transposed, and the
    # order recorded for z1.real (a view of z1) made it look like an existing array, so it
    # was not registered as a view and missed the fill (under grad of jvp, as in hvp)
    def f(x):
        y = x.copy()
        z1 = x[:, [0, 0]]
        v2 = z1.real
        z1.fill(2.0)
        return y, z1, v2

    check(f, np.array([[0.5478], [-0.9209]]))


def test_concatenate_and_stack_into_an_array_their_pieces_are_views_of():
    # found by the 30-minute run: NumPy copies each array into its slice of out in turn, so
    # a piece that is a view of out is read after the earlier copies changed it; the result
    # was computed from the pieces as they were before any copy
    def f(x):
        y = x.copy()
        y[0] = 2.0
        p1, p2 = np.split(y, 2)
        np.concatenate([p2, p1], out=y)
        return y

    def g(x):
        y = x.copy()
        a, b = np.split(y, [1], axis=1)
        np.concatenate([b, a], axis=1, out=y)
        return y

    def h(x):  # np.stack copies in turn too
        y = x.copy()
        a, b = y[0], y[1]
        np.stack([b, a], out=y)
        return y

    check(f, np.array([0.5478, -0.9209]))
    check(g, np.array([[0.5478, -0.9209, 0.25], [-1.8361, -1.9339, 1.5]]))
    check(h, np.array([[0.5478, -0.9209], [-1.8361, -1.9339]]))


def test_negative_into_a_column_of_the_argument():
    # found by the 30-minute run, and a NumPy bug, not ours: NumPy 2.4.6's loop gives
    # np.negative(c, out=c) for the column c = x[:, 2:3] of a 2 x 4 float32 x the value
    # -x[0, 3] at x[1, 2]. Traced, the column is negated; the programs' reference NumPy
    # (tests/programs/program.py) computes the negation for plain arrays on such releases
    def f(x):
        y = x.copy()
        p1, p2, p3 = rnp.array_split(x, 3, axis=1)
        y[None, 0] = 2.0
        rnp.negative(p2, out=p2)
        return y, x > 0.3, x * 1.5

    x = np.array([[0.5478, -0.9209, -1.8361, -1.9339], [1.2531, 1.651, 0.4265, 0.918]])
    for dtype in (np.float32, np.float64):
        check(f, x.astype(dtype))
        column = x.astype(dtype)[:, 2]
        np.testing.assert_array_equal(fad.vjp(f, x.astype(dtype))[0][2][:, 2], -1.5 * column)


def test_assignment_from_an_overlapping_view_follows_numpy_s_loop():
    # found by the 30-minute run: NumPy copies into a one-dimensional destination element by
    # element, without copying an overlapping source first, so v[::2] = v[:3] reads v[2]
    # after writing it (v[4] gets the old v[1]); the traced write copied the source first
    def f(x):
        y = x.copy()
        y[0] = 2.0
        v1 = x.diagonal()
        v2 = x.ravel()
        v2[::2] = v2[:3]
        y /= 1.5 + x * x
        return y, v1

    def g(x):
        v = x.copy()
        v[::2] = v[:3]
        return v * x

    def h(x):  # np.copyto runs the same loop
        v = x.copy()
        np.copyto(v[::2], v[:3])
        return v * x

    def k(x):  # a destination of two dimensions: NumPy copies the source first
        m = x.copy().reshape(2, 3)
        m[:, ::2] = m[:, :2]
        return m

    def u(x):  # where the loop order cannot matter, nothing changes
        v = x.copy()
        v[1:4] = v[2:5]
        v[3:] = v[:3]
        return v

    check(f, np.array([[0.5478, -0.9209, -1.8361], [-1.9339, 1.2531, 1.651]]))
    six = np.array([0.5478, -0.9209, -1.8361, -1.9339, 1.2531, 1.651])
    for fn in (g, h, k, u):
        check(fn, six)
        check(fn, six.astype(np.float32))
    v = six.copy()
    v[::2] = v[:3]
    assert v[4] == six[1]  # NumPy's own result, which the checks compare with


def test_overlapping_assignment_into_a_read_only_view_raises_as_numpy_does():
    def f(x):
        y = x.copy().reshape(2, 3)
        d = y.diagonal()
        d[:] = y.ravel()[:2]
        return y

    with pytest.raises(ValueError, match="read-only"):
        f(np.arange(6.0))
    with pytest.raises(ValueError, match="read-only"):
        fad.vjp(f, np.arange(6.0))


def test_place_and_masked_copyto_from_an_overlapping_view_follow_numpy_s_loop():
    # found reading the change for v[::2] = v[:3] again: np.place and np.copyto(where=) copy
    # element by element too, and the traced writes copied the source first
    def place(x):
        v = x.copy()
        np.place(v, np.arange(6) % 2 == 0, v[:3])
        return v * x

    def copyto_where(x):
        v = x.copy()
        np.copyto(v[::2], v[:3], where=np.array([True, False, True]))
        return v * x

    def copyto_traced_where(x):
        v = x.copy()
        np.copyto(v[::2], v[:3], where=x[:3] > -1.0)
        return v * x

    six = np.array([0.5478, -0.9209, -1.8361, -1.9339, 1.2531, 1.651])
    for fn in (place, copyto_where):
        check(fn, six)
    # a mask traced by vmap or compile: the elements read late depend on its values
    check_values(Subject.from_function(copyto_traced_where, six))
    for refused in (
        lambda: fad.vmap(copyto_traced_where)(np.stack([six, six])),
        lambda: fad.compile(copyto_traced_where)(six),
    ):
        with pytest.raises(NotImplementedError, match="copyto with where= from an overlapping"):
            refused()
    check_vmap(Subject.from_function(copyto_traced_where, six))  # (a documented refusal)
    check_compile(Subject.from_function(copyto_traced_where, six))


def test_an_advanced_index_result_is_laid_out_as_numpy_lays_it_out_under_vmap():
    # found by a 30-minute program run: NumPy lays x[:, [0, 0]] out with the indexed axis
    # outermost (not C-contiguous), so its reshape is a copy that a later write leaves
    # alone; vmap took the copy for C-ordered, made the reshape a view, and showed the write
    def f(x):
        y = x.copy()
        z1 = x[:, [0, 0]]
        v3 = z1.reshape(1, 8)
        z1[[0, 1]] = z1[[1, 0]]
        return y, v3

    def wider(x):  # the same with a trailing axis of 2, a reshape, and a write-back test
        z = x[:, [1, 0, 1]]
        flat = z.reshape(-1)
        z[0] = 3.0 * z[1]
        return flat * 2.0, z.ravel(order="K")

    check(f, np.array([[[0.5478]], [[-0.9209]], [[-1.8361]], [[-1.9339]]]))
    check(wider, np.array([[[0.7, -1.3]], [[0.4, 1.9]], [[-0.6, 1.1]]]).reshape(3, 2, 1))
    check(wider, MATRIX.reshape(3, 3, 1)[:, :2])


@pytest.mark.parametrize(
    "op",
    [
        lambda t: np.sort(t, axis=0),
        lambda t: np.cumsum(t, axis=0),
        lambda t: np.where(t > 0, t, 0.5),
        np.round,
        lambda t: np.clip(t, -0.5, 0.5),
    ],
    ids=["sort", "cumsum", "where", "round", "clip"],
)
def test_functions_that_follow_a_transposed_layout_give_numpy_s_copies(op):
    # found beside the advanced-index case: NumPy gives these a transposed array for a
    # transposed argument, so their reshape is a copy; the traced results were taken for
    # C-ordered (sort and where under every transform, the others under vmap), and a write
    # into them showed through the reshape
    def f(x):
        s = op(x.T)
        r = s.reshape(-1)
        s[0] = 9.0 * x[0, 1]
        return r * 1.0, s

    check(f, TALL.T.copy())


# a sweep of NumPy functions over views laid out other than in C order (x.T, x[::2],
# x[:, ::-1], x.T[::-1]), each followed by a reshape and a write into the result, found these
_VIEWS = {
    "c": lambda x: x,
    "transposed": lambda x: x.T,
    "reversed": lambda x: x[:, ::-1],
    "transposed_reversed": lambda x: x.T[::-1],
}


@pytest.mark.parametrize(
    ("op", "view"),
    [
        # lists of arrays were not probed for NumPy's order: C-ordered in NumPy, transposed
        # here (np.select builds on np.where), and under vmap the other way round
        (lambda t: np.select([t > 0], [t], 0.25), "transposed"),
        (lambda t: np.concatenate([t, t], axis=0), "transposed"),
        (lambda t: np.stack([t, t]), "transposed_reversed"),
        # probes dropped reversed axes: NumPy gives these C order for x.T[::-1] (it is not
        # Fortran-contiguous), Fortran order for x.T
        (lambda t: np.pad(t, 1), "transposed_reversed"),
        (lambda t: np.array(t, order="A"), "transposed_reversed"),
        # a view of the handler's own temporary (np.moveaxis at its end) was kept a view, so
        # its reshape copied where NumPy's new C-ordered array is viewed
        (lambda t: np.unwrap(t, axis=0), "c"),
        (lambda t: np.unwrap(t, axis=0), "reversed"),
        # under vmap: ufunc methods, sign and results of ufuncs with two outputs took C order
        (lambda t: np.add.accumulate(t, axis=1), "transposed"),
        (lambda t: np.sign(t) * t, "transposed"),
        (lambda t: np.modf(t)[0], "transposed"),
        (lambda t: np.frexp(t)[0], "transposed_reversed"),
        # NumPy's einsum of a transpose is a view, so the product below is transposed
        (lambda t: np.einsum("ij->ji", t) * 1.0, "c"),
        # lists of knots raised AttributeError
        (lambda t: np.interp(t, [-2.0, 0.0, 2.0], [0.0, 1.0, 3.0]), "transposed"),
        # astype ignored order=; np.asarray(order='F') recorded Fortran order over a C value,
        # which the product below followed
        (lambda t: t.astype(np.float64, order="F"), "c"),
        (lambda t: t.astype(np.float64, order="C"), "transposed"),
        (lambda t: np.asarray(t, order="F") * 1.0, "c"),
        # np.asfortranarray raised the TypeError of converting a traced value
        (lambda t: np.asfortranarray(t * 1.0), "c"),
    ],
    ids=[
        "select",
        "concatenate",
        "stack",
        "pad",
        "array_order_A",
        "unwrap",
        "unwrap_reversed",
        "add_accumulate",
        "sign",
        "modf",
        "frexp",
        "einsum_transpose",
        "interp_lists",
        "astype_order_F",
        "astype_order_C",
        "asarray_order_F",
        "asfortranarray",
    ],
)
def test_numpy_functions_of_views_give_numpy_s_layout(op, view):
    def f(x):
        s = op(_VIEWS[view](x))
        r = s.reshape(-1)
        s[0] = 9.0 * x[0, 1]
        return r * 1.0, s

    check(f, TALL.T.copy())


def test_einsum_of_a_transpose_or_a_diagonal_is_a_view_as_in_numpy():
    # np.einsum('ij->ji', y) is a view of y in NumPy: a write into it changed y there, and
    # left y as it was here
    def f(x):
        y = x * 1.0
        s = np.einsum("ij->ji", y)
        s[0] = 5.0 * x[0, 0]
        return y, np.einsum("ii->i", y) * 2.0, np.einsum("...ii->...i", y[None]) * 1.0

    check(f, MATRIX)


def test_a_recorded_order_reaches_the_value_that_ufuncs_read():
    # np.median(..., keepdims=True) of a permuted 3-d view is laid out as NumPy lays it out
    # (its order was recorded), but the value computed held C order: the sum below followed
    # the value, C-ordered where NumPy's follows both operands, so the reshape of it viewed
    # where NumPy's copies, and the write showed through it
    def f(x):
        t = x.transpose(1, 2, 0)
        s = np.median(t, axis=0, keepdims=True) + t
        r = s.reshape(-1)
        s[0] = 9.0 * x[0, 0, 1]
        return r * 1.0, s

    check(f, np.arange(24.0).reshape(2, 3, 4) * 0.37 - 3.1)


def test_a_value_written_into_keeps_the_array_s_order_under_every_transform():
    # a write computes the new value functionally, in an order of its own: under hvp (its
    # values two tracers deep) the copy below held Fortran order after the write, so the
    # sum followed it where NumPy's follows the C-ordered copy, and the reshape of it
    # copied where NumPy's views
    def f(x):
        y = x.T.copy()
        y[0] = 5.0 * x[0, 1]
        s = y + 0.0
        r = s.reshape(-1)
        s[0] = 9.0 * x[1, 1]
        return r * 1.0, s

    def g(x):
        y = x.T.copy()
        y[:, 0] += x[0]
        s = np.sin(y)
        r = s.reshape(-1)
        s[1] = 9.0 * x[1, 1]
        return r * 1.0, s

    check(f, TALL.T.copy())
    check(g, TALL.T.copy())


def test_out_arrays_keep_their_own_order():
    # a plain Fortran-ordered array beside a traced one was copied in C order (to keep the
    # values the rules read), so their sum was C-ordered where NumPy's is Fortran-ordered
    def plain_beside_traced(x):
        t = x.T
        o = np.zeros(t.shape[::-1]).T * 1.0 + 0.0 * t
        s = np.matmul(t, np.eye(2), out=o)
        r = s.reshape(-1)
        s[0] = 9.0 * x[0, 1]
        return r * 1.0, o

    # a C-ordered array written by out= took the order of the value written (x.T's)
    def c_ordered_out(x):
        t = x.T
        o = np.zeros((8, 2))[::2] + 0.0 * t
        s = np.add(t, 1.0, out=o)
        r = s.reshape(-1)
        s[0] = 9.0 * x[0, 1]
        return r * 1.0, o

    check(plain_beside_traced, TALL.T.copy())
    check(c_ordered_out, TALL.T.copy())


@pytest.mark.parametrize(
    "op",
    [
        np.cov,
        np.corrcoef,
        lambda t: np.polyval([1.0, 2.0], t),
        lambda t: np.polyder(t[0]),
        lambda t: np.polyint(t[0]),
        lambda t: np.vander(t[0], 3),
        lambda t: np.roots(t[0]),
        lambda t: np.histogram(np.arange(4.0), bins=2, weights=t.ravel()[:4])[0],
        # found next: float64 where NumPy keeps the data's float32 (np.gradient with float64
        # coordinates), float32 where NumPy computes in float64 (np.interp, np.geomspace)
        lambda t: np.gradient(t, np.array([0.0, 1.0, 3.0, 4.5]), axis=1),
        lambda t: np.interp(t, np.float32([-2.0, 0.0, 2.0]), np.float32([0.0, 1.0, 3.0])),
        lambda t: np.geomspace(np.abs(t[0, 0]) + 0.5, np.abs(t[0, 1]) + 1.0, 3),
        # complex64 roots in conjugate pairs give a real polynomial, as NumPy's
        lambda t: np.poly(t[0].astype(np.complex64)),
    ],
    ids=[
        "cov",
        "corrcoef",
        "polyval",
        "polyder",
        "polyint",
        "vander",
        "roots",
        "histogram",
        "gradient",
        "interp",
        "geomspace",
        "poly",
    ],
)
def test_float32_data_gives_numpy_s_dtype(op):
    # a sweep of float32 inputs found these computed in another precision than NumPy's:
    # float32 where NumPy promotes to float64 (np.cov, np.polyval with float64 coefficients,
    # an integer arange in np.polyder, np.polyint and np.vander), complex128 where NumPy's
    # companion matrix keeps float32 (np.roots), float64 where np.histogram sums in the
    # weights' dtype; and np.polyder of a constant gave [0.] where NumPy gives []
    x = TALL.T.astype(np.float32)
    expected = op(x.copy())
    got = fad.vjp(op, x)[0]
    assert got.dtype == expected.dtype and got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-6)
    assert fad.vjp(lambda t: np.polyder(t, 1), np.array([5.0]))[0].shape == (0,)


def test_a_tangent_has_its_output_s_precision():
    # float32 x plus a float64 array is float64 in NumPy; its tangent stayed float32 where
    # the rule passes the tangent through (add, where, concatenate, index_add), and became
    # float64 where it multiplies (x * ones(3)): jvp and jacfwd now follow the output
    x, t = np.float32([0.5, 1.0, 2.0]), np.float32([1.0, -1.0, 0.5])
    for f in (
        lambda x: x + np.ones(3),
        lambda x: np.where(x > 1, x, np.zeros(3)),
        lambda x: np.concatenate([x, np.ones(2)]),
        lambda x: np.bincount([0, 1, 1], weights=x),
    ):
        y, y_dot = fad.jvp(f, (x,), (t,))
        assert y.dtype == y_dot.dtype == f(x).dtype == np.float64
        assert fad.jacfwd(f)(x).dtype == np.float64
    assert fad.jvp(np.sin, (x,), (t,))[1].dtype == np.float32


def test_a_ufunc_reduction_takes_where():
    # np.add.reduce(x, where=mask) raised "where= without out= leaves the other elements
    # uninitialised", the rule of a ufunc call, where NumPy's reduction leaves them out
    mask = np.array([[True, False, True], [True, True, False], [False, True, True]])

    def f(x):
        return np.add.reduce(x, axis=1, where=mask), np.multiply.reduce(x, axis=0, where=mask)

    # with out=, where= still masks what is reduced (it was taken for a mask of the write,
    # and raised ValueError)
    def into(x):
        o = np.zeros(3) * x[0]
        np.add.reduce(x, axis=1, out=o, where=mask)
        return o

    check(f, MATRIX)
    check(into, MATRIX)


# ----------------------------------------------------------------------------- axes


def test_gradient_along_axes_in_the_order_given():
    # np.gradient(f, dx, dy, axis=(1, 0)) is the derivative along axis 1 (step dx) first:
    # the axes were sorted, so the two results, and the steps, were swapped, silently
    grid = np.arange(12.0).reshape(3, 4) ** 2 / 7
    check(lambda f: np.stack(np.gradient(f, 0.5, 2.0, axis=(1, 0))), grid)
    check(lambda f: np.stack(np.gradient(f, axis=(1, -2))), grid)
    check(lambda f: np.gradient(f, 0.5, axis=(1,)), grid)


def test_nanargmax_and_nanargmin():
    x = np.array([[1.0, np.nan, 3.0], [np.nan, 5.0, -1.0]])
    check(lambda x: x * np.nanargmax(x, axis=1, keepdims=True), x)
    check(lambda x: x * np.nanargmin(x), x)
    all_nan = np.array([[np.nan, np.nan], [1.0, 2.0]])
    for transform in (
        lambda f, x: fad.jvp(f, (x,), (x,)),
        lambda f, x: fad.vmap(f)(np.stack([x, x])),
        lambda f, x: fad.compile(f)(x),
    ):
        with pytest.raises(ValueError, match="All-NaN slice"):
            transform(lambda x: x * np.nanargmax(x, axis=1, keepdims=True), all_nan)


def test_fill_of_a_numpy_scalar_changes_nothing():
    # np.sin of a 0-d array is a NumPy scalar, whose fill() converts the value and changes
    # nothing; it raised TypeError here (found by a 20-minute run of the differential test)
    def f(x):
        y = x.copy()
        if np.sum(x) > 0.3:
            y = np.sin(y)
        else:
            y += 2.0
        y.fill(2.0)
        return y

    check(f, np.array(0.9), branch=True)
    check(f, np.array(-0.4), branch=True)
    with pytest.raises(ValueError):
        fad.grad(lambda x: np.sin(x).fill("a"))(np.array(0.9))


def test_whole_array_predicates_used_as_numbers():
    # np.allclose, np.array_equal and np.count_nonzero(x) return a Python bool or int in
    # NumPy; traced, their value had no shape and any use of it raised AttributeError
    check(lambda x: x * np.allclose(x, x + 1e-9, atol=1e-7), VECTOR)
    check(lambda x: x * np.array_equal(x, x[::-1]), VECTOR)
    check(lambda x: x * np.count_nonzero(x > 0), VECTOR)


def test_einsum_dtype_casting_and_order():
    # casting= and order= were taken and ignored: a dtype NumPy refuses to cast to under
    # casting='safe' (its default) gave a value, and order='F' a C-ordered result that a
    # reshape viewed where NumPy's copies (the write below showed through it). NumPy's view
    # of one operand ignores dtype=, here too
    def written(spec, order):
        def f(x):
            y = np.einsum(spec, x, x, order=order)
            z = y.reshape(-1)
            y[0, 0] = 100.0
            return z

        return f

    fortran = np.asfortranarray(TALL)
    for order in ("F", "A", "C"):
        f = written("ij,kj->ik", order)
        check(f, TALL)
        # (central differences perturb a C-ordered copy: the Fortran-ordered input is
        # checked against NumPy's values only)
        np.testing.assert_array_equal(fad.jvp(f, (fortran,), (fortran,))[0], f(fortran))
        np.testing.assert_array_equal(fad.vmap(f)(np.stack([fortran, fortran]))[1], f(fortran))
    single = lambda x: np.einsum("ij->j", x, dtype=np.float32, casting="same_kind")
    value = fad.jvp(single, (TALL,), (TALL,))[0]
    assert value.dtype == np.float32
    np.testing.assert_array_equal(value, single(TALL))
    check(lambda x: np.einsum("ij->ji", x, dtype=np.float32), TALL)
    with pytest.raises(TypeError, match="according to the rule 'safe'"):
        fad.grad(lambda x: np.sum(np.einsum("ij->j", x, dtype=np.float32)))(TALL)
    with pytest.raises(TypeError, match="unexpected keyword argument 'axis'"):
        fad.grad(lambda x: np.sum(np.einsum("ij->j", x, axis=0)))(TALL)


def test_array_methods_numpy_has():
    # x.view(), x.partition(kth) in place, divmod(x, y), x.take(..., mode=) and
    # x.reshape(..., copy=True) raised AttributeError or TypeError on traced values
    def viewed(x):
        y = x.view()
        y[0] = 2.0 * y[1]
        return x * 1.0

    def partitioned(x):
        y = x.copy()
        y.partition(2)
        return y

    def copied(x):
        y = x.reshape((2, 3), copy=True)
        y[0, 0] = 7.0
        return x + y.sum()

    check(viewed, VECTOR)
    check(partitioned, VECTOR)
    check(lambda x: divmod(x, 0.37)[1] + divmod(2.5, x + 2.0)[0], VECTOR)
    check(lambda x: x.take([0, 9, -8], mode="clip") + x.take([1, 7], mode="wrap").sum(), VECTOR)
    check(copied, VECTOR)
    with pytest.raises(NotImplementedError, match="reinterpreting its bytes"):
        fad.grad(lambda x: np.sum(x.view(np.int64)))(VECTOR)


def test_linalg_trace_sums_in_its_dtype():
    # np.linalg.trace(x, dtype=np.float32) sums in float32; it summed in float64 and cast the
    # result, a last-bit difference from NumPy
    stack = np.random.default_rng(1).standard_normal((2, 4, 4)) + 4 * np.eye(4)

    def f(x):
        return np.linalg.trace(x, offset=-1, dtype=np.float32)

    expected = f(stack)
    for got in (fad.jvp(f, (stack,), (stack,))[0], fad.vmap(f)(np.stack([stack, stack]))[1]):
        assert got.dtype == np.float32
        np.testing.assert_array_equal(got, expected)


def test_nan_to_num_without_a_copy_replaces_in_place():
    # np.nan_to_num(x, copy=False) replaces x's values: copy= was ignored, x kept its NaN
    def f(x):
        y = np.log(x)  # (NaN for the negative entries)
        np.nan_to_num(y, copy=False, nan=-1.0)
        return y * x

    check(f, VECTOR)


def test_a_reduction_into_a_wider_out_accumulates_in_its_dtype():
    # np.sum of float32 data into a float64 out= sums in float64 in NumPy; it summed in
    # float32 and wrote the result (found by a 20-minute run of the differential test)
    def f(x):
        y = x.copy()
        y[:] = 2.0
        v2 = x.diagonal()
        z4 = v2 + 0.25 * np.arange(1)
        np.sum(x, axis=-1, out=z4)
        return y, v2, z4

    check(f, np.array([[0.0473, 1.8019]], dtype=np.float32))

    def into_float64(reduce):
        def g(v):
            z = np.zeros_like(v, dtype=np.float64)
            reduce(v, z)
            return z

        return g

    data = np.float32([0.0473, 1.8019, -0.3371])
    for reduce in (
        lambda v, z: np.add.accumulate(v, out=z),
        lambda v, z: np.cumsum(v, out=z),
        lambda v, z: np.add.reduce(v, out=z[:1], keepdims=True),
        lambda v, z: np.mean(v, out=z[:1], keepdims=True),
        lambda v, z: np.prod(v, out=z[:1], keepdims=True),
    ):
        g = into_float64(reduce)
        expected = g(data)
        for got in (fad.jvp(g, (data,), (data,))[0], fad.vmap(g)(np.stack([data, data]))[1]):
            np.testing.assert_array_equal(got, expected)


def test_clip_with_a_nan_bound_is_nan():
    # NumPy's clip is minimum(maximum(a, a_min), a_max): a NaN bound gives NaN; comparisons
    # with NaN are false, so the bound was ignored here, silently
    bounds = np.array([np.nan, -0.5, 0.0, np.nan, 0.2, -1.0])
    check(lambda x: np.nan_to_num(np.clip(x, np.nan, 1.0), nan=-7.0) + x, VECTOR)
    check(lambda x: np.nan_to_num(np.clip(x, bounds, 1.0), nan=-7.0) + x, VECTOR)
    check(lambda x: np.nan_to_num(np.clip(x, -0.5, bounds), nan=-7.0) + x, VECTOR)


def test_searchsorted_with_a_sorter_and_diff_of_booleans():
    # np.searchsorted(a, v, sorter=np.argsort(a)) of a traced a recursed without end; np.diff
    # of booleans (NumPy's not_equal) raised TypeError
    check(lambda x: x * np.searchsorted(x, 0.5, sorter=np.argsort(x)), VECTOR)
    check(lambda x: x[1:] * np.diff(x > 0), VECTOR)


def test_a_reshape_in_fortran_order_under_vmap_is_a_copy():
    # NumPy copies a C-ordered array reshaped or raveled in Fortran order: under vmap a C
    # example was taken for a view, so the write reached the parent, silently
    def written(view_of):
        def f(x):
            y = x * 1.0
            view_of(y)[1] = 5.0
            return y

        return f

    for view_of in (
        lambda y: y.reshape(-1, order="F"),
        lambda y: np.reshape(y, y.shape[::-1], order="F")[0],
        lambda y: np.ravel(y, order="F"),
        lambda y: y.reshape(-1, order="f"),  # (NumPy reads the order in either case)
        lambda y: np.ravel(y.T, order="k"),
    ):
        check(written(view_of), MATRIX)


def test_vmap_of_compile_records_the_layout_of_its_examples():
    # compiled under vmap, a function was recorded as if each example were C-ordered: a batch
    # in Fortran order has examples that np.ravel(order="K") views, and the write was lost
    def f(a):
        a = a * 1.0  # laid out like the example
        np.ravel(a, order="K")[1] = 7.0
        return a

    compiled = fad.compile(f)
    for batch in (np.arange(1.0, 13.0).reshape(2, 2, 3), np.arange(1.0, 13.0).reshape(3, 2, 2).T):
        expected = np.stack([f(example) for example in batch])
        np.testing.assert_array_equal(fad.vmap(compiled)(batch), expected)
