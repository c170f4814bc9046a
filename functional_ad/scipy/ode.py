"""Initial value problems ``dy/dt = f(y, t, *args)`` solved by SciPy, as one primitive with
forward sensitivities (jvp) and the adjoint method (vjp).

- jvp: ``δy`` obeys ``dδy/dt = ∂f/∂y δy + ∂f/∂θ δθ`` from ``δy(t₀) = δy₀ - f(y₀, t₀) δt₀``,
  integrated with ``y`` (each right-hand side is one ``jvp`` of ``f``); a moved output time
  adds ``f(yᵢ, tᵢ) δtᵢ``, and the first output, ``y₀`` itself, moves by ``δy₀`` alone.
- vjp: the adjoint ``a`` obeys ``da/dt = -aᵀ ∂f/∂y`` and ``dā_θ/dt = -aᵀ ∂f/∂θ``, integrated
  backwards from the last time with ``y`` itself (so memory does not grow with the number of
  steps), jumping by ``ȳᵢ`` at each output time; ``t̄ᵢ = ȳᵢ · f(yᵢ, tᵢ)`` and
  ``t̄₀ = -a(t₀) · f(y₀, t₀)`` (without ``ȳ₀``).

The rules run SciPy on plain values (``jacfwd`` and ``jacrev`` contract Jacobians computed
one direction at a time). A rule reached with the values of another transform (``hessian``,
``grad`` of ``grad``, ``vmap`` of ``grad``) is computed by further solves of this primitive
on augmented systems instead (scipy/ode_composed.py), which that transform differentiates.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import numpy as np

from ..core import Primitive, Tracer
from ..core.zeros import Zero
from ..ops.batching import batch_by_loop
from ..transforms import jvp, vjp
from . import ode_composed


def _integrate(
    rhs: Callable[[Any, Any], Any], y0: Any, ts: Any, method: str, rtol: Any, atol: Any
) -> Any:
    """States at ``ts`` (one row each) of ``dy/dt = rhs(y, t)``, by SciPy."""
    integrate = importlib.import_module("scipy.integrate")
    y0 = np.asarray(y0, dtype=float)
    if method == "odeint":
        tol: dict = {} if rtol is None else {"rtol": rtol, "atol": atol}
        return integrate.odeint(rhs, y0, ts, **tol)
    if len(ts) < 2:
        return y0[None, :]
    result = integrate.solve_ivp(
        lambda t, y: rhs(y, t),
        (ts[0], ts[-1]),
        y0,
        method=method,
        t_eval=ts,
        rtol=1e-3 if rtol is None else rtol,
        atol=1e-6 if atol is None else atol,
    )
    if not result.success:
        raise RuntimeError(f"solve_ivp failed: {result.message}")
    return result.y.T


def _traced(*values: Any) -> bool:
    return any(isinstance(v, Tracer) for v in values)


def _flat(args: tuple) -> tuple[np.ndarray, Callable[[Any], tuple]]:
    """The arguments as one vector, and a function rebuilding them from such a vector."""
    shapes = [np.shape(a) for a in args]
    sizes = [int(np.prod(s)) for s in shapes]

    def unflatten(v: Any) -> tuple:
        out, start = [], 0
        for shape, size in zip(shapes, sizes, strict=True):
            out.append(np.reshape(v[start : start + size], shape))
            start += size
        return tuple(out)

    flat = (
        np.concatenate([np.ravel(np.asarray(a, dtype=float)) for a in args])
        if args
        else np.zeros(0)
    )
    return flat, unflatten


def _ode_impl(y0: Any, ts: Any, *args: Any, func: Any, method: str, rtol: Any, atol: Any) -> Any:
    return _integrate(lambda y, t: func(y, t, *args), y0, ts, method, rtol, atol)


def _ode_jvp(
    tangents: list, ys: Any, y0: Any, ts: Any, *args: Any, func: Any, method: str, rtol: Any,
    atol: Any,
) -> Any:  # fmt: skip
    options = {"func": func, "method": method, "rtol": rtol, "atol": atol}
    if _traced(y0, ts, *args):  # values of an outer transform: solves it can differentiate
        return ode_composed.ode_jvp(ode_p, tangents, ys, y0, ts, *args, **options)
    tangents = [None if isinstance(t, Zero) else t for t in tangents]
    primals = (y0, ts, *args)
    # tangents traced by another transform (jacfwd pushes a batch of them) meet the
    # Jacobian, computed one plain direction at a time: the map stays linear NumPy calls
    traced = [i for i, t in enumerate(tangents) if isinstance(t, Tracer)]
    plain = [None if i in traced else t for i, t in enumerate(tangents)]
    out = _sensitivity(plain, ys, primals, **options) if any(t is not None for t in plain) else None
    for i in traced:
        term = np.tensordot(
            _jacobian(i, ys, primals, options), tangents[i], axes=np.ndim(primals[i])
        )
        out = term if out is None else out + term
    return out


def _jacobian(i: int, ys: Any, primals: tuple, options: dict) -> np.ndarray:
    """``∂ys / ∂primals[i]`` (output axes first), by one sensitivity solve per direction."""
    shape = np.shape(primals[i])
    columns = []
    for k in range(int(np.prod(shape))):
        direction: list[Any] = [None] * len(primals)
        direction[i] = np.reshape(np.eye(int(np.prod(shape)))[k], shape)
        columns.append(_sensitivity(direction, ys, primals, **options))
    return np.stack(columns, axis=-1).reshape(np.shape(ys) + shape)


def _sensitivity(
    tangents: list, ys: Any, primals: tuple, func: Any, method: str, rtol: Any, atol: Any
) -> Any:
    """The tangent of ``ys`` along plain tangents (``None``: zero), by integrating ``δy``."""
    y0, ts, *args = primals
    y0_dot, ts_dot, *arg_dots = tangents
    n = np.size(y0)
    arg_dots = [
        np.zeros(np.shape(a)) if d is None else np.asarray(d)
        for a, d in zip(args, arg_dots, strict=True)
    ]
    start = np.zeros(n) if y0_dot is None else np.asarray(y0_dot, dtype=float)
    if ts_dot is not None:
        start = start - func(y0, ts[0], *args) * ts_dot[0]

    def rhs(z: Any, t: Any) -> Any:
        y, dy = z[:n], z[n:]
        value, tangent = jvp(lambda y, *a: func(y, t, *a), (y, *args), (dy, *arg_dots))
        return np.concatenate([value, tangent])

    z = _integrate(rhs, np.concatenate([y0, start]), ts, method, rtol, atol)
    ys_dot = z[:, n:]
    first = np.zeros(n) if y0_dot is None else np.asarray(y0_dot, dtype=float)
    ys_dot = np.concatenate([first[None, :], ys_dot[1:]])  # y(t₀) is y₀, wherever t₀ is
    if ts_dot is not None:
        moved = np.stack([func(ys[i], ts[i], *args) * ts_dot[i] for i in range(1, len(ts))])
        ys_dot = np.concatenate([ys_dot[:1], ys_dot[1:] + moved])
    return ys_dot


def _ode_vjp(
    ys_bar: Any, ys: Any, y0: Any, ts: Any, *args: Any, func: Any, method: str, rtol: Any,
    atol: Any,
) -> tuple:  # fmt: skip
    if _traced(y0, ts, *args):  # values of an outer transform: solves it can differentiate
        options = {"func": func, "method": method, "rtol": rtol, "atol": atol}
        return ode_composed.ode_vjp(ode_p, ys_bar, ys, y0, ts, *args, **options)
    if isinstance(ys_bar, Tracer):  # a batch of cotangents (jacrev): Jacobians, contracted
        options = {"func": func, "method": method, "rtol": rtol, "atol": atol}
        primals = (y0, ts, *args)
        return tuple(
            np.tensordot(ys_bar, _jacobian(i, ys, primals, options), axes=np.ndim(ys))  # type: ignore[call-overload]
            for i in range(len(primals))
        )
    ys_bar = np.asarray(ys_bar, dtype=float)
    n = np.size(y0)
    theta, unflatten = _flat(args)
    m = theta.size

    def rhs(z: Any, t: Any) -> Any:  # backwards in time: y, a, a_theta
        y, a = z[:n], z[n : 2 * n]
        value, pullback = vjp(lambda y, th: func(y, t, *unflatten(th)), y, theta)
        a_y, a_theta = pullback(a)
        return np.concatenate([value, -np.asarray(a_y), -np.ravel(a_theta)])

    a = np.zeros(n)
    a_theta = np.zeros(m)
    ts_bar = np.zeros(len(ts))
    for i in range(len(ts) - 1, 0, -1):
        ts_bar[i] = ys_bar[i] @ func(ys[i], ts[i], *args)
        a = a + ys_bar[i]
        z = np.concatenate([ys[i], a, a_theta])
        z = _integrate(rhs, z, np.array([ts[i], ts[i - 1]]), method, rtol, atol)[-1]
        a, a_theta = z[n : 2 * n], z[2 * n :]
    ts_bar[0] = -(a @ func(y0, ts[0], *args))
    y0_bar = a + ys_bar[0]
    return (y0_bar, ts_bar, *unflatten(a_theta))


ode_p = Primitive(
    "integrate.ode",
    _ode_impl,
    jvp_joint=_ode_jvp,
    vjp_joint=_ode_vjp,
    batch=batch_by_loop,  # one solve per example: SciPy's solvers take one system at a time
    family="ode",
)

__all__ = ["ode_p"]
