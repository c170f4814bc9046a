"""Triangular solves, Sylvester equations and matrix functions (expm, logm, sqrtm) from
scipy.linalg, with derivatives written with the same primitives so that they nest.

- ``solve_triangular``: ``x = M⁻¹ b`` with ``M`` one triangle of ``a`` (or its transpose):
  ``dx = M⁻¹ (db - dM x)``; ``b̄ = M⁻ᵀ x̄`` and ``ā`` is the triangle of ``-b̄ xᵀ``.
- ``solve_sylvester``: ``AX + XB = Q``: ``dX = sylv(A, B, dQ - dA X - X dB)``;
  ``Q̄ = sylv(Aᵀ, Bᵀ, X̄)``, ``Ā = -Q̄ Xᵀ``, ``B̄ = -Xᵀ Q̄``.
- a matrix function ``f`` (expm, logm): its Fréchet derivative ``L_f(A, E)`` is the
  upper-right block of ``f([[A, E], [0, A]])`` (Higham, *Functions of Matrices*, 3.2), and
  its transpose is ``L_f(Aᵀ, ·)``; for ``sqrtm`` it solves ``S dS + dS S = dA`` instead,
  and its transpose ``Sᵀ Q̄ + Q̄ Sᵀ = S̄``.

SciPy is imported when a primitive first runs (these are reached from functional_ad.scipy).
Stacks of matrices are looped over, so every primitive maps over leading axes.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import numpy as np

from .batching import batch_all
from .registry import no_derivative, primitive, shape_of

FAMILY = "linalg"  # NumPy-style leading axes, like numpy.linalg


def _scipy_linalg() -> Any:
    return importlib.import_module("scipy.linalg")


def _over_stack(fn: Callable[..., Any], core_ndims: tuple[int, ...]) -> Callable[..., Any]:
    """``fn`` of arrays with ``core_ndims`` dimensions each, applied over leading axes."""

    def impl(*args: Any, **params: Any) -> Any:
        lead = [np.shape(a)[: np.ndim(a) - k] for a, k in zip(args, core_ndims, strict=True)]
        batch = np.broadcast_shapes(*lead)
        if not batch:
            return fn(*args, **params)
        full = [
            np.broadcast_to(a, batch + np.shape(a)[np.ndim(a) - k :])
            for a, k in zip(args, core_ndims, strict=True)
        ]
        outs = [fn(*[a[i] for a in full], **params) for i in np.ndindex(*batch)]
        return np.reshape(np.stack(outs), batch + np.shape(outs[0]))

    return impl


def _mT(x: Any) -> Any:
    return np.swapaxes(x, -1, -2)


def _triangle(x: Any, lower: bool, unit_diagonal: bool) -> Any:
    """The triangle a triangular solve reads (strict when the diagonal is taken as ones)."""
    n = shape_of(x)[-1]
    ones = np.ones((n, n), np.result_type(x.dtype, np.float16))
    k = -1 if unit_diagonal else 0
    mask = np.tril(ones, k) if lower else np.triu(ones, -k)
    return x * mask


# ----------------------------------------------------------------------------- triangular


def _solve_triangular_impl(
    a: Any, b: Any, lower: bool, transpose: bool, unit_diagonal: bool
) -> Any:
    solve = _scipy_linalg().solve_triangular
    return _over_stack(
        lambda a, b: solve(a, b, trans=int(transpose), lower=lower, unit_diagonal=unit_diagonal),
        (2, 2),
    )(a, b)


def _op(m: Any, transpose: bool) -> Any:
    return _mT(m) if transpose else m


def _solve_triangular_jvp(
    tangents: list, x: Any, a: Any, b: Any, lower: bool, transpose: bool, unit_diagonal: bool
) -> Any:
    a_dot, b_dot = tangents
    rhs = b_dot
    if a_dot is not None:
        term = _op(_triangle(a_dot, lower, unit_diagonal), transpose) @ x
        rhs = -term if rhs is None else rhs - term
    return solve_triangular_p(a, rhs, lower=lower, transpose=transpose, unit_diagonal=unit_diagonal)


def _solve_triangular_vjp(
    x_bar: Any, x: Any, a: Any, b: Any, lower: bool, transpose: bool, unit_diagonal: bool
) -> tuple[Any, Any]:
    b_bar = solve_triangular_p(
        a, x_bar, lower=lower, transpose=not transpose, unit_diagonal=unit_diagonal
    )
    m_bar = -(b_bar @ _mT(x))
    a_bar = _triangle(_op(m_bar, transpose), lower, unit_diagonal)
    return _sum_to(a_bar, a), _sum_to(b_bar, b)


def _sum_to(g: Any, x: Any) -> Any:
    """Sum ``g`` over leading axes that ``x`` did not have (broadcast stacks)."""
    extra = len(shape_of(g)) - len(shape_of(x))
    if extra > 0:
        g = np.sum(g, axis=tuple(range(extra)))
    shape = shape_of(x)
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and shape_of(g)[i] != 1)
    return np.sum(g, axis=axes, keepdims=True) if axes else g


solve_triangular_p = primitive(
    "linalg.solve_triangular",
    _solve_triangular_impl,
    jvp_joint=_solve_triangular_jvp,
    vjp_joint=_solve_triangular_vjp,
    reads=((-1, 0), (0,)),
    family=FAMILY,
    batch=batch_all,
)


# ----------------------------------------------------------------------------- Sylvester


def _sylvester_impl(a: Any, b: Any, q: Any) -> Any:
    return _over_stack(_scipy_linalg().solve_sylvester, (2, 2, 2))(a, b, q)


def _sylvester_jvp(tangents: list, x: Any, a: Any, b: Any, q: Any) -> Any:
    a_dot, b_dot, q_dot = tangents
    rhs = q_dot
    for term in (None if a_dot is None else a_dot @ x, None if b_dot is None else x @ b_dot):
        if term is not None:
            rhs = -term if rhs is None else rhs - term
    return solve_sylvester_p(a, b, rhs)


def _sylvester_vjp(x_bar: Any, x: Any, a: Any, b: Any, q: Any) -> tuple[Any, Any, Any]:
    q_bar = solve_sylvester_p(_mT(a), _mT(b), x_bar)
    return _sum_to(-(q_bar @ _mT(x)), a), _sum_to(-(_mT(x) @ q_bar), b), _sum_to(q_bar, q)


solve_sylvester_p = primitive(
    "linalg.solve_sylvester",
    _sylvester_impl,
    jvp_joint=_sylvester_jvp,
    vjp_joint=_sylvester_vjp,
    reads=((-1, 0, 1), (-1, 0, 1), (0, 1)),
    family=FAMILY,
    batch=batch_all,
)


# ----------------------------------------------------------------------------- functions


def frechet(prim: Any, a: Any, e: Any) -> Any:
    """``L_f(a, e)``: the upper-right block of ``f([[a, e], [0, a]])`` for ``f = prim``."""
    n = shape_of(a)[-1]
    lead = np.broadcast_shapes(shape_of(a)[:-2], shape_of(e)[:-2])
    a = np.broadcast_to(a, lead + (n, n))
    e = np.broadcast_to(e, lead + (n, n))
    top = np.concatenate([a, e], axis=-1)
    bottom = np.concatenate([np.zeros_like(a), a], axis=-1)
    return prim(np.concatenate([top, bottom], axis=-2))[..., :n, n:]


def _matrix_function(name: str, method: str) -> Any:
    def impl(a: Any) -> Any:
        return _over_stack(getattr(_scipy_linalg(), method), (2,))(a)

    prim: Any = None

    def jvp(a_dot: Any, y: Any, a: Any) -> Any:
        return frechet(prim, a, a_dot)

    def vjp(y_bar: Any, y: Any, a: Any) -> Any:
        return frechet(prim, _mT(a), y_bar)

    prim = primitive(name, impl, jvp=jvp, vjp=vjp, reads=((0,),), family=FAMILY, batch=batch_all)
    return prim


expm_p = _matrix_function("linalg.expm", "expm")
logm_p = _matrix_function("linalg.logm", "logm")
# sqrtm: (S + dS)² = A + dA gives the Sylvester equation S dS + dS S = dA, solved directly;
# the block form would take the square root of a matrix whose repeated eigenvalues rounding
# may put on both sides of the branch cut (a negative eigenvalue of a real A, reached in
# reverse-over-reverse mode), where SciPy's Schur recurrence divides by about zero
sqrtm_p = primitive(
    "linalg.sqrtm",
    lambda a: _over_stack(_scipy_linalg().sqrtm, (2,))(a),
    jvp=lambda a_dot, y, a: solve_sylvester_p(y, y, a_dot),
    vjp=lambda y_bar, y, a: solve_sylvester_p(_mT(y), _mT(y), y_bar),
    reads=((-1,),),
    family=FAMILY,
    batch=batch_all,
)

# ----------------------------------------------------------------------------- LU pivots


def _pivots(a: Any) -> Any:
    return _over_stack(lambda a: _scipy_linalg().lu_factor(a)[1], (2,))(a)


def _permutation(piv: Any) -> Any:
    """The row order ``perm`` with ``a[perm] = P a`` from LAPACK's sequential swaps."""

    def one(piv: Any) -> Any:
        perm = np.arange(np.shape(piv)[0])
        for i, p in enumerate(piv):
            perm[[i, p]] = perm[[p, i]]
        return perm

    return _over_stack(one, (1,))(piv)


# the pivots of partial pivoting are integers: piecewise constant, no derivative
lu_pivots_p = no_derivative("linalg.lu_pivots", _pivots, family=FAMILY, batch=batch_all)
pivot_permutation_p = no_derivative(
    "linalg.pivot_permutation", _permutation, family=FAMILY, batch=batch_all
)

__all__ = [
    "expm_p",
    "lu_pivots_p",
    "pivot_permutation_p",
    "frechet",
    "logm_p",
    "solve_sylvester_p",
    "solve_triangular_p",
    "sqrtm_p",
]
