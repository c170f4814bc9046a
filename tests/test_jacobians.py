"""Batched Jacobians: chunking, mode selection, the symbolic identity basis, traced indices."""

from __future__ import annotations

import numpy as np
import pytest

import functional_ad as fad
from functional_ad.transforms.structured import ScaledIdentity

RNG = np.random.default_rng(11)
W = RNG.normal(size=(5, 4))
X = RNG.normal(size=4)


def mixed(x):
    """Elementwise, matrix products on both sides, sums and reshapes: every structured rule."""
    h = np.tanh(W @ x) * 2.0 - np.sin(x[:, None] * np.ones(3)).sum(axis=1).repeat(2)[:5]
    return np.concatenate([h / 3.0, (x @ W.T) ** 2, np.reshape(x * x, (2, 2)).ravel(), [x.sum()]])


def test_batched_jacobians_match_finite_differences():
    eps = 1e-6
    numeric = np.stack(
        [(mixed(X + eps * e) - mixed(X - eps * e)) / (2 * eps) for e in np.eye(4)], axis=1
    )
    for jac in (fad.jacrev, fad.jacfwd, fad.jacobian):
        np.testing.assert_allclose(jac(mixed)(X), numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("chunk_size", [1, 2, 3, 100])
def test_chunked_results_are_identical(chunk_size):
    for jac in (fad.jacrev, fad.jacfwd):
        np.testing.assert_allclose(jac(mixed, chunk_size=chunk_size)(X), jac(mixed)(X))
    f = lambda x: np.sum(np.sin(x) ** 3) * np.prod(x[:2])
    np.testing.assert_allclose(fad.hessian(f, chunk_size=chunk_size)(X), fad.hessian(f)(X))
    with pytest.raises(ValueError, match="chunk_size"):
        fad.jacrev(mixed, chunk_size=0)(X)


def test_chunking_with_trees_and_aux():
    def f(p):
        return {"a": np.sin(p["x"]) * p["y"], "b": p["x"].sum()}, "aux"

    p = {"x": X, "y": np.float64(2.0)}
    whole, aux = fad.jacfwd(f, has_aux=True)(p)
    chunked, aux2 = fad.jacfwd(f, has_aux=True, chunk_size=3)(p)
    assert aux == aux2 == "aux"
    for a, b in zip(fad.tree_leaves(whole), fad.tree_leaves(chunked), strict=True):
        np.testing.assert_allclose(a, b)


def test_mode_auto_picks_the_cheaper_direction():
    tall = lambda x: np.outer(x, x).ravel()
    wide = lambda x: np.sum(x)[None]
    for f in (tall, wide):
        np.testing.assert_allclose(fad.jacobian(f, mode="auto")(X), fad.jacrev(f)(X))
        np.testing.assert_allclose(fad.jacobian(f, mode="fwd")(X), fad.jacrev(f)(X))
    with pytest.raises(ValueError, match="mode"):
        fad.jacobian(tall, mode="sideways")


def test_identity_basis_stays_symbolic_through_scaling_and_matrix_products():
    seen = []

    def probe(x):
        y = np.sin(x) * 3.0  # elementwise scaling keeps the identity structure
        seen.append(type(y._tangent._value))  # the tangent: a batch over the basis
        return W @ y

    np.testing.assert_allclose(fad.jacfwd(probe)(X), W * (3 * np.cos(X)))
    assert ScaledIdentity in seen


def test_per_example_gradients_with_integer_labels():
    logits = RNG.normal(size=(6, 3))
    labels = np.array([0, 2, 1, 1, 0, 2])

    def nll(z, label):
        return np.log(np.sum(np.exp(z))) - z[label]

    per_example = fad.vmap(fad.grad(nll))(logits, labels)
    loop = np.stack([fad.grad(nll)(z, k) for z, k in zip(logits, labels, strict=True)])
    np.testing.assert_allclose(per_example, loop)
    hess = fad.vmap(fad.hessian(nll))(logits, labels)
    np.testing.assert_allclose(
        hess, np.stack([fad.hessian(nll)(z, k) for z, k in zip(logits, labels, strict=True)])
    )
