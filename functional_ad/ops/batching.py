"""Batch rules that many primitives share, for ``vmap`` (each primitive names its own).

A batch rule ``rule(prim, size, vals, batched, **params)`` receives the values of one call
(batched ones carry the batch on axis 0; ``batched`` says which) and returns the batched
result, batch on axis 0. A primitive declares its rule with ``batch=`` beside its derivative
rules; the helpers here are the shapes most of them share.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..core import Primitive


def batch_by_loop(prim: Primitive, size: int, vals: list, batched: tuple, **params: Any) -> Any:
    """Apply the primitive to each example and stack the results.

    Correct for any primitive but one call per example: only for primitives NumPy cannot map
    over an axis (functions of whole arrays such as ``np.unique``, SciPy's one-system ODE
    solvers, user rules of ``custom_jvp``), each declaring why beside its ``batch=``.

    >>> import numpy as np
    >>> from functional_ad.ops.constants import CONSTANTS
    >>> batch_by_loop(CONSTANTS["count_nonzero"], 2, [np.eye(2)], (True,))
    array([1, 1])
    """
    outs = [
        prim(*[v[i] if b else v for v, b in zip(vals, batched, strict=True)], **params)
        for i in range(size)
    ]
    groups = zip(*outs, strict=True) if prim.multiple_results else [outs]
    stacked = []
    for parts in groups:
        shapes = {np.shape(p) for p in parts}
        if len(shapes) > 1:
            raise ValueError(
                f"vmap: {prim.name} gives results of different shapes for different examples "
                f"({sorted(shapes)}): its output shape depends on the values, so the results "
                "cannot form one batched array"
            )
        stacked.append(np.stack(parts))
    return tuple(stacked) if prim.multiple_results else stacked[0]


def example_ndim(v: Any, is_batched: bool) -> int:
    """The number of dimensions of one example of ``v``.

    >>> import numpy as np
    >>> example_ndim(np.zeros((5, 2, 3)), True), example_ndim(np.zeros((2, 3)), False)
    (2, 2)
    """
    return np.ndim(v) - 1 if is_batched else np.ndim(v)


def to_rank(v: Any, rank: int) -> Any:
    """Insert axes after the batch axis so that one example of ``v`` has ``rank`` dims.

    >>> import numpy as np
    >>> to_rank(np.zeros((5, 3)), 3).shape
    (5, 1, 1, 3)
    """
    shape = np.shape(v)
    missing = rank - (len(shape) - 1)
    if missing <= 0:
        return v
    return np.reshape(v, shape[:1] + (1,) * missing + shape[1:])


def broadcast_batch(v: Any, size: int) -> Any:
    """An unbatched value repeated along a new leading batch axis (a view, no copy).

    >>> import numpy as np
    >>> broadcast_batch(np.array([1.0, 2.0]), 3).shape
    (3, 2)
    """
    return np.broadcast_to(v, (size,) + np.shape(v))


def batch_elementwise(prim: Primitive, size: int, vals: list, batched: tuple, **params: Any) -> Any:
    """Broadcasting primitives: line up example ranks so the batch axis stays first.

    >>> import numpy as np
    >>> from functional_ad.ops.elementwise import add
    >>> batch_elementwise(add, 2, [np.ones((2, 3)), np.ones(3)], (True, False)).shape
    (2, 3)
    """
    rank = max(example_ndim(v, b) for v, b in zip(vals, batched, strict=True))
    vals = [to_rank(v, rank) if b else v for v, b in zip(vals, batched, strict=True)]
    return prim(*vals, **params)


def batch_all(prim: Primitive, size: int, vals: list, batched: tuple, **params: Any) -> Any:
    """Primitives NumPy already maps over leading axes: give every argument the batch axis.

    >>> import numpy as np
    >>> from functional_ad.ops.linalg import inv_p
    >>> batch_all(inv_p, 2, [2 * np.eye(2)], (False,)).shape
    (2, 2, 2)
    """
    vals = [v if b else broadcast_batch(v, size) for v, b in zip(vals, batched, strict=True)]
    return prim(*vals, **params)


def shift_axis_param(name: str) -> Callable[..., Any]:
    """The batch rule of primitives with an axis parameter ``name`` (an int, a tuple or
    ``None``) over one example's axes: every argument gets the batch, the axes move by one.

    >>> import numpy as np
    >>> from functional_ad.ops.reductions import reduce_sum
    >>> rule = shift_axis_param("axis")
    >>> rule(reduce_sum, 2, [np.ones((2, 3))], (True,), axis=None, keepdims=False)
    array([3., 3.])
    """

    def rule(prim: Primitive, size: int, vals: list, batched: tuple, **params: Any) -> Any:
        axis = params[name]
        rank = max(example_ndim(v, b) for v, b in zip(vals, batched, strict=True))
        if axis is None:
            params[name] = tuple(range(1, rank + 1))
        elif isinstance(axis, tuple):
            params[name] = tuple(a % max(rank, 1) + 1 for a in axis)
        else:
            params[name] = axis % max(rank, 1) + 1
        vals = [v if b else broadcast_batch(v, size) for v, b in zip(vals, batched, strict=True)]
        return prim(*vals, **params)

    return rule


__all__ = [
    "batch_all",
    "batch_by_loop",
    "batch_elementwise",
    "broadcast_batch",
    "example_ndim",
    "shift_axis_param",
    "to_rank",
]
