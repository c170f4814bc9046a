"""``y[mask]`` for a boolean mask computed from traced values under vmap and compile.

The number of selected elements is not known while tracing, but in-place arithmetic on the
selection and assignment back (``y[y > 0] *= 2``) are fixed-shape updates: ``where``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..core import ConcreteValueError, Tracer, concrete, per_example_if_needed
from ..ops.indexing import getitem, same_mask


def bool_mask(index: Any) -> Any:
    """The traced boolean array that is the whole index, or ``None``."""
    if type(index) is tuple and len(index) == 1:
        index = index[0]
    if isinstance(index, Tracer) and np.dtype(index.dtype) == np.bool_:
        return index
    return None


def spread(mask: Any, ndim: int) -> Any:
    """``mask`` with trailing axes of length one, to select whole sub-arrays of ``ndim`` dims."""
    extra = ndim - len(mask.shape)
    return np.reshape(mask, tuple(mask.shape) + (1,) * extra) if extra else mask


def _masked_operator(op: Callable[[Any, Any], Any]) -> tuple[Callable, Callable]:
    def forward(self: MaskedSelection, other: Any) -> Any:
        return self._combine(op, other, reflected=False)

    def reflected(self: MaskedSelection, other: Any) -> Any:
        return self._combine(op, other, reflected=True)

    return forward, reflected


class MaskedSelection:
    """``y[mask]`` for a boolean mask whose values are not known while tracing (vmap, compile).

    It stands for the selected elements without their count: in-place arithmetic on it and
    assigning it back (``y[mask] *= 2``, ``y[m] += x[m]``) record a fixed-shape ``where``.
    Any other use makes the selection itself: ``vmap`` then selects example by example, and
    ``compile`` raises ``ConcreteValueError``.
    """

    __slots__ = ("base", "mask", "values")
    __array_priority__ = 2000

    __add__, __radd__ = _masked_operator(np.add)
    __sub__, __rsub__ = _masked_operator(np.subtract)
    __mul__, __rmul__ = _masked_operator(np.multiply)
    __truediv__, __rtruediv__ = _masked_operator(np.true_divide)
    __pow__, __rpow__ = _masked_operator(np.power)
    __iadd__, __isub__, __imul__ = __add__, __sub__, __mul__
    __itruediv__, __ipow__ = __truediv__, __pow__

    def __init__(self, base: Any, mask: Any, values: Any) -> None:
        self.base = base
        self.mask = mask
        self.values = values  # shaped like base; only the selected elements matter

    def error(self, use: str) -> ConcreteValueError:
        trace = self.mask._trace
        return ConcreteValueError(
            trace,
            f"{trace.transform}: y[mask] with a mask computed from traced values has an "
            f"unknown number of elements, so {use} is not possible here. In-place arithmetic "
            "and assignment back (y[mask] *= 2, y[mask] += x[mask]) work; otherwise write "
            "the masked computation with np.where(mask, ..., ...).",
        )

    def selection(self) -> Any:
        """The selected elements themselves (one example at a time under vmap)."""
        try:
            return per_example_if_needed(getitem, (self.values, self.mask), {})
        except ConcreteValueError as error:
            raise self.error("using it other than in place") from error

    def _operand(self, other: Any) -> Any:
        if isinstance(other, MaskedSelection):
            if other.mask is not self.mask:
                self.mask = same_mask(self.mask, other.mask)
            return self._safe(other.values)
        return other if np.ndim(other) == 0 else None

    def _safe(self, values: Any) -> Any:
        # unselected elements become 1, so that no operation below makes inf or NaN there
        return np.where(spread(self.mask, np.ndim(values)), values, 1)

    def _combine(self, op: Callable[[Any, Any], Any], other: Any, reflected: bool) -> Any:
        theirs = self._operand(other)
        if theirs is None:  # an array of the selection's length: needs the selection
            mine = self.selection()
            theirs = other.selection() if isinstance(other, MaskedSelection) else other
            return op(theirs, mine) if reflected else op(mine, theirs)
        mine = self._safe(self.values)
        result = op(theirs, mine) if reflected else op(mine, theirs)
        return MaskedSelection(self.base, self.mask, result)

    def __neg__(self) -> MaskedSelection:
        return MaskedSelection(self.base, self.mask, -self.values)

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        inputs = tuple(x.selection() if isinstance(x, MaskedSelection) else x for x in inputs)
        return getattr(ufunc, method)(*inputs, **kwargs)

    def __array_function__(self, func: Any, types: Any, args: tuple, kwargs: dict) -> Any:
        return func(*_selections(args), **kwargs)

    def __array__(self, *args: Any, **kwargs: Any) -> Any:
        return np.asarray(self.selection(), *args, **kwargs)

    def __getattr__(self, name: str) -> Any:  # .shape, .sum(), ... of the selection
        return getattr(self.selection(), name)

    def __getitem__(self, index: Any) -> Any:
        return self.selection()[index]

    def __len__(self) -> int:
        return len(self.selection())

    def __iter__(self) -> Any:
        return iter(self.selection())


def _selections(args: Any) -> Any:
    """``args`` with every ``MaskedSelection`` (also inside lists and tuples) made concrete."""
    if isinstance(args, MaskedSelection):
        return args.selection()
    if type(args) in (list, tuple):
        return type(args)(_selections(a) for a in args)
    return args


def masked_selection(x: Any, index: Any) -> MaskedSelection | None:
    """``x[index]`` as a ``MaskedSelection`` if ``index`` is a boolean mask of opaque values."""
    mask = bool_mask(index)
    if mask is None or not isinstance(x, Tracer):
        return None
    try:
        concrete(mask)
    except ConcreteValueError:
        return MaskedSelection(x, mask, x)
    return None
