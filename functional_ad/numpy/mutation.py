"""Writes into traced arrays: item assignment, in-place operators, ``out=``, ``np.copyto`` and
the other NumPy functions that change an array, and the ``.at`` functional updates.

Every write is computed functionally (``scatter_set``, ``where``, a ufunc) and handed to
``views.write``, which points the written array at the new value, carries it back to the array
a view was taken from, and makes every other view see it: NumPy's semantics, with the
derivative following the data. Two writes cannot be followed and raise ``TypeError``: a
traced value written into a plain NumPy array (NumPy would convert it, dropping the
derivative), and a traced value written into an array of an outer transform.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..core import ConcreteValueError, Tracer, active_traces, concrete
from ..core.views import (
    View,
    fresh,
    is_array_object,
    is_view_of,
    layout_of,
    mark_array,
    numpy_scalar,
    read_only_error,
    write,
)
from ..graph import shape_stand_in
from ..ops.indexing import is_basic, normalize_index, same_mask, set_at_traced_index
from ..ops.registry import single_axis
from ..ops.updates import IndexUpdate, IndexUpdateHelper
from .lists import holds_tracer, traced_array
from .masked import MaskedSelection, bool_mask, masked_selection, spread
from .registry import NUMPY, UFUNC_METHODS
from .view_functions import getitem_view


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


def plain_target_error(what: str) -> TypeError:
    """The error for a traced value written into a plain NumPy array."""
    return TypeError(
        f"{what}: a traced value cannot be written into a plain NumPy array (NumPy would "
        "convert it and drop its derivative). Create the array from the traced value instead: "
        "np.zeros_like(x), np.empty_like(x) or np.zeros(n, like=x); or write "
        "functional_ad.stop_gradient(value) if you want a constant."
    )


def _is_traced(x: Any) -> bool:
    return isinstance(x, Tracer)


def _require_traced(a: Any, what: str) -> None:
    if not isinstance(a, Tracer):
        raise plain_target_error(what)


def _refuse_scalar(a: Any, message: str) -> None:
    """NumPy's ``TypeError`` for a writing function given a NumPy scalar."""
    if numpy_scalar(a):
        raise TypeError(message.format(type=f"numpy.{np.dtype(a.dtype).name}"))


def cast_for_write(value: Any, dtype: np.dtype, casting: Any, what: str) -> Any:
    """``value`` in ``dtype``, refused as NumPy refuses it under ``casting``."""
    have = np.dtype(value.dtype) if hasattr(value, "dtype") else np.result_type(value)
    if have == dtype:
        return value
    if not np.can_cast(have, dtype, casting):
        raise TypeError(
            f"Cannot cast {what} output from {have!r} to {dtype!r} with casting rule {casting!r}"
        )
    if _is_traced(value):
        if have.kind == "c" and dtype.kind != "c":  # (unsafe casting keeps the real part)
            value = np.real(value)
        return value.astype(dtype)
    return np.asarray(value).astype(dtype)


def write_into(target: Any, value: Any, what: str, casting: Any = "same_kind") -> Any:
    """Write ``value`` into the whole of ``target`` as ``out=target`` does, and return it."""
    if not isinstance(target, Tracer):
        if isinstance(target, np.ndarray) and not isinstance(value, Tracer):
            np.copyto(target, value, casting=casting)  # (no traced value: plain NumPy)
            return target
        if isinstance(target, np.ndarray):
            raise plain_target_error(what)
        raise TypeError(f"{what}: out= must be an array, not {type(target).__name__}")
    _refuse_scalar(target, what + ": the output must be an array, not a NumPy scalar ({type})")
    shape = tuple(target.shape)
    value_shape = tuple(np.shape(value))
    if value_shape != shape:
        try:
            broadcast = np.broadcast_shapes(value_shape, shape)
        except ValueError:
            broadcast = None
        if broadcast != shape:
            raise ValueError(
                f"{what}: non-broadcastable output operand with shape {shape} doesn't match "
                f"the broadcast shape {value_shape}"
            )
        value = np.broadcast_to(value, shape)
    write(target, cast_for_write(value, np.dtype(target.dtype), casting, what))
    return target


# ----------------------------------------------------------------------------- item assignment


def setitem(self: Any, index: Any, value: Any) -> None:
    """``x[index] = value``; a traced boolean mask with a scalar value records a ``where``."""
    _refuse_scalar(self, "'{type}' object does not support item assignment")
    fresh(self)
    if type(value) in (list, tuple) and holds_tracer(value):
        value = traced_array(value)  # y[:2] = [x[3], x[4]]
    mask = bool_mask(index)
    if isinstance(value, MaskedSelection):
        if mask is None:
            raise value.error("assigning it to an index that is not a boolean mask")
        if value.mask is not mask:
            mask = same_mask(mask, value.mask)
        value = value.values
    elif mask is None or np.ndim(value) != 0:
        key = _safe_normalize(index)
        if key is not None and is_basic(key) and is_view_of(value, self, ("getitem", key)):
            return  # y[i] = (a view of y[i]): the values are there already (y[1:] += x)
        if key is not None and _copies_within(self, value, _assigner(key), key):
            return
        try:
            new = IndexUpdate(self, index).set(value)
        except ConcreteValueError:  # y[i] = v with i traced by vmap or compile
            new = set_at_traced_index(self, index, value)
        write(self, cast_for_write(new, np.dtype(self.dtype), "unsafe", "item assignment"))
        return
    if tuple(mask.shape) != tuple(self.shape)[: len(mask.shape)]:
        raise IndexError(
            f"boolean index of shape {tuple(mask.shape)} does not match the indexed array "
            f"of shape {tuple(self.shape)}"
        )
    new = np.where(spread(mask, len(self.shape)), value, self)
    write(self, cast_for_write(new, np.dtype(self.dtype), "unsafe", "item assignment"))


# positions of a root's elements, in an integer dtype of the root's item size: NumPy's copy
# loop then sees the strides it sees on the root itself (its order depends on them)
_POSITION_DTYPES = {1: np.int8, 2: np.int16, 4: np.int32, 8: np.int64, 16: np.complex128}


def _copies_within(
    target: Tracer,
    value: Any,
    assign: Callable[[Any, Any], Any],
    key: Any = None,
    refuse: Exception | None = None,
) -> bool:
    """``assign(target, value)`` where ``value`` is a view of ``target``'s own memory, done as
    NumPy does it, if that differs from copying ``value`` first; True if it was done.

    NumPy copies element by element without copying an overlapping source first in several
    writes: into a one-dimensional destination (it only reverses the loop where the source
    starts below the destination), so ``v[::2] = v[:3]`` reads ``v[2]`` after writing it, and
    in ``np.copyto(..., where=)`` and ``np.place``. ``assign`` (a NumPy write of plain arrays)
    is run on the positions of the root's elements, laid out like the root; where the
    positions it leaves differ from those of a copy-first write, the root becomes its
    elements gathered at them (a ``take``: differentiable like any read). ``key``, the basic
    index of an assignment ``target[key] = value``, lets the strides alone rule out most
    cases first; with ``refuse``, a write whose result differs raises that error instead.
    """
    meta = value._alias if isinstance(value, Tracer) else None
    if type(meta) is not View or read_only_error(target) is not None:
        return False  # (a read-only target: the usual path raises NumPy's error)
    own = target._alias
    root = own.root if type(own) is View else target
    if meta.root is not root or value.dtype != target.dtype:
        return False
    chains = (own.chain if type(own) is View else (), meta.chain)
    if any(step.key is None and step.name == "indexing" for c in chains for step in c):
        return False  # a row at an index known only when replayed: no positions to follow
    if any(step.name in ("real", "imag") for c in chains for step in c):
        return False  # (the parts of a complex root: its positions are not theirs)
    layout = layout_of(root)
    if layout is None or tuple(layout.shape) != tuple(root.shape):
        layout = np.empty(root.shape, np.int8)

    def views(base: np.ndarray) -> tuple[Any, Any]:
        destination, source = base, base
        for step in chains[0]:
            destination = step.layout(destination)
        for step in chains[1]:
            source = step.layout(source)
        return destination, source

    try:
        if key is not None and is_basic(key):  # first from the strides (an untouched int8 array)
            destination, source = views(np.empty_like(layout, dtype=np.int8))
            destination = destination[key]
            if (
                np.ndim(destination) != 1  # NumPy copies an overlapping source first
                or not np.may_share_memory(destination, source)
                or (np.ndim(source) == 1 and source.strides == destination.strides)
            ):
                return False
    except (ValueError, IndexError, TypeError):  # NumPy refuses it: the usual path says why
        return False
    size = int(np.prod(root.shape))
    dtype = _POSITION_DTYPES.get(np.dtype(root.dtype).itemsize, np.int64)
    if np.iinfo(np.int64 if dtype is np.complex128 else dtype).max < size:
        dtype = np.int64
    start: np.ndarray = np.empty_like(layout, dtype=dtype)
    start[...] = np.arange(size, dtype=dtype).reshape(root.shape)

    def assigned(copy_first: bool) -> np.ndarray:
        positions = start.copy(order="K")
        destination, source = views(positions)
        assign(destination, source.copy() if copy_first else source)
        return positions

    try:
        looped = assigned(False)
        if np.array_equal(looped, assigned(True)):
            return False
    except (ValueError, IndexError, TypeError):  # NumPy refuses it: the usual path says why
        return False
    if refuse is not None:
        raise refuse
    flat = np.reshape(root, (-1,))
    write(root, np.take(flat, np.asarray(looped.real, dtype=np.intp)))
    return True


def _assigner(key: Any) -> Callable[[Any, Any], None]:
    """``destination[key] = source`` as a function of the two."""

    def assign(destination: Any, source: Any) -> None:
        destination[key] = source

    return assign


def _plain_mask(where: Any) -> Any:
    """The values of a ``where=`` mask, or None for a mask known only when replayed (vmap,
    compile)."""
    if not isinstance(where, Tracer):
        return where
    try:
        return np.asarray(concrete(where))
    except ConcreteValueError:
        return None


OVERLAPPING_MASKED_COPY = (
    "numpy.copyto with where= from an overlapping view of the same array, under vmap or "
    "compile: NumPy copies element by element, so which elements it reads after writing "
    "them depends on the mask's values. Copy the source first "
    "(np.copyto(dst, src.copy(), where=mask)) or use np.where."
)


def _safe_normalize(index: Any) -> Any:
    try:
        return normalize_index(index)
    except (ConcreteValueError, IndexError, TypeError):
        return None


# ----------------------------------------------------------------------------- operators


def ufunc_with_out(
    ufunc: np.ufunc, compute: Callable[[], Any], out: tuple, where: Any, casting: Any = "same_kind"
) -> Any:
    """``ufunc(..., out=out, where=where)``: ``compute()`` gives the result, written into out
    under the ``casting`` rule."""
    result = compute()
    results = result if ufunc.nout > 1 else (result,)
    written = []
    for target, value in zip(out, results, strict=True):
        if target is None:
            written.append(value)
            continue
        if where is not True:
            value = np.where(where, value, target)
        written.append(write_into(target, value, f"ufunc {ufunc.__name__!r}", casting))
    return tuple(written) if ufunc.nout > 1 else written[0]


def inplace(self: Tracer, ufunc: np.ufunc, other: Any) -> Any:
    """``x op= other``: ``np.<ufunc>(x, other, out=x)`` for arrays; a new value for scalars."""
    if isinstance(other, MaskedSelection):
        return NotImplemented  # (its reflected operator writes the selection)
    fresh(self)
    if not is_array_object(self):  # a NumPy scalar: `s += 1` binds a new value to s
        return ufunc(self, other)
    return ufunc_with_out(ufunc, lambda: ufunc(self, other), (self,), True)


def getitem(self: Tracer, index: Any) -> Any:
    """``x[index]``: a view for a basic index; under vmap/compile, a value-dependent boolean
    mask gives a ``MaskedSelection`` that in-place operators write back as a ``where``."""
    selection = masked_selection(self, index)
    return getitem_view(self, index) if selection is None else selection


def _ufunc_at(ufunc: np.ufunc) -> Callable[..., None]:
    """``ufunc.at(a, indices, b)``: unbuffered, so repeated indices apply again each time."""

    def at_handler(a: Any, indices: Any, b: Any = None) -> None:
        if not isinstance(a, Tracer):
            raise plain_target_error(f"numpy.{ufunc.__name__}.at")
        _refuse_scalar(a, "first operand must be array")
        fresh(a)
        update = IndexUpdate(a, indices)
        if ufunc is np.add:
            new = update.add(b)
        elif ufunc is np.subtract:
            new = update.add(np.negative(b))
        elif ufunc is np.multiply:
            new = update.multiply(b)
        elif ufunc is np.minimum:
            new = update.min(b)
        elif ufunc is np.maximum:
            new = update.max(b)
        elif ufunc.nin == 1:
            new = update.combine(0, lambda current, _: ufunc(current))
        else:
            new = update.combine(b, ufunc)
        write(a, cast_for_write(new, np.dtype(a.dtype), "unsafe", f"{ufunc.__name__}.at"))

    at_handler.__name__ = f"{ufunc.__name__}_at"
    return at_handler


# ----------------------------------------------------------------------------- NumPy functions


def _copyto(dst: Any, src: Any, casting: Any = "same_kind", where: Any = True) -> None:
    """``np.copyto``: ``dst[...] = src`` where ``where`` holds, broadcasting ``src``."""
    if isinstance(dst, Tracer) and isinstance(src, Tracer) and type(src._alias) is View:
        mask = _plain_mask(where)
        # a mask known only when replayed: where the full copy differs, some mask does too.
        # (Not a ConcreteValueError: vmap would then run this write once per example, on
        # slices of batch values that no longer share the array's memory.)
        refuse = NotImplementedError(OVERLAPPING_MASKED_COPY) if mask is None else None
        assign = lambda d, s: np.copyto(d, s, where=True if mask is None else mask)
        if _copies_within(dst, src, assign, (Ellipsis,), refuse):
            return
    value = src if where is True else np.where(where, src, dst)
    write_into(dst, value, "numpy.copyto", casting)


def fill(self: Any, value: Any) -> None:
    """``x.fill(value)``: every element becomes ``value``."""
    if np.ndim(value) != 0:
        raise ValueError("fill: the value must be a scalar")
    if numpy_scalar(self):
        # NumPy's scalars are immutable: their fill converts the value (with its errors) and
        # changes nothing (np.sin of a 0-d array is a scalar)
        np.dtype(self.dtype).type(0).fill(0 if isinstance(value, Tracer) else value)
        return
    write_into(self, value, "fill", casting="unsafe")


def _putmask(a: Any, mask: Any, values: Any) -> None:
    """``np.putmask``: ``a.flat[i] = values.flat[i % values.size]`` where ``mask.flat[i]``."""
    _require_traced(a, "numpy.putmask")
    _refuse_scalar(a, "putmask: first argument must be an array")
    shape = tuple(a.shape)
    size = int(np.prod(shape, dtype=np.int64))
    flat_values = np.ravel(values)
    n = int(np.size(flat_values))
    if n == 0:
        return
    repeated = np.reshape(np.take(flat_values, np.arange(size) % n), shape)
    new = np.where(np.broadcast_to(mask, shape), repeated, a)
    write(a, cast_for_write(new, np.dtype(a.dtype), "unsafe", "numpy.putmask"))


def _place(arr: Any, mask: Any, vals: Any) -> None:
    """``np.place``: the True positions of ``mask`` take ``vals`` in order, cycling."""
    _require_traced(arr, "numpy.place")
    _refuse_scalar(arr, "place() argument 1 must be numpy.ndarray, not {type}")
    flat_vals = np.ravel(vals)
    n = int(np.size(flat_vals))
    if np.ndim(vals) == 0 or n == 1:
        _putmask(arr, mask, flat_vals)
        return
    positions = np.flatnonzero(np.ravel(concrete(mask)))
    if positions.size == 0:
        return
    if n == 0:
        raise ValueError("Cannot insert from an empty array!")
    if _copies_within(arr, vals, lambda a, v: np.place(a, concrete(mask), v)):
        return
    _put(arr, positions, np.take(flat_vals, np.arange(positions.size) % n))


def _put(a: Any, ind: Any, v: Any, mode: str = "raise") -> None:
    """``np.put``: ``a.flat[ind] = v`` (``v`` repeated to the length of ``ind``)."""
    _require_traced(a, "numpy.put")
    if numpy_scalar(a):  # NumPy writes into a temporary array: the scalar keeps its value
        return
    size = int(np.prod(a.shape, dtype=np.int64))
    indices = np.ravel(np.asarray(concrete(ind), dtype=np.intp))
    if mode == "raise":
        if np.any((indices >= size) | (indices < -size)):
            raise IndexError(f"index out of range for array of size {size}")
    elif mode == "wrap":
        indices = indices % size
    elif mode == "clip":
        indices = np.clip(indices, 0, size - 1)
    else:
        raise ValueError(f"clipmode must be one of 'clip', 'raise', or 'wrap', not {mode!r}")
    flat_v = np.ravel(v)
    n = int(np.size(flat_v))
    if indices.size == 0 or n == 0:
        return
    values = np.take(flat_v, np.arange(indices.size) % n)
    flat = np.reshape(a, (size,))
    new_flat = IndexUpdate(flat, (indices,)).set(values)
    new = np.reshape(new_flat, tuple(a.shape))
    write(a, cast_for_write(new, np.dtype(a.dtype), "unsafe", "numpy.put"))


def _fill_diagonal(a: Any, val: Any, wrap: bool = False) -> None:
    """``np.fill_diagonal``: the main diagonal (of a square array, or the ``wrap`` rule)."""
    _require_traced(a, "numpy.fill_diagonal")
    shape = tuple(a.shape)
    positions = np.arange(int(np.prod(shape, dtype=np.int64))).reshape(shape)
    np.fill_diagonal(positions, -1, wrap=wrap)  # NumPy picks the positions
    _put(a, np.flatnonzero(positions.ravel() == -1), val)


# ----------------------------------------------------------------------------- creation


def _pure_like(make: Callable[..., Any]) -> Callable[..., Any]:
    """``np.zeros_like(x)`` and friends: a traced constant, so it can be assigned into."""

    def handler(prototype: Any, *args: Any, **kwargs: Any) -> Any:
        plain = prototype
        if isinstance(prototype, Tracer):  # (laid out as the prototype: order 'K' follows it)
            layout = layout_of(prototype)
            plain = shape_stand_in(prototype)
            if layout is not None and not layout.flags.c_contiguous:
                plain = np.empty_like(layout, dtype=prototype.dtype)
        value = make(plain, *[concrete(a) for a in args], **kwargs)
        trace = _top_trace([prototype])
        if trace is None or trace.ended:
            return value
        order = None if value.flags.c_contiguous else np.empty_like(value, dtype=np.int8)
        return mark_array(trace.pure(value), order)

    handler.__name__ = make.__name__
    return handler


def _full_like(a: Any, fill_value: Any, dtype: Any = None, **kwargs: Any) -> Any:
    out = _pure_like(np.zeros_like)(a, dtype=dtype, **kwargs)
    if isinstance(fill_value, Tracer):  # a traced fill value keeps its derivative
        return mark_array(out + fill_value)
    return mark_array(out + np.asarray(fill_value, dtype=dtype or a.dtype))


def _created_like(make: Callable[..., Any]) -> Callable[..., Any]:
    """``np.zeros(shape, like=x)``: NumPy calls us with ``like`` removed."""

    def handler(*args: Any, **kwargs: Any) -> Any:
        value = make(*args, **kwargs)
        traces = [t for t in active_traces() if not t.ended]
        return mark_array(traces[-1].pure(value)) if traces else value

    handler.__name__ = make.__name__
    return handler


def _full(shape: Any, fill_value: Any, dtype: Any = None, **kwargs: Any) -> Any:
    if isinstance(fill_value, Tracer):  # a traced fill value keeps its derivative
        return mark_array(np.zeros(shape, dtype=dtype or fill_value.dtype) + fill_value)
    return np.full(shape, fill_value, dtype=dtype, **kwargs)


def sort(self: Any, axis: int = -1, kind: Any = None, order: Any = None) -> None:
    """``x.sort()``: sorts in place, as ``ndarray.sort``."""
    write(self, np.sort(self, axis=axis, kind=kind, order=order))


def _put_along_axis(arr: Any, indices: Any, values: Any, axis: Any) -> None:
    """``np.put_along_axis``: ``values`` written at ``indices`` along ``axis`` (the slices
    of the other axes in step with those of ``indices``); ``axis=None``: into the
    flattened array."""
    _require_traced(arr, "numpy.put_along_axis")
    try:
        index = np.asarray(concrete(indices))
    except ConcreteValueError as error:
        if getattr(error.trace, "map_examples", None) is None:
            raise
        raise NotImplementedError(  # (one write per example cannot be mapped: not a value)
            "numpy.put_along_axis: indices that differ per example under vmap cannot say "
            "where to write; compute them outside vmap, or write with np.where"
        ) from None
    if not np.issubdtype(index.dtype, np.integer):
        raise IndexError("`indices` must be an integer array")
    shape = tuple(arr.shape)
    if axis is None:
        if index.ndim != 1:
            raise ValueError("when axis=None, `indices` must have a single dimension.")
        size = int(np.prod(shape, dtype=np.int64))
        new = IndexUpdate(np.reshape(arr, (size,)), (index,)).set(values)
        new = np.reshape(new, shape)
    else:
        axis = single_axis(axis, len(shape))
        if index.ndim != len(shape):
            raise ValueError("`indices` and `arr` must have the same number of dimensions")
        ones = (1,) * len(shape)
        fancy = tuple(
            index if d == axis else np.arange(n).reshape(ones[:d] + (-1,) + ones[d + 1 :])
            for d, n in enumerate(shape)
        )
        new = IndexUpdate(arr, fancy).set(values)
    write(arr, cast_for_write(new, np.dtype(arr.dtype), "unsafe", "numpy.put_along_axis"))


def register() -> None:
    """Route NumPy's writing functions and the creation functions to the handlers above."""
    make: Callable[..., Any]
    for make in (np.zeros_like, np.ones_like, np.empty_like):
        NUMPY[make] = _pure_like(make)
    NUMPY[np.full_like] = _full_like
    for make in (np.zeros, np.ones, np.empty, np.eye, np.identity, np.arange):
        NUMPY[make] = _created_like(make)
    NUMPY[np.full] = _created_like(_full)
    NUMPY[np.copyto] = _copyto
    NUMPY[np.putmask] = _putmask
    NUMPY[np.place] = _place
    NUMPY[np.put] = _put
    NUMPY[np.put_along_axis] = _put_along_axis
    NUMPY[np.fill_diagonal] = _fill_diagonal
    for ufunc in {f for f in list(NUMPY) if isinstance(f, np.ufunc)}:
        # (NumPy refuses .at of several outputs or a core signature before any dispatch)
        if ufunc.nout == 1 and ufunc.signature is None:
            UFUNC_METHODS[(ufunc, "at")] = _ufunc_at(ufunc)
