"""Views and writes on traced arrays: NumPy's aliasing, followed by functionalization.

A traced array made by a view function (basic indexing, ``.T``, ``reshape`` when NumPy would
not copy, ``np.split`` pieces, ``diagonal``, ...) remembers its *root* (the traced array it
was taken from, through any number of views) and the *chain* of view steps from the root to
it. A write through any alias (``v[i] = x``, ``v += x``, ``out=v``) is computed functionally
(``scatter_set``, ``where``), scattered back through the chain into the root, and every other
live view of that root is marked stale. A stale view is recomputed from the root (its chain
replayed with ordinary primitives) the first time it is used again, so each alias sees the
write in value and in derivative, exactly as NumPy shows it, and no transform needs to know.

The staleness mark is a trace: ``STALE`` has the highest level, so ``bind`` hands every call
with a stale argument to it, and it refreshes the argument before the call runs.
"""

from __future__ import annotations

import warnings
import weakref
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .tracing import Primitive, Trace, Tracer, bind


class ViewStep:
    """One view step: ``apply(parent) -> child`` and ``unapply(parent, child) -> parent``.

    ``unapply`` is ``None`` for read-only views (``diagonal``, ``broadcast_to``); ``key``
    identifies the step for comparisons (``("getitem", index)``), ``None`` otherwise;
    ``layout`` takes the same view of a plain ndarray with NumPy's own function, to tell
    how NumPy would lay the view out in memory.
    """

    __slots__ = ("name", "apply", "unapply", "key", "layout")

    def __init__(
        self,
        name: str,
        apply: Callable[[Any], Any],
        unapply: Callable[[Any, Any], Any] | None,
        key: Any = None,
        layout: Callable[[Any], Any] | None = None,
    ) -> None:
        self.name = name
        self.apply = apply
        self.unapply = unapply
        self.key = key
        self.layout = apply if layout is None else layout


class Storage:
    """What a root array shares with its views: weak references to the live views, and its
    memory layout as NumPy has it (writes carried back through views compute new values
    whose layout may differ; NumPy's array keeps its own)."""

    __slots__ = ("views", "limit", "layout")

    def __init__(self, layout: Any = None) -> None:
        self.views: list[weakref.ref] = []
        self.limit = 8  # prune dead references when the list grows past this
        self.layout = layout  # an int8 array laid out like the root, or None for C order

    def add(self, view: Tracer) -> None:
        views = self.views
        if len(views) >= self.limit:
            views[:] = [r for r in views if r() is not None]
            self.limit = 2 * len(views) + 8
        views.append(weakref.ref(view))

    def mark_stale(self, writer: Tracer) -> None:
        """Every live view other than ``writer`` must be recomputed before its next use."""
        for ref in self.views:
            view = ref()
            if view is not None and view is not writer:
                view._trace = STALE


class View:
    """The root a view was taken from and the steps from the root to it."""

    __slots__ = ("root", "chain")

    def __init__(self, root: Tracer, chain: tuple[ViewStep, ...]) -> None:
        self.root = root
        self.chain = chain


# ----------------------------------------------------------------------------- staleness


class StaleTrace(Trace):
    """The mark of a view whose root was written: any use recomputes it first."""

    __slots__ = ()
    opaque = True  # ``concrete`` asks ``concrete_of`` instead of reading the old value

    def process(self, prim: Primitive, args: tuple, params: dict) -> Any:
        return bind(prim, *[fresh(a) for a in args], **params)

    def concrete_of(self, x: Tracer) -> Any:
        return fresh(x)

    def pure(self, value: Any) -> Tracer:
        raise AssertionError("a stale view has no trace of its own")


STALE = StaleTrace(level=1 << 62, transform="a write through another view")


def fresh(x: Any) -> Any:
    """``x`` with its value recomputed from its root if a write made it stale."""
    if isinstance(x, Tracer) and x._trace is STALE:
        view = x._alias
        value = view.root
        for step in view.chain:
            value = step.apply(value)
        rebind(x, value)
    return x


def fresh_args(args: Sequence[Any]) -> None:
    """Refresh the stale tracers among ``args`` and inside the tuples and lists among them."""
    for a in args:
        if isinstance(a, Tracer):
            if a._trace is STALE:
                fresh(a)
        elif type(a) is tuple or type(a) is list:
            fresh_args(a)


# ----------------------------------------------------------------------------- handles

# the slots that hold a tracer's value (those of every tracer class), not its aliasing
_VALUE_SLOTS: dict[type, tuple[str, ...]] = {}


def _value_slots(cls: type) -> tuple[str, ...]:
    slots = _VALUE_SLOTS.get(cls)
    if slots is None:
        names = []
        for klass in cls.__mro__:
            for slot in getattr(klass, "__slots__", ()):
                if slot not in ("_alias", "__weakref__") and slot not in names:
                    names.append(slot)
        slots = _VALUE_SLOTS[cls] = tuple(names)
    return slots


def _value_of(x: Tracer) -> Tracer:
    """A tracer holding ``x``'s current value, sharing nothing with ``x``'s aliases."""
    fresh(x)
    value = object.__new__(type(x))
    for slot in _value_slots(type(x)):
        object.__setattr__(value, slot, getattr(x, slot))
    value._alias = None
    return value


def rebind(handle: Tracer, new: Any) -> None:
    """Point ``handle`` at the value ``new``; its aliasing (root, views) stays as it was."""
    trace = handle._trace
    if trace is STALE:
        trace = handle._alias.root._trace
    if not (isinstance(new, Tracer) and type(new) is type(handle) and new._trace is trace):
        if isinstance(new, Tracer) and new._trace.level > trace.level:
            raise ValueError(
                f"cannot write a value traced by an inner {new._trace.transform} into an array "
                f"traced by the outer {trace.transform}: the array would outlive the inner "
                "transform. Create the array inside the inner function (np.zeros_like(x))."
            )
        new = trace.pure(new if isinstance(new, Tracer) else np.asarray(new))
        if type(new) is not type(handle):  # (a tracer class with subclasses)
            raise TypeError(f"cannot rebind a {type(handle).__name__} to a {type(new).__name__}")
    if handle._alias is None:
        # NumPy writes into the array's own memory, which keeps its order: a transposed
        # result stays transposed, and a C-ordered one C-ordered, whatever the order of the
        # value written (np.add(x.T, 1.0, out=v))
        if len(handle.shape) > 1:
            now = layout_of(handle)  # (recorded beneath, under vmap)
            handle._alias = Storage(
                None if now is None or now.flags.c_contiguous else strided_like(now, np.int8)
            )
        else:
            layout = _layout_now(handle)
            if layout is not None:
                handle._alias = Storage(layout)
    for slot in _value_slots(type(handle)):
        object.__setattr__(handle, slot, getattr(new, slot))
    lay_out_value(handle)  # (the value written may be computed in another order)


def add_view(parent: Any, out: Any, step: ViewStep) -> Any:
    """Record that traced ``out`` is ``step.apply(parent)`` sharing ``parent``'s memory.

    A NumPy scalar has no memory to share: what NumPy gives for ``s[...]`` or ``s.real`` is
    a new value, and writing it leaves ``s`` as it was.
    """
    if not isinstance(out, Tracer) or out is parent or not isinstance(parent, Tracer):
        return out
    if out._alias is not None or numpy_scalar(parent):  # an existing array, or nothing new
        return out
    meta = parent._alias
    if type(meta) is View:
        root, chain = meta.root, meta.chain + (step,)
    else:
        root, chain = parent, (step,)
        if meta is None:
            meta = parent._alias = Storage(_layout_now(parent))
    out._alias = View(root, chain)
    root._alias.add(out)
    return out


def _layout_now(x: Tracer) -> Any:
    """An int8 array laid out in memory like ``x``'s value now, or None for C order."""
    v: Any = x
    while isinstance(v, Tracer):
        v = v._value
    if type(v) is not np.ndarray or v.ndim != len(x.shape) or v.flags.c_contiguous:
        return None  # (a batch of vmap, or C order)
    if v.size > 1 and 0 in v.strides:
        return None  # a value held broadcast (y.fill(c)): the array itself is C-contiguous
    return np.empty_like(v, dtype=np.int8)  # (same order; its pages are never touched)


def layout_of(x: Any) -> Any:
    """An ndarray laid out in memory as NumPy would lay out ``x``, or None if any will do.

    A view's layout is its steps applied, with NumPy's own view functions, to its base's; a
    root's is the one recorded for it (``Storage.layout``), else that of its concrete value
    (C order where vmap's batch axes or compile's stand-ins hide it).
    """
    meta = x._alias if isinstance(x, Tracer) else None
    if type(meta) is View:
        v = layout_of(meta.root)
        if v is None:
            v = np.empty(meta.root.shape, dtype=np.int8)
        for step in meta.chain:
            v = step.layout(v)
        return v
    if type(meta) is Storage:  # a root with views, or a result whose layout was recorded
        return meta.layout
    v = x
    while isinstance(v, Tracer):
        v = v._value
        below = v._alias if isinstance(v, Tracer) else None
        if type(below) is Storage and below.layout is not None:
            return below.layout  # recorded by the trace beneath (a vmap batch's example)
    if type(v) is not np.ndarray or v.ndim != len(x.shape):
        return None
    if v.size > 1 and 0 in v.strides:
        return None  # a value held broadcast (y.fill(c)): the array itself is C-contiguous
    return v


def _probe(x: Any, dtype: Any) -> np.ndarray:
    """An empty array of ``x``'s shape and of ``dtype``, laid out in memory as NumPy would
    lay out ``x``: what the layout recorders hand NumPy to ask it for a result's order."""
    layout = layout_of(x) if isinstance(x, Tracer) else None
    if layout is None:
        return np.empty(tuple(x.shape), dtype=dtype)
    return strided_like(layout, dtype)


def strided_like(a: np.ndarray, dtype: Any) -> np.ndarray:
    """An uninitialised array of ``dtype`` with ``a``'s shape and exactly its memory order:
    reversed and gapped axes too, which ``np.empty_like`` drops (it keeps only the order of
    the axes). NumPy's functions read them: ``np.pad`` and ``np.array(order='A')`` of a
    transposed and reversed view are C-ordered, of the transposed view alone Fortran-ordered.

    >>> v = np.empty((2, 3), dtype=np.int8).T[::-1]
    >>> strided_like(v, np.float64).strides, np.empty_like(v, dtype=np.float64).strides
    ((-8, 24), (8, 24))
    """
    if a.size == 0 or any(s % a.itemsize for s in a.strides):
        return np.empty_like(a, dtype=dtype)
    steps = [s // a.itemsize for s in a.strides]
    span = 1 + sum((n - 1) * abs(s) for n, s in zip(a.shape, steps, strict=True))
    start = sum((n - 1) * -s for n, s in zip(a.shape, steps, strict=True) if s < 0)
    itemsize = np.dtype(dtype).itemsize
    buffer = np.empty(span, dtype=dtype)[start:]
    return np.lib.stride_tricks.as_strided(buffer, a.shape, tuple(s * itemsize for s in steps))


def record_elementwise_layout(
    out: Any, impl: Callable[..., Any], args: Sequence, params: dict, index: int | None = None
) -> None:
    """Record on ``out``, the result of an elementwise primitive whose value does not show its
    memory order (a vmap batch, compile's stand-in), the order NumPy gives it: ufuncs lay a
    result out like their inputs (order 'K'), so ``np.sin`` of a transposed view is
    transposed and ``np.ascontiguousarray`` of it copies. Asked of NumPy itself, with ``impl``
    on empty arrays laid out like the arguments; nothing is recorded for C order. ``index``
    picks one result of a ufunc with several (``np.frexp``, ``np.modf``).
    """
    if not isinstance(out, Tracer) or out._alias is not None or len(out.shape) < 2:
        return
    probes: list[Any] = []
    ordered = False  # an argument is laid out other than in C order
    for a in args:
        if isinstance(a, Tracer):
            probe = _probe(a, np.float64)
            ordered = ordered or not probe.flags.c_contiguous
            probes.append(probe)
        elif type(a) is np.ndarray and a.ndim > 1:
            ordered = ordered or not a.flags.c_contiguous
            probes.append(np.empty_like(a, dtype=np.float64))
        else:
            probes.append(a)
    if not ordered:
        return
    try:
        with np.errstate(all="ignore"):
            result = impl(*probes, **params)
    except (TypeError, ValueError):  # an impl that refuses float probes: C order, as before
        return
    if index is not None:
        result = result[index]
    if (
        type(result) is np.ndarray
        and result.shape == tuple(out.shape)
        and not result.flags.c_contiguous
        # a view of an argument (x.real of a real x) is recorded as a view by the front end
        and not any(type(p) is np.ndarray and np.may_share_memory(result, p) for p in probes)
    ):
        out._alias = Storage(np.empty_like(result, dtype=np.int8))


def record_copy_layout(out: Any, source: Any, numpy_copy: Callable[[Any], Any]) -> None:
    """Record on ``out``, a new array that ``numpy_copy(source)`` makes in NumPy, the memory
    order NumPy gives it where ``out``'s value does not show it (a vmap batch). NumPy lays
    out an advanced index's result with the indexed axes outermost (``x[:, [0, 0]]`` is not
    C-contiguous), so a later ``reshape`` copies where one of a C-ordered array would not.
    Asked of NumPy itself, on an int8 array laid out like ``source``; nothing for C order.
    """
    if not isinstance(out, Tracer) or out._alias is not None or len(out.shape) < 2:
        return
    value = out._value
    while isinstance(value, Tracer):
        value = value._value
    if type(value) is np.ndarray and value.ndim == len(out.shape):
        return  # the value shows its own order
    result = numpy_copy(_probe(source, np.int8))
    if (
        type(result) is np.ndarray
        and result.shape == tuple(out.shape)
        and not result.flags.c_contiguous
    ):
        out._alias = Storage(np.empty_like(result, dtype=np.int8))


def new_arrays(result: Any, args: tuple, kwargs: dict) -> Any:
    """``result`` of a NumPy function's handler, with every traced view in it of an array the
    handler made itself (``np.moveaxis`` of a temporary, as ``np.unwrap`` ends) made a root
    of its own, laid out in C order: NumPy gives a new array there, which a ``reshape``
    views. Views of the arguments (``np.transpose``, ``np.split``...) stay views.
    """
    if isinstance(result, Tracer):
        meta = result._alias
        if type(meta) is not View:  # (the common case: a new array)
            return result
    elif type(result) in (list, tuple):
        return type(result)(new_arrays(r, args, kwargs) for r in result)
    else:
        return result
    if any(meta.root is _root(a) for a in _traced((*args, *kwargs.values()))):
        return result  # a view of an argument
    own = _value_of(result)
    own._alias = Storage(None)
    lay_out_value(own)
    return own


def _root(x: Tracer) -> Tracer:
    meta = x._alias
    return meta.root if type(meta) is View else x


def _traced(values: Sequence[Any]) -> list[Tracer]:
    """The tracers among ``values`` and inside the lists and tuples among them."""
    found = []
    for v in values:
        if type(v) in (list, tuple):
            found += _traced(v)
        elif isinstance(v, Tracer):
            found.append(v)
    return found


def _ordered(a: Any) -> bool:
    """True for a traced array, or a list of them, laid out other than in C order."""
    if isinstance(a, Tracer):
        if len(a.shape) < 2:
            return False
        layout = layout_of(a)
        return layout is not None and not layout.flags.c_contiguous
    return type(a) in (list, tuple) and any(_ordered(item) for item in a)


def _probes(a: Any) -> Any:
    """``a`` with each traced array in it (in lists and tuples too) replaced by its probe."""
    if type(a) in (list, tuple):
        return type(a)(_probes(item) for item in a)
    return _probe(a, a.dtype) if isinstance(a, Tracer) else a


def record_numpy_layout(out: Any, func: Callable[..., Any], args: tuple, kwargs: dict) -> None:
    """Record on ``out = func(*args, **kwargs)`` (a NumPy function's traced result, not a
    view) the memory order NumPy gives it, where an argument is laid out other than in C
    order: ``np.sort``, ``np.cumsum``, ``np.where``, ``np.round``, ``np.clip``... of a
    transposed array are transposed in NumPy, and a later ``reshape`` of them copies.
    Asked of ``func`` itself, on empty arrays laid out like the arguments; where NumPy
    refuses them, nothing is recorded.
    """
    if not isinstance(out, Tracer) or len(out.shape) < 2:
        return
    meta = out._alias
    if type(meta) is View or (type(meta) is Storage and meta.views):
        return  # a view, or an array with views: its order is known
    for a in args:  # (the common case, every argument in C order, returns here quickly)
        if _ordered(a):
            break
    else:
        if not any(_ordered(v) for v in kwargs.values()):
            return  # every argument in C order: so is the result
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = func(*[_probes(a) for a in args], **{k: _probes(v) for k, v in kwargs.items()})
    except Exception:  # (garbage values a function refuses: the order stays as computed)
        return
    if type(result) is not np.ndarray or result.shape != tuple(out.shape):
        return
    layout = None if result.flags.c_contiguous else strided_like(result, np.int8)
    if type(meta) is Storage:
        meta.layout = layout
    elif layout is not None or not is_c_contiguous(out):
        out._alias = Storage(layout)
    lay_out_value(out)


def lay_out_value(x: Tracer) -> None:
    """Lay out the plain array under ``x`` (under any number of tracers) as recorded for
    ``x``, where it is not: a ufunc of it then orders its result as NumPy would
    (``np.median(t, keepdims=True) + t`` follows both operands' orders, and so does ``y + 1``
    after a write into ``y``), as does every call on it that reads its order. The tracers
    between ``x`` and the array are copied, not changed: others may hold them.
    """
    meta = x._alias
    if type(meta) is not Storage:
        return
    value = x._value
    while isinstance(value, Tracer):
        value = value._value
    if type(value) is not np.ndarray or value.ndim < 2 or value.shape != tuple(x.shape):
        return  # (a scalar, or a batch of vmap)
    if value.size > 1 and 0 in value.strides:
        return  # (compile's stand-in, or a value held broadcast: no order of its own)
    layout = meta.layout
    if layout is None:
        if not value.flags.c_contiguous:
            object.__setattr__(x, "_value", _with_array(x._value, np.ascontiguousarray(value)))
        return
    steps = tuple(s // layout.itemsize for s in layout.strides)
    if 0 in (s for s, n in zip(steps, layout.shape, strict=True) if n > 1):
        return  # (a broadcast order: no array of its own to hold the value)
    if steps != tuple(s // value.itemsize for s in value.strides):
        ordered = strided_like(layout, value.dtype)
        ordered[...] = value
        object.__setattr__(x, "_value", _with_array(x._value, ordered))


def _with_array(value: Any, array: np.ndarray) -> Any:
    """``value`` (a plain array, or tracers down to one) with ``array`` in place of its
    plain array: each tracer on the way copied, its aliasing left behind."""
    if not isinstance(value, Tracer):
        return array
    copy = object.__new__(type(value))
    for slot in _value_slots(type(value)):
        object.__setattr__(copy, slot, getattr(value, slot))
    copy._alias = None
    object.__setattr__(copy, "_value", _with_array(value._value, array))
    return copy


def is_c_contiguous(x: Any) -> bool:
    """True if NumPy would hold ``x`` C-contiguous (``np.ascontiguousarray`` returns it)."""
    layout = layout_of(x)
    return layout is None or bool(layout.flags.c_contiguous)


def layout_hidden(y: Any) -> bool:
    """True if the value ``y`` a trace computed does not show the memory order NumPy would
    give it: a traced value beneath, or compile's zero-strided stand-in."""
    if type(y) is np.ndarray:
        return y.ndim > 1 and y.size > 1 and 0 in y.strides
    return isinstance(y, Tracer)


def copy_layout(source: Tracer, order: str) -> Any:
    """The memory layout NumPy gives ``np.copy(source, order=order)`` (``'K'`` keeps a
    transposed view's order): an int8 array laid out so, or None for C order."""
    layout = _layout_now(source)
    value: Any = source
    while isinstance(value, Tracer):
        value = value._value
    if (
        layout is None
        and type(value) is np.ndarray
        and value.ndim == len(source.shape) + 1
        and value.shape[1:] == tuple(source.shape)
        and len(value)
        and not value[0].flags.c_contiguous
    ):
        layout = np.empty_like(value[0], dtype=np.int8)  # one example of a vmap batch
    if layout is None:
        if order != "F" or len(source.shape) < 2:
            return None
        layout = np.empty(tuple(source.shape), dtype=np.int8)
    copied = np.copy(layout, order=order)  # type: ignore[call-overload]
    return None if copied.flags.c_contiguous else copied


def mark_array(x: Any, layout: Any = None) -> Any:
    """Give a 0-d traced array the identity of an array (``np.zeros(())``), not of a scalar:
    an in-place operator then changes it for every name bound to it, as NumPy does.
    ``layout`` is its memory order as NumPy has it (``copy_layout``; None for C order)."""
    if isinstance(x, Tracer) and x._alias is None:
        x._alias = Storage(layout)
        lay_out_value(x)
    return x


def set_layout(x: Any, layout: Any) -> Any:
    """Give a new traced array (no views yet) the memory order ``layout`` (``copy_layout``;
    None for C order), whatever order its elementwise computation recorded; like
    ``mark_array``, it is then an array, not a scalar."""
    if isinstance(x, Tracer):
        x._alias = Storage(layout)
        lay_out_value(x)
    return x


def numpy_scalar(a: Any) -> bool:
    """True for a traced 0-d value that NumPy computed as a scalar (``np.sin`` of a 0-d array
    is an ``np.float64``): it has no views, and NumPy's writing functions refuse it or write
    into a temporary.

    Only a value known to be one counts: under ``vmap`` the batch axis hides whether an
    example's value would be a scalar or a 0-d array (an argument of 0-d examples is either),
    and such a value is an array.
    """
    if not isinstance(a, Tracer) or a._alias is not None or len(a.shape) > 0:
        return False
    value: Any = a
    while isinstance(value, Tracer):
        value = value._value
    return isinstance(value, np.generic)


def is_array_object(x: Tracer) -> bool:
    """False for a 0-d value NumPy would give as a scalar (``np.sum(x)``, ``y[0]`` of a 1-d y):
    an in-place operator on a scalar binds a new value to the name instead of writing.

    The concrete value underneath says which it is: the primitives compute it with NumPy
    (an ``np.float64`` or a 0-d ``ndarray``). Under ``vmap`` it has a batch axis; then only
    arrays marked as such when made (``np.zeros(())``, views) count as arrays.
    """
    if x._alias is not None or len(x.shape) > 0:
        return True
    v: Any = x
    while isinstance(v, Tracer):
        v = v._value
    return type(v) is np.ndarray and v.ndim == 0


def read_only_error(x: Tracer) -> ValueError | None:
    """The error NumPy gives for a write into ``x`` if ``x`` is a read-only view."""
    meta = x._alias
    if type(meta) is View:
        for step in meta.chain:
            if step.unapply is None:
                return ValueError(
                    f"assignment destination is read-only: this array is a read-only view "
                    f"({step.name}), as in NumPy. Write into a copy instead (v = v.copy())."
                )
    return None


def write(handle: Tracer, new: Any) -> None:
    """Make ``new`` (same shape and dtype) the value of ``handle``, as NumPy's write into it.

    A view writes through to its root, and every other view of that root sees the write.
    """
    error = read_only_error(handle)
    if error is not None:
        raise error
    fresh(handle)
    if isinstance(new, Tracer) and new._alias is not None:
        new = _value_of(new)  # (an alias of what is written: np.copyto(y.T, y) reads y first)
    meta = handle._alias
    if meta is None and not handle.shape:  # written in place: a 0-d array, not a scalar
        meta = handle._alias = Storage()
    if type(meta) is View:
        root, chain = meta.root, meta.chain
        parents = [root]
        for step in chain[:-1]:
            parents.append(step.apply(parents[-1]))
        value = new
        for step, parent in zip(reversed(chain), reversed(parents), strict=True):
            value = step.unapply(parent, value)  # type: ignore[misc]  # (checked above)
        rebind(root, value)
        rebind(handle, new)
        root._alias.mark_stale(handle)
    else:
        rebind(handle, new)
        if meta is not None:
            meta.mark_stale(handle)


def is_view_of(value: Any, handle: Tracer, key: Any) -> bool:
    """True if ``value`` is the up-to-date view of ``handle`` made by the step ``key``."""
    if not isinstance(value, Tracer) or value._trace is STALE:
        return False
    meta = value._alias
    if type(meta) is not View or meta.chain[-1].key != key:
        return False
    own = handle._alias
    if type(own) is View:
        return meta.root is own.root and meta.chain[:-1] == own.chain
    return meta.root is handle and len(meta.chain) == 1
