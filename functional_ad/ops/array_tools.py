"""The primitive behind ``np.ix_``, which builds index arrays (constants, no derivative).

The other array tools (``np.resize``, ``np.unique_*``...) compose primitives in the front end
(``functional_ad/numpy/array_tools.py``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .registry import no_derivative, shape_of

FAMILY = "array_tools"


def _ix_batch(prim: Any, size: int, vals: list, batched: tuple, **params: Any) -> tuple:
    """Batching rule of ``ix_``: argument ``i`` becomes ``(batch, 1.., n_i, ..1)``."""
    count = len(vals)
    out = []
    for i, (v, b) in enumerate(zip(vals, batched, strict=True)):
        v = v if b else np.broadcast_to(v, (size,) + shape_of(v))
        if np.dtype(v.dtype).kind == "b":
            raise NotImplementedError("vmap of numpy.ix_ with boolean masks is not supported")
        shape = (size,) + (1,) * i + (shape_of(v)[1],) + (1,) * (count - i - 1)
        out.append(np.reshape(v, shape))
    return tuple(out)


_ix = no_derivative(
    "ix_", lambda *args: tuple(np.ix_(*args)), multiple_results=True, batch=_ix_batch, family=FAMILY
)


__all__ = []
