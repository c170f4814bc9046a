"""The Hessian products built on both modes: hvp (reverse over forward) and vhp."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ..core.tree import tree_leaves, tree_map
from .common import check_float_outputs
from .forward import jvp
from .reverse import grad_and_aux, value_and_grad


def _grad_with_value(f: Callable[..., Any], n: int) -> Callable[..., Any]:
    """``xs -> (∇f(xs), f(xs))``: the gradient as output and the value as aux."""
    value_and_grad_f = value_and_grad(f, argnums=tuple(range(n)))

    def grad_with_value(*xs: Any) -> Any:
        value, g = value_and_grad_f(*xs)
        return g, value

    return grad_with_value


def _check_tuples(transform: str, primals: Any, vectors: Any, kind: str) -> None:
    """Primals and vectors come as tuples, one entry per argument of ``f``."""
    for what, value in (("primals", primals), (kind, vectors)):
        if not isinstance(value, (tuple, list)):
            raise TypeError(
                f"{transform} expects primals and {kind} as tuples, one entry per argument: "
                f"{transform}(f, (x,), (v,)); {what} is a bare {type(value).__name__} of shape "
                f"{np.shape(value)}. (functional_ad.functional.{transform} takes "
                f"torch.autograd.functional's {transform}(func, inputs, v) form.)"
            )
    if len(primals) != len(vectors):
        raise ValueError(
            f"{transform}: {len(primals)} primals but {len(vectors)} {kind}; give one per primal"
        )


def hvp(f: Callable[..., Any], primals: tuple, tangents: tuple) -> tuple[Any, Any]:
    """Return ``(f(*primals), H @ v)``, never forming ``H``.

    Reverse over forward: the gradient of the directional derivative ``<∇f(x), v>``, one
    forward pass carrying ``v`` and one reverse pass (for complex arguments, forward over
    reverse).

    Args:
        f: a scalar-valued function.
        primals: tuple of arguments.
        tangents: tuple of vectors ``v``, one per primal, shaped like it.

    Returns:
        ``(value, hv)`` with ``hv`` a tuple with one entry per primal.

    >>> import numpy as np
    >>> value, (hv,) = hvp(lambda x: np.sum(x ** 3), (np.array([1.0, 2.0]),),
    ...                    (np.array([1.0, 1.0]),))
    >>> hv
    array([ 6., 12.])
    """
    _check_tuples("hvp", primals, tangents, "tangents")
    if not all(_real_float(leaf) for leaf in tree_leaves(tuple(primals))):
        # complex (or invalid) arguments: the gradient in forward mode, with grad's checks
        g = _grad_with_value(f, len(primals))
        _, hv, value = jvp(g, tuple(primals), tuple(tangents), has_aux=True)
        return value, hv
    # reverse over forward: the gradient of the directional derivative <grad f, v>. The
    # reverse pass runs on plain arrays, where forward over reverse pushes a tangent through
    # every operation of the gradient, and no tangent of f's value goes unused.
    directions = tree_map(_read_only, tuple(tangents))

    def directional(*xs: Any) -> tuple[Any, Any]:
        y, y_dot = jvp(f, xs, directions)
        _check_scalar_float(y, f)
        return y_dot, y

    hv, value = grad_and_aux(directional, tuple(primals), "hvp")
    return value, hv


def _real_float(x: Any) -> bool:
    """True for a real floating array, scalar or tracer of one (``hvp``'s fast path)."""
    dtype = getattr(x, "dtype", None)
    if dtype is None:
        return isinstance(x, float)
    return np.dtype(dtype).kind == "f"


def _read_only(v: Any) -> Any:
    """A read-only view of a plain array direction: the recording of ``hvp`` then reads it (and
    its slices) where it is, instead of copying it as an array a program could still write."""
    if type(v) is np.ndarray and v.flags.writeable:
        v = v.view()
        v.flags.writeable = False
    return v


def _check_scalar_float(y: Any, f: Callable[..., Any]) -> None:
    """``hvp`` needs a real scalar ``f``, as ``grad`` does, with grad's errors."""
    if isinstance(y, (tuple, list, dict)) or math.prod(np.shape(y)) != 1:
        shape = np.shape(y) if not isinstance(y, (tuple, list, dict)) else type(y).__name__
        raise TypeError(
            f"hvp requires a function with a scalar output (a scalar or a one-element array), "
            f"but {getattr(f, '__name__', f)} returned {shape}. For a vector function use "
            f"jacfwd(jacrev(f)) or hessian, or reduce the output, e.g. with .sum()."
        )
    check_float_outputs([y], "hvp")
    if np.dtype(getattr(y, "dtype", np.result_type(y))).kind == "c":
        raise TypeError(
            f"hvp requires a real output, but {getattr(f, '__name__', f)} returned dtype "
            f"{np.dtype(y.dtype)}: the Hessian of a complex function is not a real quadratic "
            f"form. Take np.real or np.abs of the output, or use jacfwd(jacrev(f, "
            f"holomorphic=True), holomorphic=True) for a holomorphic f"
        )


def vhp(f: Callable[..., Any], primals: tuple, cotangents: tuple) -> tuple[Any, Any]:
    """Return ``(f(*primals), v^T H)`` by reverse-over-reverse.

    Args:
        f: a scalar-valued function.
        primals: tuple of arguments.
        cotangents: tuple of vectors ``v``, one per primal, shaped like it.

    Returns:
        ``(value, vh)`` with ``vh`` a tuple with one entry per primal.

    >>> import numpy as np
    >>> value, (vh,) = vhp(lambda x: np.sum(x ** 3), (np.array([1.0, 2.0]),),
    ...                    (np.array([1.0, 1.0]),))
    >>> vh
    array([ 6., 12.])
    """
    from .reverse import vjp

    _check_tuples("vhp", primals, cotangents, "cotangents")
    g = _grad_with_value(f, len(primals))
    _, pullback, value = vjp(g, *primals, has_aux=True)
    return value, pullback(tuple(cotangents))
