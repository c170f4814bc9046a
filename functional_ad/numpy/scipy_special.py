"""Routes from scipy.special's ufuncs to their primitives (``ops/special.py`` and families).

SciPy's ufuncs reach the front end through NumPy's ``__array_ufunc__``, like NumPy's own:
each primitive whose implementation is the ufunc itself is its route. SciPy is imported only
when a program uses it (``register``), so the routes are filled then.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core import Primitive
from ..ops import special
from .registry import NUMPY


def route(primitives: dict[str, Any]) -> None:
    """Route each ufunc implementing one of ``primitives`` (by name) to it.

    >>> import numpy as np
    >>> from functional_ad.ops.elementwise import exp
    >>> route({"exp": exp})
    >>> NUMPY[np.exp] is exp
    True
    """
    for prim in primitives.values():
        if isinstance(prim, Primitive) and isinstance(prim.impl, np.ufunc):
            NUMPY[prim.impl] = prim
    if "digamma" in primitives and special.sc is not None:
        NUMPY[special.sc.psi] = primitives["digamma"]  # psi: digamma's other name
    if "numpy.i0" in primitives:
        NUMPY[np.i0] = primitives["numpy.i0"]  # a Python function in NumPy, scipy's i0 rule


def register() -> bool:
    """Declare scipy.special's primitives and route its ufuncs (once); False without SciPy.

    >>> register()
    True
    """
    if not special.register():
        return False
    route(special.PRIMITIVES_BY_NAME)
    return True


if special.PRIMITIVES_BY_NAME:  # declared at import (SciPy was imported first)
    route(special.PRIMITIVES_BY_NAME)
