"""Forward mode: a trace whose tracers carry dual numbers (primal, tangent), and ``jvp``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..core import PLAIN_VALUES, Observer, Primitive, Trace, Tracer, float_pair, new_trace
from ..core.tree import tree_flatten, tree_unflatten
from ..core.views import layout_hidden, record_elementwise_layout
from ..core.zeros import Zero, in_precision_of
from .common import check_like, check_outputs, lower_tree, materialize, prepare_inputs

JVP = Observer.JVP


class JVPTracer(Tracer):
    """A dual number: the primal value and its tangent (``None`` for a constant)."""

    __slots__ = ("_tangent",)

    def __init__(self, trace: JVPTrace, primal: Any, tangent: Any) -> None:
        self._trace = trace
        self._value = primal
        self._tangent = tangent
        self._alias = None


def _arity_error(prim: Primitive, mode: str, n_rules: int, n_args: int) -> TypeError:
    return TypeError(
        f"primitive {prim.name!r} declares {n_rules} {mode} rules but was called with "
        f"{n_args} arguments; declare one rule per positional argument"
    )


def _apply_rules(
    prim: Primitive,
    tangents: list,
    y: Any,
    primals: list,
    params: dict,
    observer: Observer | None = None,
) -> Any:
    """The tangent of ``y = prim(*primals)`` given the tangents of the primals (None: zero).

    ``None`` if it is zero. Each rule call is reported to ``observer`` if there is one.
    """
    if prim.jvp_joint is not None:
        if all(t is None for t in tangents):
            return None
        if observer is None:
            y_dot = prim.jvp_joint(tangents, y, *primals, **params)
        else:
            y_dot = observer.rule(prim, JVP, prim.jvp_joint, (tangents, y, *primals), params)
    else:
        y_dot = None
        rules = prim.jvp
        if rules is None:
            raise prim.missing_rule("jvp")
        if len(rules) != len(tangents):
            raise _arity_error(prim, "jvp", len(rules), len(tangents))
        for i, (rule, t) in enumerate(zip(rules, tangents, strict=True)):
            if t is None:
                continue
            if rule is None:
                raise prim.missing_rule("jvp", i)
            if observer is None:
                contribution = rule(t, y, *primals, **params)
            else:
                contribution = observer.rule(prim, JVP, rule, (t, y, *primals), params)
            if contribution is not None:
                y_dot = contribution if y_dot is None else y_dot + contribution
    if prim.multiple_results:
        return y_dot
    # (a tangent has its output's precision: float32 x plus a float64 array is float64)
    return None if isinstance(y_dot, Zero) else in_precision_of(y_dot, y)


class JVPTrace(Trace):
    """Push tangents through each primitive with its jvp rules, one op at a time.

    A tracer whose tangent is ``None`` holds a constant (``pure``): it exists only so that
    item assignment into it can be recorded.
    """

    __slots__ = ()

    def pure(self, value: Any) -> JVPTracer:
        return JVPTracer(self, value, None)

    def is_constant(self, x: Tracer) -> bool:
        return getattr(x, "_tangent", None) is None

    def lower_tangent(self, x: Any) -> Any:
        """The tangent of ``x`` if it is a tracer of this trace, else ``None``."""
        return x._tangent if type(x) is JVPTracer and x._trace is self else None

    def process(self, prim: Primitive, args: tuple, params: dict) -> Any:
        if not self.active:
            return self.process_inactive(prim, args, params)
        primals = []
        tangents = []
        below = None  # the highest trace under this one among the primals
        mine = False  # an argument is a tracer of this trace (if only a constant one)
        for a in args:
            if type(a) is JVPTracer and a._trace is self:
                mine = True
                t = a._tangent
                a = a._value
            else:
                t = None
            primals.append(a)
            tangents.append(t)
            if (
                type(a) not in PLAIN_VALUES
                and isinstance(a, Tracer)
                and (below is None or a._trace.level > below.level)
            ):
                below = a._trace
        observer = self.observer
        # (process takes any sequence of arguments, though annotated as a tuple)
        if below is not None:
            y = below.process(prim, primals, params)  # type: ignore[arg-type]
        elif observer is None:
            fast = prim.scalar_impl  # (two floats: the operator, ten times cheaper)
            if fast is not None and float_pair(primals, params):
                y = fast(*primals)
            else:
                y = prim.impl(*primals, **params)
        else:
            y = observer.evaluate(prim, prim.impl, primals, params)
        if not prim.differentiable:
            return self.constant(prim, y) if mine else y
        if observer is None:
            y_dot = _apply_rules(prim, tangents, y, primals, params)
        else:  # the rules and the sums of their tangents are the jvp phase
            y_dot = observer.rules(JVP, _apply_rules, prim, tangents, y, primals, params, observer)
        if y_dot is None:
            return self.constant(prim, y) if mine else y
        if prim.multiple_results:
            return tuple(
                JVPTracer(self, yi, None if isinstance(ti, Zero) else ti)
                if mine or not (ti is None or isinstance(ti, Zero))
                else yi
                for yi, ti in zip(y, y_dot, strict=True)
            )
        out = JVPTracer(self, y, y_dot)
        if prim.elementwise and type(y) is not np.float64 and layout_hidden(y):
            # (vmap beneath, or compile's stand-ins)
            record_elementwise_layout(out, prim.impl, args, params)
        return out

    def constant(self, prim: Primitive, y: Any) -> Any:
        """Results without a tangent of a call on this trace's arrays, still traced by it: an
        array made from a traced one can be written into like it (``z = y * 0; z[0] = x``)."""
        if prim.multiple_results:
            return tuple(JVPTracer(self, yi, None) for yi in y)
        return JVPTracer(self, y, None)


def jvp(
    f: Callable[..., Any], primals: tuple, tangents: tuple, has_aux: bool = False, **kwargs: Any
) -> tuple[Any, ...]:
    """Return ``(f(*primals), J(primals) @ tangents)`` by forward mode with dual numbers.

    Args:
        f: a function of ``len(primals)`` arrays or pytrees.
        primals: tuple of arguments at which to evaluate.
        tangents: tuple of tangents, one per primal, of the same structure, shapes and dtypes.
        has_aux: ``f`` returns ``(out, aux)``; ``aux`` is returned as a third element.
        **kwargs: passed to ``f`` unchanged and not differentiated.

    Returns:
        ``(out, out_tangent)`` with ``out_tangent`` shaped like ``out``
        (``(out, out_tangent, aux)`` with ``has_aux``).

    >>> import numpy as np
    >>> y, y_dot = jvp(np.sin, (0.0,), (2.0,))
    >>> float(y), float(y_dot)
    (0.0, 2.0)
    """
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError(
            "jvp expects primals and tangents as tuples: jvp(f, (x,), (v,)); for PyTorch's "
            "jvp(f, x, v) use functional_ad.functional.jvp"
        )
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
        out = f(*tree_unflatten(in_tree, ins), **kwargs)
        if has_aux:
            out, aux = _split_aux(out)
        out_flat, out_tree = tree_flatten(out)
        check_outputs(out_flat, "jvp")
        y = [trace.lower(o) for o in out_flat]
        y_dot = [trace.lower_tangent(o) for o in out_flat]
        if has_aux:
            aux = lower_tree(trace, aux)
    result = (tree_unflatten(out_tree, y), tree_unflatten(out_tree, materialize(y_dot, y)))
    return result + (aux,) if has_aux else result


def _split_aux(out: Any) -> tuple[Any, Any]:
    if not (isinstance(out, (tuple, list)) and len(out) == 2):
        raise TypeError("with has_aux=True the function must return a pair (output, aux)")
    return out[0], out[1]
