"""hvp is reverse over forward (the gradient of jvp's directional derivative): it equals
forward over reverse, ``jvp`` of ``grad``, under every transform and for every kind of rule,
and refuses what ``grad`` refuses, naming hvp."""

from __future__ import annotations

import numpy as np
import pytest

import functional_ad as fad

RNG = np.random.default_rng(0)
X = RNG.standard_normal(5)
V = RNG.standard_normal(5)


def forward_over_reverse(f, primals, tangents):
    n = len(primals)
    return fad.jvp(fad.grad(f, argnums=tuple(range(n))), tuple(primals), tuple(tangents))[1]


@fad.custom_vjp
def clip(x):
    return np.clip(x, -1.0, 1.0)


clip.defvjp(lambda x: (np.clip(x, -1.0, 1.0), x), lambda x, g: (g * (np.abs(x) < 1),))


@fad.custom_jvp
def softplus(x):
    return np.logaddexp(0.0, x)


softplus.defjvp(lambda p, t: (softplus(p[0]), t[0] / (1 + np.exp(-p[0]))))


def written_in_place(x):
    y = x.copy()
    y[1:] *= x[:-1]
    return np.sum(y**2)


FUNCTIONS = {
    "polynomial": lambda x: np.sum(x**3 * np.sin(x)),
    "custom_vjp": lambda x: np.sum(clip(x) ** 2 * x),
    "custom_jvp": lambda x: np.sum(softplus(x) ** 2),
    "checkpoint": lambda x: np.sum(fad.checkpoint(lambda y: np.tanh(y) * y)(x) ** 2),
    "in place": written_in_place,
    "one-element array": lambda x: np.sum(x**4, keepdims=True),
    # the directional derivative of a linear function does not depend on x (its value does)
    "linear": lambda x: np.sum(3.0 * x),
    "constant": lambda x: np.float64(2.0),
}


@pytest.mark.parametrize("f", FUNCTIONS.values(), ids=FUNCTIONS.keys())
def test_equals_forward_over_reverse(f):
    value, (hv,) = fad.hvp(f, (X,), (V,))
    np.testing.assert_allclose(hv, forward_over_reverse(f, (X,), (V,))[0], rtol=1e-14, atol=1e-14)
    np.testing.assert_array_equal(value, f(X))
    assert hv.flags.writeable and hv.dtype == X.dtype


def test_float32_pytrees_and_several_arguments():
    f = FUNCTIONS["polynomial"]
    x32, v32 = X.astype(np.float32), V.astype(np.float32)
    _, (hv,) = fad.hvp(f, (x32,), (v32,))
    assert hv.dtype == np.float32
    np.testing.assert_allclose(hv, forward_over_reverse(f, (x32,), (v32,))[0], rtol=1e-5)

    def g(p, s):
        return np.sum(p["a"] ** 2 * s) + np.sum(np.sin(p["b"])) * s

    primals = ({"a": X, "b": X[:3]}, 2.0)
    tangents = ({"a": V, "b": V[:3]}, 0.5)
    _, hv = fad.hvp(g, primals, tangents)
    expected = forward_over_reverse(g, primals, tangents)
    assert fad.tree_flatten(hv)[1] == fad.tree_flatten(expected)[1]
    for a, b in zip(fad.tree_leaves(hv), fad.tree_leaves(expected), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-14)


def test_under_other_transforms():
    f = FUNCTIONS["polynomial"]
    vs = RNG.standard_normal((3, 5))
    batched = fad.vmap(lambda v: fad.hvp(f, (X,), (v,))[1][0])(vs)
    np.testing.assert_allclose(
        batched, [forward_over_reverse(f, (X,), (v,))[0] for v in vs], rtol=1e-14
    )
    np.testing.assert_allclose(
        fad.grad(lambda x: np.sum(fad.hvp(f, (x,), (V,))[1][0]))(X),
        fad.grad(lambda x: np.sum(forward_over_reverse(f, (x,), (V,))[0]))(X),
        rtol=1e-14,
    )
    # the value keeps its own derivative (it is not cut from outer transforms)
    np.testing.assert_allclose(fad.grad(lambda x: fad.hvp(f, (x,), (V,))[0])(X), fad.grad(f)(X))
    np.testing.assert_allclose(
        fad.jvp(lambda x: fad.hvp(f, (x,), (V,))[1][0], (X,), (V,))[1],
        fad.jvp(lambda x: forward_over_reverse(f, (x,), (V,))[0], (X,), (V,))[1],
        rtol=1e-13,
    )
    compiled = fad.compile(lambda x, v: fad.hvp(f, (x,), (v,))[1][0])
    np.testing.assert_allclose(compiled(X, V), forward_over_reverse(f, (X,), (V,))[0], rtol=1e-14)


def test_complex_arguments_keep_forward_over_reverse():
    z, w = X + 1j * V, V + 0.5j * X
    f = lambda z: np.sum(np.abs(z) ** 4)
    _, (hv,) = fad.hvp(f, (z,), (w,))
    np.testing.assert_allclose(hv, forward_over_reverse(f, (z,), (w,))[0], rtol=1e-14)


@pytest.mark.parametrize(
    ("f", "message"),
    [
        (lambda x: x**2, "hvp requires a function with a scalar output"),
        (lambda x: np.sum(x > 0), "hvp requires float or complex outputs"),
        (lambda x: np.sum(x * 1j), "hvp requires a real output"),
    ],
    ids=["vector output", "integer output", "complex output"],
)
def test_refuses_what_grad_refuses_naming_hvp(f, message):
    with pytest.raises(TypeError, match=message):
        fad.hvp(f, (X,), (V,))


def test_the_callers_direction_is_unchanged_and_stays_writable():
    v = V.copy()
    fad.hvp(FUNCTIONS["in place"], (X,), (v,))
    np.testing.assert_array_equal(v, V)
    assert v.flags.writeable


def test_jacobians_of_one_element_take_a_plain_pass():
    # one basis array is pushed or pulled by a plain call, not a batch of one: the result is
    # grad's / jvp's, bit for bit, with the Jacobian's shape
    x = np.array([0.3, -1.2, 2.0])
    a = np.array([[1.0, 2.0, -0.5], [0.1, 0.0, 3.0]])

    def f(x):
        return np.sum(np.log1p(np.exp(a @ x))) + 0.5 * np.sum(x * x)

    g = fad.grad(f)(x)
    for shape in ((), (1,), (1, 1)):
        j = fad.jacrev(lambda x, s=shape: np.reshape(f(x), s))(x)
        assert j.shape == shape + x.shape
        np.testing.assert_array_equal(j.reshape(x.shape), g)
    np.testing.assert_array_equal(fad.hessian(f)(x), fad.jacfwd(fad.grad(f))(x))
    t = fad.jacfwd(lambda s: np.sin(s * x))(np.array([0.7]))
    np.testing.assert_array_equal(t[:, 0], fad.jvp(lambda s: np.sin(s * x), (0.7,), (1.0,))[1])
    (jac, aux) = fad.jacrev(lambda x: (f(x), x * 2), has_aux=True)(x)
    np.testing.assert_array_equal(jac, g)
    np.testing.assert_array_equal(aux, x * 2)
    per_row = fad.vmap(fad.jacrev(f))(np.stack([x, 2 * x]))
    np.testing.assert_array_equal(per_row[1], fad.grad(f)(2 * x))
