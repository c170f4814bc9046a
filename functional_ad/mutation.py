"""Mutation of traced arrays: item assignment, in-place operators and ``.at`` updates.

A traced array is a handle. ``y[i] = v`` records a ``scatter_set`` node and points the handle
at its result, so earlier uses of ``y`` keep the old value and later ones see the new one,
exactly as NumPy behaves. Two NumPy behaviours cannot be followed and raise instead of
diverging: writing through a view (``v = x[:2]; v[0] = 1`` would have to change ``x``) and
writing a traced value into a plain NumPy array (NumPy converts it, dropping the derivative).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .core import Tracer, active_traces, concrete
from .dispatch import stand_in
from .ops.registry import NUMPY
from .ops.updates import IndexUpdate, IndexUpdateHelper


def at(x: Any) -> IndexUpdateHelper:
    """Functional index updates for any array: ``at(x)[index].set(v)`` returns a new array.

    The same as ``x.at[index]`` on traced values; on plain arrays it returns an updated copy.

    >>> import numpy as np
    >>> x = np.zeros(3)
    >>> at(x)[1].add(2.0), x
    (array([0., 2., 0.]), array([0., 0., 0.]))
    """
    return IndexUpdateHelper(x)


def _top_trace(values: Any) -> Any:
    """The highest-level trace among tracers in ``values`` (None when there are none)."""
    top = None
    for v in values:
        if isinstance(v, Tracer) and (top is None or v._trace.level > top.level):
            top = v._trace
    return top


def _rebind(handle: Tracer, new: Any) -> None:
    """Point ``handle`` at the value ``new`` (the result of a functional update of it)."""
    trace = handle._trace
    if not (isinstance(new, Tracer) and new._trace is trace):
        if isinstance(new, Tracer) and new._trace.level > trace.level:
            raise ValueError(
                f"cannot assign a value traced by an inner {new._trace.transform} into an array "
                f"traced by the outer {trace.transform}: the array would outlive the inner "
                "transform. Create the array inside the inner function (np.zeros_like(x))."
            )
        new = trace.pure(new)
    for cls in type(handle).__mro__:
        for slot in getattr(cls, "__slots__", ()):
            if slot != "_base" and hasattr(new, slot):
                setattr(handle, slot, getattr(new, slot))


def _check_not_view(handle: Tracer) -> None:
    base = getattr(handle, "_base", None)
    if base is not None:
        raise ValueError(
            f"in-place update of a view (made by {base}): NumPy would also change the array it "
            "was taken from, which a traced value cannot follow. Update the original array "
            "(x[...] = ...), or copy the view first (v = x[:2].copy())."
        )


def _setitem(self: Tracer, index: Any, value: Any) -> None:
    _check_not_view(self)
    _rebind(self, IndexUpdate(self, index).set(value))


def _inplace(op: Callable[[Any, Any], Any]) -> Callable[[Tracer, Any], Tracer]:
    def method(self: Tracer, other: Any) -> Tracer:
        _check_not_view(self)
        _rebind(self, op(self, other))
        return self

    method.__name__ = f"__i{op.__name__}__"
    return method


# ------------------------------------------------------------------ arrays made from traced values


def _pure_like(make: Callable[..., Any]) -> Callable[..., Any]:
    """``np.zeros_like(x)`` and friends: a traced constant, so it can be assigned into."""

    def handler(prototype: Any, *args: Any, **kwargs: Any) -> Any:
        value = make(stand_in(prototype), *[concrete(a) for a in args], **kwargs)
        trace = _top_trace([prototype])
        return trace.pure(value) if trace is not None and not trace.ended else value

    handler.__name__ = make.__name__
    return handler


def _full_like(a: Any, fill_value: Any, dtype: Any = None, **kwargs: Any) -> Any:
    out = _pure_like(np.zeros_like)(a, dtype=dtype, **kwargs)
    if isinstance(fill_value, Tracer):  # a traced fill value keeps its derivative
        return out + fill_value
    return out + np.asarray(fill_value, dtype=dtype or a.dtype)


def _created_like(make: Callable[..., Any]) -> Callable[..., Any]:
    """``np.zeros(shape, like=x)``: NumPy calls us with ``like`` removed."""

    def handler(*args: Any, **kwargs: Any) -> Any:
        value = make(*args, **kwargs)
        traces = [t for t in active_traces() if not t.ended]
        return traces[-1].pure(value) if traces else value

    handler.__name__ = make.__name__
    return handler


def _full(shape: Any, fill_value: Any, dtype: Any = None, **kwargs: Any) -> Any:
    if isinstance(fill_value, Tracer):  # a traced fill value keeps its derivative
        return np.zeros(shape, dtype=dtype or fill_value.dtype) + fill_value
    return np.full(shape, fill_value, dtype=dtype, **kwargs)


def _mark_view(handler: Callable[..., Any], name: str) -> Callable[..., Any]:
    """Wrap a view-producing handler so that its traced result remembers it is a view."""

    def view_handler(*args: Any, **kwargs: Any) -> Any:
        out = handler(*args, **kwargs)
        if isinstance(out, Tracer) and args and out is not args[0]:
            out._base = name  # type: ignore[attr-defined]
        return out

    view_handler.__name__ = getattr(handler, "__name__", name)
    view_handler.__doc__ = getattr(handler, "__doc__", None)
    return view_handler


_VIEWS = {
    np.reshape: "reshape",
    np.ravel: "ravel",
    np.transpose: "transpose",
    np.swapaxes: "swapaxes",
    np.moveaxis: "moveaxis",
    np.squeeze: "squeeze",
    np.expand_dims: "expand_dims",
    np.broadcast_to: "broadcast_to",
    np.real: "real",
    np.diagonal: "diagonal",
    np.imag: "imag",
}


def _getitem_marking_views(getitem: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    def __getitem__(self: Tracer, index: Any) -> Any:
        out = getitem(self, index)
        parts = index if isinstance(index, tuple) else (index,)
        if isinstance(out, Tracer) and not any(
            isinstance(i, (list, np.ndarray, Tracer)) for i in parts
        ):
            out._base = "basic indexing"  # type: ignore[attr-defined]
        return out

    return __getitem__


def install() -> None:
    """Give tracers item assignment, in-place operators and ``.at``."""
    # (mypy takes these class attribute assignments for indexing of type[Tracer])
    Tracer.__setitem__ = _setitem  # type: ignore[index]
    Tracer.at = property(IndexUpdateHelper)  # type: ignore[attr-defined]
    for name, op in [
        ("add", np.add),
        ("sub", np.subtract),
        ("mul", np.multiply),
        ("truediv", np.true_divide),
        ("pow", np.power),
        ("matmul", np.matmul),
    ]:
        setattr(Tracer, f"__i{name}__", _inplace(op))
    Tracer.__getitem__ = _getitem_marking_views(Tracer.__getitem__)  # type: ignore[misc]
    make: Callable[..., Any]
    for make in (np.zeros_like, np.ones_like, np.empty_like):
        NUMPY[make] = _pure_like(make)
    NUMPY[np.full_like] = _full_like
    for make in (np.zeros, np.ones, np.empty, np.eye, np.identity, np.arange):
        NUMPY[make] = _created_like(make)
    NUMPY[np.full] = _created_like(_full)
    for func, name in _VIEWS.items():
        if func in NUMPY:
            NUMPY[func] = _mark_view(NUMPY[func], name)
