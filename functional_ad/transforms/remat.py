"""checkpoint: rematerialisation, keeping only inputs and recomputing for the reverse pass.

Called with traced values, a checkpointed function becomes one node of the computation: a
``Primitive`` made for that call (as custom rules are). Its implementation runs ``f`` in plain
NumPy, so the reverse-mode recording holds ``f``'s inputs and none of its intermediates. Its
reverse rule runs ``vjp`` of ``f`` again on the inputs, so the intermediates exist only
while that one node is pulled back. Forward mode pushes tangents with ``jvp`` of ``f``, and
``vmap`` checkpoints ``vmap`` of ``f``, so every transform, nested in any order, gives
exactly the derivatives of ``f``.

A policy keeps chosen intermediates from the forward call: they are recorded there (under a
``_SaveTrace``) and, when the reverse rule runs on the same concrete inputs, the recomputation
reads them back in call order instead of computing them again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..core import Primitive, Trace, Tracer, active_traces, bind, new_trace
from ..core.tree import TreeDef, tree_flatten, tree_unflatten
from ..core.zeros import Zero, tangent_dtype
from .batching import vmap
from .common import as_value, name_transform
from .forward import jvp
from .reverse import vjp

Policy = Callable[[str], bool]

# the primitives of functional_ad/ops/products.py whose outputs policy="dots" keeps
_DOTS = frozenset({"matmul", "einsum", "dot", "vdot", "inner", "outer", "tensordot", "kron"})


def _policy_function(policy: None | str | Policy) -> Policy | None:
    """``None`` (recompute everything), ``"dots"``, or a predicate on primitive names."""
    if policy is None:
        return None
    if policy == "dots":
        return _DOTS.__contains__
    if callable(policy):
        return policy
    raise ValueError(
        f"checkpoint: policy must be None (keep only the inputs), 'dots' (also keep the "
        f"results of matrix products) or a function of a primitive name returning True for "
        f"results to keep, e.g. lambda name: name in {{'exp', 'matmul'}}; got {policy!r}"
    )


class _SaveTracer(Tracer):
    """A value seen by a ``_SaveTrace``."""

    __slots__ = ()

    def __init__(self, trace: _SaveTrace, value: Any) -> None:
        self._trace = trace
        self._value = value
        self._alias = None


class _SaveTrace(Trace):
    """Record the results of the primitives a policy keeps, or replay them in call order."""

    __slots__ = ("keep", "saved", "replaying", "position")

    differentiates = False  # no_grad inside f does not pause it

    def __init__(
        self, level: int, transform: str, keep: Policy, saved: list, replaying: bool
    ) -> None:
        super().__init__(level, transform)
        self.keep = keep
        self.saved = saved
        self.replaying = replaying
        self.position = 0

    def pure(self, value: Any) -> _SaveTracer:
        return _SaveTracer(self, value)

    def is_constant(self, x: Tracer) -> bool:
        return True  # it records and replays values; the traces below give derivatives

    def process(self, prim: Primitive, args: tuple, params: dict) -> Any:
        if not self.active:
            return self.process_inactive(prim, args, params)
        vals = [self.lower(a) for a in args]
        if not self.keep(prim.name):
            y = bind(prim, *vals, **params)
        elif self.replaying:
            if self.position >= len(self.saved) or self.saved[self.position][0] is not prim:
                raise ValueError(
                    f"checkpoint: the function made different NumPy calls when it was "
                    f"recomputed for the reverse pass (call {self.position} is {prim.name!r}); "
                    f"a checkpointed function must compute the same way on the same inputs. "
                    f"Use policy=None, or remove the randomness or state it depends on"
                )
            y = self.saved[self.position][1]
            self.position += 1
        else:
            y = bind(prim, *vals, **params)
            self.saved.append((prim, y))
        if prim.multiple_results:
            return tuple(_SaveTracer(self, yi) for yi in y)
        return _SaveTracer(self, y)


def _is_inexact(x: Any) -> bool:
    return np.issubdtype(np.dtype(as_value(x).dtype), np.inexact)


class _Call:
    """One call of a checkpointed function with traced arguments: its primitive and rules.

    The primitive refers to this object through its rules; this object does not refer to
    the primitive, so a call is freed with the node that recorded it (no reference cycle).
    """

    __slots__ = (
        "f",
        "name",
        "kwargs",
        "in_tree",
        "leaves",
        "traced",
        "keep",
        "out_tree",
        "saved",
        "saved_for",
    )

    def __init__(
        self, f: Callable[..., Any], name: str, kwargs: dict, args: tuple, keep: Policy | None
    ) -> None:
        self.f = f
        self.name = name
        self.kwargs = kwargs
        flat, self.in_tree = tree_flatten(args)
        self.traced = [i for i, x in enumerate(flat) if isinstance(x, Tracer)]
        self.leaves = [None if isinstance(x, Tracer) else x for x in flat]  # the constants
        self.keep = keep
        self.out_tree: TreeDef | None = None
        self.saved: list | None = None
        self.saved_for: tuple = ()

    def primitive(self) -> Primitive:
        n = len(self.traced)
        prim = Primitive(
            f"checkpoint[{self.name}]",
            self.impl,
            jvp_joint=self.jvp_joint,
            vjp_joint=self.vjp_joint,
            multiple_results=True,
            batch=self.batch,
            reads=tuple(tuple(range(n)) for _ in range(n)),  # the inputs, never the outputs
            family="checkpoint",
        )
        return prim

    def run(self, traced: Any) -> list[Any]:
        """``f``'s flat outputs with the traced leaves replaced by ``traced``."""
        leaves = list(self.leaves)
        for i, x in zip(self.traced, traced, strict=True):
            leaves[i] = x
        out = self.f(*tree_unflatten(self.in_tree, leaves), **self.kwargs)
        flat, tree = tree_flatten(out)
        if self.out_tree is not None and tree != self.out_tree:
            raise ValueError(
                f"checkpoint of {self.name}: the output structure changed between calls: "
                f"{self.out_tree} then {tree}"
            )
        self.out_tree = tree
        return [as_value(y) for y in flat]

    def impl(self, *values: Any) -> Any:
        if self.keep is None or not any(type(t).differentiates for t in active_traces()):
            return self._checked(self.run(values))
        saved: list = []
        with new_trace(_SaveTrace, "checkpoint", self.keep, saved, False) as trace:
            out = [trace.lower(y) for y in self.run([trace.pure(v) for v in values])]
        self.saved, self.saved_for = saved, values
        return self._checked(out)

    def _checked(self, flat: list[Any]) -> Any:
        if any(isinstance(y, Tracer) for y in flat):
            raise TypeError(
                f"checkpoint of {self.name}: the function returned a traced value that did not "
                f"come from its arguments: it closes over a value traced by an outer "
                f"transform. Pass that value as an argument of the checkpointed function"
            )
        return tuple(flat)

    def vjp_joint(self, y_bar: Any, y: Any, *primals: Any) -> tuple:
        cotangent = tuple(y_bar)
        same = len(self.saved_for) == len(primals) and all(
            a is b for a, b in zip(self.saved_for, primals, strict=True)
        )
        saved = self.saved if same else None
        self.saved, self.saved_for = None, ()  # read once: the reverse pass does not repeat
        if saved is None:
            return self._pull_back(primals, cotangent, None)
        with new_trace(_SaveTrace, "checkpoint", self.keep, saved, True) as trace:
            return self._pull_back([trace.pure(p) for p in primals], cotangent, trace)

    def _pull_back(self, primals: Any, cotangent: tuple, trace: _SaveTrace | None) -> tuple:
        diff = [i for i, p in enumerate(primals) if _is_inexact(p)]

        def g(*xs: Any) -> tuple:
            leaves = list(primals)
            for i, x in zip(diff, xs, strict=True):
                leaves[i] = x
            return tuple(self.run(leaves))

        _, pullback = vjp(g, *[primals[i] for i in diff])
        if trace is not None:
            trace.replaying = False  # the rules of the reverse pass compute as usual
        bars = pullback(cotangent)
        out: list[Any] = [None] * len(primals)
        for i, bar in zip(diff, bars, strict=True):
            out[i] = bar if trace is None else trace.lower(bar)
        return tuple(out)

    def jvp_joint(self, tangents: Any, y: Any, *primals: Any) -> Any:
        diff = [i for i, p in enumerate(primals) if _is_inexact(p)]

        def g(*xs: Any) -> tuple:
            leaves = list(primals)
            for i, x in zip(diff, xs, strict=True):
                leaves[i] = x
            return tuple(self.run(leaves))

        ts = tuple(
            Zero(np.shape(primals[i]), tangent_dtype(primals[i]))
            if tangents[i] is None
            else tangents[i]
            for i in diff
        )
        _, out_dot = jvp(g, tuple(primals[i] for i in diff), ts)
        return tuple(out_dot)

    def batch(self, prim: Primitive, size: int, vals: list, batched: tuple, **params: Any) -> Any:
        # vmap of a checkpoint is a checkpoint of vmap: still one node in a reverse recording
        in_axes = tuple(0 if b else None for b in batched)
        mapped = vmap(lambda *xs: tuple(self.run(xs)), in_axes=in_axes)
        return tuple(checkpoint(mapped, policy=self.keep)(*vals))


def checkpoint(f: Callable[..., Any], policy: None | str | Policy = None) -> Callable[..., Any]:
    """Return ``f`` rematerialised: reverse mode keeps its inputs and recomputes the rest.

    Under ``grad``/``vjp``/``jacrev`` (at any nesting) the recording holds only the inputs
    of ``f`` (and what ``policy`` keeps); the reverse pass runs ``f`` again to pull back
    through it. This trades one more forward computation of ``f`` for the memory of its
    intermediates. The values and derivatives are those of ``f``, under every transform.

    Args:
        f: a function of arrays or pytrees; keyword arguments are passed through as constants.
            It must compute the same way each time it is called on the same inputs.
        policy: which intermediates to keep from the forward call instead of recomputing
            them: ``None`` (none), ``"dots"`` (results of matrix products: ``matmul``,
            ``einsum``, ...) or a function ``name -> bool`` of primitive names. A policy
            applies when the reverse pass runs on the concrete inputs of the forward call;
            under an outer transform (e.g. a Hessian) everything is recomputed.

    Returns:
        A function with the signature of ``f``.

    >>> import numpy as np, functional_ad as fad
    >>> layer = checkpoint(lambda x: np.tanh(np.sin(x) * 2))
    >>> x = np.array([0.1, 0.5])
    >>> bool(np.allclose(fad.grad(lambda x: np.sum(layer(x)))(x),
    ...                  (1 - np.tanh(2 * np.sin(x)) ** 2) * 2 * np.cos(x)))
    True
    """
    keep = _policy_function(policy)

    @name_transform("checkpoint", f, "Rematerialised")
    def checkpoint_f(*args: Any, **kwargs: Any) -> Any:
        flat = tree_flatten(args)[0]
        if not any(isinstance(x, Tracer) for x in flat):
            return f(*args, **kwargs)
        name = getattr(f, "__name__", type(f).__name__)
        call = _Call(f, name, kwargs, args, keep)
        out = bind(call.primitive(), *[flat[i] for i in call.traced])
        return tree_unflatten(call.out_tree, list(out))  # type: ignore[arg-type]  # set by impl

    return checkpoint_f
