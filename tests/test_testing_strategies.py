"""functional_ad.testing's hypothesis strategies, and check_grads failures that shrink."""

import numpy as np
import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st

import functional_ad as fad
from functional_ad import testing
from functional_ad.testing import (
    check_grads,
    differentiable_arrays,
    differentiable_floats,
    differentiable_pytrees,
)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(differentiable_floats(domain=(-1.0, 1.0), kinks=[0.0, 0.5], margin=0.05))
def test_floats_stay_away_from_edges_and_kinks(v):
    assert -0.95 <= v <= 0.95
    assert abs(v) >= 0.05 and abs(v - 0.5) >= 0.05


@settings(max_examples=40, deadline=None, derandomize=True)
@given(differentiable_arrays(domain=(0.0, np.inf), margin=0.1))
def test_arrays_with_a_half_open_domain(x):
    assert x.dtype == np.float64 and x.ndim <= 2
    assert np.all(x >= 0.1) and np.all(np.isfinite(x))
    check_grads(np.log, (x,), order=2)


@settings(max_examples=20, deadline=None, derandomize=True)
@given(differentiable_arrays(shape=(3,), dtype=np.float32), differentiable_arrays(dtype=complex))
def test_dtypes_and_fixed_shapes(x, z):
    assert x.shape == (3,) and x.dtype == np.float32
    assert z.dtype == np.complex128


@settings(max_examples=30, deadline=None, derandomize=True)
@given(differentiable_pytrees(max_leaves=4))
def test_pytrees_of_arrays_can_be_differentiated(tree):
    leaves = fad.tree_leaves(tree)
    assert 1 <= len(leaves) <= 4 and all(isinstance(x, np.ndarray) for x in leaves)

    def f(tree):
        return sum(np.sum(np.sin(x) * x) for x in fad.tree_leaves(tree))

    g = fad.grad(f)(tree)
    for x, gx in zip(leaves, fad.tree_leaves(g), strict=True):
        np.testing.assert_allclose(gx, np.sin(x) + x * np.cos(x))


def test_invalid_domains_raise():
    with pytest.raises(ValueError, match="low < high"):
        differentiable_floats(domain=(1.0, 0.0))
    with pytest.raises(ValueError, match="smaller margin"):
        differentiable_floats(domain=(0.0, 0.1), margin=0.1)
    with pytest.raises(TypeError, match="float or complex"):
        differentiable_arrays(dtype=int)


@fad.custom_jvp
def bad_tanh(x):
    return np.tanh(x)


@bad_tanh.defjvp
def bad_tanh_jvp(primals, tangents):
    (x,), (x_dot,) = primals, tangents
    slope = 1 - np.tanh(x) ** 2
    return np.tanh(x), np.where(x > 1.0, 1.1 * slope, slope) * x_dot  # wrong past 1


def fails(x):
    try:
        check_grads(bad_tanh, (x,), order=1, modes=("fwd",))
    except AssertionError:
        return True
    return False


def test_check_grads_failures_are_plain_assertions_that_hypothesis_shrinks():
    with pytest.raises(AssertionError) as raised:
        check_grads(bad_tanh, (np.array(2.0),), order=1)
    assert type(raised.value) is AssertionError
    smallest = find(
        differentiable_floats(domain=(-5.0, 5.0)),
        lambda v: fails(np.array(v)),
        settings=settings(database=None, derandomize=True, max_examples=500),
    )
    assert 1.0 < smallest <= 2.0  # shrunk to a simple value just past the bug's threshold


def test_a_failing_property_test_reports_a_shrunk_example():
    @settings(max_examples=100, deadline=None, derandomize=True, database=None)
    @given(differentiable_arrays(shape=(2,), domain=(-3.0, 3.0)))
    def test_bad_tanh(x):
        check_grads(bad_tanh, (x,), order=1, modes=("fwd",))

    with pytest.raises(AssertionError, match="check_grads failed: forward mode"):
        test_bad_tanh()


def test_strategies_without_hypothesis_name_the_install(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_hypothesis(name, *args, **kwargs):
        if name.startswith("hypothesis"):
            raise ImportError("No module named 'hypothesis'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_hypothesis)
    with pytest.raises(ImportError, match="pip install hypothesis"):
        testing.differentiable_arrays()


def test_st_is_a_real_strategy():
    assert isinstance(differentiable_arrays(), st.SearchStrategy)
