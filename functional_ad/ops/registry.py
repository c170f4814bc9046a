"""The registry: every primitive by name, and the NumPy functions routed to handlers."""

from __future__ import annotations

import dis
import inspect
import sys
from collections.abc import Callable, Sequence
from typing import Any, SupportsIndex, overload

import numpy as np

from ..core import Primitive, Rule, Tracer
from ..numpy.registry import NUMPY, UFUNC_METHODS, implements  # noqa: F401  (moving to the front end)

PRIMITIVES: dict[str, Primitive] = {}


def _family() -> str:
    """The ops/ module declaring the primitive (for error messages and coverage)."""
    return sys._getframe(2).f_globals.get("__name__", "").rsplit(".", 1)[-1]


def primitive(
    name: str,
    impl: Callable[..., Any],
    jvp: Rule | Sequence[Rule | None] | None = None,
    vjp: Rule | Sequence[Rule | None] | None = None,
    **kwargs: Any,
) -> Primitive:
    """Declare and register a primitive (see ``core.Primitive`` for the rule conventions)."""
    if name in PRIMITIVES:
        raise ValueError(f"primitive {name!r} is declared twice")
    prim = Primitive(name, impl, jvp, vjp, **kwargs)
    prim.family = _family()
    PRIMITIVES[name] = prim
    return prim


def no_derivative(name: str, impl: Callable[..., Any], **kwargs: Any) -> Primitive:
    """Declare a primitive whose result is a constant for every transform (floor, argmax)."""
    prim = Primitive(name, impl, **kwargs)
    prim.family = _family()
    PRIMITIVES[name] = prim
    return prim


_LOADS = {
    "LOAD_FAST",
    "LOAD_DEREF",
    "LOAD_CLOSURE",
    "LOAD_CLASSDEREF",
    "LOAD_FAST_CHECK",
    "LOAD_FAST_LOAD_FAST",
    "LOAD_FAST_AND_CLEAR",
    "LOAD_FAST_BORROW",
    "LOAD_FAST_BORROW_LOAD_FAST_BORROW",
}


def reads_of(fn: Callable[..., Any], positions: Sequence[int | None]) -> tuple[int, ...] | None:
    """Which values ``fn`` reads: its ``i``-th parameter stands for value ``positions[i]``
    (``None``: not a value). ``None`` if unsure (no code object, or ``*args``).

    Used to declare ``Primitive.reads`` for rules built from a derivative function, whatever
    its parameters are called: a parameter the code never loads is a value the reverse pass
    need not keep.
    """
    code = getattr(fn, "__code__", None)
    if code is None or code.co_flags & inspect.CO_VARARGS:
        return None
    loaded: set[str] = set()
    for instruction in dis.get_instructions(code):
        if instruction.opname in _LOADS:
            value = instruction.argval
            loaded.update(value if isinstance(value, tuple) else (value,))
    names = code.co_varnames[: code.co_argcount]
    return tuple(
        sorted(
            p for name, p in zip(names, positions, strict=False) if p is not None and name in loaded
        )
    )


def shape_of(x: Any) -> tuple[int, ...]:
    """The shape of an array, tracer or Python number."""
    return x.shape if hasattr(x, "shape") else np.shape(x)


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


def scaled_product(c: float, a: Any, b: Any) -> Any:
    """``c * a * b`` with the scalar ``c`` applied where it costs least.

    A plain array is scaled before a traced one (a traced product computes tangents too), and
    of two alike the smaller is scaled: in ``hvp`` the cotangent ``g`` of ``x**2`` is constant
    and ``x`` carries a tangent, so ``(2 * g) * x`` saves a tangent product over ``g * (2 * x)``.
    """
    if isinstance(a, Tracer) is not isinstance(b, Tracer):
        return (c * a) * b if isinstance(b, Tracer) else a * (c * b)
    return (c * a) * b if getattr(a, "size", 1) <= getattr(b, "size", 1) else a * (c * b)


@overload
def normalize_axis(axis: None, ndim: int) -> None: ...
@overload
def normalize_axis(axis: SupportsIndex | Sequence[SupportsIndex], ndim: int) -> tuple[int, ...]: ...
def normalize_axis(axis: Any, ndim: int) -> tuple[int, ...] | None:
    """``axis`` as a sorted tuple of non-negative ints (``None`` stays ``None``)."""
    if axis is None:
        return None
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    out = []
    for a in axes:
        a = int(a)
        if not -ndim <= a < max(ndim, 1):
            raise np.exceptions.AxisError(a, ndim)
        out.append(a % ndim if ndim else 0)
    return tuple(sorted(out))
