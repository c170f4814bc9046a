"""Taylor mode: a trace whose tracers carry truncated Taylor series, ``jet`` and ``derivative``.

Each tracer holds a primal value and the normalized Taylor coefficients ``[x1, ..., xK]`` of
a path ``x(t) = x + x1 t + ... + xK t**K`` through it (a coefficient ``None`` is zero). A
primitive with a ``jet`` rule (``functional_ad.ops.series``) maps the coefficients of its
arguments to those of its output in one pass; one without runs the generic rule, which
solves ``y' = jvp(x'; y, x)`` order by order with jets of its jvp rules (``K`` of them), or,
for a primitive with several results, differentiates ``t -> prim(x(t))`` ``K`` times by
nested forward mode (``2**K`` evaluations): slower than a rule, but exact. The public
functions take and give the coefficients in JAX's convention, as derivatives along the
path (``k!`` times ours).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..core import Primitive, Trace, Tracer, new_trace
from ..core.tree import tree_flatten, tree_unflatten
from ..core.zeros import Zero, tangent_dtype
from ..ops.series import tangent_map
from .common import (
    check_like,
    check_outputs,
    name_transform,
    prepare_inputs,
)
from .forward import jvp


class JetTracer(Tracer):
    """A truncated Taylor series: the primal value and its coefficients ``[x1, ..., xK]``
    (``None`` for a constant)."""

    __slots__ = ("_series",)

    def __init__(self, trace: JetTrace, primal: Any, series: list | None) -> None:
        self._trace = trace
        self._value = primal
        self._series = series
        self._alias = None


class JetTrace(Trace):
    """Push Taylor coefficients through each primitive, by its jet rule or the generic one."""

    __slots__ = ("order",)

    def __init__(self, level: int, transform: str, order: int) -> None:
        super().__init__(level, transform)
        self.order = order

    def pure(self, value: Any) -> JetTracer:
        return JetTracer(self, value, None)

    def is_constant(self, x: Tracer) -> bool:
        return getattr(x, "_series", None) is None

    def lower_series(self, x: Any) -> list | None:
        """The coefficients of ``x`` if it is a tracer of this trace, else ``None``."""
        return x._series if type(x) is JetTracer and x._trace is self else None

    def process(self, prim: Primitive, args: tuple, params: dict) -> Any:
        if not self.active:
            return self.process_inactive(prim, args, params)
        primals = []
        series: list[list | None] = []
        below = None  # the highest trace under this one among the primals
        mine = False
        for a in args:
            if type(a) is JetTracer and a._trace is self:
                mine = True
                s = a._series
                a = a._value
            else:
                s = None
            primals.append(a)
            series.append(s)
            if isinstance(a, Tracer) and (below is None or a._trace.level > below.level):
                below = a._trace
        observer = self.observer
        if below is not None:
            y = below.process(prim, primals, params)  # type: ignore[arg-type]
        elif observer is None:
            y = prim.impl(*primals, **params)
        else:
            y = observer.evaluate(prim, prim.impl, primals, params)
        if not prim.differentiable or _all_none(series):
            return self.constant(prim, y) if mine else y
        out = None
        rule = prim.jet
        if rule is not None and not prim.multiple_results:
            out = rule(prim, series, y, *primals, **params)
        if out is None:
            out = generic_rule(prim, series, y, primals, params, self.order)
        if prim.multiple_results:
            return tuple(self.tracer(prim, yi, si) for yi, si in zip(y, out, strict=True))
        return self.tracer(prim, y, out)

    def tracer(self, prim: Primitive, y: Any, coefficients: list) -> JetTracer:
        """A tracer of ``y`` with ``coefficients`` (a constant if all of them are zero)."""
        if len(coefficients) != self.order:
            raise TypeError(
                f"{self.transform}: the jet rule of primitive {prim.name!r} returned "
                f"{len(coefficients)} coefficients for order {self.order}; a jet rule "
                "returns one per order (None for a zero coefficient)"
            )
        if _all_none(coefficients):
            return JetTracer(self, y, None)
        return JetTracer(self, y, coefficients)

    def constant(self, prim: Primitive, y: Any) -> Any:
        """Results with no series of a call on this trace's values, still traced by it (so
        that they can be written into, as in forward mode)."""
        if prim.multiple_results:
            return tuple(JetTracer(self, yi, None) for yi in y)
        return JetTracer(self, y, None)


def _all_none(items: Sequence[Any]) -> bool:
    return all(item is None for item in items)


def generic_rule(
    prim: Primitive, series: Sequence[list | None], y: Any, primals: list, params: dict, order: int
) -> Any:
    """The coefficients of ``prim`` along the path ``t -> prim(x(t))`` for a primitive
    without a jet rule: from its jvp rules in Taylor mode (one result), or by nested forward
    mode (several results)."""
    if prim.multiple_results:
        return nested_forward_rule(prim, series, y, primals, params, order)
    return jvp_rule_series(prim, series, y, primals, params, order)


def jvp_rule_series(
    prim: Primitive, series: Sequence[list | None], y: Any, primals: list, params: dict, order: int
) -> list:
    """The coefficients of ``y(t) = prim(x(t))`` from ``y' = jvp(x'; y, x)``, order by order.

    The jvp rules hold along the path, so the coefficient ``m - 1`` of ``y'`` is the jet of
    order ``m - 1`` of the rules at the series of ``x'``, ``y`` and ``x`` known so far, and
    ``ym`` is that over ``m``. The rules are made of primitives, so this costs ``order`` jets
    of the rules rather than ``2**order`` evaluations.
    """
    ys: list = [y]
    for m in range(1, order + 1):
        inner = m - 1
        if inner == 0:
            tangents = [None if s is None else s[0] for s in series]
            y_dot = tangent_map(prim, tangents, y, tuple(primals), params)
        else:
            with new_trace(JetTrace, "jet", inner) as trace:
                tangents = [
                    None if s is None else _derivative_tracer(trace, s, inner, p)
                    for s, p in zip(series, primals, strict=True)
                ]
                args = tuple(
                    p if s is None else _tracer(trace, p, s[:inner])
                    for s, p in zip(series, primals, strict=True)
                )
                out = tangent_map(prim, tangents, _tracer(trace, y, ys[1:]), args, params)
                top = trace.lower_series(out) if out is not None else None
                y_dot = None if top is None else top[inner - 1]
        ys.append(None if y_dot is None else (y_dot if m == 1 else y_dot * (1.0 / m)))
    return ys[1:]


def _tracer(trace: JetTrace, primal: Any, coefficients: list) -> Any:
    """``primal`` with ``coefficients`` in ``trace``, or ``primal`` itself if all are zero."""
    return primal if _all_none(coefficients) else JetTracer(trace, primal, coefficients)


def _derivative_tracer(trace: JetTrace, s: list, inner: int, like: Any) -> Any:
    """The series of ``x'(t)`` to order ``inner``: coefficient ``j`` is ``(j + 1) x_{j+1}``;
    ``None`` if all are zero."""
    terms = [None if c is None else c * float(j) for j, c in enumerate(s[1 : inner + 1], 2)]
    first = s[0]
    if first is None:
        if _all_none(terms):
            return None
        first = np.zeros(np.shape(like), tangent_dtype(like))
    return _tracer(trace, first, terms)


def nested_forward_rule(
    prim: Primitive, series: Sequence[list | None], y: Any, primals: list, params: dict, order: int
) -> Any:
    """The coefficients of ``prim`` along the path ``t -> prim(x(t))`` by ``order`` nested
    jvps in ``t``: one list per result."""
    coefficient_dtypes = [
        np.dtype(getattr(c, "dtype", np.result_type(c)))
        for s in series
        if s is not None
        for c in s
        if c is not None
    ]
    real = np.result_type(*[np.finfo(d).dtype for d in coefficient_dtypes], np.float16)
    t0 = np.zeros((), real)
    one = np.ones((), real)

    def on_path(t: Any) -> Any:
        args = []
        for a, s in zip(primals, series, strict=True):
            if s is None:
                args.append(a)
                continue
            acc = None  # x1 + x2 t + ... + xK t**(K-1), by Horner's rule
            for c in reversed(s):
                acc = c if acc is None else (acc * t if c is None else acc * t + c)
            args.append(a if acc is None else a + acc * t)
        return prim(*args, **params)

    def derivatives(k: int, t: Any) -> list:
        if k == 0:
            return [on_path(t)]
        values, tangents = jvp(lambda s: derivatives(k - 1, s), (t,), (one,))
        return [*values, tangents[-1]]

    found = derivatives(order, t0)[1:]
    scaled = [_scaled(d, 1.0 / math.factorial(k)) for k, d in enumerate(found, start=1)]
    if prim.multiple_results:
        return [[d[i] for d in scaled] for i in range(len(y))]
    return scaled


def _scaled(d: Any, c: float) -> Any:
    if isinstance(d, tuple):
        return tuple(_scaled(di, c) for di in d)
    return d if c == 1 else d * c


def _order_of(series: Sequence[Any]) -> int:
    orders = {len(terms) for terms in series}
    if len(orders) != 1:
        raise ValueError(
            f"jet: every primal needs the same number of series terms; got {sorted(orders)} "
            "(pad the shorter lists with zeros)"
        )
    return orders.pop()


def jet(
    fun: Callable[..., Any], primals: Sequence[Any], series: Sequence[Sequence[Any]]
) -> tuple[Any, Any]:
    """Return ``(f(x), [y1, ..., yK])``: the Taylor series of ``f`` along a path, to order K.

    As ``jax.experimental.jet.jet``: the path is ``x(t) = x + x1 t + x2 t**2/2! + ... +
    xK t**K/K!`` for each primal, and ``yk`` is the k-th derivative of ``f(x(t))`` at
    ``t = 0``, all computed in one pass.

    Args:
        fun: a function of ``len(primals)`` arrays.
        primals: tuple of arrays (or numbers) at which to expand.
        series: tuple with one list per primal of ``K`` coefficients ``[x1, ..., xK]``, each
            shaped like its primal (``functional_ad.Zero`` for a coefficient known to be 0).

    Returns:
        ``(primal_out, series_out)``: ``fun(*primals)``, and for each output leaf the list of
        its ``K`` coefficients (a pytree of lists shaped like the output).

    >>> import numpy as np
    >>> y, (y1, y2) = jet(np.square, (3.0,), ([1.0, 0.0],))  # (3 + t)**2 = 9 + 6t + t**2
    >>> float(y), float(y1), float(y2)
    (9.0, 6.0, 2.0)
    """
    if not isinstance(primals, (tuple, list)) or not isinstance(series, (tuple, list)):
        raise TypeError(
            "jet expects primals and series as tuples: jet(f, (x,), ([x1, x2],)) with a list "
            "of coefficients per primal"
        )
    if len(primals) != len(series):
        raise ValueError(
            f"jet: {len(primals)} primals but {len(series)} series; give one list of "
            "coefficients per primal"
        )
    for i, terms in enumerate(series):
        if not isinstance(terms, (tuple, list)):
            raise TypeError(
                f"jet: series[{i}] must be a list of coefficients [x1, ..., xK], not "
                f"{type(terms).__name__}"
            )
    for i, x in enumerate(primals):
        if tree_flatten(x)[0] != [x]:
            raise TypeError(f"jet: primal {i} must be an array or a number, not a container")
    order = _order_of(series) if series else 0
    xs = prepare_inputs(list(primals), "jet", [f"primal {i}" for i in range(len(primals))])
    ins_series: list[list | None] = []
    for x, terms in zip(xs, series, strict=True):
        coefficients = []
        for k, term in enumerate(terms, start=1):
            term = check_like(term, x, f"series coefficient {k}", "jet")
            coefficients.append(None if isinstance(term, Zero) else _scaled(term, _inverse(k)))
        ins_series.append(None if all(c is None for c in coefficients) else coefficients)
    out_tree, ys, terms_out = _expand(fun, xs, ins_series, order, "jet", {})
    return tree_unflatten(out_tree, ys), tree_unflatten(out_tree, terms_out)


def _inverse(k: int) -> float:
    return 1.0 / math.factorial(k)


def _expand(
    fun: Callable[..., Any],
    xs: list,
    ins_series: list[list | None],
    order: int,
    transform: str,
    kwargs: dict,
    last_only: bool = False,
) -> tuple[Any, list, list]:
    """Run ``fun`` on Taylor tracers: the tree of its output, its leaves and each leaf's
    list of coefficients in JAX's convention (with ``last_only``, the list of the last)."""
    with new_trace(JetTrace, transform, order) as trace:
        ins = [
            x if s is None else JetTracer(trace, x, s) for x, s in zip(xs, ins_series, strict=True)
        ]
        out = fun(*ins, **kwargs)
        if type(out) is JetTracer:  # the common case, kept fast
            out_flat, out_tree = [out], _LEAF
        else:
            out_flat, out_tree = tree_flatten(out)
            check_outputs(out_flat, transform)
        ys = [trace.lower(o) for o in out_flat]
        series_out = [trace.lower_series(o) for o in out_flat]
    terms_out = []
    for y, s in zip(ys, series_out, strict=True):
        shape = y.shape if isinstance(y, (np.ndarray, np.generic)) else np.shape(y)
        terms = []
        for k in range(order if last_only else 1, order + 1):
            c = None if s is None else s[k - 1]
            if c is None:
                c = np.zeros(shape, tangent_dtype(y))
            else:
                if k > 1:
                    c = c * math.factorial(k)
                if (c.shape if isinstance(c, (np.ndarray, np.generic)) else np.shape(c)) != shape:
                    c = np.broadcast_to(c, shape).copy()
            terms.append(c)
        terms_out.append(terms)
    return out_tree, ys, terms_out


_LEAF = tree_flatten(0.0)[1]


def derivative(f: Callable[..., Any], order: int = 1) -> Callable[..., Any]:
    """Return ``x, v -> d^k/dt^k f(x + t v)`` at ``t = 0``: the k-th (directional) derivative.

    Computed in one Taylor pass (``jet`` with the series ``[v, 0, ..., 0]``) rather than by
    nesting ``grad`` k times.

    Args:
        f: a function of one array (keyword arguments of the call are passed to it unchanged).
        order: k, a non-negative int.

    Returns:
        A function of ``x`` and an optional direction ``v`` shaped like ``x`` (by default 1,
        for a 0-d ``x`` only), returning an array shaped like ``f(x)`` (a pytree if ``f``
        returns one). For a function of one scalar, ``derivative(f, k)(x)`` is ``f^(k)(x)``;
        map it over the elements of an array with ``vmap``.

    >>> import numpy as np
    >>> float(derivative(np.sin, order=3)(0.0))
    -1.0
    >>> cubes = derivative(lambda x: np.sum(x**3), order=2)  # along v: 6 * sum(x * v**2)
    >>> float(cubes(np.array([1.0, 2.0]), np.array([1.0, 1.0])))
    18.0
    """
    if not isinstance(order, numbers.Integral) or isinstance(order, bool) or order < 0:
        raise ValueError(f"derivative: order must be a non-negative int, not {order!r}")
    k = int(order)

    @name_transform("derivative", f, f"The derivative of order {k}")
    def derivative_f(x: Any, v: Any = None, **kwargs: Any) -> Any:
        if isinstance(x, (tuple, list, dict)):
            raise TypeError(
                "derivative: x must be an array or a number; for several arguments close over "
                "the others (derivative(lambda x: f(x, y), k)) or use jet"
            )
        if not isinstance(x, (np.ndarray, np.generic)) or x.dtype.kind not in "fc":
            (x,) = prepare_inputs([x], "derivative", ["x"])
        if v is None:
            if x.ndim != 0:
                raise ValueError(
                    f"derivative: x has shape {np.shape(x)}; pass a direction v shaped like x "
                    "(derivative(f, k)(x, v)), or map over the elements with "
                    "vmap(derivative(f, k))"
                )
            v = x.dtype.type(1)
        else:
            v = check_like(v, x, "direction v", "derivative")
        if k == 0:
            return f(x, **kwargs)
        series = None if isinstance(v, Zero) else [v] + [None] * (k - 1)
        out_tree, _, terms = _expand(f, [x], [series], k, "derivative", kwargs, last_only=True)
        return tree_unflatten(out_tree, [leaf_terms[-1] for leaf_terms in terms])

    return derivative_f
