"""Gradient control: stop_gradient for one value, no_grad / enable_grad for a block of code.

``no_grad`` pauses the differentiating traces open when it is entered: a paused trace computes
on the values under its tracers (``Trace.process_inactive``), so every value computed inside
the block is a constant for those transforms. Transforms started inside the block open new
traces, which are not paused and work normally. ``enable_grad`` resumes the traces paused
around it. Traces belong to the thread (and context) that opened them, so a block in one
thread never pauses another thread's transforms.

Semantics under nesting, for ``g(x) = sin(x)`` computed under ``no_grad`` inside the function:

- ``grad(lambda x: x * g(x))(x) == sin(x)``: ``g(x)`` is a constant, so only ``x`` varies;
- the same holds at every level: with ``grad(grad(...))`` open, both traces are paused, so
  the inner gradient ``sin(x)`` is itself a constant and the outer derivative of it is 0;
- ``no_grad`` around an inner transform call (``with no_grad(): y = grad(h)(x)``) computes
  ``grad(h)`` normally but makes its result a constant for the outer transforms;
- ``enable_grad`` inside ``no_grad`` differentiates its own block again for all of them.

Outside any transform ``no_grad`` and ``enable_grad`` only set a flag (read by ``make_graph``,
which marks the nodes recorded inside ``no_grad`` so that replaying them keeps them constant).
"""

from __future__ import annotations

import contextvars
import functools
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar

import numpy as np

from ..core import NOT_CONSTANT, ConcreteValueError, Trace, Tracer, active_traces, constant_value
from ..core.tree import tree_map
from ..ops.batching import batch_elementwise
from ..ops.registry import no_derivative

F = TypeVar("F", bound=Callable[..., Any])

# identity whose derivative is zero: no jvp/vjp rule, so every differentiating trace
# treats its result as a constant (traces that do not differentiate still see it)
stop_gradient_p = no_derivative(
    "stop_gradient", lambda x: x, family="control", batch=batch_elementwise
)


class GradMode:
    """One entered ``no_grad`` / ``enable_grad`` block: a fresh object per entry, so that
    ``make_graph`` can tell blocks entered during its recording from those around it."""

    __slots__ = ("enabled",)

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled


# the innermost block entered in this context (None: grad enabled, no block)
grad_mode: contextvars.ContextVar[GradMode | None] = contextvars.ContextVar(
    "functional_ad_grad_mode", default=None
)


def stop_gradient(x: Any) -> Any:
    """Return ``x`` as a constant for every transform: its derivative is 0.

    Args:
        x: an array, a traced value or a pytree of them.

    Returns:
        The same values, cut from the computation being differentiated: plain (read-only)
        NumPy values, or under ``vmap`` and ``compile`` traced values without a derivative.

    >>> import numpy as np, functional_ad as fad
    >>> float(fad.grad(lambda x: x * stop_gradient(x))(3.0))
    3.0
    """
    return tree_map(_stop_leaf, x)


def _stop_leaf(leaf: Any) -> Any:
    if not isinstance(leaf, Tracer):
        return leaf
    out = stop_gradient_p(leaf)
    try:
        value = constant_value(out)
    except ConcreteValueError:  # vmap, compile: still traced, with no derivative
        return out
    if value is NOT_CONSTANT:
        return out
    if isinstance(value, np.ndarray):  # the recording's own array: lend it read-only
        value = value.view()
        value.flags.writeable = False
    return value


def is_grad_enabled() -> bool:
    """Return True unless the caller runs inside ``no_grad`` (and not a nested ``enable_grad``).

    >>> import functional_ad as fad
    >>> fad.is_grad_enabled()
    True
    >>> with fad.no_grad():
    ...     fad.is_grad_enabled()
    False
    """
    mode = grad_mode.get()
    return mode is None or mode.enabled


class _GradMode:
    """Shared machinery of ``no_grad`` and ``enable_grad``: a re-entrant context manager that
    is also a decorator (``@no_grad`` and ``@no_grad()`` both work)."""

    _enabled: bool  # the grad mode inside the block

    def __new__(cls, func: Callable[..., Any] | None = None) -> Any:
        self = super().__new__(cls)
        if func is not None:  # used as ``@no_grad`` without parentheses
            self.__init__()  # type: ignore[misc]  # (mypy: unsound for subclasses in general)
            return self(func)
        return self

    def __init__(self, func: Callable[..., Any] | None = None) -> None:
        # one entry per ``with`` on this object open in this context: (traces switched,
        # grad-mode token). A context variable, so that one object entered by several threads
        # or asyncio tasks keeps each one's blocks apart.
        self._saved: contextvars.ContextVar[tuple] = contextvars.ContextVar(
            f"functional_ad_{type(self).__name__}_blocks", default=()
        )

    def _switch(self) -> list[Trace]:
        """Pause or resume the traces open now; return the ones whose state changed."""
        raise NotImplementedError

    def __enter__(self) -> None:
        switched = self._switch()
        entry = (switched, grad_mode.set(GradMode(self._enabled)))
        self._saved.set(self._saved.get() + (entry,))

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        blocks = self._saved.get()
        switched, token = blocks[-1]
        self._saved.set(blocks[:-1])
        for trace in switched:
            if not trace.ended:
                trace.active = not self._enabled  # back to the state before the block
        grad_mode.reset(token)

    def __call__(self, func: F) -> F:
        """Decorate ``func`` so that each call runs inside a fresh block of this mode."""
        mode = type(self)

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with mode():
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class no_grad(_GradMode):
    """Compute a block of code as constants for every transform open around it.

    Every value computed inside is a constant for the transforms (``grad``, ``jvp``, ``vjp``
    and those built on them) that were active when the block was entered; transforms started
    inside the block work normally. ``enable_grad`` turns differentiation back on inside.
    Use as ``with no_grad():``, or as a decorator ``@no_grad`` / ``@no_grad()``. Outside any
    transform it costs nothing. To cut a single value, use ``stop_gradient``.

    >>> import numpy as np, functional_ad as fad
    >>> def f(x):
    ...     with no_grad():
    ...         scale = np.sin(x)            # a constant for grad
    ...     return x * scale
    >>> bool(np.isclose(fad.grad(f)(1.0), np.sin(1.0)))
    True
    """

    _enabled = False

    def _switch(self) -> list[Trace]:
        paused = [t for t in active_traces() if t.differentiates and t.active]
        for trace in paused:
            trace.active = False
        return paused


class enable_grad(_GradMode):
    """Differentiate a block again inside ``no_grad``: resume the traces it paused.

    Outside ``no_grad`` it changes nothing. Use as ``with enable_grad():`` or as a decorator.

    >>> import numpy as np, functional_ad as fad
    >>> def f(x):
    ...     with no_grad():
    ...         with enable_grad():
    ...             y = x * x                # differentiated again
    ...         z = x * x                    # a constant
    ...     return y + z
    >>> float(fad.grad(f)(3.0))
    6.0
    """

    _enabled = True

    def _switch(self) -> list[Trace]:
        resumed = [t for t in active_traces() if t.differentiates and not t.active and not t.ended]
        for trace in resumed:
            trace.active = True
        return resumed


def _pause_or_resume(enabled: bool) -> list[Trace]:
    """Resume (``enabled``) or pause the differentiating traces open now; return those changed."""
    if enabled:
        changed = [t for t in active_traces() if t.differentiates and not t.active and not t.ended]
    else:
        changed = [t for t in active_traces() if t.differentiates and t.active]
    for trace in changed:
        trace.active = enabled
    return changed


class set_grad_enabled:
    """Turn differentiation off (``mode=False``, as ``no_grad``) or on (as ``enable_grad``).

    PyTorch's ``torch.set_grad_enabled``, with its three uses:

    - ``with set_grad_enabled(mode):`` sets the mode for the block and restores it after;
    - ``@set_grad_enabled(mode)`` runs each call of the decorated function in that mode;
    - ``set_grad_enabled(mode)`` as a plain call sets the mode from then on, until it is set
      again (inside a transformed function: until that function returns).

    Args:
        mode: ``False`` to compute as constants for the transforms open now, ``True`` to
            differentiate again.

    >>> import numpy as np, functional_ad as fad
    >>> def f(x, train):
    ...     with fad.set_grad_enabled(train):
    ...         y = x * x
    ...     return y + x
    >>> float(fad.grad(f)(3.0, True)), float(fad.grad(f)(3.0, False))
    (7.0, 1.0)
    """

    def __init__(self, mode: bool) -> None:
        if not isinstance(mode, (bool, np.bool_)):
            raise TypeError(f"set_grad_enabled(mode): mode must be True or False, got {mode!r}")
        self.mode = bool(mode)
        # applied at once, so that a plain call takes effect (as in PyTorch); __enter__ keeps
        # it, __exit__ and __call__ undo it
        self._switched = _pause_or_resume(self.mode)
        self._token: contextvars.Token | None = grad_mode.set(GradMode(self.mode))
        self._local = threading.local()  # one object may be entered in several threads

    @property
    def _entered(self) -> list[tuple[list[Trace], contextvars.Token]]:
        """One entry per ``with`` on this object open in this thread."""
        entered = getattr(self._local, "entered", None)
        if entered is None:
            entered = self._local.entered = []
        return entered

    def _undo_construction(self) -> None:
        if self._token is not None:
            for trace in self._switched:
                if not trace.ended:
                    trace.active = not self.mode
            grad_mode.reset(self._token)
            self._token = None

    def __enter__(self) -> None:
        if self._token is not None:  # entered right after construction: the mode is set
            self._entered.append((self._switched, self._token))
            self._token = None
            return
        switched = _pause_or_resume(self.mode)  # re-entered: set it again
        self._entered.append((switched, grad_mode.set(GradMode(self.mode))))

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        switched, token = self._entered.pop()
        for trace in switched:
            if not trace.ended:
                trace.active = not self.mode
        grad_mode.reset(token)

    def __call__(self, func: F) -> F:
        """Decorate ``func``: each call runs in this mode (the decoration itself sets none)."""
        self._undo_construction()
        mode = self.mode

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with set_grad_enabled(mode):
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    def __repr__(self) -> str:
        return f"set_grad_enabled({self.mode})"
