"""Helpers to declare scipy.special primitives: n-ary broadcasting rules, missing partials."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..core import Primitive, zero_derivative
from .batching import batch_elementwise
from .registry import broadcast_like, primitive, unbroadcast

FAMILY = "special"

Partial = Callable[..., Any]


def no_partial(function: str, argument: str, why: str = "") -> Partial:
    """A partial derivative that is not available: it raises when a tangent reaches it.

    Used for arguments such as the order of a Bessel function, whose derivative has no
    closed form SciPy computes; the error names the function and the argument, and the way
    out, instead of a silent zero.
    """

    def partial(*args: Any, **params: Any) -> Any:
        raise NotImplementedError(
            f"{function}: no derivative with respect to argument {argument!r}"
            + (f" ({why})" if why else "")
            + "; hold it constant (pass a plain array, or functional_ad.stop_gradient) or "
            "supply your own rule with functional_ad.custom_jvp / custom_vjp"
        )

    partial.missing = True  # type: ignore[attr-defined]
    return partial


def is_missing(partial: Any) -> bool:
    """True for a partial made by ``no_partial``."""
    return bool(getattr(partial, "missing", False))


def _like(d: Any, y: Any) -> Any:
    """A derivative in the float dtype of the result: SciPy computes some functions of Python
    floats (a constant shape parameter) in double, which would turn float32 tangents to
    float64."""
    d_dtype, y_dtype = getattr(d, "dtype", None), getattr(y, "dtype", None)
    if d_dtype is None or y_dtype is None or d_dtype == y_dtype or y_dtype.kind != "f":
        return d
    return d.astype(y_dtype)


def nary(
    name: str,
    ufunc: Any,
    partials: Sequence[Partial | None],
    *,
    reads: Sequence[Sequence[int]],
) -> Primitive:
    """A broadcasting ufunc of ``len(partials)`` arguments; ``partials[i](y, *args)`` is
    the derivative of ``y`` in argument ``i`` (``None``: integer-valued, so piecewise
    constant: ``zero_derivative``). ``reads[i]`` says which of ``y`` (-1) and the arguments
    (0, 1, ...) partial ``i`` reads (``()`` for a ``None`` or ``no_partial`` one).

    In the ``special`` family, batched elementwise; the front end routes ``ufunc`` to it.

    >>> import numpy as np
    >>> from functional_ad.ops.registry import PRIMITIVES
    >>> p = nary("doc_mul", lambda x, z: x * z, [lambda y, x, z: z, lambda y, x, z: x],
    ...          reads=[(1,), (0,)])
    >>> float(p(2.0, 3.0)), PRIMITIVES.pop("doc_mul") is p
    (6.0, True)
    """
    count = len(partials)
    if len(reads) != count:
        raise TypeError(f"{name}: {count} partials but reads for {len(reads)}")

    def rules(d: Partial | None, which: int) -> tuple[Any, Any]:
        if d is None:  # an integer-valued argument (a count): piecewise constant
            return zero_derivative, zero_derivative

        def jvp(t: Any, y: Any, *args: Any) -> Any:
            return broadcast_like(t * _like(d(y, *args), y), y)

        def vjp(g: Any, y: Any, *args: Any) -> Any:
            return unbroadcast(g * _like(d(y, *args), y), args[which])

        return jvp, vjp

    pairs = [rules(d, i) for i, d in enumerate(partials)]
    prim = primitive(
        name,
        ufunc,
        jvp=[p[0] for p in pairs],
        vjp=[p[1] for p in pairs],
        reads=[
            () if d is None or is_missing(d) else tuple(r)
            for d, r in zip(partials, reads, strict=True)
        ],
        family=FAMILY,
        batch=batch_elementwise,
        elementwise=True,
    )
    return prim


__all__ = ["is_missing", "nary", "no_partial"]
