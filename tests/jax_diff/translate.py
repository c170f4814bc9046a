"""An op-table row's function rewritten for JAX: the same code with NumPy and SciPy names
bound to their JAX counterparts (jax.numpy, jax.scipy), so one row drives both libraries.

Only the test builds these copies; functional_ad itself is never involved.
"""

from __future__ import annotations

import types
from typing import Any

import numpy as np


class NoCounterpart(Exception):
    """The row uses something JAX does not have."""


def _jax_modules() -> dict[str, Any]:
    import jax.numpy as jnp
    import jax.scipy as jsp

    out = {
        "numpy": jnp,
        "numpy.linalg": jnp.linalg,
        "numpy.fft": jnp.fft,
        "scipy.special": jsp.special,
        "scipy.linalg": jsp.linalg,
        "scipy.stats": jsp.stats,
        "scipy.signal": jsp.signal,
        "scipy.integrate": getattr(jsp, "integrate", None),
    }
    for name in ("special", "linalg", "stats", "signal"):
        out[f"functional_ad.scipy.{name}"] = out[f"scipy.{name}"]
    return out


class Translator:
    """Map NumPy/SciPy modules and functions to JAX's, rebinding test-side helpers."""

    def __init__(self) -> None:
        self.modules = _jax_modules()
        self.cache: dict[int, Any] = {}

    def module(self, mod: types.ModuleType) -> Any:
        name = mod.__name__
        for prefix in ("numpy.linalg", "numpy.fft", "numpy"):
            if name.startswith(prefix + "._") or name == prefix:
                name = prefix
                break
        target = self.modules.get(name)
        if target is None:
            raise NoCounterpart(f"module {mod.__name__}")
        return target

    def function(self, fn: Any) -> Any:
        """JAX's function of the same name and module, or the test helper rebound."""
        if isinstance(fn, np.ufunc):
            import scipy.special as sc

            if getattr(sc, fn.__name__, None) is fn:
                return self._lookup("scipy.special", fn.__name__)
            return self._lookup("numpy", fn.__name__)
        owner = getattr(fn, "__self__", None)
        if isinstance(owner, np.ufunc):  # np.add.outer, np.maximum.reduce...
            base = self.function(owner)
            try:
                return getattr(base, fn.__name__)
            except AttributeError:
                raise NoCounterpart(f"{owner.__name__}.{fn.__name__}") from None
        module = getattr(fn, "__module__", None) or ""
        if module.startswith("scipy.stats") and hasattr(fn, "name"):  # a distribution
            return self._lookup("scipy.stats", fn.name)
        if not hasattr(fn, "__name__"):
            raise NoCounterpart(f"callable {type(fn).__name__}")
        if module.startswith("tests."):
            return self.rebind(fn)
        if module.startswith(("numpy", "scipy", "functional_ad.scipy")):
            key = module
            for prefix in self.modules:
                if module == prefix or module.startswith(prefix + "."):
                    key = prefix
            for prefix in ("numpy.linalg", "numpy.fft"):
                if module.startswith(prefix):
                    key = prefix
            if key.startswith("numpy") and key not in ("numpy.linalg", "numpy.fft"):
                key = "numpy"
            if key.startswith("scipy.special"):
                key = "scipy.special"
            return self._lookup(key, fn.__name__)
        if module.startswith("functional_ad"):
            raise NoCounterpart(f"{module}.{fn.__name__}")
        return fn

    def _lookup(self, module: str, name: str) -> Any:
        target = self.modules.get(module)
        found = getattr(target, name, None) if target is not None else None
        if found is None:
            raise NoCounterpart(f"{module}.{name}")
        return found

    def value(self, v: Any) -> Any:
        if isinstance(v, types.ModuleType):
            return self.module(v)
        if callable(v) and not isinstance(v, type):
            return self.function(v)
        if isinstance(v, (list, tuple)) and any(callable(e) for e in v):
            return type(v)(self.value(e) for e in v)
        return v

    def rebind(self, fn: Any) -> Any:
        """A copy of the test function ``fn`` whose globals and closure are translated."""
        if not isinstance(fn, types.FunctionType):
            raise NoCounterpart(f"callable {fn!r}")
        if id(fn) in self.cache:
            return self.cache[id(fn)]
        names = fn.__code__.co_names
        glb = dict(fn.__globals__)
        for name in names:
            if name in glb:
                try:
                    glb[name] = self.value(glb[name])
                except NoCounterpart:
                    # keep it: if the row really calls it, the JAX run fails and says so
                    pass
        closure = None
        if fn.__closure__:
            closure = tuple(types.CellType(self.value(c.cell_contents)) for c in fn.__closure__)
        new = types.FunctionType(fn.__code__, glb, fn.__name__, fn.__defaults__, closure)
        new.__kwdefaults__ = fn.__kwdefaults__
        self.cache[id(fn)] = new
        return new


def jax_version_of(fn: Any) -> Any:
    """The row function ``fn`` for JAX (``NoCounterpart`` if some part has none)."""
    return Translator().value(fn)
