"""NumPy's reductions and scans on traced values: sum, mean, std, cumsum, quantile..."""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import numpy as np

from ..core import ConcreteValueError, Tracer, concrete
from ..ops.gather import gather
from ..ops.reductions import cumprod_p, cumsum_p, reduce_max, reduce_min, reduce_prod, reduce_sum
from ..ops.registry import accumulation_axis, normalize_axis, shape_of, single_axis
from .registry import UFUNC_METHODS, implements
from .shape import present

_NO_VALUE = np._NoValue


def _given(value: Any, default: Any) -> Any:
    """NumPy passes ``np._NoValue`` for arguments the caller left out."""
    return default if value is _NO_VALUE else value


def _as_array(a: Any) -> Any:
    return a if isinstance(a, (Tracer, np.ndarray)) else np.asarray(a)


def _prepare(a: Any, axis: Any, out: Any, name: str) -> tuple | None:
    if out is not None:
        raise TypeError(f"numpy.{name}: out= is not supported with traced values; use the result")
    return None if axis is None else normalize_axis(axis, len(shape_of(a)))


def _count(a: Any, axis: tuple | None) -> int:
    shape = shape_of(a)
    if axis is None:
        return int(np.prod(shape, dtype=np.int64))
    return int(np.prod([shape[i] for i in axis], dtype=np.int64))


@implements(np.sum)
def sum_(
    a: Any,
    axis: Any = None,
    dtype: Any = None,
    out: Any = None,
    keepdims: bool = False,
    initial: Any = None,
    where: Any = None,
) -> Any:
    """``np.sum`` with ``axis``, ``dtype``, ``keepdims``, ``initial`` and ``where``."""
    a = _as_array(a)
    axes = _prepare(a, _given(axis, None), out, "sum")
    initial, where = _given(initial, None), _given(where, None)
    if dtype is not None:
        a = a.astype(dtype)
    if where is not None and where is not True:
        a = np.where(where, a, np.zeros((), a.dtype))
    y = reduce_sum(a, axis=axes, keepdims=bool(_given(keepdims, False)))
    return y if initial is None else y + initial


@implements(np.prod)
def prod(
    a: Any,
    axis: Any = None,
    dtype: Any = None,
    out: Any = None,
    keepdims: bool = False,
    initial: Any = None,
    where: Any = None,
) -> Any:
    """``np.prod`` with ``axis``, ``dtype``, ``keepdims``, ``initial`` and ``where``."""
    a = _as_array(a)
    axes = _prepare(a, _given(axis, None), out, "prod")
    initial, where = _given(initial, None), _given(where, None)
    if dtype is not None:
        a = a.astype(dtype)
    if where is not None and where is not True:
        a = np.where(where, a, np.ones((), a.dtype))
    y = reduce_prod(a, axis=axes, keepdims=bool(_given(keepdims, False)))
    return y if initial is None else y * initial


def _extremum_handler(prim: Any, name: str, fill: float) -> Any:
    def handler(
        a: Any,
        axis: Any = None,
        out: Any = None,
        keepdims: bool = False,
        initial: Any = None,
        where: Any = None,
    ) -> Any:
        a = _as_array(a)
        axes = _prepare(a, _given(axis, None), out, name)
        initial, where = _given(initial, None), _given(where, None)
        if where is not None and where is not True:
            # masked elements are filled with -inf (+inf for min), not with ``initial``: a
            # masked element must not join a tie with ``initial`` and take a share of the
            # derivative (integers, which have none, take ``initial``)
            inexact = np.dtype(a.dtype).kind in "fc"
            a = np.where(where, a, np.asarray(fill if inexact or initial is None else initial,
                                              a.dtype))  # fmt: skip
        y = prim(a, axis=axes, keepdims=bool(_given(keepdims, False)))
        if initial is not None:
            y = (np.maximum if name == "max" else np.minimum)(y, initial)
        return y

    handler.__name__ = name
    handler.__doc__ = (
        f"``np.{name}`` with ``axis``, ``keepdims``, ``initial`` and ``where``; "
        "tied elements share the derivative evenly."
    )
    return handler


amax = implements(np.max, np.amax)(_extremum_handler(reduce_max, "max", -np.inf))


amin = implements(np.min, np.amin)(_extremum_handler(reduce_min, "min", np.inf))


@implements(np.ptp)
def ptp(a: Any, axis: Any = None, out: Any = None, keepdims: bool = False) -> Any:
    """``np.ptp``: ``max - min`` along ``axis``."""
    return amax(a, axis, out, keepdims) - amin(a, axis, out, keepdims)


def _where_count(a: Any, axes: tuple | None, where: Any) -> Any:
    """How many elements each reduction sees: an int, or (with a ``where`` array) an array
    in ``a``'s real dtype, so that dividing by it keeps float32 float32."""
    if where is None or where is True:
        return _count(a, axes)
    count = np.sum(np.broadcast_to(where, shape_of(a)), axis=axes, keepdims=True)
    return count.astype(np.finfo(a.dtype).dtype)


def _degrees_of_freedom(count: Any, ddof: Any) -> Any:
    """``max(count - ddof, 0)`` without promoting float32 (Python ints stay weak)."""
    if isinstance(count, int):
        return max(count - ddof, 0)
    return np.maximum(count - ddof, 0).astype(count.dtype)


def _float_input(a: Any, dtype: Any) -> Any:
    """Integers and booleans are averaged in float64, as NumPy does."""
    if dtype is not None:
        return a.astype(dtype)
    return a if np.issubdtype(a.dtype, np.inexact) else a.astype(np.float64)


@implements(np.mean)
def mean(
    a: Any,
    axis: Any = None,
    dtype: Any = None,
    out: Any = None,
    keepdims: bool = False,
    *,
    where: Any = None,
) -> Any:
    """``np.mean``: the sum divided by the number of elements reduced."""
    a = _float_input(_as_array(a), dtype)
    axes = _prepare(a, _given(axis, None), out, "mean")
    keepdims, where = bool(_given(keepdims, False)), _given(where, None)
    count = _where_count(a, axes, where)
    return _sum_over(a, axes, keepdims, where, count, count)


def _sum_over(x: Any, axes: Any, keepdims: bool, where: Any, count: Any, divisor: Any) -> Any:
    """The sum of ``x`` over ``axes`` (where ``where`` holds) divided by ``divisor``; a
    ``count`` per position (an array ``where``) keeps the reduced axes until the division."""
    total = sum_(x, axes, None, None, True if np.ndim(count) else keepdims, where=where)
    y = total / divisor
    if np.ndim(count) and not keepdims:
        y = np.squeeze(y, axis=axes) if axes is not None else np.reshape(y, ())
    return y


@implements(np.var)
def var(
    a: Any,
    axis: Any = None,
    dtype: Any = None,
    out: Any = None,
    ddof: int = 0,
    keepdims: bool = False,
    *,
    where: Any = None,
    mean: Any = None,
    correction: Any = None,
) -> Any:
    """``np.var``: the mean squared deviation, divided by ``N - ddof``."""
    a = _float_input(_as_array(a), dtype)
    axes = _prepare(a, _given(axis, None), out, "var")
    keepdims, where = bool(_given(keepdims, False)), _given(where, None)
    mean, correction = _given(mean, None), _given(correction, None)
    if correction is not None:
        if ddof != 0:
            raise ValueError("ddof and correction can't be provided simultaneously.")
        ddof = correction
    count = _where_count(a, axes, where)
    if mean is None:
        mean = sum_(a, axes, None, None, True, where=where) / count
    centred = a - mean
    if np.iscomplexobj(a):
        squared = np.real(centred * np.conj(centred))
    else:
        squared = centred * centred
    return _sum_over(squared, axes, keepdims, where, count, _degrees_of_freedom(count, ddof))


@implements(np.std)
def std(
    a: Any,
    axis: Any = None,
    dtype: Any = None,
    out: Any = None,
    ddof: int = 0,
    keepdims: bool = False,
    *,
    where: Any = None,
    mean: Any = None,
    correction: Any = None,
) -> Any:
    """``np.std``: the square root of ``np.var``."""
    variance = var(
        a, axis, dtype, out, ddof, keepdims, where=where, mean=mean, correction=correction
    )
    plain = where is None and mean is None and ddof == 0 and correction is None
    if plain and np.size(a) and np.size(a) == np.size(variance):
        # one value per group: std = var = 0 everywhere, so its derivative is 0 (the
        # square root's would be 0/0)
        return variance
    return np.sqrt(variance)


@implements(np.apply_over_axes)
def apply_over_axes(func: Callable[..., Any], a: Any, axes: Any) -> Any:
    """``np.apply_over_axes``: ``func(a, axis)`` for each axis in turn, a lost axis put back
    with length one (NumPy's steps)."""
    value = a
    ndim = np.ndim(a)
    if np.ndim(axes) == 0:
        axes = (axes,)
    for axis in axes:
        axis = operator.index(axis)  # (a float axis raises, as func would in NumPy)
        if axis < 0:
            axis = ndim + axis
        result = func(value, axis)
        if np.ndim(result) != np.ndim(value):
            result = np.expand_dims(result, axis)
            if np.ndim(result) != np.ndim(value):
                raise ValueError("function is not returning an array of the correct shape")
        value = result
    return value


@implements(np.average)
def average(
    a: Any,
    axis: Any = None,
    weights: Any = None,
    returned: bool = False,
    *,
    keepdims: Any = _NO_VALUE,
) -> Any:
    """``np.average``: ``sum(a * w) / sum(w)`` along ``axis``; ``a`` and ``w`` may be traced."""
    a = _as_array(a)
    axes = None if axis is None else normalize_axis(axis, np.ndim(a))
    keepdims = bool(_given(keepdims, False))
    if weights is None:
        avg = mean(a, axes, keepdims=keepdims)
        scale = np.asarray(np.size(a) / max(np.size(avg), 1), dtype=avg.dtype)
    else:
        w = _as_array(weights)
        if shape_of(w) != shape_of(a):
            w = _weights_along(w, a, axis)
        exact = np.issubdtype(a.dtype, np.inexact)
        dtype = np.result_type(a.dtype, w.dtype, *(() if exact else ("f8",)))
        scale = sum_(w, axes, dtype, None, keepdims)
        if _known_to_be_zero(scale):
            raise ZeroDivisionError("Weights sum to zero, can't be normalized")
        avg = sum_(a.astype(dtype) * w.astype(dtype), axes, None, None, keepdims) / scale
    if not returned:
        return avg
    if shape_of(scale) != shape_of(avg):
        scale = np.broadcast_to(scale, shape_of(avg))
    return avg, scale


def _known_to_be_zero(x: Any) -> bool:
    """True if ``x`` has a zero we can see now (``compile`` and ``vmap`` values are unknown)."""
    try:
        return bool(np.any(concrete(x) == 0))
    except ConcreteValueError:
        return False


def _weights_along(w: Any, a: Any, axis: Any) -> Any:
    """Weights for the axes ``axis`` (in that order) reshaped to broadcast against ``a``."""
    if axis is None:
        raise TypeError("Axis must be specified when shapes of a and weights differ.")
    ndim = np.ndim(a)
    given = [int(i) % ndim for i in (axis if isinstance(axis, (tuple, list)) else (axis,))]
    if shape_of(w) != tuple(shape_of(a)[i] for i in given):
        raise ValueError(
            "Shape of weights must be consistent with shape of a along specified axis."
        )
    w = np.transpose(w, tuple(int(i) for i in np.argsort(given)))
    return np.reshape(w, tuple(n if i in given else 1 for i, n in enumerate(shape_of(a))))


def _without_nan(a: Any, fill: Any) -> Any:
    """``a`` with NaNs replaced by ``fill`` (their derivative is zero)."""
    a = _as_array(a)
    if not np.issubdtype(a.dtype, np.inexact):
        return a
    return np.where(np.isnan(a), np.asarray(fill, a.dtype), a)


def _present(a: Any, where: Any) -> Any:
    """The mask of non-NaN elements (and ``where``, if given)."""
    present = np.logical_not(np.isnan(a))
    where = _given(where, None)
    return present if where is None or where is True else np.logical_and(present, where)


@implements(np.nansum)
def nansum(
    a: Any,
    axis: Any = None,
    dtype: Any = None,
    out: Any = None,
    keepdims: bool = False,
    initial: Any = None,
    where: Any = None,
) -> Any:
    """``np.nansum``: NaNs count as zero."""
    return sum_(_without_nan(a, 0), axis, dtype, out, keepdims, initial, where)


@implements(np.nanprod)
def nanprod(
    a: Any,
    axis: Any = None,
    dtype: Any = None,
    out: Any = None,
    keepdims: bool = False,
    initial: Any = None,
    where: Any = None,
) -> Any:
    """``np.nanprod``: NaNs count as one."""
    return prod(_without_nan(a, 1), axis, dtype, out, keepdims, initial, where)


@implements(np.nanmean)
def nanmean(
    a: Any,
    axis: Any = None,
    dtype: Any = None,
    out: Any = None,
    keepdims: bool = False,
    *,
    where: Any = None,
) -> Any:
    """``np.nanmean``: the mean of the non-NaN elements."""
    a = _as_array(a)
    return mean(_without_nan(a, 0), axis, dtype, out, keepdims, where=_present(a, where))


@implements(np.nanvar)
def nanvar(
    a: Any,
    axis: Any = None,
    dtype: Any = None,
    out: Any = None,
    ddof: int = 0,
    keepdims: bool = False,
    *,
    where: Any = None,
    mean: Any = None,
    correction: Any = None,
) -> Any:
    """``np.nanvar``: the variance of the non-NaN elements."""
    a = _as_array(a)
    return var(
        _without_nan(a, 0),
        axis,
        dtype,
        out,
        ddof,
        keepdims,
        where=_present(a, where),
        mean=mean,
        correction=correction,
    )


@implements(np.nanstd)
def nanstd(
    a: Any,
    axis: Any = None,
    dtype: Any = None,
    out: Any = None,
    ddof: int = 0,
    keepdims: bool = False,
    *,
    where: Any = None,
    mean: Any = None,
    correction: Any = None,
) -> Any:
    """``np.nanstd``: the square root of ``np.nanvar``."""
    return np.sqrt(
        nanvar(a, axis, dtype, out, ddof, keepdims, where=where, mean=mean, correction=correction)
    )


def _nan_extremum(handler: Any, name: str, fill: float) -> Any:
    def nan_handler(
        a: Any,
        axis: Any = None,
        out: Any = None,
        keepdims: bool = False,
        initial: Any = None,
        where: Any = None,
    ) -> Any:
        a = _as_array(a)
        y = handler(_without_nan(a, fill), axis, out, keepdims, initial, where)
        if _given(initial, None) is not None:
            return y
        # a slice of NaNs only gives NaN, as in NumPy
        counts = np.sum(
            np.logical_not(np.isnan(a)),
            axis=_given(axis, None),
            keepdims=bool(_given(keepdims, False)),
        )
        return np.where(counts == 0, np.asarray(np.nan, a.dtype), y)

    nan_handler.__name__ = name
    nan_handler.__doc__ = f"``np.{name}``: the {name[3:]} ignoring NaNs."
    return nan_handler


nanmax = implements(np.nanmax)(_nan_extremum(amax, "nanmax", -np.inf))


nanmin = implements(np.nanmin)(_nan_extremum(amin, "nanmin", np.inf))


def _to_last_axis(a: Any, axes: tuple | None) -> tuple[Any, tuple]:
    """``a`` with the reduced axes moved to the end and merged into one (and the kept shape)."""
    shape = shape_of(a)
    axes = tuple(range(len(shape))) if axes is None else axes
    kept = tuple(i for i in range(len(shape)) if i not in axes)
    moved = np.transpose(a, kept + axes) if kept + axes != tuple(range(len(shape))) else a
    kept_shape = tuple(shape[i] for i in kept)
    return np.reshape(moved, kept_shape + (-1,)), kept_shape


def _keep_reduced(y: Any, a_shape: tuple, axes: tuple | None, lead: tuple) -> Any:
    """Give ``y`` (``lead + kept shape``) unit axes where ``a`` was reduced (keepdims)."""
    axes = tuple(range(len(a_shape))) if axes is None else axes
    return np.reshape(y, lead + tuple(1 if i in axes else n for i, n in enumerate(a_shape)))


def _nan_if_any_nan(y: Any, ordered: Any) -> Any:
    """NaN where the (sorted) slice holds a NaN, as NumPy's median and quantile give.

    NaNs sort last, so the last element tells; the test is itself traced (not read while
    tracing), so ``compile`` and ``vmap`` keep it."""
    return np.where(np.isnan(ordered[..., -1]), np.asarray(np.nan, y.dtype), y)


@implements(np.median)
def median(
    a: Any, axis: Any = None, out: Any = None, overwrite_input: bool = False, keepdims: bool = False
) -> Any:
    """``np.median``: the middle of the sorted slice (the mean of the two middle ones)."""
    a = _float_input(_as_array(a), None)
    axes = _prepare(a, axis, out, "median")
    flat, _ = _to_last_axis(a, axes)
    n = shape_of(flat)[-1]
    if n == 0:
        raise ValueError("numpy.median of an empty slice is not supported with traced values")
    ordered = np.sort(flat, axis=-1)
    middle = ordered[..., (n - 1) // 2 : n // 2 + 1]
    y = _nan_if_any_nan(np.mean(middle, axis=-1), ordered)
    return _keep_reduced(y, shape_of(a), axes, ()) if keepdims else y


def _quantile(
    a: Any, q: Any, axis: Any, method: str, keepdims: bool, name: str, scale: float
) -> Any:
    """Interpolation between two neighbouring order statistics of the sorted slice.

    Which two, and the weight, depend on ``q`` and the slice length only: for a constant ``q``
    NumPy itself finds them (``np.quantile`` of ``0, 1, ..., n-1`` is the position), so every
    ``method`` matches NumPy. A traced ``q`` (method 'linear') gives traced positions.
    """
    a = _float_input(_as_array(a), None)
    axes = normalize_axis(axis, np.ndim(a))
    flat, kept_shape = _to_last_axis(a, axes)
    n = shape_of(flat)[-1]
    if n == 0:
        raise ValueError(f"numpy.{name} of an empty slice is not supported with traced values")
    ordered = np.sort(flat, axis=-1)
    # the result dtype NumPy gives for this q (a Python float keeps float32 float32)
    q_like = np.zeros(np.shape(q), q.dtype) if isinstance(q, Tracer) else q
    dtype = getattr(np, name)(np.zeros(1, a.dtype), q_like, method=method).dtype
    if isinstance(q, Tracer):
        if method != "linear":
            raise NotImplementedError(f"numpy.{name}: a traced q needs method='linear'")
        position = (q / scale) * (n - 1)
        below = np.clip(np.floor(position).astype(np.intp), 0, n - 1)
    else:
        q_value = np.asarray(q, dtype=np.float64) / scale
        if np.any((q_value < 0) | (q_value > 1)):
            raise ValueError(
                f"{'Percentiles' if scale == 100 else 'Quantiles'} must be in the "
                f"range [0, {int(scale)}]"
            )
        # (the stubs want ``method`` as a Literal, not a str)
        position = np.quantile(np.arange(n, dtype=np.float64), q_value, method=method)  # type: ignore[call-overload]
        below = np.clip(np.floor(position).astype(np.intp), 0, n - 1)
    lead = np.shape(q)
    lo = _order_statistic(ordered, below, kept_shape)
    if not isinstance(q, Tracer) and np.all(position == below):
        y = lo  # the discontinuous methods pick one order statistic
    else:
        hi = _order_statistic(ordered, np.minimum(below + 1, n - 1), kept_shape)
        gamma = position - below
        gamma = np.reshape(
            gamma if isinstance(q, Tracer) else gamma.astype(dtype), lead + (1,) * len(kept_shape)
        )
        # NumPy's lerp: from the nearer end, so that gamma = 0 and 1 give the ends exactly
        y = np.where(gamma >= 0.5, hi - (hi - lo) * (1 - gamma), lo + (hi - lo) * gamma)
    y = _nan_if_any_nan(y, ordered)
    y = y.astype(dtype) if y.dtype != dtype else y
    return _keep_reduced(y, shape_of(a), axes, lead) if keepdims else y


def _order_statistic(ordered: Any, rank: Any, kept_shape: tuple) -> Any:
    """``ordered[..., rank]`` with ``rank``'s axes first: shape ``rank.shape + kept_shape``.

    A constant rank is a plain index; a traced one (from a traced q) goes through ``gather``.
    """
    lead = np.shape(rank)
    if isinstance(rank, Tracer):  # (np.reshape reaches it through __array_function__)
        flat_rank = np.reshape(rank, (1,) * len(kept_shape) + (-1,))  # type: ignore[call-overload]
        picked = gather(
            ordered,
            np.broadcast_to(flat_rank, kept_shape + shape_of(flat_rank)[-1:]),
            axis=len(kept_shape),
        )
        picked = np.reshape(picked, kept_shape + lead)
    else:
        picked = ordered[..., rank]
    front = tuple(range(len(kept_shape), len(kept_shape) + len(lead)))
    return np.transpose(picked, front + tuple(range(len(kept_shape))))


def _quantile_handler(name: str, scale: float) -> Callable[..., Any]:
    """``np.quantile`` (``scale`` 1) or ``np.percentile`` (``q`` in percent, ``scale`` 100)."""

    def handler(
        a: Any,
        q: Any,
        axis: Any = None,
        out: Any = None,
        overwrite_input: bool = False,
        method: str = "linear",
        keepdims: bool = False,
        *,
        weights: Any = None,
    ) -> Any:
        if out is not None or weights is not None:
            raise NotImplementedError(
                f"numpy.{name}: out= and weights= are not supported with traced values"
            )
        return _quantile(a, q, axis, method, keepdims, name, scale)

    handler.__name__ = name
    handler.__doc__ = f"``np.{name}`` for every ``method`` (q traced only with 'linear')."
    return handler


quantile = implements(np.quantile)(_quantile_handler("quantile", 1.0))


percentile = implements(np.percentile)(_quantile_handler("percentile", 100.0))


UFUNC_METHODS.update(
    {
        (np.add, "reduce"): lambda a, axis=0, dtype=None, out=None, keepdims=False, **kw: sum_(
            a, axis, dtype, out, keepdims, **kw
        ),
        (np.multiply, "reduce"): lambda a, axis=0, dtype=None, out=None, keepdims=False, **kw: prod(
            a, axis, dtype, out, keepdims, **kw
        ),
        (np.maximum, "reduce"): lambda a, axis=0, dtype=None, out=None, keepdims=False, **kw: amax(
            a, axis, out, keepdims, **kw
        ),
        (np.minimum, "reduce"): lambda a, axis=0, dtype=None, out=None, keepdims=False, **kw: amin(
            a, axis, out, keepdims, **kw
        ),
    }
)


def _scan(prim: Any, name: str) -> Any:
    def handler(a: Any, axis: Any = None, dtype: Any = None, out: Any = None) -> Any:
        if out is not None:
            raise TypeError(f"numpy.{name}: out= is not supported with traced values")
        a = _as_array(a)
        if dtype is not None:
            a = a.astype(dtype)
        if axis is None:
            a, axis = np.reshape(a, (-1,)), 0
        return prim(a, axis=single_axis(axis, np.ndim(a)))

    handler.__name__ = name
    handler.__doc__ = f"``np.{name}`` along ``axis`` (flattened when ``axis`` is None)."
    return handler


cumsum = implements(np.cumsum)(_scan(cumsum_p, "cumsum"))


cumprod = implements(np.cumprod)(_scan(cumprod_p, "cumprod"))


def _cumulative(scan: Any, name: str, first: float) -> Any:
    def handler(
        x: Any,
        /,
        *,
        axis: Any = None,
        dtype: Any = None,
        out: Any = None,
        include_initial: bool = False,
    ) -> Any:
        x = _as_array(x)
        if axis is None:
            if np.ndim(x) > 1:
                raise ValueError("axis must be specified for multi-dimensional arrays")
            axis = 0
        axis = accumulation_axis(axis, np.ndim(x))
        y = scan(x, axis, dtype, out)
        if include_initial:
            shape = shape_of(y)[:axis] + (1,) + shape_of(y)[axis + 1 :]
            y = np.concatenate([np.full(shape, first, y.dtype), y], axis=axis)
        return y

    handler.__name__ = name
    handler.__doc__ = f"``np.{name}`` (the array-API scan), with ``include_initial``."
    return handler


implements(*present("cumulative_sum"))(_cumulative(cumsum, "cumulative_sum", 0))


implements(*present("cumulative_prod"))(_cumulative(cumprod, "cumulative_prod", 1))


def _nan_scan(scan: Any, fill: float) -> Any:
    def handler(a: Any, axis: Any = None, dtype: Any = None, out: Any = None) -> Any:
        return scan(_without_nan(a, fill), axis, dtype, out)

    return handler


implements(np.nancumsum)(_nan_scan(cumsum, 0))


implements(np.nancumprod)(_nan_scan(cumprod, 1))


UFUNC_METHODS.update(
    {
        (np.add, "accumulate"): lambda a, axis=0, dtype=None, out=None: cumsum(
            a, accumulation_axis(axis, np.ndim(a)), dtype, out
        ),
        (np.multiply, "accumulate"): lambda a, axis=0, dtype=None, out=None: cumprod(
            a, accumulation_axis(axis, np.ndim(a)), dtype, out
        ),
    }
)


@implements(np.diff)
def diff(
    a: Any, n: int = 1, axis: int = -1, prepend: Any = _NO_VALUE, append: Any = _NO_VALUE
) -> Any:
    """``np.diff``: ``a[1:] - a[:-1]`` along ``axis``, ``n`` times, after prepend/append."""
    a = _as_array(a)
    if n < 0:
        raise ValueError(f"order must be non-negative but got {n!r}")
    if np.ndim(a) == 0:
        raise ValueError("diff requires input that is at least one dimensional")
    axis = single_axis(axis, np.ndim(a))
    pieces = []
    for extra in (prepend, a, append):
        if extra is _NO_VALUE:
            continue
        extra = _as_array(extra)
        if extra is not a and np.ndim(extra) == 0:
            shape = list(shape_of(a))
            shape[axis] = 1
            extra = np.broadcast_to(extra, tuple(shape))
        pieces.append(extra)
    if len(pieces) > 1:
        a = np.concatenate(pieces, axis=axis)
    before = (slice(None),) * axis
    # (NumPy's difference of booleans is not_equal: subtracting booleans raises)
    op = np.not_equal if np.dtype(a.dtype) == np.bool_ else np.subtract
    for _ in range(n):
        a = op(a[before + (slice(1, None),)], a[before + (slice(None, -1),)])
    return a


@implements(np.ediff1d)
def ediff1d(ary: Any, to_end: Any = None, to_begin: Any = None) -> Any:
    """``np.ediff1d``: differences of the flattened array, with optional ends."""
    d = diff(np.reshape(_as_array(ary), (-1,)))
    pieces = (
        [np.reshape(_as_array(e), (-1,)).astype(d.dtype) for e in (to_begin,) if e is not None]
        + [d]
        + [np.reshape(_as_array(e), (-1,)).astype(d.dtype) for e in (to_end,) if e is not None]
    )
    return np.concatenate(pieces) if len(pieces) > 1 else d


@implements(np.trace)
def trace(
    a: Any, offset: int = 0, axis1: int = 0, axis2: int = 1, dtype: Any = None, out: Any = None
) -> Any:
    """``np.trace``: the sum of ``np.diagonal``."""
    if out is not None:
        raise TypeError("numpy.trace: out= is not supported with traced values")
    return np.sum(np.diagonal(_as_array(a), offset, axis1, axis2), axis=-1, dtype=dtype)


@implements(*present("trapezoid", "trapz"))
def trapezoid(y: Any, x: Any = None, dx: Any = 1.0, axis: int = -1) -> Any:
    """``np.trapezoid``: ``sum(dx * (y[1:] + y[:-1]) / 2)`` along ``axis``; ``y``, ``x`` and
    ``dx`` may be traced."""
    y = _as_array(y)
    axis = single_axis(axis, np.ndim(y))
    if x is None:
        widths = dx
    else:
        x = _as_array(x)
        widths = diff(x, axis=-1 if np.ndim(x) == 1 else axis)
        if np.ndim(x) == 1:
            shape = [1] * np.ndim(y)
            shape[axis] = shape_of(widths)[0]
            widths = np.reshape(widths, tuple(shape))
    before = (slice(None),) * axis
    heights = y[before + (slice(1, None),)] + y[before + (slice(None, -1),)]
    return np.sum(widths * heights / 2.0, axis=axis)
