"""A batch that is a scaled identity, kept symbolic while it flows through cheap operations.

``jacrev`` and ``jacfwd`` push the standard basis through a function. As a dense batch that is
an ``n x n`` identity, and the first matrix product it meets costs ``n³``. Kept as
``ScaledIdentity(d)`` (example ``b`` is ``d[b] e_b``) it passes through elementwise scaling,
sums of such batches and reshapes unchanged, and a matrix product with it is a row or column
scaling (``n²``). Any other primitive sees the dense batch.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


class ScaledIdentity:
    """The batch whose example ``b`` is ``d.flat[b]`` times the ``b``-th basis array.

    ``d`` has the shape of one example; the batch has ``d.size`` examples.
    """

    __slots__ = ("d",)

    def __init__(self, d: Any) -> None:
        self.d = d

    @property
    def shape(self) -> tuple[int, ...]:
        return (int(np.size(self.d)),) + tuple(np.shape(self.d))

    @property
    def dtype(self) -> Any:
        return self.d.dtype

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def dense(self) -> Any:
        """The batch as an array of shape ``(n,) + d.shape``."""
        n = int(np.size(self.d))
        eye = np.eye(n, dtype=np.result_type(self.d))
        return np.reshape(eye * np.reshape(self.d, (1, n)), self.shape)


def densify(x: Any) -> Any:
    """A dense batch for ``x``, whatever its representation."""
    return x.dense() if type(x) is ScaledIdentity else x


def _scale(vals: list, batched: tuple, op: Callable[[Any, Any], Any]) -> Any:
    """``identity * c`` or ``identity / c`` with ``c`` unbatched and no wider than an example."""
    (s, c), bc = vals, batched[1]
    if type(s) is not ScaledIdentity or bc:
        return None
    shape = s.d.shape if hasattr(s.d, "shape") else np.shape(s.d)
    if np.broadcast_shapes(tuple(shape), np.shape(c)) != tuple(shape):
        return None  # c would widen each example: the batch stops being diagonal
    return ScaledIdentity(op(s.d, c))


def _same_examples(a: ScaledIdentity, b: ScaledIdentity) -> bool:
    """Two identities whose examples line up: of one shape (``x`` and ``x.reshape(1, n)``
    broadcast against each other to a batch that is no longer diagonal)."""
    return np.shape(a.d) == np.shape(b.d)


def _mul(vals: list, batched: tuple) -> Any:
    a, b = vals
    if type(a) is ScaledIdentity and type(b) is ScaledIdentity:
        return ScaledIdentity(a.d * b.d) if _same_examples(a, b) else None
    if type(b) is ScaledIdentity:
        return _scale([b, a], batched[::-1], lambda d, c: c * d)
    return _scale(vals, batched, lambda d, c: d * c)


def _div(vals: list, batched: tuple) -> Any:
    return _scale(vals, batched, lambda d, c: d / c) if type(vals[0]) is ScaledIdentity else None


def _add(sign: float) -> Callable[[list, tuple], Any]:
    def rule(vals: list, batched: tuple) -> Any:
        a, b = vals
        if type(a) is ScaledIdentity and type(b) is ScaledIdentity and _same_examples(a, b):
            return ScaledIdentity(a.d + b.d if sign > 0 else a.d - b.d)
        return None

    return rule


def _matmul(vals: list, batched: tuple) -> Any:
    """A row or column scaling: ``(d_b e_b) @ W = d_b W[b]`` and ``W @ (d_b e_b) = d_b W[:, b]``."""
    a, b = vals
    if type(a) is ScaledIdentity and not batched[1] and np.ndim(a.d) == 1 and np.ndim(b) == 2:
        return np.reshape(a.d, (-1, 1)) * b
    if type(b) is ScaledIdentity and not batched[0] and np.ndim(b.d) == 1 and np.ndim(a) == 2:
        return np.transpose(a * np.reshape(b.d, (1, -1)))
    return None


def _sum(vals: list, batched: tuple, axis: Any, keepdims: bool) -> Any:
    (s,) = vals
    if axis is None and not keepdims:  # the sum of example b is d_b
        return np.reshape(s.d, (-1,))
    return None


def _unary(op: Callable[[Any], Any]) -> Callable[..., Any]:
    return lambda vals, batched, **params: ScaledIdentity(op(vals[0].d))


STRUCTURED: dict[str, Callable[..., Any]] = {
    "mul": _mul,
    "div": _div,
    "add": _add(1.0),
    "sub": _add(-1.0),
    "neg": _unary(lambda d: -d),
    "pos": _unary(lambda d: d),
    "matmul": _matmul,
    "sum": _sum,
    "convert": lambda vals, batched, dtype: ScaledIdentity(vals[0].d.astype(dtype)),
    "reshape": lambda vals, batched, shape: ScaledIdentity(np.reshape(vals[0].d, shape)),
}


def apply_structured(name: str, vals: list, batched: tuple, params: dict) -> Any:
    """The structured result of primitive ``name``, or ``None`` when it needs dense batches."""
    rule = STRUCTURED.get(name)
    return None if rule is None else rule(vals, batched, **params)


__all__ = ["ScaledIdentity", "apply_structured", "densify"]
