"""Return conventions of the public transforms: argnums, has_aux, pytrees, dtypes, names, zeros."""

import dataclasses
import math
from collections import namedtuple

import numpy as np
import pytest

import functional_ad as fad

RNG = np.random.default_rng(20240601)


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


def is_plain_value(value):
    """Return True when value is an ordinary NumPy/Python value, not an object of the library."""
    if isinstance(value, (np.ndarray, np.generic, int, float, complex, bool, str)):
        return True
    return value is None


def assert_plain_tree(tree):
    """Assert every leaf of tree is a plain NumPy/Python value (no tracer, no symbolic zero)."""
    leaves, _ = fad.tree_flatten(tree)
    for leaf in leaves:
        leaf_type = f"{type(leaf).__module__}.{type(leaf).__name__}"
        assert is_plain_value(leaf), f"leaf of type {leaf_type} leaked"


def assert_tree_allclose(actual, expected, **tolerances):
    """Assert both trees have the same structure and numerically close leaves."""
    actual_leaves, actual_def = fad.tree_flatten(actual)
    expected_leaves, expected_def = fad.tree_flatten(expected)
    assert actual_def == expected_def, f"tree {actual_def} != expected {expected_def}"
    for actual_leaf, expected_leaf in zip(actual_leaves, expected_leaves, strict=True):
        assert is_plain_value(actual_leaf)
        np.testing.assert_allclose(actual_leaf, expected_leaf, **tolerances)


def sum_sin(x):
    """Scalar test function: sum(sin(x)); its gradient is cos(x)."""
    return np.sum(np.sin(x))


def weighted(x, y, z):
    """Scalar function of three arguments: sum(x*y) + sum(z**2)."""
    return np.sum(x * y) + np.sum(z**2)


X3 = np.array([0.3, -1.2, 2.0])
Y3 = np.array([1.5, 0.25, -0.7])
Z2 = np.array([0.4, -2.0])


# ---------------------------------------------------------------------------
# grad / value_and_grad: argnums
# ---------------------------------------------------------------------------


def test_grad_default_argnum_is_first():
    grad_x = fad.grad(weighted)(X3, Y3, Z2)
    np.testing.assert_allclose(grad_x, Y3)
    assert isinstance(grad_x, np.ndarray)
    assert grad_x.shape == X3.shape


@pytest.mark.parametrize("argnum, expected", [(0, Y3), (1, X3), (2, 2 * Z2)])
def test_grad_int_argnum(argnum, expected):
    np.testing.assert_allclose(fad.grad(weighted, argnums=argnum)(X3, Y3, Z2), expected)


def test_grad_tuple_argnums_returns_tuple_in_given_order():
    grads = fad.grad(weighted, argnums=(2, 0))(X3, Y3, Z2)
    assert isinstance(grads, tuple) and len(grads) == 2
    np.testing.assert_allclose(grads[0], 2 * Z2)
    np.testing.assert_allclose(grads[1], Y3)


def test_grad_single_element_tuple_argnums_returns_one_tuple():
    grads = fad.grad(weighted, argnums=(1,))(X3, Y3, Z2)
    assert isinstance(grads, tuple) and len(grads) == 1
    np.testing.assert_allclose(grads[0], X3)


@pytest.mark.parametrize("argnums, expected_index", [(-1, 2), (-3, 0)])
def test_grad_negative_argnum_counts_from_the_end(argnums, expected_index):
    expected = [Y3, X3, 2 * Z2][expected_index]
    np.testing.assert_allclose(fad.grad(weighted, argnums=argnums)(X3, Y3, Z2), expected)


def test_value_and_grad_returns_value_then_grad():
    value, grad_x = fad.value_and_grad(sum_sin)(X3)
    np.testing.assert_allclose(value, np.sum(np.sin(X3)))
    np.testing.assert_allclose(grad_x, np.cos(X3))
    assert_plain_tree((value, grad_x))
    assert np.shape(value) == ()


def test_value_and_grad_tuple_argnums():
    value, grads = fad.value_and_grad(weighted, argnums=(0, 1))(X3, Y3, Z2)
    np.testing.assert_allclose(value, weighted(X3, Y3, Z2))
    assert isinstance(grads, tuple) and len(grads) == 2
    np.testing.assert_allclose(grads[0], Y3)
    np.testing.assert_allclose(grads[1], X3)


def test_grad_keyword_arguments_are_passed_through_as_constants():
    def scaled(x, scale=1.0):
        return np.sum(scale * x**2)

    np.testing.assert_allclose(fad.grad(scaled)(X3, scale=3.0), 6.0 * X3)


# ---------------------------------------------------------------------------
# has_aux
# ---------------------------------------------------------------------------


def loss_with_aux(x):
    """Return (sum(x**2), aux) where aux holds values computed from the traced x."""
    squares = x**2
    aux = {"squares": squares, "total": np.sum(squares), "label": "run-1", "count": 3}
    return np.sum(squares), aux


def assert_aux_matches(aux, x):
    """Check that aux came back as plain values equal to the untraced computation."""
    assert_plain_tree(aux)
    assert set(aux) == {"squares", "total", "label", "count"}
    np.testing.assert_allclose(aux["squares"], x**2)
    np.testing.assert_allclose(aux["total"], np.sum(x**2))
    assert aux["label"] == "run-1"
    assert aux["count"] == 3


def test_grad_has_aux():
    grad_x, aux = fad.grad(loss_with_aux, has_aux=True)(X3)
    np.testing.assert_allclose(grad_x, 2 * X3)
    assert_aux_matches(aux, X3)


def test_value_and_grad_has_aux():
    (value, aux), grad_x = fad.value_and_grad(loss_with_aux, has_aux=True)(X3)
    np.testing.assert_allclose(value, np.sum(X3**2))
    np.testing.assert_allclose(grad_x, 2 * X3)
    assert_aux_matches(aux, X3)


def test_vjp_has_aux():
    out, vjp_fn, aux = fad.vjp(loss_with_aux, X3, has_aux=True)
    np.testing.assert_allclose(out, np.sum(X3**2))
    (x_bar,) = vjp_fn(2.0)
    np.testing.assert_allclose(x_bar, 4 * X3)
    assert_aux_matches(aux, X3)


def test_jvp_has_aux():
    tangent = np.array([1.0, 0.0, -1.0])
    out, out_dot, aux = fad.jvp(loss_with_aux, (X3,), (tangent,), has_aux=True)
    np.testing.assert_allclose(out, np.sum(X3**2))
    np.testing.assert_allclose(out_dot, np.sum(2 * X3 * tangent))
    assert_aux_matches(aux, X3)


@pytest.mark.parametrize("jacobian_transform", [fad.jacrev, fad.jacfwd, fad.jacobian])
def test_jacobian_has_aux(jacobian_transform):
    def squares_with_aux(x):
        return x**2, {"sum": np.sum(x)}

    jac, aux = jacobian_transform(squares_with_aux, has_aux=True)(X3)
    np.testing.assert_allclose(jac, np.diag(2 * X3))
    assert_plain_tree(aux)
    np.testing.assert_allclose(aux["sum"], np.sum(X3))


def test_hessian_has_aux():
    hess, aux = fad.hessian(loss_with_aux, has_aux=True)(X3)
    np.testing.assert_allclose(hess, 2 * np.eye(3))
    assert_aux_matches(aux, X3)


# ---------------------------------------------------------------------------
# vjp / jvp / hvp / vhp conventions
# ---------------------------------------------------------------------------


def test_vjp_returns_output_and_a_tuple_per_primal():
    out, vjp_fn = fad.vjp(lambda x, y: x * y, X3, Y3)
    np.testing.assert_allclose(out, X3 * Y3)
    cotangents = vjp_fn(np.array([1.0, 2.0, 3.0]))
    assert isinstance(cotangents, tuple) and len(cotangents) == 2
    np.testing.assert_allclose(cotangents[0], Y3 * [1.0, 2.0, 3.0])
    np.testing.assert_allclose(cotangents[1], X3 * [1.0, 2.0, 3.0])
    assert_plain_tree((out, cotangents))


def test_vjp_single_primal_still_returns_tuple():
    _, vjp_fn = fad.vjp(np.sin, X3)
    cotangents = vjp_fn(np.ones(3))
    assert isinstance(cotangents, tuple) and len(cotangents) == 1
    np.testing.assert_allclose(cotangents[0], np.cos(X3))


def test_vjp_fn_can_be_called_repeatedly():
    _, vjp_fn = fad.vjp(lambda x: np.exp(x) * 2.0, X3)
    first = vjp_fn(np.ones(3))[0]
    second = vjp_fn(np.full(3, 3.0))[0]
    np.testing.assert_allclose(first, 2 * np.exp(X3))
    np.testing.assert_allclose(second, 6 * np.exp(X3))


def test_jvp_returns_output_and_output_tangent():
    tangents = (np.array([1.0, 0.5, 0.0]), np.array([0.0, 1.0, 2.0]))
    out, out_dot = fad.jvp(lambda x, y: x * y, (X3, Y3), tangents)
    np.testing.assert_allclose(out, X3 * Y3)
    np.testing.assert_allclose(out_dot, tangents[0] * Y3 + X3 * tangents[1])
    assert_plain_tree((out, out_dot))


def test_jvp_accepts_list_of_primals_and_tangents():
    out, out_dot = fad.jvp(np.sin, [X3], [np.ones(3)])
    np.testing.assert_allclose(out, np.sin(X3))
    np.testing.assert_allclose(out_dot, np.cos(X3))


def quartic_pair(x, y):
    """Scalar function of two vectors with a non-diagonal Hessian: sum(x**2 * y) + sum(y**4)."""
    return np.sum(x**2 * y) + np.sum(y**4)


def quartic_pair_hessian_blocks(x, y):
    """Return the four analytic Hessian blocks of quartic_pair."""
    hxx = np.diag(2 * y)
    hxy = np.diag(2 * x)
    hyy = np.diag(12 * y**2)
    return hxx, hxy, hxy.T, hyy


def test_hvp_returns_value_and_tuple_per_primal():
    v_x, v_y = np.array([1.0, -1.0, 0.5]), np.array([0.2, 0.0, 1.0])
    value, hvps = fad.hvp(quartic_pair, (X3, Y3), (v_x, v_y))
    hxx, hxy, hyx, hyy = quartic_pair_hessian_blocks(X3, Y3)
    np.testing.assert_allclose(value, quartic_pair(X3, Y3))
    assert isinstance(hvps, tuple) and len(hvps) == 2
    np.testing.assert_allclose(hvps[0], hxx @ v_x + hxy @ v_y)
    np.testing.assert_allclose(hvps[1], hyx @ v_x + hyy @ v_y)
    assert_plain_tree((value, hvps))


def test_vhp_returns_value_and_tuple_per_primal():
    v_x, v_y = np.array([1.0, -1.0, 0.5]), np.array([0.2, 0.0, 1.0])
    value, vhps = fad.vhp(quartic_pair, (X3, Y3), (v_x, v_y))
    hxx, hxy, hyx, hyy = quartic_pair_hessian_blocks(X3, Y3)
    np.testing.assert_allclose(value, quartic_pair(X3, Y3))
    assert isinstance(vhps, tuple) and len(vhps) == 2
    np.testing.assert_allclose(vhps[0], v_x @ hxx + v_y @ hyx)
    np.testing.assert_allclose(vhps[1], v_x @ hxy + v_y @ hyy)


def test_hvp_single_primal():
    vector = np.array([0.5, 1.0, -2.0])
    value, (hvp_x,) = fad.hvp(lambda x: np.sum(x**3), (X3,), (vector,))
    np.testing.assert_allclose(value, np.sum(X3**3))
    np.testing.assert_allclose(hvp_x, 6 * X3 * vector)


# ---------------------------------------------------------------------------
# jacobians and hessians: shapes and argnums
# ---------------------------------------------------------------------------

JACOBIAN_TRANSFORMS = [fad.jacrev, fad.jacfwd, fad.jacobian]


@pytest.mark.parametrize("jacobian_transform", JACOBIAN_TRANSFORMS)
@pytest.mark.parametrize("in_shape", [(), (3,), (2, 3)])
@pytest.mark.parametrize("out_kind", ["scalar", "same", "matrix"])
def test_jacobian_leaf_shape_is_out_shape_plus_in_shape(jacobian_transform, in_shape, out_kind):
    x = RNG.standard_normal(in_shape)
    functions = {
        "scalar": lambda x: np.sum(np.sin(x)),
        "same": lambda x: np.sin(x) * 2.0,
        "matrix": lambda x: np.ones((4, 1)) * np.sum(x**2),
    }
    func = functions[out_kind]
    out_shape = np.shape(func(x))
    jac = jacobian_transform(func)(x)
    assert isinstance(jac, np.ndarray)
    assert jac.shape == out_shape + in_shape
    expected = {
        "scalar": np.cos(x),
        "same": (np.diag(2 * np.cos(x).ravel()).reshape(in_shape + in_shape)),
        "matrix": np.broadcast_to(2 * x, (4, 1) + in_shape),
    }[out_kind]
    np.testing.assert_allclose(jac, expected, atol=1e-12)


@pytest.mark.parametrize("jacobian_transform", JACOBIAN_TRANSFORMS)
def test_jacobian_tuple_argnums(jacobian_transform):
    jac_x, jac_y = jacobian_transform(lambda x, y: x * y, argnums=(0, 1))(X3, Y3)
    np.testing.assert_allclose(jac_x, np.diag(Y3))
    np.testing.assert_allclose(jac_y, np.diag(X3))


@pytest.mark.parametrize("jacobian_transform", JACOBIAN_TRANSFORMS)
def test_jacobian_int_argnum(jacobian_transform):
    jac_z = jacobian_transform(lambda x, z: np.sum(x) * z, argnums=1)(X3, Z2)
    np.testing.assert_allclose(jac_z, np.sum(X3) * np.eye(2))


def test_jacrev_and_jacfwd_agree_on_a_mixing_function():
    matrix = RNG.standard_normal((4, 3))

    def mixing(x):
        return np.tanh(matrix @ x) * np.exp(x[0])

    np.testing.assert_allclose(fad.jacrev(mixing)(X3), fad.jacfwd(mixing)(X3), rtol=1e-12)


def test_hessian_shape_and_value():
    x = RNG.standard_normal((2, 2))
    hess = fad.hessian(lambda x: np.sum(x**3))(x)
    assert hess.shape == (2, 2, 2, 2)
    expected = np.diag(6 * x.ravel()).reshape(2, 2, 2, 2)
    np.testing.assert_allclose(hess, expected)


def test_hessian_tuple_argnums_is_nested_blocks():
    blocks = fad.hessian(quartic_pair, argnums=(0, 1))(X3, Y3)
    hxx, hxy, hyx, hyy = quartic_pair_hessian_blocks(X3, Y3)
    assert isinstance(blocks, tuple) and len(blocks) == 2
    np.testing.assert_allclose(blocks[0][0], hxx)
    np.testing.assert_allclose(blocks[0][1], hxy)
    np.testing.assert_allclose(blocks[1][0], hyx)
    np.testing.assert_allclose(blocks[1][1], hyy)


# ---------------------------------------------------------------------------
# the tutorial examples
# ---------------------------------------------------------------------------


def test_seed_example_gradient_is_twice_cosine():
    angles = np.linspace(0.0, 2.0 * np.pi, 25)
    grad_angles = fad.grad(lambda x: np.sum(2 * np.sin(x) + 1))(angles)
    np.testing.assert_allclose(grad_angles, 2 * np.cos(angles), atol=1e-14)


def euclidean_norm(vector):
    """Return the 2-norm using only first-set primitives."""
    return np.sqrt(np.sum(vector * vector))


def double_until_large(x, norm):
    """Double x until its norm reaches 1000 (data-dependent loop)."""
    y = x * 2
    while norm(y) < 1000:
        y = y * 2
    return y


def doubling_factor(x):
    """Return the power of two by which double_until_large scales x."""
    factor = 2.0
    while np.linalg.norm(x * factor) < 1000:
        factor *= 2.0
    return factor


@pytest.mark.parametrize("norm", [euclidean_norm, np.linalg.norm], ids=["sqrt_sum", "linalg_norm"])
def test_doubling_loop_vjp(norm):
    x = np.array([0.8, -1.1, 0.35])
    cotangent = np.array([0.1, 1.0, 0.0001])
    factor = doubling_factor(x)
    out, vjp_fn = fad.vjp(lambda x: double_until_large(x, norm), x)
    np.testing.assert_allclose(out, x * factor)
    (x_bar,) = vjp_fn(cotangent)
    np.testing.assert_allclose(x_bar, cotangent * factor)


def exp_adder(x, y):
    """Return 2 * exp(x) + 3 * y."""
    return 2 * np.exp(x) + 3 * y


@pytest.mark.parametrize("jacobian_transform", JACOBIAN_TRANSFORMS)
@pytest.mark.parametrize("size", [1, 3])
def test_exp_adder_jacobian(jacobian_transform, size):
    x = RNG.random(size)
    y = RNG.random(size)
    jac_x, jac_y = jacobian_transform(exp_adder, argnums=(0, 1))(x, y)
    assert jac_x.shape == jac_y.shape == (size, size)
    np.testing.assert_allclose(jac_x, np.diag(2 * np.exp(x)))
    np.testing.assert_allclose(jac_y, 3 * np.eye(size))


# ---------------------------------------------------------------------------
# pytrees
# ---------------------------------------------------------------------------

Pair = namedtuple("Pair", ["left", "right"])


@dataclasses.dataclass
class Layer:
    """A registered pytree node: weight and bias are children, name is static auxiliary data."""

    weight: np.ndarray
    bias: np.ndarray
    name: str = "layer"


fad.register_pytree_node(
    Layer,
    lambda layer: ((layer.weight, layer.bias), layer.name),
    lambda name, children: Layer(children[0], children[1], name),
)


def nested_params():
    """Return a nested container mixing tuples, lists, dicts, None, a namedtuple and a Layer."""
    return {
        "scale": np.array(1.5),
        "pair": Pair(np.array([1.0, 2.0]), np.array([[0.5], [-1.0]])),
        "stack": [np.array([0.1, 0.2, 0.3]), (np.array(-0.4), None)],
        "layer": Layer(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([0.0, -1.0]), name="dense"),
        "nothing": None,
    }


def nested_loss(params):
    """A scalar that touches every leaf of nested_params."""
    left, right = params["pair"]
    first, (second, _) = params["stack"]
    layer = params["layer"]
    return (
        params["scale"] ** 2
        + np.sum(left * 3.0)
        + np.sum(right**2)
        + np.sum(np.sin(first))
        + second**3
        + np.sum(layer.weight**2)
        + np.sum(layer.bias)
    )


def nested_loss_grad(params):
    """Analytic gradient of nested_loss, in the same tree shape."""
    left, right = params["pair"]
    first, (second, _) = params["stack"]
    layer = params["layer"]
    return {
        "scale": 2 * params["scale"],
        "pair": Pair(np.full_like(left, 3.0), 2 * right),
        "stack": [np.cos(first), (3 * second**2, None)],
        "layer": Layer(2 * layer.weight, np.ones_like(layer.bias), name="dense"),
        "nothing": None,
    }


def test_tree_flatten_roundtrip_keeps_types():
    params = nested_params()
    leaves, treedef = fad.tree_flatten(params)
    assert len(leaves) == 7
    rebuilt = fad.tree_unflatten(treedef, leaves)
    assert isinstance(rebuilt["pair"], Pair)
    assert isinstance(rebuilt["layer"], Layer) and rebuilt["layer"].name == "dense"
    assert rebuilt["nothing"] is None and rebuilt["stack"][1][1] is None
    assert isinstance(rebuilt["stack"], list) and isinstance(rebuilt["stack"][1], tuple)


def test_tree_map_applies_to_leaves_only():
    doubled = fad.tree_map(lambda leaf: leaf * 2, nested_params())
    assert doubled["layer"].name == "dense"
    np.testing.assert_allclose(doubled["layer"].weight, [[2.0, 4.0], [6.0, 8.0]])
    assert doubled["nothing"] is None


def test_grad_of_nested_tree_has_same_structure():
    params = nested_params()
    grads = fad.grad(nested_loss)(params)
    assert isinstance(grads["pair"], Pair)
    assert isinstance(grads["layer"], Layer) and grads["layer"].name == "dense"
    assert grads["nothing"] is None
    assert_tree_allclose(grads, nested_loss_grad(params))


def test_value_and_grad_of_nested_tree():
    params = nested_params()
    value, grads = fad.value_and_grad(nested_loss)(params)
    np.testing.assert_allclose(value, nested_loss(params))
    assert_tree_allclose(grads, nested_loss_grad(params))


def test_grad_argnums_select_several_tree_arguments():
    def loss(tree_a, scalar, tree_b):
        tree_a_part = np.sum(tree_a[0] ** 2) + np.sum(tree_a[1]["w"])
        return scalar * tree_a_part + np.sum(tree_b.left * tree_b.right)

    tree_a = (np.array([1.0, -2.0]), {"w": np.array([[0.5, 0.5]])})
    tree_b = Pair(np.array([1.0, 2.0, 3.0]), np.array([4.0, 5.0, 6.0]))
    grad_a, grad_b = fad.grad(loss, argnums=(0, 2))(tree_a, 2.0, tree_b)
    assert_tree_allclose(grad_a, (2.0 * 2 * tree_a[0], {"w": np.full((1, 2), 2.0)}))
    assert_tree_allclose(grad_b, Pair(tree_b.right, tree_b.left))


def test_vjp_with_tree_input_and_tree_output():
    def split(params):
        return {"product": params[0] * params[1], "total": np.sum(params[0])}

    params = (X3, Y3)
    out, vjp_fn = fad.vjp(split, params)
    assert_tree_allclose(out, {"product": X3 * Y3, "total": np.sum(X3)})
    (params_bar,) = vjp_fn({"product": np.ones(3), "total": np.array(2.0)})
    assert_tree_allclose(params_bar, (Y3 + 2.0, X3))


def test_jvp_with_tree_input_and_tree_output():
    def split(params):
        return [params["a"] ** 2, (np.sum(params["b"]), None)]

    primals = ({"a": X3, "b": Z2},)
    tangents = ({"a": np.ones(3), "b": np.array([1.0, 2.0])},)
    out, out_dot = fad.jvp(split, primals, tangents)
    assert_tree_allclose(out, [X3**2, (np.sum(Z2), None)])
    assert_tree_allclose(out_dot, [2 * X3, (3.0, None)])


@pytest.mark.parametrize("jacobian_transform", JACOBIAN_TRANSFORMS)
def test_jacobian_output_tree_outside_input_tree_inside(jacobian_transform):
    def split(params):
        return (params["a"] * 2.0, np.sum(params["b"] ** 2))

    params = {"a": np.array([1.0, 2.0]), "b": np.array([[1.0], [-1.0], [3.0]])}
    jac = jacobian_transform(split)(params)
    assert isinstance(jac, tuple) and len(jac) == 2
    assert set(jac[0]) == {"a", "b"} and set(jac[1]) == {"a", "b"}
    assert jac[0]["a"].shape == (2, 2)
    assert jac[0]["b"].shape == (2, 3, 1)
    assert jac[1]["a"].shape == (2,)
    assert jac[1]["b"].shape == (3, 1)
    np.testing.assert_allclose(jac[0]["a"], 2 * np.eye(2))
    np.testing.assert_allclose(jac[0]["b"], np.zeros((2, 3, 1)))
    np.testing.assert_allclose(jac[1]["a"], np.zeros(2))
    np.testing.assert_allclose(jac[1]["b"], 2 * params["b"])


@pytest.mark.parametrize("jacobian_transform", JACOBIAN_TRANSFORMS)
def test_jacobian_tree_output_with_tuple_argnums(jacobian_transform):
    def pair_out(x, y):
        return {"sum": x + y, "prod": np.sum(x * y)}

    jac = jacobian_transform(pair_out, argnums=(0, 1))(X3, Y3)
    assert set(jac) == {"prod", "sum"}
    np.testing.assert_allclose(jac["sum"][0], np.eye(3))
    np.testing.assert_allclose(jac["sum"][1], np.eye(3))
    np.testing.assert_allclose(jac["prod"][0], Y3)
    np.testing.assert_allclose(jac["prod"][1], X3)


def test_hessian_of_tree_input():
    params = {"u": np.array([1.0, 2.0]), "v": np.array(3.0)}
    hess = fad.hessian(lambda p: np.sum(p["u"] ** 2) * p["v"])(params)
    np.testing.assert_allclose(hess["u"]["u"], 2 * 3.0 * np.eye(2))
    np.testing.assert_allclose(hess["u"]["v"], 2 * params["u"])
    np.testing.assert_allclose(hess["v"]["u"], 2 * params["u"])
    np.testing.assert_allclose(hess["v"]["v"], 0.0)
    assert hess["u"]["v"].shape == (2,)
    assert hess["v"]["v"].shape == ()


# ---------------------------------------------------------------------------
# dtypes and scalar inputs
# ---------------------------------------------------------------------------


def float32_loss(x):
    """A scalar loss built from several primitives that must all keep float32."""
    return np.mean(np.tanh(x) * np.exp(x / 2.0)) + np.sum(np.sqrt(x * x + 1.0)) ** 2


X3_F32 = X3.astype(np.float32)


def test_grad_keeps_float32():
    grad_x = fad.grad(float32_loss)(X3_F32)
    assert grad_x.dtype == np.float32
    np.testing.assert_allclose(grad_x, fad.grad(float32_loss)(X3), rtol=1e-5)


def test_value_and_grad_keeps_float32():
    value, grad_x = fad.value_and_grad(float32_loss)(X3_F32)
    assert np.asarray(value).dtype == np.float32
    assert grad_x.dtype == np.float32


def test_jvp_keeps_float32():
    out, out_dot = fad.jvp(lambda x: np.sin(x) * x**2, (X3_F32,), (np.ones(3, np.float32),))
    assert out.dtype == np.float32
    assert out_dot.dtype == np.float32


def test_vjp_keeps_float32():
    out, vjp_fn = fad.vjp(lambda x: np.exp(x) / (1.0 + x * x), X3_F32)
    assert out.dtype == np.float32
    (x_bar,) = vjp_fn(np.ones(3, np.float32))
    assert x_bar.dtype == np.float32


@pytest.mark.parametrize("jacobian_transform", [*JACOBIAN_TRANSFORMS, fad.hessian])
def test_jacobians_keep_float32(jacobian_transform):
    jac = jacobian_transform(lambda x: np.sum(np.cos(x) * x))(X3_F32)
    assert jac.dtype == np.float32


def test_mixed_precision_grads_follow_each_input():
    grad_x, grad_y = fad.grad(lambda x, y: np.sum(x * y), argnums=(0, 1))(X3_F32, Y3)
    assert grad_x.dtype == np.float32
    assert grad_y.dtype == np.float64


def test_grad_of_python_float_defaults_to_float64():
    grad_x = fad.grad(lambda x: x**3 + 2.0 * x)(2.0)
    assert_plain_tree(grad_x)
    assert np.asarray(grad_x).dtype == np.float64
    assert np.shape(grad_x) == ()
    assert grad_x == pytest.approx(14.0)


def test_grad_of_zero_dim_array():
    grad_x = fad.grad(lambda x: np.sin(x) * x)(np.array(0.5))
    assert np.shape(grad_x) == ()
    assert np.asarray(grad_x).dtype == np.float64
    assert grad_x == pytest.approx(math.cos(0.5) * 0.5 + math.sin(0.5))


def test_jvp_and_vjp_accept_python_floats():
    out, out_dot = fad.jvp(lambda x: x * x, (3.0,), (1.0,))
    assert out == pytest.approx(9.0) and out_dot == pytest.approx(6.0)
    out, vjp_fn = fad.vjp(lambda x: x * x, 3.0)
    assert out == pytest.approx(9.0)
    assert vjp_fn(1.0)[0] == pytest.approx(6.0)


def test_default_dtype_is_float64_for_float64_input():
    assert fad.grad(sum_sin)(X3).dtype == np.float64
    assert fad.jacfwd(np.sin)(X3).dtype == np.float64


# ---------------------------------------------------------------------------
# names and docstrings
# ---------------------------------------------------------------------------


def test_grad_name():
    def f(x):
        return x

    assert fad.grad(f).__name__ == "grad_of_f"
    assert fad.grad(sum_sin).__name__ == "grad_of_sum_sin"


@pytest.mark.parametrize(
    "transform", [fad.value_and_grad, fad.jacrev, fad.jacfwd, fad.jacobian, fad.hessian]
)
def test_other_transformed_names_mention_function(transform):
    assert transform(sum_sin).__name__.endswith("_of_sum_sin")


PUBLIC_FUNCTIONS = [
    "grad",
    "value_and_grad",
    "vjp",
    "jvp",
    "jacrev",
    "jacfwd",
    "jacobian",
    "hessian",
    "hvp",
    "vhp",
    "stop_gradient",
    "register_pytree_node",
    "tree_flatten",
    "tree_unflatten",
    "tree_map",
]


@pytest.mark.parametrize("name", PUBLIC_FUNCTIONS)
def test_public_functions_have_docstrings(name):
    doc = getattr(fad, name).__doc__
    assert doc and doc.strip(), f"fad.{name} has no docstring"


# ---------------------------------------------------------------------------
# stop_gradient
# ---------------------------------------------------------------------------


def test_stop_gradient_outside_transform_is_identity():
    out = fad.stop_gradient(X3)
    np.testing.assert_array_equal(out, X3)
    assert_plain_tree(out)


def test_stop_gradient_in_grad():
    grad_x = fad.grad(lambda x: np.sum(fad.stop_gradient(x) * x))(X3)
    np.testing.assert_allclose(grad_x, X3)


def test_stop_gradient_only_argument_gives_zero_grad():
    grad_x = fad.grad(lambda x: np.sum(fad.stop_gradient(np.sin(x))))(X3)
    np.testing.assert_array_equal(grad_x, np.zeros(3))


def test_stop_gradient_in_jvp():
    out, out_dot = fad.jvp(lambda x: fad.stop_gradient(x**2) + x, (X3,), (np.ones(3),))
    np.testing.assert_allclose(out, X3**2 + X3)
    np.testing.assert_allclose(out_dot, np.ones(3))


def test_stop_gradient_in_vjp():
    _, vjp_fn = fad.vjp(lambda x: fad.stop_gradient(np.exp(x)) * x, X3)
    np.testing.assert_allclose(vjp_fn(np.ones(3))[0], np.exp(X3))


@pytest.mark.parametrize("jacobian_transform", JACOBIAN_TRANSFORMS)
def test_stop_gradient_in_jacobians(jacobian_transform):
    jac = jacobian_transform(lambda x: fad.stop_gradient(x) * x)(X3)
    np.testing.assert_allclose(jac, np.diag(X3))


def test_stop_gradient_in_hessian_and_hvp():
    def half_frozen(x):
        return np.sum(fad.stop_gradient(x**2) * x**2)

    np.testing.assert_allclose(fad.hessian(half_frozen)(X3), np.diag(2 * X3**2))
    vector = np.array([1.0, 2.0, 3.0])
    _, (hvp_x,) = fad.hvp(half_frozen, (X3,), (vector,))
    np.testing.assert_allclose(hvp_x, 2 * X3**2 * vector)
    _, (vhp_x,) = fad.vhp(half_frozen, (X3,), (vector,))
    np.testing.assert_allclose(vhp_x, 2 * X3**2 * vector)


def test_stop_gradient_blocks_every_nesting_level():
    # d/dx [ d/dy (sg(x) * y**2) at y=x ] = d/dx [2 sg(x) x] = 2 x, not 4 x
    def inner_grad_at_x(x):
        return fad.grad(lambda y: fad.stop_gradient(x) * y**2)(x)

    assert fad.grad(inner_grad_at_x)(3.0) == pytest.approx(6.0)
    # d2/dx2 [sg(x) * x**3] = 6 sg(x) x = 24 at x = 2
    assert fad.grad(fad.grad(lambda x: fad.stop_gradient(x) * x**3))(2.0) == pytest.approx(24.0)


def test_stop_gradient_of_inner_derivative():
    # d/dx [x * sg(d/dx x**2)] = sg(2x) = 2x; without stop_gradient it would be 4x.
    def frozen_slope(x):
        return x * fad.stop_gradient(fad.grad(lambda z: z**2)(x))

    assert fad.grad(frozen_slope)(1.5) == pytest.approx(3.0)
    assert fad.jvp(frozen_slope, (1.5,), (1.0,))[1] == pytest.approx(3.0)


def test_stop_gradient_on_tree():
    tree = {"a": X3, "b": (Z2,)}

    def loss(tree):
        frozen = fad.stop_gradient(tree)
        return np.sum(frozen["a"] * tree["a"]) + np.sum(frozen["b"][0])

    grads = fad.grad(loss)(tree)
    assert_tree_allclose(grads, {"a": X3, "b": (np.zeros(2),)})


# ---------------------------------------------------------------------------
# Python control flow on traced values
# ---------------------------------------------------------------------------


def piecewise(x):
    """x**2 for x > 0, else -3x."""
    if x > 0:
        return x**2
    return -3.0 * x


def grow_until(x):
    """Multiply by 1.5 until the value exceeds 10; the number of steps depends on x."""
    y = x
    while y < 10.0:
        y = y * 1.5
    return y


def sum_of_row_norms(matrix):
    """Iterate over the rows of a traced matrix."""
    total = 0.0
    for row in matrix:
        total = total + np.sum(row * row)
    return total


@pytest.mark.parametrize("x, expected", [(2.0, 4.0), (-1.0, -3.0)])
def test_if_on_traced_value(x, expected):
    assert fad.grad(piecewise)(x) == pytest.approx(expected)
    assert fad.jvp(piecewise, (x,), (1.0,))[1] == pytest.approx(expected)
    assert fad.jacfwd(piecewise)(x) == pytest.approx(expected)


@pytest.mark.parametrize("x", [1.0, 3.0, 9.0])
def test_while_on_traced_value(x):
    steps = 0
    value = x
    while value < 10.0:
        value *= 1.5
        steps += 1
    assert fad.grad(grow_until)(x) == pytest.approx(1.5**steps)
    assert fad.jvp(grow_until, (x,), (1.0,))[1] == pytest.approx(1.5**steps)


def test_for_over_traced_rows_and_len():
    matrix = RNG.standard_normal((4, 3))
    np.testing.assert_allclose(fad.grad(sum_of_row_norms)(matrix), 2 * matrix)

    def indexed_loop(x):
        total = 0.0
        for index in range(len(x)):
            total = total + x[index] ** (index + 1)
        return total

    np.testing.assert_allclose(fad.grad(indexed_loop)(X3), [1.0, 2 * X3[1], 3 * X3[2] ** 2])


def test_numpy_predicates_on_traced_values():
    def clipped_energy(x):
        if np.all(x > -5.0) and np.any(x > 1.0):
            return np.sum(x**2)
        return np.sum(x)

    np.testing.assert_allclose(fad.grad(clipped_energy)(X3), 2 * X3)
    np.testing.assert_allclose(fad.grad(clipped_energy)(X3 - 10.0), np.ones(3))


# ---------------------------------------------------------------------------
# symbolic zeros become real zeros of the right shape and dtype
# ---------------------------------------------------------------------------


def assert_zeros_like(value, reference_shape, reference_dtype):
    """Assert value is a plain zero array with the given shape and dtype."""
    assert_plain_tree(value)
    value = np.asarray(value)
    assert value.shape == tuple(reference_shape)
    assert value.dtype == reference_dtype
    assert not np.any(value)


def test_grad_of_unused_argument_is_zero():
    unused = np.ones((2, 2), np.float32)
    grad_x, grad_unused = fad.grad(lambda x, y: np.sum(np.sin(x)), argnums=(0, 1))(X3, unused)
    np.testing.assert_allclose(grad_x, np.cos(X3))
    assert_zeros_like(grad_unused, (2, 2), np.float32)


def test_grad_of_constant_output_is_zero():
    assert_zeros_like(fad.grad(lambda x: 3.0)(X3), (3,), np.float64)
    assert_zeros_like(fad.grad(lambda x: np.sum(np.ones(4)))(X3_F32), (3,), np.float32)


def test_grad_of_identity_and_of_passed_through_argument():
    assert fad.grad(lambda x: x)(2.0) == pytest.approx(1.0)
    grads = fad.grad(lambda x, y: x, argnums=(0, 1))(np.array(2.0), np.array(5.0))
    assert grads[0] == pytest.approx(1.0)
    assert_zeros_like(grads[1], (), np.float64)


def test_jvp_of_constant_output_is_zero():
    out, out_dot = fad.jvp(lambda x: np.ones((2, 3)) * 2.0, (X3,), (np.ones(3),))
    np.testing.assert_allclose(out, 2.0)
    assert_zeros_like(out_dot, (2, 3), np.float64)


def test_jvp_with_tangent_only_on_unused_input():
    out, out_dot = fad.jvp(lambda x, y: np.sin(x), (X3, Z2), (np.zeros(3), np.ones(2)))
    np.testing.assert_allclose(out, np.sin(X3))
    assert_zeros_like(out_dot, (3,), np.float64)


def test_vjp_of_unused_input_is_zero():
    _, vjp_fn = fad.vjp(lambda x, y: x * 2.0, X3, Z2.astype(np.float32))
    x_bar, y_bar = vjp_fn(np.ones(3))
    np.testing.assert_allclose(x_bar, 2.0 * np.ones(3))
    assert_zeros_like(y_bar, (2,), np.float32)


@pytest.mark.parametrize("jacobian_transform", JACOBIAN_TRANSFORMS)
def test_jacobian_of_independent_output_is_zero(jacobian_transform):
    jac = jacobian_transform(lambda x: (np.sin(x), np.ones(2)))(X3)
    np.testing.assert_allclose(jac[0], np.diag(np.cos(X3)))
    assert_zeros_like(jac[1], (2, 3), np.float64)


def test_hessian_of_linear_function_is_zero():
    assert_zeros_like(fad.hessian(lambda x: np.sum(3.0 * x))(X3), (3, 3), np.float64)
    _, (hvp_x,) = fad.hvp(lambda x: np.sum(3.0 * x), (X3,), (np.ones(3),))
    assert_zeros_like(hvp_x, (3,), np.float64)


# ---------------------------------------------------------------------------
# inputs are never mutated
# ---------------------------------------------------------------------------


def read_only(array):
    """Return a read-only copy so that any in-place write raises."""
    frozen = np.array(array, dtype=float)
    frozen.flags.writeable = False
    return frozen


def test_caller_arrays_are_not_mutated():
    x = read_only(X3)
    y = read_only(Y3)
    tangent = read_only([1.0, 2.0, 3.0])
    cotangent = read_only([0.5, -0.5, 1.0])
    originals = [array.copy() for array in (x, y, tangent, cotangent)]

    def mix(x, y):
        return np.tanh(x) * y + x[::-1] * 2.0

    fad.grad(lambda x, y: np.sum(mix(x, y)), argnums=(0, 1))(x, y)
    fad.value_and_grad(lambda x: np.sum(mix(x, y)))(x)
    fad.jvp(mix, (x, y), (tangent, tangent))
    _, vjp_fn = fad.vjp(mix, x, y)
    vjp_fn(cotangent)
    fad.jacrev(mix)(x, y)
    fad.jacfwd(mix)(x, y)
    fad.hessian(lambda x: np.sum(mix(x, y)))(x)
    fad.hvp(lambda x: np.sum(mix(x, y)), (x,), (tangent,))
    fad.vhp(lambda x: np.sum(mix(x, y)), (x,), (cotangent,))

    for array, original in zip((x, y, tangent, cotangent), originals, strict=True):
        np.testing.assert_array_equal(array, original)


def test_tree_inputs_are_not_mutated():
    params = nested_params()
    snapshot = fad.tree_map(np.copy, params)
    fad.grad(nested_loss)(params)
    assert_tree_allclose(params, snapshot, rtol=0, atol=0)
