"""For every op-table row: forward value, jvp and vjp against finite differences to its order."""

from __future__ import annotations

import numpy as np
import pytest

import functional_ad as fad
from functional_ad import graph
from functional_ad.testing import check_grads
from tests.op_table import ROWS

CASES = [(row, shapes) for row in ROWS for shapes in row.arg_shapes()]
IDS = [row.case_id(shapes) for row, shapes in CASES]


def _rng(row, shapes) -> np.random.Generator:
    return np.random.default_rng(abs(hash(row.case_id(shapes))) % 2**32)


def _assert_leaves_close(got, want):
    """Outputs agree leaf by leaf (rows may return tuples of differently shaped arrays)."""
    got_leaves, got_tree = fad.tree_flatten(got)
    want_leaves, want_tree = fad.tree_flatten(want)
    assert got_tree == want_tree
    for g, w in zip(got_leaves, want_leaves, strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("row, shapes", CASES, ids=IDS)
def test_value_and_derivatives_float64(row, shapes):
    args = row.args(np.random.default_rng(0), shapes, np.float64)
    out, _ = fad.jvp(row.fn, args, tuple(np.zeros_like(a) for a in args))
    _assert_leaves_close(out, row.fn(*args))
    if row.order:
        check_grads(row.fn, args, order=row.order, modes=row.modes, atol=row.tol, rtol=row.tol)


DIFFERENTIATED = [c for c in CASES if c[0].order]


@pytest.mark.parametrize(
    "row, shapes", DIFFERENTIATED, ids=[c[0].case_id(c[1]) for c in DIFFERENTIATED]
)
def test_derivatives_when_every_value_counts_as_large(row, shapes, monkeypatch):
    """Large values are dropped as soon as no rule reads them: reverse mode keeps only the
    values a primitive's ``reads`` declares, and a deferred tangent only the arguments its jvp
    rules load (and its output if ``reads`` names it). With every value counted as large,
    each declaration is put to the test: the derivatives must not change."""
    monkeypatch.setattr(graph, "KEEP_BELOW", 0)
    args = row.args(np.random.default_rng(0), shapes, np.float64)
    check_grads(row.fn, args, order=row.order, modes=row.modes, atol=row.tol, rtol=row.tol)


@pytest.mark.parametrize(
    "row, shapes",
    [c for c in CASES if c[0].complex],
    ids=[i for c, i in zip(CASES, IDS, strict=True) if c[0].complex],
)
def test_derivatives_complex(row, shapes):
    args = row.args(np.random.default_rng(1), shapes, np.complex128)
    out, _ = fad.jvp(row.fn, args, tuple(np.zeros_like(a) for a in args))
    _assert_leaves_close(out, row.fn(*args))
    check_grads(row.fn, args, order=min(row.order, 2), modes=row.modes, atol=row.tol, rtol=row.tol)


SINGLE = [c for c in CASES if "float32" in c[0].dtypes and c[0].order]
# the rows whose float32 data NumPy computes in float64
PROMOTED = {"polyder", "polyint", "vander", "vander[increasing]", "geomspace", "bincount"}
PROMOTED |= {f"{name}.at" for name in ("bitwise_and", "bitwise_or", "bitwise_xor", "invert")}


@pytest.mark.parametrize("row, shapes", SINGLE, ids=[c[0].case_id(c[1]) for c in SINGLE])
def test_float32_stays_float32(row, shapes):
    args = row.args(np.random.default_rng(2), shapes, np.float32)
    out, pullback = fad.vjp(row.fn, *args)
    cotangent = fad.tree_map(lambda y: np.ones(np.shape(y), np.result_type(y)), out)
    for bar in pullback(cotangent):
        assert np.result_type(bar) == np.float32, (row.name, np.result_type(bar))
    _, tangent = fad.jvp(row.fn, args, tuple(np.ones_like(a) for a in args))
    # a tangent has its output's dtype, NumPy's: float32, or float64 where NumPy computes
    # float32 data in float64 (np.vander's integer powers, np.geomspace, x + an int array)
    for leaf, y in zip(fad.tree_leaves(tangent), fad.tree_leaves(row.fn(*args)), strict=True):
        expected = np.result_type(y)
        assert np.result_type(leaf) == expected, (row.name, np.result_type(leaf), expected)
        assert expected in (np.float32, np.complex64) or row.name in PROMOTED, row.name
