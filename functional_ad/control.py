"""Gradient control: stop_gradient."""

from __future__ import annotations

from typing import Any


from .ops.registry import primitive
from .tree import tree_map

# identity whose derivative is zero: no jvp/vjp rule, so every differentiating trace
# treats its result as a constant (traces that do not differentiate still see it)
stop_gradient_p = primitive("stop_gradient", lambda x: x)


def stop_gradient(x: Any) -> Any:
    """Return ``x`` as a constant for every transform: its derivative is 0.

    Args:
        x: an array, a traced value or a pytree of them.

    Returns:
        The same values, cut from the computation being differentiated.

    >>> import numpy as np, functional_ad as fad
    >>> float(fad.grad(lambda x: x * stop_gradient(x))(3.0))
    3.0
    """
    return tree_map(lambda leaf: stop_gradient_p(leaf) if hasattr(leaf, "_trace") else leaf, x)



