"""det and slogdet at singular matrices: the gradient of det is the adjugate, which exists
at every matrix; slogdet's gradient is ``adj(A)^T / det(A)`` in floating point."""

import itertools

import numpy as np
import pytest

import functional_ad as fad
from functional_ad.testing import check_grads


def _adjugate(a):
    """The adjugate by cofactors (the definition), for small matrices."""
    n = a.shape[0]
    out = np.zeros_like(a)
    for i, j in itertools.product(range(n), repeat=2):
        minor = np.delete(np.delete(a, i, 0), j, 1)
        out[j, i] = (-1) ** (i + j) * (np.linalg.det(minor) if n > 1 else 1.0)
    return out


def _hessian_of_det(a):
    """d2 det / dA_ij dA_kl by central differences of the adjugate (det is a polynomial)."""
    n = a.shape[0]
    h = np.zeros((n, n, n, n), a.dtype)
    eps = 1e-5
    for k, m in itertools.product(range(n), repeat=2):
        e = np.zeros_like(a)
        e[k, m] = eps
        h[:, :, k, m] = (_adjugate(a + e).T - _adjugate(a - e).T) / (2 * eps)
    return h


def _singular(n, rank, seed, dtype=float):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, rank)) @ rng.normal(size=(rank, n))
    if np.dtype(dtype).kind == "c":
        x = x + 1j * (rng.normal(size=(n, rank)) @ rng.normal(size=(rank, n)))
    return x.astype(dtype)


CASES = [(1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2), (4, 2), (4, 3), (5, 3)]


@pytest.mark.parametrize("n, rank", CASES)
def test_grad_of_det_is_the_adjugate(n, rank):
    a = _singular(n, rank, seed=n * 10 + rank)
    np.testing.assert_allclose(fad.grad(np.linalg.det)(a), _adjugate(a).T, atol=1e-12)
    t = np.random.default_rng(1).normal(size=(n, n))
    _, tangent = fad.jvp(np.linalg.det, (a,), (t,))
    np.testing.assert_allclose(tangent, np.sum(_adjugate(a).T * t), atol=1e-12)


@pytest.mark.parametrize("n, rank", CASES)
def test_second_order_of_det_at_singular_matrices(n, rank):
    a = _singular(n, rank, seed=n * 10 + rank)
    expected = _hessian_of_det(a)
    np.testing.assert_allclose(fad.hessian(np.linalg.det)(a), expected, atol=1e-8)
    np.testing.assert_allclose(fad.jacrev(fad.grad(np.linalg.det))(a), expected, atol=1e-8)
    check_grads(np.linalg.det, (a,), order=2)


def test_rank_deficient_by_two_has_zero_gradient_and_nonzero_hessian():
    a = _singular(4, 2, seed=3)
    np.testing.assert_allclose(fad.grad(np.linalg.det)(a), 0.0, atol=1e-12)
    assert np.abs(fad.hessian(np.linalg.det)(a)).max() > 0.1


def test_zero_matrix():
    for n in (1, 2, 3):
        z = np.zeros((n, n))
        np.testing.assert_array_equal(fad.grad(np.linalg.det)(z), np.eye(1) if n == 1 else 0.0)
    # the Hessian of det at 0 (2x2): d2(ad - bc)
    h = fad.hessian(np.linalg.det)(np.zeros((2, 2))).reshape(4, 4)
    np.testing.assert_array_equal(h, [[0, 0, 0, 1], [0, 0, -1, 0], [0, -1, 0, 0], [1, 0, 0, 0]])


@pytest.mark.parametrize("dtype", [np.float64, np.complex128])
def test_batched_and_vmapped(dtype):
    a = np.stack([_singular(3, r, seed=r, dtype=dtype) for r in (0, 1, 2, 3)])
    expected = np.stack([_adjugate(m).T for m in a])
    g = fad.grad(lambda x: np.sum(np.real(np.linalg.det(x))))(a)
    # grad(Re f) = d Re f/dx - i d Re f/dy = f' for a holomorphic f
    np.testing.assert_allclose(g, expected, atol=1e-11)
    per = fad.vmap(fad.grad(lambda x: np.real(np.linalg.det(x))))(a)
    np.testing.assert_allclose(per, g, atol=1e-12)
    check_grads(np.linalg.det, (a,), order=2)


def test_matches_jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    jnp = jax.numpy
    for n, rank in CASES:
        a = _singular(n, rank, seed=n + rank)
        np.testing.assert_allclose(
            fad.grad(np.linalg.det)(a), jax.grad(jnp.linalg.det)(a), atol=1e-10
        )
        np.testing.assert_allclose(
            fad.hessian(np.linalg.det)(a), jax.hessian(jnp.linalg.det)(a), atol=1e-8
        )


def test_third_order_is_a_named_error():
    a = _singular(3, 2, seed=0)
    with pytest.raises(NotImplementedError, match="adjugate_jvp"):
        fad.jacfwd(fad.hessian(np.linalg.det))(a)


def test_slogdet_at_a_singular_matrix():
    a = _singular(3, 2, seed=5)
    sign, logabsdet = np.linalg.slogdet(a)
    g = fad.grad(lambda x: np.linalg.slogdet(x)[1])(a)
    adj_t = _adjugate(a).T
    # adj(A)^T / det(A): huge or infinite where the adjugate is nonzero, never a LinAlgError
    assert np.all(np.abs(g[np.abs(adj_t) > 1e-8]) > 1e8)
    z = np.array([[1.0, 2.0], [2.0, 4.0]])
    g = fad.grad(lambda x: np.linalg.slogdet(x)[1])(z)
    assert np.all(np.isinf(g) | np.isnan(g))
    assert np.isnan(fad.grad(lambda x: np.linalg.slogdet(x)[1])(np.zeros((3, 3)))).all()
    # the sign is constant for real input: its gradient is zero even there
    np.testing.assert_array_equal(fad.grad(lambda x: np.linalg.slogdet(x)[0])(z), 0.0)


def test_slogdet_unchanged_for_invertible_matrices():
    rng = np.random.default_rng(7)
    a = rng.normal(size=(2, 3, 3)) + 3 * np.eye(3)
    g = fad.grad(lambda x: np.sum(np.linalg.slogdet(x)[1]))(a)
    np.testing.assert_allclose(g, np.swapaxes(np.linalg.inv(a), -1, -2), rtol=1e-12)
    c = a + 1j * rng.normal(size=a.shape)
    check_grads(lambda x: np.linalg.slogdet(x)[1], (c,), order=2)
    check_grads(lambda x: np.linalg.slogdet(x)[0], (c,), order=2)


def test_non_finite_entries_give_nan_not_a_linalg_error():
    a = np.array([[1.0, np.nan], [2.0, 3.0]])
    with np.errstate(all="ignore"):
        assert np.isnan(fad.grad(np.linalg.det)(a)).all()
        assert np.isnan(fad.jvp(np.linalg.det, (a,), (np.ones((2, 2)),))[1])
        g = fad.grad(lambda x: np.sum(np.linalg.det(x)))(np.stack([a, np.eye(2)]))
    assert np.isnan(g[0]).all()
    np.testing.assert_allclose(g[1], np.eye(2), rtol=1e-14)  # the other matrix is unaffected
