"""numpy.linalg on traced values: NumPy's signatures over the linalg primitives."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core import ConcreteValueError, concrete
from ..ops.linalg import (
    _H,
    _diag,
    _is_complex,
    _mT,
    _real_dtype,
    cholesky_p,
    det_p,
    eig_p,
    eigh_p,
    inv_p,
    lstsq_p,
    pinv_p,
    qr_p,
    slogdet_p,
    solve_p,
    svd_p,
    vector_norm_p,
)
from ..ops.registry import shape_of
from .registry import constant_result, implements

# NumPy's result types (named tuples), so traced results look like NumPy's
_EighResult = type(np.linalg.eigh(np.eye(1)))


_EigResult = type(np.linalg.eig(np.eye(1)))


_SVDResult = type(np.linalg.svd(np.eye(1)))


_QRResult = type(np.linalg.qr(np.eye(1)))


_SlogdetResult = type(np.linalg.slogdet(np.eye(1)))


@implements(np.linalg.inv)
def inv(a: Any) -> Any:
    """``np.linalg.inv`` of a (stack of) square matrices."""
    return inv_p(a)


@implements(np.linalg.solve)
def solve(a: Any, b: Any) -> Any:
    """``np.linalg.solve``: ``b`` is a vector when 1-d, else a stack of matrices (NumPy 2)."""
    if np.ndim(b) == 1:
        return solve_p(a, np.expand_dims(b, -1))[..., 0]
    return solve_p(a, b)


@implements(np.linalg.det)
def det(a: Any) -> Any:
    """``np.linalg.det``."""
    return det_p(a)


@implements(np.linalg.slogdet)
def slogdet(a: Any) -> Any:
    """``np.linalg.slogdet``: ``(sign, logabsdet)``; the sign is constant for real input."""
    return _SlogdetResult(*slogdet_p(a))


@implements(np.linalg.matrix_power)
def matrix_power(a: Any, n: int) -> Any:
    """``np.linalg.matrix_power`` by repeated squaring, in NumPy's order of products."""
    n = int(n)
    shape = shape_of(a)
    if n == 0:
        return np.broadcast_to(np.eye(shape[-1], dtype=a.dtype), shape)
    if n < 0:
        a, n = inv_p(a), -n
    if n <= 3:
        out = a
        for _ in range(n - 1):
            out = out @ a
        return out
    z = result = None
    while n > 0:
        z = a if z is None else z @ z
        n, bit = divmod(n, 2)
        if bit:
            result = z if result is None else result @ z
    return result


@implements(np.linalg.multi_dot)
def multi_dot(arrays: Any, *, out: Any = None) -> Any:
    """``np.linalg.multi_dot``: a chain of products in the cheapest order."""
    if out is not None:
        raise TypeError("numpy.linalg.multi_dot: out= is not supported with traced values")
    arrays = list(arrays)
    if len(arrays) < 2:
        raise ValueError("Expecting at least two arrays.")
    first_1d, last_1d = np.ndim(arrays[0]) == 1, np.ndim(arrays[-1]) == 1
    if first_1d:
        arrays[0] = np.expand_dims(arrays[0], 0)
    if last_1d:
        arrays[-1] = np.expand_dims(arrays[-1], -1)
    result = _chain(arrays, _chain_order([shape_of(m) for m in arrays]), 0, len(arrays) - 1)
    if first_1d and last_1d:
        return result[0, 0]
    if first_1d:
        return result[0]
    return result[:, 0] if last_1d else result


def _chain_order(shapes: list[tuple[int, ...]]) -> list[list[int]]:
    """Split points of the cheapest parenthesisation (matrix-chain dynamic programming)."""
    dims = [shapes[0][0]] + [s[1] for s in shapes]
    n = len(shapes)
    cost: list[list[Any]] = [[0] * n for _ in range(n)]  # None: no split tried yet
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = None
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if cost[i][j] is None or c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k
    return split


def _chain(arrays: list, split: list[list[int]], i: int, j: int) -> Any:
    if i == j:
        return arrays[i]
    k = split[i][j]
    return _chain(arrays, split, i, k) @ _chain(arrays, split, k + 1, j)


@implements(np.linalg.cholesky)
def cholesky(a: Any, /, *, upper: bool = False) -> Any:
    """``np.linalg.cholesky`` (reads the lower triangle, or the upper one with ``upper``)."""
    return cholesky_p(a, upper=bool(upper))


@implements(np.linalg.qr)
def qr(a: Any, mode: str = "reduced") -> Any:
    """``np.linalg.qr`` in modes 'reduced', 'r' and 'complete' (the last for M <= N only)."""
    m, n = shape_of(a)[-2:]
    if mode == "complete" and m > n:
        raise NotImplementedError(
            "numpy.linalg.qr: mode='complete' with more rows than columns has no unique "
            "derivative (the extra columns of Q are arbitrary); use mode='reduced'"
        )
    if mode not in ("reduced", "complete", "r"):
        raise NotImplementedError(f"numpy.linalg.qr: mode={mode!r} is not supported when traced")
    q, r = qr_p(a)
    return r if mode == "r" else _QRResult(q, r)


@implements(np.linalg.eigh)
def eigh(a: Any, UPLO: str = "L") -> Any:
    """``np.linalg.eigh``: eigenvalues (ascending) and eigenvectors of a Hermitian matrix."""
    return _EighResult(*eigh_p(a, UPLO=UPLO.upper()))


@implements(np.linalg.eigvalsh)
def eigvalsh(a: Any, UPLO: str = "L") -> Any:
    """``np.linalg.eigvalsh`` (the eigenvalues of ``eigh``)."""
    return eigh_p(a, UPLO=UPLO.upper())[0]


@implements(np.linalg.eig)
def eig(a: Any) -> Any:
    """``np.linalg.eig``: eigenvalues and unit eigenvectors (complex unless all are real)."""
    return _EigResult(*eig_p(a))


@implements(np.linalg.eigvals)
def eigvals(a: Any) -> Any:
    """``np.linalg.eigvals`` (the eigenvalues of ``eig``)."""
    return eig_p(a)[0]


def _hermitian_svd(a: Any) -> tuple[Any, Any, Any]:
    """NumPy's svd(hermitian=True): eigh, then |w| sorted descending with signs moved to vh."""
    w, v = eigh_p(a, UPLO="L")
    size = np.abs(w)
    n = shape_of(w)[-1]
    # rank[j]: how many |w| exceed |w_j|, the place of j in descending order. Permutation
    # matrices P[..., j, i] = [rank[j] == i] give (v @ P)[..., i] = v[..., j] with rank[j] = i.
    # Built from comparisons, so they stay constants under grad and batched under vmap.
    rank = np.sum(np.expand_dims(size, -2) > np.expand_dims(size, -1), axis=-1)
    perm = (np.expand_dims(rank, -1) == np.arange(n)).astype(_real_dtype(w))
    s = (np.expand_dims(size, -2) @ perm)[..., 0, :]
    u = v @ perm
    signs = (np.expand_dims(np.sign(w), -2) @ perm)[..., 0, :]
    return u, s, _H(u * np.expand_dims(signs, -2))


@implements(np.linalg.svd)
def svd(
    a: Any, full_matrices: bool = True, compute_uv: bool = True, hermitian: bool = False
) -> Any:
    """``np.linalg.svd``; ``full_matrices=True`` only for square matrices (else not unique)."""
    m, n = shape_of(a)[-2:]
    if hermitian:
        u, s, vh = _hermitian_svd(a)
        return _SVDResult(u, s, vh) if compute_uv else s
    if not compute_uv:
        return svd_p(a)[1]
    if full_matrices and m != n:
        raise NotImplementedError(
            "numpy.linalg.svd: full_matrices=True for a non-square matrix has no unique "
            "derivative (the extra singular vectors are arbitrary); pass full_matrices=False"
        )
    return _SVDResult(*svd_p(a))


@implements(np.linalg.svdvals)
def svdvals(x: Any, /) -> Any:
    """``np.linalg.svdvals``: singular values, descending."""
    return svd_p(x)[1]


_NO_VALUE = object()


@implements(np.linalg.pinv)
def pinv(a: Any, rcond: Any = None, hermitian: bool = False, *, rtol: Any = _NO_VALUE) -> Any:
    """``np.linalg.pinv``, differentiated where the rank is constant (full rank in practice)."""
    if rcond is None:
        if rtol is _NO_VALUE:
            rcond = 1e-15
        elif rtol is None:
            rcond = max(shape_of(a)[-2:]) * np.finfo(a.dtype).eps
        else:
            rcond = rtol
    elif rtol is not _NO_VALUE:
        raise ValueError("`rtol` and `rcond` can't be both set.")
    rcond = concrete(rcond)
    if isinstance(rcond, np.ndarray) and rcond.ndim == 0:
        rcond = rcond.item()
    return pinv_p(a, rcond=rcond, hermitian=bool(hermitian))


def _is_full_rank(rank: Any, n: int) -> bool:
    """Whether every problem has rank ``n``; assumed under vmap and compile, which have no
    single concrete value (full rank is also the only case with a derivative)."""
    try:
        return bool(np.all(concrete(rank) == n))
    except ConcreteValueError:
        return True


@implements(np.linalg.lstsq)
def lstsq(a: Any, b: Any, rcond: Any = None) -> Any:
    """``np.linalg.lstsq``: ``(x, residuals, rank, s)``; x differentiated at full rank."""
    vector = np.ndim(b) == 1
    b2 = np.expand_dims(b, -1) if vector else b
    rcond = concrete(rcond)
    x = lstsq_p(a, b2, rcond=rcond)
    m, n = shape_of(a)[-2:]
    s = svd_p(a)[1]
    # NumPy's cutoff: singular values below rcond * s_max (rcond = eps * max(M, N) by default)
    cutoff = (np.finfo(_real_dtype(s)).eps * max(m, n) if rcond is None else rcond) * s[..., :1]
    rank = np.sum(s > cutoff, axis=-1)
    if m > n and _is_full_rank(rank, n):
        r = b2 - a @ x
        residuals = np.sum(np.real(r * np.conj(r)) if _is_complex(r) else r * r, axis=0)
    else:
        residuals = np.empty((0,), _real_dtype(x))
    if vector:
        x = x[..., 0]
    return x, residuals, rank, s


def _vector_norm(x: Any, ord: Any, axis: Any, keepdims: bool) -> Any:
    if isinstance(ord, str):
        raise ValueError(f"Invalid norm order '{ord}' for vectors")
    ord = 2 if ord is None else ord
    if ord == 0:  # the number of nonzero entries: no derivative
        count = (x != 0).astype(_real_dtype(x))
        return np.sum(count, axis=axis, keepdims=keepdims)
    return vector_norm_p(x, ord=ord, axis=axis, keepdims=bool(keepdims))


def _matrix_norm(x: Any, ord: Any, axes: tuple[int, int], keepdims: bool) -> Any:
    """NumPy's matrix norms over the axis pair ``axes`` (row axis, column axis)."""
    row, col = axes
    if ord in (None, "fro", "f"):
        return vector_norm_p(x, ord=2, axis=tuple(sorted(axes)), keepdims=bool(keepdims))
    if ord in (2, -2, "nuc"):
        s = svd_p(np.moveaxis(x, (row, col), (-2, -1)))[1]
        out = np.sum(s, axis=-1) if ord == "nuc" else (np.max if ord == 2 else np.min)(s, axis=-1)
    elif ord in (1, -1):
        sums = vector_norm_p(x, ord=1, axis=(row,), keepdims=False)
        out = (np.max if ord == 1 else np.min)(sums, axis=col - 1 if col > row else col)
    elif ord in (np.inf, -np.inf):
        sums = vector_norm_p(x, ord=1, axis=(col,), keepdims=False)
        out = (np.max if ord == np.inf else np.min)(sums, axis=row - 1 if row > col else row)
    else:
        raise ValueError("Invalid norm order for matrices.")
    if keepdims:
        shape = list(shape_of(x))
        shape[row] = shape[col] = 1
        out = np.reshape(out, tuple(shape))
    return out


def _axes(axis: Any, ndim: int) -> tuple[int, ...]:
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    out = []
    for a in axes:
        if not -ndim <= int(a) < ndim:
            raise np.exceptions.AxisError(int(a), ndim)
        out.append(int(a) % ndim)
    return tuple(out)


@implements(np.linalg.norm)
def norm(x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Any:
    """``np.linalg.norm``: vector norms (any p) and matrix norms (fro, nuc, ±1, ±2, ±inf).

    The derivative at x = 0 is the subgradient 0.
    """
    ndim = np.ndim(x)
    if axis is None:
        if ord is None or (ord in ("f", "fro") and ndim == 2) or (ord == 2 and ndim == 1):
            out = vector_norm_p(x, ord=2, axis=None, keepdims=False)
            return np.reshape(out, (1,) * ndim) if keepdims else out
        axis = tuple(range(ndim))
    axes = _axes(axis, ndim)
    if len(axes) == 1:
        return _vector_norm(x, ord, axes, keepdims)
    if len(axes) == 2:
        if axes[0] == axes[1]:
            raise ValueError("Duplicate axes given.")
        return _matrix_norm(x, ord, axes, keepdims)
    raise ValueError("Improper number of dimensions to norm.")


@implements(np.linalg.vector_norm)
def vector_norm(x: Any, /, *, axis: Any = None, keepdims: bool = False, ord: Any = 2) -> Any:
    """``np.linalg.vector_norm``: the p-norm over ``axis`` (all axes when None)."""
    axes = None if axis is None else tuple(sorted(_axes(axis, np.ndim(x))))
    return _vector_norm(x, ord, axes, keepdims)


@implements(np.linalg.matrix_norm)
def matrix_norm(x: Any, /, *, keepdims: bool = False, ord: Any = "fro") -> Any:
    """``np.linalg.matrix_norm`` over the last two axes."""
    ndim = np.ndim(x)
    return _matrix_norm(x, ord, (ndim - 2, ndim - 1), keepdims)


@implements(np.linalg.cond)
def cond(x: Any, p: Any = None) -> Any:
    """``np.linalg.cond``: ratio of singular values, or ``norm(x) * norm(inv(x))``.

    As in NumPy, a singular matrix has condition number inf (never LinAlgError); there the
    derivative is undefined and is NaN in every entry (see the kink-convention table).
    """
    shape = shape_of(x)
    if len(shape) >= 2 and 0 in shape[-2:]:
        raise np.linalg.LinAlgError("cond is not defined on empty arrays")
    if p is None or p == 2 or p == -2:
        s = svd_p(x)[1]
        top, bottom = (s[..., -1], s[..., 0]) if p == -2 else (s[..., 0], s[..., -1])
        vanishing = bottom == 0  # x/0: a safe divisor, so no 0 · inf reaches the derivative
        r = np.where(vanishing, np.nan, top / np.where(vanishing, 1, bottom))
    else:
        if len(shape) < 2 or shape[-1] != shape[-2]:
            raise np.linalg.LinAlgError("Last 2 dimensions of the array must be square")
        # singular exactly when LU meets a zero pivot, as for NumPy's inv; invert I there
        singular = slogdet_p(x)[0] == 0
        safe = np.where(singular[..., None, None], np.eye(shape[-1], dtype=x.dtype), x)
        r = norm(x, p, axis=(-2, -1)) * norm(inv_p(safe), p, axis=(-2, -1))
        r = np.where(singular, np.nan, r)
    return _infinite_condition(x, r)


def _infinite_condition(x: Any, r: Any) -> Any:
    """NumPy's NaN → inf (unless ``x`` has a NaN), and a NaN derivative wherever a finite
    ``x`` has an infinite condition number: ``u / 0`` with ``u = exp(0 Σx)`` is inf, and its
    derivatives of every order are ``0 / 0``."""
    finite = np.isfinite(x)
    undefined = ~np.isfinite(r) & np.all(finite, axis=(-2, -1))
    r = np.where(np.isnan(r) & ~np.any(np.isnan(x), axis=(-2, -1)), np.inf, r)
    entries = np.real(np.where(finite, x, 0))
    u = np.exp(0 * np.sum(entries, axis=(-2, -1)))
    denominator = np.where(undefined, 0, 1).astype(r.dtype)
    with np.errstate(divide="ignore", invalid="ignore"):
        marker = u / denominator
    return np.where(undefined, marker, r)


@implements(np.linalg.tensorinv)
def tensorinv(a: Any, ind: int = 2) -> Any:
    """``np.linalg.tensorinv``: ``inv`` of ``a`` reshaped to a square matrix."""
    shape = shape_of(a)
    rows, cols = shape[:ind], shape[ind:]
    size = int(np.prod(rows))
    return np.reshape(inv_p(np.reshape(a, (size, -1))), cols + rows)


@implements(np.linalg.tensorsolve)
def tensorsolve(a: Any, b: Any, axes: Any = None) -> Any:
    """``np.linalg.tensorsolve``: ``solve`` with ``a`` reshaped to a square matrix."""
    if axes is not None:
        order = [k for k in range(np.ndim(a)) if k not in [int(i) % np.ndim(a) for i in axes]]
        a = np.transpose(a, order + [int(i) % np.ndim(a) for i in axes])
    solution_shape = shape_of(a)[np.ndim(b) :]
    size = int(np.prod(solution_shape))
    x = solve(np.reshape(a, (-1, size)), np.reshape(b, (-1,)))
    return np.reshape(x, solution_shape)


@implements(np.linalg.matrix_transpose)
def matrix_transpose(x: Any, /) -> Any:
    """``np.linalg.matrix_transpose``."""
    return _mT(x)


@implements(np.linalg.diagonal)
def diagonal(x: Any, /, *, offset: int = 0) -> Any:
    """``np.linalg.diagonal``: diagonals of the last two axes, shifted by ``offset``."""
    offset = int(offset)
    if offset > 0:
        x = x[..., :, offset:]
    elif offset < 0:
        x = x[..., -offset:, :]
    k = min(shape_of(x)[-2:])
    return _diag(x[..., :k, :k])


@implements(np.linalg.trace)
def trace(x: Any, /, *, offset: int = 0, dtype: Any = None) -> Any:
    """``np.linalg.trace`` over the last two axes."""
    return np.sum(diagonal(x, offset=offset), axis=-1, dtype=dtype)  # (summed in dtype)


@implements(np.linalg.matrix_rank)
@constant_result
def matrix_rank(A: Any, tol: Any = None, hermitian: bool = False, *, rtol: Any = None) -> Any:
    """``np.linalg.matrix_rank``: singular values above the tolerance, counted by comparisons
    (a constant for grad, one count per example under vmap)."""
    if np.ndim(A) < 2:
        return np.any(A != 0).astype(int)
    s = np.abs(eigh_p(A, UPLO="L")[0]) if hermitian else svd_p(A)[1]
    if tol is None:
        if rtol is None:
            rtol = max(shape_of(A)[-2:]) * np.finfo(_real_dtype(s)).eps
        tol = np.max(s, axis=-1, keepdims=True) * np.expand_dims(np.asarray(rtol), -1)
    else:
        tol = np.expand_dims(np.asarray(tol), -1)
    return np.sum(s > tol, axis=-1)
