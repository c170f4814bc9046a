"""Products, numpy.linalg and numpy.fft beyond the op table: every einsum form, the transpose
(not adjoint) convention, the Hermitian weighting of the real FFTs, norms at zero, derivatives
through structured matrices, batching, and clear errors where a derivative does not exist."""

from __future__ import annotations

import numpy as np
import pytest

import functional_ad as fad
from functional_ad.testing import check_grads

L = np.linalg


def _rng(seed=0):
    return np.random.default_rng(seed)


def _normal(rng, shape, complex_=False):
    x = rng.standard_normal(shape)
    return x + 1j * rng.standard_normal(shape) if complex_ else x


def _spd(rng, n):
    b = rng.standard_normal((n, n))
    return b @ b.T + n * np.eye(n)


# ----------------------------------------------------------------------------- einsum


EINSUM_CASES = [
    ("ii", [(3, 3)]),
    ("ii->i", [(3, 3)]),
    ("iij->j", [(2, 2, 3)]),
    ("iii->i", [(2, 2, 2)]),
    ("ij", [(2, 3)]),
    ("ji", [(2, 3)]),
    ("ij->", [(2, 3)]),
    ("...", [(2, 3)]),
    ("...ii->...i", [(2, 3, 3)]),
    ("ij,jk", [(2, 3), (3, 4)]),
    ("ba,ab", [(2, 3), (3, 2)]),
    ("bA,Ab", [(2, 3), (3, 2)]),  # implicit output orders upper case before lower case
    ("i,i", [(3,), (3,)]),
    (",ij->ij", [(), (2, 3)]),
    ("ii,i->i", [(3, 3), (3,)]),
    ("ij,ij->ij", [(1, 3), (2, 3)]),  # a named axis of length one broadcasts
    ("ij,ij->i", [(2, 1), (2, 3)]),
    ("...i,...i", [(1, 3), (2, 3)]),
    ("...i,...i->...", [(3,), (2, 3)]),
    ("i...,i...->...", [(3, 2), (3, 2)]),
    ("...ij,...jk", [(2, 2, 3), (3, 4)]),
    ("ij...,jk...->ik...", [(2, 3, 1), (3, 2, 4)]),
    ("i,j,k->ijk", [(2,), (3,), (2,)]),
    ("ij,jk,kl->il", [(2, 3), (3, 3), (3, 2)]),
    (" ij , jk -> ik ", [(2, 3), (3, 2)]),
]


@pytest.mark.parametrize("spec, shapes", EINSUM_CASES, ids=[c[0] for c in EINSUM_CASES])
def test_einsum_subscripts(spec, shapes):
    rng = _rng(1)
    args = [_normal(rng, s) for s in shapes]
    f = lambda *xs: np.einsum(spec, *xs)
    out, _ = fad.jvp(f, tuple(args), tuple(np.zeros_like(a) for a in args))
    np.testing.assert_allclose(out, f(*args), rtol=1e-12, atol=1e-12)
    check_grads(f, args, order=2)


@pytest.mark.parametrize("spec, shapes", EINSUM_CASES[::4], ids=[c[0] for c in EINSUM_CASES[::4]])
def test_einsum_subscripts_complex(spec, shapes):
    rng = _rng(2)
    args = [_normal(rng, s, complex_=True) for s in shapes]
    check_grads(lambda *xs: np.einsum(spec, *xs), args, order=1)


def test_einsum_interleaved_form_matches_string_form():
    rng = _rng(3)
    a, b = rng.standard_normal((2, 2, 3)), rng.standard_normal((3, 4))

    def interleaved(a, b):
        return np.sum(np.einsum(a, [Ellipsis, 0, 1], b, [1, 2], [Ellipsis, 0, 2]) ** 2)

    def spelled(a, b):
        return np.sum(np.einsum("...ab,bc->...ac", a, b) ** 2)

    for got, want in zip(
        fad.grad(interleaved, (0, 1))(a, b), fad.grad(spelled, (0, 1))(a, b), strict=True
    ):
        np.testing.assert_allclose(got, want, rtol=1e-12)


def test_einsum_path_is_computed_from_shapes_under_a_transform():
    rng = _rng(4)
    b, c = rng.standard_normal((3, 3)), rng.standard_normal((3, 2))

    def f(a):
        path, _ = np.einsum_path("ij,jk,kl->il", a, b, c, optimize="optimal")
        return np.sum(np.einsum("ij,jk,kl->il", a, b, c, optimize=path))

    a = rng.standard_normal((2, 3))
    np.testing.assert_allclose(fad.grad(f)(a), np.outer(np.ones(2), b @ c @ np.ones(2)))


# ----------------------------------------------------------------------------- convention


HOLOMORPHIC = {
    "inv": L.inv,
    "det": L.det,
    "solve": lambda a: L.solve(a, np.arange(1.0, 4.0)),
    "matrix_power": lambda a: L.matrix_power(a, 3),
    "fft": lambda a: np.fft.fft(a, axis=0),
    "einsum": lambda a: np.einsum("ij,jk->ik", a, a),
}


@pytest.mark.parametrize("name", sorted(HOLOMORPHIC))
def test_vjp_is_the_plain_transpose_for_holomorphic_functions(name):
    f = HOLOMORPHIC[name]
    rng = _rng(5)
    z = _normal(rng, (3, 3), complex_=True) + 3 * np.eye(3)
    jac = fad.jacfwd(f, holomorphic=True)(z)  # out.shape + in.shape, complex derivatives
    y, pullback = fad.vjp(f, z)
    u = _normal(rng, np.shape(y), complex_=True)
    expected = np.tensordot(u, jac, axes=np.ndim(y))  # u^T J, no conjugation
    np.testing.assert_allclose(pullback(u)[0], expected, rtol=1e-10, atol=1e-10)


def test_fft_vjp_is_the_fft_itself_not_the_inverse():
    # the DFT matrix is symmetric: its transpose is itself; its adjoint would be n * ifft
    rng = _rng(6)
    x, u = _normal(rng, 8, complex_=True), _normal(rng, 8, complex_=True)
    _, pullback = fad.vjp(np.fft.fft, x)
    np.testing.assert_allclose(pullback(u)[0], np.fft.fft(u), rtol=1e-12, atol=1e-12)
    _, pullback = fad.vjp(lambda x: np.fft.ifft(x, norm="ortho"), x)
    np.testing.assert_allclose(pullback(u)[0], np.fft.ifft(u, norm="ortho"), atol=1e-12)


def test_grad_of_a_real_function_of_a_complex_matrix_is_conjugated():
    # grad(|z|^2) = 2 conj(z), as grad(lambda z: abs(z)**2)(3+4j) == 6-8j
    z = _normal(_rng(7), (2, 3), complex_=True)
    np.testing.assert_allclose(fad.grad(lambda z: L.norm(z) ** 2)(z), 2 * np.conj(z), rtol=1e-12)


# ----------------------------------------------------------------------------- real FFTs


def _dense(f, n, complex_=False):
    """Columns f(e_k) (or f(i e_k)) for the unit vectors e_k of length n."""
    basis = np.eye(n) * (1j if complex_ else 1)
    return np.stack([f(b) for b in basis], axis=-1)


@pytest.mark.parametrize("n", [6, 7])
@pytest.mark.parametrize("norm", ["backward", "ortho", "forward"])
def test_rfft_transpose_against_its_dense_matrix(n, norm):
    rng = _rng(8)
    f = lambda x: np.fft.rfft(x, norm=norm)
    matrix = _dense(f, n)  # y = M x for real x
    y, pullback = fad.vjp(f, rng.standard_normal(n))
    u = _normal(rng, np.shape(y), complex_=True)
    # <u, M x> = Re sum(u M x): the real input's cotangent is Re(M^T u)
    np.testing.assert_allclose(pullback(u)[0], np.real(matrix.T @ u), atol=1e-12)


@pytest.mark.parametrize("n", [6, 7])
@pytest.mark.parametrize("norm", ["backward", "ortho", "forward"])
def test_irfft_transpose_against_its_dense_matrices(n, norm):
    # irfft is real-linear in the half spectrum c: y = A Re(c) + B Im(c), so the transpose
    # of the pairing Re sum(c_bar c) is c_bar = A^T y_bar - i B^T y_bar
    rng = _rng(9)
    m = n // 2 + 1
    f = lambda c: np.fft.irfft(c, n=n, norm=norm)
    a, b = _dense(f, m), _dense(f, m, complex_=True)
    y, pullback = fad.vjp(f, _normal(rng, m, complex_=True))
    y_bar = rng.standard_normal(np.shape(y))
    np.testing.assert_allclose(pullback(y_bar)[0], a.T @ y_bar - 1j * (b.T @ y_bar), atol=1e-12)


def test_rfft_irfft_round_trip_has_identity_derivative():
    x = _normal(_rng(10), (3, 8))
    f = lambda x: np.fft.irfft(np.fft.rfft(x), n=8)
    np.testing.assert_allclose(fad.jacrev(f)(x[0]), np.eye(8), atol=1e-12)
    np.testing.assert_allclose(fad.jacfwd(f)(x[0]), np.eye(8), atol=1e-12)


def test_fftshift_and_ifftshift_are_inverse_permutations():
    x = _normal(_rng(11), (3, 5))
    w = _normal(_rng(12), (3, 5))
    f = lambda x: np.sum(np.fft.ifftshift(np.fft.fftshift(x)) * w)
    np.testing.assert_allclose(fad.grad(f)(x), w)


def test_fft_derivatives_stay_single_precision():
    x = np.linspace(0.0, 1.0, 6, dtype=np.float32)
    g = fad.grad(
        lambda x: np.sum(np.abs(np.fft.rfft(x)) ** 2) + np.sum(np.fft.irfft(np.fft.fft(x)))
    )
    assert g(x).dtype == np.float32


# ----------------------------------------------------------------------------- norms


@pytest.mark.parametrize("ord_", [None, 2, 1, np.inf, -np.inf, 3])
@pytest.mark.parametrize("dtype", [np.float64, np.complex128])
def test_vector_norm_at_zero_has_subgradient_zero(ord_, dtype):
    zero = np.zeros(3, dtype)
    g = fad.grad(lambda x: L.norm(x, ord_))(zero)
    np.testing.assert_array_equal(g, np.zeros(3, dtype))
    _, tangent = fad.jvp(lambda x: L.norm(x, ord_), (zero,), (np.ones(3, dtype),))
    assert tangent == 0


@pytest.mark.parametrize("ord_", [None, "fro", 1, np.inf])
def test_matrix_norm_at_zero_has_subgradient_zero(ord_):
    g = fad.grad(lambda x: L.norm(x, ord_))(np.zeros((2, 3)))
    np.testing.assert_array_equal(g, np.zeros((2, 3)))


def test_norm_gradient_at_zero_rows_of_a_batch():
    x = np.array([[0.0, 0.0], [3.0, 4.0]])
    g = fad.grad(lambda x: np.sum(L.norm(x, axis=1)))(x)
    np.testing.assert_allclose(g, [[0.0, 0.0], [0.6, 0.8]])


def test_max_norm_splits_ties_evenly():
    g = fad.grad(lambda x: L.norm(x, np.inf))(np.array([2.0, -2.0, 1.0]))
    np.testing.assert_allclose(g, [0.5, -0.5, 0.0])


def test_norm_rejects_string_orders_for_vectors():
    with pytest.raises(ValueError, match="Invalid norm order"):
        fad.grad(lambda x: L.norm(x, "fro"))(np.ones(3))


# ----------------------------------------------------------------------------- structured inputs


def test_logdet_gradient_and_hessian():
    rng = _rng(13)
    a = _spd(rng, 3)
    v = rng.standard_normal((3, 3))
    logdet = lambda a: L.slogdet(a)[1]
    inv = np.linalg.inv(a)
    np.testing.assert_allclose(fad.grad(logdet)(a), inv.T, rtol=1e-10)
    _, (hv,) = fad.hvp(logdet, (a,), (v,))
    np.testing.assert_allclose(hv, -(inv @ v @ inv).T, rtol=1e-10, atol=1e-12)


def test_cholesky_of_a_parametrised_spd_matrix():
    # the usual way to use it: the matrix is built symmetric, so the triangle read is moot
    b = _normal(_rng(14), (3, 3))
    check_grads(lambda b: L.cholesky(b @ b.T + np.eye(3)), (b,), order=2)


def test_cholesky_reads_one_triangle_like_numpy():
    a = _spd(_rng(15), 3)
    upper_only = np.triu(np.ones((3, 3)), 1)
    _, tangent = fad.jvp(L.cholesky, (a,), (upper_only,))
    np.testing.assert_array_equal(tangent, np.zeros((3, 3)))
    _, tangent = fad.jvp(lambda a: L.cholesky(a, upper=True), (a,), (upper_only.T,))
    np.testing.assert_array_equal(tangent, np.zeros((3, 3)))


def test_eigvalsh_gradient_is_the_outer_product_of_the_eigenvector():
    a = _spd(_rng(16), 4)
    w, v = np.linalg.eigh(a)
    g = fad.grad(lambda a: L.eigvalsh(a)[-1])(a)
    # NumPy reads the lower triangle: the off-diagonal weight lands there, doubled
    outer = np.outer(v[:, -1], v[:, -1])
    expected = np.tril(2 * outer, -1) + np.diag(np.diag(outer))
    np.testing.assert_allclose(g, expected, rtol=1e-10, atol=1e-12)


def test_eigh_of_a_symmetrised_matrix_to_second_order():
    a = _normal(_rng(17), (3, 3))

    def top_eigenvector_energy(a):
        w, v = L.eigh(a + a.T)
        return np.sum(w * v[0] ** 2)

    check_grads(top_eigenvector_energy, (a,), order=2)
    h = fad.hessian(top_eigenvector_energy)(a).reshape(9, 9)
    np.testing.assert_allclose(h, h.T, atol=1e-8)


def test_svd_jacobians_agree_between_modes():
    a = _normal(_rng(18), (4, 3))

    def f(a):
        u, s, vh = L.svd(a, full_matrices=False)
        return np.concatenate([s, np.ravel(u @ np.diag(s**2) @ vh)])

    np.testing.assert_allclose(fad.jacfwd(f)(a), fad.jacrev(f)(a), atol=1e-10)


def test_pinv_of_a_square_matrix_is_differentiated_like_inv():
    a = _normal(_rng(19), (3, 3)) + 3 * np.eye(3)
    np.testing.assert_allclose(fad.jacrev(L.pinv)(a), fad.jacrev(L.inv)(a), atol=1e-9)


def test_lstsq_gradient_of_the_residual():
    rng = _rng(20)
    a, b = rng.standard_normal((5, 2)), rng.standard_normal(5)
    x, residuals, rank, s = L.lstsq(a, b)
    assert rank == 2
    g = fad.grad(lambda b: L.lstsq(a, b)[1][0])(b)
    np.testing.assert_allclose(g, 2 * (b - a @ x), rtol=1e-10)  # d|r|^2/db at the optimum


def test_matrix_power_zero_and_one():
    a = _normal(_rng(21), (3, 3))
    np.testing.assert_array_equal(
        fad.jacrev(lambda a: L.matrix_power(a, 0))(a), np.zeros((3, 3, 3, 3))
    )
    np.testing.assert_allclose(
        fad.jacrev(lambda a: L.matrix_power(a, 1))(a), np.eye(9).reshape(3, 3, 3, 3)
    )


def test_multi_dot_matches_a_chain_of_matmuls():
    rng = _rng(22)
    arrays = [rng.standard_normal(s) for s in [(6,), (6, 2), (2, 5), (5, 4), (4,)]]

    def chained(*xs):
        out = xs[0]
        for x in xs[1:]:
            out = out @ x
        return out

    got = fad.grad(lambda *xs: L.multi_dot(list(xs)), tuple(range(5)))(*arrays)
    want = fad.grad(chained, tuple(range(5)))(*arrays)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-10)


# ----------------------------------------------------------------------------- batching


def test_solve_broadcasts_a_vector_over_a_stack():
    rng = _rng(23)
    a = rng.standard_normal((2, 3, 3)) + 3 * np.eye(3)
    b = rng.standard_normal(3)
    f = lambda a, b: np.sum(L.solve(a, b) ** 2)
    ga, gb = fad.grad(f, (0, 1))(a, b)
    per_slice = [fad.grad(f, (0, 1))(a[i], b) for i in range(2)]
    np.testing.assert_allclose(ga, np.stack([p[0] for p in per_slice]), rtol=1e-10)
    np.testing.assert_allclose(gb, per_slice[0][1] + per_slice[1][1], rtol=1e-10)


def test_vmap_of_grad_of_logdet_matches_a_loop():
    rng = _rng(24)
    stack = np.stack([_spd(rng, 3) for _ in range(4)])
    g = fad.grad(lambda a: L.slogdet(a)[1])
    np.testing.assert_allclose(fad.vmap(g)(stack), np.stack([g(a) for a in stack]), rtol=1e-10)


# ----------------------------------------------------------------------------- errors


def test_full_matrices_svd_of_a_rectangular_matrix_is_refused():
    with pytest.raises(NotImplementedError, match="full_matrices=False"):
        fad.grad(lambda a: np.sum(L.svd(a)[0]))(np.ones((3, 2)))


def test_complete_qr_of_a_tall_matrix_is_refused():
    with pytest.raises(NotImplementedError, match="mode='reduced'"):
        fad.grad(lambda a: np.sum(L.qr(a, mode="complete")[0]))(np.eye(3)[:, :2])


def test_cross_needs_two_or_three_components():
    with pytest.raises(ValueError, match="dimension must be 2 or 3"):
        fad.grad(lambda a: np.sum(np.cross(a, a)))(np.ones(4))


def test_matrix_rank_is_a_constant_that_batches():
    rng = _rng(25)
    stack = rng.standard_normal((3, 4, 4))
    stack[1, :, 0] = stack[1, :, 1]  # rank 3
    np.testing.assert_array_equal(fad.vmap(L.matrix_rank)(stack), [4, 3, 4])
    g = fad.grad(lambda a: L.matrix_rank(a) * np.sum(a))(stack[1])
    np.testing.assert_array_equal(g, np.full((4, 4), 3.0))


def test_lstsq_under_vmap_and_compile_assumes_full_rank():
    rng = _rng(26)
    a, b = rng.standard_normal((3, 5, 2)), rng.standard_normal((3, 5))
    x, residuals, rank = fad.vmap(lambda a, b: L.lstsq(a, b)[:3])(a, b)
    for i in range(3):
        want = L.lstsq(a[i], b[i])
        np.testing.assert_allclose(x[i], want[0], rtol=1e-12)
        np.testing.assert_allclose(residuals[i], want[1], rtol=1e-12)
        assert rank[i] == want[2]
    compiled = fad.compile(lambda a, b: L.lstsq(a, b)[:2])
    for got, want in zip(compiled(a[0], b[0]), L.lstsq(a[0], b[0])[:2], strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-12)
