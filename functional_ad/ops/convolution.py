"""Full discrete convolution over the last ``ndim`` axes, the primitive behind
``np.convolve``/``np.correlate`` and ``scipy.signal``'s convolutions (other modes slice it).

``y = a * v`` is bilinear: ``dy = da * v + a * dv``, and its transpose in ``a`` is the
valid part of ``g * flip(v)`` (a correlation with ``v``), likewise in ``v``. Leading axes are
a stack (looped over), so ``vmap`` adds one.
"""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np

from .matrix_equations import _over_stack, _sum_to
from .registry import primitive, shape_of

FAMILY = "convolution"


def _convolve_impl(a: Any, v: Any, ndim: int) -> Any:
    if ndim == 1:
        fn: Any = np.convolve
    else:
        signal = importlib.import_module("scipy.signal")
        fn = lambda a, v: signal.convolve(a, v, mode="full")
    return _over_stack(fn, (ndim, ndim))(a, v)


def _flip(x: Any, ndim: int) -> Any:
    return np.flip(x, axis=tuple(range(-ndim, 0)))


def core_slice(x: Any, starts: tuple[int, ...], lengths: tuple[int, ...]) -> Any:
    """``x`` cut to ``lengths`` from ``starts`` along its last ``len(starts)`` axes."""
    index = (Ellipsis,) + tuple(slice(s, s + n) for s, n in zip(starts, lengths, strict=True))
    return x[index]


def _transpose(g: Any, other: Any, like: Any, ndim: int) -> Any:
    """The cotangent of one factor: the valid correlation of ``g`` with the other factor."""
    other_core = shape_of(other)[-ndim:]
    core = shape_of(like)[-ndim:]
    full = convolve_full(g, _flip(other, ndim), ndim=ndim)
    return _sum_to(core_slice(full, tuple(n - 1 for n in other_core), core), like)


def _convolve_jvp(tangents: list, y: Any, a: Any, v: Any, ndim: int) -> Any:
    a_dot, v_dot = tangents
    out = None if a_dot is None else convolve_full(a_dot, v, ndim=ndim)
    if v_dot is not None:
        term = convolve_full(a, v_dot, ndim=ndim)
        out = term if out is None else out + term
    return out


def _convolve_vjp(g: Any, y: Any, a: Any, v: Any, ndim: int) -> tuple[Any, Any]:
    return _transpose(g, v, a, ndim), _transpose(g, a, v, ndim)


def batch_stacks(core_ndim: Any) -> Any:
    """A batching rule for primitives over stacks: each argument gets the batch axis first,
    and axes after it so that the stacks line up (``core_ndim(params)`` core axes each)."""

    def rule(prim: Any, size: int, vals: list, batched: tuple, **params: Any) -> Any:
        core = core_ndim(params)
        leading = [len(shape_of(v)) - b - core for v, b in zip(vals, batched, strict=True)]
        rank = max(leading)
        out = []
        for v, b, lead in zip(vals, batched, leading, strict=True):
            if not b:
                v = np.broadcast_to(v, (size,) + shape_of(v))
            if lead < rank:
                shape = shape_of(v)
                v = np.reshape(v, shape[:1] + (1,) * (rank - lead) + shape[1:])
            out.append(v)
        return prim(*out, **params)

    return rule


convolve_full = primitive(
    "convolve",
    _convolve_impl,
    jvp_joint=_convolve_jvp,
    vjp_joint=_convolve_vjp,
    batch=batch_stacks(lambda params: params["ndim"]),
    reads=((1,), (0,)),
    family=FAMILY,
)


__all__ = ["batch_stacks", "convolve_full", "core_slice"]
