"""Every primitive is complete when declared: impl, rules, batch rule, reads, family."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

import functional_ad
import functional_ad as fad
import functional_ad.scipy
import functional_ad.scipy.stats
from functional_ad.core import Primitive, zero_derivative
from functional_ad.numpy import dispatch
from functional_ad.ops.batching import batch_by_loop, batch_elementwise
from functional_ad.ops.constants import CONSTANTS
from functional_ad.ops.registry import PRIMITIVES

dispatch.register_scipy()

# every primitive batched by a loop over the examples, and why
LOOPED = {
    "nonzero": "output shape depends on the values",
    "flatnonzero": "output shape depends on the values",
    "argwhere": "output shape depends on the values",
    "unique": "output shape depends on the values",
    "searchsorted": "one sorted array per call",
    "lexsort": "sorts each example's keys together",
    "isin": "tests against the whole of test_elements",
    "unravel_index": "several results, one call per example",
    "ravel_multi_index": "one call per example over its coordinate arrays",
    "allclose": "reduces the whole array",
    "array_equal": "reduces the whole array",
    "array_equiv": "reduces the whole array",
    "count_nonzero": "axis=None reduces the whole array",
    "any": "axis=None reduces the whole array",
    "all": "axis=None reduces the whole array",
}
# primitives of any number of arguments: their vjp rules keep every value (reads=None)
VARIADIC = {"concatenate", "einsum"}

NAMES = sorted(PRIMITIVES)


def test_the_registry_holds_every_family():
    assert len(PRIMITIVES) > 200
    families = {p.family for p in PRIMITIVES.values()}
    assert {"elementwise", "special", "linalg", "reductions", "shape", "constants"} <= families


@pytest.mark.parametrize("name", NAMES)
def test_a_primitive_is_complete(name):
    prim = PRIMITIVES[name]
    assert prim.name == name
    assert callable(prim.impl)
    assert prim.family, f"{name}: no family"
    assert callable(prim.batch), f"{name}: no batch rule"
    if prim.batch is batch_by_loop:
        assert name in LOOPED, f"{name} is batched by a Python loop without a declared reason"
    if not prim.differentiable:
        assert prim.reads is None
        return
    if prim.jvp_joint is None:
        assert prim.jvp is not None and all(r is not None for r in prim.jvp), name
    if prim.vjp_joint is None:
        assert prim.vjp is not None and all(r is not None for r in prim.vjp), name
    if name in VARIADIC:
        assert prim.reads is None
        return
    assert prim.reads is not None, f"{name}: reads not declared"
    rules = prim.vjp if prim.vjp is not None else prim.jvp
    if rules is not None:
        assert len(prim.reads) == len(rules), name
    for reads in prim.reads:
        assert all(isinstance(i, int) and i >= -1 for i in reads), (name, reads)


def test_the_loop_allow_list_holds_only_looped_primitives():
    looped = {name for name, p in PRIMITIVES.items() if p.batch is batch_by_loop}
    assert looped == set(LOOPED)


@pytest.mark.parametrize("name", sorted(LOOPED))
def test_looped_constants_map_like_a_loop(name):
    rng = np.random.default_rng(0)
    x = np.round(rng.standard_normal((3, 4)), 0)
    x[:, 0] = 0.0
    x[:, 1] = 1.0  # every row: a zero, a one, and two values that differ
    if name in ("nonzero", "flatnonzero", "argwhere", "unique"):
        x = np.tile(np.array([0.0, 1.0, 0.0, 2.0]), (3, 1))  # equal shapes per example
    fn = {
        "searchsorted": lambda row: np.searchsorted(np.sort(row), 0.5),
        "allclose": lambda row: np.allclose(row, 0.0),
        "array_equal": lambda row: np.array_equal(row, row),
        "array_equiv": lambda row: np.array_equiv(row, 1.0),
        "isin": lambda row: np.isin(row, [0.0, 2.0]),
        "unravel_index": lambda row: np.unravel_index(np.argmax(row), (2, 2)),
        "ravel_multi_index": lambda row: np.ravel_multi_index(
            (np.argmax(row) % 2, np.argmin(row) % 2), (2, 2)
        ),
    }.get(name, getattr(np, name))
    got = fad.vmap(fn)(x)
    want = [fn(row) for row in x]
    if isinstance(want[0], tuple):
        for g, w in zip(got, zip(*want, strict=True), strict=True):
            np.testing.assert_array_equal(g, np.stack(w))
    else:
        np.testing.assert_array_equal(got, np.stack(want))
    assert CONSTANTS[name].batch is batch_by_loop


def test_a_looped_primitive_with_value_dependent_shapes_raises():
    x = np.array([[0.0, 1.0], [1.0, 1.0]])
    with pytest.raises(ValueError, match="flatnonzero gives results of different shapes"):
        fad.vmap(np.flatnonzero)(x)


# ----------------------------------------------------------------------------- declaration


def _square(**kwargs):
    return Primitive(
        "toy_square",
        np.square,
        jvp=lambda t, y, x: 2 * x * t,
        vjp=lambda g, y, x: 2 * x * g,
        **kwargs,
    )


def test_a_wrong_number_of_rules_raises():
    with pytest.raises(TypeError, match="2 jvp rules but 1 vjp"):
        Primitive("toy", np.add, jvp=(zero_derivative, zero_derivative), vjp=(zero_derivative,))


def test_a_wrong_number_of_reads_raises():
    with pytest.raises(TypeError, match="reads for 2 arguments but 1 rules"):
        _square(reads=((0,), (0,)))


@pytest.mark.parametrize(
    "attr, value",
    [
        ("jvp", (zero_derivative,)),
        ("vjp", (zero_derivative,)),
        ("batch", batch_elementwise),
        ("reads", ((),)),
        ("family", "elementwise"),
        ("elementwise", True),
        ("impl", np.abs),
    ],
)
def test_assigning_to_a_declared_primitive_raises(attr, value):
    prim = _square(reads=((0,),))
    with pytest.raises(
        TypeError, match=f"primitive 'toy_square' is complete when declared: its {attr}"
    ):
        setattr(prim, attr, value)


def test_assigning_to_a_registered_primitive_raises():
    with pytest.raises(TypeError, match="primitive 'sin' is complete when declared"):
        PRIMITIVES["sin"].batch = batch_by_loop


def test_a_primitive_without_batch_rule_raises_under_vmap():
    prim = _square(reads=((0,),))
    with pytest.raises(NotImplementedError, match="'toy_square' has no batch rule, and vmap"):
        fad.vmap(prim)(np.ones((2, 3)))
    batched = _square(reads=((0,),), batch=batch_elementwise)
    np.testing.assert_array_equal(fad.vmap(batched)(np.full((2, 3), 3.0)), np.full((2, 3), 9.0))


def test_a_missing_rule_raises_naming_primitive_mode_and_argument():
    half = Primitive(
        "toy_half",
        np.multiply,
        jvp=(lambda t, y, x, z: t * z, None),
        vjp=(lambda g, y, x, z: g * z, None),
        reads=((1,), ()),
    )
    assert fad.grad(lambda x: half(x, 2.0))(3.0) == 2.0
    with pytest.raises(
        NotImplementedError, match="no vjp rule for argument 1 of primitive 'toy_half'"
    ):
        fad.grad(lambda z: half(2.0, z))(3.0)
    with pytest.raises(
        NotImplementedError, match="no jvp rule for argument 1 of primitive 'toy_half'"
    ):
        fad.jvp(lambda z: half(2.0, z), (3.0,), (1.0,))


def test_declared_reads_free_what_no_rule_reads():
    """A large node keeps exactly the values its vjp rules declare (the others become
    stand-ins), and the gradient is still right."""
    from functional_ad import graph

    x = np.linspace(0.1, 1.0, 10_000)  # 80 kB: a large node
    with fad.core.new_trace(graph.GraphTrace, "vjp") as trace:
        t = trace.new_input(x)
        y = np.exp(t)  # exp's rule reads its output only
        node = y._node
    assert node.args[0].strides == (0,)  # the argument was dropped
    assert node.value is y._value  # the output was kept
    np.testing.assert_allclose(fad.grad(lambda v: np.sum(np.exp(v)))(x), np.exp(x))


# ----------------------------------------------------------------------------- layering

OPS = sorted((Path(functional_ad.__file__).parent / "ops").glob("*.py"))
ENGINE = {"core", "zeros", "tree"}  # what ops may import beside itself


def _imports(path: Path) -> list[tuple[int, str]]:
    """The modules a file imports, inside functions too, as (level, dotted name)."""
    out = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            out.append((node.level, node.module or ""))
        elif isinstance(node, ast.Import):
            out.extend((0, alias.name) for alias in node.names)
    return out


@pytest.mark.parametrize("path", OPS, ids=[p.stem for p in OPS])
def test_ops_imports_only_the_engine_and_itself(path):
    for level, module in _imports(path):
        if level == 1:
            continue  # a sibling in ops/
        if level == 2:
            assert module.split(".")[0] in ENGINE, f"{path.name} imports ..{module}"
        else:
            assert not module.startswith("functional_ad"), f"{path.name} imports {module}"


@pytest.mark.parametrize("path", OPS, ids=[p.stem for p in OPS])
def test_ops_holds_no_numpy_handlers_nor_hidden_mechanisms(path):
    names = {n.id for n in ast.walk(ast.parse(path.read_text())) if isinstance(n, ast.Name)}
    assert not names & {"NUMPY", "UFUNC_METHODS", "implements"}, path.name
    text = path.read_text()
    for hidden in ("_getframe", "import dis\n", "__code__"):
        assert hidden not in text, (path.name, hidden)


@pytest.mark.parametrize("name", ["add", "sub", "mul", "div"])
def test_scalar_arithmetic_by_the_operator_is_the_ufunc_s_bit_for_bit(name):
    # traces compute float64 scalar arithmetic with the Python operator (scalar_impl): every
    # value and type must be the ufunc's, and floating-point errors follow np.errstate
    prim = PRIMITIVES[name]
    values = [0.3, -0.0, 0.0, 1e308, -2.5, np.inf, -np.inf, np.nan, 5e-324]
    pairs = [(np.float64(a), b) for a in values for b in values]
    pairs += [(a, np.float64(b)) for a, b in pairs[::3]] + [
        (np.float64(a), np.float64(b)) for a, b in pairs[1::3]
    ]
    for a, b in pairs:
        with np.errstate(all="ignore"):
            want = prim.impl(a, b)
            got = prim.scalar_impl(a, b)
            primal, _ = fad.jvp(lambda x: prim(x, b), (a,), (np.float64(1.0),))
            value = fad.vjp(lambda x: prim(a, x), b)[0]
        for result in (got, primal, value):
            assert type(result) is np.float64, (a, b, type(result))
            assert np.array(result).tobytes() == np.array(want).tobytes(), (a, b, result, want)
    with np.errstate(divide="raise"), pytest.raises(FloatingPointError, match="divide by zero"):
        fad.grad(lambda x: x / 0.0)(np.float64(1.0))


def _rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def _rosenbrock_gradient(x):
    residual = x[1:] - x[:-1] ** 2
    gradient = np.zeros_like(x)
    gradient[:-1] = -400.0 * x[:-1] * residual - 2.0 * (1.0 - x[:-1])
    gradient[1:] += 200.0 * residual
    return gradient


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_cotangent_of_one_value_broadcast_stays_one_value_when_scaled(dtype):
    # the cotangent of a sum is one value broadcast: scaled by a constant (x ** 2, 100 * x,
    # 1 - x, -x) the rules keep it one value, and the gradient handed back is still an array
    # of the input's dtype that the caller owns and can write into
    x = np.linspace(-1.5, 2.0, 9).astype(dtype)
    cases = [
        (lambda x: np.sum(x**2), 2 * x),
        (lambda x: np.sum(100.0 * x), np.full_like(x, 100.0)),
        (lambda x: np.sum(x * 3), np.full_like(x, 3.0)),
        (lambda x: np.sum(1.0 - x), np.full_like(x, -1.0)),
        (lambda x: np.sum(-x), np.full_like(x, -1.0)),
        (lambda x: np.mean(x**2), (2 * x) / x.size),  # (rounded once more: 2 x / n)
    ]
    for f, expected in cases:
        g = fad.grad(f)(x)
        assert g.dtype == dtype and g.shape == x.shape
        np.testing.assert_allclose(g, expected, rtol=2 * np.finfo(dtype).eps, atol=0)
        assert g.flags.writeable and g.flags.owndata
        g[0] = 7.0  # (it is the caller's)
    x64 = x.astype(np.float64)
    np.testing.assert_allclose(fad.grad(_rosenbrock)(x64), _rosenbrock_gradient(x64), rtol=1e-14)
    # a second derivative through the same rules
    np.testing.assert_array_equal(fad.hessian(lambda x: np.sum(x**2))(x), 2 * np.eye(x.size))


def test_a_batch_of_tangents_through_a_division_matches_the_calculus():
    # under jacfwd the divisor's tangents are a batch and its values plain: the rule forms
    # -y / z from the values first (one product with the batch); nested, every operand is
    # traced and the rule keeps its general form
    x = np.array([1.0, -2.0, 3.0, 0.25])
    z = np.array([0.5, 4.0, -1.5, -8.0])
    np.testing.assert_allclose(fad.jacfwd(lambda z: x / z)(z), np.diag(-x / z**2), rtol=1e-15)
    np.testing.assert_allclose(fad.jacrev(lambda z: x / z)(z), np.diag(-x / z**2), rtol=1e-15)
    hessian = fad.hessian(lambda z: np.sum(x / z))(z)
    np.testing.assert_allclose(hessian, np.diag(2 * x / z**3), rtol=1e-14)
    mixed = fad.jacfwd(fad.grad(lambda x, z: np.sum(x / z), argnums=1))(x, z)
    np.testing.assert_allclose(mixed, np.diag(-1 / z**2), rtol=1e-15)
    # the softplus objective's Hessian (benchmark W5) against its closed form
    a = np.random.default_rng(0).standard_normal((6, 4))
    w = np.random.default_rng(1).standard_normal(4)
    hessian = fad.hessian(lambda w: np.sum(np.log(1.0 + np.exp(a @ w))) + 0.5 * np.sum(w * w))(w)
    s = 1.0 / (1.0 + np.exp(-(a @ w)))
    np.testing.assert_allclose(hessian, a.T @ ((s * (1 - s))[:, None] * a) + np.eye(4), rtol=1e-13)
