"""Linear algebra (numpy.linalg): norms so far, built from primitives."""

from __future__ import annotations

from typing import Any

import numpy as np

from .registry import implements


@implements(np.linalg.norm)
def norm(x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Any:
    """``np.linalg.norm`` for the 2-norm of vectors and the Frobenius norm of matrices."""
    if ord not in (None, 2, "fro") or (ord == 2 and (axis is None and np.ndim(x) == 2)):
        raise NotImplementedError(f"numpy.linalg.norm: ord={ord!r} is not supported when traced")
    squared = np.real(x * np.conj(x)) if np.iscomplexobj(x) else x * x
    return np.sqrt(np.sum(squared, axis=axis, keepdims=keepdims))
