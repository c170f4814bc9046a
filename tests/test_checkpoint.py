"""checkpoint: the derivatives of f under every transform, less memory, and its policies."""

from __future__ import annotations

import gc
import tracemalloc

import numpy as np
import pytest

import functional_ad as fad
from functional_ad.testing import check_grads

RNG = np.random.default_rng(0)
W = RNG.standard_normal((4, 4))
X = RNG.standard_normal(4)
BATCH = RNG.standard_normal((3, 4))


def layer(x):
    return np.tanh(W @ np.sin(x)) * np.exp(0.3 * x)


POLICIES = {"none": None, "dots": "dots", "names": lambda name: name in {"sin", "exp"}}


def loss_of(fn, twice=True):
    if not twice:
        return lambda x: np.sum(fn(x) ** 2)
    return lambda x: np.sum(fn(x) ** 2) + np.sum(fn(2 * x))


# (transform, whether a single use gives bit-identical results: a reverse pass over a
# recomputed forward pass that carries a derivative of its own (reverse over reverse, and
# hvp's reverse over forward) adds the cotangents of the recomputed pass in another order)
TRANSFORMS = {
    "grad": (lambda L: fad.grad(L)(X), True),
    "vjp": (lambda L: fad.vjp(L, X)[1](np.float64(1.5))[0], True),
    "jvp of grad": (lambda L: fad.jvp(fad.grad(L), (X,), (X[::-1].copy(),))[1], True),
    "hvp": (lambda L: fad.hvp(L, (X,), (X,))[1][0], False),
    "vhp": (lambda L: fad.vhp(L, (X,), (X,))[1][0], False),
    "hessian": (lambda L: fad.hessian(L)(X), True),
    "grad of grad": (lambda L: fad.grad(lambda x: np.sum(fad.grad(L)(x) ** 2))(X), False),
    "vmap of grad": (lambda L: fad.vmap(fad.grad(L))(BATCH), True),
    "grad of vmap": (lambda L: fad.grad(lambda xs: np.sum(fad.vmap(L)(xs)))(BATCH), True),
    "compile of grad": (lambda L: fad.compile(fad.grad(L))(X), True),
    "grad of compile": (lambda L: fad.grad(fad.compile(L))(X), True),
    "jacfwd of grad": (lambda L: fad.jacfwd(fad.grad(L))(X), True),
}


@pytest.mark.parametrize("policy", POLICIES.values(), ids=POLICIES.keys())
@pytest.mark.parametrize(("transform", "exact"), TRANSFORMS.values(), ids=TRANSFORMS.keys())
def test_identical_derivatives_under_every_transform(transform, exact, policy):
    # used once, the same operations run in the same order: bit for bit the same
    expected = transform(loss_of(layer, twice=False))
    got = transform(loss_of(fad.checkpoint(layer, policy=policy), twice=False))
    if exact:
        np.testing.assert_array_equal(got, expected)
    # used twice, cotangents from the two uses may be added in another order
    expected = transform(loss_of(layer))
    got = transform(loss_of(fad.checkpoint(layer, policy=policy)))
    np.testing.assert_allclose(got, expected, rtol=1e-13, atol=1e-13)


def test_against_finite_differences():
    check_grads(loss_of(fad.checkpoint(layer)), (X,), order=2)
    check_grads(loss_of(fad.checkpoint(layer, policy="dots")), (X,), order=2)


def test_pytrees_constants_and_keyword_arguments():
    def block(params, x, n, scale=1.0):
        h = x
        for _ in range(n):  # a Python int: a constant of the checkpoint
            h = np.tanh(params["w"] @ h + params["b"])
        return {"out": scale * h, "norm": np.sum(h**2)}

    params = {"w": W, "b": RNG.standard_normal(4)}

    def loss(params, x, fn):
        out = fn(params, x, 3, scale=2.0)
        return np.sum(out["out"] ** 3) + out["norm"]

    checkpointed = fad.checkpoint(block, policy="dots")
    expected = fad.grad(loss, argnums=(0, 1))(params, X, block)
    got = fad.grad(loss, argnums=(0, 1))(params, X, checkpointed)
    for a, b in zip(fad.tree_leaves(got), fad.tree_leaves(expected), strict=True):
        np.testing.assert_array_equal(a, b)
    assert checkpointed(params, X, 3, scale=2.0)["norm"] == block(params, X, 3, scale=2.0)["norm"]
    assert checkpointed.__name__ == "checkpoint_of_block"


def test_integer_arguments_are_carried_through():
    idx = np.array([2, 0, 1])
    f = fad.checkpoint(lambda x, i: np.sin(x)[i] * x[:3])
    g = fad.grad(lambda x: np.sum(f(x, idx)))(X)
    np.testing.assert_array_equal(g, fad.grad(lambda x: np.sum(np.sin(x)[idx] * x[:3]))(X))


def counted_primitive():
    """A primitive whose implementation counts its evaluations."""
    calls = []

    def impl(x):
        calls.append(1)
        return np.sin(x)

    prim = fad.Primitive(
        "counted_sin",
        impl,
        jvp=lambda x_dot, y, x: np.cos(x) * x_dot,
        vjp=lambda y_bar, y, x: np.cos(x) * y_bar,
    )
    return prim, calls


@pytest.mark.parametrize(
    ("policy", "evaluations"),
    [(None, 2), (lambda name: name == "counted_sin", 1), ("dots", 2)],
    ids=["none", "keeps it", "dots"],
)
def test_policy_keeps_results_instead_of_recomputing(policy, evaluations):
    prim, calls = counted_primitive()
    f = fad.checkpoint(lambda x: np.exp(prim(x)), policy=policy)
    g = fad.grad(lambda x: np.sum(f(x)))(X)
    np.testing.assert_allclose(g, np.exp(np.sin(X)) * np.cos(X), rtol=1e-14)
    assert len(calls) == evaluations
    calls.clear()
    fad.grad(lambda x: np.sum(prim(x)))(X)
    assert len(calls) == 1  # without checkpoint: evaluated once, kept for the reverse pass


def test_a_recomputation_that_differs_raises():
    state = {"calls": 0}

    def unstable(x):
        state["calls"] += 1
        return np.sin(x) if state["calls"] == 1 else np.exp(np.cos(x))

    f = fad.checkpoint(unstable, policy=lambda name: name in {"sin", "cos"})
    with pytest.raises(ValueError, match="different NumPy calls when it was recomputed"):
        fad.grad(lambda x: np.sum(f(x)))(X)


def test_bad_policy_and_closed_over_tracers_raise():
    with pytest.raises(ValueError, match="policy must be None"):
        fad.checkpoint(layer, policy="everything")

    def outer(y):
        return np.sum(fad.checkpoint(lambda x: x * y)(X * y))

    with pytest.raises(TypeError, match="closes over a value traced"):
        fad.grad(outer)(1.0)


def chain(x, segments, fn):
    for _ in range(segments):
        x = fn(x)
    return np.sum(x)


def segment(x):
    for _ in range(4):
        x = np.sin(x) * 0.9 + 0.1 * np.cos(x)
    return x


def grad_peak(fn, x):
    gc.collect()
    tracemalloc.start()
    try:
        g = fad.grad(lambda x: chain(x, 16, fn))(x)
        return tracemalloc.get_traced_memory()[1], g
    finally:
        tracemalloc.stop()


def test_checkpointing_segments_lowers_the_peak():
    x = np.random.default_rng(1).standard_normal(100_000)  # 0.8 MB per array
    plain_peak, expected = grad_peak(segment, x)
    checkpointed_peak, got = grad_peak(fad.checkpoint(segment), x)
    np.testing.assert_array_equal(got, expected)
    # plain: every segment's intermediates; checkpointed: the segment inputs and one segment
    assert checkpointed_peak < 0.5 * plain_peak, (checkpointed_peak, plain_peak)


def branchy(x):
    if np.max(x) > 0:  # Python control flow on the value, as grad allows
        return np.sin(x) * 2.0
    return np.cos(x)


@pytest.mark.parametrize("policy", POLICIES.values(), ids=POLICIES.keys())
def test_python_control_flow_on_values(policy):
    f = fad.checkpoint(branchy, policy=policy)
    for x in (X, -np.abs(X)):
        g = fad.grad(lambda x: np.sum(f(x)))(x)
        np.testing.assert_array_equal(g, fad.grad(lambda x: np.sum(branchy(x)))(x))
