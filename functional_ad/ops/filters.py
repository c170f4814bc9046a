"""Linear recursive filters (``scipy.signal.lfilter``) along the last axis.

``y = lfilter(b, a, x)`` solves ``(a * y)[n] = (b * x)[n]`` for ``n < len(x)``, so
``dy = lfilter(db, a, x) + lfilter(b, a, dx) - lfilter(da, a, y)``. The filter is causal and
time-invariant: its transpose runs it backwards in time, ``x̄ = R lfilter(b, a, R ȳ)``
(``R`` reverses). With ``p = R lfilter([1], a, R ȳ)``, ``b̄_k = Σ_n p[n] x[n-k]`` and
``ā_k = -Σ_n p[n] y[n-k]``. Every rule uses this primitive and ``convolve``, so they nest.
"""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np

from .convolution import batch_stacks, convolve_full, core_slice
from .matrix_equations import _over_stack, _sum_to
from .registry import primitive, shape_of

FAMILY = "filters"


def _lfilter_impl(b: Any, a: Any, x: Any) -> Any:
    signal = importlib.import_module("scipy.signal")
    y = _over_stack(lambda b, a, x: signal.lfilter(b, a, x), (1, 1, 1))(b, a, x)
    dtype = np.result_type(*[np.asarray(v) for v in (b, a, x)], np.float16)
    return np.asarray(y, dtype=dtype if dtype.kind in "fc" else np.float64)


def _reverse(x: Any) -> Any:
    return x[..., ::-1]


def _lags(p: Any, z: Any, count: int) -> Any:
    """``c_k = Σ_n p[n] z[n-k]`` for ``k < count`` (over the last axis)."""
    n = shape_of(z)[-1]
    return core_slice(convolve_full(p, _reverse(z), ndim=1), (n - 1,), (count,))


def _lfilter_jvp(tangents: list, y: Any, b: Any, a: Any, x: Any) -> Any:
    b_dot, a_dot, x_dot = tangents
    out = None
    for term in (
        None if b_dot is None else lfilter_p(b_dot, a, x),
        None if x_dot is None else lfilter_p(b, a, x_dot),
        None if a_dot is None else -lfilter_p(a_dot, a, y),
    ):
        if term is not None:
            out = term if out is None else out + term
    return out


def _lfilter_vjp(y_bar: Any, y: Any, b: Any, a: Any, x: Any) -> tuple[Any, Any, Any]:
    x_bar = _reverse(lfilter_p(b, a, _reverse(y_bar)))
    one = np.ones((1,), np.result_type(a, np.float16))
    p = _reverse(lfilter_p(one, a, _reverse(y_bar)))
    b_bar = _lags(p, x, shape_of(b)[-1])
    a_bar = -_lags(p, y, shape_of(a)[-1])
    return _sum_to(b_bar, b), _sum_to(a_bar, a), _sum_to(x_bar, x)


lfilter_p = primitive(
    "signal.lfilter",
    _lfilter_impl,
    jvp_joint=_lfilter_jvp,
    vjp_joint=_lfilter_vjp,
    batch=batch_stacks(lambda params: 1),
    reads=((-1, 0, 1, 2), (-1, 0, 1, 2), (-1, 0, 1, 2)),
    family=FAMILY,
)

__all__ = ["lfilter_p"]
