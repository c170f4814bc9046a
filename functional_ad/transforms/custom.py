"""Custom derivative rules: the ``custom_jvp`` and ``custom_vjp`` decorators.

A decorated function behaves like the plain function when nothing is traced. Called with
traced values, it becomes one node of the computation: a ``Primitive`` made for that call,
whose derivative rules call the user's rules. Every trace level sees the same node, so the
custom rule is used by each transform, outer or inner, and the rules themselves are traced
by the outer transforms (write them with ``np.*`` calls to get second derivatives).

Each decorator gives the derivative in one mode; the other mode is derived from it exactly:

- ``custom_jvp`` under reverse mode: the jvp rule is linear in the tangents, so its transpose
  is the vjp. It is obtained by recording ``t -> jvp_rule(primals, t)[1]`` (one call of the
  rule) and running the reverse pass over that record. The rule must therefore be written
  with NumPy calls on the tangents (as it would be anyway).
- ``custom_vjp`` under forward mode: likewise, ``u -> bwd(res, u)`` is linear in ``u`` and
  its transpose is the jvp, obtained by one recording of ``bwd`` and one reverse pass.

Neither falls back to differentiating the primal function, which is what the rule is there
to avoid (a NaN, an unsupported SciPy call).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence
from typing import Any, cast

import numpy as np

from ..core import Primitive, Tracer, bind
from ..core.tree import TreeDef, tree_flatten, tree_unflatten
from ..core.zeros import Zero, instantiate, tangent_dtype
from ..ops.batching import batch_by_loop
from .common import as_value
from .reverse import pull_back, record

# ----------------------------------------------------------------------------- shared helpers


def _function_name(fun: Callable[..., Any]) -> str:
    return getattr(fun, "__name__", type(fun).__name__)


def _resolve_positional(
    signature: inspect.Signature | None, name: str, args: tuple, kwargs: dict
) -> tuple:
    """All arguments as positional ones (defaults filled in), so argnums are well defined."""
    if not kwargs:
        return args
    if signature is None:
        raise TypeError(
            f"{name}: keyword arguments need an inspectable signature; pass them positionally"
        )
    bound = signature.bind(*args, **kwargs)
    bound.apply_defaults()
    if bound.kwargs:
        raise TypeError(
            f"{name}: keyword-only arguments {sorted(bound.kwargs)} cannot be differentiated "
            "by a custom rule; make them positional or close over them"
        )
    return tuple(bound.args)


def _has_tracer(tree: Any) -> bool:
    return any(isinstance(leaf, Tracer) for leaf in tree_flatten(tree)[0])


def _closure_error(kind: str, name: str) -> TypeError:
    return TypeError(
        f"{kind} function {name!r} returned a traced value that did not come from its "
        "arguments: it closes over a value being traced by an outer transform. Pass that "
        "value as an explicit argument so the custom rule can account for it."
    )


def _zeros_like_tangent(x: Any) -> Any:
    """A zero tangent for ``x`` as an array (rules expect arrays, not symbolic zeros)."""
    return np.zeros(np.shape(x), tangent_dtype(x))


def _is_inexact(x: Any) -> bool:
    return np.issubdtype(np.result_type(x) if not hasattr(x, "dtype") else x.dtype, np.inexact)


def _cast_tangent(t: Any, like: Any) -> Any:
    """Give tangent ``t`` the tangent dtype of ``like`` (float32 stays float32)."""
    dtype = tangent_dtype(like)
    t_dtype = np.dtype(t.dtype) if hasattr(t, "dtype") else np.result_type(t)
    if t_dtype == dtype:
        return t
    if t_dtype.kind == "c" and dtype.kind != "c":
        t = np.real(t)
    return t.astype(dtype) if hasattr(t, "astype") else np.asarray(t, dtype)


def _only_inexact(tangents: Sequence[Any], values: Sequence[Any]) -> tuple:
    """The tangents, with ``None`` for integer or boolean values (they have none)."""
    return tuple(t if _is_inexact(v) else None for t, v in zip(tangents, values, strict=True))


class _Split:
    """The arguments of one call, split into differentiable leaves and the rest."""

    __slots__ = ("nondiff_positions", "nondiff_values", "n_args", "in_tree", "leaves")

    def __init__(self, args: tuple, nondiff_argnums: tuple[int, ...], name: str) -> None:
        n = len(args)
        for i in nondiff_argnums:
            if not -n <= i < n:
                raise ValueError(
                    f"{name}: nondiff_argnums entry {i} is out of range for a "
                    f"call with {n} arguments"
                )
        positions = tuple(sorted({i % n for i in nondiff_argnums}))
        self.nondiff_positions = positions
        self.nondiff_values = tuple(args[i] for i in positions)
        self.n_args = n
        diff = tuple(a for i, a in enumerate(args) if i not in positions)
        self.leaves, self.in_tree = tree_flatten(diff)

    def diff_args(self, leaves: Sequence[Any]) -> tuple:
        """The differentiable arguments rebuilt from (possibly other) leaves."""
        return tree_unflatten(self.in_tree, leaves)

    def full_args(self, leaves: Sequence[Any]) -> list[Any]:
        """Every positional argument, in the original order, from differentiable leaves."""
        diff = iter(self.diff_args(leaves))
        nondiff = dict(zip(self.nondiff_positions, self.nondiff_values, strict=True))
        return [nondiff[i] if i in nondiff else next(diff) for i in range(self.n_args)]


def _check_nondiff(split: _Split, name: str) -> None:
    for position, value in zip(split.nondiff_positions, split.nondiff_values, strict=True):
        if _has_tracer(value):
            raise TypeError(
                f"{name}: argument {position} is in nondiff_argnums but holds a traced value; "
                "nondiff arguments must be constants (functions, sizes, flags). Make it a "
                "differentiable argument (and return a zero cotangent for it) instead."
            )


def _flatten_outputs(out: Any, call: _Call, kind: str) -> tuple:
    """Flat output leaves as arrays, recording the output structure on ``call``."""
    flat, tree = tree_flatten(out)
    if call.out_tree is not None and call.out_tree != tree:
        raise ValueError(
            f"{kind} {call.name!r}: the output structure changed between calls: "
            f"{call.out_tree} then {tree}"
        )
    call.out_tree = tree
    if any(isinstance(leaf, Tracer) for leaf in flat):
        raise _closure_error(kind, call.name)
    return tuple(as_value(leaf) for leaf in flat)


class _Call:
    """State of one call of a custom function with traced arguments."""

    __slots__ = ("name", "split", "out_tree", "primitive")

    primitive: Primitive  # made by the subclass for this call

    def __init__(self, name: str, split: _Split) -> None:
        self.name = name
        self.split = split
        self.out_tree: TreeDef | None = None

    def bind(self) -> Any:
        prim = self.primitive
        del self.primitive  # its rules refer to this call: no reference back, no cycle
        flat = bind(prim, *self.split.leaves)
        return tree_unflatten(cast(TreeDef, self.out_tree), flat)  # set by impl, just run


def _check_leaves(given: Any, like: Sequence[Any], tree: TreeDef, what: str) -> list[Any]:
    """Flatten ``given`` against structure ``tree``; check shapes; cast to tangent dtypes."""
    flat, given_tree = tree_flatten(given)
    if given_tree != tree:
        raise ValueError(f"{what} must have the structure {tree}, got {given_tree}")
    out = []
    for i, (t, x) in enumerate(zip(flat, like, strict=True)):
        if np.shape(t) != np.shape(x):
            raise ValueError(
                f"{what}: leaf {i} has shape {np.shape(t)} but must have shape {np.shape(x)} "
                f"(dtype {tangent_dtype(x)})"
            )
        out.append(_cast_tangent(t, x))
    return out


# ----------------------------------------------------------------------------- custom_jvp


class _CustomFunction:
    """What ``custom_jvp`` and ``custom_vjp`` share: argument handling and the plain call."""

    kind = ""
    how_to_define = ""

    def __init__(self, fun: Callable[..., Any], nondiff_argnums: Sequence[int] = ()) -> None:
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.nondiff_argnums = tuple(int(i) for i in nondiff_argnums)
        self._signature = _signature_of(fun)

    def has_rule(self) -> bool:
        raise NotImplementedError

    def call(self, split: _Split) -> Any:
        """Bind this call's primitive (some argument is traced)."""
        raise NotImplementedError

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        name = _function_name(self.fun)
        args = _resolve_positional(self._signature, name, args, kwargs)
        split = _Split(args, self.nondiff_argnums, name)
        _check_nondiff(split, name)
        if not any(isinstance(leaf, Tracer) for leaf in split.leaves):
            out = self.fun(*args)
            if _has_tracer(out):
                raise _closure_error(self.kind, name)
            return out
        if not self.has_rule():
            raise TypeError(
                f"{self.kind} function {name!r} was differentiated but has no rule; define "
                f"one with {name}.{self.how_to_define}"
            )
        return self.call(split)

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        return self if instance is None else functools.partial(self, instance)


class custom_jvp(_CustomFunction):
    """Give a function its own forward-mode rule; reverse mode is derived from it.

    ``f = custom_jvp(f, nondiff_argnums=())`` then ``f.defjvp(rule)`` where
    ``rule(*nondiff_args, primals, tangents) -> (out, out_tangent)``: ``primals`` and
    ``tangents`` are tuples of the differentiable arguments (zeros where an argument has no
    tangent) and ``out_tangent`` has the structure, shapes and dtypes of ``out``.

    Semantics: the rule is used by every transform at every nesting level. Reverse mode
    transposes the rule (it is linear in the tangents): ``t -> rule(primals, t)[1]`` is
    recorded once and the reverse pass is run over it, which gives exactly ``J^T y_bar``.
    The rule must therefore use NumPy calls on its tangents, and NumPy calls on its primals
    for second derivatives (outer transforms trace it). Arguments and outputs may be pytrees.
    Arguments listed in ``nondiff_argnums`` are passed first to the rule and must not be
    traced. The function must not close over traced values (pass them as arguments).

    >>> import numpy as np, functional_ad as fad
    >>> @custom_jvp
    ... def log1pexp(x):
    ...     return np.where(x > 30, x, np.log1p(np.exp(np.minimum(x, 30))))
    >>> @log1pexp.defjvp
    ... def log1pexp_jvp(primals, tangents):
    ...     (x,), (x_dot,) = primals, tangents
    ...     return log1pexp(x), x_dot / (1 + np.exp(-x))  # the logistic sigmoid
    >>> float(fad.grad(log1pexp)(1000.0))
    1.0
    """

    kind = "custom_jvp"
    how_to_define = "defjvp(rule)"

    def __init__(self, fun: Callable[..., Any], nondiff_argnums: Sequence[int] = ()) -> None:
        super().__init__(fun, nondiff_argnums)
        self.jvp_rule: Callable[..., Any] | None = None

    def defjvp(self, jvp_rule: Callable[..., Any]) -> Callable[..., Any]:
        """Set the rule ``rule(*nondiff_args, primals, tangents) -> (out, out_tangent)``."""
        self.jvp_rule = jvp_rule
        return jvp_rule

    def has_rule(self) -> bool:
        return self.jvp_rule is not None

    def call(self, split: _Split) -> Any:
        return _JVPCall(self, split).bind()


class _JVPCall(_Call):
    """One call of a ``custom_jvp`` function: its primitive and rules."""

    __slots__ = ("custom",)

    def __init__(self, custom: custom_jvp, split: _Split) -> None:
        super().__init__(_function_name(custom.fun), split)
        self.custom = custom
        self.primitive = Primitive(
            f"custom_jvp[{self.name}]",
            self.impl,
            jvp_joint=self.jvp_joint,
            vjp_joint=self.vjp_joint,
            multiple_results=True,
            # the function and its rules are the user's code on one example's values:
            # vmap runs them per example
            batch=batch_by_loop,
            family="custom",
        )

    def impl(self, *leaves: Any) -> tuple:
        out = self.custom.fun(*self.split.full_args(leaves))
        return _flatten_outputs(out, self, "custom_jvp")

    def out_tangents(
        self, primals: Sequence[Any], tangents: Sequence[Any], y: Sequence[Any]
    ) -> list[Any]:
        """Call the user's rule; its output tangent as flat leaves checked against ``y``."""
        result = self.custom.jvp_rule(  # type: ignore[misc]
            *self.split.nondiff_values,
            self.split.diff_args(primals),
            self.split.diff_args(tangents),
        )
        if not (isinstance(result, (tuple, list)) and len(result) == 2):
            raise TypeError(f"the jvp rule of {self.name!r} must return a pair (out, out_tangent)")
        out_tree = cast(TreeDef, self.out_tree)  # set by impl, which ran first
        return _check_leaves(
            result[1], y, out_tree, f"the output tangent of {self.name!r}'s jvp rule"
        )

    def jvp_joint(self, tangents: Sequence[Any], y: tuple, *primals: Any) -> tuple:
        filled = [
            _zeros_like_tangent(p) if t is None else instantiate(t)
            for t, p in zip(tangents, primals, strict=True)
        ]
        return _only_inexact(self.out_tangents(primals, filled, y), y)

    def vjp_joint(self, y_bar: Sequence[Any], y: tuple, *primals: Any) -> tuple:
        # The rule is linear in the tangents: record t -> J t and pull y_bar back through it.
        varying = [i for i, p in enumerate(primals) if _is_inexact(p)]

        def tangent_map(*ts: Any) -> list[Any]:
            filled = [_zeros_like_tangent(p) for p in primals]
            for i, t in zip(varying, ts, strict=True):
                filled[i] = t
            return self.out_tangents(primals, filled, y)

        start = [_zeros_like_tangent(primals[i]) for i in varying]
        rec = record(tangent_map, start, False, f"custom_jvp transpose of {self.name}")
        bars = pull_back(rec, list(y_bar), consume=True)
        out: list[Any] = [None] * len(primals)
        for i, bar in zip(varying, bars, strict=True):
            out[i] = bar
        return tuple(out)


# ----------------------------------------------------------------------------- custom_vjp


class custom_vjp(_CustomFunction):
    """Give a function its own reverse-mode rule; forward mode is derived from it.

    ``f = custom_vjp(f, nondiff_argnums=())`` then ``f.defvjp(fwd, bwd)``:

    - ``fwd(*args) -> (out, residuals)`` takes the same arguments as ``f``;
    - ``bwd(*nondiff_args, residuals, out_cotangent) -> tuple`` returns one cotangent per
      differentiable argument (``None`` for zero), each shaped like its argument. Following
      the library's convention the cotangent is the plain transpose (no conjugation).

    Semantics: every transform at every level uses the rule. Forward mode transposes
    ``bwd`` (it is linear in the cotangent): ``u -> bwd(res, u)`` is recorded once and the
    reverse pass over it with the input tangents gives exactly ``J v`` (so ``bwd`` must use
    NumPy calls on its cotangent argument, and be linear in it as a true vjp is; a rule
    that is not, such as gradient clipping, gives in forward mode its linearisation at a
    zero cotangent). The residuals at the innermost level come from
    the same call of ``fwd`` that produced the output; under nested transforms ``fwd`` is
    called again on the traced arguments so that outer transforms see how the residuals
    depend on them. For second derivatives write ``fwd`` and ``bwd`` with NumPy calls (or
    other custom functions, e.g. ``fwd`` may call ``f`` itself). Arguments and outputs may
    be pytrees; ``nondiff_argnums`` arguments must not be traced; the function must not
    close over traced values.

    >>> import numpy as np, functional_ad as fad
    >>> @custom_vjp
    ... def clip_gradient(x):
    ...     return x
    >>> clip_gradient.defvjp(lambda x: (x, None), lambda res, g: (np.clip(g, -1.0, 1.0),))
    >>> float(fad.grad(lambda x: 5 * clip_gradient(x))(2.0))
    1.0
    """

    kind = "custom_vjp"
    how_to_define = "defvjp(fwd, bwd)"

    def __init__(self, fun: Callable[..., Any], nondiff_argnums: Sequence[int] = ()) -> None:
        super().__init__(fun, nondiff_argnums)
        self.fwd: Callable[..., Any] | None = None
        self.bwd: Callable[..., Any] | None = None

    def defvjp(self, fwd: Callable[..., Any], bwd: Callable[..., Any]) -> None:
        """Set ``fwd(*args) -> (out, residuals)`` and ``bwd(*nondiff, residuals, g)``."""
        self.fwd = fwd
        self.bwd = bwd

    def has_rule(self) -> bool:
        return self.fwd is not None and self.bwd is not None

    def call(self, split: _Split) -> Any:
        return _VJPCall(self, split).bind()


class _VJPCall(_Call):
    """One call of a ``custom_vjp`` function: its primitive, rules and residuals."""

    __slots__ = ("custom", "cached_args", "cached_residuals")

    def __init__(self, custom: custom_vjp, split: _Split) -> None:
        super().__init__(_function_name(custom.fun), split)
        self.custom = custom
        self.cached_args: tuple = ()
        self.cached_residuals: Any = None
        self.primitive = Primitive(
            f"custom_vjp[{self.name}]",
            self.impl,
            jvp_joint=self.jvp_joint,
            vjp_joint=self.vjp_joint,
            multiple_results=True,
            # the function and its rules are the user's code on one example's values:
            # vmap runs them per example
            batch=batch_by_loop,
            family="custom",
        )

    def run_fwd(self, leaves: Sequence[Any]) -> tuple[Any, Any]:
        result = self.custom.fwd(*self.split.full_args(leaves))  # type: ignore[misc]
        if not (isinstance(result, (tuple, list)) and len(result) == 2):
            raise TypeError(f"the fwd rule of {self.name!r} must return a pair (out, residuals)")
        return result[0], result[1]

    def impl(self, *leaves: Any) -> tuple:
        out, residuals = self.run_fwd(leaves)
        # keep the residuals of the concrete call: the innermost reverse pass reuses them
        self.cached_args = leaves
        self.cached_residuals = residuals
        return _flatten_outputs(out, self, "custom_vjp")

    def residuals(self, primals: Sequence[Any]) -> Any:
        """Residuals for these arguments: cached for the concrete call, else ``fwd`` again."""
        cached = self.cached_args
        same = len(cached) == len(primals)
        if same and all(a is b for a, b in zip(cached, primals, strict=True)):
            return self.cached_residuals
        return self.run_fwd(primals)[1]

    def input_cotangents(
        self, residuals: Any, y_bar: Sequence[Any], primals: Sequence[Any]
    ) -> list[Any]:
        """Call ``bwd``: one cotangent per differentiable leaf (``None`` where zero)."""
        out_tree = cast(TreeDef, self.out_tree)  # set by impl, which ran first
        cotangent = tree_unflatten(out_tree, [instantiate(b) for b in y_bar])
        result = self.custom.bwd(  # type: ignore[misc]
            *self.split.nondiff_values, residuals, cotangent
        )
        diff_args = self.split.diff_args(primals)
        if not isinstance(result, (tuple, list)) or len(result) != len(diff_args):
            raise TypeError(
                f"the bwd rule of {self.name!r} must return a tuple with one cotangent per "
                f"differentiable argument ({len(diff_args)}), got {type(result).__name__}"
                + (f" of length {len(result)}" if isinstance(result, (tuple, list)) else "")
            )
        out: list[Any] = []
        for position, (bar, arg) in enumerate(zip(result, diff_args, strict=True)):
            arg_leaves, arg_tree = tree_flatten(arg)
            if bar is None:
                out.extend([None] * len(arg_leaves))
                continue
            what = f"the bwd rule of {self.name!r}, cotangent of differentiable argument {position}"
            bars = _check_leaves(bar, arg_leaves, arg_tree, what)
            out.extend(b if _is_inexact(x) else None for b, x in zip(bars, arg_leaves, strict=True))
        return out

    def vjp_joint(self, y_bar: Sequence[Any], y: tuple, *primals: Any) -> tuple:
        return tuple(self.input_cotangents(self.residuals(primals), y_bar, primals))

    def jvp_joint(self, tangents: Sequence[Any], y: tuple, *primals: Any) -> tuple:
        # bwd is linear in the cotangent u: record u -> J^T u and pull the tangents back.
        residuals = self.residuals(primals)

        def cotangent_map(*us: Any) -> list[Any]:
            bars = self.input_cotangents(residuals, us, primals)
            return [
                _zeros_like_tangent(p) if b is None else b
                for b, p in zip(bars, primals, strict=True)
            ]

        start = [_zeros_like_tangent(yi) for yi in y]
        rec = record(cotangent_map, start, False, f"custom_vjp transpose of {self.name}")
        seeds = [Zero.like(p) if t is None else t for t, p in zip(tangents, primals, strict=True)]
        return _only_inexact(pull_back(rec, seeds, consume=True), y)


def _signature_of(fun: Callable[..., Any]) -> inspect.Signature | None:
    try:
        return inspect.signature(fun)
    except (TypeError, ValueError):
        return None


__all__ = ["custom_jvp", "custom_vjp"]
