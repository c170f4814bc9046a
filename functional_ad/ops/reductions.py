"""Reductions: sum, prod, max/min and the functions NumPy builds on them (mean, var, std)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .registry import UFUNC_METHODS, implements, normalize_axis, primitive, shape_of


def expand_reduced(g: Any, x_shape: tuple, axis: tuple | None, keepdims: bool) -> Any:
    """Broadcast a reduced cotangent ``g`` back to the shape before the reduction."""
    if not keepdims and axis is not None:
        kept = tuple(1 if i in axis else n for i, n in enumerate(x_shape))
        g = np.reshape(g, kept)
    return np.broadcast_to(g, x_shape)


def _sum_impl(x: Any, axis: tuple | None, keepdims: bool) -> Any:
    return np.sum(x, axis=axis, keepdims=keepdims)


reduce_sum = primitive(
    "sum",
    _sum_impl,
    jvp=lambda t, y, x, axis, keepdims: np.sum(t, axis=axis, keepdims=keepdims),
    vjp=lambda g, y, x, axis, keepdims: expand_reduced(g, shape_of(x), axis, keepdims),
)


def _prod_vjp(g: Any, y: Any, x: Any, axis: tuple | None, keepdims: bool) -> Any:
    # d prod / d x_i = prod of the other elements
    return expand_reduced(g, shape_of(x), axis, keepdims) * _prod_others(x, axis)


def _prod_others(x: Any, axis: tuple | None) -> Any:
    """For each element, the product of the other elements in its reduction (exact at zeros)."""
    shape = shape_of(x)
    axes = tuple(range(len(shape))) if axis is None else axis
    rest = tuple(i for i in range(len(shape)) if i not in axes)
    moved = np.transpose(x, rest + axes)
    flat = np.reshape(moved, tuple(shape[i] for i in rest) + (-1,))
    ones = np.ones(shape_of(flat)[:-1] + (1,), dtype=flat.dtype)
    left = np.cumprod(np.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
    right = np.cumprod(np.concatenate([ones, flat[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    others = np.reshape(left * right, shape_of(moved))
    return np.transpose(others, tuple(np.argsort(rest + axes)))


reduce_prod = primitive(
    "prod",
    lambda x, axis, keepdims: np.prod(x, axis=axis, keepdims=keepdims),
    jvp=lambda t, y, x, axis, keepdims: np.sum(
        t * _prod_others(x, axis), axis=axis, keepdims=keepdims
    ),
    vjp=_prod_vjp,
)


def _extremum_weights(y: Any, x: Any, axis: tuple | None, keepdims: bool) -> Any:
    """Where ``x`` attains the extremum ``y``: ties split the derivative evenly."""
    mask = x == expand_reduced(y, shape_of(x), axis, keepdims)
    return mask / np.sum(mask, axis=axis, keepdims=True)


def _extremum(name: str, impl: Any) -> Any:
    return primitive(
        name,
        lambda x, axis, keepdims: impl(x, axis=axis, keepdims=keepdims),
        jvp=lambda t, y, x, axis, keepdims: np.sum(
            t * _extremum_weights(y, x, axis, keepdims), axis=axis, keepdims=keepdims
        ),
        vjp=lambda g, y, x, axis, keepdims: expand_reduced(g, shape_of(x), axis, keepdims)
        * _extremum_weights(y, x, axis, keepdims),
    )


reduce_max = _extremum("max", np.max)
reduce_min = _extremum("min", np.min)


def _prepare(a: Any, axis: Any, dtype: Any, out: Any, where: Any, name: str) -> Any:
    if out is not None:
        raise TypeError(f"numpy.{name}: out= is not supported with traced values; use the result")
    return normalize_axis(axis, np.ndim(a))


@implements(np.sum)
def sum_(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, keepdims: bool = False,
         initial: Any = None, where: Any = None) -> Any:
    """``np.sum`` with ``axis``, ``keepdims``, ``initial`` and ``where``."""
    axes = _prepare(a, axis, dtype, out, where, "sum")
    if dtype is not None:
        a = a.astype(dtype)
    if where is not None:
        a = np.where(where, a, 0)
    y = reduce_sum(a, axis=axes, keepdims=bool(keepdims))
    return y if initial is None else y + initial


@implements(np.prod)
def prod(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, keepdims: bool = False,
         initial: Any = None, where: Any = None) -> Any:
    """``np.prod`` with ``axis``, ``keepdims``, ``initial`` and ``where``."""
    axes = _prepare(a, axis, dtype, out, where, "prod")
    if dtype is not None:
        a = a.astype(dtype)
    if where is not None:
        a = np.where(where, a, 1)
    y = reduce_prod(a, axis=axes, keepdims=bool(keepdims))
    return y if initial is None else y * initial


def _extremum_handler(prim: Any, name: str) -> Any:
    def handler(a: Any, axis: Any = None, out: Any = None, keepdims: bool = False,
                initial: Any = None, where: Any = None) -> Any:
        axes = _prepare(a, axis, None, out, None, name)
        if where is not None:
            raise NotImplementedError(f"numpy.{name}: where= is not supported with traced values")
        y = prim(a, axis=axes, keepdims=bool(keepdims))
        if initial is not None:
            y = (np.maximum if name == "max" else np.minimum)(y, initial)
        return y

    handler.__name__ = name
    handler.__doc__ = f"``np.{name}`` with ``axis`` and ``keepdims``; ties share the derivative."
    return handler


amax = implements(np.max, np.amax)(_extremum_handler(reduce_max, "max"))
amin = implements(np.min, np.amin)(_extremum_handler(reduce_min, "min"))


def _count(a: Any, axis: tuple | None) -> int:
    shape = shape_of(a)
    if axis is None:
        return int(np.prod(shape, dtype=np.int64))
    return int(np.prod([shape[i] for i in axis], dtype=np.int64))


@implements(np.mean)
def mean(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, keepdims: bool = False,
         where: Any = None) -> Any:
    """``np.mean``: the sum divided by the number of elements reduced."""
    axes = _prepare(a, axis, dtype, out, where, "mean")
    if where is not None:
        return sum_(a, axis, dtype, None, keepdims, where=where) / np.sum(
            np.broadcast_to(where, shape_of(a)), axis=axes, keepdims=keepdims
        )
    if dtype is None and not np.issubdtype(a.dtype, np.inexact):
        a = a.astype(np.float64)
    return sum_(a, axes, dtype, None, keepdims) / _count(a, axes)


@implements(np.var)
def var(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, ddof: int = 0,
        keepdims: bool = False, where: Any = None, mean: Any = None, correction: Any = None
        ) -> Any:
    """``np.var``: the mean squared deviation, with ``ddof``."""
    axes = _prepare(a, axis, dtype, out, where, "var")
    if where is not None:
        raise NotImplementedError("numpy.var: where= is not supported with traced values")
    ddof = correction if correction is not None else ddof
    centred = a - np.mean(a, axis=axes, keepdims=True)
    squared = np.real(centred * np.conj(centred)) if np.iscomplexobj(a) else centred * centred
    return np.sum(squared, axis=axes, keepdims=keepdims) / (_count(a, axes) - ddof)


@implements(np.std)
def std(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, ddof: int = 0,
        keepdims: bool = False, where: Any = None, mean: Any = None, correction: Any = None
        ) -> Any:
    """``np.std``: the square root of ``np.var``."""
    return np.sqrt(var(a, axis, dtype, out, ddof, keepdims, where, mean, correction))


UFUNC_METHODS.update({
    (np.add, "reduce"): lambda a, axis=0, dtype=None, out=None, keepdims=False, **kw: sum_(
        a, axis, dtype, out, keepdims, **kw),
    (np.multiply, "reduce"): lambda a, axis=0, dtype=None, out=None, keepdims=False, **kw: prod(
        a, axis, dtype, out, keepdims, **kw),
    (np.maximum, "reduce"): lambda a, axis=0, dtype=None, out=None, keepdims=False, **kw: amax(
        a, axis, out, keepdims, **kw),
    (np.minimum, "reduce"): lambda a, axis=0, dtype=None, out=None, keepdims=False, **kw: amin(
        a, axis, out, keepdims, **kw),
})


# cumsum is linear: its transpose sums from the other end
def _reverse_cumsum(g: Any, axis: int) -> Any:
    return np.flip(np.cumsum(np.flip(g, axis), axis=axis), axis)


cumsum_p = primitive(
    "cumsum",
    lambda x, axis: np.cumsum(x, axis=axis),
    jvp=lambda t, y, x, axis: np.cumsum(t, axis=axis),
    vjp=lambda g, y, x, axis: _reverse_cumsum(g, axis),
)
# d cumprod = cumprod * cumsum(dx / x): defined where x has no zeros
cumprod_p = primitive(
    "cumprod",
    lambda x, axis: np.cumprod(x, axis=axis),
    jvp=lambda t, y, x, axis: y * np.cumsum(t / x, axis=axis),
    vjp=lambda g, y, x, axis: _reverse_cumsum(g * y, axis) / x,
)


def _scan(prim: Any, name: str) -> Any:
    def handler(a: Any, axis: Any = None, dtype: Any = None, out: Any = None) -> Any:
        if out is not None:
            raise TypeError(f"numpy.{name}: out= is not supported with traced values")
        if dtype is not None:
            a = a.astype(dtype)
        if axis is None:
            a, axis = np.reshape(a, (-1,)), 0
        return prim(a, axis=normalize_axis(axis, np.ndim(a))[0])

    handler.__name__ = name
    handler.__doc__ = f"``np.{name}`` along ``axis`` (flattened when ``axis`` is None)."
    return handler


cumsum = implements(np.cumsum)(_scan(cumsum_p, "cumsum"))
cumprod = implements(np.cumprod)(_scan(cumprod_p, "cumprod"))
UFUNC_METHODS.update({
    (np.add, "accumulate"): lambda a, axis=0, dtype=None, out=None: cumsum(a, axis, dtype, out),
    (np.multiply, "accumulate"): lambda a, axis=0, dtype=None, out=None: cumprod(
        a, axis, dtype, out),
})
