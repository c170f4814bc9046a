"""The front end's dispatch tables: which handler a NumPy function reaches with traced values."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# NumPy function or ufunc -> handler taking NumPy's arguments and binding primitives.
NUMPY: dict[Any, Callable[..., Any]] = {}
# (ufunc, method) -> handler for its ``reduce`` / ``accumulate`` / ``at`` ... methods.
UFUNC_METHODS: dict[tuple[Any, str], Callable[..., Any]] = {}


def implements(*funcs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Route NumPy functions (or ufuncs) reached with traced arguments to the decorated handler.

    >>> import numpy as np
    >>> @implements(np.linalg.cond)
    ... def cond(x, p=None):
    ...     return np.linalg.norm(x, p) * np.linalg.norm(np.linalg.inv(x), p)
    >>> NUMPY[np.linalg.cond] is cond
    True
    >>> del NUMPY[np.linalg.cond]
    """

    def register(handler: Callable[..., Any]) -> Callable[..., Any]:
        for f in funcs:
            NUMPY[f] = handler
        return handler

    return register
