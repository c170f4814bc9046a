"""The rules of the ODE primitive written as further ODE solves, for values traced by an outer
transform: forward sensitivities and the adjoint method as solutions of augmented systems, so
``hessian``, ``grad`` of ``grad`` and ``jvp`` of ``grad`` of an ODE solution differentiate
those solves in turn (each level adds one augmented system).

- jvp: ``z = (y, δy)`` solves ``dz/dt = (f(y, t, θ), ∂f/∂y δy + ∂f/∂θ δθ)`` from
  ``(y₀, δy₀ - f(y₀, t₀) δt₀)``, with ``θ`` and ``δθ`` as the augmented system's arguments;
  a moved output time adds ``f(yᵢ, tᵢ) δtᵢ``.
- vjp: between consecutive output times, ``(y, a, ā_θ)`` solves ``dy/dt = f``,
  ``da/dt = -aᵀ ∂f/∂y``, ``dā_θ/dt = -aᵀ ∂f/∂θ`` backwards, jumping by ``ȳᵢ``; memory grows
  with the number of output times, not of solver steps.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..core.zeros import Zero


def _stack(values: list) -> Any:
    return np.stack(values) if values else np.zeros(0)


def _flat(values: tuple) -> Any:
    return np.concatenate([np.ravel(v) for v in values]) if values else np.zeros(0)


def _split(flat: Any, like: tuple) -> tuple:
    out, start = [], 0
    for value in like:
        size = int(np.prod(np.shape(value)))
        out.append(np.reshape(flat[start : start + size], np.shape(value)))
        start += size
    return tuple(out)


def ode_jvp(ode_p: Any, tangents: list, ys: Any, y0: Any, ts: Any, *args: Any,
            func: Callable[..., Any], method: str, rtol: Any, atol: Any) -> Any:  # fmt: skip
    """The tangent of ``ys`` (the solution of ``ode_p``) as the second half of an augmented
    ODE solution."""
    from ..transforms import jvp

    y0_dot, ts_dot, *arg_dots = [None if isinstance(t, Zero) else t for t in tangents]
    n, count = np.size(y0), len(args)
    arg_dots = [
        np.zeros(np.shape(a)) if d is None else d for a, d in zip(args, arg_dots, strict=True)
    ]
    start = np.zeros(n) if y0_dot is None else y0_dot
    if ts_dot is not None:
        start = start - func(y0, ts[0], *args) * ts_dot[0]

    def augmented(z: Any, t: Any, *params: Any) -> Any:
        theta, theta_dot = params[:count], params[count:]
        value, tangent = jvp(lambda y, *a: func(y, t, *a), (z[:n], *theta), (z[n:], *theta_dot))
        return np.concatenate([value, tangent])

    zs = ode_p(
        np.concatenate([y0, start]), ts, *args, *arg_dots,
        func=augmented, method=method, rtol=rtol, atol=atol,
    )  # fmt: skip
    first = np.zeros(n) if y0_dot is None else y0_dot
    rows = [first] + [zs[i, n:] for i in range(1, len(ts))]  # y(t₀) is y₀, wherever t₀ is
    if ts_dot is not None:
        rows = [rows[0]] + [
            rows[i] + func(ys[i], ts[i], *args) * ts_dot[i] for i in range(1, len(ts))
        ]
    return _stack(rows)


def ode_vjp(ode_p: Any, ys_bar: Any, ys: Any, y0: Any, ts: Any, *args: Any,
            func: Callable[..., Any], method: str, rtol: Any, atol: Any) -> tuple:  # fmt: skip
    """The cotangents of ``y0``, ``ts`` and ``args`` by the adjoint method, each backward
    interval one ODE solve of ``(y, a, ā_θ)``."""
    from ..transforms import vjp

    n = np.size(y0)

    def adjoint(z: Any, t: Any, *theta: Any) -> Any:  # backwards in time: y, a, ā_θ
        value, pullback = vjp(lambda y, *a: func(y, t, *a), z[:n], *theta)
        cotangents = pullback(z[n : 2 * n])
        a_y, *a_theta = cotangents if isinstance(cotangents, tuple) else (cotangents,)
        return np.concatenate([value, -a_y, -_flat(tuple(a_theta))])

    a: Any = np.zeros(n)
    a_theta: Any = np.zeros(sum(int(np.prod(np.shape(v))) for v in args))
    ts_bar = [None] * len(ts)
    for i in range(len(ts) - 1, 0, -1):
        ts_bar[i] = ys_bar[i] @ func(ys[i], ts[i], *args)
        a = a + ys_bar[i]
        interval = np.stack([ts[i], ts[i - 1]])
        z = ode_p(
            np.concatenate([ys[i], a, a_theta]), interval, *args,
            func=adjoint, method=method, rtol=rtol, atol=atol,
        )[-1]  # fmt: skip
        a, a_theta = z[n : 2 * n], z[2 * n :]
    ts_bar[0] = -(a @ func(y0, ts[0], *args))
    return (a + ys_bar[0], _stack(ts_bar), *_split(a_theta, args))


__all__ = ["ode_jvp", "ode_vjp"]
