"""Primitive, Trace, Tracer, trace levels and bind: the heart of the engine.

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
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

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


def _missing_rule(prim: Primitive, mode: str, argument: int | None) -> NotImplementedError:
    where = "" if argument is None else f" for argument {argument}"
    return NotImplementedError(
        f"no {mode} rule{where} of primitive {prim.name!r}, and a derivative needs it. "
        f"Declare it beside the primitive (a rule per argument; zero_derivative for an "
        f"argument with no derivative), or wrap the computation in custom_jvp / custom_vjp."
    )


def _as_rules(rules: Rule | Sequence[Rule | None] | None) -> tuple[Rule | None, ...] | None:
    return (rules,) if callable(rules) else (tuple(rules) if rules is not None else None)


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
    output does not depend on smoothly (an index, a mask) takes ``zero_derivative``.

    ``batch(prim, size, vals, batched, **params)`` is the rule of ``vmap``: the batched
    values carry the batch on axis 0 (``batched`` says which) and it returns the batched
    result (``functional_ad.ops.batching`` holds the common ones). Without it, ``vmap``
    raises ``NotImplementedError`` naming the primitive. ``reads[i]`` lists the values vjp
    rule ``i`` reads beyond shapes (argument positions, ``-1`` for the output), so that
    reverse mode can free the others early; ``None`` keeps every value. ``family`` names
    the group the primitive belongs to (the ops/ module declaring it), for error messages
    and the coverage report; ``elementwise`` says that its output is as large as each
    argument (a ufunc), which reverse mode uses to tell large nodes cheaply.

    ``scalar_impl(x, z)``, for a two-argument primitive, computes it on two floats (NumPy
    ``float64`` scalars, or one of them a Python ``float``) with exactly the ufunc's result:
    the Python operator, at a tenth of a ufunc call's cost. Traces use it for such arguments.

    ``jet(prim, series, y, *args, **params)`` is the rule of Taylor mode (``jet``): ``series``
    holds, per argument, ``None`` (a constant) or the list ``[x1, ..., xK]`` of its
    normalized Taylor coefficients (``x(t) = x + x1 t + x2 t**2 + ...``; a coefficient may
    be ``None`` for zero), and it returns the output's list ``[y1, ..., yK]`` (``None`` for
    a zero coefficient), or ``None`` to leave the call to the generic rule. Without it,
    ``jet`` expands ``t -> prim(x(t))`` from the jvp rules (slower, not wrong).

    Everything is fixed when the primitive is declared: assigning any of it afterwards
    raises ``TypeError``, and so does a number of rules or reads that does not match.

    >>> import numpy as np
    >>> square = Primitive("square", np.square, jvp=lambda x_dot, y, x: 2 * x * x_dot,
    ...                    vjp=lambda y_bar, y, x: 2 * x * y_bar, reads=((0,),))
    >>> float(square(3.0))
    9.0
    >>> square.reads = ((),)
    Traceback (most recent call last):
    ...
    TypeError: primitive 'square' is complete when declared: its reads cannot be assigned ...
    """

    __slots__ = (
        "name",
        "impl",
        "jvp",
        "vjp",
        "jvp_joint",
        "vjp_joint",
        "multiple_results",
        "batch",
        "reads",
        "family",
        "elementwise",
        "jet",
        "scalar_impl",
        "differentiable",
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
        family: str = "",
        elementwise: bool = False,
        jet: Rule | None = None,
        scalar_impl: Callable[[Any, Any], Any] | None = None,
    ) -> None:
        jvp_rules = _as_rules(jvp)
        vjp_rules = _as_rules(vjp)
        if jvp_rules is not None and vjp_rules is not None and len(jvp_rules) != len(vjp_rules):
            raise TypeError(
                f"primitive {name!r}: {len(jvp_rules)} jvp rules but {len(vjp_rules)} vjp "
                "rules; declare one rule per argument in each mode"
            )
        reads_declared = None if reads is None else tuple(tuple(r) for r in reads)
        rules = vjp_rules if vjp_rules is not None else jvp_rules
        if reads_declared is not None and rules is not None and len(reads_declared) != len(rules):
            raise TypeError(
                f"primitive {name!r}: reads for {len(reads_declared)} arguments but "
                f"{len(rules)} rules; declare what each vjp rule reads (argument positions, "
                "-1 for the output)"
            )
        self.name = name
        self.impl = impl
        self.jvp = jvp_rules
        self.vjp = vjp_rules
        self.jvp_joint = jvp_joint
        self.vjp_joint = vjp_joint
        self.multiple_results = multiple_results
        self.batch = batch
        # reads[i]: the values vjp rule i needs beyond shapes (argument positions, -1 for the
        # output); None keeps every value. The reverse-mode trace drops the others from large
        # nodes, so intermediates no rule reads are freed during the forward pass.
        self.reads = reads_declared
        self.family = family
        self.elementwise = elementwise
        self.jet = jet
        self.scalar_impl = scalar_impl
        # (assigned last: from here on every attribute is fixed)
        self.differentiable = any(r is not None for r in (jvp, vjp, jvp_joint, vjp_joint))

    def __setattr__(self, attr: str, value: Any) -> None:
        if hasattr(self, "differentiable"):
            raise TypeError(
                f"primitive {self.name!r} is complete when declared: its {attr} cannot be "
                "assigned afterwards (the transforms would not see it). Declare a new "
                "Primitive(name, impl, jvp=..., vjp=..., batch=..., reads=...) with all of it."
            )
        object.__setattr__(self, attr, value)

    def missing_batch_rule(self) -> NotImplementedError:
        """The error of ``vmap`` for a primitive declared without a batch rule."""
        return NotImplementedError(
            f"primitive {self.name!r} has no batch rule, and vmap needs one. Declare it "
            "beside the primitive: Primitive(..., batch=rule), where rule(prim, size, vals, "
            "batched, **params) returns the batched result (functional_ad.ops.batching has "
            "the common ones: batch_elementwise, batch_all, batch_by_loop)."
        )

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
        if current_observer is None:
            return prim.impl(*args, **params)
        return current_observer.evaluate(prim, prim.impl, args, params)
    return top.process(prim, args, params)


_FLOAT64 = np.float64

# value types that are never tracers: the traces' ``process`` skip the isinstance test for them
PLAIN_VALUES = frozenset({np.float64, np.ndarray, float, int, bool, np.float32, np.int64})


def float_pair(args: Sequence[Any], params: dict) -> bool:
    """True for two floats, one at least a NumPy ``float64``, and no parameters: the calls
    ``Primitive.scalar_impl`` computes.

    >>> float_pair([np.float64(1.0), 2.0], {}), float_pair([1.0, 2.0], {})
    (True, False)
    >>> float_pair([np.ones(1), 2.0], {}), float_pair([np.float64(1.0), 2.0], {"dtype": float})
    (False, False)
    """
    if params or len(args) != 2:
        return False
    a, b = args
    first, second = type(a), type(b)
    if first is _FLOAT64:
        return second is _FLOAT64 or second is float
    return first is float and second is _FLOAT64


class Observer:
    """Sees the engine at work: each method wraps one step and must return what it returns.

    Install one with ``observe(observer)`` (or ``set_observer``). Every trace opened while it
    is installed keeps it in its ``observer`` slot and reports to it; so does ``bind`` for a
    call on values no trace holds. The defaults only pass the call through, so a subclass
    overrides what it wants to see (``functional_ad.tools.profiler`` times every step).
    Phases are ``"jvp rule"`` (forward mode's rules and the sums of tangents after them) and
    ``"vjp rule"`` (the whole reverse pass); anything else runs in the phase of its caller.
    Nothing is swapped and no primitive changes: with no observer installed each hook costs
    one ``is None`` test.

    >>> import numpy as np
    >>> class Names(Observer):
    ...     def __init__(self):
    ...         self.seen = []
    ...     def evaluate(self, prim, fn, args, params):
    ...         self.seen.append(prim.name)
    ...         return fn(*args, **params)
    >>> square = Primitive("square", np.square, jvp=lambda t, y, x: 2 * x * t)
    >>> with observe(Names()) as names:
    ...     float(square(3.0))
    9.0
    >>> names.seen
    ['square']
    """

    JVP = "jvp rule"
    VJP = "vjp rule"

    def evaluate(self, prim: Primitive, fn: Callable[..., Any], args: Any, params: dict) -> Any:
        """``fn(*args, **params)`` computes ``prim`` on values no trace holds."""
        return fn(*args, **params)

    def rule(
        self, prim: Primitive, phase: str, fn: Callable[..., Any], args: Any, params: dict
    ) -> Any:
        """``fn(*args, **params)`` is one of ``prim``'s derivative rules, of ``phase``.

        ``args`` start with the tangent (or cotangent) and the output, then the primal inputs.
        """
        return fn(*args, **params)

    def rules(self, phase: str, fn: Callable[..., Any], *args: Any) -> Any:
        """``fn(*args)`` applies derivative rules of ``phase`` and adds up what they give."""
        return fn(*args)

    def backward(self, fn: Callable[..., Any], *args: Any) -> Any:
        """``fn(*args)`` is a whole reverse pass (phase ``"vjp rule"``)."""
        return fn(*args)

    def batch(self, prim: Primitive, fn: Callable[..., Any], args: Any, params: dict) -> Any:
        """``fn(*args, **params)`` is ``prim``'s batch rule, called by ``vmap``."""
        return fn(*args, **params)

    def trace_opened(self, trace: Trace) -> None:
        """A transform opened ``trace`` (it reports to this observer until it closes)."""

    def trace_closed(self, trace: Trace) -> None:
        """``trace`` ended (normally or by an exception)."""


# the installed observer: read it here, set it with ``set_observer`` or ``observe``
current_observer: Observer | None = None
_observer_lock = threading.Lock()


def set_observer(observer: Observer | None) -> Observer | None:
    """Install ``observer`` for the whole process (``None``: none) and return the previous one.

    Traces already open keep the observer they opened with.

    >>> set_observer(None) is None
    True
    """
    global current_observer
    with _observer_lock:
        previous = current_observer
        current_observer = observer
    return previous


def installed_observer() -> Observer | None:
    """The observer new traces report to, or ``None``.

    >>> installed_observer() is None
    True
    """
    return current_observer


@contextlib.contextmanager
def observe(observer: Observer) -> Iterator[Observer]:
    """Install ``observer`` while the block runs; put the previous one back on exit.

    >>> with observe(Observer()) as seen:
    ...     installed_observer() is seen
    True
    >>> installed_observer() is None
    True
    """
    previous = set_observer(observer)
    try:
        yield observer
    finally:
        set_observer(previous)


class TracerLeakError(RuntimeError):
    """A traced value was used after the transform that made it had returned."""

    __module__ = "functional_ad"  # shown as functional_ad.TracerLeakError in tracebacks


class Trace:
    """One run of a transform. Subclasses implement ``process`` for their own tracers.

    ``active`` is false when the trace has ended (a tracer leaked out of its transform) or
    is paused by ``no_grad``; ``process`` then takes the slow path in ``process_inactive``.
    """

    __slots__ = ("level", "transform", "active", "ended", "observer", "__weakref__")

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
        # what this trace reports to (``Observer``): set by ``new_trace`` when it opens
        self.observer: Observer | None = None

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

    def leak_error(self, where: str) -> TracerLeakError:
        """The error for a tracer of this trace used after it ended (in ``where``)."""
        return TracerLeakError(
            f"a value traced by {self.transform!r} was used after {self.transform} "
            f"returned (in {where}); it leaked out through a closure, a global or a "
            "container. Return it from the transformed function instead."
        )

    def process_inactive(self, prim: Primitive, args: tuple, params: dict) -> Any:
        """Handle a call while ended (raise) or paused (compute as a constant)."""
        if self.ended:
            raise self.leak_error(f"primitive {prim.name!r}")
        return bind(prim, *[self.lower(a) for a in args], **params)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self.transform} at level {self.level}>"


class FrontEnd:
    """The entry points through which a tracer reaches the NumPy front end.

    The engine knows nothing of NumPy's API surface. A tracer hands NumPy's protocols
    (``__array_ufunc__``, ``__array_function__``), indexing, item assignment, in-place
    operators and the few array methods with no ``np.*`` twin to the functions registered
    here, once, by ``functional_ad.numpy`` (see ``register_front_end``).
    """

    __slots__ = (
        "array_ufunc",
        "array_function",
        "getitem",
        "setitem",
        "inplace",
        "fill",
        "sort",
        "index_update",
        "stop_gradient",
        "tracing_started",
        "tracing_stopped",
    )

    array_ufunc: Callable[..., Any]
    array_function: Callable[..., Any]
    getitem: Callable[..., Any]
    setitem: Callable[..., Any]
    inplace: Callable[..., Any]
    fill: Callable[..., Any]
    sort: Callable[..., Any]
    index_update: Callable[..., Any]
    stop_gradient: Callable[..., Any]
    tracing_started: Callable[[], None]
    tracing_stopped: Callable[[], None]

    def __init__(self) -> None:
        for name in self.__slots__:
            setattr(self, name, _no_front_end)
        self.tracing_started = self.tracing_stopped = _nothing


def _no_front_end(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeError(
        "traced values need the NumPy front end: import functional_ad (not only "
        "functional_ad.core) before tracing"
    )


def _nothing() -> None:
    pass


_front_end = FrontEnd()
# ufunc -> the primitive it maps straight onto (np.sin -> sin): the hot path of operators and
# ufunc calls binds it without calling into the front end. Filled by ``register_front_end``.
UFUNC_PRIMITIVES: dict[Any, Primitive] = {}
_NO_PARAMS: dict = {}


def register_front_end(ufunc_primitives: dict[Any, Primitive], **entries: Callable) -> None:
    """Install the front end's entry points (``FrontEnd``'s fields) and its ufunc table.

    Called by ``functional_ad.numpy`` when it is imported, and again when SciPy's ufuncs join
    the table; an unknown entry name raises ``TypeError``.
    """
    for name, entry in entries.items():
        if name not in FrontEnd.__slots__:
            raise TypeError(f"register_front_end: unknown entry {name!r}")
        setattr(_front_end, name, entry)
    UFUNC_PRIMITIVES.update(ufunc_primitives)


# operand types with no ufunc override of their own: the tracer handles them directly
_PLAIN_TYPES = frozenset(
    {float, int, bool, complex, np.ndarray, np.float64, np.float32, np.int64, np.int32}
    | {np.complex128, np.complex64, np.bool_}
)
_NDARRAY_UFUNC = np.ndarray.__array_ufunc__


def _foreign_override(x: Any) -> Any:
    """The ufunc override of an operand that NumPy would let handle the call: ``None`` if it
    opts out of ufuncs (``__array_ufunc__ = None``), its ``__array_ufunc__`` if it defines
    its own (an xarray ``DataArray``, a pandas ``Series``...), else ``_NDARRAY_UFUNC``."""
    if type(x) in _PLAIN_TYPES or isinstance(x, Tracer):
        return _NDARRAY_UFUNC
    return getattr(type(x), "__array_ufunc__", _NDARRAY_UFUNC)


def _defer(ufunc: Any, other: Any, operands: tuple) -> Any:
    """What an operator does with ``other`` before handling it itself: ``NotImplemented`` if
    it opts out of ufuncs, the ufunc's own dispatch if it has an override of its own, or
    ``_NDARRAY_UFUNC`` when the tracer handles it."""
    override = _foreign_override(other)
    if override is None:
        return NotImplemented
    if override is not _NDARRAY_UFUNC:
        return ufunc(*operands)
    return _NDARRAY_UFUNC


def _binary(ufunc: Any) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """``x op y`` and ``y op x`` as ``ufunc`` (what ndarray does), with a fast path: with a
    constant on the other side, the tracer's own trace handles the call without a search.

    As for ndarray, an operand with ``__array_ufunc__ = None`` gets ``NotImplemented`` (its
    own reflected operator runs), and one with its own override goes through the ufunc, so
    that NumPy's dispatch gives it its turn (``x * data_array`` is a ``DataArray``).
    """

    def forward(self: Tracer, other: Any) -> Any:
        prim = UFUNC_PRIMITIVES.get(ufunc)
        if prim is None:
            return ufunc(self, other)
        if isinstance(other, Tracer):
            return bind(prim, self, other)
        if type(other) not in _PLAIN_TYPES:
            result = _defer(ufunc, other, (self, other))
            if result is not _NDARRAY_UFUNC:
                return result
        return self._trace.process(prim, (self, other), _NO_PARAMS)

    def reflected(self: Tracer, other: Any) -> Any:
        prim = UFUNC_PRIMITIVES.get(ufunc)
        if prim is None:
            return ufunc(other, self)
        if isinstance(other, Tracer):
            return bind(prim, other, self)
        if type(other) not in _PLAIN_TYPES:
            result = _defer(ufunc, other, (other, self))
            if result is not _NDARRAY_UFUNC:
                return result
        return self._trace.process(prim, (other, self), _NO_PARAMS)

    forward.__name__ = f"__{ufunc.__name__}__"
    reflected.__name__ = f"__r{ufunc.__name__}__"
    return forward, reflected


def _unary(ufunc: Any) -> Callable[..., Any]:
    def method(self: Tracer) -> Any:
        prim = UFUNC_PRIMITIVES.get(ufunc)
        if prim is None:
            return ufunc(self)
        return self._trace.process(prim, (self,), _NO_PARAMS)

    method.__name__ = f"__{ufunc.__name__}__"
    return method


def _inplace(ufunc: Any) -> Callable[..., Any]:
    """``x op= y``: ``ufunc(x, y, out=x)`` for arrays, a new value bound to ``x`` for
    NumPy scalars (the front end decides which ``x`` is)."""

    def method(self: Tracer, other: Any) -> Any:
        if getattr(type(other), "__array_ufunc__", True) is None:
            return NotImplemented  # NumPy's rule: the other operand handles it
        return _front_end.inplace(self, ufunc, other)

    method.__name__ = f"__i{ufunc.__name__}__"
    return method


_power = _binary(np.power)[0]
_square = _unary(np.square)

# what the scalar conversions do to the constant value under a tracer
_CONVERSIONS: dict[str, Callable[[Any], Any]] = {
    "float": float,
    "int": int,
    "complex": complex,
    "item": lambda value: np.asarray(value).item(),
    "tolist": lambda value: np.asarray(value).tolist(),
}


def _converted(x: Tracer, kind: str) -> Any:
    value = constant_value(x)
    if value is not NOT_CONSTANT:  # nothing to lose: a constant (np.floor(x), argmax...)
        return _CONVERSIONS[kind](value)
    raise TypeError(
        f"{kind}() of a traced value would silently drop its derivative; keep it an array, "
        f"or call {kind}(functional_ad.stop_gradient(x)) if you really want a constant. "
        "If this happened while assigning a traced value into a plain NumPy array "
        "(y[i] = x), create that array from the traced value instead: np.zeros_like(x) "
        "or np.zeros(n, like=x)."
    )


# SciPy's compiled functions convert their arguments where nothing of ours sees which SciPy
# function is running, so the errors name the counterparts by their rule
SCIPY_HINT = (
    "If a SciPy function raised this, call its counterpart for traced values: "
    "functional_ad.scipy.<module>.<name> for scipy.<module>.<name> (for example "
    "functional_ad.scipy.linalg.expm, functional_ad.scipy.stats.norm.logpdf)."
)


class Tracer:
    """A value being traced: it behaves as the NumPy array it stands for.

    Every method is here. Operators and array methods do what ndarray's do, by the matching
    ``np.*`` call (``x + y`` is ``np.add(x, y)``, ``x.sum(0)`` is ``np.sum(x, 0)``), which
    reaches the NumPy front end through NumPy's own protocols; indexing, item assignment,
    in-place operators and ``fill``/``sort``/``at`` go to the front end's entry points
    (``FrontEnd``). Conversions to Python numbers and plain arrays refuse a value that
    carries a derivative. Transforms subclass it with the slots they need.
    """

    # ``_alias``: ``None``, or how the array shares memory with others (see ``views``): the
    # views of a root, or the root and view steps of a view
    __slots__ = ("_trace", "_value", "_alias", "__weakref__")
    __array_priority__ = 1000

    _trace: Trace
    _value: Any
    _alias: Any

    # ------------------------------------------------------------------ array attributes

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

    @property
    def flat(self) -> Any:
        """The elements in C order, as a read-only 1-d array (``x.flat[0]``, ``list(x.flat)``;
        a write into it raises: write into ``x`` itself)."""
        return np.broadcast_to(np.ravel(self), (self.size,))

    @property
    def T(self) -> Any:
        return np.transpose(self)

    @property
    def mT(self) -> Any:
        return np.swapaxes(self, -1, -2)

    @property
    def real(self) -> Any:
        return np.real(self)

    @property
    def imag(self) -> Any:
        return np.imag(self)

    @property
    def flags(self) -> Any:
        raise TypeError(
            "a traced value has no memory flags: code reading .flags (compiled code, "
            "as_strided tricks) cannot follow its derivative. " + SCIPY_HINT
        )

    @property
    def strides(self) -> Any:
        raise TypeError(
            "a traced value has no strides: code reading .strides (as_strided tricks, "
            "compiled code) cannot follow its derivative. " + SCIPY_HINT
        )

    def __array_namespace__(self, *, api_version: Any = None) -> Any:
        """NumPy: the array API namespace of a traced array (its calls reach the front end)."""
        return np

    @property
    def at(self) -> Any:
        """Functional index updates: ``x.at[i].add(v)`` returns a new array."""
        return _front_end.index_update(self)

    # ------------------------------------------------------------------ NumPy's protocols

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        if len(inputs) > 1 and any(
            _foreign_override(x) is not _NDARRAY_UFUNC for x in (*inputs, *kwargs.get("out", ()))
        ):
            return NotImplemented  # NumPy's protocol: the operand with its own override handles it
        if not kwargs and method == "__call__":
            prim = UFUNC_PRIMITIVES.get(ufunc)
            if prim is not None:
                if len(inputs) == 1:  # the tracer is the only argument: its trace handles it
                    return self._trace.process(prim, inputs, _NO_PARAMS)
                return bind(prim, *inputs)
        return _front_end.array_ufunc(self, ufunc, method, inputs, kwargs)

    def __array_function__(self, func: Any, types: Any, args: tuple, kwargs: dict) -> Any:
        return _front_end.array_function(self, func, types, args, kwargs)

    def __array__(self, dtype: Any = None, *args: Any, **kwargs: Any) -> Any:
        # (even for a constant: np.asarray(y) must give y itself, which the front end arranges
        # on this TypeError, so that writes into it stay traced)
        if self._trace.ended:
            raise self._trace.leak_error("conversion to a NumPy array")
        if dtype is not None and np.dtype(dtype).kind in "biu":
            # np.int64(x), np.asarray(x, dtype=bool): integer values have no derivative, so
            # they are NumPy's; under vmap and compile (no single value) this raises
            # ConcreteValueError, and np.asarray/np.array build the traced astype instead
            return np.asarray(concrete(self)).astype(dtype)
        raise TypeError(
            "a traced value cannot be converted to a NumPy array: it would lose its "
            "derivative. Build arrays from traced values with np.stack / np.concatenate; if "
            "you are assigning into a plain NumPy array, create it from the traced value "
            "instead (np.zeros_like(x) or np.zeros(n, like=x)); to use the value as a "
            "constant, call stop_gradient(x) first. " + SCIPY_HINT
        )

    # ------------------------------------------------------------------ operators

    __add__, __radd__ = _binary(np.add)
    __sub__, __rsub__ = _binary(np.subtract)
    __mul__, __rmul__ = _binary(np.multiply)
    __truediv__, __rtruediv__ = _binary(np.true_divide)
    __floordiv__, __rfloordiv__ = _binary(np.floor_divide)
    __mod__, __rmod__ = _binary(np.remainder)
    __divmod__, __rdivmod__ = _binary(np.divmod)
    __rpow__ = _binary(np.power)[1]
    __and__, __rand__ = _binary(np.bitwise_and)
    __or__, __ror__ = _binary(np.bitwise_or)
    __xor__, __rxor__ = _binary(np.bitwise_xor)
    __lt__ = _binary(np.less)[0]
    __le__ = _binary(np.less_equal)[0]
    __gt__ = _binary(np.greater)[0]
    __ge__ = _binary(np.greater_equal)[0]
    __eq__ = _binary(np.equal)[0]  # type: ignore[assignment]
    __ne__ = _binary(np.not_equal)[0]  # type: ignore[assignment]
    __neg__ = _unary(np.negative)
    __abs__ = _unary(np.absolute)
    __invert__ = _unary(np.invert)
    __hash__ = None  # type: ignore[assignment]  # like ndarray: mutable, compared elementwise

    def __pow__(self, other: Any) -> Any:
        # x ** 2 is the commonest power: np.square, with a rule as cheap (power is slower)
        if type(other) is int and other == 2:
            return _square(self)
        return _power(self, other)

    def __pos__(self) -> Any:
        return self

    __matmul__, __rmatmul__ = _binary(np.matmul)

    __iadd__ = _inplace(np.add)
    __isub__ = _inplace(np.subtract)
    __imul__ = _inplace(np.multiply)
    __itruediv__ = _inplace(np.true_divide)
    __ifloordiv__ = _inplace(np.floor_divide)
    __imod__ = _inplace(np.remainder)
    __ipow__ = _inplace(np.power)
    __imatmul__ = _inplace(np.matmul)
    __iand__ = _inplace(np.bitwise_and)
    __ior__ = _inplace(np.bitwise_or)
    __ixor__ = _inplace(np.bitwise_xor)

    # ------------------------------------------------------------------ indexing and writes

    def __getitem__(self, index: Any) -> Any:
        return _front_end.getitem(self, index)

    def __setitem__(self, index: Any, value: Any) -> None:
        _front_end.setitem(self, index, value)

    def __len__(self) -> int:
        shape = self.shape
        if not shape:
            raise TypeError("len() of unsized object (a 0-d traced value)")
        return shape[0]

    def __iter__(self) -> Iterator[Any]:
        for i in range(len(self)):
            yield self[i]  # rows are views, elements scalars, as NumPy's

    def fill(self, value: Any) -> None:
        """Set every element to ``value``, in place."""
        _front_end.fill(self, value)

    def sort(self, axis: int = -1, kind: Any = None, order: Any = None) -> None:
        """Sort in place along ``axis``."""
        _front_end.sort(self, axis=axis, kind=kind, order=order)

    def partition(
        self, kth: Any, axis: int = -1, kind: Any = "introselect", order: Any = None
    ) -> None:
        """Partition in place along ``axis`` (``np.partition``'s result written back)."""
        _front_end.setitem(self, Ellipsis, np.partition(self, kth, axis, kind, order))

    def put(self, indices: Any, values: Any, mode: Any = "raise") -> None:
        """``np.put(x, indices, values, mode)``: write into the flattened array."""
        np.put(self, indices, values, mode=mode)  # type: ignore[arg-type]

    # ------------------------------------------------------------------ conversions

    def __float__(self) -> float:
        return _converted(self, "float")

    def __int__(self) -> int:
        return _converted(self, "int")

    def __complex__(self) -> complex:
        return _converted(self, "complex")

    def item(self, *args: Any) -> Any:
        if args:
            return _converted(self[args if len(args) > 1 else args[0]], "item")
        return _converted(self, "item")

    def tolist(self) -> Any:
        return _converted(self, "tolist")

    def __index__(self) -> int:
        """An integer traced value used as an index: it has no derivative, so its value is
        used."""
        if np.dtype(self.dtype).kind not in "iub" or self.shape:
            return _converted(self, "int")  # raises
        return int(concrete(self))

    def __bool__(self) -> bool:
        return bool(concrete(self))

    def __copy__(self) -> Any:
        return np.copy(self)

    def __deepcopy__(self, memo: Any) -> Any:
        return np.copy(self)

    def __reduce_ex__(self, protocol: Any) -> Any:
        raise TypeError(
            f"a value traced by {self._trace.transform} cannot be pickled: it is part of a "
            "computation being differentiated, and would come back without it. Return it "
            "from the transformed function and pickle the result, or pickle "
            "stop_gradient(x)."
        )

    def detach(self) -> Any:
        """The value as a constant for every transform, like ``stop_gradient(x)``
        (PyTorch's ``tensor.detach()``)."""
        return _front_end.stop_gradient(self)

    def astype(
        self,
        dtype: Any,
        order: Any = "K",
        casting: Any = "unsafe",
        subok: bool = True,
        copy: bool = True,
    ) -> Any:
        """A new array of ``dtype`` laid out in ``order`` (as ``np.array``'s), unless
        ``copy=False`` and the array already is both."""
        if not np.can_cast(self.dtype, dtype, casting):
            raise TypeError(
                f"Cannot cast array data from {np.dtype(self.dtype)!r} to "
                f"{np.dtype(dtype)!r} according to the rule {casting!r}"
            )
        if order not in ("K", "k", None):  # (the order of self, then the dtype in it)
            laid_out = np.array(self, order=order, copy=copy or None)
            return np.astype(laid_out, dtype, copy=copy and laid_out is self)
        return np.astype(self, dtype, copy=copy)  # type: ignore[call-overload]

    # ------------------------------------------------------------------ array methods

    def sum(self, *args: Any, **kwargs: Any) -> Any:
        return np.sum(self, *args, **kwargs)

    def mean(self, *args: Any, **kwargs: Any) -> Any:
        return np.mean(self, *args, **kwargs)

    def prod(self, *args: Any, **kwargs: Any) -> Any:
        return np.prod(self, *args, **kwargs)

    def max(self, *args: Any, **kwargs: Any) -> Any:
        return np.max(self, *args, **kwargs)

    def min(self, *args: Any, **kwargs: Any) -> Any:
        return np.min(self, *args, **kwargs)

    def var(self, *args: Any, **kwargs: Any) -> Any:
        return np.var(self, *args, **kwargs)

    def std(self, *args: Any, **kwargs: Any) -> Any:
        return np.std(self, *args, **kwargs)

    def ptp(self, axis: Any = None, keepdims: bool = False) -> Any:
        return np.ptp(self, axis=axis, keepdims=keepdims)

    def all(self, axis: Any = None, keepdims: bool = False) -> Any:
        return np.all(self, axis=axis, keepdims=keepdims)

    def any(self, axis: Any = None, keepdims: bool = False) -> Any:
        return np.any(self, axis=axis, keepdims=keepdims)

    def cumsum(self, axis: Any = None, dtype: Any = None) -> Any:
        return np.cumsum(self, axis, dtype)

    def cumprod(self, axis: Any = None, dtype: Any = None) -> Any:
        return np.cumprod(self, axis, dtype)

    def argmax(self, axis: Any = None, **kwargs: Any) -> Any:
        return np.argmax(self, axis=axis, **kwargs)

    def argmin(self, axis: Any = None, **kwargs: Any) -> Any:
        return np.argmin(self, axis=axis, **kwargs)

    def argsort(self, axis: Any = -1, **kwargs: Any) -> Any:
        return np.argsort(self, axis=axis, **kwargs)

    def nonzero(self) -> Any:
        return np.nonzero(self)

    def searchsorted(self, v: Any, side: Any = "left", sorter: Any = None) -> Any:
        return np.searchsorted(self, v, side, sorter)

    def dot(self, other: Any) -> Any:
        return np.dot(self, other)

    def clip(self, *args: Any, **kwargs: Any) -> Any:
        return np.clip(self, *args, **kwargs)

    def round(self, decimals: int = 0) -> Any:
        return np.round(self, decimals)

    def conj(self) -> Any:
        return np.conjugate(self)

    def conjugate(self) -> Any:
        return np.conjugate(self)

    def view(self, dtype: Any = None, type: Any = None) -> Any:
        """A view of the same memory (``x.view()``); reinterpreting the bytes as another
        dtype or array type has no derivative and raises."""
        if dtype is not None or type is not None:
            raise NotImplementedError(
                "x.view(dtype) of a traced value: reinterpreting its bytes has no derivative; "
                "use x.astype(dtype) to convert the values"
            )
        return self[...]

    def copy(self, order: Any = "C") -> Any:
        return np.copy(self, order=order)  # (ndarray.copy's order is 'C', np.copy's 'K')

    def reshape(self, *shape: Any, order: Any = "C", copy: Any = None) -> Any:
        # (copy= only when given: NumPy before 2.1 has no such keyword)
        keywords = {"order": order} if copy is None else {"order": order, "copy": copy}
        return np.reshape(self, shape[0] if len(shape) == 1 else shape, **keywords)

    def ravel(self, order: Any = "C") -> Any:
        return np.ravel(self, order)

    def flatten(self, order: Any = "C") -> Any:
        return np.copy(np.ravel(self, order))

    def squeeze(self, axis: Any = None) -> Any:
        return np.squeeze(self, axis)

    def transpose(self, *axes: Any) -> Any:
        if not axes:
            return np.transpose(self)
        return np.transpose(
            self, axes[0] if len(axes) == 1 and not isinstance(axes[0], int) else axes
        )

    def swapaxes(self, axis1: int, axis2: int) -> Any:
        return np.swapaxes(self, axis1, axis2)

    def diagonal(self, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Any:
        return np.diagonal(self, offset, axis1, axis2)

    def trace(self, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Any:
        return np.trace(self, offset, axis1, axis2)

    def repeat(self, repeats: Any, axis: Any = None) -> Any:
        return np.repeat(self, repeats, axis)

    def take(self, indices: Any, axis: Any = None, out: Any = None, mode: Any = "raise") -> Any:
        return np.take(self, indices, axis, out, mode)

    def compress(self, condition: Any, axis: Any = None) -> Any:
        return np.compress(condition, self, axis)

    def choose(self, choices: Any, mode: Any = "raise") -> Any:
        return np.choose(self, choices, mode=mode)

    def __repr__(self) -> str:
        return f"{type(self).__name__}<{self._trace.transform}>({self._value!r})"


# ----------------------------------------------------------------------------- trace stack

_levels = itertools.count(1)
_active_traces: contextvars.ContextVar[tuple[Trace, ...]] = contextvars.ContextVar(
    "functional_ad_active_traces", default=()
)


# traces open in all threads: the front end's ``tracing_started`` runs when the first opens
# and ``tracing_stopped`` when the last closes, both under the lock, so they alternate
_open_traces = 0
_open_lock = threading.Lock()


def _opened() -> None:
    global _open_traces
    with _open_lock:
        _open_traces += 1
        if _open_traces == 1:
            _front_end.tracing_started()


def _closed() -> None:
    global _open_traces
    with _open_lock:
        _open_traces -= 1
        if _open_traces == 0:
            _front_end.tracing_stopped()


def is_tracing() -> bool:
    """True while a trace is open in any thread."""
    return _open_traces > 0


class new_trace:
    """Open a trace of ``cls`` above every existing one; end it on exit, even on error.

    ``with new_trace(GraphTrace, "grad") as trace:`` (a class rather than a generator: it
    opens and closes once per transform call).
    """

    __slots__ = ("_cls", "_transform", "_args", "_trace", "_token", "_observer")

    def __init__(self, cls: type[Trace], transform: str, *args: Any) -> None:
        self._cls, self._transform, self._args = cls, transform, args

    def __enter__(self) -> Any:
        trace = self._cls(next(_levels), self._transform, *self._args)
        observer = self._observer = trace.observer = current_observer
        _opened()
        self._token = _active_traces.set(_active_traces.get() + (trace,))
        self._trace = trace
        if observer is not None:
            try:
                observer.trace_opened(trace)
            except BaseException:
                self.__exit__(None, None, None)
                raise
        return trace

    def __exit__(self, *exc_info: Any) -> None:
        trace = self._trace
        trace.active = False
        trace.ended = True
        _active_traces.reset(self._token)
        _closed()
        if self._observer is not None:
            self._observer.trace_closed(trace)


def active_traces() -> tuple[Trace, ...]:
    """The traces open in this context, outermost first."""
    return _active_traces.get()


class ConcreteValueError(TypeError):
    """Code read the concrete value of a tracer whose trace has no single concrete value."""

    __module__ = "functional_ad"  # shown as functional_ad.ConcreteValueError in tracebacks

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


def per_example_if_needed(handler: Callable[..., Any], args: tuple, kwargs: dict) -> Any:
    """Call ``handler``; under vmap, if it needs concrete values, call it once per example."""
    try:
        return handler(*args, **kwargs)
    except ConcreteValueError as error:
        map_examples = getattr(error.trace, "map_examples", None)
        if map_examples is None:
            raise
        return map_examples(handler, args, kwargs)


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
