"""The coverage table: every NumPy/SciPy function routed to a handler, with its derivatives.

The table is derived from the registry (the front end's ``NUMPY`` and ``UFUNC_METHODS``
tables and the engine's ``PRIMITIVES``), so functions added to it appear automatically:

- a handler that is a ``Primitive`` reports its own rules;
- a composed handler (a Python function calling other NumPy functions or primitives) is
  differentiable through the primitives it binds. They are observed, not guessed: the op
  table's examples (``tests/op_table.py``) run on the tracers of an observing trace, which
  records every primitive bound inside each NumPy function called on them, and whether the
  function's result carries a derivative. A function is "yes" in a mode when every
  primitive it was seen to bind with a derivative flowing in has the rule of that mode for
  those arguments; the notes list what it was seen to call ("composed of: ..."). A composed
  function no example reached is reported as not observed ("?"), never guessed;
- handlers made by the front end's factories of constant results and of shape/dtype
  queries (``_constant``, ``_created_like``, ``_pure_like``, ``constant_result``,
  ``_metadata``: their qualified names start with the factory's) are constants and
  queries; an observed function whose results never carry a derivative, though one
  reached the primitives it binds, is a constant too.

``python -m functional_ad coverage`` prints it (``--markdown`` for the docs). Nothing in the
runtime path imports this module.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import importlib
import sys
import types
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..core import Primitive, Trace, Tracer, new_trace
from ..numpy.registry import NUMPY, UFUNC_METHODS
from ..ops import PRIMITIVES

YES, NO, CONSTANT, QUERY, UNKNOWN = "yes", "no", "zero", "n/a", "?"
NOT_OBSERVED = "composed; not observed (no op-table example)"

# Public namespaces in which a function's name is looked up, in order of preference.
_NAMESPACES = (
    "numpy",
    "numpy.linalg",
    "numpy.fft",
    "scipy.special",
    "scipy.linalg",
    "scipy.stats",
    "scipy.signal",
    "scipy.special._ufuncs",  # private ufuncs behind Python functions (zeta)
)


@dataclasses.dataclass(frozen=True)
class Row:
    """One supported function.

    name: public name ("numpy.sin", "scipy.special.gammaln", "numpy.add.reduce").
    forward, reverse: "yes", "no", "zero" (the result is a constant: no derivative),
    "n/a" (returns shapes, dtypes or flags), "?" (composed of other functions, and no
    op-table example was observed). Arguments without a derivative (the condition of
    ``where``) are named in the notes.
    complex: "yes" (checked by a complex op-table row), "no" (NumPy has no complex
    version), "?" (not verified).
    notes: how the handler is built, aliases, arguments without derivative.
    family: the module declaring it ("" when unknown).
    kind: "function", "ufunc method" or "primitive".
    """

    name: str
    forward: str
    reverse: str
    complex: str
    notes: str
    family: str = ""
    kind: str = "function"

    @property
    def differentiable(self) -> bool:
        return self.forward == YES and self.reverse == YES


# ----------------------------------------------------------------------------- names


def _modules(names: Iterable[str]) -> list[types.ModuleType]:
    """The namespaces already imported (SciPy is only looked at if something loaded it)."""
    return [sys.modules[n] for n in names if n in sys.modules]


@functools.lru_cache(maxsize=1)
def _aliases() -> dict[int, list[str]]:
    """id(function) -> every public name bound to it, in the known namespaces."""
    index: dict[int, list[str]] = {}
    for module in _modules(_NAMESPACES):
        for attr in sorted(dir(module)):
            if attr.startswith("_"):
                continue
            with warnings.catch_warnings():  # deprecated aliases warn on access
                warnings.simplefilter("ignore")
                obj = getattr(module, attr, None)
            if callable(obj) and not isinstance(obj, type):
                index.setdefault(id(obj), []).append(f"{module.__name__}.{attr}")
    return index


def public_name(func: Any) -> str:
    """``numpy.sin``, ``numpy.linalg.inv``, ``scipy.special.gammaln`` for a registry key.

    >>> public_name(np.linalg.inv)
    'numpy.linalg.inv'
    """
    name = getattr(func, "__name__", repr(func))
    for module in _modules(_NAMESPACES):
        if getattr(module, name, None) is func:
            return f"{module.__name__}.{name}"
    names = _aliases().get(id(func))
    if names:
        return names[0]
    module_name = getattr(func, "__module__", None) or type(func).__module__
    return f"{module_name}.{name}"


def _is_ours(obj: Any) -> bool:
    module = getattr(obj, "__module__", None) or ""
    return module == "functional_ad" or module.startswith("functional_ad.")


def _handler_of(obj: Any) -> Any:
    try:
        return NUMPY.get(obj)
    except TypeError:  # unhashable
        return None


# ----------------------------------------------------------------------------- observation


@dataclasses.dataclass(frozen=True)
class Example:
    """One call to observe: ``fn(*args)`` on traced ``args``.

    Every NumPy function ``fn`` calls on the traced values is observed on the way; ``names``
    are public names (``functional_ad.scipy.stats.norm.logpdf``) of functions ``fn`` calls
    directly rather than through NumPy's protocols, observed as the whole call.
    """

    fn: Callable[..., Any]
    args: tuple
    names: tuple[str, ...] = ()


@dataclasses.dataclass
class Observation:
    """What one function did in the calls observed.

    calls: calls that returned; derived: those whose result carried a derivative (for a
    call returning ``None``, a write: those that gave an argument a derivative, or bound a
    primitive with rules on values carrying one); reached: those in which a value carrying a
    derivative reached a primitive (or an argument written into).
    bound: (primitive, argument positions that carried a derivative, part) for each primitive
    bound inside the function, where ``part`` is the NumPy function called directly by this
    one inside which it was bound (``None``: bound by this function itself).
    """

    calls: int = 0
    derived: int = 0
    reached: int = 0
    bound: set[tuple[Primitive, tuple[int, ...], Any]] = dataclasses.field(default_factory=set)


class _Example:
    """The observation key of a whole example (its public names)."""

    __slots__ = ("names",)

    def __init__(self, names: tuple[str, ...]) -> None:
        self.names = names


class _Frame:
    """A call in progress: its observation key, what was bound inside it so far, and its
    traced arguments that carried no derivative when it began (a write may give them one)."""

    __slots__ = ("key", "bound", "constants")

    def __init__(self, key: Any, constants: list[_ObservedTracer]) -> None:
        self.key = key
        self.bound: set[tuple[Primitive, tuple[int, ...], Any]] = set()
        self.constants = constants


class _ObservedTracer(Tracer):
    """A value of an ``_ObservingTrace``; ``_derived``: it depends on the example's inputs.

    NumPy's protocols are entered through it, so each NumPy function called on it is a frame
    of the observation while its handler runs.
    """

    __slots__ = ("_derived",)
    _trace: _ObservingTrace

    def __init__(self, trace: _ObservingTrace, value: Any, derived: bool) -> None:
        self._trace = trace
        self._value = value
        self._derived = derived
        self._alias = None

    def __array_function__(self, func: Any, types: Any, args: tuple, kwargs: dict) -> Any:
        with self._trace.frame(func, (args, kwargs)) as frame:
            out = super().__array_function__(func, types, args, kwargs)
            self._trace.returned(frame, out)
            return out

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        key = ufunc if method == "__call__" else (ufunc, method)
        with self._trace.frame(key, (inputs, kwargs)) as frame:
            out = super().__array_ufunc__(ufunc, method, *inputs, **kwargs)
            self._trace.returned(frame, out)
            return out


def _leaves(x: Any) -> Iterator[Any]:
    if isinstance(x, (tuple, list)):
        for item in x:
            yield from _leaves(item)
    elif isinstance(x, dict):
        for item in x.values():
            yield from _leaves(item)
    else:
        yield x


class _ObservingTrace(Trace):
    """Evaluate every primitive eagerly and note it, with the NumPy calls it was bound in.

    It differentiates nothing: a value carries a derivative (``_derived``) if a primitive
    with rules computed it from values that do. What a call binds counts for it only if the
    call returns (a failed attempt inside a handler that recovers is not part of it).
    """

    __slots__ = ("frames", "observed")

    def __init__(self, level: int, transform: str, observed: dict[Any, Observation]) -> None:
        super().__init__(level, transform)
        self.frames: list[_Frame] = []
        self.observed = observed

    def pure(self, value: Any) -> _ObservedTracer:
        return _ObservedTracer(self, value, False)

    def is_constant(self, x: Tracer) -> bool:
        return not getattr(x, "_derived", False)

    def carries(self, out: Any) -> bool:
        """True if a result holds a value of this trace that carries a derivative."""
        return any(
            isinstance(leaf, _ObservedTracer) and leaf._trace is self and leaf._derived
            for leaf in _leaves(out)
        )

    @contextlib.contextmanager
    def frame(self, key: Any, args: Any = ()) -> Iterator[_Frame]:
        """Observe the call of ``key`` on ``args`` while in the block."""
        constants = [
            leaf
            for leaf in _leaves(args)
            if isinstance(leaf, _ObservedTracer) and leaf._trace is self and not leaf._derived
        ]
        frame = _Frame(key, constants)
        self.frames.append(frame)
        try:
            yield frame
        finally:
            self.frames.pop()

    def returned(self, frame: _Frame, out: Any) -> None:
        """Count a call that returned ``out`` and hand what it bound to its caller."""
        keys = frame.key.names if isinstance(frame.key, _Example) else (frame.key,)
        # a write (a call returning None) gives a derivative to the arrays it writes into
        written = out is None and any(leaf._derived for leaf in frame.constants)
        reached = written or any(at for _, at, _ in frame.bound)
        derived = (
            self.carries(out)
            or written
            or (out is None and any(at and p.differentiable for p, at, _ in frame.bound))
        )
        for key in keys:
            try:
                observation = self.observed.setdefault(key, Observation())
            except TypeError:  # an unhashable callable: not a registry key anyway
                continue
            observation.calls += 1
            observation.derived += derived
            observation.reached += reached
            observation.bound |= frame.bound
        if len(self.frames) > 1:  # (``frame`` is the last: the call is still in its block)
            caller = self.frames[-2]
            caller.bound.update((prim, at, frame.key) for prim, at, _ in frame.bound)

    def process(self, prim: Primitive, args: tuple, params: dict) -> Any:
        if not self.active:
            return self.process_inactive(prim, args, params)
        values = []
        derived: list[int] = []
        below = None
        for i, a in enumerate(args):
            if isinstance(a, _ObservedTracer) and a._trace is self:
                if a._derived:
                    derived.append(i)
                a = a._value
            elif isinstance(a, Tracer) and (below is None or a._trace.level > below.level):
                below = a._trace
            values.append(a)
        if below is None:
            y = prim.impl(*values, **params)
        else:
            y = below.process(prim, tuple(values), params)
        if self.frames:
            self.frames[-1].bound.add((prim, tuple(derived), None))
        carries = bool(derived) and prim.differentiable
        if prim.multiple_results:
            return tuple(_ObservedTracer(self, v, carries) for v in y)
        return _ObservedTracer(self, y, carries)


def observe(examples: Iterable[Example]) -> tuple[dict[Any, Observation], list[str]]:
    """Run each example on observed tracers.

    Returns the observations, keyed by NumPy function (or ``(ufunc, method)``) and by the
    examples' public names, and one message per example that raised (its observations of
    the calls that returned before the error are kept).

    >>> observed, failed = observe([Example(lambda x: np.mean(np.sin(x)), (np.ones(3),))])
    >>> observed[np.mean].derived, failed
    (1, [])
    """
    observed: dict[Any, Observation] = {}
    failed = []
    for example in examples:
        with new_trace(_ObservingTrace, "coverage", observed) as trace:
            ins = [_ObservedTracer(trace, np.asarray(a), True) for a in example.args]
            try:
                with trace.frame(_Example(example.names)) as frame:
                    trace.returned(frame, example.fn(*ins))
            except Exception as error:  # the table says what was seen, the message what not
                name = example.names[0] if example.names else getattr(example.fn, "__name__", "")
                failed.append(f"{name}: {type(error).__name__}: {error}")
    return observed, failed


def _has_rule(prim: Primitive, mode: str, position: int) -> bool:
    """True if ``prim`` has a ``mode`` ("jvp" or "vjp") rule for argument ``position``."""
    if getattr(prim, f"{mode}_joint", None) is not None:
        return True
    rules = getattr(prim, mode, None)
    return rules is not None and position < len(rules) and rules[position] is not None


def _part_name(prim: Primitive, part: Any) -> str:
    """How the notes name a part: the primitive, or the composed NumPy function called."""
    if part is None or isinstance(_handler_of(part), Primitive):
        return prim.name
    if isinstance(part, tuple):
        ufunc, method = part
        return f"{public_name(ufunc).replace('numpy.', 'np.', 1)}.{method}"
    return public_name(part).replace("numpy.", "np.", 1)


def _observed_row(observation: Observation) -> tuple[str, str, list[str]]:
    if not observation.derived:
        if observation.reached:  # the derivative stopped at primitives without rules
            return CONSTANT, CONSTANT, ["no derivative (the result is a constant)"]
        # its traced arguments were used for their shapes only: what the others do is unseen
        return UNKNOWN, UNKNOWN, ["composed; no derivative reached it in the op-table examples"]
    flowing = [(p, at, part) for p, at, part in observation.bound if at and p.differentiable]
    status = []
    notes = []
    for mode in ("jvp", "vjp"):
        missing = sorted(
            {
                f"{p.name} (argument {i + 1})"
                for p, at, _ in flowing
                for i in at
                if not _has_rule(p, mode, i)
            }
        )
        status.append(NO if missing else YES)
        if missing:
            notes.append(f"no {mode} rule of {', '.join(missing)}")
    parts = sorted({_part_name(p, part) for p, _, part in flowing})
    if not parts or len(parts) > 6:
        notes.insert(0, "composed")
    else:
        notes.insert(0, f"composed of: {', '.join(parts)}")
    return status[0], status[1], notes


# ----------------------------------------------------------------------------- rows


def _rule_status(prim: Primitive, mode: str) -> tuple[str, list[int]]:
    """("yes" | "no" | "partial", arguments without a rule) for one primitive and mode."""
    joint = prim.jvp_joint if mode == "jvp" else prim.vjp_joint
    rules = prim.jvp if mode == "jvp" else prim.vjp
    if joint is not None:
        return YES, []
    if rules is None:
        return NO, []
    missing = [i + 1 for i, r in enumerate(rules) if r is None]
    if len(missing) == len(rules):
        return NO, missing
    return (YES if not missing else "partial"), missing


def _primitive_row(name: str, prim: Primitive) -> tuple[str, str, list[str]]:
    if not prim.differentiable:
        return CONSTANT, CONSTANT, ["no derivative (piecewise constant or integer result)"]
    forward, f_missing = _rule_status(prim, "jvp")
    reverse, r_missing = _rule_status(prim, "vjp")
    notes = []
    missing = sorted(set(f_missing) | set(r_missing))
    if missing and (forward, reverse) != (NO, NO):
        which = ", ".join(str(i) for i in missing)
        notes.append(f"no derivative in argument {which}")
        forward = YES if forward == "partial" else forward
        reverse = YES if reverse == "partial" else reverse
    if prim.name.rsplit(".", 1)[-1] != name.rsplit(".", 1)[-1]:
        notes.append(f"primitive {prim.name}")
    return forward, reverse, notes


# The factories of the front end that make handlers computing on concrete values, and
# shape/dtype queries: a handler they made is named "<factory>.<locals>.<name>".
_CONSTANT_FACTORIES = ("_constant", "_created_like", "_pure_like", "constant_result")
_QUERY_FACTORIES = ("_metadata",)


def _handler_kind(handler: Any) -> str:
    qualname = getattr(handler, "__qualname__", "")
    factory, made, _ = qualname.partition(".<locals>.")
    if made and _is_ours(handler):
        if factory in _QUERY_FACTORIES:
            return "query"
        if factory in _CONSTANT_FACTORIES:
            return "constant"
    return "composed"


def _composed_row(handler: Any, observation: Observation | None) -> tuple[str, str, list[str]]:
    kind = _handler_kind(handler)
    if kind == "query":
        return QUERY, QUERY, ["shape/dtype query"]
    if kind == "constant":
        return CONSTANT, CONSTANT, ["no derivative (computed on concrete values)"]
    if observation is None or not observation.calls:
        return UNKNOWN, UNKNOWN, [NOT_OBSERVED]
    return _observed_row(observation)


def _complex_status(func: Any, name: str, forward: str, tested: set[str]) -> str:
    if name in tested:
        return YES
    if forward in (CONSTANT, QUERY):
        return "-"
    types_ = getattr(func, "types", None)
    if isinstance(func, np.ufunc) and types_ is not None:
        has_complex = any(set(sig.split("->")[0]) & set("FDG") for sig in types_)
        if not has_complex:
            return NO
    return "?"


def _family(handler: Any) -> str:
    if isinstance(handler, Primitive):
        return handler.family
    module = getattr(handler, "__module__", "") or ""
    return module.rsplit(".", 1)[-1] if _is_ours(handler) else ""


def _lookup(observed: Mapping[Any, Observation], key: Any) -> Observation | None:
    try:
        return observed.get(key)
    except TypeError:  # unhashable
        return None


def coverage_rows(
    complex_tested: Iterable[str] = (),
    verified: Mapping[str, str] | None = None,
    observed: Mapping[Any, Observation] | None = None,
) -> list[Row]:
    """One ``Row`` per NumPy/SciPy function and ufunc method in the registry, and per
    function of ``functional_ad.scipy`` (when it was imported), sorted by name.

    Args:
        complex_tested: public names ("numpy.sin") that a complex op-table row checks.
        verified: public name -> what the op table checks ("order 2, fwd+rev"), added to
            the notes.
        observed: what ``observe`` saw the functions do on examples; a composed function
            without an observation is reported as not observed ("?").

    >>> rows = {r.name: r for r in coverage_rows()}
    >>> rows["numpy.sin"].forward, rows["numpy.mean"].forward, rows["numpy.any"].forward
    ('yes', '?', 'zero')
    """
    tested = set(complex_tested)
    seen: Mapping[Any, Observation] = observed or {}
    rows = []
    for func, handler in list(NUMPY.items()):
        name = public_name(func)
        if isinstance(handler, Primitive):
            forward, reverse, notes = _primitive_row(name, handler)
        else:
            forward, reverse, notes = _composed_row(handler, _lookup(seen, func))
        aliases = [a for a in _aliases().get(id(func), []) if a != name]
        if aliases:
            notes.append("also " + ", ".join(aliases))
        rows.append(
            Row(
                name,
                forward,
                reverse,
                _complex_status(func, name, forward, tested),
                "; ".join(notes),
                _family(handler),
            )
        )
    from .. import special

    for attr in special.__all__:  # SciPy's Python-level functions, as functional_ad has them
        name = f"functional_ad.special.{attr}"
        forward, reverse, notes = _composed_row(getattr(special, attr), seen.get(name))
        notes.append(f"use this for scipy.special.{attr} on traced values")
        rows.append(Row(name, forward, reverse, "?", "; ".join(notes), "special"))
    for (ufunc, method), handler in list(UFUNC_METHODS.items()):
        name = f"{public_name(ufunc)}.{method}"
        observation = _lookup(seen, (ufunc, method))
        forward, reverse, notes = _composed_row(handler, observation)
        own = NUMPY.get(ufunc)
        if (
            forward == UNKNOWN
            and observation is not None
            and observation.calls
            and isinstance(own, Primitive)
            and not own.differentiable
        ):  # seen on its values (integers: bitwise_and.at), by a ufunc without derivative
            forward = reverse = CONSTANT
            notes = [f"no derivative ({public_name(ufunc)} has none)"]
        rows.append(
            Row(
                name,
                forward,
                reverse,
                "?" if name not in tested else YES,
                "; ".join(notes),
                _family(handler),
                kind="ufunc method",
            )
        )
    rows += scipy_front_end_rows(seen)
    rows = [_with_limits(r) for r in rows]
    if verified:
        rows = [_with_verified(r, verified.get(r.name)) for r in rows]
    return sorted(rows, key=lambda r: r.name)


def _with_limits(row: Row) -> Row:
    """The row with the orders where its derivatives stop (functional_ad/scipy/limits.py)."""
    limits = sys.modules.get("functional_ad.scipy.limits")
    described = limits.describe(row.name) if limits is not None else ""
    if not described:
        return row
    return dataclasses.replace(row, notes="; ".join(n for n in (row.notes, described) if n))


def _with_verified(row: Row, checked: str | None) -> Row:
    if not checked:
        return row
    notes = "; ".join(n for n in (row.notes, f"verified: {checked}") if n)
    return dataclasses.replace(row, notes=notes)


_STATS_METHODS = ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf", "ppf", "isf")
_DISCRETE_METHODS = ("logpmf", "pmf", "cdf", "logcdf", "sf", "logsf", "ppf")


def scipy_front_end_rows(observed: Mapping[Any, Observation] | None = None) -> list[Row]:
    """Rows for the functions of ``functional_ad.scipy`` that are not SciPy ufuncs (those
    are registry entries): ``functional_ad.scipy.stats.norm.logpdf``,
    ``functional_ad.scipy.linalg.expm``... Empty unless ``functional_ad.scipy`` was imported.
    ``observed`` is keyed by their public names (see ``coverage_rows``).

    >>> isinstance(scipy_front_end_rows(), list)
    True
    """
    package = sys.modules.get("functional_ad.scipy")
    if package is None:
        return []
    seen: Mapping[Any, Observation] = observed or {}
    rows = []
    stats = package.stats
    for attr in stats.__all__:
        dist = getattr(stats, attr)
        methods = _DISCRETE_METHODS if hasattr(dist, "logpmf") else _STATS_METHODS
        for method in methods:
            if not hasattr(dist, method):
                continue
            name = f"functional_ad.scipy.stats.{attr}.{method}"
            forward, reverse, notes = _composed_row(getattr(dist, method), seen.get(name))
            complex_ = "-" if forward in (CONSTANT, QUERY) else "?"
            rows.append(Row(name, forward, reverse, complex_, "; ".join(notes), "stats"))
    for module_name in ("integrate", "linalg", "optimize", "signal", "special"):
        module = getattr(package, module_name)
        for attr in module.__all__:
            func = getattr(module, attr)
            if isinstance(func, type):  # result classes (OptimizeResult...)
                continue
            if isinstance(func, np.ufunc) or _handler_of(func) is not None:
                continue  # listed from the registry under its SciPy name
            if module_name == "special" and attr in _special_names():
                continue  # listed as functional_ad.special.<name>
            name = f"functional_ad.scipy.{module_name}.{attr}"
            forward, reverse, notes = _composed_row(func, seen.get(name))
            rows.append(Row(name, forward, reverse, "?", "; ".join(notes), module_name))
    return rows


def _special_names() -> list[str]:
    from .. import special

    return list(special.__all__)


def primitive_rows() -> list[Row]:
    """One ``Row`` per registered primitive (the engine's view, by primitive name).

    >>> next(r for r in primitive_rows() if r.name == "sin").reverse
    'yes'
    """
    rows = []
    for name, prim in sorted(PRIMITIVES.items()):
        forward, reverse, notes = _primitive_row(name, prim)
        rows.append(
            Row(name, forward, reverse, "", "; ".join(notes), prim.family, kind="primitive")
        )
    return rows


# ----------------------------------------------------------------------------- the op table


def load_op_table(root: Path | None = None) -> list[Any]:
    """The rows of ``tests/op_table.py`` when run from a source checkout (``root``: the
    checkout; by default the one this package is in), else ``[]`` (an installed package)."""
    root = Path(__file__).resolve().parents[2] if root is None else root
    if not (root / "tests" / "op_table.py").exists():
        return []
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    try:
        return list(importlib.import_module("tests.op_table").ROWS)
    except Exception:
        return []


def row_names(row: Any) -> list[str]:
    """The public names an op-table row checks ("dot[nd]" is a variant of "dot").

    >>> from types import SimpleNamespace
    >>> row_names(SimpleNamespace(name="linalg.scipy.expm[2x2]"))
    ['functional_ad.scipy.linalg.expm']
    """
    base = row.name.split("[", 1)[0]
    if base.startswith("linalg.scipy."):
        return [f"functional_ad.scipy.linalg.{base.removeprefix('linalg.scipy.')}"]
    return [
        f"numpy.{base}",
        f"scipy.{base}",
        f"functional_ad.scipy.{base}",
        f"functional_ad.{base}",
    ]


def complex_tested(rows: Sequence[Any]) -> set[str]:
    """Public names checked by a complex op-table row."""
    names: set[str] = set()
    for row in rows:
        if getattr(row, "complex", False):
            base = row.name.split("[", 1)[0]
            names |= {f"numpy.{base}", f"scipy.{base}"}
    return names


def verified(rows: Sequence[Any]) -> dict[str, str]:
    """Public name -> the orders and modes its op-table rows check."""
    found: dict[str, tuple[int, set[str]]] = {}
    for row in rows:
        for name in row_names(row):
            order, modes = found.get(name, (0, set()))
            found[name] = (max(order, row.order), modes | set(row.modes if row.order else ()))
    return {
        name: f"order {order}, " + ("+".join(sorted(modes)) if modes else "value only")
        for name, (order, modes) in found.items()
    }


def examples(rows: Sequence[Any]) -> list[Example]:
    """One ``Example`` per op-table row, case and dtype (its first real dtype, and
    complex128 for a complex row), with arguments drawn as the op tests draw them."""
    out = []
    for row in rows:
        rng = np.random.default_rng(0)
        dtypes = [row.dtypes[0]] + (["complex128"] if row.complex else [])
        names = tuple(n for n in row_names(row) if n.startswith("functional_ad."))
        for shapes in row.arg_shapes():
            for dtype in dtypes:
                out.append(Example(row.fn, row.args(rng, shapes, dtype), names))
    return out


# ----------------------------------------------------------------------------- printing


def _summary(rows: list[Row]) -> str:
    functions = [r for r in rows if r.kind == "function"]
    methods = [r for r in rows if r.kind == "ufunc method"]
    both = sum(r.differentiable for r in functions)
    constant = sum(r.forward == CONSTANT for r in functions)
    query = sum(r.forward == QUERY for r in functions)
    unknown = sum(r.forward == UNKNOWN for r in functions)
    methods_unknown = sum(r.forward == UNKNOWN for r in methods)
    return (
        f"{len(functions)} functions ({both} with forward and reverse derivatives, "
        f"{constant} constant, {query} shape/dtype queries, {unknown} not observed) and "
        f"{len(methods)} ufunc methods ({methods_unknown} not observed); "
        f"{len(PRIMITIVES)} primitives"
    )


def format_table(rows: list[Row], markdown: bool = False, title: str = "function") -> str:
    """The rows as an aligned text table or a Markdown table, with a count line."""
    header = (title, "forward", "reverse", "complex", "notes")
    body = [(r.name, r.forward, r.reverse, r.complex, r.notes) for r in rows]
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(_md(c) for c in row) + " |" for row in body]
    else:
        widths = [max(len(str(row[i])) for row in [header, *body]) for i in range(4)]
        lines = [
            "  ".join(h.ljust(w) for h, w in zip(header[:4], widths, strict=True))
            + "  "
            + header[4]
        ]
        lines.append("  ".join("-" * w for w in widths) + "  " + "-" * 5)
        lines += [
            "  ".join(str(c).ljust(w) for c, w in zip(row[:4], widths, strict=True)) + "  " + row[4]
            for row in body
        ]
    return "\n".join(line.rstrip() for line in lines)


def _md(text: str) -> str:
    return str(text).replace("|", "\\|")


LEGEND = (
    "forward/reverse: yes = jvp/vjp rules (for a composed function: of every primitive it "
    "was seen to bind on the op table's examples); no = a rule is missing; zero = constant "
    "result (derivative 0); n/a = shapes, dtypes, flags; ? = composed, not observed (no "
    "op-table example reaches it). complex: yes = checked by a complex op-table row; "
    "no = NumPy has no complex version; ? = not verified."
)


def module_of(name: str) -> str:
    """The NumPy/SciPy module a row belongs to: ``numpy.linalg`` for ``numpy.linalg.inv``,
    ``scipy.stats`` for ``functional_ad.scipy.stats.norm.logpdf``.

    >>> module_of("functional_ad.scipy.stats.norm.logpdf")
    'scipy.stats'
    """
    name = name.removeprefix("functional_ad.")
    if name.startswith("special."):
        return "scipy.special"
    parts = name.split(".")
    if parts[0] == "scipy":
        return ".".join(parts[:2])
    if parts[0] == "numpy" and len(parts) > 2 and parts[1] in ("linalg", "fft"):
        return ".".join(parts[:2])
    return parts[0]


def report(
    markdown: bool = False,
    primitives: bool = False,
    complex_tested: Iterable[str] = (),
    verified: Mapping[str, str] | None = None,
    by_module: bool = False,
    observed: Mapping[Any, Observation] | None = None,
) -> str:
    """The full report printed by ``python -m functional_ad coverage`` (one table per
    NumPy/SciPy module with ``by_module``); the arguments are those of ``coverage_rows``.

    >>> report().splitlines()[-1].endswith("primitives")
    True
    """
    rows = coverage_rows(complex_tested, verified, observed)
    if by_module:
        modules = sorted({module_of(r.name) for r in rows})
        parts = []
        for module in modules:
            group = [r for r in rows if module_of(r.name) == module]
            heading = f"## {module}" if markdown else module
            parts.append(f"{heading} ({len(group)})\n\n" + format_table(group, markdown))
    else:
        parts = [format_table(rows, markdown)]
    if primitives:
        parts.append(format_table(primitive_rows(), markdown, title="primitive"))
    parts.append(LEGEND)
    parts.append(_summary(rows))
    return "\n\n".join(parts) + "\n"


__all__ = [
    "Example",
    "Observation",
    "Row",
    "complex_tested",
    "coverage_rows",
    "examples",
    "format_table",
    "load_op_table",
    "module_of",
    "observe",
    "primitive_rows",
    "public_name",
    "report",
    "row_names",
    "scipy_front_end_rows",
    "verified",
]
