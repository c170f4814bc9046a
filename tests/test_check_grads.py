"""check_grads: passes on correct derivatives, fails loudly and precisely on wrong ones."""

from __future__ import annotations

import re

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import functional_ad as fad
from functional_ad import custom_vjp
from functional_ad.core import active_traces
from functional_ad.testing import check_grads

X3 = np.array([0.3, -1.2, 2.0])


def custom_sin(bwd_scale=1.0, constant_residual=False):
    """sin with a hand-written rule: scaled (wrong at first order) or with a residual cut
    from the computation (right at first order, wrong at second)."""

    @custom_vjp
    def f(x):
        return np.sin(x)

    def fwd(x):
        cos_x = np.cos(fad.stop_gradient(x) if constant_residual else x)
        return np.sin(x), cos_x

    f.defvjp(fwd, lambda cos_x, g: (bwd_scale * g * cos_x,))
    return f


# ----------------------------------------------------------------------------- passing


def test_passes_on_correct_functions():
    check_grads(np.sin, (X3,), order=3)
    check_grads(lambda x, y: np.sum(x * np.exp(y)), (X3, X3[::-1].copy()), order=2)
    check_grads(lambda x: (np.tanh(x), {"sq": x @ x}), (X3,), order=2, full=True)
    check_grads(custom_sin(), (X3,), order=3, full=True)


def test_passes_on_pytree_inputs():
    params = {"w": np.array([[0.5, -1.0], [2.0, 0.1]]), "b": (np.array([0.2, -0.3]),)}

    def model(p, x):
        return np.tanh(p["w"] @ x + p["b"][0])

    check_grads(model, (params, np.array([1.0, -0.5])), order=2, full=True)


def test_passes_on_complex_inputs():
    z = np.array([0.5 + 1.0j, -0.3 + 0.2j])
    check_grads(lambda z: z * z + np.exp(z), (z,), order=2, full=True)  # holomorphic
    check_grads(lambda z: np.sum(np.abs(z) ** 2), (z,), order=2, full=True)  # C -> R
    check_grads(lambda z: z * np.conj(z) + z, (z,), order=2, full=True)  # not holomorphic
    check_grads(lambda x: np.exp(1j * x), (X3,), order=2, full=True)  # R -> C


def test_float32_uses_looser_default_tolerances():
    check_grads(np.tanh, (X3.astype(np.float32),), order=2)


def test_positional_parameters_keep_their_meaning():
    check_grads(np.sin, (X3,), 2, ("fwd",), 1e-6, 1e-6, 1e-6)
    check_grads(np.cos, [X3], 1, ["rev"], None, None, None, True, seed=3)


def test_unknown_mode_is_rejected():
    with pytest.raises(ValueError, match="unknown modes"):
        check_grads(np.sin, (X3,), modes=("forward",))


# ----------------------------------------------------------------------------- failing


@pytest.mark.parametrize("mode, name", [("fwd", "forward mode"), ("rev", "reverse mode")])
def test_wrong_first_order_rule_fails_in_each_mode(mode, name):
    with pytest.raises(AssertionError) as excinfo:
        check_grads(custom_sin(bwd_scale=3.0), (X3,), order=1, modes=(mode,))
    message = str(excinfo.value)
    assert name in message
    assert "order 1" in message
    assert "argument 0 (shape (3,), float64)" in message
    assert "direction v = " in message
    assert "finite differences give" in message
    assert ("jvp computed" if mode == "fwd" else "vjp computed") in message
    assert "seed=0" in message


@pytest.mark.parametrize(
    "mode, chain", [("fwd", "forward-over-forward"), ("rev", "reverse-over-reverse")]
)
def test_wrong_second_order_rule_fails_only_at_second_order(mode, chain):
    f = custom_sin(constant_residual=True)
    check_grads(f, (X3,), order=1, modes=(mode,))  # the first derivative is right
    with pytest.raises(AssertionError) as excinfo:
        check_grads(f, (X3,), order=2, modes=(mode,))
    message = str(excinfo.value)
    assert "order 2" in message
    assert chain in message
    assert "argument 0" in message


def test_second_order_covers_every_chain_of_modes():
    chains = set()

    def spy(x):
        chains.add(tuple(type(t).__name__ for t in active_traces() if not t.ended))
        return np.sin(x)

    check_grads(spy, (X3,), order=2)
    assert {
        ("JVPTrace", "JVPTrace"),
        ("GraphTrace", "GraphTrace"),
        ("JVPTrace", "GraphTrace"),
        ("GraphTrace", "JVPTrace"),
    } <= chains


def test_failure_names_the_wrong_argument_only():
    @custom_vjp
    def mul(x, y):
        return x * y

    mul.defvjp(lambda x, y: (x * y, (x, y)), lambda res, g: (g * res[1], 2 * g * res[0]))
    for mode in ("fwd", "rev"):
        with pytest.raises(AssertionError) as excinfo:
            check_grads(mul, (X3, X3 + 1.0), order=1, modes=(mode,))
        message = str(excinfo.value)
        assert "argument 1" in message
        assert "argument 0" not in message


def test_failure_names_the_leaf_of_a_pytree_argument():
    @custom_vjp
    def affine(p):
        return p["w"] * 2.0 + p["b"]

    affine.defvjp(lambda p: (affine(p), None), lambda _, g: ({"w": 2.0 * g, "b": -g},))
    params = {"b": np.array([0.1, 0.2]), "w": np.array([1.0, 3.0])}
    with pytest.raises(AssertionError, match=r"argument 0, leaf 0 of 2 \(shape \(2,\)"):
        check_grads(affine, (params,), order=1, modes=("rev",))


def test_full_jacobian_failure_reports_the_worst_entry():
    with pytest.raises(AssertionError) as excinfo:
        check_grads(custom_sin(bwd_scale=1.5), (X3,), order=0, modes=("rev",), full=True)
    message = str(excinfo.value)
    assert "full Jacobian by jacrev" in message
    assert "largest error at index" in message
    assert re.search(r"output leaf 0, argument 0", message)


def test_conjugated_complex_rule_fails():
    @custom_vjp
    def square(z):
        return z * z

    square.defvjp(lambda z: (z * z, z), lambda z, g: (np.conj(2 * z) * g,))  # wrong: conj
    with pytest.raises(AssertionError, match="reverse mode"):
        check_grads(square, (np.array([0.5 + 1.0j]),), order=1, modes=("rev",))


# ----------------------------------------------------------------------------- the recipe


def softplus_sum(x):
    return np.sum(np.logaddexp(0.0, x) * x)


@settings(max_examples=15, deadline=None)
@given(
    hnp.arrays(
        np.float64,
        hnp.array_shapes(min_dims=0, max_dims=2, max_side=3),
        elements=st.floats(-3.0, 3.0),
    )
)
def test_recipe_hypothesis_draws_inputs_check_grads_draws_directions(x):
    """The recipe for users: hypothesis.extra.numpy draws the point, check_grads checks it."""
    check_grads(softplus_sum, (x,), order=2)
