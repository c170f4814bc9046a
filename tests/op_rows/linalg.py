"""Op-table rows for numpy.linalg, with samplers for the inputs each function needs.

Decompositions are differentiable where they are smooth: distinct eigenvalues, distinct
nonzero singular values, full rank. The samplers build such matrices from a random unitary
(orthogonal) basis and well-separated spectra, so finite differences stay accurate. For
complex inputs eigenvectors and singular vectors have a free phase per vector; rows marked
"[gauge-free]" check the phase-independent functions of them (projectors, u_k vh_k).
"""

import numpy as np

from tests.op_table import OpCase

L = np.linalg


def _draw(rng, shape, dtype):
    x = rng.standard_normal(shape)
    if np.dtype(dtype).kind == "c":
        x = x + 1j * rng.standard_normal(shape)
    return x


def _unitary(rng, shape, dtype):
    """Random orthogonal (unitary for complex dtypes) matrices of ``shape`` (..., n, n)."""
    q, _ = np.linalg.qr(_draw(rng, shape, dtype))
    return q


def _with_spectrum(rng, shape, dtype, values, hermitian):
    """Matrices Q diag(values) Q^H (hermitian) or U diag(values) V^H of ``shape``."""
    m, n = shape[-2:]
    batch = shape[:-2]
    u = _unitary(rng, batch + (m, m), dtype)[..., :, : min(m, n)]
    v = u if hermitian else _unitary(rng, batch + (n, n), dtype)[..., :, : min(m, n)]
    x = (u * values) @ np.conj(np.swapaxes(v, -1, -2))
    return np.asarray(x if np.dtype(dtype).kind == "c" else x.real, dtype)


def _sampler(first, rest=None):
    """A sampler: ``first(rng, shape, dtype)`` for argument 0, plain normal draws for the rest."""

    def sample(rng, shapes, dtype):
        args = [first(rng, shapes[0], dtype)]
        for s in shapes[1:]:
            args.append(np.asarray(_draw(rng, s, dtype), dtype))
        return args

    return sample


def well_conditioned(rng, shape, dtype):
    """Singular values spread over [1, 2.5]: inverses and solves are accurate."""
    k = min(shape[-2:])
    return _with_spectrum(rng, shape, dtype, np.linspace(2.5, 1.0, k), hermitian=False)


def positive_definite(rng, shape, dtype):
    """Hermitian positive definite, eigenvalues spread over [1, 3]."""
    return _with_spectrum(rng, shape, dtype, np.linspace(1.0, 3.0, shape[-1]), hermitian=True)


def hermitian(rng, shape, dtype):
    """Hermitian with eigenvalues spread over [-2, 2] (gaps of at least 4 / (n - 1))."""
    return _with_spectrum(rng, shape, dtype, np.linspace(-2.0, 2.0, shape[-1]), hermitian=True)


def indefinite(rng, shape, dtype):
    """Hermitian with eigenvalues of both signs and distinct magnitudes (svd(hermitian=True))."""
    return _with_spectrum(rng, shape, dtype, np.linspace(-2.5, 1.6, shape[-1]), hermitian=True)


def distinct_singular_values(rng, shape, dtype):
    """Any shape, singular values spread over [1, 3]."""
    k = min(shape[-2:])
    return _with_spectrum(rng, shape, dtype, np.linspace(3.0, 1.0, k), hermitian=False)


def real_spectrum(rng, shape, dtype):
    """Non-normal matrices S diag(d) S^-1 with distinct eigenvalues (real for real dtypes)."""
    n = shape[-1]
    s = np.eye(n) + 0.3 * _draw(rng, shape, dtype)
    d = np.linspace(-2.0, 2.0, n) + (0.5j * np.arange(n) if np.dtype(dtype).kind == "c" else 0)
    x = (s * d) @ np.linalg.inv(s)
    return np.asarray(x if np.dtype(dtype).kind == "c" else x.real, dtype)


def rotation_spectrum(rng, shape, dtype):
    """Real 3x3 matrices with eigenvalues 0.5 ± 1.2i and -1.5 (a complex pair)."""
    block = np.array([[0.5, -1.2, 0.0], [1.2, 0.5, 0.0], [0.0, 0.0, -1.5]])
    s = np.eye(3) + 0.3 * _draw(rng, shape, dtype)
    x = s @ block @ np.linalg.inv(s)
    return np.asarray(x if np.dtype(dtype).kind == "c" else x.real, dtype)


def away_from_zero(rng, shapes, dtype):
    """Entries with magnitude in [0.3, 2] (p-norms with p < 1 blow up at 0)."""
    out = []
    for s in shapes:
        x = rng.uniform(0.3, 2.0, s) * rng.choice([-1.0, 1.0], s)
        if np.dtype(dtype).kind == "c":
            x = x * np.exp(1j * rng.uniform(0, 2 * np.pi, s))
        out.append(np.asarray(x, dtype))
    return out


def packed(f):
    """``f`` with its outputs raveled and joined into one array.

    The op-table harness compares a row's value with ``assert_allclose``, which needs one
    array; the derivative checks see every output entry either way.
    """

    def g(*args):
        return np.concatenate([np.ravel(out) for out in f(*args)])

    g.__name__ = getattr(f, "__name__", "packed")
    return g


def _sign_fixed(v, *others):
    """Real eigen/singular vectors with the first row made positive (``others`` rows follow u).

    LAPACK's choice of sign can flip under a tiny perturbation; fixing it makes the vectors a
    smooth function of the matrix, so finite differences can check them.
    """
    signs = np.sign(v[..., :1, :])
    return (v * signs,) + tuple(o * np.swapaxes(signs, -1, -2) for o in others)


def _eigh_fixed(a, uplo="L"):
    w, v = L.eigh(a, UPLO=uplo)
    return (w,) + _sign_fixed(v)


def _svd_fixed(a, hermitian=False):
    u, s, vh = L.svd(a, full_matrices=False, hermitian=hermitian)
    u, vh = _sign_fixed(u, vh)
    return u, s, vh


def _projectors(v):
    """v_k v_k^H for each column k: independent of the phase of each eigenvector."""
    return np.einsum("...ik,...jk->...ijk", v, np.conj(v))


def _eigh_gauge_free(a):
    w, v = L.eigh(a)
    return w, _projectors(v)


def _eig_gauge_free(a):
    w, v = L.eig(a)
    return w, _projectors(v)


def _svd_gauge_free(a):
    u, s, vh = L.svd(a, full_matrices=False)
    return s, np.einsum("...ik,...kj->...ikj", u, vh)


SQUARE = [(3, 3), (2, 3, 3)]
RECT = [(3, 3), (4, 2), (2, 3)]
MATRIX = [(3, 3), (2, 3, 2)]

ROWS = [
    OpCase("linalg.inv", L.inv, shapes=SQUARE, complex=True, sample=_sampler(well_conditioned)),
    OpCase(
        "linalg.det",
        L.det,
        shapes=[(3, 3), (2, 2, 2)],
        complex=True,
        sample=_sampler(well_conditioned),
    ),
    OpCase(
        "linalg.slogdet",
        packed(L.slogdet),
        shapes=SQUARE,
        complex=True,
        sample=_sampler(well_conditioned),
    ),
    OpCase(
        "linalg.solve",
        L.solve,
        arity=2,
        complex=True,
        sample=_sampler(well_conditioned),
        shapes=[((3, 3), (3,)), ((2, 3, 3), (3, 2)), ((3, 3), (2, 3, 1))],
    ),
    OpCase(
        "linalg.cholesky",
        L.cholesky,
        shapes=SQUARE,
        complex=True,
        sample=_sampler(positive_definite),
    ),
    OpCase(
        "linalg.cholesky[upper]",
        lambda a: L.cholesky(a, upper=True),
        shapes=[(3, 3)],
        complex=True,
        sample=_sampler(positive_definite),
    ),
    OpCase(
        "linalg.qr",
        packed(L.qr),
        shapes=RECT + [(2, 3, 2)],
        complex=True,
        sample=_sampler(well_conditioned),
    ),
    OpCase(
        "linalg.qr[r]",
        lambda a: L.qr(a, mode="r"),
        shapes=[(4, 3)],
        complex=True,
        sample=_sampler(well_conditioned),
    ),
    OpCase("linalg.eigh", packed(_eigh_fixed), shapes=SQUARE, sample=_sampler(hermitian)),
    OpCase(
        "linalg.eigh[upper]",
        packed(lambda a: _eigh_fixed(a, "U")),
        shapes=[(3, 3)],
        sample=_sampler(hermitian),
    ),
    OpCase(
        "linalg.eigh[gauge-free]",
        packed(_eigh_gauge_free),
        shapes=SQUARE,
        complex=True,
        sample=_sampler(hermitian),
    ),
    OpCase("linalg.eigvalsh", L.eigvalsh, shapes=SQUARE, complex=True, sample=_sampler(hermitian)),
    OpCase(
        "linalg.eig[gauge-free]",
        packed(_eig_gauge_free),
        shapes=SQUARE,
        complex=True,
        sample=_sampler(real_spectrum),
    ),
    OpCase(
        "linalg.eigvals",
        L.eigvals,
        shapes=[(3, 3)],
        complex=True,
        sample=_sampler(rotation_spectrum),
    ),
    OpCase(
        "linalg.svd", packed(_svd_fixed), shapes=RECT, sample=_sampler(distinct_singular_values)
    ),
    OpCase(
        "linalg.svd[gauge-free]",
        packed(_svd_gauge_free),
        shapes=RECT + [(2, 3, 2)],
        complex=True,
        sample=_sampler(distinct_singular_values),
    ),
    OpCase(
        "linalg.svd[hermitian]",
        packed(lambda a: _svd_fixed(a, hermitian=True)),
        shapes=[(3, 3)],
        sample=_sampler(indefinite),
    ),
    OpCase(
        "linalg.svdvals",
        L.svdvals,
        shapes=RECT,
        complex=True,
        sample=_sampler(distinct_singular_values),
    ),
    OpCase(
        "linalg.pinv",
        L.pinv,
        shapes=RECT + [(2, 3, 2)],
        complex=True,
        sample=_sampler(distinct_singular_values),
    ),
    OpCase(
        "linalg.pinv[hermitian]",
        lambda a: L.pinv(a, hermitian=True),
        shapes=[(3, 3)],
        complex=True,
        sample=_sampler(positive_definite),
    ),
    OpCase(
        "linalg.lstsq",
        packed(lambda a, b: L.lstsq(a, b)[:2]),
        arity=2,
        complex=True,
        sample=_sampler(distinct_singular_values),
        shapes=[((4, 2), (4,)), ((4, 3), (4, 2)), ((2, 3), (2,))],
    ),
    OpCase(
        "linalg.matrix_power",
        lambda a: L.matrix_power(a, 5),
        shapes=SQUARE,
        complex=True,
        sample=_sampler(well_conditioned),
    ),
    OpCase(
        "linalg.matrix_power[negative]",
        lambda a: L.matrix_power(a, -2),
        shapes=[(3, 3)],
        complex=True,
        sample=_sampler(well_conditioned),
    ),
    OpCase(
        "linalg.multi_dot",
        lambda a, b, c: L.multi_dot([a, b, c]),
        arity=3,
        complex=True,
        shapes=[((3,), (3, 4), (4, 2)), ((2, 3), (3, 3), (3,))],
    ),
    OpCase(
        "linalg.cond",
        L.cond,
        shapes=[(3, 3)],
        complex=True,
        sample=_sampler(distinct_singular_values),
    ),
    OpCase(
        "linalg.cond[fro]",
        lambda a: L.cond(a, "fro"),
        shapes=[(3, 3)],
        complex=True,
        sample=_sampler(well_conditioned),
    ),
    OpCase(
        "linalg.tensorinv",
        lambda a: L.tensorinv(np.reshape(a, (2, 3, 6)), ind=2),
        shapes=[(6, 6)],
        sample=_sampler(well_conditioned),
        complex=True,
    ),
    OpCase(
        "linalg.tensorsolve",
        lambda a, b: L.tensorsolve(np.reshape(a, (2, 2, 4)), b),
        arity=2,
        shapes=[((4, 4), (2, 2))],
        sample=_sampler(well_conditioned),
        complex=True,
    ),
    OpCase("linalg.matrix_transpose", L.matrix_transpose, shapes=MATRIX, complex=True),
    OpCase("linalg.trace", lambda a: L.trace(a, offset=1), shapes=MATRIX, complex=True),
    OpCase("linalg.diagonal", lambda a: L.diagonal(a, offset=-1), shapes=MATRIX, complex=True),
    # vector norms: every p; the default is the 2-norm of all entries
    OpCase("linalg.norm", L.norm, shapes=[(3,), (2, 3), (2, 2, 2)], complex=True),
    OpCase(
        "linalg.norm[axis,keepdims]",
        lambda x: L.norm(x, axis=0, keepdims=True),
        shapes=[(2, 3)],
        complex=True,
    ),
    OpCase(
        "linalg.norm[1]",
        lambda x: L.norm(x, 1, axis=-1),
        shapes=[(3,), (2, 3)],
        complex=True,
        sample=away_from_zero,
    ),
    OpCase(
        "linalg.norm[inf]",
        lambda x: L.norm(x, np.inf, axis=-1),
        shapes=[(3,), (2, 3)],
        complex=True,
    ),
    OpCase(
        "linalg.norm[-inf]",
        lambda x: L.norm(x, -np.inf, axis=-1),
        shapes=[(3,), (2, 3)],
        complex=True,
    ),
    OpCase("linalg.norm[3]", lambda x: L.norm(x, 3, axis=-1), shapes=[(3,), (2, 3)], complex=True),
    OpCase(
        "linalg.norm[0.5]",
        lambda x: L.norm(x, 0.5, axis=-1),
        shapes=[(3,)],
        complex=True,
        sample=away_from_zero,
    ),
    OpCase(
        "linalg.norm[-1]",
        lambda x: L.norm(x, -1, axis=-1),
        shapes=[(3,)],
        complex=True,
        sample=away_from_zero,
    ),
    OpCase(
        "linalg.norm[0]",
        lambda x: L.norm(x, 0, axis=-1),
        shapes=[(3,)],
        complex=True,
        sample=away_from_zero,
    ),
    # matrix norms, over the last two axes
    *[
        OpCase(
            f"linalg.norm[{name}]",
            (lambda o: lambda x: L.norm(x, o, axis=(-2, -1)))(ord_),
            shapes=MATRIX,
            complex=True,
            sample=sample,
        )
        for name, ord_, sample in [
            ("fro", "fro", None),
            ("nuc", "nuc", _sampler(distinct_singular_values)),
            ("matrix-2", 2, _sampler(distinct_singular_values)),
            ("matrix--2", -2, _sampler(distinct_singular_values)),
            ("matrix-1", 1, away_from_zero),
            ("matrix--1", -1, away_from_zero),
            ("matrix-inf", np.inf, away_from_zero),
            ("matrix--inf", -np.inf, away_from_zero),
        ]
    ],
    OpCase(
        "linalg.norm[matrix,keepdims]",
        lambda x: L.norm(x, 1, axis=(0, 1), keepdims=True),
        shapes=[(2, 3)],
        complex=True,
        sample=away_from_zero,
    ),
    OpCase(
        "linalg.vector_norm",
        lambda x: L.vector_norm(x, axis=(0, 2), ord=3),
        shapes=[(2, 2, 2)],
        complex=True,
    ),
    OpCase(
        "linalg.matrix_norm",
        lambda x: L.matrix_norm(x, ord="nuc"),
        shapes=MATRIX,
        complex=True,
        sample=_sampler(distinct_singular_values),
    ),
]
