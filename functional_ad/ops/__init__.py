"""The registry of primitives, one module per family; importing it registers them all."""

from . import (  # noqa: F401
    array_tools,
    assembly,
    binning,
    constants,
    convolution,
    elementwise,
    fft,
    filters,
    indexing,
    linalg,
    matrix_equations,
    polynomials,
    products,
    reductions,
    sampling,
    shape,
    special,
    statistics,
)
from .registry import NUMPY, PRIMITIVES, UFUNC_METHODS

__all__ = ["NUMPY", "PRIMITIVES", "UFUNC_METHODS"]
