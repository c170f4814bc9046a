"""The front end's dispatch tables: which handler a NumPy function reaches with traced values."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np  # noqa: F401  (the example)

# NumPy function or ufunc -> handler taking NumPy's arguments and binding primitives.
NUMPY: dict[Any, Callable[..., Any]] = {}
# (ufunc, method) -> handler for its ``reduce`` / ``accumulate`` / ``at`` ... methods.
UFUNC_METHODS: dict[tuple[Any, str], Callable[..., Any]] = {}


def implements(*funcs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Route NumPy functions (or ufuncs) reached with traced arguments to the decorated handler.

    >>> def softplus(x):  # a NumPy-style function of a user's library
    ...     return np.log1p(np.exp(x))
    >>> @implements(softplus)
    ... def softplus_handler(x):
    ...     return np.logaddexp(0.0, x)
    >>> NUMPY[softplus] is softplus_handler
    True
    """

    def register(handler: Callable[..., Any]) -> Callable[..., Any]:
        for f in funcs:
            NUMPY[f] = handler
        return handler

    return register


def constant_result(func: Any) -> Any:
    """Wrap a handler whose result has no derivative (the coverage table recognises the
    ``_constant`` in the wrapper's qualified name, as for dispatch's constant handlers).

    >>> constant_result(len)([1, 2])
    2
    """

    def _constant_handler(*args: Any, **kwargs: Any) -> Any:
        return func(*args, **kwargs)

    _constant_handler.__doc__ = func.__doc__
    return _constant_handler
