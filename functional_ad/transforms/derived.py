"""The Hessian products built on both modes: hvp (forward over reverse) and vhp."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .forward import jvp
from .reverse import value_and_grad


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
    """Return ``(f(*primals), H @ v)`` by forward-over-reverse, never forming ``H``.

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
    g = _grad_with_value(f, len(primals))
    _, hv, value = jvp(g, tuple(primals), tuple(tangents), has_aux=True)
    return value, hv


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
