"""Helpers shared by the transforms: input checks, lowering outputs, naming."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..core import Trace, Tracer
from ..core.tree import tree_flatten, tree_map
from ..core.zeros import Zero, instantiate, tangent_dtype


def as_value(x: Any) -> Any:
    """Arrays, NumPy scalars and tracers pass; Python numbers and lists become arrays."""
    if isinstance(x, (np.ndarray, np.generic, Tracer)):
        return x
    return np.asarray(x)


def check_argnums(argnums: Any, transform: str) -> tuple[bool, tuple[int, ...]]:
    """``(single, nums)`` for an ``argnums`` of ``transform``; refuse anything else.

    ``argnums`` is an int or a non-empty tuple or list of distinct ints. Arrays in its place
    are the torch.autograd.functional way of passing the inputs, which takes them here later.
    """
    if isinstance(argnums, (int, np.integer)) and not isinstance(argnums, (bool, np.bool_)):
        return True, (int(argnums),)
    items = argnums if isinstance(argnums, (tuple, list)) else None
    if (
        items is not None
        and items
        and all(
            isinstance(i, (int, np.integer)) and not isinstance(i, (bool, np.bool_)) for i in items
        )
    ):
        nums = tuple(int(i) for i in items)
        if len(set(nums)) != len(nums):
            raise ValueError(f"{transform}: argnums {tuple(nums)} repeats an argument")
        return False, nums
    if isinstance(argnums, (np.ndarray, Tracer, float, complex)) or (
        items and any(isinstance(i, (np.ndarray, Tracer, float, complex)) for i in items)
    ):
        raise TypeError(
            f"{transform}(f, inputs) takes argnums, not the inputs: call it as "
            f"{transform}(f)(x, y) (or {transform}(f, argnums=(0, 1))(x, y)); "
            f"functional_ad.functional.{transform} has torch.autograd.functional's "
            f"{transform}(func, inputs) form"
        )
    raise TypeError(
        f"{transform}: argnums must be an int or a non-empty tuple of distinct ints, "
        f"not {argnums!r:.60}"
    )


def check_differentiable(x: Any, what: str, transform: str) -> None:
    """Raise ``TypeError`` unless ``x`` has a float or complex dtype."""
    dtype = np.dtype(x.dtype)
    if not np.issubdtype(dtype, np.inexact):
        raise TypeError(
            f"{transform}: {what} has dtype {dtype}; only float and complex inputs can be "
            f"differentiated. Cast it, e.g. x.astype(float), or close over it as a constant."
        )


def prepare_inputs(
    leaves: Sequence[Any],
    transform: str,
    names: Sequence[str] | Callable[[], Sequence[str]] | None = None,
) -> list[Any]:
    """Convert input leaves to arrays and check that they can be differentiated.

    ``names`` (or a function giving them, called only for an error) says how errors call
    each leaf; by default ``input leaf i``.
    """
    out = []
    for i, leaf in enumerate(leaves):
        x = as_value(leaf)
        if np.dtype(x.dtype).kind not in "fc":
            named = names() if callable(names) else names
            check_differentiable(x, named[i] if named else f"input leaf {i}", transform)
        out.append(x)
    return out


def check_like(t: Any, x: Any, kind: str, transform: str) -> Any:
    """Check that tangent/cotangent ``t`` matches value ``x`` in shape and dtype."""
    if isinstance(t, Zero):
        if t.shape != np.shape(x):
            raise ValueError(
                f"{transform}: {kind} Zero{t.shape} given for a value of shape {np.shape(x)}"
            )
        return t
    expected = tangent_dtype(x)
    if isinstance(t, (int, float, complex)) and not isinstance(t, bool):
        t = np.asarray(t, dtype=np.result_type(t, expected))
        if t.dtype != expected and not (t.dtype.kind == "c" and expected.kind == "f"):
            t = t.astype(expected)
    t = as_value(t)
    if np.shape(t) != np.shape(x):
        raise ValueError(
            f"{transform}: {kind} has shape {np.shape(t)} but the value has shape "
            f"{np.shape(x)}; expected a {kind} of shape {np.shape(x)} and dtype {expected}"
        )
    if np.dtype(t.dtype) != expected:
        raise ValueError(
            f"{transform}: {kind} has dtype {np.dtype(t.dtype)} but the value needs "
            f"{expected} (expected shape {np.shape(x)}, dtype {expected}); cast it with "
            f".astype({expected.name})"
        )
    return t


def check_float_outputs(leaves: Sequence[Any], transform: str) -> None:
    """Raise ``TypeError`` for an integer or boolean output: it has no derivative."""
    for i, leaf in enumerate(leaves):
        dtype = np.dtype(leaf.dtype) if hasattr(leaf, "dtype") else np.result_type(leaf)
        if dtype.kind not in "fc":
            raise TypeError(
                f"{transform} requires float or complex outputs, but output leaf {i} has dtype "
                f"{dtype}: an integer or boolean function of its inputs (a count, a comparison) "
                f"is piecewise constant and has no useful derivative. Differentiate a float "
                f"quantity instead"
            )


def check_outputs(leaves: Sequence[Any], transform: str) -> None:
    """Raise ``TypeError`` unless every output leaf is a number, an array or a traced value."""
    for i, leaf in enumerate(leaves):
        if isinstance(leaf, (np.ndarray, np.generic, Tracer, int, float, complex)):
            dtype = np.result_type(leaf) if not isinstance(leaf, Tracer) else np.dtype(leaf.dtype)
            if dtype.kind in "biufc":
                continue
        raise TypeError(
            f"{transform}: the function must return arrays or numbers (in a pytree), but output "
            f"leaf {i} is {type(leaf).__name__} {leaf!r:.60}"
        )


def check_aux_order(trace: Trace, out: Any, aux: Any, transform: str) -> None:
    """Refuse ``(aux, output)``: an output that does not depend on the inputs beside an aux
    that does is the pair in the wrong order, whose derivative would be a silent zero."""

    def traced(tree: Any) -> bool:
        return any(isinstance(x, Tracer) and x._trace is trace for x in tree_flatten(tree)[0])

    if not traced(out) and traced(aux):
        raise TypeError(
            f"{transform} with has_aux=True: the function returned (output, aux) where the "
            "output does not depend on the differentiated arguments but aux does. Return "
            "the differentiated value first: (loss, aux), not (aux, loss)."
        )


def lower_tree(trace: Trace, tree: Any) -> Any:
    """Replace every tracer of ``trace`` in ``tree`` by its value (aux outputs)."""
    return tree_map(trace.lower, tree)


def materialize(ts: Sequence[Any], like: Sequence[Any]) -> list[Any]:
    """Turn symbolic zeros into arrays shaped like the matching values."""
    return [
        instantiate(Zero(np.shape(x), tangent_dtype(x)) if t is None else t)
        for t, x in zip(ts, like, strict=True)
    ]


def name_transform(prefix: str, f: Callable[..., Any], doc: str) -> Callable:
    """Decorate a transformed function: ``grad`` of ``f`` is named ``grad_of_f``."""
    name = getattr(f, "__name__", type(f).__name__)

    def decorate(g: Callable) -> Callable:
        functools.update_wrapper(g, f, assigned=("__module__",), updated=())
        g.__name__ = g.__qualname__ = f"{prefix}_of_{name}"
        g.__doc__ = f"{doc} of {name}." + (f"\n\n{name}: {f.__doc__}" if f.__doc__ else "")
        g.__wrapped__ = f  # type: ignore[attr-defined]
        return g

    return decorate


def owned_results(results: list[Any], inputs: Sequence[Any]) -> list[Any]:
    """``results`` as arrays the caller owns: writable, and sharing memory with nothing else
    it holds (another result, or one of ``inputs``); copied where they would."""
    out: list[Any] = []
    for r in results:
        if type(r) is np.ndarray:
            flags = r.flags
            if not (flags.owndata and flags.writeable) or any(
                _shares(r, o) for o in (*out, *inputs)
            ):
                r = r.copy()
        out.append(r)
    return out


def _shares(owner: np.ndarray, x: Any) -> bool:
    """Whether ``x`` shares memory with ``owner``, an array that owns its memory: only
    ``owner`` itself and views of it can (an array owning its memory and no view shares none
    with another one)."""
    if type(x) is not np.ndarray:
        return False
    if x is owner:
        return True
    return (x.base is not None or not x.flags.owndata) and np.may_share_memory(owner, x)
