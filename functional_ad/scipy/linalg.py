"""``scipy.linalg`` for traced values: SciPy's names and signatures over functional_ad's
linear-algebra primitives (``np.linalg`` ones, and the triangular solve, Sylvester solve
and matrix functions of ``ops/matrix_equations.py``).

>>> import numpy as np, functional_ad as fad
>>> float(fad.grad(lambda a: np.trace(expm(a)))(np.zeros((2, 2)))[0, 0])  # d tr e^A = e^A
1.0
"""

from __future__ import annotations

import operator
from typing import Any, Literal

import numpy as np

from ..core import concrete
from ..ops.matrix_equations import (
    expm_p,
    frechet,
    logm_p,
    lu_pivots_p,
    pivot_permutation_p,
    solve_sylvester_p,
    solve_triangular_p,
    sqrtm_p,
)
from ..ops.registry import at_least_double
from ._require import scipy_module

scipy_module("linalg")


def _no_option(name: str, option: str) -> NotImplementedError:
    return NotImplementedError(
        f"functional_ad.scipy.linalg.{name}: {option} is not supported with traced values; "
        f"call scipy.linalg.{name} on plain arrays, or functional_ad.stop_gradient the inputs"
    )


# SciPy's assume_a: the structures whose solver reads part of ``a`` only, and the others
_SYMMETRIC = ("sym", "symmetric")
_HERMITIAN = ("her", "hermitian")
_POSITIVE = ("pos", "positive definite")
_TRIANGULAR = {"upper triangular": False, "lower triangular": True}  # -> lower
_GENERAL = (None, "gen", "general", "banded")  # ('banded': its bands are found in a itself)


def solve(a: Any, b: Any, lower: bool = False, overwrite_a: bool = False,
          overwrite_b: bool = False, check_finite: bool = True, assume_a: Any = None,
          transposed: bool = False) -> Any:  # fmt: skip
    """Return ``x`` with ``a @ x = b`` (``b`` of shape ``(n,)`` or ``(n, k)``).

    As SciPy's solvers, a structure ``assume_a`` reads only its part of ``a``: one triangle
    (``lower``) for 'sym', 'her' and 'pos', the diagonal for 'diagonal', three diagonals for
    'tridiagonal', a triangle for 'upper triangular' and 'lower triangular'. The derivative
    flows to that part only.

    >>> import numpy as np
    >>> solve(np.array([[2.0, 0.0], [0.0, 4.0]]), np.array([2.0, 2.0]))
    array([1. , 0.5])
    >>> solve(np.array([[2.0, 1.0], [9.0, 2.0]]), np.array([3.0, 3.0]), assume_a="sym")
    array([1., 1.])
    """
    if assume_a in _TRIANGULAR:
        return solve_triangular(a, b, trans=int(bool(transposed)), lower=_TRIANGULAR[assume_a])
    if assume_a in _POSITIVE:
        c = cholesky(a, lower=lower)
        return cho_solve((c, lower), b)  # (a Hermitian a: its own transpose)
    if assume_a in _SYMMETRIC or assume_a in _HERMITIAN:
        a = _from_triangle(a, lower, hermitian=assume_a in _HERMITIAN)
    elif assume_a == "diagonal":
        a = _diagonal_matrix(np.diagonal(a, axis1=-2, axis2=-1))
    elif assume_a == "tridiagonal":
        a = np.triu(np.tril(a, 1), -1)
    elif assume_a not in _GENERAL:
        raise ValueError(f"{assume_a} is not a recognized matrix structure")
    if transposed:
        a = np.swapaxes(a, -1, -2)
    return np.linalg.solve(a, b)


def _from_triangle(a: Any, lower: bool, hermitian: bool) -> Any:
    """The symmetric (Hermitian) matrix held in one triangle of ``a``, as LAPACK reads it (a
    Hermitian diagonal's imaginary part is taken for zero)."""
    part = np.tril(a, -1) if lower else np.triu(a, 1)
    other = np.swapaxes(np.conj(part) if hermitian else part, -1, -2)
    diagonal = np.diagonal(a, axis1=-2, axis2=-1)
    return part + other + _diagonal_matrix(np.real(diagonal) if hermitian else diagonal)


def _diagonal_matrix(d: Any) -> Any:
    """The (stack of) diagonal matrices with the diagonals ``d``."""
    return np.eye(np.shape(d)[-1], dtype=np.result_type(d)) * np.expand_dims(d, -1)


def solve_triangular(a: Any, b: Any, trans: Any = 0, lower: bool = False,
                     unit_diagonal: bool = False, overwrite_b: bool = False,
                     check_finite: bool = True) -> Any:  # fmt: skip
    """Return ``x`` with ``op(T) @ x = b``, ``T`` the lower or upper triangle of ``a``.

    ``trans`` is 0 / 'N' (``T``), 1 / 'T' (``Tᵀ``) or 2 / 'C' (conjugate transpose).

    >>> import numpy as np
    >>> solve_triangular(np.array([[2.0, 0.0], [1.0, 1.0]]), np.array([2.0, 3.0]), lower=True)
    array([1., 2.])
    """
    transpose = {0: False, "N": False, 1: True, "T": True, 2: True, "C": True}[trans]
    if trans in (2, "C") and np.iscomplexobj(a):
        a = np.conj(a)
    vector = np.ndim(b) == 1
    if vector:
        b = np.expand_dims(b, -1)
    x = solve_triangular_p(
        a, b, lower=bool(lower), transpose=transpose, unit_diagonal=bool(unit_diagonal)
    )
    return x[..., 0] if vector else x


def cholesky(a: Any, lower: bool = False, overwrite_a: bool = False,
             check_finite: bool = True) -> Any:  # fmt: skip
    """Return the Cholesky factor of ``a``: upper ``U`` with ``a = Uᴴ U`` (SciPy's default) or
    lower ``L`` with ``a = L Lᴴ``.

    >>> import numpy as np
    >>> cholesky(np.array([[4.0, 2.0], [2.0, 2.0]]))
    array([[2., 1.],
           [0., 1.]])
    """
    return np.linalg.cholesky(a, upper=not lower)


def cho_factor(a: Any, lower: bool = False, overwrite_a: bool = False,
               check_finite: bool = True) -> tuple[Any, bool]:  # fmt: skip
    """Return ``(c, lower)`` for ``cho_solve``; ``c`` holds the factor (zeros elsewhere).

    >>> import numpy as np
    >>> c, low = cho_factor(np.array([[4.0, 2.0], [2.0, 2.0]]), lower=True)
    >>> c
    array([[2., 0.],
           [1., 1.]])
    """
    return cholesky(a, lower=lower), lower


def cho_solve(c_and_lower: tuple[Any, bool], b: Any, overwrite_b: bool = False,
              check_finite: bool = True) -> Any:  # fmt: skip
    """Return ``x`` with ``a @ x = b`` from ``cho_factor(a)``; only the factor's triangle is
    read (and differentiated).

    >>> import numpy as np
    >>> a = np.array([[4.0, 2.0], [2.0, 2.0]])
    >>> cho_solve(cho_factor(a), np.array([6.0, 4.0]))
    array([1., 1.])
    """
    c, lower = c_and_lower
    if lower:  # L Lᴴ x = b
        y = solve_triangular(c, b, lower=True)
        return solve_triangular(c, y, trans=2, lower=True)
    y = solve_triangular(c, b, trans=2, lower=False)  # Uᴴ U x = b
    return solve_triangular(c, y, lower=False)


def lu_factor(a: Any, overwrite_a: bool = False, check_finite: bool = True) -> tuple[Any, Any]:
    """Return ``(lu, piv)``: ``P a = L U`` packed in one matrix, and LAPACK's pivots.

    The packed factor is differentiable: ``dL, dU`` from ``L⁻¹ P dA U⁻¹`` (its strictly
    lower part times ``L``, its upper part times ``U``).

    >>> import numpy as np
    >>> lu, piv = lu_factor(np.array([[1.0, 2.0], [3.0, 4.0]]))
    >>> piv
    array([1, 1], dtype=int32)
    """
    piv = lu_pivots_p(a)
    pa = np.take_along_axis(a, pivot_permutation_p(piv)[..., :, None], axis=-2)
    return _lu_no_pivot(pa), piv


def lu_solve(lu_and_piv: tuple[Any, Any], b: Any, trans: int = 0, overwrite_b: bool = False,
             check_finite: bool = True) -> Any:  # fmt: skip
    """Return ``x`` with ``a @ x = b`` (``trans=1``: ``aᵀ x = b``) from ``lu_factor(a)``.

    >>> import numpy as np
    >>> a = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> lu_solve(lu_factor(a), np.array([5.0, 11.0]))
    array([1., 2.])
    """
    lu, piv = lu_and_piv
    perm = pivot_permutation_p(piv)
    if trans == 0:  # P a = L U: x = U⁻¹ L⁻¹ P b
        y = solve_triangular(lu, _rows(b, perm), lower=True, unit_diagonal=True)
        return solve_triangular(lu, y)
    # aᵀ = Uᵀ Lᵀ P: x = Pᵀ L⁻ᵀ U⁻ᵀ b
    y = solve_triangular(lu, b, trans=1)
    z = solve_triangular(lu, y, trans=1, lower=True, unit_diagonal=True)
    return _rows(z, np.argsort(perm))


def _rows(b: Any, order: Any) -> Any:
    """``b[order]`` along the first axis, for a possibly traced ``order``."""
    index = np.reshape(order, np.shape(order) + (1,) * (np.ndim(b) - 1))
    return np.take_along_axis(b, index, axis=0)


def _lu_no_pivot(pa: Any) -> Any:
    """The packed LU factor of an already pivoted matrix, by Doolittle's elimination written
    with NumPy calls (so each transform differentiates it)."""
    n = np.shape(pa)[-1]
    columns = np.arange(n)
    rows = [pa[..., i, :] for i in range(n)]
    for k in range(n):
        pivot = rows[k][..., k]
        right = rows[k] * (columns > k)  # the part of U's row k that eliminates to its right
        for i in range(k + 1, n):
            factor = rows[i][..., k] / pivot
            # the multiplier goes in the eliminated slot (the packed L below the diagonal)
            rows[i] = np.where(columns == k, factor[..., None], rows[i] - factor[..., None] * right)
    return np.stack(rows, axis=-2)


def lu(a: Any, permute_l: bool = False, overwrite_a: bool = False,
       check_finite: bool = True, p_indices: bool = False) -> Any:  # fmt: skip
    """Return ``(P, L, U)`` with ``a = P L U`` (square ``a``): ``L`` unit lower and ``U``
    upper triangular; ``(P L, U)`` with ``permute_l``; ``P`` as row indices with
    ``p_indices``.

    >>> import numpy as np
    >>> p, l, u = lu(np.array([[1.0, 2.0], [3.0, 4.0]]))
    >>> np.allclose(p @ l @ u, [[1.0, 2.0], [3.0, 4.0]])
    True
    """
    if np.ndim(a) != 2 or np.shape(a)[0] != np.shape(a)[1]:
        raise NotImplementedError("functional_ad.scipy.linalg.lu: square 2-D matrices only")
    packed, piv = lu_factor(a)
    n = np.shape(a)[-1]
    eye = np.eye(n)
    lower = packed * np.tril(np.ones((n, n)), -1) + eye
    upper = packed * np.triu(np.ones((n, n)))
    perm = pivot_permutation_p(piv)  # a[perm] = L U, so a = P L U with P[perm[i], i] = 1
    if p_indices:
        order = np.argsort(perm)
        return (lower[order], upper) if permute_l else (order, lower, upper)
    p_matrix = np.transpose(np.take_along_axis(eye, perm[:, None] * np.ones((1, n), int), 0))
    return (p_matrix @ lower, upper) if permute_l else (p_matrix, lower, upper)


def solve_banded(l_and_u: tuple[int, int], ab: Any, b: Any, overwrite_ab: bool = False,
                 overwrite_b: bool = False, check_finite: bool = True) -> Any:  # fmt: skip
    """Return ``x`` with ``A x = b`` for the banded ``A`` stored as in LAPACK:
    ``A[i, j] = ab[u + i - j, j]`` (``l`` sub- and ``u`` super-diagonals); the band is
    expanded to a dense matrix, so this suits small systems.

    >>> import numpy as np
    >>> ab = np.array([[0.0, 1.0], [2.0, 2.0]])  # one super-diagonal: [[2, 1], [0, 2]]
    >>> solve_banded((0, 1), ab, np.array([3.0, 2.0]))
    array([1., 1.])
    """
    lower, upper = (int(v) for v in l_and_u)
    rows, n = np.shape(ab)
    if rows != lower + upper + 1:
        raise ValueError(
            "invalid values for the number of lower and upper diagonals: "
            f"l+u+1 ({lower + upper + 1}) does not equal ab.shape[0] ({rows})"
        )
    i, j = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    band = upper + i - j
    inside = (band >= 0) & (band < rows)
    flat = np.reshape(ab, (-1,))
    index = np.where(inside, band, 0) * n + j
    dense = np.take(flat, np.reshape(index, (-1,)))
    dense = np.reshape(dense, (n, n)) * inside
    return np.linalg.solve(dense, b)


def qr(a: Any, overwrite_a: bool = False, lwork: Any = None, mode: str = "full",
       pivoting: bool = False, check_finite: bool = True) -> Any:  # fmt: skip
    """Return ``(Q, R)`` (``mode`` 'full' or 'economic'), or ``(R,)`` for ``mode='r'``.

    >>> import numpy as np
    >>> q, r = qr(np.array([[3.0, 0.0], [4.0, 5.0]]))
    >>> np.allclose(q @ r, [[3.0, 0.0], [4.0, 5.0]])
    True
    """
    if pivoting:
        raise _no_option("qr", "pivoting=True")
    if mode == "r":
        return (np.linalg.qr(a, mode="r"),)
    return np.linalg.qr(a, mode={"full": "complete", "economic": "reduced"}[mode])  # type: ignore[call-overload]


def svd(a: Any, full_matrices: bool = True, compute_uv: bool = True,
        overwrite_a: bool = False, check_finite: bool = True,
        lapack_driver: str = "gesdd") -> Any:  # fmt: skip
    """Return ``(U, s, Vh)`` with ``a = U diag(s) Vh`` (``s`` alone if not ``compute_uv``).

    >>> import numpy as np
    >>> svd(np.diag([3.0, 2.0]), compute_uv=False)
    array([3., 2.])
    """
    return np.linalg.svd(a, full_matrices=full_matrices, compute_uv=compute_uv)  # type: ignore[call-overload]


def svdvals(a: Any, overwrite_a: bool = False, check_finite: bool = True) -> Any:
    """Return the singular values of ``a``, largest first.

    >>> import numpy as np
    >>> svdvals(np.diag([2.0, 3.0]))
    array([3., 2.])
    """
    return np.linalg.svd(a, compute_uv=False)


def eigh(a: Any, b: Any = None, *, lower: bool = True, eigvals_only: bool = False,
         overwrite_a: bool = False, overwrite_b: bool = False, type: int = 1,
         check_finite: bool = True, subset_by_index: Any = None, subset_by_value: Any = None,
         driver: Any = None) -> Any:  # fmt: skip
    """Return ``(w, v)`` for a symmetric/Hermitian ``a`` (only ``w`` with ``eigvals_only``):
    all of them, the ones ``subset_by_index=[lo, hi]`` names (inclusive) or those in the
    half-open interval ``subset_by_value=(vl, vh]``, in ascending order.

    >>> import numpy as np
    >>> eigh(np.diag([2.0, 1.0]), eigvals_only=True)
    array([1., 2.])
    >>> eigh(np.diag([3.0, 1.0, 2.0]), eigvals_only=True, subset_by_value=[1.5, 5.0])
    array([2., 3.])
    """
    if b is not None:
        raise _no_option("eigh", "the generalized problem (b=...)")
    if subset_by_index is not None and subset_by_value is not None:
        raise ValueError("Either index or value subset can be requested.")
    uplo: Literal["L", "U"] = "L" if lower else "U"
    if eigvals_only:
        w, v = np.linalg.eigvalsh(a, UPLO=uplo), None
    else:
        w, v = np.linalg.eigh(a, UPLO=uplo)
    chosen = _subset(w, subset_by_index, subset_by_value)
    if chosen is not None:
        w = w[..., chosen]
        v = None if v is None else v[..., chosen]
    return w if eigvals_only else (w, v)


def _subset(w: Any, by_index: Any, by_value: Any) -> Any:
    """The positions of the eigenvalues ``w`` (ascending) that SciPy's subset keeps, or None."""
    n = np.shape(w)[-1]
    if by_index is not None:
        lo, hi = (operator.index(i) for i in by_index)
        if not 0 <= lo <= hi < n:
            raise ValueError(
                "Requested eigenvalue indices are not valid. Valid range is "
                f"[0, {n - 1}] and start <= end, but start={lo}, end={hi} is given"
            )
        return slice(lo, hi + 1)
    if by_value is not None:
        low, high = by_value
        if not low < high:
            raise ValueError("Requested eigenvalue interval is not valid.")
        values = concrete(w)  # (how many are kept depends on the values: not under vmap)
        if np.ndim(values) != 1:
            raise NotImplementedError(
                "functional_ad.scipy.linalg.eigh: subset_by_value of a stack of matrices"
            )
        return np.flatnonzero((values > low) & (values <= high))
    return None


def eigvalsh(a: Any, b: Any = None, *, lower: bool = True, overwrite_a: bool = False,
             overwrite_b: bool = False, type: int = 1, check_finite: bool = True,
             subset_by_index: Any = None, subset_by_value: Any = None,
             driver: Any = None) -> Any:  # fmt: skip
    """Return the eigenvalues of a symmetric/Hermitian ``a``, in ascending order (a subset as
    ``eigh`` takes it).

    >>> import numpy as np
    >>> eigvalsh(np.array([[2.0, 1.0], [1.0, 2.0]]))
    array([1., 3.])
    """
    return eigh(
        a,
        b,
        lower=lower,
        eigvals_only=True,
        subset_by_index=subset_by_index,
        subset_by_value=subset_by_value,
    )


def inv(a: Any, overwrite_a: bool = False, check_finite: bool = True) -> Any:
    """Return ``a⁻¹``.

    >>> import numpy as np
    >>> inv(np.array([[2.0, 0.0], [0.0, 4.0]]))
    array([[0.5 , 0.  ],
           [0.  , 0.25]])
    """
    return np.linalg.inv(a)


def det(a: Any, overwrite_a: bool = False, check_finite: bool = True) -> Any:
    """Return the determinant of ``a``.

    >>> import numpy as np
    >>> float(det(np.diag([2.0, 3.0])))
    6.0
    """
    return at_least_double(np.linalg.det(a))  # (SciPy's: float32 data gives float64)


def pinv(a: Any, *, atol: Any = None, rtol: Any = None, return_rank: bool = False,
         check_finite: bool = True) -> Any:  # fmt: skip
    """Return the pseudo-inverse of ``a``.

    >>> import numpy as np
    >>> pinv(np.array([[2.0, 0.0]]))
    array([[0.5],
           [0. ]])
    """
    if return_rank or atol is not None:
        raise _no_option("pinv", "return_rank / atol")
    return np.linalg.pinv(a) if rtol is None else np.linalg.pinv(a, rtol=rtol)


def expm(A: Any) -> Any:
    """Return the matrix exponential ``e^A`` (stacks of matrices too).

    >>> import numpy as np
    >>> expm(np.zeros((2, 2)))
    array([[1., 0.],
           [0., 1.]])
    """
    return expm_p(A)


def expm_frechet(A: Any, E: Any, method: Any = None, compute_expm: bool = True,
                 check_finite: bool = True) -> Any:  # fmt: skip
    """Return ``(expm(A), L(A, E))``, the Fréchet derivative of ``expm`` at ``A`` along
    ``E`` (only ``L`` if not ``compute_expm``).

    >>> import numpy as np
    >>> _, frechet_derivative = expm_frechet(np.zeros((2, 2)), np.eye(2))
    >>> frechet_derivative
    array([[1., 0.],
           [0., 1.]])
    """
    derivative = frechet(expm_p, A, E)
    return (expm_p(A), derivative) if compute_expm else derivative


def logm(A: Any, disp: bool = True) -> Any:
    """Return the principal matrix logarithm ``F`` of ``A``; with ``disp=False``, as SciPy,
    ``(F, errest)`` with SciPy's error estimate ``‖expm(F) - A‖₁ / ‖A‖₁``.

    >>> import numpy as np
    >>> np.round(logm(np.diag([1.0, np.e])), 12)
    array([[0., 0.],
           [0., 1.]])
    """
    F = logm_p(A)
    if disp:
        return F
    return F, _norm(expm_p(F) - A, 1) / _norm(A, 1)


def sqrtm(A: Any, disp: bool = True, blocksize: int = 64) -> Any:
    """Return the principal square root ``X`` of ``A`` (``X @ X = A``); with ``disp=False``,
    as SciPy, ``(X, errest)`` with SciPy's estimate ``‖X X - A‖_F² / ‖A‖_F``.

    >>> import numpy as np
    >>> sqrtm(np.diag([4.0, 9.0]))
    array([[2., 0.],
           [0., 3.]])
    """
    X = sqrtm_p(A)
    if disp:
        return X
    return X, _norm(X @ X - A, "fro") ** 2 / _norm(A, "fro")


def _norm(a: Any, order: Any) -> Any:
    """The matrix norm of each matrix in ``a``."""
    return np.linalg.norm(a, order, axis=(-2, -1))


def solve_sylvester(a: Any, b: Any, q: Any) -> Any:
    """Return ``X`` with ``a X + X b = q``.

    >>> import numpy as np
    >>> solve_sylvester(np.eye(2), np.eye(2), 2 * np.eye(2))
    array([[1., 0.],
           [0., 1.]])
    """
    return solve_sylvester_p(a, b, q)


def solve_continuous_lyapunov(a: Any, q: Any) -> Any:
    """Return ``X`` with ``a X + X aᴴ = q``.

    >>> import numpy as np
    >>> solve_continuous_lyapunov(-np.eye(2), -2 * np.eye(2))
    array([[1., 0.],
           [0., 1.]])
    """
    a_h = np.swapaxes(np.conj(a) if np.iscomplexobj(a) else a, -1, -2)
    return solve_sylvester_p(a, a_h, q)


def block_diag(*arrs: Any) -> Any:
    """Return the block-diagonal matrix with blocks ``arrs`` (scalars and vectors as rows).

    >>> import numpy as np
    >>> block_diag(np.ones((1, 1)), 2 * np.ones((1, 2)))
    array([[1., 0., 0.],
           [0., 2., 2.]])
    """
    if not arrs:
        return np.empty((1, 0))
    blocks = [np.atleast_2d(a) for a in arrs]
    widths = [np.shape(b)[1] for b in blocks]
    dtype = np.result_type(*[b.dtype for b in blocks])
    rows = []
    for i, block in enumerate(blocks):
        height = np.shape(block)[0]
        parts = [block if j == i else np.zeros((height, w), dtype) for j, w in enumerate(widths)]
        rows.append(np.concatenate(parts, axis=1))
    return np.concatenate(rows, axis=0)


def toeplitz(c: Any, r: Any = None) -> Any:
    """Return the Toeplitz matrix with first column ``c`` and first row ``r`` (``r[0]`` is
    ignored; ``r = conj(c)`` by default).

    >>> import numpy as np
    >>> toeplitz(np.array([1.0, 2.0]), np.array([1.0, 3.0, 4.0]))
    array([[1., 3., 4.],
           [2., 1., 3.]])
    """
    c = np.ravel(c)
    r = (np.conj(c) if np.iscomplexobj(c) else c) if r is None else np.ravel(r)
    m, n = np.shape(c)[0], np.shape(r)[0]
    values = np.concatenate([c[::-1], r[1:]])
    index = (m - 1) - np.arange(m)[:, None] + np.arange(n)[None, :]
    return values[index]


def circulant(c: Any) -> Any:
    """Return the circulant matrix with first column ``c``.

    >>> import numpy as np
    >>> circulant(np.array([1.0, 2.0, 3.0]))
    array([[1., 3., 2.],
           [2., 1., 3.],
           [3., 2., 1.]])
    """
    c = np.ravel(c)
    n = np.shape(c)[0]
    return c[(np.arange(n)[:, None] - np.arange(n)[None, :]) % n]


def hankel(c: Any, r: Any = None) -> Any:
    """Return the Hankel matrix with first column ``c`` and last row ``r`` (zeros by default;
    ``r[0]`` is ignored).

    >>> import numpy as np
    >>> hankel(np.array([1.0, 2.0, 3.0]))
    array([[1., 2., 3.],
           [2., 3., 0.],
           [3., 0., 0.]])
    """
    c = np.ravel(c)
    r = np.zeros_like(c) if r is None else np.ravel(r)
    m, n = np.shape(c)[0], np.shape(r)[0]
    values = np.concatenate([c, r[1:]])
    return values[np.arange(m)[:, None] + np.arange(n)[None, :]]


def companion(a: Any) -> Any:
    """Return the companion matrix of the polynomial with coefficients ``a`` (highest first):
    first row ``-a[1:] / a[0]``, ones below the diagonal.

    >>> import numpy as np
    >>> companion(np.array([1.0, -3.0, 2.0]))
    array([[ 3., -2.],
           [ 1.,  0.]])
    """
    a = np.ravel(a)
    n = np.shape(a)[0]
    if n < 2:
        raise ValueError("The length of `a` must be at least 2.")
    first = -a[1:] / a[0]
    below = np.eye(n - 2, n - 1, dtype=np.result_type(first.dtype, np.float16))
    return np.concatenate([first[None, :], below], axis=0)


__all__ = [
    "block_diag",
    "cho_factor",
    "cho_solve",
    "cholesky",
    "circulant",
    "companion",
    "det",
    "eigh",
    "eigvalsh",
    "expm",
    "expm_frechet",
    "hankel",
    "inv",
    "logm",
    "lu",
    "lu_factor",
    "lu_solve",
    "pinv",
    "qr",
    "solve",
    "solve_banded",
    "solve_continuous_lyapunov",
    "solve_sylvester",
    "solve_triangular",
    "sqrtm",
    "svd",
    "svdvals",
    "toeplitz",
]
