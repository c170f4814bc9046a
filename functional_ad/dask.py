"""Gradients over datasets held as Dask arrays: per-block gradients on the workers, tree-summed.

Needs the ``dask`` extra: ``pip install "functional_ad[dask]"``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .core import Tracer
from .core.tree import tree_leaves, tree_map
from .transforms.chunks import import_dask
from .transforms.common import check_argnums, name_transform
from .transforms.reverse import Argnums
from .transforms.reverse import value_and_grad as local_value_and_grad

__all__ = ["value_and_grad"]


@dataclass(frozen=True)
class _Loss:
    """The per-block loss and which of its arguments are differentiated."""

    fun: Callable[..., Any]
    argnums: Argnums


def _block_value_and_grad(loss: _Loss, args: tuple, positions: tuple, *blocks: Any) -> Any:
    """``(value, grad)`` of ``loss.fun`` with the data arguments replaced by one block each."""
    full = list(args)
    for i, block in zip(positions, blocks, strict=True):
        full[i] = block
    return local_value_and_grad(loss.fun, loss.argnums)(*full)


def _add(*parts: Any) -> Any:
    """The sum of several ``(value, grad)`` pairs, leaf by leaf."""
    value, grads = parts[0]
    for v, g in parts[1:]:
        value = value + v
        grads = tree_map(np.add, grads, g)
    return value, grads


def value_and_grad(
    fun: Callable[..., Any], argnums: Argnums = 0, split_every: int = 8
) -> Callable[..., Any]:
    """Return a function computing ``(Σ_b fun(params, block_b), its gradient)`` on Dask.

    Each argument that is a ``dask.array.Array`` is the data: it is split along axis 0 into
    its chunks (several data arrays are split alike), ``fun`` gets one block of each, and must
    return that block's summed loss. Each block's value and gradient is one task, and the
    tasks are summed in a tree (``split_every`` at a time), so no worker holds more than a few
    blocks. The result equals the gradient over the whole array up to rounding, and is computed
    with Dask's active scheduler (a ``distributed.Client`` once one is created).

    Args:
        fun: ``fun(params, *data_blocks)`` returning a scalar: the loss summed over the block.
        argnums: which positional argument(s) to differentiate (not the data arguments).
        split_every: how many partial results one summing task adds.

    Returns:
        A function returning concrete NumPy ``(value, grad)``, ``grad`` shaped like the
        selected argument(s).

    >>> import numpy as np, dask.array as da
    >>> x = da.from_array(np.arange(6.0), chunks=2)
    >>> value, g = value_and_grad(lambda w, x: np.sum((w * x) ** 2))(1.0, x)
    >>> float(value), float(g)
    (55.0, 110.0)
    """
    dask = import_dask("functional_ad.dask.value_and_grad")
    if split_every < 2:
        raise ValueError(
            f"functional_ad.dask.value_and_grad: split_every must be >= 2, got {split_every}"
        )

    @name_transform("value_and_grad", fun, "Value and gradient over Dask blocks")
    def value_and_grad_f(*args: Any) -> Any:
        name = value_and_grad_f.__name__
        positions = tuple(i for i, a in enumerate(args) if isinstance(a, dask.array.Array))
        _, nums = check_argnums(argnums, "functional_ad.dask.value_and_grad")
        if not positions:
            raise TypeError(
                f"{name}: no argument is a dask.array.Array; pass the data as one (e.g. "
                f"dask.array.from_array(x, chunks=(rows, -1))), or use "
                f"functional_ad.value_and_grad for NumPy data"
            )
        if any(int(i) % len(args) in positions for i in nums):
            raise ValueError(
                f"{name}: argnums {argnums} selects a Dask data argument; differentiate "
                f"with respect to the parameters, which must be NumPy values"
            )
        if any(isinstance(leaf, Tracer) for leaf in tree_leaves(args)):
            raise TypeError(
                f"{name} needs concrete parameters: it cannot run under another transform"
            )
        data = [_rows_chunked(args[i], args[positions[0]]) for i in positions]
        statics = tuple(None if i in positions else a for i, a in enumerate(args))
        token = uuid.uuid4().hex[:8]  # fresh keys per call: nothing is reused from another one
        shared_loss = dask.delayed(_Loss(fun, argnums), traverse=False, name=f"{name}-fun-{token}")
        shared_args = dask.delayed(statics, traverse=False, name=f"{name}-params-{token}")
        block_task = dask.delayed(_block_value_and_grad, pure=True)
        blocks = [d.to_delayed().ravel() for d in data]
        parts = [
            block_task(
                shared_loss,
                shared_args,
                positions,
                *row,
                dask_key_name=(f"{name}-block-{token}", b),
            )
            for b, row in enumerate(zip(*blocks, strict=True))
        ]
        add = dask.delayed(_add, pure=True)
        level = 0
        while len(parts) > 1:
            parts = [
                add(*parts[k : k + split_every], dask_key_name=(f"{name}-sum-{level}-{token}", k))
                for k in range(0, len(parts), split_every)
            ]
            level += 1
        (result,) = dask.compute(parts[0])
        return result

    return value_and_grad_f


def _rows_chunked(x: Any, like: Any) -> Any:
    """``x`` chunked along axis 0 only, with the row chunks of ``like``."""
    if x.ndim == 0:
        raise ValueError("functional_ad.dask.value_and_grad: a data array needs a row axis")
    if x.shape[0] != like.shape[0]:
        raise ValueError(
            f"functional_ad.dask.value_and_grad: data arrays must have the same number of rows; "
            f"got {like.shape[0]} and {x.shape[0]}"
        )
    chunks: Sequence[Any] = (like.chunks[0],) + tuple(-1 for _ in range(x.ndim - 1))
    if x.chunks[0] == like.chunks[0] and all(len(c) == 1 for c in x.chunks[1:]):
        return x
    return x.rechunk(chunks)
