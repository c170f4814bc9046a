"""Python lists of traced values: ``np.array([x, x**2])``, ``np.asarray(t)``, ``np.sum([a, b])``...

NumPy turns a list into an array in C, through the elements' ``__array__``, before any of
its dispatch protocols can see a traced value; the tracer's ``__array__`` then raises a
``TypeError`` naming ``np.stack``. This module catches that case for the common entry points
and builds the array with ``np.stack`` instead, so the result is traced and carries its
derivative:

- ``np.array``, ``np.asarray``, ``np.asanyarray``, ``np.ascontiguousarray``,
  ``np.asfortranarray`` (nested lists and tuples of traced values, arrays and numbers; the
  dtype is the one NumPy would pick, or ``dtype=``; ``ndmin=`` is honoured; a traced value
  itself is returned as is by the ``as*`` functions when it is laid out as asked, and
  copied by ``np.array``);
- ``np.r_[...]`` and ``np.c_[...]`` (NumPy builds them with ``array``);
- ``np.sum np.prod np.max np.min np.amax np.amin np.mean np.var np.std`` of a list
  (NumPy routes them through ``_wrapreduction`` and ``_methods._mean/_var/_std``);
- NumPy's Python functions that convert their arguments with their own module's
  ``asarray``/``asanyarray`` (``np.append``, ``np.ravel``, ``np.median``, ``np.linalg.norm``...,
  in ``numpy.lib._function_base_impl``, ``numpy._core.fromnumeric``, ``numpy.linalg``).

Other functions given a list that holds traced values (``np.sin([a, b])``,
``np.dot([a, b], w)``...) still raise the tracer's ``TypeError`` naming ``np.stack``; never
a silent constant. Write ``np.stack([a, b])``.

How: while a trace is open (in any thread), those names in NumPy's modules are thin wrappers
that first call the original function unchanged; only when it raises ``TypeError`` and the
argument holds a traced value does the wrapper build the traced array and retry. The engine
tells the front end when the first trace opens and the last one closes (``core.new_trace``,
under a lock, so installing and restoring alternate, also on exceptions and across threads);
with no trace open, NumPy's functions are the originals. So:

- Cost: with no trace open, none. While a trace is open, code that passes plain data pays one
  extra Python call per wrapped call, other threads included (measured on a 3-element
  array: ``np.asarray`` 92 ns -> 237 ns, ``np.array([1.0, 2.0])`` 580 ns -> 800 ns).
  Opening the outermost trace and closing it set sixteen module attributes: ``grad`` of
  ``np.sum`` on 3 elements took 24.8 µs per call with fifteen and 24.5 µs with nine.
- Scope: only these module attributes change, and only while tracing. ``from numpy import
  array`` keeps the original; the original stays reachable as ``np.array.__wrapped__``.
- Off switch: inside ``with list_hooks(False):`` the wrappers leave NumPy's refusal as it
  is (lists of traced values raise the ``TypeError`` naming ``np.stack``), in that thread.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import importlib
import threading
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from ..core import Tracer
from ..core.views import is_c_contiguous, layout_of

_original_array = np.array
_lock = threading.Lock()
_installed: list[tuple[Any, str, Any, Any]] = []  # (module, attribute, original, wrapper)


# ----------------------------------------------------------------------------- building


def _wanted(obj: Any) -> bool:
    """True if a wrapper should build a traced array from ``obj`` (after NumPy refused it)."""
    return _enabled.get() and holds_tracer(obj)


def holds_tracer(obj: Any) -> bool:
    """True if ``obj`` is a traced value or a (nested) list, tuple or object array holding
    one."""
    if isinstance(obj, Tracer):
        return True
    if type(obj) is list or type(obj) is tuple:
        return any(holds_tracer(item) for item in obj)
    if type(obj) is np.ndarray and obj.dtype == object:
        return any(holds_tracer(item) for item in obj.flat)
    return False


def _nested(obj: Any) -> Any:
    """An object array as the nested lists (or the element) it holds; anything else as is."""
    if type(obj) is np.ndarray and obj.dtype == object:
        return obj.tolist()
    return obj


def _elements(obj: Any) -> np.ndarray:
    """An object array holding the elements of ``obj`` (traced values or nested lists of
    them): each element a 0-d traced value, as NumPy's object array holds its numbers."""
    traced = traced_array(obj, copy=False)
    out = np.empty(traced.shape, dtype=object)
    for index in np.ndindex(*traced.shape):
        out[index] = traced[index]
    return out


def _placeholder(obj: Any) -> Any:
    """``obj`` with every traced value replaced by zeros of its shape and dtype."""
    obj = _nested(obj)
    if isinstance(obj, Tracer):
        return np.zeros(obj.shape, obj.dtype)
    if type(obj) is list or type(obj) is tuple:
        return [_placeholder(item) for item in obj]
    return obj


def _assemble(obj: Any, dtype: np.dtype) -> Any:
    """An array of ``dtype`` from nested lists: constant parts by NumPy, traced by np.stack."""
    obj = _nested(obj)
    if isinstance(obj, Tracer):
        return obj if obj.dtype == dtype else obj.astype(dtype)
    if (type(obj) is list or type(obj) is tuple) and holds_tracer(obj):
        return np.stack([_assemble(item, dtype) for item in obj])
    return _original_array(obj, dtype=dtype)


def traced_array(
    obj: Any,
    dtype: Any = None,
    copy: Any = True,
    ndmin: int = 0,
    objects: bool = False,
    order: Any = None,
) -> Any:
    """A traced array from ``obj``, a traced value or nested lists/tuples or object arrays
    holding them; ``order`` ('C', 'F', 'A', 'K' or None) lays a traced value out in memory
    as NumPy's ``np.array(..., order=order)`` does, copying it where its layout differs.

    The dtype and shape are the ones NumPy gives when every traced value is replaced by an
    array of its shape and dtype (ragged lists raise NumPy's own error). With ``objects``,
    ``dtype=object`` gives an object array of 0-d traced elements (what np.vectorize hands
    its ufunc, which calls the Python function once per element).

    >>> import numpy as np, functional_ad as fad
    >>> float(fad.grad(lambda x: np.sum(traced_array([x, 2 * x, 1.0])))(3.0))
    3.0
    """
    # (np.* calls reach tracers through __array_function__, which the type checker
    # does not see)
    out: Any
    if isinstance(copy, np._CopyMode):  # (the array API's asarray passes IF_NEEDED)
        copy = copy is np._CopyMode.ALWAYS
    if objects and dtype is not None and np.dtype(dtype) == object:
        return _elements(obj)
    obj = _nested(obj)
    if isinstance(obj, Tracer):
        out = obj
        if not _laid_out(obj, order):  # (np.array(x.T, order='C') copies in C order)
            copy = True
        if dtype is not None and np.dtype(dtype) != obj.dtype:
            out = obj.astype(dtype)  # type: ignore[attr-defined]
            if not _laid_out(out, order):
                out = np.copy(out, order=order)  # type: ignore[call-overload]
        elif copy:  # a new value, so writing into one never changes the other
            out = np.copy(obj, order=order or "K")  # type: ignore[call-overload]
    else:
        probe = _original_array(_placeholder(obj), dtype=dtype)
        if probe.dtype.kind not in "biufc":
            raise TypeError(
                f"cannot build an array of dtype {probe.dtype} from traced values: it would "
                "lose their derivatives. Build a numeric array with np.stack / np.array."
            )
        out = _assemble(obj, probe.dtype)
    if ndmin > out.ndim:
        out = np.reshape(out, (1,) * (ndmin - out.ndim) + tuple(out.shape))
    return out


def _laid_out(x: Any, order: Any) -> bool:
    """False if ``order`` ('C' or 'F') asks for a memory layout NumPy would not give ``x``."""
    if order == "C":
        return is_c_contiguous(x)
    if order == "F":
        layout = layout_of(x)
        return len(x.shape) < 2 if layout is None else bool(layout.flags.f_contiguous)
    return True


# ----------------------------------------------------------------------------- wrappers


def _wrap_array(
    original: Callable[..., Any],
    copy_by_default: Any,
    contiguous: str | None = None,
    objects: bool = False,
) -> Callable[..., Any]:
    """A wrapper of ``np.array``-like ``original`` (dtype is its second parameter); with
    ``objects``, ``dtype=object`` gives an object array of traced elements; ``contiguous``
    is the order of ``np.ascontiguousarray`` ("C") and ``np.asfortranarray`` ("F")."""

    @functools.wraps(original)
    def wrapper(obj: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            # the one-argument call skips re-packing: it is the common one
            return original(obj, *args, **kwargs) if args or kwargs else original(obj)
        except (TypeError, ValueError):  # (ValueError: an object array of traced values)
            if not _wanted(obj):
                raise
        dtype = args[0] if args else kwargs.get("dtype")
        copy = kwargs.get("copy", copy_by_default)
        ndmin = kwargs.get("ndmin", 0)
        # (np.asarray takes the order second, np.array only by keyword)
        order = kwargs.get("order", args[1] if len(args) > 1 and copy_by_default is None else None)
        if contiguous:  # np.ascontiguousarray: at least 1-d, a copy unless C-contiguous
            ndmin = max(ndmin, 1)
            order = contiguous
        return traced_array(obj, dtype=dtype, copy=copy, ndmin=ndmin, objects=objects, order=order)

    return wrapper


def _wrap_reduction(original: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap ``fromnumeric._wrapreduction(obj, ufunc, method, ...)`` (sum, prod, max, min)."""

    @functools.wraps(original)
    def wrapper(obj: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return original(obj, *args, **kwargs)
        except TypeError:
            if not _wanted(obj):
                raise
        return original(traced_array(obj, copy=False), *args, **kwargs)

    return wrapper


def _wrap_method(original: Callable[..., Any], method: str) -> Callable[..., Any]:
    """Wrap ``_methods._mean``-like ``original(a, ...)`` to call the traced ``a.method``."""

    @functools.wraps(original)
    def wrapper(a: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return original(a, *args, **kwargs)
        except TypeError:
            if not _wanted(a):
                raise
        return getattr(traced_array(a, copy=False), method)(*args, **kwargs)

    return wrapper


def _targets() -> list[tuple[Any, str, Callable[[Any], Callable[..., Any]]]]:
    """(module, attribute, wrapper factory) for every name patched, where it exists."""
    index_tricks = importlib.import_module("numpy.lib._index_tricks_impl")
    fromnumeric = importlib.import_module("numpy._core.fromnumeric")
    methods = importlib.import_module("numpy._core._methods")
    function_base = importlib.import_module("numpy.lib._function_base_impl")
    linalg = importlib.import_module("numpy.linalg._linalg")
    targets: list[tuple[Any, str, Callable[[Any], Callable[..., Any]]]] = [
        (np, "array", lambda f: _wrap_array(f, True)),
        (np, "asarray", lambda f: _wrap_array(f, None)),
        (np, "asanyarray", lambda f: _wrap_array(f, None)),
        (np, "ascontiguousarray", lambda f: _wrap_array(f, None, contiguous="C")),
        (np, "asfortranarray", lambda f: _wrap_array(f, None, contiguous="F")),
        (index_tricks, "array", lambda f: _wrap_array(f, True)),  # np.r_, np.c_
        (fromnumeric, "_wrapreduction", _wrap_reduction),
    ]
    # NumPy's Python functions convert their arguments through these modules' own names
    # (np.append, np.ravel, np.linalg.norm...): a list of traced values given to them is
    # converted as np.array(list) would be
    for module in (function_base, linalg, fromnumeric):
        targets.append((module, "asarray", lambda f: _wrap_array(f, None)))
        # (np.vectorize, in function_base, hands its ufunc object arrays: of traced elements)
        objects = module is function_base
        targets.append(
            (
                module,
                "asanyarray",
                functools.partial(_wrap_array, copy_by_default=None, objects=objects),
            )
        )
    for name in ("mean", "var", "std"):
        targets.append((methods, f"_{name}", functools.partial(_wrap_method, method=name)))
    return [(m, a, w) for m, a, w in targets if hasattr(m, a)]


# the off switch, per thread and per asyncio task: checked only on the slow path
_enabled: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "functional_ad_list_hooks", default=True
)


# (module, attribute, original, wrapper) for every name wrapped: made once, on first use
_patches: list[tuple[Any, str, Any, Any]] = []


def install() -> None:
    """Wrap NumPy's names so lists of traced values become traced arrays (idempotent).

    Called by the engine when the first trace opens (``tracing_started``).
    """
    with _lock:
        if _installed:
            return
        if not _patches:
            for module, attribute, make_wrapper in _targets():
                original = getattr(module, attribute)
                _patches.append((module, attribute, original, make_wrapper(original)))
        for module, attribute, _, wrapper in _patches:
            setattr(module, attribute, wrapper)
        _installed.extend(_patches)


def uninstall() -> None:
    """Restore NumPy's original functions (called when the last trace closes)."""
    with _lock:
        for module, attribute, original, _ in reversed(_installed):
            setattr(module, attribute, original)
        _installed.clear()


def installed() -> bool:
    """True while NumPy's names are wrapped (a trace is open, and the hooks are on)."""
    return bool(_installed)


@contextlib.contextmanager
def list_hooks(enabled: bool) -> Iterator[None]:
    """Turn the list hooks on or off inside the block, in this thread (on by default).

    >>> import numpy as np, functional_ad as fad
    >>> with list_hooks(False):
    ...     fad.grad(lambda x: np.sum(np.array([x, x])))(1.0)
    Traceback (most recent call last):
    ...
    TypeError: a traced value cannot be converted to a NumPy array: it would lose its ...
    """
    token = _enabled.set(enabled)
    try:
        yield
    finally:
        _enabled.reset(token)


__all__ = [
    "holds_tracer",
    "install",
    "installed",
    "list_hooks",
    "traced_array",
    "uninstall",
]
