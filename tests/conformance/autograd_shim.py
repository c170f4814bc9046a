"""Stand-ins for the ``autograd`` modules that HIPS autograd's own tests import, built from
functional_ad: its transforms under autograd's names and calling conventions, plain NumPy for
``autograd.numpy`` (functional_ad traces NumPy itself) and ``functional_ad.scipy`` (with SciPy's
remaining functions behind it) for ``autograd.scipy``.

``install()`` puts them in ``sys.modules`` so ``import autograd.numpy as np`` in a test file
gets NumPy; names autograd has and these modules lack raise ``AttributeError`` or
``ImportError`` when a test reaches them, and count as that test's failure.
"""

from __future__ import annotations

import builtins
import importlib
import itertools
import sys
import types
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import functional_ad as fad
from functional_ad.testing import check_grads as _check_grads


def _nary(transform: Callable[..., Any]) -> Callable[..., Any]:
    """``transform(unary_fun, x)`` as autograd's ``op(fun, argnum=0)(*args, **kwargs)``: the
    function of the argument(s) at ``argnum`` (a tuple of them for a tuple of positions)."""

    def operator(fun: Callable[..., Any], argnum: Any = 0, *rest: Any, **options: Any) -> Any:
        def applied(*args: Any, **kwargs: Any) -> Any:
            positions = argnum if isinstance(argnum, Sequence) else (argnum,)

            def unary(x: Any) -> Any:
                values = list(args)
                chosen = x if isinstance(argnum, Sequence) else (x,)
                for position, value in zip(positions, chosen, strict=True):
                    values[position] = value
                return fun(*values, **kwargs)

            x = tuple(args[p] for p in positions) if isinstance(argnum, Sequence) else args[argnum]
            return transform(unary, x, *rest, **options)

        return applied

    return operator


def _as_float(x: Any) -> Any:
    """A Python or integer number as a float array (a point to differentiate at)."""
    if isinstance(x, tuple | list):
        return type(x)(_as_float(v) for v in x)
    if isinstance(x, dict):
        return {k: _as_float(v) for k, v in x.items()}
    x = np.asarray(x)
    return x.astype(float) if x.dtype.kind in "biu" else x


def _unary_grad(fun: Callable, x: Any) -> Any:
    return fad.grad(fun)(_as_float(x))


def _elementwise_grad(fun: Callable, x: Any) -> Any:
    value, pullback = fad.vjp(fun, _as_float(x))
    return pullback(np.ones_like(value))[0]


def _deriv(fun: Callable, x: Any) -> Any:
    x = _as_float(x)
    return fad.jvp(fun, (x,), (np.ones_like(x),))[1]


def _value_and_grad(fun: Callable, x: Any) -> Any:
    return fad.value_and_grad(fun)(_as_float(x))


def _holomorphic_grad(fun: Callable, x: Any) -> Any:
    return fad.grad(fun, holomorphic=True)(x)


def _make_vjp(fun: Callable, x: Any) -> Any:
    value, pullback = fad.vjp(fun, _as_float(x))
    return (lambda cotangent: pullback(cotangent)[0]), value


def _make_jvp(fun: Callable, x: Any) -> Any:
    x = _as_float(x)
    return lambda v: fad.jvp(fun, (x,), (v,))


def _check(fun: Callable, x: Any, modes: Sequence[str] = ("fwd", "rev"), order: int = 2) -> None:
    _check_grads(fun, (_as_float(x),), order=order, modes=tuple(modes))


def combo_check(fun: Callable, *args: Any, **kwargs: Any) -> Callable[..., None]:
    """autograd's ``combo_check``: ``check_grads`` over every combination of the values given
    for each argument and keyword."""

    def run(*value_lists: Any, **keyword_lists: Any) -> None:
        keywords = [[(k, v) for v in vs] for k, vs in keyword_lists.items()]
        for values in itertools.product(*value_lists):
            for chosen in itertools.product(*keywords):
                check_grads(fun, *args, **kwargs)(*values, **dict(chosen))

    return run


check_grads = _nary(_check)


def _forward(module_names: Sequence[str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` looking a name up in each module in turn."""

    def lookup(name: str) -> Any:
        for module_name in module_names:
            module = importlib.import_module(module_name)
            if hasattr(module, name):
                return getattr(module, name)
        raise AttributeError(f"no {name!r} in {', '.join(module_names)}")

    return lookup


def _module(name: str, **attributes: Any) -> types.ModuleType:
    module = types.ModuleType(name)
    module.__path__ = []  # a package: a missing submodule is a ModuleNotFoundError
    module.__dict__.update(attributes)
    return module


def modules() -> dict[str, Any]:
    """The substitutes, by module name."""
    import functional_ad.scipy as fscipy

    top = _module(
        "autograd",
        numpy=np,
        grad=_nary(_unary_grad),
        elementwise_grad=_nary(_elementwise_grad),
        deriv=_nary(_deriv),
        holomorphic_grad=_nary(_holomorphic_grad),
        jacobian=_nary(lambda f, x: fad.jacobian(f)(_as_float(x))),
        hessian=_nary(lambda f, x: fad.hessian(f)(_as_float(x))),
        value_and_grad=_nary(_value_and_grad),
        make_vjp=_nary(_make_vjp),
        make_jvp=_nary(_make_jvp),
        checkpoint=fad.checkpoint,
        tuple=builtins.tuple,
        list=builtins.list,
        dict=builtins.dict,
        isinstance=builtins.isinstance,
        type=builtins.type,
    )
    test_util = _module("autograd.test_util", check_grads=check_grads, combo_check=combo_check)
    scipy = _module("autograd.scipy")
    found: dict[str, Any] = {}
    for name in ("special", "stats", "linalg", "signal", "integrate"):
        sub = _module(f"autograd.scipy.{name}")
        sub.__getattr__ = _forward([f"functional_ad.scipy.{name}", f"scipy.{name}"])  # type: ignore[attr-defined]
        setattr(scipy, name, sub)
        found[f"autograd.scipy.{name}"] = sub
    for name in ("norm", "t", "gamma", "beta", "chi2", "poisson", "dirichlet",
                 "multivariate_normal"):  # fmt: skip
        found[f"autograd.scipy.stats.{name}"] = getattr(fscipy.stats, name)
    top.scipy = scipy  # type: ignore[attr-defined]
    top.test_util = test_util  # type: ignore[attr-defined]
    return {
        "autograd": top,
        "autograd.numpy": np,
        "autograd.numpy.random": np.random,
        "autograd.numpy.linalg": np.linalg,
        "autograd.numpy.fft": np.fft,
        "autograd.test_util": test_util,
        "autograd.scipy": scipy,
        **found,
    }


def install() -> None:
    """Put the substitutes in ``sys.modules`` (replacing any real ``autograd``)."""
    for name in [n for n in sys.modules if n == "autograd" or n.startswith("autograd.")]:
        del sys.modules[name]
    sys.modules.update(modules())


__all__ = ["check_grads", "combo_check", "install", "modules"]
