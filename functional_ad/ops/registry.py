"""The registry: every primitive by name, and the NumPy functions routed to handlers."""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from typing import Any, SupportsIndex, overload

import numpy as np

from ..core import Primitive, Rule, Tracer

PRIMITIVES: dict[str, Primitive] = {}


def _register(prim: Primitive) -> Primitive:
    if prim.name in PRIMITIVES:
        raise ValueError(f"primitive {prim.name!r} is declared twice")
    PRIMITIVES[prim.name] = prim
    return prim


def primitive(
    name: str,
    impl: Callable[..., Any],
    jvp: Rule | Sequence[Rule | None] | None = None,
    vjp: Rule | Sequence[Rule | None] | None = None,
    *,
    family: str,
    batch: Rule,
    reads: Sequence[Sequence[int]] | None,
    **kwargs: Any,
) -> Primitive:
    """Declare and register a differentiable primitive, complete: its rules, its family, its
    batch rule and what each vjp rule reads (see ``core.Primitive``). ``reads=None`` keeps
    every value, for primitives of any number of arguments (``concatenate``).

    >>> import numpy as np
    >>> from functional_ad.ops.batching import batch_elementwise
    >>> cube = primitive("doc_cube", lambda x: x**3, jvp=lambda t, y, x: 3 * x * x * t,
    ...                  vjp=lambda g, y, x: 3 * x * x * g, family="doc",
    ...                  batch=batch_elementwise, reads=((0,),))
    >>> cube.reads, PRIMITIVES.pop("doc_cube") is cube
    (((0,),), True)
    """
    return _register(
        Primitive(name, impl, jvp, vjp, family=family, batch=batch, reads=reads, **kwargs)
    )


def no_derivative(
    name: str, impl: Callable[..., Any], *, family: str, batch: Rule, **kwargs: Any
) -> Primitive:
    """Declare and register a primitive whose result is a constant for every transform
    (floor, argmax): no rules, nothing read; its family and batch rule.

    >>> import numpy as np
    >>> from functional_ad.ops.batching import batch_elementwise
    >>> p = no_derivative("doc_floor", np.floor, family="doc", batch=batch_elementwise)
    >>> p.differentiable, PRIMITIVES.pop("doc_floor") is p
    (False, True)
    """
    return _register(Primitive(name, impl, family=family, batch=batch, **kwargs))


def shape_of(x: Any) -> tuple[int, ...]:
    """The shape of an array, tracer or Python number."""
    return x.shape if hasattr(x, "shape") else np.shape(x)


def dtype_of(x: Any) -> np.dtype:
    """The dtype of an array, tracer, Python number or list of numbers.

    >>> dtype_of(np.ones(2, np.float32)), dtype_of([1, 2]), dtype_of(1.5)
    (dtype('float32'), dtype('int64'), dtype('float64'))
    """
    return np.dtype(x.dtype) if hasattr(x, "dtype") else np.asarray(x).dtype


def at_least_double(x: Any) -> Any:
    """``x`` in at least double precision, as SciPy's distributions and ``det`` compute
    (float32 data gives float64, complex64 complex128); other values as they are.

    >>> at_least_double(np.float32([0.5])).dtype, at_least_double(2)
    (dtype('float64'), 2)
    """
    dtype = getattr(x, "dtype", None)
    if dtype is None or np.dtype(dtype).kind not in "fc":
        return x
    wider = np.promote_types(dtype, np.float64)
    return x if wider == dtype else x.astype(wider)


def unbroadcast(g: Any, x: Any) -> Any:
    """Sum ``g`` over the axes along which ``x`` was broadcast, giving ``x``'s shape."""
    try:  # the common case, kept fast: nothing was broadcast
        if g.shape == x.shape:
            return g
    except AttributeError:
        pass
    shape = shape_of(x)
    g_shape = shape_of(g)
    if g_shape == shape:
        return g
    lead = len(g_shape) - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and g_shape[lead + i] != 1
    )
    if axes:
        g = np.sum(g, axis=axes)
    return np.reshape(g, shape) if shape_of(g) != shape else g


def broadcast_like(t: Any, y: Any) -> Any:
    """Broadcast tangent ``t`` to the shape of ``y`` if it differs."""
    try:  # the common case, kept fast: same shape
        if t.shape == y.shape:
            return t
    except AttributeError:
        pass
    shape = shape_of(y)
    return t if shape_of(t) == shape else np.broadcast_to(t, shape)


_SCALARS = frozenset({float, int, np.float64, np.float32, np.float16})


def _uniform(a: np.ndarray) -> bool:
    """A view holding one value broadcast (all strides zero): a sum's cotangent."""
    return a.base is not None and a.size > 1 and not any(a.strides)


def _one(a: np.ndarray) -> np.ndarray:
    """The first element of ``a`` as an array of ``a``'s dtype and rank: an operation on it
    computes and promotes exactly as on ``a`` (whatever NumPy's promotion rules)."""
    return a[(slice(0, 1),) * a.ndim]


def broadcast_one(a: Any, shape: tuple) -> Any:
    """``np.broadcast_to(a, shape)`` for ``a`` of one element: a read-only view with every
    stride zero. A plain array is viewed directly (NumPy's function costs four times more).

    >>> r = broadcast_one(np.array(2.0), (2, 3))
    >>> r.strides, r.flags.writeable, float(r[1, 2])
    ((0, 0), False, 2.0)
    """
    if type(a) is np.ndarray and a.size == 1 and a.ndim <= len(shape) and 0 not in shape:
        view = np.ndarray(shape, a.dtype, a, 0, (0,) * len(shape))
        view.flags.writeable = False
        return view
    return np.broadcast_to(a, shape)


def product(a: Any, b: Any) -> Any:
    """``a * b``. A plain array holding one value broadcast (the cotangent of a sum, of a
    mean) times a real scalar, in either order, gives that value times the scalar broadcast
    the same way: one multiplication instead of one per element.

    >>> g = np.broadcast_to(np.float64(1.0), (3,))
    >>> r = product(2, g)
    >>> r, r.strides
    (array([2., 2., 2.]), (0,))
    """
    if type(a) is np.ndarray:
        if type(b) in _SCALARS and _uniform(a):
            return broadcast_one(_one(a) * b, a.shape)
    elif type(b) is np.ndarray and type(a) in _SCALARS and _uniform(b):
        return broadcast_one(a * _one(b), b.shape)
    return a * b


def negated(a: Any) -> Any:
    """``-a``, of a plain array holding one value broadcast: that value negated, broadcast the
    same way (see ``product``).

    >>> negated(np.broadcast_to(np.float64(1.5), (2, 2))).strides
    (0, 0)
    """
    if type(a) is np.ndarray and _uniform(a):
        return broadcast_one(-_one(a), a.shape)
    return -a


def scaled_product(c: float, a: Any, b: Any) -> Any:
    """``c * a * b`` with the scalar ``c`` applied where it costs least.

    A plain array is scaled before a traced one (a traced product computes tangents too), and
    of two alike the smaller is scaled: in ``hvp`` the cotangent ``g`` of ``x**2`` is constant
    and ``x`` carries a tangent, so ``(2 * g) * x`` saves a tangent product over ``g * (2 * x)``.
    Two traced arrays of one size are multiplied first and the product scaled: as many
    operations, but the scaled factor is not held beside both operands and their product.
    """
    if isinstance(a, Tracer) is not isinstance(b, Tracer):
        return product(c, a) * b if isinstance(b, Tracer) else a * product(c, b)
    a_size, b_size = getattr(a, "size", 1), getattr(b, "size", 1)
    if a_size == b_size and isinstance(a, Tracer):
        return (a * b) * c
    return product(c, a) * b if a_size <= b_size else a * product(c, b)


@overload
def normalize_axis(axis: None, ndim: int) -> None: ...
@overload
def normalize_axis(axis: SupportsIndex | Sequence[SupportsIndex], ndim: int) -> tuple[int, ...]: ...
def normalize_axis(axis: Any, ndim: int) -> tuple[int, ...] | None:
    """``axis`` as a sorted tuple of non-negative ints (``None`` stays ``None``), with
    NumPy's errors: ``TypeError`` for an axis that is not an integer (a float, a string),
    ``AxisError`` out of range, ``ValueError`` for an axis named twice.

    >>> normalize_axis((-1, 0), 3)
    (0, 2)
    >>> normalize_axis((0, -3), 3)
    Traceback (most recent call last):
    ...
    ValueError: duplicate value in 'axis'
    """
    if axis is None:
        return None
    return tuple(sorted(ordered_axes(axis, ndim, "duplicate value in 'axis'")))


def accumulation_axis(axis: Any, ndim: int) -> int:
    """The axis of a running sum or product (``ufunc.accumulate``, ``np.cumulative_sum``):
    one axis, given alone or in a tuple (``None``: the one axis of a 1-d array), as NumPy
    takes it.

    >>> accumulation_axis((1,), 2)
    1
    """
    if axis is None:
        axis = tuple(range(ndim))
    if isinstance(axis, tuple):
        if len(axis) != 1:
            raise ValueError("accumulate does not allow multiple axes")
        (axis,) = axis
    return single_axis(axis, ndim)


def ordered_axes(axis: Any, ndim: int, repeated: str) -> tuple[int, ...]:
    """One axis or a tuple or list of them as non-negative ints in the order given (the
    ``source`` of ``np.moveaxis``), with ``single_axis``'s errors and ``ValueError(repeated)``
    for an axis named twice.

    >>> ordered_axes([2, -3], 3, "repeated axis")
    (2, 0)
    """
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    out = tuple(single_axis(a, ndim) for a in axes)
    if len(set(out)) != len(out):
        raise ValueError(repeated)
    return out


def single_axis(axis: Any, ndim: int) -> int:
    """One ``axis`` as a non-negative int, with NumPy's errors: ``TypeError`` for anything
    but an integer (a tuple where one axis is taken, a float, a string), and ``AxisError``
    out of range. A 0-d array takes axis 0 or -1, as NumPy's reductions do.

    >>> single_axis(-1, 3)
    2
    >>> single_axis((0, 1), 3)
    Traceback (most recent call last):
    ...
    TypeError: 'tuple' object cannot be interpreted as an integer
    """
    a = operator.index(axis)
    if not -max(ndim, 1) <= a < max(ndim, 1):
        raise np.exceptions.AxisError(a, ndim)
    return a % ndim if ndim else 0
