"""NumPy's integer scalar types called on traced values (``np.int64(x)``): integer values have
no derivative, so they are NumPy's own; vmap and compile, with no single value, refuse."""

from __future__ import annotations

import numpy as np
import pytest

import functional_ad as fad
from functional_ad.testing import check_grads

RNG = np.random.default_rng(3)


def test_integer_indices_cast_from_a_traced_column():
    w = RNG.standard_normal((5, 10))
    w[:, -1] = [0.5, 1.3, 2.2, 3.7, -1.2]  # away from the integers, where the cast jumps

    def f(w):
        indices = np.int64(w[:, -1])
        assert type(indices) is np.ndarray and indices.dtype == np.int64
        return np.sum(w[:, :-1][indices] ** 2)

    plain_indices = np.int64(w[:, -1])
    np.testing.assert_array_equal(plain_indices, [0, 1, 2, 3, -1])
    expected = np.zeros_like(w)
    np.add.at(expected, plain_indices, 2 * w[plain_indices])
    expected[:, -1] = 0.0
    np.testing.assert_allclose(fad.grad(f)(w), expected)
    check_grads(f, (w,), order=2)


@pytest.mark.parametrize("cast", [np.int64, np.int32, np.intp, np.uint8, np.bool_])
def test_integer_and_bool_scalar_types_match_numpy(cast):
    x = np.array([0.0, 1.5, 2.5, 7.2])
    seen = {}

    def f(x):
        seen["cast"] = cast(x)
        return x * seen["cast"]

    value, tangent = fad.jvp(f, (x,), (np.ones(4),))
    np.testing.assert_array_equal(seen["cast"], cast(x))
    assert seen["cast"].dtype == cast(x).dtype
    np.testing.assert_allclose(value, x * cast(x))
    np.testing.assert_allclose(tangent, cast(x))  # d/dx (x * c) with c piecewise constant
    assert fad.grad(lambda s: s * cast(s))(2.5) == cast(2.5)


def test_vmap_and_compile_refuse_with_a_named_error():
    x = np.array([1.5, 2.5])
    for transform in (fad.vmap, fad.compile):
        with pytest.raises(fad.ConcreteValueError):
            transform(lambda x: x * np.int64(x))(x)
    # np.asarray(x, dtype=int) stays a traced cast there
    compiled = fad.compile(lambda x: x * np.asarray(x, dtype=int))
    np.testing.assert_allclose(compiled(np.array([3.5, 2.5])), [10.5, 5.0])
    np.testing.assert_allclose(fad.vmap(lambda x: x * np.asarray(x, dtype=int))(x), [1.5, 5.0])


def test_float_types_still_refuse_to_drop_the_derivative():
    with pytest.raises(TypeError, match="stop_gradient"):
        fad.grad(lambda x: np.sum(np.float64(x)))(np.ones(2))
