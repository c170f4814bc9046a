"""Algebraic properties every transform must satisfy, over a table of smooth NumPy functions.

Each row of ``CASES`` is a function of one array written with ``np.*`` (elementwise ops,
reductions, matmul with fixed seeded matrices, reshape/transpose, indexing, einsum,
concatenate/stack), the input shapes it accepts and the interval its inputs are drawn from.
Scalar-valued properties (Hessian symmetry, hvp/vhp) use ``scalar_form`` of each row.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import functional_ad as fad

RTOL = 1e-9
ATOL = 1e-9  # scaled by the size of the expected value, see assert_close

RNG = np.random.default_rng(20240611)
MATRIX_5x3 = RNG.standard_normal((5, 3))
MATRIX_3x4 = RNG.standard_normal((3, 4))
MATRIX_4x2 = RNG.standard_normal((4, 2))
WEIGHTS_2x3 = RNG.standard_normal((2, 3))

ANY_SHAPE = ((), (3,), (2, 3), (2, 2, 2))
AT_LEAST_1D = ((3,), (4,), (2, 3), (3, 2, 2))
MATRICES = ((2, 3), (3, 3), (4, 3))

WIDE = (-2.0, 2.0)
POSITIVE = (0.2, 3.0)


@dataclass(frozen=True)
class VectorCase:
    """A smooth function of one array, the shapes it accepts and its input interval."""

    name: str
    fn: Callable[[np.ndarray], np.ndarray]
    shapes: tuple[tuple[int, ...], ...]
    domain: tuple[float, float] = WIDE


def softmax_last_axis(x):
    """Softmax over the last axis."""
    exps = np.exp(x)
    return exps / np.sum(exps, axis=-1, keepdims=True)


def standardize_first_axis(x):
    """Subtract the mean over axis 0 and divide by a smoothed standard deviation."""
    centered = x - np.mean(x, axis=0)
    return centered / np.sqrt(np.mean(centered**2, axis=0) + 1.0)


def shifted_products(x):
    """Neighbour products plus a sum over a repeated integer-array index."""
    return x[1:] * x[:-1] + np.sum(x[np.array([0, 2, 0])])


def gathered_entries(x):
    """Integer-array indexing into a matrix, scaled by a reduction of a column."""
    return x[np.array([0, 1, 1]), np.array([2, 0, 2])] * np.sum(np.cos(x[:, 1]))


def reshaped_mix(x):
    """Reshape, transpose and multiply two views of the same 12 numbers."""
    return np.sin(x.reshape(2, 6).T) * x.reshape(6, 2)


CASES = [
    VectorCase("sin_times_exp", lambda x: np.sin(x) * np.exp(0.3 * x), ANY_SHAPE),
    VectorCase("log_plus_sqrt", lambda x: np.log(x) + np.sqrt(x), ANY_SHAPE, POSITIVE),
    VectorCase("tanh_times_cosh", lambda x: np.tanh(x) * np.cosh(x / 2), ANY_SHAPE),
    VectorCase("rational", lambda x: x / (1 + x**2), ANY_SHAPE),
    VectorCase("real_power", lambda x: x**2.5 - 2 * x**-0.5, ANY_SHAPE, POSITIVE),
    VectorCase("log1p_expm1", lambda x: np.log1p(x**2) + np.expm1(-x), ANY_SHAPE),
    VectorCase("abs_away_from_zero", lambda x: np.abs(x) * x**2, ANY_SHAPE, (-2.0, -0.3)),
    VectorCase("clip_interior", lambda x: np.clip(x, -5.0, 5.0) * np.sin(x), ANY_SHAPE),
    VectorCase("sum_axis0", lambda x: np.sum(np.sin(x) * x, axis=0), AT_LEAST_1D),
    VectorCase("mean_keepdims", lambda x: np.mean(x**2, axis=-1, keepdims=True) - x, AT_LEAST_1D),
    VectorCase("prod_last_axis", lambda x: np.prod(1 + 0.2 * x, axis=-1), AT_LEAST_1D),
    VectorCase("logsumexp", lambda x: np.log(np.sum(np.exp(x), axis=-1)), AT_LEAST_1D),
    VectorCase("softmax", softmax_last_axis, AT_LEAST_1D),
    VectorCase("standardize", standardize_first_axis, ((3,), (4, 2), (3, 2, 2))),
    VectorCase("matmul_fixed_left", lambda x: np.tanh(MATRIX_5x3 @ x), ((3,), (3, 2))),
    VectorCase("matmul_fixed_right", lambda x: np.sin(x @ MATRIX_3x4) @ MATRIX_4x2, MATRICES),
    VectorCase("dot_self", lambda x: np.dot(x, x) * x, ((3,), (4,))),
    VectorCase("outer", lambda x: np.outer(x, np.tanh(x)), ((3,), (4,))),
    VectorCase("reshape_transpose", reshaped_mix, ((12,), (3, 4), (2, 6), (2, 2, 3))),
    VectorCase("transpose_axes", lambda x: np.transpose(x, (1, 0, 2)) * x[0, 0], ((2, 3, 2),)),
    VectorCase("matrix_transpose_attr", lambda x: x.T @ np.cos(x), MATRICES),
    VectorCase("slices_and_repeated_index", shifted_products, ((3,), (4,), (3, 2))),
    VectorCase("integer_array_index", gathered_entries, MATRICES),
    VectorCase(
        "einsum_matrix_product", lambda x: np.einsum("ij,jk->ik", np.sin(x), MATRIX_3x4), MATRICES
    ),
    VectorCase("einsum_rowwise_dot", lambda x: np.einsum("ij,ij->i", x, np.exp(-x)), MATRICES),
    VectorCase(
        "concatenate", lambda x: np.concatenate([np.sin(x), x**2, np.exp(-x)], axis=0), AT_LEAST_1D
    ),
    VectorCase("stack", lambda x: np.stack([x, np.cos(x) * x], axis=-1), ANY_SHAPE),
    VectorCase(
        "broadcast_expand_squeeze",
        lambda x: np.squeeze(np.expand_dims(np.broadcast_to(x, (2, 3)) * WEIGHTS_2x3, 0)),
        ((3,), (1, 3)),
    ),
]

CASES_BY_NAME = {case.name: case for case in CASES}
parametrize_cases = pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)


def floats_in(lo: float, hi: float) -> st.SearchStrategy[float]:
    """Finite float64 values in [lo, hi]."""
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False, allow_subnormal=False)


def arrays_in(shape: tuple[int, ...], domain: tuple[float, float]) -> st.SearchStrategy:
    """float64 arrays of `shape` with every element inside `domain`."""
    return hnp.arrays(np.float64, shape, elements=floats_in(*domain))


def directions_like(shape: tuple[int, ...]) -> st.SearchStrategy:
    """Tangent or cotangent arrays of `shape`."""
    return arrays_in(shape, (-2.0, 2.0))


def scalar_form(case: VectorCase) -> Callable[[np.ndarray], np.ndarray]:
    """A smooth scalar function of the case's output, for Hessian properties."""

    def scalar_fn(x):
        y = case.fn(x)
        return np.sum(y * np.cos(y))

    scalar_fn.__name__ = f"scalar_{case.name}"
    return scalar_fn


def assert_close(actual, expected, what: str) -> None:
    """Compare with a relative tolerance plus an absolute one scaled by the largest entry."""
    actual = np.asarray(actual, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    scale = 1.0 + float(np.max(np.abs(expected), initial=0.0))
    np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=ATOL * scale, err_msg=what)


def draw_input(data, case: VectorCase) -> np.ndarray:
    """Draw an input shape accepted by `case`, then a point inside its domain."""
    shape = data.draw(st.sampled_from(case.shapes), label="shape")
    return data.draw(arrays_in(shape, case.domain), label="x")


def flattened_jacobian(jacobian: np.ndarray, out_shape, in_shape) -> np.ndarray:
    """View a jacobian of shape out_shape + in_shape as a matrix."""
    return np.reshape(jacobian, (int(np.prod(out_shape)), int(np.prod(in_shape))))


def test_table_covers_every_family():
    assert len(CASES_BY_NAME) == len(CASES) >= 20


@parametrize_cases
@given(data=st.data())
def test_jvp_and_vjp_are_transposes(case, data):
    x = draw_input(data, case)
    out_shape = np.shape(case.fn(x))
    x_dot = data.draw(directions_like(x.shape), label="x_dot")
    y_bar = data.draw(directions_like(out_shape), label="y_bar")

    y, y_dot = fad.jvp(case.fn, (x,), (x_dot,))
    assert_close(y, case.fn(x), "jvp primal output")
    y_vjp, pullback = fad.vjp(case.fn, x)
    assert_close(y_vjp, case.fn(x), "vjp primal output")
    (x_bar,) = pullback(y_bar)
    assert np.shape(x_bar) == x.shape

    # <y_bar, J x_dot> == <J^T y_bar, x_dot>
    assert_close(np.vdot(y_bar, y_dot), np.vdot(x_bar, x_dot), "<u, Jv> vs <J^T u, v>")


@parametrize_cases
@given(data=st.data())
def test_jacfwd_equals_jacrev(case, data):
    x = draw_input(data, case)
    out_shape = np.shape(case.fn(x))
    forward = fad.jacfwd(case.fn)(x)
    reverse = fad.jacrev(case.fn)(x)
    assert np.shape(forward) == out_shape + x.shape
    assert np.shape(reverse) == out_shape + x.shape
    assert_close(forward, reverse, "jacfwd vs jacrev")
    assert_close(fad.jacobian(case.fn)(x), reverse, "jacobian vs jacrev")


@parametrize_cases
@given(data=st.data())
def test_hessian_of_scalar_function_is_symmetric(case, data):
    x = draw_input(data, case)
    hessian = fad.hessian(scalar_form(case))(x)
    assert np.shape(hessian) == x.shape + x.shape
    matrix = flattened_jacobian(hessian, x.shape, x.shape)
    assert_close(matrix, matrix.T, "H vs H^T")


@parametrize_cases
@given(data=st.data())
def test_hvp_equals_hessian_times_vector_equals_vhp(case, data):
    x = draw_input(data, case)
    v = data.draw(directions_like(x.shape), label="v")
    scalar_fn = scalar_form(case)
    matrix = flattened_jacobian(fad.hessian(scalar_fn)(x), x.shape, x.shape)
    hessian_times_v = (matrix @ v.ravel()).reshape(x.shape)

    value, (hvp_out,) = fad.hvp(scalar_fn, (x,), (v,))
    assert_close(value, scalar_fn(x), "hvp primal output")
    assert_close(hvp_out, hessian_times_v, "hvp vs hessian @ v")

    value, (vhp_out,) = fad.vhp(scalar_fn, (x,), (v,))
    assert_close(value, scalar_fn(x), "vhp primal output")
    assert_close(vhp_out, hvp_out, "vhp vs hvp")


@parametrize_cases
@given(data=st.data())
def test_jvp_is_linear_in_tangent(case, data):
    x = draw_input(data, case)
    first = data.draw(directions_like(x.shape), label="first")
    second = data.draw(directions_like(x.shape), label="second")
    a, b = data.draw(floats_in(-3.0, 3.0), label="a"), data.draw(floats_in(-3.0, 3.0), label="b")

    _, combined = fad.jvp(case.fn, (x,), (a * first + b * second,))
    _, first_out = fad.jvp(case.fn, (x,), (first,))
    _, second_out = fad.jvp(case.fn, (x,), (second,))
    assert_close(combined, a * first_out + b * second_out, "jvp(a v1 + b v2)")


@st.composite
def two_cases_and_shared_input(draw):
    """Two cases accepting a common shape and overlapping domains, plus an input for both."""
    first = draw(st.sampled_from(CASES), label="first")
    shape = draw(st.sampled_from(first.shapes), label="shape")
    compatible = [
        case
        for case in CASES
        if shape in case.shapes
        and max(case.domain[0], first.domain[0]) < min(case.domain[1], first.domain[1])
    ]
    second = draw(st.sampled_from(compatible), label="second")
    domain = (max(first.domain[0], second.domain[0]), min(first.domain[1], second.domain[1]))
    x = draw(arrays_in(shape, domain), label="x")
    return first, second, x


@given(two_cases_and_shared_input())
def test_grad_of_sum_is_sum_of_grads(cases_and_input):
    first, second, x = cases_and_input
    first_scalar, second_scalar = scalar_form(first), scalar_form(second)

    def summed(x):
        return first_scalar(x) + second_scalar(x)

    expected = fad.grad(first_scalar)(x) + fad.grad(second_scalar)(x)
    assert_close(fad.grad(summed)(x), expected, f"grad({first.name} + {second.name})")


@parametrize_cases
@given(data=st.data())
def test_grad_of_sum_of_two_scalar_views_of_one_case(case, data):
    x = draw_input(data, case)
    weight = data.draw(floats_in(-2.0, 2.0), label="weight")

    def summed(x):
        return np.sum(case.fn(x)) + weight * scalar_form(case)(x)

    expected = fad.grad(lambda x: np.sum(case.fn(x)))(x) + weight * fad.grad(scalar_form(case))(x)
    assert_close(fad.grad(summed)(x), expected, "grad(sum f + w g)")
