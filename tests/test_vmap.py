"""vmap: every op-table row batched, in_axes/out_axes, and composition with the other transforms."""

from __future__ import annotations

import numpy as np
import pytest

import functional_ad as fad
from functional_ad.ops.batching import batch_by_loop
from functional_ad.ops.registry import PRIMITIVES
from tests.op_table import ROWS

BATCH = 3
CASES = [(row, shapes) for row in ROWS for shapes in row.arg_shapes()]


def _batched_args(row, shapes, rng):
    """BATCH examples of the row's arguments, stacked along axis 0."""
    examples = [row.args(rng, shapes, np.float64) for _ in range(BATCH)]
    return [np.stack(parts) for parts in zip(*examples, strict=True)]


def _expected(row, stacked, batched):
    outs = [
        row.fn(*[a[i] if b else a for a, b in zip(stacked, batched, strict=True)])
        for i in range(BATCH)
    ]
    return fad.tree_map(lambda *leaves: np.stack(leaves), *outs)


def _assert_tree_close(got, want):
    got_leaves, got_tree = fad.tree_flatten(got)
    want_leaves, want_tree = fad.tree_flatten(want)
    assert got_tree == want_tree
    for g, w in zip(got_leaves, want_leaves, strict=True):
        np.testing.assert_allclose(np.asarray(g), np.asarray(w), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("row, shapes", CASES, ids=[r.case_id(s) for r, s in CASES])
def test_vmap_matches_a_loop_over_examples(row, shapes):
    rng = np.random.default_rng(7)
    stacked = _batched_args(row, shapes, rng)
    n = len(stacked)
    if "data-dependent shape" in row.tags:  # right when the shapes agree, else a clear error
        try:
            got = fad.vmap(row.fn)(*stacked)
        except ValueError as error:
            assert "shape depends on the values" in str(error)
        else:
            _assert_tree_close(got, _expected(row, stacked, [True] * n))
        return
    # batch on axis 0 for every argument
    _assert_tree_close(fad.vmap(row.fn)(*stacked), _expected(row, stacked, [True] * n))
    # batch on the last axis of every argument
    moved = [np.moveaxis(a, 0, -1) for a in stacked]
    got = fad.vmap(row.fn, in_axes=tuple(-1 for _ in moved))(*moved)
    _assert_tree_close(got, _expected(row, stacked, [True] * n))
    if n > 1:  # the first argument unbatched
        first = row.args(rng, shapes, np.float64)[0]
        mixed = [first] + stacked[1:]
        got = fad.vmap(row.fn, in_axes=(None,) + (0,) * (n - 1))(*mixed)
        _assert_tree_close(got, _expected(row, mixed, [False] + [True] * (n - 1)))


def test_every_primitive_has_a_batching_rule():
    # per-example loops only where chosen on purpose: constant functions of whole arrays
    looped = sorted(
        name
        for name, p in PRIMITIVES.items()
        if p.batch is batch_by_loop and p.family != "constants"
    )
    assert not looped, f"primitives batched by a Python loop: {looped}"
    missing = sorted(name for name, p in PRIMITIVES.items() if p.batch is None)
    assert not missing, f"primitives without a batching rule: {missing}"


def test_unbatched_values_stay_unbatched():
    seen = []

    def f(x, w):
        h = np.tanh(w * 2.0)  # does not depend on the batch
        seen.append(type(h))
        return h @ x

    w = np.ones((3, 3))
    fad.vmap(f, in_axes=(0, None))(np.ones((4, 3)), w)
    assert seen == [np.ndarray]


def test_out_axes_and_trees():
    x = np.arange(6.0).reshape(2, 3)
    out = fad.vmap(
        lambda d: {"s": d["a"] * 2, "t": (d["a"].sum(), 1.0)},
        in_axes=({"a": 1},),
        out_axes={"s": 1, "t": (0, None)},
    )({"a": x})
    np.testing.assert_allclose(out["s"], 2 * x)
    np.testing.assert_allclose(out["t"][0], x.sum(axis=0))
    assert out["t"][1] == 1.0


def test_errors_name_the_problem():
    with pytest.raises(ValueError, match="common size"):
        fad.vmap(lambda a, b: a + b)(np.ones(2), np.ones(3))
    with pytest.raises(ValueError, match="out_axes=None"):
        fad.vmap(lambda a: a, out_axes=None)(np.ones(2))


def test_per_example_gradients_compose_both_ways():
    rng = np.random.default_rng(0)
    w = rng.normal(size=(3, 2))
    xs = rng.normal(size=(5, 3))

    def loss(w, x):
        return np.sum(np.tanh(x @ w) ** 2)

    per_example = fad.vmap(fad.grad(loss), in_axes=(None, 0))(w, xs)
    expected = np.stack([fad.grad(loss)(w, x) for x in xs])
    np.testing.assert_allclose(per_example, expected)
    total = fad.grad(lambda w: np.sum(fad.vmap(loss, in_axes=(None, 0))(w, xs)))(w)
    np.testing.assert_allclose(total, expected.sum(axis=0))
    jac = fad.jacfwd(fad.vmap(lambda x: np.sin(x) * x))(xs)
    np.testing.assert_allclose(jac.reshape(15, 15), np.diag((np.cos(xs) * xs + np.sin(xs)).ravel()))


def test_vmap_of_vmap_and_hessian():
    xs = np.random.default_rng(1).normal(size=(2, 4, 3))
    f = lambda x: np.sum(x**3) * np.prod(x[:2])
    got = fad.vmap(fad.vmap(fad.hessian(f)))(xs)
    want = np.stack([np.stack([fad.hessian(f)(x) for x in row]) for row in xs])
    np.testing.assert_allclose(got, want)
