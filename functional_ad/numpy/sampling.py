"""Sampled functions and grids: ``np.linspace``/``logspace``/``geomspace`` with traced
endpoints, ``np.gradient``, ``np.interp`` and ``np.unwrap``, written with NumPy calls."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..core import Tracer
from ..ops.registry import dtype_of, ordered_axes, shape_of, single_axis
from .registry import implements


def _grid(start: Any, stop: Any, num: int, endpoint: bool) -> tuple[Any, Any, int]:
    """Points ``start + (stop - start) t`` on axis 0, the step, and the divisor."""
    num = int(num)
    if num < 0:
        raise ValueError(f"Number of samples, {num}, must be non-negative.")
    div = (num - 1) if endpoint else num
    start, stop = start * 1.0, stop * 1.0
    delta = stop - start
    shape = np.broadcast_shapes(shape_of(start), shape_of(stop))
    dtype = np.result_type(getattr(delta, "dtype", float), np.float16)
    t = np.reshape(np.arange(num, dtype=dtype), (num,) + (1,) * len(shape))
    step = delta / div if div > 0 else delta * np.nan
    y = start + (t / div if div > 0 else t * 0.0) * delta
    if endpoint and num > 1:  # the last point is stop itself, as in NumPy
        y = np.concatenate([y[:-1], np.broadcast_to(stop, (1,) + shape)])
    return y, step, div


def _place_axis(y: Any, axis: int) -> Any:
    return np.moveaxis(y, 0, axis) if axis != 0 else y


@implements(np.linspace)
def linspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True, retstep: bool = False,
             dtype: Any = None, axis: int = 0, *, device: Any = None) -> Any:  # fmt: skip
    """``np.linspace`` with traced endpoints: ``start + (stop - start) i / div``."""
    if device not in (None, "cpu"):
        raise ValueError(f'Device not understood. Only "cpu" is allowed, but received: {device}')
    y, step, _ = _grid(start, stop, num, endpoint)
    y = _place_axis(y, axis)
    if dtype is not None:
        y = y.astype(dtype)
    return (y, step) if retstep else y


@implements(np.logspace)
def logspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True, base: Any = 10.0,
             dtype: Any = None, axis: int = 0) -> Any:  # fmt: skip
    """``np.logspace``: ``base ** linspace(start, stop)``."""
    y, _, _ = _grid(start, stop, num, endpoint)
    y = _place_axis(np.power(base, y), axis)
    return y if dtype is None else y.astype(dtype)


@implements(np.geomspace)
def geomspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True, dtype: Any = None,
              axis: int = 0) -> Any:  # fmt: skip
    """``np.geomspace`` for real endpoints of one sign: ``exp(linspace(log|start|,
    log|stop|))`` with their sign, the endpoints exact."""
    if np.iscomplexobj(start) or np.iscomplexobj(stop):
        raise NotImplementedError("numpy.geomspace: complex endpoints are not supported")
    from ..core import concrete

    try:
        signs = np.sign(concrete(start)), np.sign(concrete(stop))
    except TypeError:  # one value per example: the sign is read from the values below
        signs = None
    if signs is not None and (np.any(signs[0] == 0) or np.any(signs[1] == 0)):
        raise ValueError("Geometric sequence cannot include zero")
    # (NumPy's result is float64 at least, float32 endpoints included)
    real = np.result_type(dtype_of(start), dtype_of(stop), np.float64)
    start, stop = _as(start, real), _as(stop, real)
    sign = np.sign(start) if not isinstance(start, (int, float)) else math.copysign(1, start)
    y, _, _ = _grid(np.log(np.abs(start)), np.log(np.abs(stop)), num, endpoint)
    y = np.exp(y) * sign
    n = int(num)
    if n > 0:  # exact endpoints
        shape = shape_of(y)[1:]
        pieces = [np.broadcast_to(start * 1.0, (1,) + shape)]
        if n > 1:
            last = np.broadcast_to(stop * 1.0, (1,) + shape) if endpoint else y[-1:]
            pieces = [pieces[0], y[1:-1], last]
        y = np.concatenate(pieces)
    y = _place_axis(y, axis)
    return y if dtype is None else y.astype(dtype)


def _slices(f: Any, axis: int) -> Any:
    return np.moveaxis(f, axis, 0)


def _axis_gradient(f: Any, spacing: Any, edge_order: int) -> Any:
    """The gradient along axis 0 with a scalar step or coordinates ``spacing``."""
    n = shape_of(f)[0]
    if n < edge_order + 1:
        raise ValueError(
            "Shape of array too small to calculate a numerical gradient, "
            "at least (edge_order + 1) elements are required."
        )
    f = f * 1.0
    extra = (1,) * (np.ndim(f) - 1)
    if np.ndim(spacing) == 0:
        dx = spacing
        interior = (f[2:] - f[:-2]) / (2.0 * dx)
        if edge_order == 1:
            first = (f[1:2] - f[0:1]) / dx
            last = (f[-1:] - f[-2:-1]) / dx
        else:
            first = (-3.0 * f[0:1] + 4.0 * f[1:2] - f[2:3]) / (2.0 * dx)
            last = (3.0 * f[-1:] - 4.0 * f[-2:-1] + f[-3:-2]) / (2.0 * dx)
        return np.concatenate([first, interior, last])
    dx = np.diff(spacing * 1.0)
    if shape_of(spacing)[0] != n:
        raise ValueError("when 1d, distances must match the length of the corresponding dimension")
    dx1, dx2 = np.reshape(dx[:-1], (-1,) + extra), np.reshape(dx[1:], (-1,) + extra)
    a = -dx2 / (dx1 * (dx1 + dx2))
    b = (dx2 - dx1) / (dx1 * dx2)
    c = dx1 / (dx2 * (dx1 + dx2))
    interior = a * f[:-2] + b * f[1:-1] + c * f[2:]
    if edge_order == 1:
        first = (f[1:2] - f[0:1]) / dx[0]
        last = (f[-1:] - f[-2:-1]) / dx[-1]
    else:
        d1, d2 = dx[0], dx[1]
        first = (
            -(2.0 * d1 + d2) / (d1 * (d1 + d2)) * f[0:1]
            + (d1 + d2) / (d1 * d2) * f[1:2]
            - d1 / (d2 * (d1 + d2)) * f[2:3]
        )
        d1, d2 = dx[-2], dx[-1]
        last = (
            d2 / (d1 * (d1 + d2)) * f[-3:-2]
            - (d2 + d1) / (d1 * d2) * f[-2:-1]
            + (2.0 * d2 + d1) / (d2 * (d1 + d2)) * f[-1:]
        )
    return np.concatenate([first, interior, last])


@implements(np.gradient)
def gradient(f: Any, *varargs: Any, axis: Any = None, edge_order: int = 1) -> Any:
    """``np.gradient``: second-order central differences inside, one-sided differences of
    ``edge_order`` at the edges, for scalar steps or coordinate arrays (traced or not)."""
    # (in the order given: np.gradient(f, axis=(1, 0)) is the derivative along 1 first)
    ndim = np.ndim(f)
    axes = range(ndim) if axis is None else ordered_axes(axis, ndim, "duplicate value in 'axis'")
    if edge_order not in (1, 2):
        raise ValueError("'edge_order' greater than 2 not supported")
    if not varargs:
        spacings: list[Any] = [1.0] * len(axes)
    elif len(varargs) == 1 and np.ndim(varargs[0]) == 0:
        spacings = [varargs[0]] * len(axes)
    elif len(varargs) == len(axes):
        spacings = list(varargs)
    else:
        raise TypeError("invalid number of arguments")
    # (NumPy writes each into an array of f's dtype, float64 for integers: float32 data
    # stays float32 with float64 coordinates)
    dtype = dtype_of(f) if np.issubdtype(dtype_of(f), np.inexact) else np.dtype(np.float64)
    out = [
        _as(np.moveaxis(_axis_gradient(_slices(f, ax), dx, edge_order), 0, ax), dtype)
        for ax, dx in zip(axes, spacings, strict=True)
    ]
    return out[0] if len(out) == 1 else tuple(out)


def _as(a: Any, dtype: Any) -> Any:
    """``a`` as an array of ``dtype`` (itself if it is one already), a traced value too."""
    if isinstance(a, Tracer):
        return a if a.dtype == dtype else a.astype(dtype)
    return np.asarray(a, dtype)


@implements(np.interp)
def interp(x: Any, xp: Any, fp: Any, left: Any = None, right: Any = None,
           period: Any = None) -> Any:  # fmt: skip
    """``np.interp``: piecewise-linear interpolation, differentiable in ``x``, ``xp`` and
    ``fp`` (one-sided at the knots: the segment to the right). With ``period``, NumPy's
    steps: every point taken modulo the period, the knots sorted and extended by one period
    on each side (``left`` and ``right`` ignored)."""
    if period is not None:
        return _periodic_interp(x, xp, fp, period)
    # (NumPy takes lists of knots and values too, and computes in float64, or complex128
    # for complex values, whatever the inputs' dtypes)
    for a in (x, xp):
        if not np.can_cast(dtype_of(a), np.float64, "safe"):
            raise TypeError(
                f"Cannot cast array data from {dtype_of(a)!r} to dtype('float64') "
                "according to the rule 'safe'"
            )
    values = np.complex128 if np.issubdtype(dtype_of(fp), np.complexfloating) else np.float64
    x, xp, fp = _as(x, np.float64), _as(xp, np.float64), _as(fp, values)
    n = shape_of(xp)[0]
    if n == 0:
        raise ValueError("array of sample points is empty")
    if n == 1:
        y = np.zeros_like(x * 1.0) + fp[0]
    else:
        index = np.reshape(np.clip(np.searchsorted(xp, x, side="right") - 1, 0, n - 2), (-1,))

        def at(values: Any, i: Any) -> Any:  # a gather that takes traced indices everywhere
            return np.reshape(np.take_along_axis(values, i, axis=0), shape_of(x))

        x0, x1 = at(xp, index), at(xp, index + 1)
        f0, f1 = at(fp, index), at(fp, index + 1)
        y = f0 + (x - x0) * (f1 - f0) / (x1 - x0)
    y = np.where(x < xp[0], fp[0] if left is None else left, y)
    return np.where(x > xp[-1], fp[-1] if right is None else right, y)


def _periodic_interp(x: Any, xp: Any, fp: Any, period: Any) -> Any:
    if period == 0:
        raise ValueError("period must be a non-zero value")
    period = abs(period)
    values = np.complex128 if np.issubdtype(dtype_of(fp), np.complexfloating) else np.float64
    x, xp, fp = _as(x, np.float64), _as(xp, np.float64), _as(fp, values)
    if len(shape_of(xp)) != 1 or len(shape_of(fp)) != 1:
        raise ValueError("Data points must be 1-D sequences")
    if shape_of(xp)[0] != shape_of(fp)[0]:
        raise ValueError("fp and xp are not of the same length")
    x, xp = x % period, xp % period
    order = np.argsort(xp)
    # (a gather that takes a traced order anywhere: under compile too)
    xp, fp = np.take_along_axis(xp, order, axis=0), np.take_along_axis(fp, order, axis=0)
    xp = np.concatenate((xp[-1:] - period, xp, xp[0:1] + period))
    fp = np.concatenate((fp[-1:], fp, fp[0:1]))
    return interp(x, xp, fp)


@implements(np.unwrap)
def unwrap(p: Any, discont: Any = None, axis: int = -1, *, period: float = 2 * math.pi) -> Any:
    """``np.unwrap``: jumps larger than ``discont`` corrected by multiples of ``period``;
    the corrections are piecewise constant, so the derivative passes through unchanged."""
    p = p * 1.0
    p = np.moveaxis(p, single_axis(axis, np.ndim(p)), -1)
    if discont is None:
        discont = period / 2
    dd = np.diff(p, axis=-1)
    half = period / 2
    ddmod = np.mod(dd + half, period) - half
    ddmod = np.where((ddmod == -half) & (dd > 0), half, ddmod)
    correction = np.where(np.abs(dd) < discont, 0.0, ddmod - dd)
    out = np.concatenate([p[..., :1], p[..., 1:] + np.cumsum(correction, axis=-1)], axis=-1)
    return np.moveaxis(out, -1, axis)


__all__ = ["geomspace", "gradient", "interp", "linspace", "logspace", "unwrap"]
