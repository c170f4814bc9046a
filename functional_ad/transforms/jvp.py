"""Forward mode: a trace whose tracers carry dual numbers (primal, tangent), and ``jvp``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..core import Primitive, Trace, Tracer, new_trace
from ..tree import tree_flatten, tree_unflatten
from ..zeros import Zero
from .common import check_like, check_outputs, lower_tree, materialize, prepare_inputs


class JVPTracer(Tracer):
    """A dual number: the primal value and its (never zero) tangent."""

    __slots__ = ("_tangent",)

    def __init__(self, trace: JVPTrace, primal: Any, tangent: Any) -> None:
        self._trace = trace
        self._value = primal
        self._tangent = tangent


class JVPTrace(Trace):
    """Push tangents through each primitive with its jvp rules, one op at a time.

    A tracer whose tangent is ``None`` holds a constant (``pure``): it exists only so that
    item assignment into it can be recorded.
    """

    __slots__ = ()

    def pure(self, value: Any) -> JVPTracer:
        return JVPTracer(self, value, None)

    def process(self, prim: Primitive, args: tuple, params: dict) -> Any:
        if not self.active:
            return self.process_inactive(prim, args, params)
        primals = []
        tangents = []
        below = None  # the highest trace under this one among the primals
        for a in args:
            if type(a) is JVPTracer and a._trace is self:
                a, t = a._value, a._tangent
            else:
                t = None
            primals.append(a)
            tangents.append(t)
            if isinstance(a, Tracer) and (below is None or a._trace.level > below.level):
                below = a._trace
        # (process takes any sequence of arguments, though annotated as a tuple)
        y = prim.impl(*primals, **params) if below is None else below.process(prim, primals, params)  # type: ignore[arg-type]
        if not prim.differentiable:
            return y
        if prim.jvp_joint is not None:
            y_dot = prim.jvp_joint(tangents, y, *primals, **params)
        else:
            y_dot = None
            rules = prim.jvp
            if rules is None:
                raise NotImplementedError(
                    f"no jvp rule for {prim.name!r}; add one beside its definition in "
                    f"functional_ad/ops/{prim.family or '...'}.py"
                )
            for rule, t in zip(rules, tangents, strict=False):
                if t is None or rule is None:
                    continue
                contribution = rule(t, y, *primals, **params)
                if contribution is not None:
                    y_dot = contribution if y_dot is None else y_dot + contribution
        if prim.multiple_results:
            return tuple(
                yi if (ti is None or isinstance(ti, Zero)) else JVPTracer(self, yi, ti)
                for yi, ti in zip(y, y_dot, strict=True)
            )
        if y_dot is None or isinstance(y_dot, Zero):
            return y
        return JVPTracer(self, y, y_dot)


def jvp(
    f: Callable[..., Any], primals: tuple, tangents: tuple, has_aux: bool = False
) -> tuple[Any, ...]:
    """Return ``(f(*primals), J(primals) @ tangents)`` by forward mode with dual numbers.

    Args:
        f: a function of ``len(primals)`` arrays or pytrees.
        primals: tuple of arguments at which to evaluate.
        tangents: tuple of tangents, one per primal, of the same structure, shapes and dtypes.
        has_aux: ``f`` returns ``(out, aux)``; ``aux`` is returned as a third element.

    Returns:
        ``(out, out_tangent)`` with ``out_tangent`` shaped like ``out``
        (``(out, out_tangent, aux)`` with ``has_aux``).

    >>> import numpy as np
    >>> y, y_dot = jvp(np.sin, (0.0,), (2.0,))
    >>> float(y), float(y_dot)
    (0.0, 2.0)
    """
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError("jvp expects primals and tangents as tuples: jvp(f, (x,), (v,))")
    flat_primals, in_tree = tree_flatten(tuple(primals))
    flat_tangents, t_tree = tree_flatten(tuple(tangents))
    if t_tree != in_tree:
        raise ValueError(
            f"jvp: tangents must have the structure of primals; expected {in_tree}, given {t_tree}"
        )
    flat_primals = prepare_inputs(flat_primals, "jvp")
    flat_tangents = [
        check_like(t, p, "tangent", "jvp") for p, t in zip(flat_primals, flat_tangents, strict=True)
    ]
    with new_trace(JVPTrace, "jvp") as trace:
        ins = [
            p if isinstance(t, Zero) else JVPTracer(trace, p, t)
            for p, t in zip(flat_primals, flat_tangents, strict=True)
        ]
        out = f(*tree_unflatten(in_tree, ins))
        if has_aux:
            out, aux = _split_aux(out)
        out_flat, out_tree = tree_flatten(out)
        check_outputs(out_flat, "jvp")
        y = [trace.lower(o) for o in out_flat]
        y_dot = [
            o._tangent if (type(o) is JVPTracer and o._trace is trace) else None for o in out_flat
        ]
        if has_aux:
            aux = lower_tree(trace, aux)
    result = (tree_unflatten(out_tree, y), tree_unflatten(out_tree, materialize(y_dot, y)))
    return result + (aux,) if has_aux else result


def _split_aux(out: Any) -> tuple[Any, Any]:
    if not (isinstance(out, (tuple, list)) and len(out) == 2):
        raise TypeError("with has_aux=True the function must return a pair (output, aux)")
    return out[0], out[1]
