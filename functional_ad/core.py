"""The engine: Primitive, Trace, Tracer, trace levels and bind.

A transform opens a trace with ``new_trace``. Its level is higher than every trace opened
before it, so a trace opened inside another always wins. ``bind`` hands a primitive call to
the highest-level trace among its arguments; every other value, including tracers of lower
traces, is a constant to that trace. With no tracer among the arguments, ``bind`` runs the
NumPy implementation and nothing else.
"""

from __future__ import annotations

import contextlib
import contextvars
import itertools
from collections.abc import Callable, Iterator, Sequence
from typing import Any

Rule = Callable[..., Any]


def zero_derivative(*args: Any, **params: Any) -> None:
    """The rule of an argument the output does not depend on smoothly: its contribution is 0.

    For an index, a mask or the sign taken by ``copysign``. (A ``None`` rule is a missing one,
    and raises when a derivative needs it.)

    >>> import numpy as np
    >>> pick = Primitive("pick", lambda x, i: x[i],
    ...                  jvp=(lambda t, y, x, i: t[i], zero_derivative),
    ...                  vjp=(lambda g, y, x, i: np.eye(len(x))[i] * g, zero_derivative))
    >>> float(pick(np.array([1.0, 5.0]), 1))
    5.0
    """
    return None


# the attributes that make a primitive what it is: fixed once it is declared
_DECLARED = ("name", "impl", "jvp", "vjp", "jvp_joint", "vjp_joint", "multiple_results")


def _missing_rule(prim: Primitive, mode: str, argument: int | None) -> NotImplementedError:
    where = "" if argument is None else f" for argument {argument}"
    return NotImplementedError(
        f"no {mode} rule{where} of primitive {prim.name!r}, and a derivative needs it. "
        f"Declare it beside the primitive (a rule per argument; zero_derivative for an "
        f"argument with no derivative), or wrap the computation in custom_jvp / custom_vjp."
    )


class Primitive:
    """An operation with its implementation and its derivative rules side by side.

    ``jvp`` and ``vjp`` hold one rule per positional argument (a single callable is
    shorthand for a one-argument primitive; ``None`` marks an argument with no derivative):

    - ``jvp[i](x_dot, y, *args, **params)`` returns the tangent of ``y`` due to ``x_dot``;
    - ``vjp[i](y_bar, y, *args, **params)`` returns the cotangent of argument ``i``.

    Rules that are easier written for all arguments at once use ``jvp_joint(tangents, y,
    *args, **params)`` (``tangents`` holds ``None`` for zero tangents) and ``vjp_joint(y_bar,
    y, *args, **params)`` returning one cotangent (or ``None``) per argument. A primitive
    with ``multiple_results`` returns a tuple; its ``y_bar`` is a tuple in which unused
    outputs are ``zeros.Zero``. A primitive with no rules at all has no derivative: every
    transform treats its result as a constant.

    A ``None`` rule is a missing one: the transform that needs it raises
    ``NotImplementedError`` naming the primitive, the mode and the argument. An argument the
    output does not depend on smoothly (an index, a mask) takes ``zero_derivative``. The rules
    are fixed when the primitive is declared: assigning one afterwards raises ``TypeError``.

    ``batch(prim, size, vals, batched, **params)`` is the rule of ``vmap``: the batched
    values carry the batch on axis 0 (``batched`` says which) and it returns the batched
    result. ``reads[i]`` lists the values vjp rule ``i`` reads beyond shapes (argument
    positions, ``-1`` for the output), so that reverse mode can free the others early.

    >>> import numpy as np
    >>> square = Primitive("square", np.square, jvp=lambda x_dot, y, x: 2 * x * x_dot,
    ...                    vjp=lambda y_bar, y, x: 2 * x * y_bar)
    >>> float(square(3.0))
    9.0
    """

    __slots__ = (
        "name",
        "impl",
        "jvp",
        "vjp",
        "jvp_joint",
        "vjp_joint",
        "multiple_results",
        "differentiable",
        "batch",
        "family",
        "reads",
        "jvp_reads",
    )

    def __init__(
        self,
        name: str,
        impl: Callable[..., Any],
        jvp: Rule | Sequence[Rule | None] | None = None,
        vjp: Rule | Sequence[Rule | None] | None = None,
        *,
        jvp_joint: Rule | None = None,
        vjp_joint: Rule | None = None,
        multiple_results: bool = False,
        batch: Rule | None = None,
        reads: Sequence[Sequence[int]] | None = None,
    ) -> None:
        jvp_rules = (jvp,) if callable(jvp) else (tuple(jvp) if jvp is not None else None)
        vjp_rules = (vjp,) if callable(vjp) else (tuple(vjp) if vjp is not None else None)
        if jvp_rules is not None and vjp_rules is not None and len(jvp_rules) != len(vjp_rules):
            raise TypeError(
                f"primitive {name!r}: {len(jvp_rules)} jvp rules but {len(vjp_rules)} vjp "
                "rules; declare one rule per argument in each mode"
            )
        self.name = name
        self.impl = impl
        self.jvp = jvp_rules
        self.vjp = vjp_rules
        self.jvp_joint = jvp_joint
        self.vjp_joint = vjp_joint
        self.multiple_results = multiple_results
        self.differentiable = any(r is not None for r in (jvp, vjp, jvp_joint, vjp_joint))
        self.batch = batch
        self.family = ""  # the ops/ file that declares it, set by the registry
        # reads[i]: the values vjp rule i needs beyond shapes (argument positions, -1 for the
        # output); None keeps every value. The reverse-mode trace drops the others from large
        # nodes, so intermediates no rule reads are freed during the forward pass.
        self.reads = None if reads is None else tuple(tuple(r) for r in reads)
        # (jvp rules, the argument positions they read): worked out by forward mode when first
        # needed, from the rules' code
        self.jvp_reads: tuple[Any, Any] | None = None

    def __setattr__(self, attr: str, value: Any) -> None:
        if attr in _DECLARED and hasattr(self, "differentiable"):
            raise TypeError(
                f"primitive {self.name!r} is complete when declared: its {attr} cannot be "
                "assigned afterwards (the transforms would not see it). Declare a new "
                "Primitive(name, impl, jvp=..., vjp=...) with every rule."
            )
        object.__setattr__(self, attr, value)

    def missing_rule(self, mode: str, argument: int | None = None) -> NotImplementedError:
        """The error for a derivative that needs a rule this primitive does not have."""
        return _missing_rule(self, mode, argument)

    def __call__(self, *args: Any, **params: Any) -> Any:
        return bind(self, *args, **params)

    def __repr__(self) -> str:
        return f"Primitive({self.name!r})"


def bind(prim: Primitive, *args: Any, **params: Any) -> Any:
    """Apply ``prim`` to ``args``: the highest-level trace among them handles the call."""
    top = None
    level = 0
    for a in args:
        if isinstance(a, Tracer):
            trace = a._trace
            if trace.level > level:
                top = trace
                level = trace.level
    if top is None:
        return prim.impl(*args, **params)
    return top.process(prim, args, params)


class TracerLeakError(RuntimeError):
    """A traced value was used after the transform that made it had returned."""


class Trace:
    """One run of a transform. Subclasses implement ``process`` for their own tracers.

    ``active`` is false when the trace has ended (a tracer leaked out of its transform) or
    is paused by ``no_grad``; ``process`` then takes the slow path in ``process_inactive``.
    """

    __slots__ = ("level", "transform", "active", "ended", "__weakref__")

    differentiates = True  # paused by no_grad; vmap-like traces set this to False
    # True for traces whose tracers have no single concrete value a caller may read
    # (vmap: one per example; compile: unknown until called); see ``concrete``
    opaque = False
    # True for traces recorded to be replayed on other values (make_graph, compile): an
    # index read from one of their values must stay a recorded argument, not a constant
    replays = False

    def __init__(self, level: int, transform: str) -> None:
        self.level = level
        self.transform = transform
        self.active = True
        self.ended = False

    def process(self, prim: Primitive, args: tuple, params: dict) -> Any:
        raise NotImplementedError

    def pure(self, value: Any) -> Tracer:
        """A tracer of this trace holding ``value`` as a constant (used by mutation)."""
        raise NotImplementedError

    def lower(self, x: Any) -> Any:
        """The value under ``x`` if it is a tracer of this trace, else ``x`` itself."""
        return x._value if isinstance(x, Tracer) and x._trace is self else x

    def is_constant(self, x: Tracer) -> bool:
        """True if ``x`` carries no derivative for this trace (a constant it holds)."""
        return False

    def concrete_of(self, x: Tracer) -> Any:
        """For ``concrete``: opaque traces refuse (``concrete_error``)."""
        raise self.concrete_error()  # type: ignore[attr-defined]

    def process_inactive(self, prim: Primitive, args: tuple, params: dict) -> Any:
        """Handle a call while ended (raise) or paused (compute as a constant)."""
        if self.ended:
            raise TracerLeakError(
                f"a value traced by {self.transform!r} was used after {self.transform} "
                f"returned (in primitive {prim.name!r}); it leaked out through a closure, "
                "a global or a container. Return it from the transformed function instead."
            )
        return bind(prim, *[self.lower(a) for a in args], **params)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self.transform} at level {self.level}>"


class Tracer:
    """A value being traced. Operators and NumPy protocols are installed by ``dispatch``."""

    # ``_alias``: ``None``, or how the array shares memory with others (see ``views``): the
    # views of a root, or the root and view steps of a view
    __slots__ = ("_trace", "_value", "_alias", "__weakref__")
    __array_priority__ = 1000

    _trace: Trace
    _value: Any
    _alias: Any

    @property
    def shape(self) -> tuple[int, ...]:
        return self._value.shape

    @property
    def dtype(self) -> Any:
        return self._value.dtype

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        n = 1
        for d in self.shape:
            n *= d
        return n

    def __repr__(self) -> str:
        return f"{type(self).__name__}<{self._trace.transform}>({self._value!r})"


# ----------------------------------------------------------------------------- trace stack

_levels = itertools.count(1)
_active_traces: contextvars.ContextVar[tuple[Trace, ...]] = contextvars.ContextVar(
    "functional_ad_active_traces", default=()
)


@contextlib.contextmanager
def new_trace(cls: type[Trace], transform: str, *args: Any) -> Iterator[Any]:
    """Open a trace of ``cls`` above every existing one; end it on exit, even on error."""
    trace = cls(next(_levels), transform, *args)
    token = _active_traces.set(_active_traces.get() + (trace,))
    try:
        yield trace
    finally:
        trace.active = False
        trace.ended = True
        _active_traces.reset(token)


def active_traces() -> tuple[Trace, ...]:
    """The traces open in this context, outermost first."""
    return _active_traces.get()


class ConcreteValueError(TypeError):
    """Code read the concrete value of a tracer whose trace has no single concrete value."""

    def __init__(self, trace: Trace, message: str) -> None:
        super().__init__(message)
        self.trace = trace


NOT_CONSTANT = object()


def constant_value(x: Any) -> Any:
    """The value under ``x`` if no trace holding it gives it a derivative, else
    ``NOT_CONSTANT``: converting such a value to a number or a plain array loses nothing."""
    while isinstance(x, Tracer):
        trace = x._trace
        if trace.opaque:
            x = trace.concrete_of(x)  # raises, or refreshes a stale view
            continue
        if not trace.is_constant(x):
            return NOT_CONSTANT
        x = x._value
    return x


def concrete(x: Any) -> Any:
    """The concrete value under any number of tracers.

    Raises ``ConcreteValueError`` for values traced by ``vmap`` (a batch has one value per
    example) or ``compile`` (a compiled function must not bake in the values it was recorded
    with); the trace's ``concrete_error`` says why.
    """
    while isinstance(x, Tracer):
        trace = x._trace
        if trace.opaque:
            x = trace.concrete_of(x)  # raises, or gives x again, refreshed (a stale view)
            continue
        x = x._value
    return x
