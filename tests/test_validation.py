"""Arguments, outputs and results are validated: a wrong call raises a named error, and what
a transform returns belongs to the caller."""

import copy
import pickle

import numpy as np
import pytest

import functional_ad as fad

X = np.array([0.5, -1.0, 2.0])


@pytest.mark.parametrize(
    "transform", [fad.grad, fad.value_and_grad, fad.jacrev, fad.jacfwd, fad.hessian]
)
@pytest.mark.parametrize(
    "f",
    [lambda x: np.sum(x > 0), lambda x: np.argmax(x), lambda x: x > 0],
    ids=["count", "argmax", "mask"],
)
def test_integer_or_boolean_outputs_raise(transform, f):
    if transform in (fad.grad, fad.value_and_grad):
        g = f if np.ndim(f(X)) == 0 else (lambda x: f(x)[0])
    else:
        g = f
    with pytest.raises(TypeError, match="float or complex outputs"):
        transform(g)(X)


@pytest.mark.parametrize("transform", [fad.grad, fad.jacrev, fad.jacfwd, fad.jacobian, fad.hessian])
def test_argnums_are_checked(transform):
    with pytest.raises(ValueError, match="repeats"):
        transform(lambda x, y: np.sum(x * y), argnums=(0, 0))
    with pytest.raises(TypeError, match="argnums"):
        transform(lambda x: np.sum(x), argnums="0")
    with pytest.raises(TypeError, match="argnums"):
        transform(lambda x: np.sum(x), argnums=(True,))
    with pytest.raises(ValueError, match="out of range"):
        transform(lambda x: np.sum(x), argnums=1)(X)


def test_torch_style_calls_name_the_functional_form():
    with pytest.raises(TypeError, match=r"jacobian\(f\)\(x, y\)"):
        fad.jacobian(lambda x, y: x * y, (X, X))
    with pytest.raises(TypeError, match="shape"):
        fad.hvp(lambda x: np.sum(x**3), X, X)
    with pytest.raises(TypeError, match="tuples"):
        fad.vhp(lambda x: np.sum(x**3), X, X)


def test_swapped_aux_raises():
    with pytest.raises(TypeError, match=r"\(loss, aux\)"):
        fad.grad(lambda x: (1.0, np.sum(x**2)), has_aux=True)(X)
    g, aux = fad.grad(lambda x: (np.sum(x**2), x * 2), has_aux=True)(X)
    np.testing.assert_allclose(g, 2 * X)


def test_vmap_axis_out_of_range_names_the_argument():
    with pytest.raises(ValueError, match="argument 1"):
        fad.vmap(lambda a, b: a * b, in_axes=(0, 1))(np.ones((2, 3)), np.ones(2))
    with pytest.raises(ValueError, match="0-d"):
        fad.vmap(lambda a, b: a * b, in_axes=(0, 0))(np.ones(2), 3.0)


def test_walk_back_out_of_range_says_how_many_outputs():
    graph = fad.make_graph(lambda x: (np.sin(x), np.cos(x)))(X)
    with pytest.raises(IndexError, match="2 outputs"):
        graph.walk_back(2)


@pytest.mark.parametrize("transform", ["grad", "vmap"])
def test_copies_of_traced_values_stay_traced(transform):
    def f(x):
        return np.sum(copy.deepcopy(x) * copy.copy(x))

    if transform == "grad":
        np.testing.assert_allclose(fad.grad(f)(X), 2 * X)
    else:
        np.testing.assert_allclose(fad.vmap(f)(np.stack([X, 2 * X])), [f(X), f(2 * X)])


@pytest.mark.parametrize("transform", [fad.grad, fad.vmap])
def test_pickling_a_traced_value_raises(transform):
    def f(x):
        return np.sum(pickle.loads(pickle.dumps(x)))

    with pytest.raises(TypeError, match="pickled"):
        transform(f)(np.stack([X, X]) if transform is fad.vmap else X)


def test_deep_pytrees_raise_a_named_error():
    tree: list = [X]
    for _ in range(5000):
        tree = [tree]
    with pytest.raises(ValueError, match="nested too deeply"):
        fad.grad(lambda t: 0.0)(tree)


@pytest.mark.parametrize(
    "f",
    [np.sum, np.mean, lambda x: x[0] * 1.0, lambda x: np.sum(np.broadcast_to(x, (2, 3)))],
    ids=["sum", "mean", "index", "broadcast"],
)
def test_gradients_are_writable_arrays_the_caller_owns(f):
    g = fad.grad(f)(X)
    before = fad.grad(f)(X)
    g *= 2.0  # must not fail, nor change anything else
    np.testing.assert_allclose(fad.grad(f)(X), before)


def test_gradients_of_several_arguments_do_not_share_memory():
    gx, gy = fad.grad(lambda x, y: np.sum(x + y), argnums=(0, 1))(X, X.copy())
    gx += 1.0
    np.testing.assert_allclose(gy, 1.0)


def test_vjp_results_do_not_alias_the_cotangent():
    u = np.ones(3)
    _, pullback = fad.vjp(lambda z: z, X)
    (result,) = pullback(u)
    result += 1.0
    np.testing.assert_allclose(u, 1.0)
