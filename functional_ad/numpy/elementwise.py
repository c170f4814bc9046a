"""NumPy's ufuncs on traced values: routes to the elementwise primitives, ufunc methods."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..core import Primitive, Tracer, concrete
from ..core.views import copy_layout, set_layout
from ..ops import elementwise as ew
from ..ops.elementwise import (
    CONSTANT_UFUNCS,
    DEG_PER_RAD,
    LN2,
    _real_angle,
    _real_sign,
    _round,
    absolute,
    add,
    arctan2,
    copy,
    cummax,
    cummin,
    deg2rad,
    div,
    frexp,
    imag,
    is_complex,
    ldexp,
    log,
    log1p,
    log2,
    log10,
    logsumexp,
    modf,
    mul,
    nonzero,
    power,
    rad2deg,
    real,
    remainder,
    sinc,
    sqrt,
    square,
    sub,
)
from ..ops.registry import (
    accumulation_axis,
    dtype_of,
    normalize_axis,
    shape_of,
)
from ..ops.shape import where_p
from .registry import NUMPY, UFUNC_METHODS, implements

# Every ufunc whose primitive is declared with the helpers of ops/elementwise.py
NUMPY.update(
    {
        np.divide: ew.div,
        np.negative: ew.neg,
        np.positive: ew.pos,
        np.power: ew.power,
        np.reciprocal: ew.reciprocal,
        np.exp: ew.exp,
        np.exp2: ew.exp2,
        np.expm1: ew.expm1,
        np.cbrt: ew.cbrt,
        np.logaddexp: ew.logaddexp,
        np.logaddexp2: ew.logaddexp2,
        np.sin: ew.sin,
        np.cos: ew.cos,
        np.tan: ew.tan,
        np.arcsin: ew.arcsin,
        np.arccos: ew.arccos,
        np.arctan: ew.arctan,
        np.sinh: ew.sinh,
        np.cosh: ew.cosh,
        np.tanh: ew.tanh,
        np.arcsinh: ew.arcsinh,
        np.arccosh: ew.arccosh,
        np.arctanh: ew.arctanh,
        np.deg2rad: ew.deg2rad,
        np.rad2deg: ew.rad2deg,
        np.arctan2: ew.arctan2,
        np.hypot: ew.hypot,
        np.conjugate: ew.conj,
        np.fabs: ew.fabs,
        np.maximum: ew.maximum,
        np.minimum: ew.minimum,
        np.fmax: ew.fmax,
        np.fmin: ew.fmin,
        np.remainder: ew.remainder,
        np.fmod: ew.fmod,
        np.copysign: ew.copysign,
        np.heaviside: ew.heaviside,
        np.nextafter: ew.nextafter,
        np.floor: ew.CONSTANT_UFUNCS["floor"],
        np.ceil: ew.CONSTANT_UFUNCS["ceil"],
        np.trunc: ew.CONSTANT_UFUNCS["trunc"],
        np.rint: ew.CONSTANT_UFUNCS["rint"],
        np.floor_divide: ew.CONSTANT_UFUNCS["floor_divide"],
        np.less: ew.CONSTANT_UFUNCS["less"],
        np.less_equal: ew.CONSTANT_UFUNCS["less_equal"],
        np.greater: ew.CONSTANT_UFUNCS["greater"],
        np.greater_equal: ew.CONSTANT_UFUNCS["greater_equal"],
        np.equal: ew.CONSTANT_UFUNCS["equal"],
        np.not_equal: ew.CONSTANT_UFUNCS["not_equal"],
        np.logical_and: ew.CONSTANT_UFUNCS["logical_and"],
        np.logical_or: ew.CONSTANT_UFUNCS["logical_or"],
        np.logical_xor: ew.CONSTANT_UFUNCS["logical_xor"],
        np.logical_not: ew.CONSTANT_UFUNCS["logical_not"],
        np.isnan: ew.CONSTANT_UFUNCS["isnan"],
        np.isfinite: ew.CONSTANT_UFUNCS["isfinite"],
        np.isinf: ew.CONSTANT_UFUNCS["isinf"],
        np.signbit: ew.CONSTANT_UFUNCS["signbit"],
        np.bitwise_and: ew.CONSTANT_UFUNCS["bitwise_and"],
        np.bitwise_or: ew.CONSTANT_UFUNCS["bitwise_or"],
        np.bitwise_xor: ew.CONSTANT_UFUNCS["bitwise_xor"],
        np.invert: ew.CONSTANT_UFUNCS["invert"],
        np.spacing: ew.CONSTANT_UFUNCS["spacing"],
    }
)

NUMPY.update({np.add: add, np.subtract: sub, np.multiply: mul, np.true_divide: div})


@implements(np.float_power)
def float_power(x: Any, z: Any) -> Any:
    """``x ** z`` computed in at least double precision, as NumPy's ``float_power``."""
    dtype = np.result_type(x, z, np.float64)
    return power(_to_dtype(x, dtype), _to_dtype(z, dtype))


def _to_dtype(x: Any, dtype: Any) -> Any:
    if np.result_type(x) == dtype:
        return x
    return x.astype(dtype) if hasattr(x, "astype") else np.asarray(x, dtype)


NUMPY[np.square] = square


NUMPY.update({np.log: log, np.log2: log2, np.log10: log10, np.log1p: log1p})


NUMPY[np.sqrt] = sqrt


NUMPY.update({np.radians: deg2rad, np.degrees: rad2deg})


NUMPY[np.sinc] = sinc


NUMPY.update({np.real: real, np.imag: imag})


@implements(np.real_if_close)
def real_if_close(a: Any, tol: float = 100) -> Any:
    """``np.real_if_close``: the real part when every imaginary part is within ``tol``
    machine epsilons of zero (which needs the values: under ``vmap`` one example at a time,
    under ``compile`` a ``ConcreteValueError``)."""
    if not is_complex(a):
        return a
    dtype = np.dtype(a.dtype)
    bound = tol * np.finfo(dtype).eps if tol > 1 else tol
    if bool(np.all(np.abs(concrete(np.imag(a))) < bound)):
        return np.real(a)
    return a


@implements(np.angle)
def angle(z: Any, deg: bool = False) -> Any:
    """``np.angle``: ``arctan2(imag z, real z)``, in degrees with ``deg``."""
    if not is_complex(z):
        return _real_angle(z, deg=bool(deg))
    a = arctan2(imag(z), real(z))
    return a * DEG_PER_RAD if deg else a


NUMPY[np.absolute] = absolute


def _infinite_of_sign(name: str, positive: bool) -> Callable[..., Any]:
    def handler(x: Any, out: Any = None) -> Any:
        if np.issubdtype(np.result_type(dtype_of(x)), np.complexfloating):
            raise TypeError(
                "This operation is not supported for complex values because it would be ambiguous."
            )
        sign = np.signbit(x)
        result = np.logical_and(np.isinf(x), ~sign if positive else sign)
        if out is not None:  # (given by position: out= by name is written by the dispatcher)
            np.copyto(out, result)
            return out
        return result

    handler.__name__ = name
    handler.__doc__ = f"``np.{name}``: ``isinf`` and the sign bit, without derivative."
    return handler


NUMPY[np.isposinf] = _infinite_of_sign("isposinf", True)
NUMPY[np.isneginf] = _infinite_of_sign("isneginf", False)


@implements(np.sign)
def sign(x: Any) -> Any:
    """``np.sign``: piecewise constant on reals; ``z/|z|`` on complex numbers, whose
    derivative at 0 (where it has none) is 0, as in JAX."""
    if is_complex(x):
        return where_p(x == 0, 0, x / nonzero(absolute(x)))
    return _real_sign(x)


NUMPY[np.mod] = remainder


NUMPY[np.ldexp] = ldexp


NUMPY[np.frexp] = frexp


NUMPY[np.modf] = modf


@implements(np.divmod)
def divmod_(x: Any, z: Any) -> tuple[Any, Any]:
    """``np.divmod``: ``(x // z, x % z)``; the quotient is a constant."""
    return np.floor_divide(x, z), remainder(x, z)


NUMPY[np.fix] = lambda x, out=None: CONSTANT_UFUNCS["trunc"](x)


@implements(np.round, np.around)
def round_(a: Any, decimals: int = 0, out: Any = None) -> Any:
    """``np.round``: piecewise constant, so the result carries no derivative."""
    if out is not None:
        raise TypeError("numpy.round: out= cannot hold a traced value; use the returned array")
    return _round(a, decimals=int(decimals))


@implements(np.copy)
def _copy(a: Any, order: str = "K", subok: bool = False) -> Any:
    """``np.copy``: a new array, laid out in memory as NumPy lays out the copy (order 'K'
    keeps a transposed view's order, so a later ``reshape`` copies or views as in NumPy)."""
    layout = copy_layout(a, order) if isinstance(a, Tracer) else None
    # the order asked for decides, not the one recorded for an elementwise result; a 0-d copy
    # is an array, not a scalar
    return set_layout(copy(a), layout)


def _logaddexp_reduce(
    a: Any, axis: Any = 0, dtype: Any = None, out: Any = None, keepdims: bool = False, **kwargs: Any
) -> Any:
    """``np.logaddexp.reduce``: a log-sum-exp along ``axis``."""
    _reduce_checks("logaddexp", dtype, out, kwargs)
    return logsumexp(a, normalize_axis(axis, np.ndim(a)), bool(keepdims))


def _logaddexp2_reduce(
    a: Any, axis: Any = 0, dtype: Any = None, out: Any = None, keepdims: bool = False, **kwargs: Any
) -> Any:
    """``np.logaddexp2.reduce``: log2 of the sum of powers of two along ``axis``."""
    _reduce_checks("logaddexp2", dtype, out, kwargs)
    return logsumexp(a * LN2, normalize_axis(axis, np.ndim(a)), bool(keepdims)) / LN2


def _reduce_checks(name: str, dtype: Any, out: Any, kwargs: dict) -> None:
    if out is not None:
        raise TypeError(f"numpy.{name}.reduce: out= cannot hold a traced value")
    if dtype is not None or kwargs:
        raise NotImplementedError(
            f"numpy.{name}.reduce: arguments {sorted(kwargs) + (['dtype'] if dtype else [])} "
            "are not supported with traced values"
        )


def _accumulate(prim: Primitive, name: str) -> Callable[..., Any]:
    def handler(a: Any, axis: int = 0, dtype: Any = None, out: Any = None) -> Any:
        if out is not None:
            raise TypeError(f"numpy.{name}.accumulate: out= cannot hold a traced value")
        if dtype is not None:
            a = a.astype(dtype)
        if np.ndim(a) == 0:
            raise TypeError("cannot accumulate on a scalar")
        return prim(a, axis=accumulation_axis(axis, np.ndim(a)))

    handler.__name__ = f"{name}_accumulate"
    handler.__doc__ = f"``np.{name}.accumulate``: the running {name} along ``axis``."
    return handler


def _outer(ufunc: np.ufunc) -> Callable[..., Any]:
    def handler(a: Any, b: Any, **kwargs: Any) -> Any:
        if kwargs:
            raise NotImplementedError(
                f"numpy.{ufunc.__name__}.outer: arguments {sorted(kwargs)} are not supported "
                "with traced values"
            )
        a_shape, b_shape = shape_of(a), shape_of(b)
        return NUMPY[ufunc](np.reshape(a, a_shape + (1,) * len(b_shape)), b)

    handler.__name__ = f"{ufunc.__name__}_outer"
    handler.__doc__ = f"``np.{ufunc.__name__}.outer``: every pair of elements."
    return handler


def _nan_ignoring_reduce(name: str, nan_function: Any) -> Callable[..., Any]:
    def handler(
        a: Any,
        axis: Any = 0,
        dtype: Any = None,
        out: Any = None,
        keepdims: bool = False,
        **kwargs: Any,
    ) -> Any:
        _reduce_checks(name, dtype, out, kwargs)
        return NUMPY[nan_function](a, axis=axis, keepdims=keepdims)

    handler.__name__ = f"{name}_reduce"
    handler.__doc__ = f"``np.{name}.reduce``: ``np.{nan_function.__name__}`` along ``axis``."
    return handler


UFUNC_METHODS.update(
    {
        (np.fmax, "reduce"): _nan_ignoring_reduce("fmax", np.nanmax),
        (np.fmin, "reduce"): _nan_ignoring_reduce("fmin", np.nanmin),
        (np.maximum, "accumulate"): _accumulate(cummax, "maximum"),
        (np.minimum, "accumulate"): _accumulate(cummin, "minimum"),
        (np.logaddexp, "reduce"): _logaddexp_reduce,
        (np.logaddexp2, "reduce"): _logaddexp2_reduce,
    }
)


for _ufunc in [
    np.add,
    np.subtract,
    np.multiply,
    np.true_divide,
    np.power,
    np.float_power,
    np.maximum,
    np.minimum,
    np.fmax,
    np.fmin,
    np.logaddexp,
    np.logaddexp2,
    np.arctan2,
    np.hypot,
    np.remainder,
    np.fmod,
    np.copysign,
    np.heaviside,
]:
    UFUNC_METHODS[(_ufunc, "outer")] = _outer(_ufunc)
