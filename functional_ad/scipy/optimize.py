"""``scipy.optimize`` for traced values: the solutions of ``root``, ``minimize`` and
``fixed_point`` differentiated by the implicit function theorem, and ``custom_root`` to do
the same for any solver.

If ``F(x*, θ) = 0`` defines ``x*(θ)``, then ``dx* = -(∂F/∂x)⁻¹ (∂F/∂θ) dθ``: the solver runs
on plain values (its iterations are never traced) and the derivative needs ``F`` alone,
written with NumPy calls. Reverse mode and higher orders follow, since the rule is traced by
outer transforms. For ``minimize``, ``F`` is the gradient of the objective (stationarity).

>>> import numpy as np, functional_ad as fad
>>> def sqrt_of(a):  # the root of x² - a
...     return root(lambda x, a: x * x - a, np.ones(1), args=(a,)).x[0]
>>> round(float(fad.grad(sqrt_of)(4.0)), 10)  # 1 / (2 sqrt(a))
0.25
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from ..core import ConcreteValueError, concrete
from ..transforms import grad, jacfwd, jvp
from ..transforms.custom import custom_jvp
from ._require import scipy_module

_optimize = scipy_module("optimize")


def _solve_impl(f: Callable[..., Any], solve: Callable[..., Any], x0: Any, *params: Any) -> Any:
    x = np.asarray(solve(x0, params), dtype=np.result_type(x0, float))
    return _polish(lambda x: f(x, *params), x)


def _polish(g: Callable[[Any], Any], x: Any, steps: int = 3) -> Any:
    """Up to ``steps`` Newton steps on ``g`` from a solver's answer, each kept only if it
    lowers ``|g|``: solvers stop at their tolerance, and the derivative (exact at a root)
    should describe the value returned."""
    residual = np.linalg.norm(np.ravel(g(x)))
    for _ in range(steps):
        if residual == 0 or not np.isfinite(residual):
            break
        jac = np.reshape(np.asarray(jacfwd(g)(x)), (np.size(g(x)), np.size(x)))
        step = np.linalg.lstsq(jac, np.ravel(g(x)), rcond=None)[0]
        candidate = x - np.reshape(step, np.shape(x))
        new = np.linalg.norm(np.ravel(g(candidate)))
        if not new < residual:
            break
        x, residual = candidate, new
    return x


# x*(x0, θ) = solve(x0, θ) with f(x*, θ) = 0; f and solve are Python callables (not traced)
_implicit = custom_jvp(_solve_impl, nondiff_argnums=(0, 1))


@_implicit.defjvp
def _implicit_jvp(
    f: Callable[..., Any], solve: Callable[..., Any], primals: tuple, tangents: tuple
) -> tuple[Any, Any]:
    # dx = -(∂F/∂x)⁻¹ (∂F/∂θ) dθ at the solution; x0 has no influence on it
    x0, *params = primals
    _, *param_dots = tangents
    x = _implicit(f, solve, x0, *params)
    if not params:
        return x, np.zeros_like(x)
    _, rhs = jvp(lambda *ps: f(x, *ps), tuple(params), tuple(param_dots))
    jac_x = jacfwd(lambda x: f(x, *params))(x)
    n = int(np.size(x))
    x_dot = -np.linalg.solve(np.reshape(jac_x, (n, n)), np.reshape(rhs, (n,)))
    return x, np.reshape(x_dot, np.shape(x))


def custom_root(
    f: Callable[..., Any],
    initial_guess: Any,
    solve: Callable[[Callable[[Any], Any], Any], Any],
    args: tuple = (),
) -> Any:
    """Return ``x`` with ``f(x, *args) = 0`` found by ``solve(g, initial_guess)`` (any solver,
    run on plain values) and refined by up to three Newton steps on ``f``, differentiable in
    ``args`` by the implicit function theorem.

    ``f`` must be written with NumPy calls (its Jacobians give the derivative); ``solve`` may
    be anything, e.g. a SciPy routine or a hand-written Newton loop.

    >>> import numpy as np, functional_ad as fad
    >>> import scipy.optimize
    >>> def solve(g, x0):
    ...     return scipy.optimize.fsolve(g, x0)
    >>> cube_root = lambda a: custom_root(lambda x, a: x**3 - a, np.ones(1), solve, (a,))[0]
    >>> round(float(fad.grad(cube_root)(8.0)), 10)  # 1 / (3 a^(2/3))
    0.0833333333
    """

    def solve_at(x0: Any, params: tuple) -> Any:
        return solve(lambda x: f(x, *params), x0)

    return _implicit(f, solve_at, initial_guess, *args)


class OptimizeResult(dict):
    """The result of ``root``/``minimize``: ``x`` differentiable, the rest from SciPy's run
    (absent under ``vmap`` or ``compile``, which have no single concrete value to solve for).

    >>> OptimizeResult(x=1.0).x
    1.0
    """

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError as error:
            raise AttributeError(name) from error


def _solution(
    name: str,
    condition: Callable[..., Any],
    run: Callable[[Any, tuple], Any],
    x0: Any,
    args: tuple,
) -> OptimizeResult:
    """SciPy's ``run(x0, args)`` on concrete values where they exist (for its diagnostics,
    and as the start of the differentiable solve, which then converges at once), and ``x``
    as the root of ``condition(x, *args)`` differentiated by the implicit function theorem.
    """
    info: dict = {}
    start = x0
    try:
        values = tuple(concrete(a) for a in (x0, *args))
    except ConcreteValueError:  # vmap / compile: each example is solved by the primitive
        values = None
    if values is not None:
        result = run(values[0], values[1:])
        if not result.success:
            warnings.warn(
                f"functional_ad.scipy.optimize.{name}: the solver did not converge "
                f"({result.message}); derivatives at a point that is not a solution are not "
                "those of the solution",
                RuntimeWarning,
                stacklevel=3,
            )
        info = dict(result)
        start = result.x
    info["x"] = _implicit(condition, lambda s, params: run(s, params).x, start, *args)
    return OptimizeResult(info)


def root(
    fun: Callable[..., Any],
    x0: Any,
    args: tuple = (),
    method: str = "hybr",
    jac: Any = None,
    tol: Any = None,
    callback: Any = None,
    options: Any = None,
) -> OptimizeResult:
    """Return SciPy's ``root`` result with ``x`` differentiable in ``args`` (``fun(x, *args)``
    written with NumPy calls; its Jacobian is computed by functional_ad unless ``jac``).

    >>> import numpy as np
    >>> float(root(lambda x: x - 2.0, np.zeros(1)).x[0])
    2.0
    """
    args = args if isinstance(args, tuple) else (args,)
    jacobian = jac if jac is not None else jacfwd(fun, 0)

    def run(start: Any, params: tuple) -> Any:
        return _optimize.root(
            fun,
            start,
            args=params,
            method=method,
            jac=jacobian,
            tol=tol,
            callback=callback,  # (SciPy calls it where the method takes one)
            options=options,
        )

    return _solution("root", fun, run, x0, args)


def minimize(
    fun: Callable[..., Any],
    x0: Any,
    args: tuple = (),
    method: Any = None,
    jac: Any = None,
    hess: Any = None,
    hessp: Any = None,
    bounds: Any = None,
    constraints: Any = (),
    tol: Any = None,
    callback: Any = None,
    options: Any = None,
) -> OptimizeResult:
    """Return SciPy's ``minimize`` result with ``x`` differentiable in ``args``, through the
    stationarity condition ``∇ₓ fun(x, *args) = 0`` (the Hessian must be invertible there).
    The gradient SciPy uses is computed by functional_ad unless ``jac`` is given.

    >>> import numpy as np
    >>> res = minimize(lambda x, c: np.sum((x - c) ** 2), np.zeros(2), args=(np.ones(2),))
    >>> np.round(res.x, 6)
    array([1., 1.])
    """
    if bounds is not None or constraints:
        raise NotImplementedError(
            "functional_ad.scipy.optimize.minimize: bounds and constraints change the "
            "optimality conditions (active sets); only unconstrained problems are "
            "differentiated. Reparametrize (e.g. x = exp(y) for x > 0) instead"
        )
    args = args if isinstance(args, tuple) else (args,)
    gradient = grad(fun, 0)

    def run(start: Any, params: tuple) -> Any:
        return _optimize.minimize(
            fun,
            start,
            args=params,
            method=method,
            jac=jac if jac is not None else gradient,
            hess=hess,
            hessp=hessp,
            tol=tol,
            callback=callback,  # (SciPy calls it with the iterates, plain arrays)
            options=options,
        )

    return _solution("minimize", gradient, run, x0, args)


def fixed_point(
    func: Callable[..., Any],
    x0: Any,
    args: tuple = (),
    xtol: float = 1e-8,
    maxiter: int = 500,
    method: str = "del2",
) -> Any:
    """Return ``x`` with ``func(x, *args) = x``, differentiable in ``args`` (through
    ``func(x) - x = 0``).

    >>> import numpy as np
    >>> round(float(fixed_point(np.cos, 0.5)), 6)
    0.739085
    """
    args = args if isinstance(args, tuple) else (args,)

    def residual(x: Any, *params: Any) -> Any:
        return func(x, *params) - x

    def run(start: Any, params: tuple) -> Any:
        x = _optimize.fixed_point(
            func, start, args=params, xtol=xtol, maxiter=maxiter, method=method
        )
        return OptimizeResult(x=x, success=True, message="")

    return _solution("fixed_point", residual, run, x0, args).x


__all__ = ["OptimizeResult", "custom_root", "fixed_point", "minimize", "root"]
