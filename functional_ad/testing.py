"""Gradient checking against central finite differences, for users' own tests."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .transforms import jvp, vjp
from .tree import tree_flatten, tree_map


def _random_like(rng: np.random.Generator, x: Any) -> Any:
    x = np.asarray(x)
    v = rng.standard_normal(x.shape)
    if np.iscomplexobj(x):
        v = v + 1j * rng.standard_normal(x.shape)
    return v.astype(x.dtype)


def _inner(a: Any, b: Any) -> float:
    """Real inner product of two pytrees: sum over leaves of Re <a, b>."""
    la, _ = tree_flatten(a)
    lb, _ = tree_flatten(b)
    return float(sum(np.real(np.vdot(np.asarray(x), np.asarray(y))) for x, y in
                     zip(la, lb, strict=True)))


def _numerical_jvp(f: Callable, args: tuple, v: tuple, eps: float) -> Any:
    plus = tree_map(lambda x, d: x + eps * d, args, v)
    minus = tree_map(lambda x, d: x - eps * d, args, v)
    return tree_map(lambda a, b: (np.asarray(a) - np.asarray(b)) / (2 * eps), f(*plus), f(*minus))


def _default_tolerance(args: tuple) -> float:
    leaves = tree_flatten(args)[0]
    single = any(np.asarray(x).dtype in (np.float32, np.complex64) for x in leaves)
    return 2e-2 if single else 1e-5


def check_grads(
    f: Callable[..., Any],
    args: Sequence[Any],
    order: int = 2,
    modes: Sequence[str] = ("fwd", "rev"),
    atol: float | None = None,
    rtol: float | None = None,
    eps: float | None = None,
    seed: int = 0,
) -> None:
    """Check ``jvp`` and ``vjp`` of ``f`` at ``args`` against central differences.

    Forward mode compares ``J v`` with ``(f(x + εv) - f(x - εv)) / 2ε`` along a random
    direction ``v``; reverse mode checks ``<u, J v> = <Jᵀu, v>`` for a random ``u``. Both
    recurse to ``order`` (the checked function becomes the jvp / vjp of the previous order).

    Args:
        f: a function of arrays or pytrees returning an array or a pytree.
        args: the point to check at (a tuple of arguments).
        order: highest derivative order to check.
        modes: ``"fwd"`` and/or ``"rev"``.
        atol, rtol: tolerances (default from the dtype: 1e-5 in float64).
        eps: finite-difference step (default 1e-6 in float64, 1e-3 in float32).
        seed: seed of the random directions.

    Raises:
        AssertionError: naming the mode, the order, the expected and the computed numbers.

    >>> import numpy as np
    >>> check_grads(np.sin, (np.array([0.3, 1.2]),), order=2)
    """
    args = tuple(args)
    tol = _default_tolerance(args)
    atol = tol if atol is None else atol
    rtol = tol if rtol is None else rtol
    if eps is None:
        eps = 1e-3 if tol > 1e-3 else 1e-6
    rng = np.random.default_rng(seed)
    _check(f, args, order, tuple(modes), atol, rtol, eps, rng, 1)


def _check(f: Callable, args: tuple, order: int, modes: tuple, atol: float, rtol: float,
           eps: float, rng: np.random.Generator, current: int) -> None:
    if order < 1:
        return
    v = tree_map(lambda x: _random_like(rng, x), args)
    expected = _numerical_jvp(f, args, v, eps)
    if "fwd" in modes:
        _, computed = jvp(f, args, v)
        _assert_close(computed, expected, atol, rtol, f"forward mode (jvp), order {current}")

        def f_jvp(*xs: Any) -> Any:
            return jvp(f, xs, v)[1]

        _check(f_jvp, args, order - 1, ("fwd",), atol, rtol, eps, rng, current + 1)
    if "rev" in modes:
        out, pullback = vjp(f, *args)
        u = tree_map(lambda y: _random_like(rng, y), out)
        lhs = _inner(u, expected)
        rhs = _inner(pullback(u), v)
        _assert_close(rhs, lhs, atol, rtol, f"reverse mode (vjp), order {current}: <u, J v> "
                      "from finite differences vs <J^T u, v>")

        def f_vjp(*xs: Any) -> Any:
            return vjp(f, *xs)[1](u)

        _check(f_vjp, args, order - 1, ("rev",), atol, rtol, eps, rng, current + 1)


def _assert_close(computed: Any, expected: Any, atol: float, rtol: float, what: str) -> None:
    c_leaves, c_tree = tree_flatten(computed)
    e_leaves, e_tree = tree_flatten(expected)
    if c_tree != e_tree:
        raise AssertionError(f"{what}: structure {c_tree} differs from expected {e_tree}")
    for i, (c, e) in enumerate(zip(c_leaves, e_leaves, strict=True)):
        c, e = np.asarray(c), np.asarray(e)
        if c.shape != e.shape or not np.allclose(c, e, atol=atol, rtol=rtol, equal_nan=True):
            raise AssertionError(
                f"{what}, output leaf {i}: computed {c!r} but finite differences give {e!r} "
                f"(atol={atol}, rtol={rtol})"
            )


__all__ = ["check_grads"]
