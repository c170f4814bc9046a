"""NumPy protocol hooks and Python operators on tracers, routing np.* calls to primitives."""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from ..core import (
    SCIPY_HINT,
    Primitive,
    Tracer,
    concrete,
    per_example_if_needed,
    register_front_end,
)
from ..core.views import fresh_args, new_arrays, record_numpy_layout
from ..graph import shape_stand_in
from ..ops import elementwise as ew
from ..ops.constants import CONSTANTS
from ..ops.registry import dtype_of, single_axis
from .registry import NUMPY, UFUNC_METHODS


def ufunc_primitives() -> dict[Any, Primitive]:
    """The ufuncs that map straight onto a primitive (the tracer's hot path binds them)."""
    return {f: h for f, h in NUMPY.items() if isinstance(f, np.ufunc) and isinstance(h, Primitive)}


def _ufunc_name(ufunc: np.ufunc) -> str:
    """``numpy.sin`` or ``scipy.special.ellipk``: where the user found the ufunc."""
    special = sys.modules.get("scipy.special")
    if special is not None and getattr(special, ufunc.__name__, None) is ufunc:
        return f"scipy.special.{ufunc.__name__}"
    return f"numpy.{ufunc.__name__}"


def _no_rule(name: str) -> NotImplementedError:
    return NotImplementedError(
        f"{name} has no derivative rule in functional_ad and was called with a traced value. "
        "Define one with functional_ad.custom_vjp / custom_jvp, or take the value out of the "
        "computation with stop_gradient; `python -m functional_ad coverage` lists what is "
        "supported. " + SCIPY_HINT
    )


def array_ufunc(self: Tracer, ufunc: np.ufunc, method: str, inputs: tuple, kwargs: dict) -> Any:
    """``__array_ufunc__`` of tracers, past the fast path of ``Tracer``: keywords, ``out=``,
    ``where=``, the ufunc methods (``reduce``, ``accumulate``, ``at``...)."""
    fresh_args(inputs)
    out = kwargs.pop("out", None)
    if out is not None:  # out= is a write: compute, then write into each output array
        from .mutation import ufunc_with_out

        # (a reduction's where= masks what it reduces, not what it writes)
        where = True if method == "reduce" else kwargs.pop("where", True)
        fresh_args(out)

        def compute() -> Any:
            result = array_ufunc(self, ufunc, method, inputs, kwargs)
            accumulates = method in ("reduce", "accumulate") and len(out) == 1
            wider = _accumulator(kwargs, result, out[0]) if accumulates else None
            if wider is None:  # (NumPy reduces in a wider out's dtype)
                return result
            return array_ufunc(self, ufunc, method, inputs, {**kwargs, "dtype": wider})

        return ufunc_with_out(ufunc, compute, out, where, kwargs.get("casting", "same_kind"))
    if method != "reduce":  # (a reduction's where= leaves elements out of it: its handler's)
        if kwargs.get("where", True) is not True:
            raise NotImplementedError(
                f"numpy.{ufunc.__name__}: where= without out= leaves the other elements "
                "uninitialised; pass out= as well (out=np.zeros_like(x), where=mask) or use "
                "np.where"
            )
        kwargs.pop("where", None)
    if method == "__call__":
        handler = NUMPY.get(ufunc)
        if handler is None and register_scipy():
            handler = NUMPY.get(ufunc)
        if handler is None:
            raise _no_rule(_ufunc_name(ufunc))
        dtype = kwargs.pop("dtype", None)
        casting = kwargs.pop("casting", None)
        if dtype is not None or casting is not None:
            _check_casting(ufunc, inputs, dtype, casting)
        if dtype is not None:
            inputs = tuple(
                np.asarray(x).astype(dtype) if not isinstance(x, Tracer) else x.astype(dtype)
                for x in inputs
            )
        if kwargs and isinstance(handler, Primitive):  # a plain ufunc takes no more keywords
            raise NotImplementedError(
                f"numpy.{ufunc.__name__}: arguments {sorted(kwargs)} are not supported "
                "with traced values"
            )
        return per_example_if_needed(handler, inputs, kwargs)  # gufuncs: axis=, axes=...
    handler = UFUNC_METHODS.get((ufunc, method))
    if handler is None:
        raise _no_rule(f"{_ufunc_name(ufunc)}.{method}")
    result = new_arrays(per_example_if_needed(handler, inputs, kwargs), inputs, kwargs)
    record_numpy_layout(result, getattr(ufunc, method), inputs, kwargs)  # (accumulate of x.T)
    return result


def _check_casting(ufunc: np.ufunc, inputs: tuple, dtype: Any, casting: Any) -> None:
    """NumPy's own casting check of a ufunc call with ``dtype=`` or ``casting=``, asked on
    empty arrays of the operands' dtypes (Python numbers kept as they are: NEP 50 weak): its
    ``UFuncTypeError`` where the rule (``'same_kind'`` by default) refuses a cast."""
    stand_ins = [
        x if type(x) in (bool, int, float, complex) else np.empty(0, dtype_of(x)) for x in inputs
    ]
    options = {"dtype": dtype} if dtype is not None else {}
    if casting is not None:
        options["casting"] = casting
    ufunc(*stand_ins, **options)


def register_scipy() -> bool:
    """Register scipy.special the first time an unknown function is met; True if it was new."""
    from ..ops import special
    from . import scipy_special

    if special.PRIMITIVES_BY_NAME or not scipy_special.register():
        return False
    register_front_end(ufunc_primitives())
    return True


def array_function(self: Tracer, func: Any, types: Any, args: tuple, kwargs: dict) -> Any:
    """``__array_function__`` of tracers: the handler registered for ``func``."""
    fresh_args(args)
    if kwargs.get("out") is not None:  # out= is a write: compute, then write into it
        from .mutation import write_into

        kwargs = dict(kwargs)
        out = kwargs.pop("out")
        fresh_args((out,))
        if func in (np.concatenate, np.stack) and isinstance(out, Tracer):
            if args and not isinstance(args[0], (list, tuple)):
                args = (list(args[0]),) + args[1:]  # (a generator is read once)
            if _join_into(func, out, args, kwargs):
                return out
        result = array_function(self, func, types, args, kwargs)
        wider = _accumulator(kwargs, result, out) if func in _ACCUMULATING else None
        if wider is not None:  # (NumPy accumulates in a wider out's dtype)
            result = array_function(self, func, types, args, {**kwargs, "dtype": wider})
        casting = kwargs.get("casting", "unsafe" if func in _REDUCTIONS else "same_kind")
        return write_into(out, result, f"numpy.{func.__name__}", casting)
    handler = NUMPY.get(func)
    if handler is None and register_scipy():
        handler = NUMPY.get(func)
    if handler is None:
        module = getattr(func, "__module__", "numpy") or "numpy"
        raise _no_rule(
            f"{module.replace('numpy.linalg._linalg', 'numpy.linalg')}.{func.__name__}"
            if module.startswith("numpy.") and module != "numpy"
            else f"numpy.{func.__name__}"
        )
    result = new_arrays(per_example_if_needed(handler, args, kwargs), args, kwargs)
    record_numpy_layout(result, func, args, kwargs)  # (for arguments not in C order)
    return result


def _join_into(func: Any, out: Tracer, args: tuple, kwargs: dict) -> bool:
    """``np.concatenate`` / ``np.stack`` with ``out=out`` as NumPy runs them: each array is
    copied into its slice of ``out`` in turn, so an array that is a view of ``out``
    (``np.split(y)``'s pieces, ``y[0]``) is read after the earlier copies changed it.

    Returns False, writing nothing, where NumPy refuses the shapes (or for ``axis=None`` and
    ``dtype=``): the caller then computes the result and writes it, with NumPy's errors.
    """
    from .mutation import write_into

    arrays = args[0] if args else kwargs.get("arrays", ())
    axis = args[1] if len(args) > 1 else kwargs.get("axis", 0)
    if axis is None or kwargs.get("dtype") is not None or not arrays:
        return False
    shape = tuple(out.shape)
    stacked = func is np.stack  # each array fills one index of a new axis
    axis = single_axis(axis, len(shape))
    others = shape[:axis] + shape[axis + 1 :]
    shapes = [tuple(np.shape(a)) for a in arrays]
    if stacked:
        valid = all(sh == others for sh in shapes) and len(shapes) == shape[axis]
    else:
        valid = all(len(sh) == len(shape) and sh[:axis] + sh[axis + 1 :] == others for sh in shapes)
        valid = valid and sum(sh[axis] for sh in shapes) == shape[axis]
    if not shape or not valid:
        return False
    casting = kwargs.get("casting", "same_kind")
    start = 0
    for a, sh in zip(arrays, shapes, strict=True):
        width = 1 if stacked else sh[axis]
        fresh_args((a,))
        here: Any = start if stacked else slice(start, start + width)
        write_into(out[(slice(None),) * axis + (here,)], a, f"numpy.{func.__name__}", casting)
        start += width
    return True


def astype(x: Any, dtype: Any, /, *, copy: bool = True, device: Any = None) -> Any:
    """``np.astype(x, dtype)``: a new array, unless ``copy=False`` and the dtype is already it."""
    if np.dtype(dtype) == x.dtype:
        return NUMPY[np.copy](x) if copy else x
    return ew.convert(x, dtype=np.dtype(dtype))


NUMPY[np.astype] = astype


# NumPy functions that accumulate in their out='s dtype where it is wider than the result's
_ACCUMULATING = {
    np.sum,
    np.prod,
    np.mean,
    np.cumsum,
    np.cumprod,
    np.nansum,
    np.nanprod,
    np.nanmean,
    np.nancumsum,
    np.nancumprod,
    np.trace,
}


def _accumulator(kwargs: dict, result: Any, out: Any) -> Any:
    """The dtype NumPy accumulates a reduction in when it writes into ``out`` with no
    ``dtype=``: ``out``'s where it is wider than the result's (the sum of float32 data into
    a float64 ``out`` is computed in float64), else ``None``.

    >>> _accumulator({}, np.float32(1.0), np.zeros(()))
    dtype('float64')
    """
    if kwargs.get("dtype") is not None or not hasattr(out, "dtype"):
        return None
    have, want = np.dtype(result.dtype), np.dtype(out.dtype)
    wider = np.promote_types(have, want)
    return wider if wider != have else None


# NumPy functions whose out= casts with the "unsafe" rule (the others use "same_kind")
_REDUCTIONS = {
    np.sum,
    np.prod,
    np.mean,
    np.std,
    np.var,
    np.max,
    np.min,
    np.amax,
    np.amin,
    np.cumsum,
    np.cumprod,
    np.nansum,
    np.nanprod,
    np.nanmean,
    np.nanstd,
    np.nanvar,
    np.nanmax,
    np.nanmin,
    np.nancumsum,
    np.nancumprod,
    np.median,
    np.nanmedian,
    np.average,
    np.ptp,
    np.trace,
}


def stand_in(x: Any) -> Any:
    """A traced value's zero-cost stand-in of its shape and dtype; anything else as it is."""
    return shape_stand_in(x) if isinstance(x, Tracer) else x


# NumPy functions that only look at shapes and dtypes: answer from a stand-in of that shape.
def _metadata(func: Any) -> Any:
    def handler(*args: Any, **kwargs: Any) -> Any:
        return func(*[stand_in(a) for a in args], **{k: stand_in(v) for k, v in kwargs.items()})

    return handler


def _constant(func: Any) -> Any:
    """The handler of a function whose result carries no derivative (indices, tests,
    counts...): its primitive (``ops.constants``), which graphs and ``compile`` record and
    ``vmap`` maps. Arguments that hide traced values inside lists, and calls asking for a
    tuple where one array is usual (``np.unique(..., return_counts=True)``), are computed
    from concrete values.
    """
    prim = CONSTANTS[func.__name__]

    def handler(*args: Any, **kwargs: Any) -> Any:
        if func is np.searchsorted and "sorter" in kwargs:
            # (an index array computed from traced values, np.argsort(a): an argument, which
            # traces and vmap follow, not a parameter)
            args = (*args, kwargs.pop("side", "left"), kwargs.pop("sorter"))
        if func is np.lexsort and args and _keys_of_one_dtype(args[0]):
            # the keys as one array (its last row the primary key, as for the sequence)
            args = (np.stack(args[0]), *args[1:])
        returns_more = any(k.startswith("return_") and v for k, v in kwargs.items())
        if returns_more or any(isinstance(a, (list, tuple)) for a in args):
            return func(
                *[_deep_concrete(a) for a in args],
                **{k: _deep_concrete(v) for k, v in kwargs.items()},
            )
        return prim(*args, **kwargs)

    handler.__name__ = func.__name__
    handler.__doc__ = f"``np.{func.__name__}``: a constant for every transform."
    return handler


def _keys_of_one_dtype(keys: Any) -> bool:
    """True for a list or tuple of ``np.lexsort`` keys alike in shape and dtype (stacking
    them changes no value), some traced."""
    if not isinstance(keys, (list, tuple)) or not keys:
        return False
    if not any(isinstance(k, Tracer) for k in keys):
        return False
    return len({(tuple(np.shape(k)), np.result_type(k)) for k in keys}) == 1


def _deep_concrete(x: Any) -> Any:
    if isinstance(x, (list, tuple)):
        return type(x)(_deep_concrete(e) for e in x)
    return concrete(x)


for _f in [
    np.shape,
    np.ndim,
    np.size,
    np.result_type,
    np.iscomplexobj,
    np.isrealobj,
    np.may_share_memory,
    np.shares_memory,
    np.can_cast,
    np.min_scalar_type,
    np.common_type,
    np.diag_indices_from,
    np.tril_indices_from,
    np.triu_indices_from,
]:
    NUMPY[_f] = _metadata(_f)
for _f in [
    np.nonzero,
    np.flatnonzero,
    np.searchsorted,
    np.lexsort,
    np.isclose,
    np.allclose,
    np.array_equal,
    np.array_equiv,
    np.count_nonzero,
    np.any,
    np.all,
    np.argwhere,
    np.iscomplex,
    np.isreal,
    np.unique,
]:
    if _f not in NUMPY:
        NUMPY[_f] = _constant(_f)
