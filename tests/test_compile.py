"""compile: replay equals the function, simplification, soundness, composition, caching."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import functional_ad as fad
from functional_ad.transforms import fused
from functional_ad.transforms.compiler import Compiled
from tests.op_table import ROWS

CASES = [(row, shapes) for row in ROWS for shapes in row.arg_shapes()]
# the NumPy replay, and each fused backend installed (pip install "functional_ad[fast]")
BACKENDS = ["numpy"] + [b for b in ("numexpr", "numba") if fused.engine_available(b)]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("row, shapes", CASES, ids=[r.case_id(s) for r, s in CASES])
def test_compiled_equals_the_function_over_the_op_table(row, shapes, backend):
    rng = np.random.default_rng(3)
    args = row.args(rng, shapes, np.float64)
    compiled = fad.compile(row.fn, backend=backend)
    try:
        first = compiled(*args)
    except TypeError as error:  # indices read from values that no primitive can carry
        assert "data-dependent shape" in row.tags and "static_argnums" in str(error)
        return
    again = row.args(rng, shapes, np.float64)  # new values, same signature: no re-recording
    for got, want in [(first, row.fn(*args)), (compiled(*again), row.fn(*again))]:
        for g, w in zip(fad.tree_leaves(got), fad.tree_leaves(want), strict=True):
            np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-12)
    assert len(compiled.programs) == 1


def _chain(x):
    for _ in range(5):
        x = np.sin(x) * 1.5 + 0.25
    return np.sum(np.tanh(x))


X = np.array([0.1, -0.4, 0.9])


def test_compile_of_transforms_and_transforms_of_compile():
    grad = fad.grad(_chain)
    np.testing.assert_allclose(fad.compile(grad)(X), grad(X))
    np.testing.assert_allclose(fad.grad(fad.compile(_chain))(X), grad(X))
    np.testing.assert_allclose(fad.compile(fad.hessian(_chain))(X), fad.hessian(_chain)(X))
    np.testing.assert_allclose(fad.hessian(fad.compile(_chain))(X), fad.hessian(_chain)(X))
    batch = np.stack([X, 2 * X, -X])
    expected = np.array([_chain(x) for x in batch])
    np.testing.assert_allclose(fad.vmap(fad.compile(_chain))(batch), expected)
    np.testing.assert_allclose(fad.compile(fad.vmap(_chain))(batch), expected)
    _, tangent = fad.jvp(fad.compile(_chain), (X,), (np.ones(3),))
    np.testing.assert_allclose(tangent, grad(X).sum())


def test_nested_grad_compiles_to_straight_line_code():
    fourth = fad.grad(fad.grad(fad.grad(fad.grad(np.tanh))))
    compiled = fad.compile(fourth)
    np.testing.assert_allclose(compiled(0.3), fourth(0.3))
    np.testing.assert_allclose(compiled(-1.2), fourth(-1.2))
    assert "def run(a0):" in compiled.source
    assert all(node.primitive.name != "tuple_item" for node in compiled.graph.nodes)


def test_python_control_flow_on_traced_values_raises():
    def branchy(x):
        return x if x[0] > 0 else -x

    with pytest.raises(TypeError, match="static_argnums") as info:
        fad.compile(branchy)(X)
    assert "np.where" in str(info.value)

    def looping(x):
        while np.sum(x) < 10:
            x = x * 2
        return x

    with pytest.raises(TypeError, match="static_argnums"):
        fad.compile(looping)(X)
    with pytest.raises(TypeError, match="static_argnums"):
        fad.compile(lambda x: x[0] if np.argmax(x) == 0 else x[1])(X)


def test_indices_computed_from_values_are_recorded():
    compiled = fad.compile(lambda x: x[np.argmax(x)] * np.sort(x))
    for x in (X, X[::-1].copy(), -X):
        np.testing.assert_allclose(compiled(x), np.max(x) * np.sort(x))
    assert len(compiled.programs) == 1


def test_where_is_recorded_not_baked_in():
    compiled = fad.compile(lambda x: np.where(x > 0, x, -2 * x))
    np.testing.assert_allclose(compiled(X), np.where(X > 0, X, -2 * X))
    np.testing.assert_allclose(compiled(-X), np.where(-X > 0, -X, 2 * X))


def test_static_argnums_key_the_cache():
    def power_loop(x, n):
        for _ in range(n):
            x = x * x
        return x

    compiled = fad.compile(power_loop, static_argnums=1)
    np.testing.assert_allclose(compiled(X, 2), X**4)
    np.testing.assert_allclose(compiled(X, 3), X**8)
    np.testing.assert_allclose(compiled(2 * X, 2), (2 * X) ** 4)
    assert len(compiled.programs) == 2
    compiled(X.astype(np.float32), 2)
    assert len(compiled.programs) == 3
    with pytest.raises(TypeError, match="hashable"):
        compiled(X, [2])


def test_simplification():
    def wasteful(x):
        a = np.sin(x) + 0.0
        b = np.sin(x) * 1.0  # the same value again
        unused = np.exp(x)  # noqa: F841  (dead code)
        c = np.reshape(np.reshape(a + b, (3, 1)), (1, 3))
        d = np.transpose(np.transpose(c))
        e = np.cos(np.array([0.0, 1.0])).sum()  # constant: folded
        return d * e

    compiled = fad.compile(wasteful)
    np.testing.assert_allclose(compiled(X), wasteful(X))
    names = [node.primitive.name for node in compiled.graph.nodes]
    assert names.count("sin") == 1
    assert "exp" not in names and "cos" not in names and "transpose" not in names
    assert names.count("reshape") == 1


def test_work_independent_of_the_inputs_is_recorded():
    calls = []

    def f(x):
        calls.append(1)
        y = np.zeros_like(x)
        y[0] = 1.0
        return x + y

    compiled = fad.compile(f)
    np.testing.assert_allclose(compiled(X), X + np.array([1.0, 0, 0]))
    np.testing.assert_allclose(compiled(2 * X), 2 * X + np.array([1.0, 0, 0]))
    assert len(calls) == 1  # the second call ran the generated code, not f


# ----------------------------------------------------------------------------- property

SMOOTH = [row for row in ROWS if row.order and row.sample is None and not row.tags]
_COMPILED: dict[str, Compiled] = {}


@settings(max_examples=40, deadline=None)
@given(row=st.sampled_from(SMOOTH), seed=st.integers(0, 2**32 - 1))
def test_compiled_equals_the_function_on_drawn_inputs(row, seed):
    """compile(f)(x) == f(x), replaying programs recorded on earlier draws where shapes match."""
    rng = np.random.default_rng(seed)
    shapes = row.arg_shapes()[seed % len(row.arg_shapes())]
    args = row.args(rng, shapes, np.float64)
    compiled = _COMPILED.setdefault(row.name, fad.compile(row.fn))
    for got, want in zip(
        fad.tree_leaves(compiled(*args)), fad.tree_leaves(row.fn(*args)), strict=True
    ):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
