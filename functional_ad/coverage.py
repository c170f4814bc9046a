"""The coverage table: every NumPy/SciPy function routed to a handler, with its derivatives.

The table is derived from the registry (``ops.registry.NUMPY``, ``UFUNC_METHODS`` and
``PRIMITIVES``), so functions added to it appear automatically:

- a handler that is a ``Primitive`` reports its own rules;
- a composed handler (a Python function calling other NumPy functions or primitives) is
  differentiable through the primitives it uses; they are found by reading its code
  (globals, closures and attribute names, followed through other handlers) and listed in
  the notes as "composed of: ...";
- primitives without rules, and handlers that compute on concrete values, give constants
  (the latter are recognised by the factory that made them, ``_constant``, ``_metadata``,
  ``_created_like``, ``_pure_like`` in their qualified names, or by binding only primitives
  without derivative). Operators in a handler (``x[i]``, ``-x``, ``x * y``) count as the
  primitives they bind.

``python -m functional_ad coverage`` prints it (``--markdown`` for the docs).
"""

from __future__ import annotations

import dataclasses
import dis
import functools
import sys
import types
import warnings
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from .core import Primitive
from .ops import NUMPY, PRIMITIVES, UFUNC_METHODS

YES, NO, CONSTANT, QUERY = "yes", "no", "zero", "n/a"

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
    "n/a" (returns shapes, dtypes or flags). Arguments without a derivative (the condition
    of ``where``) are named in the notes.
    complex: "yes" (checked by a complex op-table row), "no" (NumPy has no complex
    version), "?" (not verified).
    notes: how the handler is built, aliases, arguments without derivative.
    family: the ops/ module declaring it ("" when unknown).
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
    """``numpy.sin``, ``numpy.linalg.inv``, ``scipy.special.gammaln`` for a registry key."""
    name = getattr(func, "__name__", repr(func))
    for module in _modules(_NAMESPACES):
        if getattr(module, name, None) is func:
            return f"{module.__name__}.{name}"
    names = _aliases().get(id(func))
    if names:
        return names[0]
    module_name = getattr(func, "__module__", None) or type(func).__module__
    return f"{module_name}.{name}"


# ----------------------------------------------------------------------------- primitives


def _code_objects(code: types.CodeType) -> Iterable[types.CodeType]:
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _code_objects(const)


def _is_ours(obj: Any) -> bool:
    module = getattr(obj, "__module__", None) or ""
    return module == "functional_ad" or module.startswith("functional_ad.")


def _handler_of(obj: Any) -> Any:
    try:
        return NUMPY.get(obj)
    except TypeError:  # unhashable
        return None


# Operators in a handler's bytecode and the primitives they bind on traced values.
_OPERATOR_OPCODES = {"BINARY_SUBSCR": "getitem", "BINARY_SLICE": "getitem", "UNARY_NEGATIVE": "neg"}
_BINARY_OPS = {"+": "add", "-": "sub", "*": "mul", "/": "div", "**": "pow", "@": "matmul"}


@functools.cache
def _references(func: Any) -> tuple[Any, ...]:
    """What a function's code refers to: its globals and closure cells, and the handlers
    of the ``np.xxx`` functions it calls (read from the bytecode, so ``max(...)`` is the
    builtin and ``np.max(...)`` is NumPy's)."""
    code = getattr(func, "__code__", None)
    if code is None:
        return ()
    glob = getattr(func, "__globals__", {})
    found: list[Any] = []
    for co in _code_objects(code):
        current: Any = None  # the object an attribute chain such as np.linalg.norm is on
        table_lookup = False  # TABLE["key"]: a subscript of a global dict, not of an array
        for ins in dis.get_instructions(co):
            if ins.opname == "LOAD_GLOBAL":
                value = glob.get(ins.argval)
                current = value if isinstance(value, types.ModuleType) else None
                table_lookup = isinstance(value, dict)
                if isinstance(value, dict):
                    found.extend(value.values())
                elif not isinstance(value, types.ModuleType):
                    found.append(value)
                continue
            if ins.opname in _OPERATOR_OPCODES or ins.opname == "BINARY_OP":
                # x[i], -x, x * y: on traced values these bind primitives too
                key = _OPERATOR_OPCODES.get(ins.opname) or _BINARY_OPS.get(ins.argrepr.rstrip("="))
                if key in PRIMITIVES and not (table_lookup and key == "getitem"):
                    found.append(_Operator(PRIMITIVES[key]))
                current = None
            elif ins.opname in ("LOAD_ATTR", "LOAD_METHOD") and current is not None:
                value = getattr(current, ins.argval, None)
                current = value if isinstance(value, types.ModuleType) else None
                if _handler_of(value) is not None:
                    found.append(_NumpyCall(value))
                elif isinstance(value, Primitive) or _is_ours(value):
                    found.append(value)
            else:
                current = None
            if ins.opname != "LOAD_CONST":
                table_lookup = False
    for cell in getattr(func, "__closure__", None) or ():
        try:
            found.append(cell.cell_contents)
        except ValueError:  # empty cell
            pass
    return tuple(found)


def _cached_references(func: Any) -> tuple[Any, ...]:
    try:
        return _references(func)
    except TypeError:  # an unhashable callable: read it every time
        return _references.__wrapped__(func)


class _NumpyCall:
    """A call ``np.xxx(...)`` found in a handler's code."""

    __slots__ = ("func",)

    def __init__(self, func: Any) -> None:
        self.func = func


class _Operator:
    """An operator found in a handler's code: its primitive, if applied to traced values
    (it may as well be arithmetic on shapes)."""

    __slots__ = ("primitive",)

    def __init__(self, primitive: Primitive) -> None:
        self.primitive = primitive


def _names_only_constants(handler: Any) -> bool:
    """True if a handler's own code binds primitives, all without derivative, and calls no
    composed NumPy function and no operator (argmax, round: the result is a constant)."""
    found = []
    for obj in _cached_references(getattr(handler, "__func__", handler)):
        if isinstance(obj, _Operator):
            return False
        if isinstance(obj, _NumpyCall):
            obj = _handler_of(obj.func)
            if not isinstance(obj, Primitive) and _handler_kind(obj) == "composed":
                return False
        if isinstance(obj, Primitive):
            found.append(obj)
    return bool(found) and not any(p.differentiable for p in found)


def primitives_used(handler: Any) -> set[Primitive]:
    """The primitives a handler can bind, found by following its code (an over-estimate:
    a branch that is never taken, or a NumPy call on shapes, counts too)."""
    found: set[Primitive] = set()
    seen: set[int] = set()
    stack = [handler]
    while stack:
        obj = stack.pop()
        if isinstance(obj, _NumpyCall):
            obj = _handler_of(obj.func)
        elif isinstance(obj, _Operator):
            obj = obj.primitive
        if obj is None or id(obj) in seen:
            continue
        seen.add(id(obj))
        if isinstance(obj, Primitive):
            found.add(obj)
        elif isinstance(obj, functools.partial):
            stack.append(obj.func)
        elif _is_ours(obj) and callable(obj) and _handler_kind(obj) == "composed":
            # (shape queries and constant handlers bind nothing that carries a derivative)
            stack.extend(_cached_references(getattr(obj, "__func__", obj)))
    return found


def direct_parts(handler: Any) -> list[str]:
    """Names of the differentiable primitives and NumPy functions a handler calls itself."""
    names = set()
    for obj in _cached_references(getattr(handler, "__func__", handler)):
        if isinstance(obj, _NumpyCall):
            target = _handler_of(obj.func)
            if isinstance(target, Primitive) and not target.differentiable:
                continue
            if target is not None and _handler_kind(target) == "composed":
                names.add(public_name(obj.func).replace("numpy.", "np.", 1))
        elif isinstance(obj, Primitive) and obj.differentiable:
            names.add(obj.name)
    return sorted(names)


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


# Factories that make handlers computing on concrete values (by their qualified names).
_CONSTANT_FACTORIES = ("_constant", "_created_like", "_pure_like")


def _handler_kind(handler: Any) -> str:
    qualname = getattr(handler, "__qualname__", "")
    if "_metadata" in qualname:
        return "query"
    if any(marker in qualname for marker in _CONSTANT_FACTORIES):
        return "constant"
    return "composed"


def _composed_row(handler: Any) -> tuple[str, str, list[str]]:
    kind = _handler_kind(handler)
    if kind == "query":
        return QUERY, QUERY, ["shape/dtype query"]
    if kind == "constant":
        return CONSTANT, CONSTANT, ["no derivative (computed on concrete values)"]
    if _names_only_constants(handler):
        return CONSTANT, CONSTANT, ["no derivative (the result is a constant)"]
    used = primitives_used(handler)
    differentiable = sorted((p for p in used if p.differentiable), key=lambda p: p.name)
    if not differentiable:  # nothing it binds has a derivative: it makes constants
        return CONSTANT, CONSTANT, ["no derivative (the result is a constant)"]
    forward = YES if all(_rule_status(p, "jvp")[0] != NO for p in differentiable) else NO
    reverse = YES if all(_rule_status(p, "vjp")[0] != NO for p in differentiable) else NO
    parts = direct_parts(handler)
    if not parts or len(parts) > 6:
        return forward, reverse, ["composed"]
    return forward, reverse, [f"composed of: {', '.join(parts)}"]


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


def coverage_rows(
    complex_tested: Iterable[str] = (), verified: Mapping[str, str] | None = None
) -> list[Row]:
    """One ``Row`` per NumPy/SciPy function and ufunc method in the registry, and per
    function of ``functional_ad.scipy`` (when it was imported), sorted by name.

    Args:
        complex_tested: public names ("numpy.sin") that a complex op-table row checks.
        verified: public name -> what the op table checks ("order 2, fwd+rev"), added to
            the notes.

    >>> rows = coverage_rows()
    >>> next(r for r in rows if r.name == "numpy.sin").forward
    'yes'
    """
    tested = set(complex_tested)
    rows = []
    for func, handler in list(NUMPY.items()):
        name = public_name(func)
        if isinstance(handler, Primitive):
            forward, reverse, notes = _primitive_row(name, handler)
        else:
            forward, reverse, notes = _composed_row(handler)
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
    from . import special

    for attr in special.__all__:  # SciPy's Python-level functions, as functional_ad has them
        forward, reverse, notes = _composed_row(getattr(special, attr))
        notes.append(f"use this for scipy.special.{attr} on traced values")
        rows.append(
            Row(f"functional_ad.special.{attr}", forward, reverse, "?", "; ".join(notes), "special")
        )
    for (ufunc, method), handler in list(UFUNC_METHODS.items()):
        name = f"{public_name(ufunc)}.{method}"
        forward, reverse, notes = _composed_row(handler)
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
    rows += scipy_front_end_rows()
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
    notes = row.notes
    if (
        row.forward == CONSTANT
        and row.name.startswith("functional_ad.scipy.")
        and ("fwd" in checked or "rev" in checked)
    ):
        # a custom rule or SciPy's own Python code, which reading the code does not follow:
        # the op table's checks are the evidence
        notes = "derivatives through a custom rule or SciPy's own code"
        row = dataclasses.replace(
            row,
            forward=YES if "fwd" in checked else NO,
            reverse=YES if "rev" in checked else NO,
        )
    notes = "; ".join(n for n in (notes, f"verified: {checked}") if n)
    return dataclasses.replace(row, notes=notes)


_STATS_METHODS = ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf", "ppf", "isf")
_DISCRETE_METHODS = ("logpmf", "pmf", "cdf", "logcdf", "sf", "logsf", "ppf")


def scipy_front_end_rows() -> list[Row]:
    """Rows for the functions of ``functional_ad.scipy`` that are not SciPy ufuncs (those
    are registry entries): ``functional_ad.scipy.stats.norm.logpdf``,
    ``functional_ad.scipy.linalg.expm``... Empty unless ``functional_ad.scipy`` was imported.

    >>> isinstance(scipy_front_end_rows(), list)
    True
    """
    package = sys.modules.get("functional_ad.scipy")
    if package is None:
        return []
    rows = []
    stats = package.stats
    for attr in stats.__all__:
        dist = getattr(stats, attr)
        discrete = hasattr(dist, "logpmf")
        methods = _DISCRETE_METHODS if discrete else _STATS_METHODS
        for method in methods:
            if not hasattr(dist, method):
                continue
            constant = discrete and method == "ppf"
            status = CONSTANT if constant else YES
            note = (
                "no derivative (an integer)"
                if constant
                else "composed of scipy.special functions; derivatives in data and parameters"
            )
            rows.append(
                Row(
                    f"functional_ad.scipy.stats.{attr}.{method}",
                    status,
                    status,
                    "?" if not constant else "-",
                    note,
                    "stats",
                )
            )
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
            forward, reverse, notes = _composed_row(func)
            rows.append(
                Row(
                    f"functional_ad.scipy.{module_name}.{attr}",
                    forward,
                    reverse,
                    "?",
                    "; ".join(notes),
                    module_name,
                )
            )
    return rows


def _special_names() -> list[str]:
    from . import special

    return list(special.__all__)


def primitive_rows() -> list[Row]:
    """One ``Row`` per registered primitive (the engine's view, by primitive name)."""
    rows = []
    for name, prim in sorted(PRIMITIVES.items()):
        forward, reverse, notes = _primitive_row(name, prim)
        rows.append(
            Row(name, forward, reverse, "", "; ".join(notes), prim.family, kind="primitive")
        )
    return rows


# ----------------------------------------------------------------------------- printing


def _summary(rows: list[Row]) -> str:
    functions = [r for r in rows if r.kind == "function"]
    methods = [r for r in rows if r.kind == "ufunc method"]
    both = sum(r.differentiable for r in functions)
    constant = sum(r.forward == CONSTANT for r in functions)
    query = sum(r.forward == QUERY for r in functions)
    return (
        f"{len(functions)} functions ({both} with forward and reverse derivatives, "
        f"{constant} constant, {query} shape/dtype queries) and {len(methods)} ufunc "
        f"methods; {len(PRIMITIVES)} primitives"
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
    "forward/reverse: yes = jvp/vjp rules; zero = constant result (derivative 0); "
    "n/a = shapes, dtypes, flags. complex: yes = checked by a complex op-table row; "
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
) -> str:
    """The full report printed by ``python -m functional_ad coverage`` (one table per
    NumPy/SciPy module with ``by_module``)."""
    rows = coverage_rows(complex_tested, verified)
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
    "Row",
    "coverage_rows",
    "format_table",
    "module_of",
    "primitive_rows",
    "primitives_used",
    "public_name",
    "report",
    "scipy_front_end_rows",
]
