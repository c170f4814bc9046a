"""The registry of primitives, one module per family; importing it registers them all."""

from . import (  # noqa: F401
    constants,
    convolution,
    elementwise,
    fft,
    filters,
    indexing,
    linalg,
    matrix_equations,
    products,
    reductions,
    shape,
    special,
)
from .registry import PRIMITIVES

__all__ = ["PRIMITIVES"]
