"""Taylor mode: jet and derivative against nested forward mode, sympy, JAX's jet and the op
table, composed with the other transforms, and their errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy

import functional_ad as fad
from functional_ad.core import Primitive
from functional_ad.transforms.taylor import JetTrace
from tests.op_table import ROWS

X = sympy.Symbol("x", real=True)


def path_derivatives(f, primals, series):
    """The derivatives of ``t -> f(x(t))`` at 0, ``x(t) = x + sum_k x_k t**k / k!``, by
    nested forward mode in the scalar ``t`` (the reference)."""
    order = len(series[0])

    def on_path(t):
        args = [
            x + sum(c * t**k / math.factorial(k) for k, c in enumerate(terms, start=1))
            for x, terms in zip(primals, series, strict=True)
        ]
        return f(*args)

    def derivatives(k, t):
        if k == 0:
            return [on_path(t)]
        values, tangents = fad.jvp(lambda s: derivatives(k - 1, s), (t,), (1.0,))
        return [*values, tangents[-1]]

    return derivatives(order, np.float64(0.0))[1:]


def assert_series_close(got, want, rtol=1e-9, atol=1e-9):
    assert len(got) == len(want)
    for k, (g, w) in enumerate(zip(got, want, strict=True), start=1):
        np.testing.assert_allclose(g, w, rtol=rtol, atol=atol, err_msg=f"coefficient {k}")


# ---------------------------------------------------------------- conventions


def test_jet_follows_jax_convention_derivatives_along_the_path():
    # x(t) = 0.5 + t + 2 t**2/2 + 3 t**3/6: y1 = cos x, y2 = -sin x + 2 cos x,
    # y3 = -cos x - 3 * 2 sin x + 3 cos x (Faà di Bruno)
    x = 0.5
    y, (y1, y2, y3) = fad.jet(np.sin, (x,), ([1.0, 2.0, 3.0],))
    s, c = np.sin(x), np.cos(x)
    assert np.isclose(y, s)
    np.testing.assert_allclose([y1, y2, y3], [c, -s + 2 * c, -c - 6 * s + 3 * c], rtol=1e-14)


def test_jet_of_two_arguments_and_a_tree_output():
    def f(a, b):
        return {"p": a * b, "q": (np.exp(a), b)}

    a, b = np.array([0.5, 1.0]), np.array([2.0, -1.0])
    series = ([np.ones(2), np.zeros(2)], [np.array([1.0, 3.0]), np.array([0.5, 0.0])])
    out, terms = fad.jet(f, (a, b), series)
    assert set(out) == {"p", "q"} and set(terms) == {"p", "q"}
    np.testing.assert_allclose(out["p"], a * b)
    for leaf in (terms["p"], terms["q"][0], terms["q"][1]):
        assert isinstance(leaf, list) and len(leaf) == 2
    assert_series_close(terms["p"], path_derivatives(lambda a, b: a * b, (a, b), series))
    assert_series_close(terms["q"][0], path_derivatives(np.exp, (a,), series[:1]))
    assert_series_close(terms["q"][1], series[1])


def test_zero_coefficients_and_constant_outputs():
    x = np.array([0.3, 0.7])
    y, terms = fad.jet(lambda x: np.sin(x) + 1.0, (x,), ([fad.Zero((2,), np.float64)] * 3,))
    np.testing.assert_allclose(y, np.sin(x) + 1)
    for t in terms:
        np.testing.assert_array_equal(t, np.zeros(2))
    _, terms = fad.jet(lambda x: np.array([1.0, 2.0]), (x,), ([x, x],))
    for t in terms:
        np.testing.assert_array_equal(t, np.zeros(2))


def test_float32_stays_float32():
    x = np.array([0.3, 0.7], np.float32)
    _, terms = fad.jet(lambda x: np.tanh(x) * np.exp(x) + np.arcsinh(x), (x,), ([x, x, x],))
    assert all(t.dtype == np.float32 for t in terms)
    assert fad.derivative(np.sin, 3)(np.float32(0.5)).dtype == np.float32


def test_order_zero():
    assert fad.derivative(np.sin, 0)(0.5) == np.sin(0.5)
    y, terms = fad.jet(np.sin, (0.5,), ([],))
    assert np.isclose(y, np.sin(0.5)) and terms == []


# ---------------------------------------------------------------- closed forms (sympy)

ELEMENTARY = [
    ("tanh", np.tanh, sympy.tanh(X), (-1.5, 1.5)),
    ("exp(sin)", lambda x: np.exp(np.sin(x)), sympy.exp(sympy.sin(X)), (-2.0, 2.0)),
    ("cos*sinh", lambda x: np.cos(x) * np.sinh(x), sympy.cos(X) * sympy.sinh(X), (-2.0, 2.0)),
    ("cosh/tan", lambda x: np.cosh(x) / np.tan(x), sympy.cosh(X) / sympy.tan(X), (0.3, 1.2)),
    ("log(1+x^2)", lambda x: np.log(1 + x**2), sympy.log(1 + X**2), (-2.0, 2.0)),
    ("log1p", np.log1p, sympy.log(1 + X), (-0.5, 2.0)),
    ("expm1", np.expm1, sympy.exp(X) - 1, (-2.0, 2.0)),
    ("sqrt", np.sqrt, sympy.sqrt(X), (0.2, 3.0)),
    ("reciprocal", np.reciprocal, 1 / X, (0.2, 3.0)),
    ("1/(x^2+1)", lambda x: 1 / (x * x + 1), 1 / (X * X + 1), (-2.0, 2.0)),
    ("x^5", lambda x: x**5, X**5, (-2.0, 2.0)),
    ("x^-2", lambda x: x**-2, X**-2, (0.5, 2.0)),
    ("x^2.5", lambda x: x**2.5, X**2.5, (0.5, 2.0)),
    ("square", np.square, X**2, (-2.0, 2.0)),
    ("arctan", np.arctan, sympy.atan(X), (-2.0, 2.0)),
    ("abs(sin), sin > 0", lambda x: np.abs(np.sin(x)), sympy.sin(X), (0.2, 3.0)),
    ("abs(sin), sin < 0", lambda x: np.abs(np.sin(x)), -sympy.sin(X), (3.3, 6.0)),
    ("maximum", lambda x: np.maximum(x**3, 0.1), X**3, (0.6, 2.0)),
    ("minimum", lambda x: np.minimum(x**3, 0.1), sympy.Integer(0) * X + 0.1, (0.6, 2.0)),
    ("arcsinh", np.arcsinh, sympy.asinh(X), (-2.0, 2.0)),
    ("arctanh", np.arctanh, sympy.atanh(X), (-0.8, 0.8)),
    ("exp2", np.exp2, 2**X, (-2.0, 2.0)),
    ("log2", np.log2, sympy.log(X, 2), (0.2, 3.0)),
    ("log10", np.log10, sympy.log(X, 10), (0.2, 3.0)),
    ("arccos (generic rule)", np.arccos, sympy.acos(X), (-0.8, 0.8)),
    ("cbrt (generic rule)", np.cbrt, sympy.cbrt(X), (0.2, 3.0)),
]


@pytest.mark.parametrize("name, f, expr, domain", ELEMENTARY, ids=[e[0] for e in ELEMENTARY])
def test_derivatives_against_sympy(name, f, expr, domain):
    order = 5
    points = np.random.default_rng(0).uniform(*domain, size=4)
    exact = [sympy.lambdify(X, sympy.diff(expr, X, k), "numpy") for k in range(order + 1)]
    for x in points:
        for k in range(order + 1):
            np.testing.assert_allclose(
                fad.derivative(f, k)(x), exact[k](x), rtol=1e-9, atol=1e-9, err_msg=f"order {k}"
            )


def test_tanh_fourth_derivative_closed_form():
    x = np.float64(0.3)
    t = np.tanh(x)
    s = 1.0 - t * t
    assert np.isclose(fad.derivative(np.tanh, order=4)(x), 16 * t * s * s - 8 * t**3 * s)


def test_special_functions_against_sympy():
    from functional_ad.scipy import special

    cases = [
        (special.erf, sympy.erf(X)),
        (special.erfc, sympy.erfc(X)),
        (special.ndtr, (1 + sympy.erf(X / sympy.sqrt(2))) / 2),
        (special.expit, 1 / (1 + sympy.exp(-X))),
    ]
    for f, expr in cases:
        for x in (-1.3, 0.0, 0.4):
            for k in range(6):
                exact = float(sympy.diff(expr, X, k).subs(X, x))
                assert np.isclose(fad.derivative(f, k)(x), exact, rtol=1e-10, atol=1e-12)


def test_integer_power_exact_at_zero():
    # x**3 at 0: 0, 0, 6, 0 (repeated products, not the x**(p-1) recurrence)
    _, terms = fad.jet(lambda x: x**3, (0.0,), ([1.0, 0.0, 0.0, 0.0],))
    np.testing.assert_array_equal(terms, [0.0, 0.0, 6.0, 0.0])
    assert fad.derivative(lambda x: x**0, 2)(0.0) == 0.0


def test_fractional_power_at_zero_takes_the_generic_rule():
    # d2/dx2 x**2.5 = 3.75 x**0.5 is 0 at 0 and the third derivative is inf: no 0/0
    assert fad.derivative(lambda x: x**2.5, 2)(0.0) == 0.0
    with np.errstate(divide="ignore"):
        assert fad.derivative(lambda x: x**2.5, 3)(0.0) == np.inf
    x = np.array([0.7, 1.3])
    series = ([np.ones(2), 0.5 * np.ones(2), np.zeros(2)],)
    _, got = fad.jet(lambda x: x**-1.5, (x,), series)
    assert_series_close(got, path_derivatives(lambda x: x**-1.5, (x,), series), rtol=1e-12)


# ---------------------------------------------------------------- the op table

SMOOTH_ROWS = [
    (row, row.arg_shapes()[min(1, len(row.arg_shapes()) - 1)])
    for row in ROWS
    if row.order >= 1 and "fwd" in row.modes and "float64" in row.dtypes
]


@pytest.mark.parametrize(
    "row, shapes", SMOOTH_ROWS, ids=[row.case_id(shapes) for row, shapes in SMOOTH_ROWS]
)
def test_op_table_jet_matches_nested_forward_mode(row, shapes):
    """Every differentiable row, to its order: jet along a curved path (first and second
    coefficients set) equals nested jvp in the path's parameter."""
    check_row(row, shapes, np.float64)


COMPLEX_ROWS = [(row, shapes) for row, shapes in SMOOTH_ROWS if row.complex]


@pytest.mark.parametrize(
    "row, shapes", COMPLEX_ROWS, ids=[row.case_id(shapes) for row, shapes in COMPLEX_ROWS]
)
def test_op_table_jet_matches_nested_forward_mode_complex(row, shapes):
    """The same for the rows with complex inputs, along complex directions."""
    check_row(row, shapes, np.complex128)


def check_row(row, shapes, dtype):
    rng = np.random.default_rng(abs(hash(row.case_id(shapes))) % 2**32)
    args = row.args(rng, shapes, dtype)
    moving = [i for i, a in enumerate(args) if np.asarray(a).dtype.kind in "fc"]
    if not moving:
        pytest.skip("no float argument")
    order = max(row.order, 2)

    def f(*moved):
        full = list(args)
        for i, m in zip(moving, moved, strict=True):
            full[i] = m
        return row.fn(*full)

    def direction(p):
        d = rng.standard_normal(np.shape(p))
        if np.asarray(p).dtype.kind == "c":
            d = d + 1j * rng.standard_normal(np.shape(p))
        return (0.1 * (row.domain[1] - row.domain[0]) * d).astype(np.asarray(p).dtype)

    primals = tuple(args[i] for i in moving)
    series = tuple([d, 0.5 * d] + [0.0 * d] * (order - 2) for d in (direction(p) for p in primals))
    want = path_derivatives(f, primals, series)
    _, got = fad.jet(f, primals, series)
    # jet gives each output leaf a list of coefficients: flattened, leaf-major
    got_flat = fad.tree_leaves(got)
    n_leaves = len(fad.tree_leaves(f(*primals)))
    assert len(got_flat) == n_leaves * order
    tol = row.tol if row.tol is not None else 1e-7
    for k in range(order):
        for i, w in enumerate(fad.tree_leaves(want[k])):
            np.testing.assert_allclose(
                got_flat[i * order + k], w, rtol=tol, atol=tol, err_msg=f"order {k + 1}"
            )


# ---------------------------------------------------------------- JAX's jet

JAX_CASES = [
    ("tanh", np.tanh, "tanh"),
    ("exp*sin", lambda x: np.exp(x) * np.sin(x), lambda jnp: lambda x: jnp.exp(x) * jnp.sin(x)),
    ("log/sqrt", lambda x: np.log(x) / np.sqrt(x), lambda jnp: lambda x: jnp.log(x) / jnp.sqrt(x)),
    ("cosh-x^3", lambda x: np.cosh(x) - x**3, lambda jnp: lambda x: jnp.cosh(x) - x**3),
    ("sum(x@x)", lambda x: np.sum(x[:, None] * x), lambda jnp: lambda x: jnp.sum(x[:, None] * x)),
]


@pytest.mark.parametrize("name, f, g", JAX_CASES, ids=[c[0] for c in JAX_CASES])
def test_against_jax_jet(name, f, g):
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    from jax.experimental.jet import jet as jax_jet

    fn = getattr(jnp, g) if isinstance(g, str) else g(jnp)
    rng = np.random.default_rng(1)
    x = rng.uniform(0.5, 1.5, size=3)
    series = ([rng.standard_normal(3) for _ in range(4)],)
    y, terms = fad.jet(f, (x,), series)
    y_jax, terms_jax = jax_jet(fn, (jnp.asarray(x),), ([jnp.asarray(c) for c in series[0]],))
    np.testing.assert_allclose(y, np.asarray(y_jax), rtol=1e-12)
    assert_series_close(terms, [np.asarray(t) for t in terms_jax], rtol=1e-9, atol=1e-9)


# ---------------------------------------------------------------- composition


def nested_directional(f, x, v, k):
    g = f
    for _ in range(k):
        g = (lambda h: lambda x: fad.jvp(h, (x,), (v,))[1])(g)
    return g(x)


def objective(x):
    return np.sum(np.tanh(x) * np.exp(x) / (1 + x**2))


POINT = np.array([0.3, -0.2, 0.5])
DIRECTION = np.array([1.0, 0.5, -1.0])


@pytest.mark.parametrize("k", [1, 2, 3, 4])
def test_directional_derivative_equals_nested_jvp(k):
    got = fad.derivative(objective, k)(POINT, DIRECTION)
    assert np.isclose(got, nested_directional(objective, POINT, DIRECTION, k), rtol=1e-12)


def test_grad_of_derivative_and_derivative_of_grad():
    got = fad.grad(lambda x: fad.derivative(objective, 3)(x, DIRECTION))(POINT)
    want = fad.grad(lambda x: nested_directional(objective, x, DIRECTION, 3))(POINT)
    np.testing.assert_allclose(got, want, rtol=1e-10)
    got = fad.derivative(fad.grad(objective), 2)(POINT, DIRECTION)
    want = nested_directional(fad.grad(objective), POINT, DIRECTION, 2)
    np.testing.assert_allclose(got, want, rtol=1e-10)


def test_jet_with_vmap_both_ways():
    d4 = fad.derivative(np.tanh, 4)
    xs = np.array([0.3, -0.2, 0.5])
    np.testing.assert_allclose(fad.vmap(d4)(xs), [d4(x) for x in xs], rtol=1e-13)
    mapped = fad.vmap(lambda r: np.sin(r) * r)
    got = fad.derivative(mapped, 3)(xs, DIRECTION)
    want = nested_directional(lambda x: np.sin(x) * x, xs, DIRECTION, 3)
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_jet_with_compile_both_ways():
    d4 = fad.derivative(np.tanh, 4)
    compiled = fad.compile(d4)
    for x in (0.3, 0.7, -1.1):
        assert np.isclose(compiled(np.float64(x)), d4(x), rtol=1e-13)
        assert np.isclose(fad.derivative(fad.compile(np.tanh), 4)(x), d4(x), rtol=1e-13)


def test_jet_with_jvp_and_jet_both_ways():
    d4 = fad.derivative(np.tanh, 4)
    d5 = fad.derivative(np.tanh, 5)(0.7)
    assert np.isclose(fad.jvp(d4, (0.7,), (1.0,))[1], d5, rtol=1e-12)
    assert np.isclose(
        fad.derivative(lambda x: fad.jvp(np.tanh, (x,), (1.0,))[1], 4)(0.7), d5, rtol=1e-12
    )
    assert np.isclose(fad.derivative(fad.derivative(np.sin, 2), 2)(0.7), np.sin(0.7))


def test_no_perturbation_confusion():
    # d/dx [x * d/dy (x + y)] = 1, and the same with the inner derivative of order 2 of x y**2
    inner = lambda x: fad.derivative(lambda y: x + y, 1)(1.0)
    assert fad.derivative(lambda x: x * inner(x), 1)(2.0) == 1.0
    inner2 = lambda x: fad.derivative(lambda y: x * y**2, 2)(1.0)  # 2x
    assert np.isclose(fad.derivative(lambda x: x * inner2(x), 2)(3.0), 4.0)


def test_views_and_writes_inside_jet():
    def f(x):
        z = np.zeros(3) + 0 * x[0]
        z[1:] = np.sin(x[:2])
        z[0] = z[2] * x[2]
        return z

    x = np.array([0.3, 0.6, 0.9])
    series = ([np.ones(3), np.zeros(3), np.zeros(3)],)
    _, got = fad.jet(f, (x,), series)
    assert_series_close(got, path_derivatives(f, (x,), series))


# ---------------------------------------------------------------- the generic rule


def test_primitive_without_jet_rule_uses_nested_forward_mode():
    cube = Primitive(
        "test_cube",
        lambda x: x**3,
        jvp=lambda t, y, x: 3 * x * x * t,
        vjp=lambda g, y, x: 3 * x * x * g,
    )
    assert cube.jet is None
    x = np.array([0.5, -2.0])
    series = ([np.array([1.0, 2.0]), np.array([0.5, 0.0]), np.array([1.0, -1.0])],)
    _, got = fad.jet(cube, (x,), series)
    assert_series_close(got, path_derivatives(lambda x: x**3, (x,), series), rtol=1e-12)


def test_primitive_with_no_derivative_rule_names_itself():
    opaque = Primitive("test_opaque", np.sin, vjp=lambda g, y, x: g * np.cos(x))
    with pytest.raises(NotImplementedError, match="test_opaque"):
        fad.jet(opaque, (0.5,), ([1.0, 0.0],))


def test_complex_abs_goes_to_the_generic_rule():
    z = np.array([1.0 + 2.0j, -0.5 + 0.3j])
    series = ([np.array([1.0 + 0.0j, 0.5j]), np.array([0.2j, 1.0 + 0.0j])],)
    _, got = fad.jet(np.abs, (z,), series)
    assert_series_close(got, path_derivatives(np.abs, (z,), series), rtol=1e-12)
    _, got = fad.jet(np.exp, (z,), series)
    assert_series_close(got, path_derivatives(np.exp, (z,), series), rtol=1e-12)


def test_a_jet_rule_returning_the_wrong_number_of_coefficients_raises():
    bad = Primitive(
        "test_bad_jet",
        np.sin,
        jvp=lambda t, y, x: np.cos(x) * t,
        jet=lambda prim, series, y, x: [None],
    )
    with pytest.raises(TypeError, match="'test_bad_jet' returned 1 coefficients for order 2"):
        fad.jet(bad, (0.5,), ([1.0, 0.0],))


def test_trace_class_is_named_for_errors():
    leaked = []

    def f(x):
        leaked.append(x)
        return x

    fad.derivative(f, 2)(0.5)
    assert isinstance(leaked[0]._trace, JetTrace)
    with pytest.raises(fad.TracerLeakError, match="derivative"):
        np.sin(leaked[0])


# ---------------------------------------------------------------- errors


def test_derivative_errors():
    with pytest.raises(ValueError, match="order must be a non-negative int"):
        fad.derivative(np.sin, -1)
    with pytest.raises(ValueError, match="order must be a non-negative int"):
        fad.derivative(np.sin, 1.5)
    with pytest.raises(ValueError, match=r"pass a direction v shaped like x"):
        fad.derivative(np.sin, 2)(np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match="direction v has shape"):
        fad.derivative(np.sin, 2)(np.array([1.0, 2.0]), np.array([1.0]))
    with pytest.raises(TypeError, match="only float and complex inputs"):
        fad.derivative(np.sin, 2)(np.array(1))
    with pytest.raises(TypeError, match="close over"):
        fad.derivative(np.sin, 2)((1.0, 2.0))


def test_jet_errors():
    with pytest.raises(ValueError, match="same number of series terms"):
        fad.jet(lambda x, y: x * y, (1.0, 2.0), ([1.0], [1.0, 2.0]))
    with pytest.raises(TypeError, match="as tuples"):
        fad.jet(np.sin, 1.0, ([1.0],))
    with pytest.raises(TypeError, match="must be a list of coefficients"):
        fad.jet(np.sin, (1.0,), (1.0,))
    with pytest.raises(ValueError, match="one list of coefficients per primal"):
        fad.jet(np.sin, (1.0,), ([1.0], [1.0]))
    with pytest.raises(ValueError, match="series coefficient 1 has shape"):
        fad.jet(np.sin, (np.ones(2),), ([np.ones(3)],))
    with pytest.raises(TypeError, match="container"):
        fad.jet(lambda t: t[0], ((1.0, 2.0),), ([1.0],))


def test_names_and_kwargs():
    def f(x, scale=1.0):
        return scale * np.sin(x)

    d3 = fad.derivative(f, 3)
    assert d3.__name__ == "derivative_of_f"
    assert np.isclose(d3(0.5, scale=2.0), -2 * np.cos(0.5))
    assert np.isclose(d3(0.5, 1.0, scale=2.0), -2 * np.cos(0.5))


def test_the_common_primitives_have_jet_rules():
    import functional_ad.scipy.special  # noqa: F401  (registers the special functions)
    from functional_ad.ops.registry import PRIMITIVES

    expected = [
        "add",
        "sub",
        "mul",
        "div",
        "neg",
        "exp",
        "exp2",
        "expm1",
        "log",
        "log2",
        "log10",
        "log1p",
        "sin",
        "cos",
        "tan",
        "sinh",
        "cosh",
        "tanh",
        "arcsinh",
        "arctanh",
        "arctan",
        "sqrt",
        "square",
        "reciprocal",
        "pow",
        "abs",
        "maximum",
        "minimum",
        "where",
        "sum",
        "max",
        "min",
        "cumsum",
        "reshape",
        "transpose",
        "broadcast_to",
        "concatenate",
        "getitem",
        "matmul",
        "einsum",
        "special.erf",
        "special.erfc",
        "special.ndtr",
        "special.expit",
    ]
    assert [name for name in expected if PRIMITIVES[name].jet is None] == []


def test_against_central_differences():
    from functional_ad.testing import check_grads

    def f(x):
        return np.sum(x**2.5 * np.arcsinh(x) + np.log10(x) * np.cos(x))

    x, v, h = np.array([0.7, 1.2]), np.array([1.0, -0.5]), 1e-4
    first = (f(x + h * v) - f(x - h * v)) / (2 * h)
    second = (f(x + h * v) - 2 * f(x) + f(x - h * v)) / h**2
    assert np.isclose(fad.derivative(f, 1)(x, v), first, rtol=1e-7)
    assert np.isclose(fad.derivative(f, 2)(x, v), second, rtol=1e-5)
    # the third derivative along v, itself differentiated in x to second order
    check_grads(lambda x: fad.derivative(f, 3)(x, v), (x,), order=2)
