"""The NumPy front end: NumPy's API mapped onto the engine's primitives.

Importing it fills the dispatch tables of ``registry`` with the handlers of each family.
"""

from . import (  # noqa: F401  (each module registers its handlers)
    array_tools,
    assembly,
    binning,
    convolution,
    elementwise,
    fft,
    linalg,
    polynomials,
    products,
    reductions,
    registry,
    sampling,
    scipy_special,
    shape,
    statistics,
)
