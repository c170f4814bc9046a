"""The registry of primitives, one module per family; importing it registers them all."""

from . import assembly, elementwise, fft, indexing, linalg, products, reductions, shape  # noqa: F401
from . import special  # noqa: F401  (scipy.special, registered only when SciPy imports)
from .registry import NUMPY, PRIMITIVES, UFUNC_METHODS

__all__ = ["NUMPY", "PRIMITIVES", "UFUNC_METHODS"]
