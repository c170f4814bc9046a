"""Gradients built on the reverse pass: grad, value_and_grad, and the Hessian products hvp, vhp."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, Protocol, cast

import numpy as np

from ..core.tree import tree_flatten, tree_unflatten
from ..core.zeros import tangent_dtype
from ..ops.registry import shape_of
from .common import as_value, check_argnums, check_float_outputs, name_transform
from .forward import jvp
from .reverse import pull_back, record

Argnums = int | Sequence[int]


class Selected(Protocol):
    """A function of the differentiated arguments only; ``argnums`` says which they are."""

    argnums: tuple[int, ...]

    def __call__(self, *dyn: Any) -> Any: ...


def select(
    f: Callable[..., Any], argnums: Argnums, args: tuple, kwargs: dict, transform: str
) -> tuple[Selected, tuple, bool]:
    """Split ``args`` into the differentiated ones and a function of only those."""
    single, nums = check_argnums(argnums, transform)
    n = len(args)
    for i in nums:
        if not -n <= i < n:
            raise ValueError(f"{transform}: argnums {argnums} out of range for {n} arguments")
    nums = tuple(i % n for i in nums)

    def partial(*dyn: Any) -> Any:
        full = list(args)
        for i, a in zip(nums, dyn, strict=True):
            full[i] = a
        return f(*full, **kwargs)

    selected = cast(Selected, partial)
    selected.argnums = nums  # names the inputs in errors
    return selected, tuple(args[i] for i in nums), single


def select_checked(
    f: Callable[..., Any],
    argnums: Argnums,
    args: tuple,
    kwargs: dict,
    holomorphic: bool,
    transform: str,
) -> tuple[Selected, tuple, bool, list[str]]:
    """``select``, then name and check the differentiated inputs (dtypes, ``holomorphic``)."""
    g, dyn, single = select(f, argnums, args, kwargs, transform)
    names = leaf_names(dyn, g.argnums)
    check_inputs(dyn, names, holomorphic, transform)
    return g, dyn, single, names


def leaf_names(dyn: tuple, nums: Sequence[int]) -> list[str]:
    """How errors name each flat leaf of the differentiated arguments: ``argument 1 leaf 0``."""
    names = []
    for n, arg in zip(nums, dyn, strict=True):
        leaves = tree_flatten(arg)[0]
        single = len(leaves) == 1 and tree_flatten(arg)[1].kind is None
        names += [
            f"argument {n}" if single else f"argument {n} leaf {k}" for k in range(len(leaves))
        ]
    return names


def _is_complex(x: Any) -> bool:
    return np.dtype(as_value(x).dtype).kind == "c"


def check_inputs(dyn: tuple, names: list[str], holomorphic: bool, transform: str) -> None:
    """With ``holomorphic`` every differentiated input must be complex (JAX's rule)."""
    if not holomorphic:
        return
    for name, leaf in zip(names, tree_flatten(dyn)[0], strict=True):
        if not _is_complex(leaf):
            raise TypeError(
                f"{transform} with holomorphic=True needs complex inputs, but "
                f"{name} has dtype {np.dtype(as_value(leaf).dtype)}; convert it, "
                f"e.g. x.astype(complex), or drop holomorphic=True for a real input"
            )


def check_real_inputs(dyn: tuple, names: list[str], holomorphic: bool, transform: str) -> None:
    """Forward mode pushes real basis tangents: a complex input needs ``holomorphic``."""
    if holomorphic:
        return
    for name, leaf in zip(names, tree_flatten(dyn)[0], strict=True):
        if _is_complex(leaf):
            raise TypeError(
                f"{transform} needs real inputs unless holomorphic=True, but {name} "
                f"is complex ({np.dtype(as_value(leaf).dtype)}): a real basis direction would "
                f"miss the derivative along the imaginary axis. Pass holomorphic=True if the "
                f"function is holomorphic, use jacrev for a real output, or call jvp with "
                f"explicit tangents"
            )


def check_complex_outputs(outs: Sequence[Any], holomorphic: bool, transform: str) -> None:
    """Complex outputs need ``holomorphic=True``; with it, every output must be complex."""
    for i, y in enumerate(outs):
        complex_out = _is_complex(y)
        if holomorphic and not complex_out:
            raise TypeError(
                f"{transform} with holomorphic=True needs complex outputs, but output leaf {i} "
                f"has dtype {np.dtype(as_value(y).dtype)}; return a complex value or drop "
                f"holomorphic=True"
            )
        if not holomorphic and complex_out:
            raise TypeError(
                f"{transform} of a function with a complex output (output leaf {i}, dtype "
                f"{np.dtype(as_value(y).dtype)}) needs holomorphic=True: the result is then "
                f"the complex derivative f'(z). If the function is not holomorphic, take "
                f"np.real / np.abs of its output, or use vjp with an explicit cotangent"
            )


def value_and_grad(
    f: Callable[..., Any], argnums: Argnums = 0, has_aux: bool = False, holomorphic: bool = False
) -> Callable[..., Any]:
    """Return a function computing ``(f(*args), ∇f(*args))`` for scalar-valued ``f``.

    For a real ``f`` of complex ``z`` the gradient is the conjugate of the direction of
    steepest ascent, ``∂f/∂x - i ∂f/∂y`` (so ``|z|²`` gives ``2 conj(z)``); with
    ``holomorphic=True`` and a complex output it is the complex derivative ``f'(z)``.

    Args:
        f: a function whose output is a scalar or a one-element array.
        argnums: which positional argument(s) to differentiate; a tuple gives a tuple.
        has_aux: ``f`` returns ``(out, aux)``; the result is then ``((out, aux), grad)``.
        holomorphic: ``f`` is holomorphic with complex inputs and a complex output.

    Returns:
        A function returning ``(value, grad)``; ``grad`` has the structure, shapes and dtypes
        of the selected argument(s). Keyword arguments of a call are passed to ``f``
        unchanged and never differentiated.

    >>> import numpy as np
    >>> value, g = value_and_grad(lambda x: np.sum(x ** 2))(np.array([1.0, 2.0]))
    >>> float(value), g
    (5.0, array([2., 4.]))
    """

    check_argnums(argnums, "grad")

    @name_transform("value_and_grad", f, "Value and gradient")
    def value_and_grad_f(*args: Any, **kwargs: Any) -> Any:
        g, dyn, single, names = select_checked(f, argnums, args, kwargs, holomorphic, "grad")
        rec = record(g, dyn, has_aux, "grad", names)
        if len(rec.out) != 1 or math.prod(shape_of(rec.out[0])) != 1:
            shapes = [shape_of(o) for o in rec.out]
            shape = shapes[0] if len(shapes) == 1 else f"a tree {rec.out_tree}"
            raise TypeError(
                f"grad requires a function with a scalar output (a scalar or a one-element "
                f"array), but {getattr(f, '__name__', f)} returned shape {shape}. Use "
                f"jacobian (jacrev/jacfwd) for the whole Jacobian, vjp with a cotangent, or "
                f"reduce the output, e.g. with .sum()."
            )
        y = rec.out[0]
        check_float_outputs(rec.out, "grad")
        dtype = tangent_dtype(y)
        check_complex_outputs(rec.out, holomorphic, "grad")
        grads = tree_unflatten(rec.in_tree, pull_back(rec, [np.ones(shape_of(y), dtype)], True))
        grads = grads[0] if single else grads
        value = tree_unflatten(rec.out_tree, rec.out)
        return ((value, rec.aux), grads) if has_aux else (value, grads)

    return value_and_grad_f


def grad(
    f: Callable[..., Any], argnums: Argnums = 0, has_aux: bool = False, holomorphic: bool = False
) -> Callable[..., Any]:
    """Return a function computing ``∇f``, the gradient of scalar-valued ``f``.

    Complex inputs follow ``value_and_grad``: ``grad(lambda z: abs(z) ** 2)(3 + 4j)`` is
    ``6 - 8j``, and ``grad(np.sin, holomorphic=True)(z)`` is ``np.cos(z)``.

    Args:
        f: a function whose output is a scalar or a one-element array.
        argnums: which positional argument(s) to differentiate; a tuple gives a tuple.
        has_aux: ``f`` returns ``(out, aux)``; the result is then ``(grad, aux)``.
        holomorphic: ``f`` is holomorphic with complex inputs and a complex output.

    Returns:
        A function returning the gradient, shaped like the selected argument(s). Keyword
        arguments of a call are passed to ``f`` unchanged and never differentiated.

    >>> import numpy as np
    >>> grad(lambda x: np.sum(2 * np.sin(x) + 1))(np.array([0.0, np.pi]))
    array([ 2., -2.])
    """
    value_and_grad_f = value_and_grad(f, argnums, has_aux, holomorphic)

    @name_transform("grad", f, "Gradient")
    def grad_f(*args: Any, **kwargs: Any) -> Any:
        value, g = value_and_grad_f(*args, **kwargs)
        return (g, value[1]) if has_aux else g

    return grad_f


def _grad_with_value(f: Callable[..., Any], n: int) -> Callable[..., Any]:
    """``xs -> (∇f(xs), f(xs))``: the gradient as output and the value as aux."""
    value_and_grad_f = value_and_grad(f, argnums=tuple(range(n)))

    def grad_with_value(*xs: Any) -> Any:
        value, g = value_and_grad_f(*xs)
        return g, value

    return grad_with_value


def _check_tuples(transform: str, primals: Any, vectors: Any, kind: str) -> None:
    """Primals and vectors come as tuples, one entry per argument of ``f``."""
    for what, value in (("primals", primals), (kind, vectors)):
        if not isinstance(value, (tuple, list)):
            raise TypeError(
                f"{transform} expects primals and {kind} as tuples, one entry per argument: "
                f"{transform}(f, (x,), (v,)); {what} is a bare {type(value).__name__} of shape "
                f"{np.shape(value)}. (functional_ad.functional.{transform} takes "
                f"torch.autograd.functional's {transform}(func, inputs, v) form.)"
            )
    if len(primals) != len(vectors):
        raise ValueError(
            f"{transform}: {len(primals)} primals but {len(vectors)} {kind}; give one per primal"
        )


def hvp(f: Callable[..., Any], primals: tuple, tangents: tuple) -> tuple[Any, Any]:
    """Return ``(f(*primals), H @ v)`` by forward-over-reverse, never forming ``H``.

    Args:
        f: a scalar-valued function.
        primals: tuple of arguments.
        tangents: tuple of vectors ``v``, one per primal, shaped like it.

    Returns:
        ``(value, hv)`` with ``hv`` a tuple with one entry per primal.

    >>> import numpy as np
    >>> value, (hv,) = hvp(lambda x: np.sum(x ** 3), (np.array([1.0, 2.0]),),
    ...                    (np.array([1.0, 1.0]),))
    >>> hv
    array([ 6., 12.])
    """
    _check_tuples("hvp", primals, tangents, "tangents")
    g = _grad_with_value(f, len(primals))
    _, hv, value = jvp(g, tuple(primals), tuple(tangents), has_aux=True)
    return value, hv


def vhp(f: Callable[..., Any], primals: tuple, cotangents: tuple) -> tuple[Any, Any]:
    """Return ``(f(*primals), v^T H)`` by reverse-over-reverse.

    Args:
        f: a scalar-valued function.
        primals: tuple of arguments.
        cotangents: tuple of vectors ``v``, one per primal, shaped like it.

    Returns:
        ``(value, vh)`` with ``vh`` a tuple with one entry per primal.

    >>> import numpy as np
    >>> value, (vh,) = vhp(lambda x: np.sum(x ** 3), (np.array([1.0, 2.0]),),
    ...                    (np.array([1.0, 1.0]),))
    >>> vh
    array([ 6., 12.])
    """
    from .reverse import vjp

    _check_tuples("vhp", primals, cotangents, "cotangents")
    g = _grad_with_value(f, len(primals))
    _, pullback, value = vjp(g, *primals, has_aux=True)
    return value, pullback(tuple(cotangents))
