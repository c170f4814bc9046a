"""The registry of primitives, one module per family; importing it registers them all."""

from . import elementwise, indexing, linalg, products, reductions, shape  # noqa: F401
from .registry import NUMPY, PRIMITIVES, UFUNC_METHODS

__all__ = ["NUMPY", "PRIMITIVES", "UFUNC_METHODS"]
