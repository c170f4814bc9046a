"""The NumPy functions that return views, and the view step each one records.

``install`` wraps their handlers: the traced result is registered (``views.add_view``) as a
view of the traced argument, with a step that recomputes it (the handler called again) and one
that writes a changed view back into its parent. Functions NumPy answers with read-only
views (``diagonal``, ``broadcast_to``) record no write-back: writing into them raises, as in
NumPy. Basic indexing and iteration record their steps in ``view_of_index``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ..core import ConcreteValueError, Tracer, per_example_if_needed
from ..core.views import (
    ViewStep,
    add_view,
    fresh_args,
    layout_of,
    record_copy_layout,
)
from ..ops.elementwise import is_complex
from ..ops.indexing import getitem, is_basic, normalize_index, set_at_traced_index
from ..ops.registry import shape_of
from ..ops.updates import scatter_set
from .registry import NUMPY
from .shape import any_order, memory_axes, order_name, reshape, transpose

# handlers before wrapping: they compute a view's value without registering anything
RAW: dict[Any, Callable[..., Any]] = {}


def view_of_index(x: Any, index: Any, out: Any) -> Any:
    """Register ``out = x[index]`` as a view when NumPy gives one (basic index, not a scalar)."""
    if not isinstance(out, Tracer) or not isinstance(x, Tracer):
        return out
    try:
        index = normalize_index(index)
    except ConcreteValueError:  # an integer index known only when replayed (compile, vmap)
        if not out.shape:
            return out  # a single element: a copy
        raw = index  # NumPy gives a view of a row
        parts = raw if isinstance(raw, tuple) else (raw,)
        some_row = tuple(0 if isinstance(i, Tracer) else i for i in parts)
        step = ViewStep(
            "indexing",
            lambda parent: getitem(parent, raw),
            lambda parent, child: set_at_traced_index(parent, raw, child).astype(parent.dtype),
            layout=lambda plain: plain[some_row],
        )
        return add_view(x, out, step)
    if not is_basic(index):  # integer or boolean arrays: a copy, laid out as NumPy does
        record_copy_layout(out, x, lambda plain: plain[index])
        return out
    if not out.shape and not any(i is Ellipsis or i is None for i in index):
        return out  # a single element: NumPy gives a scalar, a copy
    step = ViewStep(
        "indexing",
        lambda parent: getitem(parent, index),
        lambda parent, child: scatter_set(parent, child, index=index),
        key=("getitem", index),
        layout=lambda plain: plain[index],
    )
    return add_view(x, out, step)


def getitem_view(x: Tracer, index: Any) -> Any:
    """``x[index]``: a view of ``x`` for a basic index, as in NumPy."""
    fresh_args((x, index))
    return view_of_index(x, index, per_example_if_needed(getitem, (x, index), {}))


def numpy_gives_a_view(x: Any, func: Callable[..., Any], args: tuple, kwargs: dict) -> bool:
    """True if ``func(x, *args, **kwargs)`` is a view in NumPy, asked of NumPy itself on an
    array laid out as ``x`` would be (``reshape`` and ``ravel`` copy only some layouts)."""
    v = layout_of(x)
    if v is None:  # C order (also where vmap's batch or compile's stand-ins hide the layout)
        if _order(func, args, kwargs) != "F":
            return True  # C order read in C order: always a view
        v = np.empty(shape_of(x), dtype=np.int8)
    return bool(np.may_share_memory(func(v, *args, **kwargs), v))


def _permutation(func: Callable[..., Any], ndim: int, args: tuple, kwargs: dict) -> tuple:
    """The axes order a transposing NumPy function gives an array of ``ndim`` dimensions."""
    probe = np.empty(tuple(range(1, ndim + 1)), dtype=np.int8)  # every axis a different length
    return tuple(n - 1 for n in func(probe, *args, **kwargs).shape)


def _by_positions(func: Callable[..., Any], args: tuple, kwargs: dict, item: int | None) -> Any:
    """Write-back for any view NumPy makes by selecting elements: scatter by their positions."""

    def unapply(parent: Any, child: Any) -> Any:
        shape = shape_of(parent)
        size = math.prod(shape)
        positions = func(np.arange(size).reshape(shape), *args, **kwargs)
        if item is not None:
            positions = positions[item]
        flat = reshape(parent, (size,))
        flat = scatter_set(flat, reshape(child, (-1,)), index=(np.ravel(positions),))
        return reshape(flat, shape)

    return unapply


def _write_real(parent: Any, child: Any) -> Any:
    return child + 1j * np.imag(parent) if is_complex(parent) else child


def _write_imag(parent: Any, child: Any) -> Any:
    return np.real(parent) + 1j * child


# How each view function writes a changed view back: "reshape", "transpose", "positions"
# (any selection of elements), "read-only", or a function (parent, child) -> parent.
_KINDS: dict[Any, Any] = {
    np.reshape: "reshape",
    np.ravel: "reshape",
    np.squeeze: "reshape",
    np.expand_dims: "reshape",
    np.atleast_1d: "reshape",
    np.atleast_2d: "reshape",
    np.atleast_3d: "reshape",
    np.transpose: "transpose",
    np.swapaxes: "transpose",
    np.moveaxis: "transpose",
    np.rollaxis: "transpose",
    np.flip: "positions",
    np.fliplr: "positions",
    np.flipud: "positions",
    np.rot90: "positions",
    np.split: "positions",
    np.array_split: "positions",
    np.hsplit: "positions",
    np.vsplit: "positions",
    np.dsplit: "positions",
    np.diagonal: "read-only",
    np.broadcast_to: "read-only",
    np.broadcast_arrays: "read-only",
    np.real: _write_real,
    np.imag: _write_imag,
}
for _name, _kind in [
    ("permute_dims", "transpose"),
    ("matrix_transpose", "transpose"),
    ("unstack", "positions"),
]:
    if hasattr(np, _name):
        _KINDS[getattr(np, _name)] = _kind


def _order(func: Any, args: tuple, kwargs: dict) -> Any:
    """The ``order`` a call of ``np.reshape`` or ``np.ravel`` reads elements in (``args``
    after the array), as NumPy reads it ("f" is "F"); "C" for the other reshaping functions."""
    if func is not np.reshape and func is not np.ravel:
        return "C"
    position = 1 if func is np.reshape else 0
    return order_name(kwargs.get("order", args[position] if len(args) > position else "C"))


def _reshape_back(func: Any, x: Any, args: tuple, kwargs: dict) -> Callable[[Any, Any], Any]:
    """How a changed view made by a reshaping function goes back into its parent: reshaped in
    the order the elements were read (``ravel(order='K')``: in the parent's memory order)."""
    order = _order(func, args, kwargs)
    if order == "A":
        order = any_order(x)
    if order == "K":
        axes = memory_axes(x)
        inverse = tuple(int(i) for i in np.argsort(axes))
        shape = shape_of(x)
        read = tuple(shape[i] for i in axes)
        return lambda parent, child: transpose(reshape(child, read), inverse)
    order = "F" if order == "F" else "C"
    return lambda parent, child: reshape(child, shape_of(parent), order)


def _step(func: Any, raw: Callable, x: Tracer, out: Tracer, args: tuple, kwargs: dict, item: Any):
    """The view step of ``out = func(x, *args, **kwargs)[item]``, or None if it is a copy."""
    kind = _KINDS[func]
    name = func.__name__
    if item is None:
        apply = lambda parent: raw(parent, *args, **kwargs)
    else:
        apply = lambda parent: raw(parent, *args, **kwargs)[item]
    if kind == "reshape":
        if func in (np.reshape, np.ravel) and not numpy_gives_a_view(x, func, args, kwargs):
            return None  # NumPy copies this one
        unapply = _reshape_back(func, x, args, kwargs)
    elif kind == "transpose":
        inverse = tuple(np.argsort(_permutation(func, len(x.shape), args, kwargs)))
        unapply = lambda parent, child: transpose(child, inverse)
    elif kind == "positions":
        unapply = _by_positions(func, args, kwargs, item)
    elif kind == "read-only":
        unapply = None
    elif func is np.imag and not is_complex(x):
        unapply = None  # the imaginary part of a real array: read-only zeros
    else:
        unapply = kind
    if item is None:
        layout = lambda plain: func(plain, *args, **kwargs)
    else:
        layout = lambda plain: func(plain, *args, **kwargs)[item]
    return ViewStep(name, apply, unapply, layout=layout)


# functions of several arrays giving one result per array (each a view of its own argument)
_PER_ARGUMENT = {np.atleast_1d, np.atleast_2d, np.atleast_3d, np.broadcast_arrays}


def _wrap(func: Any, raw: Callable[..., Any]) -> Callable[..., Any]:
    def view_handler(x: Any, *args: Any, **kwargs: Any) -> Any:
        out = raw(x, *args, **kwargs)
        if func in _PER_ARGUMENT and args:
            if func is np.broadcast_arrays:
                one = RAW[np.broadcast_to]
                steps = [(a, one, (tuple(o.shape),)) for a, o in zip((x, *args), out, strict=True)]
                func_of_one = np.broadcast_to
            else:
                steps = [(a, raw, ()) for a in (x, *args)]  # type: ignore[misc]
                func_of_one = func
            return type(out)(
                add_view(a, o, _step(func_of_one, f, a, o, a_args, {}, None))
                if isinstance(a, Tracer) and isinstance(o, Tracer)
                else o
                for (a, f, a_args), o in zip(steps, out, strict=True)
            )
        if not isinstance(x, Tracer):
            return out
        if isinstance(out, Tracer):
            step = _step(func, raw, x, out, args, kwargs, None)
            if step is None:  # NumPy copies: a new array, even where the handler gave x back
                return NUMPY[np.copy](out) if out is x else out
            return add_view(x, out, step)
        if isinstance(out, (list, tuple)):  # the pieces of a split
            pieces = [
                add_view(x, piece, _step(func, raw, x, piece, args, kwargs, k))
                if isinstance(piece, Tracer)
                else piece
                for k, piece in enumerate(out)
            ]
            return type(out)(pieces)
        return out

    view_handler.__name__ = getattr(raw, "__name__", func.__name__)
    view_handler.__doc__ = getattr(raw, "__doc__", None)
    return view_handler


def install() -> None:
    """Wrap the handlers of the view functions so that their results are views."""
    for func in _KINDS:
        if func in NUMPY and func not in RAW:
            RAW[func] = NUMPY[func]
            NUMPY[func] = _wrap(func, RAW[func])
