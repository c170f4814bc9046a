"""Forward mode: a trace whose tracers carry dual numbers (primal, tangent), and ``jvp``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .. import graph
from ..core import Primitive, Trace, Tracer, new_trace
from ..graph import is_large, shape_stand_in
from ..ops.registry import reads_of
from ..tree import tree_flatten, tree_unflatten
from ..zeros import Zero
from .common import check_like, check_outputs, lower_tree, materialize, prepare_inputs


class JVPTracer(Tracer):
    """A dual number: the primal value and its tangent.

    The tangent may still be a ``DeferredTangent`` (``tangent_of`` forces it, and it may turn
    out to be zero: ``None``); a tangent computed at once is never zero.
    """

    __slots__ = ("_tangent",)

    def __init__(self, trace: JVPTrace, primal: Any, tangent: Any) -> None:
        self._trace = trace
        self._value = primal
        self._tangent = tangent
        self._alias = None


# A deferred tangent waits on at most this many others in a chain before they are forced, so
# that a long loop in forward mode holds a bounded number of pending primals.
MAX_DEFERRED_DEPTH = 16


class DeferredTangent:
    """The tangent of one primitive call on concrete values, computed when first read.

    Forward mode computes every primal at once but defers the tangent rules of a call whose
    primals and tangents are all concrete and some value is large (``graph.KEEP_BELOW``):
    the rules then run on NumPy values only, so when they run does not matter. A tangent
    nobody reads is never formed: in ``hvp`` the reverse pass reads the tangents of the
    values its rules use, not those of the loss itself.
    """

    __slots__ = ("prim", "tangents", "y", "primals", "params", "depth", "value")

    def __init__(
        self, prim: Primitive, tangents: list, y: Any, primals: list, params: dict, depth: int
    ) -> None:
        self.prim: Primitive | None = prim
        self.tangents = tangents
        self.y = y
        self.primals = primals
        self.params = params
        self.depth = depth  # the longest chain of deferred tangents ending here
        self.value: Any = None

    def force(self) -> Any:
        """The tangent (``None`` if it is zero), computed once; the inputs are then released."""
        prim = self.prim
        if prim is None:
            return self.value
        tangents = [t.force() if type(t) is DeferredTangent else t for t in self.tangents]
        self.value = _apply_rules(prim, tangents, self.y, self.primals, self.params)
        self.prim = self.tangents = self.y = self.primals = self.params = None  # type: ignore[assignment]
        return self.value


def _lean(prim: Primitive, tangents: list, y: Any, primals: list) -> tuple[Any, list]:
    """``y`` and ``primals`` (some of them large) as a deferred tangent needs them.

    Primals that no rule about to run reads become ``None``, and ``y`` becomes a stand-in of
    its shape when the primitive declares that its rules do not read it (``Primitive.reads``,
    -1). A deferred tangent then does not keep alive large intermediates that the reverse
    pass has already let go.
    """
    if prim.reads is not None and not any(
        -1 in r for t, r in zip(tangents, prim.reads, strict=False) if t is not None
    ):
        y = shape_stand_in(y)
    rules = prim.jvp_joint or prim.jvp
    cached = prim.jvp_reads
    if cached is None or cached[0] is not rules:  # (rules swapped by the profiler)
        cached = prim.jvp_reads = (rules, _rule_reads(prim))
    rule_reads = cached[1]
    if rule_reads is None:
        return y, primals
    if type(rule_reads) is frozenset:  # a joint rule
        needed = rule_reads
    else:
        needed = frozenset()
        for t, r in zip(tangents, rule_reads, strict=False):
            if t is not None:
                if r is None:
                    return y, primals
                needed = needed | r
    return y, [p if i in needed else None for i, p in enumerate(primals)]


def _rule_reads(prim: Primitive) -> Any:
    """The argument positions the jvp rules of ``prim`` read: a frozenset for a joint rule, a
    tuple with one (``None``: unknown) per argument otherwise; ``None`` if unknown."""

    def positions(rule: Any) -> frozenset[int] | None:
        code = getattr(rule, "__code__", None)
        if code is None:
            return None
        read = reads_of(rule, (None, None, *range(code.co_argcount)))  # (tangent(s), y, *args)
        return None if read is None else frozenset(read)

    if prim.jvp_joint is not None:
        return positions(prim.jvp_joint)
    if prim.jvp is None:
        return None
    return tuple(frozenset() if rule is None else positions(rule) for rule in prim.jvp)


def tangent_of(x: JVPTracer) -> Any:
    """The tangent of a tracer of forward mode, forcing it if it was deferred."""
    t = x._tangent
    return t.force() if type(t) is DeferredTangent else t


def _arity_error(prim: Primitive, mode: str, n_rules: int, n_args: int) -> TypeError:
    return TypeError(
        f"primitive {prim.name!r} declares {n_rules} {mode} rules but was called with "
        f"{n_args} arguments; declare one rule per positional argument"
    )


def _apply_rules(prim: Primitive, tangents: list, y: Any, primals: list, params: dict) -> Any:
    """The tangent of ``y = prim(*primals)`` given the tangents of the primals (None: zero).

    ``None`` if it is zero (a deferred tangent may have turned out zero).
    """
    if prim.jvp_joint is not None:
        if all(t is None for t in tangents):
            return None
        y_dot = prim.jvp_joint(tangents, y, *primals, **params)
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
            contribution = rule(t, y, *primals, **params)
            if contribution is not None:
                y_dot = contribution if y_dot is None else y_dot + contribution
    if prim.multiple_results:
        return y_dot
    return None if isinstance(y_dot, Zero) else y_dot


class JVPTrace(Trace):
    """Push tangents through each primitive with its jvp rules, one op at a time.

    The rules of a call on large concrete primals and tangents are deferred until its tangent
    is read (``DeferredTangent``); otherwise they run at once.

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
        return tangent_of(x) if type(x) is JVPTracer and x._trace is self else None

    def process(self, prim: Primitive, args: tuple, params: dict) -> Any:
        if not self.active:
            return self.process_inactive(prim, args, params)
        primals = []
        tangents = []
        below = None  # the highest trace under this one among the primals
        depth = 0  # the longest chain of deferred tangents among the arguments
        large = False  # an argument of at least KEEP_BELOW bytes
        writable: tuple[int, ...] | None = None  # plain arrays the program may write later
        mine = False  # an argument is a tracer of this trace (if only a constant one)
        for i, a in enumerate(args):
            if type(a) is JVPTracer and a._trace is self:
                mine = True
                a, t = a._value, a._tangent
                if type(t) is DeferredTangent and t.depth > depth:
                    depth = t.depth
            else:
                t = None
                if type(a) is np.ndarray and a.flags.writeable:
                    writable = (writable or ()) + (i,)
            primals.append(a)
            tangents.append(t)
            if type(a) is np.ndarray:
                large = large or a.nbytes >= graph.KEEP_BELOW
            elif isinstance(a, Tracer) and (below is None or a._trace.level > below.level):
                below = a._trace
        # (process takes any sequence of arguments, though annotated as a tuple)
        y = prim.impl(*primals, **params) if below is None else below.process(prim, primals, params)  # type: ignore[arg-type]
        if not prim.differentiable:
            return self.constant(prim, y) if mine else y
        if (
            below is None
            and not prim.multiple_results
            and (large or is_large(y))
            and not any(isinstance(t, Tracer) for t in tangents)  # none traced by outer transforms
        ):
            # large concrete values only: defer the rules until the tangent is read (on small
            # values a tangent costs less than deferring it)
            if depth >= MAX_DEFERRED_DEPTH:
                tangents = [t.force() if type(t) is DeferredTangent else t for t in tangents]
                depth = 0
            y_kept, primals_kept = _lean(prim, tangents, y, primals)
            if writable:  # a deferred rule must read the values these arrays have now
                for i in writable:
                    if primals_kept[i] is not None:
                        primals_kept[i] = primals_kept[i].copy()
            deferred = DeferredTangent(prim, tangents, y_kept, primals_kept, params, depth + 1)
            return JVPTracer(self, y, deferred)
        if depth:  # the rules run now: every deferred tangent they read is needed
            tangents = [t.force() if type(t) is DeferredTangent else t for t in tangents]
        y_dot = _apply_rules(prim, tangents, y, primals, params)
        if y_dot is None:
            return self.constant(prim, y) if mine else y
        if prim.multiple_results:
            return tuple(
                JVPTracer(self, yi, None if isinstance(ti, Zero) else ti)
                if mine or not (ti is None or isinstance(ti, Zero))
                else yi
                for yi, ti in zip(y, y_dot, strict=True)
            )
        return JVPTracer(self, y, y_dot)

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
