"""SciPy for traced values, mirroring SciPy's modules: ``functional_ad.scipy.stats.norm``...

Code written for ``scipy`` ports by changing the import: each submodule has SciPy's names and
signatures, written with primitives (or SciPy's own ufuncs, which reach functional_ad through
NumPy's protocols), so every function here differentiates in both modes, batches under
``vmap`` and compiles. SciPy itself is needed (``pip install "functional_ad[scipy]"``).

>>> import numpy as np, functional_ad as fad
>>> from functional_ad.scipy import special
>>> float(fad.grad(special.gammaln)(1.0))  # digamma(1) = -Euler's constant
-0.5772156649015329
"""

from __future__ import annotations

from . import integrate, limits, linalg, optimize, signal, special, stats

__all__ = ["integrate", "limits", "linalg", "optimize", "signal", "special", "stats"]
