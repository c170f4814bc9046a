"""``scipy.integrate`` for traced values: ``odeint`` and ``solve_ivp`` differentiated by
forward sensitivities (jvp) and the adjoint method (vjp), ``quad`` with traced integrands
and limits, ``trapezoid`` and ``simpson``.

>>> import numpy as np, functional_ad as fad
>>> decay = lambda k: odeint(lambda y, t, k: -k * y, np.ones(1), np.array([0.0, 1.0]), (k,))
>>> round(float(fad.grad(lambda k: decay(k)[-1, 0])(1.0)), 6)  # d/dk e^{-k} = -e^{-k}
-0.367879
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..core import concrete
from ..transforms import jacfwd
from ..transforms.custom import custom_jvp
from ._require import scipy_module
from .ode import ode_p

_integrate = scipy_module("integrate")


def odeint(func: Callable[..., Any], y0: Any, t: Any, args: tuple = (), rtol: Any = None,
           atol: Any = None, tfirst: bool = False, **options: Any) -> Any:  # fmt: skip
    """Return the states ``y(t[i])`` (shape ``(len(t), len(y0))``) of ``dy/dt = func(y, t,
    *args)`` (``func(t, y, *args)`` with ``tfirst``), solved by SciPy's ``odeint``;
    differentiable in ``y0``, ``t`` and ``args`` (any order, both modes). ``func`` must be
    written with NumPy calls.

    >>> import numpy as np
    >>> ys = odeint(lambda y, t: -y, np.ones(1), np.array([0.0, 1.0]))
    >>> round(float(ys[-1, 0]), 6)
    0.367879
    """
    if options:
        raise NotImplementedError(
            f"functional_ad.scipy.integrate.odeint: options {sorted(options)} are not "
            "supported with traced values"
        )
    args = args if isinstance(args, tuple) else (args,)
    rhs = (lambda y, t, *a: func(t, y, *a)) if tfirst else func
    # (a scalar y0 is one state, as in SciPy: the result has shape (len(t), 1))
    return ode_p(np.atleast_1d(y0), t, *args, func=rhs, method="odeint", rtol=rtol, atol=atol)


class OdeResult(dict):
    """The result of ``solve_ivp``: ``t``, ``y`` (shape ``(n, len(t))``), ``success``.

    >>> OdeResult(success=True).success
    True
    """

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError as error:
            raise AttributeError(name) from error


def solve_ivp(fun: Callable[..., Any], t_span: Any, y0: Any, method: str = "RK45",
              t_eval: Any = None, args: tuple | None = None, rtol: float = 1e-3,
              atol: float = 1e-6, **options: Any) -> OdeResult:  # fmt: skip
    """Solve ``dy/dt = fun(t, y, *args)`` with SciPy's ``solve_ivp`` at the times ``t_eval``
    (required: the solver's own steps depend on the values); ``y`` is differentiable in
    ``y0``, ``t_eval`` and ``args`` (any order, both modes).

    >>> import numpy as np
    >>> res = solve_ivp(lambda t, y: -y, (0.0, 1.0), np.ones(1), t_eval=np.array([0.0, 1.0]),
    ...                 rtol=1e-10, atol=1e-12)
    >>> round(float(res.y[0, -1]), 6)
    0.367879
    """
    if t_eval is None:
        raise NotImplementedError(
            "functional_ad.scipy.integrate.solve_ivp: pass t_eval (the times to return); the "
            "solver's own time steps depend on the values and cannot be differentiated"
        )
    if options:
        raise NotImplementedError(
            f"functional_ad.scipy.integrate.solve_ivp: options {sorted(options)} are not "
            "supported with traced values"
        )
    if np.ndim(y0) != 1:
        raise ValueError("`y0` must be 1-dimensional.")
    args = () if args is None else (args if isinstance(args, tuple) else (args,))
    # the solution starts at t_span[0]: a first time before t_eval's when they differ
    t0, t1 = t_span
    start = _check_times(float(concrete(t0)), float(concrete(t1)), np.asarray(concrete(t_eval)))
    times = t_eval if start else np.concatenate([np.reshape(t0, (1,)) * 1.0, t_eval])
    ys = ode_p(
        y0,
        times,
        *args,
        func=lambda y, t, *a: fun(t, y, *a),
        method=method,
        rtol=rtol,
        atol=atol,
    )
    return OdeResult(t=t_eval, y=np.transpose(ys if start else ys[1:]), success=True, status=0)


def _check_times(t0: float, t1: float, t_eval: np.ndarray) -> bool:
    """SciPy's checks of ``t_eval`` against ``t_span = (t0, t1)``; whether it starts at t0."""
    if np.any(t_eval < min(t0, t1)) or np.any(t_eval > max(t0, t1)):
        raise ValueError("Values in `t_eval` are not within `t_span`.")
    steps = np.diff(t_eval)
    if np.any(steps <= 0 if t1 > t0 else steps >= 0):
        raise ValueError("Values in `t_eval` are not properly sorted.")
    return bool(t_eval.size and t_eval[0] == t0)


def trapezoid(y: Any, x: Any = None, dx: float = 1.0, axis: int = -1) -> Any:
    """Return the trapezoidal-rule integral of ``y`` along ``axis``.

    >>> import numpy as np
    >>> float(trapezoid(np.array([0.0, 1.0, 2.0])))
    2.0
    """
    return np.trapezoid(y, x=x, dx=dx, axis=axis)


def simpson(y: Any, *, x: Any = None, dx: float = 1.0, axis: int = -1) -> Any:
    """Return Simpson's-rule integral of ``y`` along ``axis`` (SciPy's own code, which runs on
    traced values).

    >>> import numpy as np
    >>> float(simpson(np.array([0.0, 1.0, 4.0]), x=np.array([0.0, 1.0, 2.0])))  # ∫ x² = 8/3
    2.6666666666666665
    """
    return _integrate.simpson(y, x=x, dx=dx, axis=axis)


def _quad_value(func: Callable[..., Any], a: Any, b: Any, *args: Any) -> Any:
    value, _ = _integrate.quad_vec(lambda x: func(x, *args), a, b, epsabs=1e-13, epsrel=1e-12)
    return np.asarray(value)


_quad = custom_jvp(_quad_value, nondiff_argnums=(0,))


def _partial_jacobian(func: Callable[..., Any], k: int) -> Callable[..., Any]:
    """``x, *args -> ∂func(x, *args)/∂args[k]`` (output axes first)."""
    return lambda x, *args: jacfwd(func, k + 1)(x, *args)


@_quad.defjvp
def _quad_jvp(func: Callable[..., Any], primals: tuple, tangents: tuple) -> tuple[Any, Any]:
    # d/db = f(b), d/da = -f(a), d/dθ = (∫ ∂f/∂θ dx) θ̇: the integral of the Jacobian is a
    # quad of its own, free of the tangents, so reverse mode transposes a tensordot
    a, b, *args = primals
    a_dot, b_dot, *arg_dots = tangents
    value = _quad(func, a, b, *args)
    tangent = func(b, *args) * b_dot - func(a, *args) * a_dot
    for k, (arg, dot) in enumerate(zip(args, arg_dots, strict=True)):
        integral = _quad(_partial_jacobian(func, k), a, b, *args)
        tangent = tangent + np.tensordot(integral, dot, axes=np.ndim(arg))
    return value, tangent


def quad(func: Callable[..., Any], a: Any, b: Any, args: tuple = ()) -> tuple[Any, float]:
    """Return ``(∫_a^b func(x, *args) dx, 0.0)`` by SciPy's adaptive quadrature (``quad_vec``,
    tolerances 1e-12), differentiable in ``a``, ``b`` and ``args`` to any order; the error
    estimate is not returned (0.0).

    >>> import numpy as np, functional_ad as fad
    >>> integral = lambda c: quad(lambda x, c: np.sin(c * x), 0.0, 1.0, (c,))[0]
    >>> round(float(fad.grad(integral)(1.0)), 6)  # ∫ x cos x = cos 1 + sin 1 - 1
    0.381773
    """
    args = args if isinstance(args, tuple) else (args,)
    return _quad(func, a, b, *args), 0.0


__all__ = ["OdeResult", "odeint", "quad", "simpson", "solve_ivp", "trapezoid"]
