"""Import SciPy for the functional_ad.scipy modules, with the install hint when it is missing."""

from __future__ import annotations

import importlib
from types import ModuleType

INSTALL_HINT = 'functional_ad.scipy needs SciPy: pip install "functional_ad[scipy]"'


def scipy_module(name: str) -> ModuleType:
    """``scipy.<name>`` imported, and scipy.special's functions registered with functional_ad.

    >>> scipy_module("special").__name__
    'scipy.special'
    """
    try:
        module = importlib.import_module(f"scipy.{name}")
    except ImportError as error:
        raise ImportError(INSTALL_HINT) from error
    from ..numpy.dispatch import register_scipy

    register_scipy()
    return module


__all__ = ["INSTALL_HINT", "scipy_module"]
