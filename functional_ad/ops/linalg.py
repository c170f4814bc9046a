"""Linear algebra (numpy.linalg): solvers and decompositions with matrix-calculus rules.

Matrices live in the last two axes; every leading axis is a batch axis, as in NumPy. The rules
hold for real and complex inputs. A vjp rule is the plain transpose of its jvp under the
pairing ``<u, t> = Re sum(u * t)`` (no conjugation), so for holomorphic functions ``vjp_fn(1)``
is the derivative; transposing ``t -> conj(t)`` gives ``u -> conj(u)`` and ``t -> Re t`` gives
``u -> u``. Functions that read one triangle of their input (cholesky, eigh, eigvalsh,
pinv(hermitian=True), svd(hermitian=True)) are differentiated as NumPy evaluates them: through
the Hermitian matrix built from that triangle and the real part of the diagonal.

Decompositions assume the generic case: distinct eigenvalues (eigh, eig), distinct nonzero
singular values (svd), full rank (qr, pinv, lstsq). Eigenvectors and singular vectors are
differentiated in the gauge where ``Im(v^H dv)`` has a zero diagonal (for eigh, eig and the
right singular vectors of svd); for complex inputs only gauge-invariant functions of them
(projectors ``v v^H``, ``|v|``, ``u diag(s) vh``) match finite differences of NumPy.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.zeros import Zero
from .registry import primitive, shape_of, unbroadcast

FAMILY = "linalg"


# ----------------------------------------------------------------------------- helpers


def _mT(x: Any) -> Any:
    """Transpose of the last two axes."""
    return np.swapaxes(x, -1, -2)


def _is_complex(x: Any) -> bool:
    return np.dtype(x.dtype).kind == "c"


def _conj(x: Any) -> Any:
    """Complex conjugate; a no-op (and no graph node) for real values."""
    return np.conj(x) if _is_complex(x) else x


def _H(x: Any) -> Any:
    """Conjugate transpose of the last two axes."""
    return _conj(_mT(x))


def _imag(x: Any) -> Any:
    """Imaginary part written with ``real`` (``Im z = Re(-i z)``)."""
    return np.real(-1j * x)


def _real_dtype(x: Any) -> np.dtype:
    return np.finfo(np.dtype(x.dtype)).dtype


def _eye(n: int, like: Any) -> np.ndarray:
    """Identity matrix in the real dtype of ``like`` (so float32 stays float32)."""
    return np.eye(n, dtype=_real_dtype(like))


def _strict_mask(n: int, like: Any, lower: bool = True) -> np.ndarray:
    """1 strictly below (or above) the diagonal, 0 elsewhere."""
    ones = np.ones((n, n), _real_dtype(like))
    return np.tril(ones, -1) if lower else np.triu(ones, 1)


def _diag(x: Any) -> Any:
    """The diagonal of each matrix in a stack."""
    return np.einsum("...ii->...i", x)


def _diag_matrix(v: Any, like: Any) -> Any:
    """Diagonal matrices with diagonal ``v`` (batched)."""
    return np.expand_dims(v, -1) * _eye(shape_of(v)[-1], like)


def _trace(x: Any) -> Any:
    return np.einsum("...ii->...", x)


def _ct(g: Any, y: Any) -> Any:
    """The cotangent ``g`` of output ``y``: ``None`` for a symbolic zero, and the real part
    when ``y`` is real (a complex cotangent reaches a real value that meets a complex one)."""
    if g is None or isinstance(g, Zero):
        return None
    return np.real(g) if _is_complex(g) and not _is_complex(y) else g


def _cts(y_bar: tuple, y: tuple) -> list:
    """``_ct`` for each output of a primitive with multiple results."""
    return [_ct(g, yi) for g, yi in zip(y_bar, y, strict=True)]


def _add(a: Any, b: Any) -> Any:
    """Add where ``None`` means zero."""
    if a is None:
        return b
    return a if b is None else a + b


def _real_if_real(bar: Any, x: Any) -> Any:
    """A cotangent for ``x``: its real part when ``x`` is real (transpose of real -> complex)."""
    if bar is not None and _is_complex(bar) and not _is_complex(x):
        return np.real(bar)
    return bar


def _gap_inverse(w: Any, like: Any) -> Any:
    """``F[i, j] = 1 / (w[j] - w[i])`` off the diagonal, 0 on it (eigenvector rules)."""
    eye = _eye(shape_of(w)[-1], like)
    gaps = np.expand_dims(w, -2) - np.expand_dims(w, -1)
    return (1 - eye) / (gaps + eye)


def _hermitian_input(t: Any, uplo: str) -> Any:
    """The Hermitian matrix NumPy builds from one triangle of ``t`` (``uplo`` 'L' or 'U').

    LAPACK reads the strict triangle and the real part of the diagonal; the rest of ``t`` is
    ignored, so it gets no derivative.
    """
    n = shape_of(t)[-1]
    strict = t * _strict_mask(n, t, lower=uplo.upper() == "L")
    diagonal = (np.real(t) if _is_complex(t) else t) * _eye(n, t)
    return strict + diagonal + _H(strict)


def _hermitian_input_T(u: Any, uplo: str) -> Any:
    """Transpose of ``_hermitian_input``: ``u -> S(u + u^H) + Re(diag u)``."""
    n = shape_of(u)[-1]
    diagonal = (np.real(u) if _is_complex(u) else u) * _eye(n, u)
    return (u + _H(u)) * _strict_mask(n, u, lower=uplo.upper() == "L") + diagonal


def _batch_aligned(prim: Any, size: int, vals: list, batched: tuple, **params: Any) -> Any:
    """Batching rule: every argument gets the batch axis first and example ranks are padded
    after it, so the core (matrix) axes stay last and leading axes broadcast as in NumPy."""
    rank = max(np.ndim(v) - b for v, b in zip(vals, batched, strict=True))
    out = []
    for v, b in zip(vals, batched, strict=True):
        if not b:
            v = np.broadcast_to(v, (size,) + shape_of(v))
        shape = shape_of(v)
        missing = rank - (len(shape) - 1)
        if missing > 0:
            v = np.reshape(v, shape[:1] + (1,) * missing + shape[1:])
        out.append(v)
    return prim(*out, **params)


# ----------------------------------------------------------------------------- inverse and det

# d inv(A) = -inv(A) dA inv(A)
inv_p = primitive(
    "inv",
    np.linalg.inv,
    jvp=lambda a_dot, y, a: -(y @ a_dot @ y),
    vjp=lambda y_bar, y, a: -(_mT(y) @ _ct(y_bar, y) @ _mT(y)),
    batch=_batch_aligned,
    family=FAMILY,
    reads=((-1,),),
)


def _solve_jvp(tangents: list, x: Any, a: Any, b: Any) -> Any:
    # X = A^-1 B:  dX = A^-1 (dB - dA X)
    a_dot, b_dot = tangents
    rhs = b_dot
    if a_dot is not None:
        rhs = _add(rhs, -(a_dot @ x))
    return solve_p(a, rhs)


def _solve_vjp(x_bar: Any, x: Any, a: Any, b: Any) -> tuple[Any, Any]:
    b_bar = solve_p(_mT(a), _ct(x_bar, x))  # A^-T X_bar
    return unbroadcast(-(b_bar @ _mT(x)), a), unbroadcast(b_bar, b)


# solve with a stack of matrix right-hand sides (b[..., M, K]); vectors go through the handler
solve_p = primitive(
    "solve",
    np.linalg.solve,
    jvp_joint=_solve_jvp,
    vjp_joint=_solve_vjp,
    batch=_batch_aligned,
    family=FAMILY,
    reads=((-1, 0), (-1, 0)),  # one joint rule: a and x, b for its shape,
)


# ----------------------------------------------------------------------------- adjugate


def _excluded_products(s: np.ndarray) -> np.ndarray:
    """``p[..., i] = prod_{k != i} s[..., k]`` without division (exact when some ``s`` are 0)."""
    ones = np.ones_like(s[..., :1])
    left = np.cumprod(np.concatenate([ones, s[..., :-1]], axis=-1), axis=-1)
    right = np.cumprod(np.concatenate([ones, s[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    return left * right


def _pair_excluded_products(s: np.ndarray) -> np.ndarray:
    """``P[..., i, j] = prod_{k not in {i, j}} s[..., k]`` off the diagonal, 0 on it."""
    n = s.shape[-1]
    eye = np.eye(n, dtype=bool)
    excluded = eye[:, None, :] | eye[None, :, :]  # [i, j, k]: k is i or j
    factors = np.where(excluded, 1.0, s[..., None, None, :])
    return np.where(eye, 0.0, np.prod(factors, axis=-1))


def _rotations(a: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``a = u diag(s) vh`` and ``c = det(u) det(vh)``: then ``adj(a) = c vh^H adj(s) u^H``,
    since ``adj(XY) = adj(Y) adj(X)`` and ``adj(W) = det(W) W^H`` for a unitary ``W``.

    A matrix with an infinite or NaN entry gets ``c = NaN`` (its adjugate is not computed:
    the SVD would not converge), so the results built from it are NaN, as ``det`` there."""
    finite = np.isfinite(a).all(axis=(-2, -1))
    u, s, vh = np.linalg.svd(np.where(finite[..., None, None], a, 0))
    c = np.linalg.det(u) * np.linalg.det(vh)
    return u, s, vh, np.where(finite, c, np.nan)


def _adjugate_impl(a: Any) -> np.ndarray:
    """The adjugate ``adj(A)`` (``det(A) A^-1`` when ``A`` is invertible), of any rank."""
    a = np.asarray(a)
    if a.shape[-1] == 0:
        return np.zeros(a.shape, np.result_type(a, 1.0))
    u, s, vh, c = _rotations(a)
    core = _excluded_products(s)[..., :, None] * np.conj(np.swapaxes(u, -1, -2))
    return np.expand_dims(c, (-2, -1)) * (np.conj(np.swapaxes(vh, -1, -2)) @ core)


def _adjugate_jvp_impl(a: Any, t: Any) -> np.ndarray:
    """``D adj(A)[T]``, exact at every rank.

    With ``A = U S V^H``, ``A + eT = U (S + eB) V^H`` for ``B = U^H T V``, so
    ``adj(A + eT) = c V adj(S + eB) U^H``, and to first order in ``e`` at a diagonal ``S``:
    ``adj(S + eB)_ii - adj(S)_ii = e sum_{k != i} B_kk P_ik`` and ``adj(S + eB)_ij =
    -e B_ij P_ij`` (``i != j``), where ``P_ij = prod_{k not in {i, j}} s_k``.
    """
    a, t = np.asarray(a), np.asarray(t)
    n = a.shape[-1]
    if n == 0:
        return np.zeros(np.broadcast_shapes(a.shape, t.shape), np.result_type(a, t, 1.0))
    u, s, vh, c = _rotations(a)
    v = np.conj(np.swapaxes(vh, -1, -2))
    b = np.conj(np.swapaxes(u, -1, -2)) @ t @ v
    p = _pair_excluded_products(s)
    diagonal = np.einsum("...ik,...kk->...i", p, b)
    g = np.expand_dims(diagonal, -1) * np.eye(n) - b * p
    return np.expand_dims(c, (-2, -1)) * (v @ g @ np.conj(np.swapaxes(u, -1, -2)))


# D adj(A)[T] is linear in T; its transpose is U -> D adj(A)[U^T]^T (adj(A^T) = adj(A)^T).
# Its derivative in A (third derivatives of det) is not implemented: that rule raises.
def _no_third_derivative(bar: Any, y: Any, a: Any, t: Any) -> Any:
    raise NotImplementedError(
        "adjugate_jvp: the third derivative of numpy.linalg.det (the derivative of "
        "adjugate_jvp in its matrix) has no rule in functional_ad. Differentiate det at most "
        "twice, or write it as a polynomial of the entries (a cofactor expansion) to go further."
    )


def _adjugate_jvp_tangent(t_dot: Any, y: Any, a: Any, t: Any) -> Any:
    return adjugate_jvp_p(a, t_dot)


def _adjugate_jvp_cotangent(y_bar: Any, y: Any, a: Any, t: Any) -> Any:
    return unbroadcast(_mT(adjugate_jvp_p(a, _mT(_ct(y_bar, y)))), t)


adjugate_jvp_p = primitive(
    "adjugate_jvp",
    _adjugate_jvp_impl,
    jvp=(_no_third_derivative, _adjugate_jvp_tangent),
    vjp=(_no_third_derivative, _adjugate_jvp_cotangent),
    batch=_batch_aligned,
    family=FAMILY,
    reads=((), (0,)),
)

# adj(A): the derivative of det (d det = tr(adj(A) dA)), defined at every A, singular or not
adjugate_p = primitive(
    "adjugate",
    _adjugate_impl,
    jvp=lambda a_dot, y, a: adjugate_jvp_p(a, a_dot),
    vjp=lambda y_bar, y, a: _mT(adjugate_jvp_p(a, _mT(_ct(y_bar, y)))),
    batch=_batch_aligned,
    family=FAMILY,
    reads=((0,),),
)


def _trace_product(x: Any, y: Any) -> Any:
    """``tr(x @ y)`` for stacks of square matrices."""
    return np.sum(_mT(x) * y, axis=(-2, -1))


# d det(A) = tr(adj(A) dA): the adjugate exists at every A, so does the derivative
det_p = primitive(
    "det",
    np.linalg.det,
    jvp=lambda a_dot, y, a: _trace_product(adjugate_p(a), a_dot),
    vjp=lambda y_bar, y, a: np.expand_dims(_ct(y_bar, y), (-2, -1)) * _mT(adjugate_p(a)),
    batch=_batch_aligned,
    family=FAMILY,
    reads=((0,),),
)


def _inverse_T(y: tuple, a: Any) -> Any:
    """``A^-T = adj(A)^T / det(A)``, with ``det(A) = sign exp(logabsdet)`` from slogdet's
    output: at a singular ``A`` it is infinite where the adjugate is not zero and NaN where it
    is (rank n - 2 or less), as ``d log|det|`` there, instead of a LinAlgError."""
    sign, logabsdet = y
    with np.errstate(divide="ignore", invalid="ignore"):
        return _mT(adjugate_p(a)) / np.expand_dims(sign * np.exp(logabsdet), (-2, -1))


def _slogdet_jvp(tangents: list, y: tuple, a: Any) -> tuple[Any, Any]:
    # c = tr(A^-1 dA) = d log det A:  d logabsdet = Re c,  d sign = sign * i Im c
    sign, _ = y
    with np.errstate(invalid="ignore"):
        c = np.sum(_inverse_T(y, a) * tangents[0], axis=(-2, -1))
    if not _is_complex(c):
        return None, c
    return sign * (1j * _imag(c)), np.real(c)


def _slogdet_vjp(y_bar: tuple, y: tuple, a: Any) -> tuple[Any]:
    # transpose of the jvp: A_bar = (l_bar + i Im(sign_bar * sign)) A^-T
    sign, _ = y
    sign_bar, log_bar = _cts(y_bar, y)
    coeff = log_bar
    if sign_bar is not None and _is_complex(sign):
        coeff = _add(coeff, 1j * _imag(sign_bar * sign))
    if coeff is None:
        return (None,)
    with np.errstate(invalid="ignore"):
        return (np.expand_dims(coeff, (-2, -1)) * _inverse_T(y, a),)


slogdet_p = primitive(
    "slogdet",
    lambda a: tuple(np.linalg.slogdet(a)),
    jvp_joint=_slogdet_jvp,
    vjp_joint=_slogdet_vjp,
    multiple_results=True,
    batch=_batch_aligned,
    family=FAMILY,
    reads=((-1, 0),),
)


# ----------------------------------------------------------------------------- cholesky


def _half_lower(x: Any) -> Any:
    """Strict lower triangle plus half the diagonal (the map Phi of the Cholesky rule)."""
    n = shape_of(x)[-1]
    return x * (_strict_mask(n, x) + 0.5 * _eye(n, x))


def _cholesky_jvp(a_dot: Any, y: Any, a: Any, upper: bool) -> Any:
    # A = L L^H:  dL = L Phi(L^-1 dA L^-H)
    low = _H(y) if upper else y
    low_inv = inv_p(low)
    a_dot = _hermitian_input(a_dot, "U" if upper else "L")
    low_dot = low @ _half_lower(low_inv @ a_dot @ _H(low_inv))
    return _H(low_dot) if upper else low_dot


def _cholesky_vjp(y_bar: Any, y: Any, a: Any, upper: bool) -> Any:
    low = _H(y) if upper else y
    y_bar = _ct(y_bar, y)
    low_bar = _H(y_bar) if upper else y_bar
    low_inv = inv_p(low)
    x_bar = _half_lower(_mT(low) @ low_bar)
    a_bar = _mT(low_inv) @ x_bar @ _conj(low_inv)
    return _hermitian_input_T(a_bar, "U" if upper else "L")


cholesky_p = primitive(
    "cholesky",
    lambda a, upper: np.linalg.cholesky(a, upper=upper),
    jvp=_cholesky_jvp,
    vjp=_cholesky_vjp,
    batch=_batch_aligned,
    family=FAMILY,
    reads=((-1, 0),),
)


# ----------------------------------------------------------------------------- qr


def _skew(c: Any) -> Any:
    """Omega = L - L^H + i Im(diag C), with L the strict lower triangle of C."""
    n = shape_of(c)[-1]
    low = c * _strict_mask(n, c)
    omega = low - _H(low)
    if _is_complex(c):
        omega = omega + 1j * (_imag(c) * _eye(n, c))
    return omega


def _skew_T(u: Any) -> Any:
    """Transpose of ``_skew``."""
    n = shape_of(u)[-1]
    out = (u - _H(u)) * _strict_mask(n, u)
    if _is_complex(u):
        out = out + 1j * (_imag(u) * _eye(n, u))
    return out


_QR_MODES = {
    "jvp": "forward mode (jvp, jacfwd, hvp, hessian)",
    "vjp": "reverse mode (grad, value_and_grad, vjp, jacrev, hessian)",
}


def _qr_r_inverse(r: Any, mode: str) -> Any:
    """``R^-1`` for qr's rules; a zero on the diagonal of ``R`` (a column of ``A`` in the span
    of the ones before it) raises ValueError: Q and R have no derivative there."""
    diagonal = np.diagonal(r, axis1=-2, axis2=-1)
    if np.any(diagonal == 0):
        column = int(np.argmax(np.any(np.reshape(diagonal == 0, (-1, diagonal.shape[-1])), 0)))
        raise ValueError(
            f"numpy.linalg.qr: no derivative in {_QR_MODES[mode]} at a rank-deficient input: "
            f"R has a zero on its diagonal (column {column} of A is zero or a combination of "
            "the columns before it), where Q and R are not differentiable; differentiate "
            "at a full-rank input, or use a factorization whose derivative exists there "
            "(np.linalg.svd for singular values, np.linalg.lstsq or pinv for projections)"
        )
    return np.linalg.inv(r)


# the inverse of R, checked: its rules are those of inv
qr_r_inverse_p = primitive(
    "qr_r_inverse",
    _qr_r_inverse,
    jvp=lambda r_dot, y, r, mode: -(y @ r_dot @ y),
    vjp=lambda y_bar, y, r, mode: -(_mT(y) @ _ct(y_bar, y) @ _mT(y)),
    batch=_batch_aligned,
    family=FAMILY,
    reads=((-1,),),
)


def _qr_tall_jvp(q: Any, r: Any, a_dot: Any) -> tuple[Any, Any]:
    # A = QR (M >= N, diag R real): C = Q^H dA R^-1, Omega = skew(C),
    # dQ = Q Omega + dA R^-1 - Q C,  dR = (C - Omega) R
    b = a_dot @ qr_r_inverse_p(r, mode="jvp")
    c = _H(q) @ b
    omega = _skew(c)
    return q @ omega + b - q @ c, (c - omega) @ r


def _qr_tall_vjp(q: Any, r: Any, q_bar: Any, r_bar: Any) -> Any:
    b_bar = c_bar = omega_bar = None
    if q_bar is not None:
        qq = _mT(q) @ q_bar
        b_bar, omega_bar, c_bar = q_bar, qq, -qq
    if r_bar is not None:
        e_bar = r_bar @ _mT(r)
        c_bar, omega_bar = _add(c_bar, e_bar), _add(omega_bar, -e_bar)
    c_bar = c_bar + _skew_T(omega_bar)
    b_bar = _add(b_bar, _conj(q) @ c_bar)
    return b_bar @ _mT(qr_r_inverse_p(r, mode="vjp"))


def _qr_jvp(tangents: list, y: tuple, a: Any) -> tuple[Any, Any]:
    q, r = y
    a_dot = tangents[0]
    m, n = shape_of(a)[-2:]
    if m >= n:
        return _qr_tall_jvp(q, r, a_dot)
    # wide: A = [X Y] with X square; R = [R_X, Q^H Y]
    q_dot, rx_dot = _qr_tall_jvp(q, r[..., :m], a_dot[..., :m])
    y_part = a[..., m:]
    ry_dot = _H(q_dot) @ y_part + _H(q) @ a_dot[..., m:]
    return q_dot, np.concatenate([rx_dot, ry_dot], axis=-1)


def _qr_vjp(y_bar: tuple, y: tuple, a: Any) -> tuple[Any]:
    q, r = y
    q_bar, r_bar = _cts(y_bar, y)
    m, n = shape_of(a)[-2:]
    if m >= n:
        return (_qr_tall_vjp(q, r, q_bar, r_bar),)
    y_part = a[..., m:]
    if r_bar is None:
        return (
            np.concatenate(
                [_qr_tall_vjp(q, r[..., :m], q_bar, None), np.zeros(shape_of(y_part), q.dtype)],
                axis=-1,
            ),
        )
    ry_bar = r_bar[..., m:]
    y_bar_part = _conj(q) @ ry_bar
    q_bar = _add(q_bar, _conj(y_part @ _mT(ry_bar)))
    x_bar = _qr_tall_vjp(q, r[..., :m], q_bar, r_bar[..., :m])
    return (np.concatenate([x_bar, y_bar_part], axis=-1),)


qr_p = primitive(
    "qr",
    lambda a: tuple(np.linalg.qr(a, mode="reduced")),
    jvp_joint=_qr_jvp,
    vjp_joint=_qr_vjp,
    multiple_results=True,
    batch=_batch_aligned,
    family=FAMILY,
    reads=((-1, 0),),
)


# ----------------------------------------------------------------------------- eigh


def _eigh_jvp(tangents: list, y: tuple, a: Any, UPLO: str) -> tuple[Any, Any]:
    # A = V diag(w) V^H:  K = V^H dA V,  dw = Re diag K,  dV = V (F o K), F = 1/(w_j - w_i)
    w, v = y
    k = _H(v) @ _hermitian_input(tangents[0], UPLO) @ v
    w_dot = _diag(k)
    if _is_complex(w_dot):
        w_dot = np.real(w_dot)
    return w_dot, v @ (_gap_inverse(w, w) * k)


def _eigh_vjp(y_bar: tuple, y: tuple, a: Any, UPLO: str) -> tuple[Any]:
    w, v = y
    w_bar, v_bar = _cts(y_bar, y)
    k_bar = None
    if v_bar is not None:
        k_bar = _gap_inverse(w, w) * (_mT(v) @ v_bar)
    if w_bar is not None:
        k_bar = _add(k_bar, _diag_matrix(w_bar, w))
    if k_bar is None:
        return (None,)
    return (_hermitian_input_T(_conj(v) @ k_bar @ _mT(v), UPLO),)


eigh_p = primitive(
    "eigh",
    lambda a, UPLO: tuple(np.linalg.eigh(a, UPLO=UPLO)),
    jvp_joint=_eigh_jvp,
    vjp_joint=_eigh_vjp,
    multiple_results=True,
    batch=_batch_aligned,
    family=FAMILY,
    reads=((-1, 0),),
)


# ----------------------------------------------------------------------------- eig


def _eig_jvp(tangents: list, y: tuple, a: Any) -> tuple[Any, Any]:
    # A V = V diag(w):  K = V^-1 dA V,  dw = diag K,  dV = V (F o K), then keep |v_i| = 1
    w, v = y
    k = inv_p(v) @ tangents[0] @ v
    v_dot = v @ (_gap_inverse(w, w) * k)
    along = np.real(np.sum(_conj(v) * v_dot, axis=-2))
    return _diag(k), v_dot - v * np.expand_dims(along, -2)


def _eig_vjp(y_bar: tuple, y: tuple, a: Any) -> tuple[Any]:
    w, v = y
    w_bar, v_bar = _cts(y_bar, y)
    k_bar = None
    if v_bar is not None:
        along_bar = -np.real(np.sum(v_bar * v, axis=-2))
        v_dot_bar = v_bar + _conj(v) * np.expand_dims(along_bar, -2)
        k_bar = _gap_inverse(w, w) * (_mT(v) @ v_dot_bar)
    if w_bar is not None:
        k_bar = _add(k_bar, _diag_matrix(w_bar, w))
    if k_bar is None:
        return (None,)
    return (_real_if_real(_mT(inv_p(v)) @ k_bar @ _mT(v), a),)


eig_p = primitive(
    "eig",
    lambda a: tuple(np.linalg.eig(a)),
    jvp_joint=_eig_jvp,
    vjp_joint=_eig_vjp,
    multiple_results=True,
    batch=_batch_aligned,
    family=FAMILY,
    reads=((-1, 0),),
)


# ----------------------------------------------------------------------------- svd


def _svd_gap_inverse(s: Any) -> Any:
    """``F[i, j] = 1 / (s_j^2 - s_i^2)`` off the diagonal, 0 on it."""
    return _gap_inverse(s * s, s)


def _svd_jvp(tangents: list, y: tuple, a: Any) -> tuple[Any, Any, Any]:
    # A = U S V^H (reduced):  P = U^H dA V,  dS = Re diag P,
    # dU = U (F o (P S + S P^H) + i Im diag(P) / S) + (I - U U^H) dA V / S,
    # dV = V (F o (S P + P^H S)) + (I - V V^H) dA^H U / S
    u, s, vh = y
    a_dot = tangents[0]
    v = _H(vh)
    m, n = shape_of(a)[-2:]
    k = min(m, n)
    p = _H(u) @ a_dot @ v
    f = _svd_gap_inverse(s)
    s_row, s_col = np.expand_dims(s, -2), np.expand_dims(s, -1)
    ps, sp = p * s_row, s_col * p
    u_core = f * (ps + _H(ps))
    s_dot = _diag(p)
    if _is_complex(p):
        s_dot = np.real(s_dot)
        u_core = u_core + 1j * (_imag(p) * _eye(k, s) / s_row)
    u_dot = u @ u_core
    v_dot = v @ (f * (sp + _H(sp)))
    if m > k:
        av = a_dot @ v
        u_dot = u_dot + (av - u @ (_H(u) @ av)) / s_row
    if n > k:
        ahu = _H(a_dot) @ u
        v_dot = v_dot + (ahu - v @ (vh @ ahu)) / s_row
    return u_dot, s_dot, _H(v_dot)


def _svd_vjp(y_bar: tuple, y: tuple, a: Any) -> tuple[Any]:
    u, s, vh = y
    u_bar, s_bar, vh_bar = _cts(y_bar, y)
    v = _H(vh)
    m, n = shape_of(a)[-2:]
    k = min(m, n)
    f = _svd_gap_inverse(s)
    s_row, s_col = np.expand_dims(s, -2), np.expand_dims(s, -1)
    p_bar = None if s_bar is None else _diag_matrix(s_bar, s)
    a_bar = None
    if u_bar is not None:
        gu = _mT(u) @ u_bar
        p_bar = _add(p_bar, (f * (gu - _H(gu))) * s_row)
        if _is_complex(gu):
            p_bar = p_bar + 1j * (_imag(gu) * _eye(k, s) / s_row)
        if m > k:
            w = u_bar / s_row
            a_bar = (w - _conj(u) @ (_mT(u) @ w)) @ _mT(v)
    if vh_bar is not None:
        v_bar = _H(vh_bar)
        gv = _mT(v) @ v_bar
        p_bar = _add(p_bar, s_col * (f * (gv - _H(gv))))
        if n > k:
            w = v_bar / s_row
            z = w - _conj(v) @ (_mT(v) @ w)
            a_bar = _add(a_bar, _conj(u @ _mT(z)))
    if p_bar is not None:
        a_bar = _add(a_bar, _conj(u) @ p_bar @ _mT(v))
    return (a_bar,)


svd_p = primitive(
    "svd",
    lambda a: tuple(np.linalg.svd(a, full_matrices=False)),
    jvp_joint=_svd_jvp,
    vjp_joint=_svd_vjp,
    multiple_results=True,
    batch=_batch_aligned,
    family=FAMILY,
    reads=((-1, 0),),
)


# ----------------------------------------------------------------------------- pinv and lstsq


def _pinv_jvp_core(a: Any, p: Any, a_dot: Any) -> Any:
    # P = A^+ (constant rank):
    # dP = -P dA P + P P^H dA^H (I - A P) + (I - P A) dA^H P^H P
    m, n = shape_of(a)[-2:]
    a_dot_h = _H(a_dot)
    out = -(p @ a_dot @ p)
    out = out + p @ (_H(p) @ a_dot_h @ (_eye(m, a) - a @ p))
    return out + (_eye(n, a) - p @ a) @ (a_dot_h @ (_H(p) @ p))


def _pinv_vjp_core(a: Any, p: Any, u: Any) -> Any:
    # transposes: X dA Y -> X^T u Y^T, and X dA^H Y -> (X^T u Y^T)^H
    m, n = shape_of(a)[-2:]
    pt = _mT(p)
    out = -(pt @ u @ pt)
    out = out + _H((_conj(p) @ pt) @ u @ (_eye(m, a) - pt @ _mT(a)))
    return out + _H((_eye(n, a) - _mT(a) @ pt) @ u @ (pt @ _conj(p)))


def _pinv_jvp(a_dot: Any, y: Any, a: Any, rcond: Any, hermitian: bool) -> Any:
    if hermitian:
        a_dot = _hermitian_input(a_dot, "L")
    return _pinv_jvp_core(a, y, a_dot)


def _pinv_vjp(y_bar: Any, y: Any, a: Any, rcond: Any, hermitian: bool) -> Any:
    a_bar = _pinv_vjp_core(a, y, _ct(y_bar, y))
    return _hermitian_input_T(a_bar, "L") if hermitian else a_bar


pinv_p = primitive(
    "pinv",
    lambda a, rcond, hermitian: np.linalg.pinv(a, rcond=rcond, hermitian=hermitian),
    jvp=_pinv_jvp,
    vjp=_pinv_vjp,
    batch=_batch_aligned,
    family=FAMILY,
    reads=((-1, 0),),
)


def _lstsq_impl(a: Any, b: Any, rcond: Any) -> Any:
    """Least-squares solutions for a stack of problems (NumPy's lstsq takes one)."""
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a = np.broadcast_to(a, batch + a.shape[-2:])
    b = np.broadcast_to(b, batch + b.shape[-2:])
    if not batch:
        return np.linalg.lstsq(a, b, rcond=rcond)[0]
    out = [np.linalg.lstsq(a[i], b[i], rcond=rcond)[0] for i in np.ndindex(*batch)]
    return np.reshape(np.stack(out), batch + out[0].shape)


def _lstsq_jvp(tangents: list, x: Any, a: Any, b: Any, rcond: Any) -> Any:
    # x = A^+ b:  dx = dA^+ b + A^+ db
    a_dot, b_dot = tangents
    p = pinv_p(a, rcond=None, hermitian=False)
    out = None if b_dot is None else p @ b_dot
    if a_dot is not None:
        out = _add(out, _pinv_jvp_core(a, p, a_dot) @ b)
    return out


def _lstsq_vjp(x_bar: Any, x: Any, a: Any, b: Any, rcond: Any) -> tuple[Any, Any]:
    p = pinv_p(a, rcond=None, hermitian=False)
    x_bar = _ct(x_bar, x)
    a_bar = _pinv_vjp_core(a, p, x_bar @ _mT(b))
    return unbroadcast(a_bar, a), unbroadcast(_mT(p) @ x_bar, b)


# x of lstsq for matrix right-hand sides; the handler adds residuals, rank and s
lstsq_p = primitive(
    "lstsq",
    _lstsq_impl,
    jvp_joint=_lstsq_jvp,
    vjp_joint=_lstsq_vjp,
    batch=_batch_aligned,
    family=FAMILY,
    reads=((-1, 0, 1), (-1, 0, 1)),
)


# ----------------------------------------------------------------------------- norms


def _modulus_and_phase(x: Any) -> tuple[Any, Any]:
    """``|x|`` and ``conj(x) / |x|`` (0 at 0), safe to differentiate at x = 0."""
    if not _is_complex(x):
        return np.abs(x), np.sign(x)
    abs2 = np.real(x * np.conj(x))
    nonzero = abs2 > 0
    safe = np.sqrt(np.where(nonzero, abs2, 1))
    return safe * nonzero.astype(_real_dtype(x)), np.conj(x) / safe


def _keep_reduced(g: Any, x: Any, axis: tuple | None, keepdims: bool) -> Any:
    """Re-insert the reduced axes of ``g`` (length one) so it broadcasts against ``x``."""
    if keepdims:
        return g
    ndim = len(shape_of(x))
    axes = tuple(range(ndim)) if axis is None else axis
    return np.reshape(g, tuple(1 if i in axes else n for i, n in enumerate(shape_of(x))))


def _norm_weights(y: Any, x: Any, ord: Any, axis: tuple | None, keepdims: bool) -> Any:
    """``w`` with ``dy = Re sum(w dx)``: the (conjugated) gradient of the vector p-norm.

    At x = 0 (y = 0) the weights are 0: the norm's subgradient 0 is used there.
    """
    y = _keep_reduced(y, x, axis, keepdims)
    safe_y = np.where(y == 0, 1, y)
    if ord == 2:
        return _conj(x) / safe_y
    modulus, phase = _modulus_and_phase(x)
    if ord == 1:
        return phase
    if ord in (np.inf, -np.inf):  # ties share the derivative evenly
        extreme = (np.max if ord == np.inf else np.min)(modulus, axis=axis, keepdims=True)
        ties = (modulus == extreme).astype(_real_dtype(x))
        return phase * (ties / np.sum(ties, axis=axis, keepdims=True))
    return modulus ** (ord - 1) * phase / safe_y ** (ord - 1)


def _vector_norm_jvp(x_dot: Any, y: Any, x: Any, ord: Any, axis: Any, keepdims: bool) -> Any:
    if ord == 0:
        return None
    y_dot = np.sum(_norm_weights(y, x, ord, axis, keepdims) * x_dot, axis=axis, keepdims=keepdims)
    return np.real(y_dot) if _is_complex(y_dot) else y_dot


def _vector_norm_vjp(y_bar: Any, y: Any, x: Any, ord: Any, axis: Any, keepdims: bool) -> Any:
    if ord == 0:
        return None
    y_bar = _keep_reduced(_ct(y_bar, y), x, axis, keepdims)
    return y_bar * _norm_weights(y, x, ord, axis, keepdims)


def _vector_norm_batch(
    prim: Any, size: int, vals: list, batched: tuple, *, ord: Any, axis: Any, keepdims: bool
) -> Any:
    (x,) = vals
    ndim = len(shape_of(x)) - 1
    axes = tuple(range(ndim)) if axis is None else axis
    return prim(x, ord=ord, axis=tuple(a + 1 for a in axes), keepdims=keepdims)


# the vector p-norm over the axes ``axis`` (a sorted tuple, or None for all)
vector_norm_p = primitive(
    "vector_norm",
    lambda x, ord, axis, keepdims: np.linalg.vector_norm(x, axis=axis, keepdims=keepdims, ord=ord),
    jvp=_vector_norm_jvp,
    vjp=_vector_norm_vjp,
    batch=_vector_norm_batch,
    family=FAMILY,
    reads=((-1, 0),),
)


# ----------------------------------------------------------------------------- tensor forms


# ----------------------------------------------------------------------------- array-API names
