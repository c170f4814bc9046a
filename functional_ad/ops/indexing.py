"""Indexing: getitem and its transpose index_add (repeated indices accumulate).

An index is normalised once into a tuple of ints, slices, ``None``, ``Ellipsis`` and concrete
integer or boolean arrays; it is then a parameter of the primitive, never a traced value.
Indices carry no derivative: integer or boolean traced values are lowered to their concrete
value, and a traced float used as an index is refused as NumPy refuses a float array.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core import ConcreteValueError, Primitive, Tracer, concrete
from . import series
from .batching import broadcast_batch, to_rank
from .registry import no_derivative, primitive, shape_of, unbroadcast

FAMILY = "indexing"


# ---------------------------------------------------------------- batch rules (vmap)


def _advanced_positions(index: tuple) -> list[int]:
    return [k for k, i in enumerate(index) if isinstance(i, np.ndarray)]


def _batched_index(index: tuple) -> tuple[tuple, int]:
    """Prefix ``index`` with the batch slice; return it and where NumPy puts the batch axis.

    NumPy moves the dimensions of separated advanced indices to the front, in which case the
    batch axis lands right after them.
    """
    new = (slice(None),) + tuple(index)
    adv = _advanced_positions(index)
    if len(adv) > 1 and adv[-1] - adv[0] + 1 != len(adv):
        arrays = [index[k] for k in adv]
        adv_ndim = np.broadcast_shapes(
            *[np.nonzero(a)[0].shape if a.dtype == bool else a.shape for a in arrays]
        )
        return new, len(adv_ndim)
    return new, 0


def _getitem(prim: Primitive, size: int, vals: list, batched: tuple, index: tuple) -> Any:
    new, axis = _batched_index(index)
    out = prim(vals[0], index=normalize_index(new))
    return np.moveaxis(out, axis, 0) if axis else out


def batch_index_update(prim: Primitive, size: int, vals: list, batched: tuple, index: tuple) -> Any:
    base, v = vals
    base = base if batched[0] else broadcast_batch(base, size)
    new, axis = _batched_index(index)
    if batched[1]:
        slot_ndim = np.ndim(np.empty(np.shape(base)[1:], np.int8)[index])
        v = to_rank(v, slot_ndim)
        if axis:
            v = np.moveaxis(v, 0, axis)
    return prim(base, v, index=normalize_index(new))


def _embed(
    prim: Primitive, size: int, vals: list, batched: tuple, index: tuple, shape: tuple
) -> Any:
    (v,) = vals
    new, axis = _batched_index(index)
    slot_ndim = np.ndim(np.empty(shape, np.int8)[index])
    v = to_rank(v, slot_ndim)
    if axis:
        v = np.moveaxis(v, 0, axis)
    return prim(v, index=normalize_index(new), shape=(size,) + tuple(shape))


def _index_array(i: Any) -> Any:
    """A concrete index array (or int / bool) from a tracer, array or list."""
    if isinstance(i, Tracer):
        value = np.asarray(concrete(i))
        if value.dtype.kind not in "iub":
            raise IndexError(
                f"a traced value of dtype {value.dtype} cannot be used as an index: only "
                "integer or boolean arrays are valid indices, and indices carry no derivative. "
                "Compute the index from concrete values (e.g. np.argmax(x) or "
                "stop_gradient(x).astype(int))."
            )
    elif isinstance(i, (list, tuple)):  # a sequence inside the index tuple indexes like an array
        value = np.asarray(_deep_concrete(i)) if i else np.asarray(i, dtype=np.intp)
        if value.dtype.kind not in "iub":
            raise IndexError(
                f"a sequence of {value.dtype} values cannot be an index: only "
                "integers or booleans are valid indices"
            )
    else:
        value = i
    if value.ndim == 0:  # a 0-d integer or boolean array indexes like a Python int / bool
        return bool(value) if value.dtype.kind == "b" else int(value)
    return value


def _deep_concrete(x: Any) -> Any:
    """Nested lists and tuples with every traced element replaced by its concrete value."""
    if isinstance(x, (list, tuple)):
        return [_deep_concrete(e) for e in x]
    return concrete(x)


def _bound(b: Any) -> Any:
    """A slice bound with any tracer replaced by its (integer) concrete value."""
    if isinstance(b, Tracer):
        b = _index_array(b)
        if not isinstance(b, (int, bool)):
            raise IndexError("slice bounds must be integers or None")
    return b


_PLAIN_BOUNDS = frozenset({int, type(None)})


def _plain_index(index: Any) -> tuple | None:
    """``index`` as a tuple if it holds only ints, slices of int bounds, None and Ellipsis
    (already normalized: the common case, checked without converting anything), else None."""
    parts = index if type(index) is tuple else (index,)
    for i in parts:
        kind = type(i)
        if kind is slice:
            if not (
                type(i.start) in _PLAIN_BOUNDS
                and type(i.stop) in _PLAIN_BOUNDS
                and type(i.step) in _PLAIN_BOUNDS
            ):
                return None
        elif kind is not int and i is not None and i is not Ellipsis:
            return None
    return parts


def normalize_index(index: Any) -> tuple:
    """An index as a tuple of ints, slices, None, Ellipsis and concrete NumPy arrays."""
    plain = _plain_index(index)
    if plain is not None:
        return plain
    if not isinstance(index, tuple):
        index = (index,)
    out = []
    for i in index:
        if isinstance(i, (list, tuple, np.ndarray, Tracer)):
            i = _index_array(i)
        elif isinstance(i, slice) and any(isinstance(b, Tracer) for b in (i.start, i.stop, i.step)):
            i = slice(_bound(i.start), _bound(i.stop), _bound(i.step))
        elif isinstance(i, np.integer):
            i = int(i)
        elif isinstance(i, np.bool_):
            i = bool(i)
        out.append(i)
    return tuple(out)


def is_basic(index: tuple) -> bool:
    """True if ``index`` selects without integer or boolean arrays (no repeats possible)."""
    return not any(isinstance(i, np.ndarray) for i in index)


def _index_add_impl(base: Any, v: Any, index: tuple) -> Any:
    out = np.array(base, copy=True)
    if is_basic(index):
        out[index] += v
    else:
        np.add.at(out, index, v)
    return out


# index_add(base, v) = base + (v scattered at index): linear in both arguments
def _index_add_jvp(tangents: Any, y: Any, base: Any, v: Any, index: tuple) -> Any:
    # linear in both: the same update applied to the tangents
    base_dot, v_dot = tangents
    if v_dot is None:
        return base_dot
    if base_dot is None:
        return embed(v_dot, index=index, shape=shape_of(y))
    return index_add(base_dot, v_dot, index=index)


index_add: Primitive = primitive(
    "index_add",
    _index_add_impl,
    jvp_joint=_index_add_jvp,
    vjp=(
        lambda g, y, base, v, index: g,
        lambda g, y, base, v, index: unbroadcast(getitem(g, index), v),
    ),
    reads=((), ()),
    family=FAMILY,
    batch=batch_index_update,
    jet=series.linear_rule,
)


def _embed_impl(v: Any, index: tuple, shape: tuple) -> Any:
    span = _leading_span(index, shape)
    if span is not None:  # a block of whole rows: only the rows outside it need zeros
        start, stop = span
        out = np.empty(shape, dtype=np.result_type(v))
        out[:start] = 0
        out[start:stop] = v
        out[stop:] = 0
        return out
    out = np.zeros(shape, dtype=np.result_type(v))
    if is_basic(index):
        out[index] = v
    else:
        np.add.at(out, index, v)
    return out


def _leading_span(index: tuple, shape: tuple) -> tuple[int, int] | None:
    """``(start, stop)`` if ``index`` selects the rows ``start:stop`` of axis 0 and whole
    trailing axes (``x[1:]``, ``x[:-1, :]``, ``x[2:5, ...]``), else ``None``."""
    if not index or not shape or not isinstance(index[0], slice):
        return None
    if not all(i is Ellipsis or (isinstance(i, slice) and i == slice(None)) for i in index[1:]):
        return None
    start, stop, step = index[0].indices(shape[0])
    return (start, max(start, stop)) if step == 1 else None


# embed(v) = zeros of ``shape`` with v added at ``index``: index_add into zeros without
# building (and copying) the zeros as an argument; it is the transpose of getitem
embed: Primitive = primitive(
    "embed",
    _embed_impl,
    jvp=lambda t, y, v, index, shape: embed(t, index=index, shape=shape),
    vjp=lambda g, y, v, index, shape: unbroadcast(getitem(g, index), v),
    reads=((),),
    family=FAMILY,
    batch=_embed,
    jet=series.linear_rule,
)


def _getitem_vjp(g: Any, y: Any, x: Any, index: tuple) -> Any:
    # scatter the cotangent back; repeated integer indices add up
    return embed(g, index=index, shape=shape_of(x))


getitem_p = primitive(
    "getitem",
    lambda x, index: x[index],
    jvp=lambda t, y, x, index: getitem(t, index),
    vjp=_getitem_vjp,
    reads=((),),
    family=FAMILY,
    batch=_getitem,
    jet=series.linear_rule,
)


def getitem(x: Any, index: Any) -> Any:
    """``x[index]`` for basic and advanced indices (slices, None, Ellipsis, int/bool arrays).

    An integer index array whose values are unknown while tracing (batched by ``vmap``,
    recorded by ``compile``) on one axis becomes a ``take`` with the indices as an argument.
    """
    plain = _plain_index(index)
    if plain is not None:
        return getitem_p(x, index=plain)
    parts = index if isinstance(index, tuple) else (index,)
    if any(_replayed(i) for i in parts):  # a recorded graph must not keep today's index
        axis = _single_traced_axis(x, index)
        if axis is not None:
            return _take(x, parts, axis)
    try:
        return getitem_p(x, index=normalize_index(index))
    except ConcreteValueError:
        axis = _single_traced_axis(x, index)
        if axis is None:
            raise
        return _take(x, parts, axis)


def _take(x: Any, parts: tuple, axis: int) -> Any:
    from .gather import take

    return take(x, next(i for i in parts if isinstance(i, Tracer)), axis=axis)


def _replayed(i: Any) -> bool:
    """True if ``i`` is traced by a trace that replays its recording (make_graph, compile)."""
    while isinstance(i, Tracer):
        if i._trace.replays:
            return True
        i = i._value
    return False


def _single_traced_axis(x: Any, index: Any) -> int | None:
    """The axis of the one traced integer index in ``index`` if the rest takes whole axes."""
    parts = index if isinstance(index, tuple) else (index,)
    traced = [k for k, i in enumerate(parts) if isinstance(i, Tracer)]
    if len(traced) != 1 or np.dtype(parts[traced[0]].dtype).kind not in "iu":
        return None
    k = traced[0]
    whole = [p is Ellipsis or (isinstance(p, slice) and p == slice(None)) for p in parts]
    if not all(w for j, w in enumerate(whole) if j != k):
        return None
    if Ellipsis in parts[k + 1 :]:
        return None
    before = parts[:k]
    if Ellipsis in before:  # the index counts from the end
        return np.ndim(x) - (len(parts) - k)
    return k


def _checked_index_impl(i: Any, size: int) -> Any:
    i = np.asarray(i)
    if np.any((i < -size) | (i >= size)):
        raise IndexError(f"index {i} is out of bounds for axis with size {size}")
    return np.remainder(i, size)


# an integer index known only when run (vmap, compile), checked as NumPy checks it
checked_index = no_derivative(
    "checked_index",
    _checked_index_impl,
    batch=lambda prim, n, vals, batched, size: prim(vals[0], size=size),
    family=FAMILY,
)


def _same_mask_impl(mask: Any, other: Any) -> Any:
    if not np.array_equal(mask, other):
        raise ValueError(
            "y[mask1] combined with x[mask2] under vmap or compile: the two boolean masks "
            "differ, so the selections cannot be paired element by element. Compute the mask "
            "once (m = y > 0) and use it on both sides, or write np.where(m, ..., ...)."
        )
    return mask


def _same_mask_batch(prim: Primitive, size: int, vals: list, batched: tuple) -> Any:
    full = [
        v if b else np.broadcast_to(v, (size, *np.shape(v)))
        for v, b in zip(vals, batched, strict=True)
    ]
    return prim(*full)


# two masks computed from traced values that a program pairs (y[m1] += x[m2]): checked equal
# when the program runs, since their values are not known while tracing
same_mask = no_derivative("same_mask", _same_mask_impl, batch=_same_mask_batch, family=FAMILY)


def set_at_traced_index(x: Any, index: Any, value: Any) -> Any:
    """``x`` with ``x[index] = value`` where ``index`` holds one traced integer that picks along
    one axis (``y[i] = v`` with ``i = np.argmax(...)`` under vmap or compile): a ``where``.

    Raises ``ConcreteValueError`` for other indices that need the traced values.
    """
    parts = index if isinstance(index, tuple) else (index,)
    found = _single_traced_axis(x, index)
    traced = next(p for p in parts if isinstance(p, Tracer))
    if found is None or traced.shape != ():
        concrete(traced)  # raises the trace's ConcreteValueError
    axis = int(found)  # type: ignore[arg-type]
    shape = shape_of(x)
    n = shape[axis]
    i = checked_index(traced, size=n)
    positions = np.arange(n).reshape((n,) + (1,) * (len(shape) - axis - 1))
    hit = np.equal(positions, i)
    picked = shape[:axis] + shape[axis + 1 :]
    return np.where(hit, np.expand_dims(np.broadcast_to(value, picked), axis), x)


def take_along(x: Any, indices: Any, axis: int) -> Any:
    """``x`` gathered at integer ``indices`` along ``axis``: the indices' shape replaces it."""
    return getitem(x, (slice(None),) * axis + (np.asarray(indices),))
