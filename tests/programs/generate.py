"""The hypothesis strategy for random NumPy programs with views, in-place updates and out=.

A program is drawn one step at a time. After each step the program so far runs on the
concrete input in plain NumPy, so the next step is drawn knowing every variable's shape,
dtype and whether NumPy lets it be written (a ``diagonal`` is read-only); a step NumPy
rejects is dropped. What a step does (which arrays are views, what a write changes) is
never modelled here: NumPy decides, and the checks compare every transform with it.

Every choice goes through hypothesis, so failing programs shrink: to fewer steps, simpler
step kinds (the first in each list), smaller shapes and the first variables.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from hypothesis import strategies as st

from .program import PROBE_MARK, Program, Step, build, make_input

CONSTANTS = ("2.0", "0.5", "1.5", "-0.75", "3.0", "0.25", "-1.25")
DIVISORS = ("2.0", "0.5", "1.5", "-0.75", "4.0")
THRESHOLDS = ("0.3", "-0.4", "0.1", "0.7", "-1.1")
AUG_OPS = ("+=", "*=", "-=", "/=")
MAX_SIZE = 48  # largest intermediate array
MAX_MAGNITUDE = 1e3  # values stay well inside float range and away from overflow in exp
MAX_INPUT_SIZE = 16


# ----------------------------------------------------------------------------- the state


class State:
    """The program drawn so far and the values its variables take on the input."""

    def __init__(self, x: np.ndarray) -> None:
        self.x = x
        self.steps: list[Step] = []
        self.names: list[str] = ["x"]
        self.env: dict[str, Any] = {"x": x}
        self.counter = 0

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    # variables by what they can be used for (in order of creation: shrinking picks early ones)
    def floats(self) -> list[str]:
        return [n for n in self.names if _is_float(self.env[n])]

    def arrays(self) -> list[str]:
        return [n for n in self.floats() if isinstance(self.env[n], np.ndarray)]

    def writeable(self) -> list[str]:
        return [n for n in self.arrays() if n != "x" and self.env[n].flags.writeable]

    def masks(self) -> list[str]:
        return [
            n
            for n in self.names
            if isinstance(self.env[n], np.ndarray) and self.env[n].dtype == np.bool_
        ]

    def shape(self, name: str) -> tuple[int, ...]:
        return np.shape(self.env[name])


def _is_float(value: Any) -> bool:
    return isinstance(value, (np.ndarray, np.floating)) and np.issubdtype(
        np.asarray(value).dtype, np.floating
    )


def run_prefix(steps: list[Step], names: list[str], x: np.ndarray) -> dict[str, Any]:
    """Run ``steps`` on a copy of ``x`` in plain NumPy and return the named variables."""
    program = Program(x.shape, str(x.dtype), 0, tuple(steps), ("x",))
    source = program.source(name="prefix").rsplit("return", 1)[0]
    source += "return {" + ", ".join(f"{n!r}: {n}" for n in names) + "}\n"
    f = build(source, name="prefix", filename="<prefix>")
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("error")
        return f(x.copy())


def _acceptable(env: dict[str, Any]) -> bool:
    for value in env.values():
        a = np.asarray(value)
        if a.size > MAX_SIZE:
            return False
        if np.issubdtype(a.dtype, np.floating) and not (
            np.all(np.isfinite(a)) and np.all(np.abs(a) < MAX_MAGNITUDE)
        ):
            return False
    return True


def try_add(state: State, step: Step, new_names: tuple[str, ...] = ()) -> bool:
    """Append ``step`` if plain NumPy runs it and the values stay small and finite."""
    names = state.names + [n for n in new_names if n not in state.names]
    try:
        env = run_prefix([*state.steps, step], names, state.x)
    except Exception:
        return False
    if not _acceptable(env):
        return False
    state.steps.append(step)
    state.names = names
    state.env = env
    return True


# ----------------------------------------------------------------------------- pieces of code


def probe(call: str) -> str:
    return PROBE_MARK + call


def render_index(index: tuple) -> str:
    """Python source for an index tuple (slices, ints, Ellipsis, None, lists)."""

    def one(item: Any) -> str:
        if item is Ellipsis:
            return "..."
        if item is None:
            return "None"
        if isinstance(item, slice):
            start = "" if item.start is None else str(item.start)
            stop = "" if item.stop is None else str(item.stop)
            step = "" if item.step is None else f":{item.step}"
            return f"{start}:{stop}{step}"
        return repr(item)

    if len(index) == 0:
        return "..."
    return ", ".join(one(item) for item in index)


@st.composite
def slices(draw: Callable, n: int) -> slice:
    """A non-empty slice of an axis of length ``n``."""
    kind = draw(st.sampled_from(("all", "start", "stop", "step", "general")))
    if kind == "all":
        return slice(None)
    if kind == "start":
        return slice(draw(st.integers(-n + 1, n - 1)) or None, None)
    if kind == "stop":
        return slice(None, draw(st.integers(1, n)) if n > 1 else None)
    step = draw(st.sampled_from((2, -1, -2, 3)))
    if kind == "step":
        return slice(None, None, step)
    start = draw(st.one_of(st.none(), st.integers(-n, n - 1)))
    stop = draw(st.one_of(st.none(), st.integers(-n, n)))
    candidate = slice(start, stop, step)
    return candidate if len(range(*candidate.indices(n))) else slice(None, None, step)


@st.composite
def basic_indices(draw: Callable, shape: tuple[int, ...], allow_new_axis: bool = True) -> tuple:
    """A basic index (slices, integers, ``...``, ``None``) selecting at least one element."""
    ndim = len(shape)
    if ndim == 0:
        return draw(st.sampled_from(((), (Ellipsis,), (None,)))) if allow_new_axis else ()
    count = draw(st.integers(1, ndim))
    trailing = count < ndim and draw(st.booleans())
    axes = range(ndim - count, ndim) if trailing else range(count)
    items: list[Any] = []
    for axis in axes:
        n = shape[axis]
        if draw(st.integers(0, 3)) == 0:
            items.append(draw(st.integers(-n, n - 1)))
        else:
            items.append(draw(slices(n)))
    if trailing:
        items.insert(0, Ellipsis)
    if allow_new_axis and draw(st.integers(0, 5)) == 0:
        items.insert(draw(st.integers(0, len(items))), None)
    return tuple(items)


def _indexed_shape(shape: tuple[int, ...], index: tuple) -> tuple[int, ...]:
    return np.empty(shape)[index].shape


def _broadcasts_to(shape: tuple[int, ...], target: tuple[int, ...]) -> bool:
    try:
        return np.broadcast_shapes(shape, target) == tuple(target)
    except ValueError:
        return False


@st.composite
def operands(draw: Callable, state: State, target: tuple[int, ...], safe: bool = False) -> str:
    """An expression whose value broadcasts to ``target``: a constant, a variable or a slice.

    ``safe=True`` keeps the value away from zero (a divisor).
    """
    options = ["const"]
    fitting = [n for n in state.floats() if _broadcasts_to(state.shape(n), target)]
    sliceable = [
        n
        for n in state.arrays()
        if len(target) > 0
        and state.env[n].ndim == len(target)
        and all(a >= b for a, b in zip(state.shape(n), target, strict=True))
    ]
    elements = [n for n in state.arrays() if state.env[n].ndim >= 1 and len(target) == 0]
    if fitting:
        options.append("var")
    if sliceable:
        options.append("slice")
    if elements:
        options.append("element")
    kind = draw(st.sampled_from(options))
    if kind == "const":
        return draw(st.sampled_from(DIVISORS if safe else CONSTANTS))
    if kind == "var":
        expr = draw(st.sampled_from(fitting))
    elif kind == "slice":
        name = draw(st.sampled_from(sliceable))
        items = []
        for have, want in zip(state.shape(name), target, strict=True):
            if have == want:
                items.append(slice(None, None, -1) if draw(st.integers(0, 3)) == 0 else slice(None))
            else:
                start = draw(st.integers(0, have - want))
                items.append(slice(start or None, start + want))
        expr = f"{name}[{render_index(tuple(items))}]"
    else:
        name = draw(st.sampled_from(elements))
        index = tuple(draw(st.integers(-n, n - 1)) for n in state.shape(name))
        expr = f"{name}[{render_index(index)}]"
    if safe:
        return f"(1.5 + {expr} * {expr})"
    wrap = draw(st.sampled_from(("", "", "np.sin", "0.5 *")))
    if wrap == "np.sin":
        return f"np.sin({expr})"
    if wrap:
        return f"{wrap} {expr}"
    return expr


@st.composite
def aug_rhs(draw: Callable, state: State, target: tuple[int, ...]) -> tuple[str, str]:
    op = draw(st.sampled_from(AUG_OPS))
    rhs = draw(operands(state, target, safe=op == "/="))
    return op, rhs


# ----------------------------------------------------------------------------- step kinds
# Each draws one step from the state and returns (step, names it creates), or None when the
# state has nothing it applies to.

StepDraw = tuple[Step, tuple[str, ...]] | None


def first_step(draw: Callable, state: State) -> StepDraw:
    kind = draw(
        st.sampled_from(
            ("copy", "array", "np.copy", "astype", "empty_like", "zeros_like", "mul")
            + ("ones_like", "full_like", "like=")
        )
    )
    lines = {
        "copy": ("y = x.copy()",),
        "array": ("y = np.array(x)",),
        "np.copy": ("y = np.copy(x)",),
        "astype": ("y = x.astype(x.dtype)",),
        "zeros_like": ("y = np.zeros_like(x)", "y += x"),
        "mul": ("y = x * 1.0",),
        "ones_like": ("y = np.ones_like(x)", "y *= x"),
        "full_like": ("y = np.full_like(x, 0.5)", "y[...] = x"),
        "like=": ("y = np.zeros(x.shape, like=x)", "y[...] = x"),
    }.get(kind)
    if lines is None:  # empty_like, fill, then item assignment over part or all of it
        index = render_index(draw(basic_indices(state.x.shape, allow_new_axis=False)))
        fill = draw(st.sampled_from(CONSTANTS))
        lines = ("y = np.empty_like(x)", f"y.fill({fill})", f"y[{index}] = x[{index}]")
    return Step(lines), ("y",)


UNARY = ("np.sin({a})", "np.exp({a})", "np.tanh({a})", "np.square({a})", "-{a}", "np.cos({a})")
BINARY = ("{a} * {b}", "{a} + {b}", "{a} - {b}", "{a} / (1.5 + {b} * {b})", "{a} / {d}")


def elementwise(draw: Callable, state: State, rebind_only: bool = False) -> StepDraw:
    kind = draw(st.sampled_from(("unary", "binary", "count", "arange")))
    return _elementwise(draw, state, kind, rebind_only)


def selection(draw: Callable, state: State) -> StepDraw:
    """np.maximum or np.where: a choice between two values, elementwise."""
    return _elementwise(draw, state, draw(st.sampled_from(("maximum", "where"))), False)


def _elementwise(draw: Callable, state: State, kind: str, rebind_only: bool) -> StepDraw:
    names = state.floats()
    a = draw(st.sampled_from(names))
    shape_a = state.shape(a)
    probes: list[str] = []
    if kind == "unary":
        expr = draw(st.sampled_from(UNARY)).format(a=a)
    elif kind in ("binary", "maximum"):
        partners = [n for n in names if _compatible(state.shape(n), shape_a)]
        b = draw(st.sampled_from(partners)) if draw(st.booleans()) else None
        if kind == "maximum":
            other = b if b is not None else draw(st.sampled_from(THRESHOLDS))
            expr = f"np.maximum({a}, {other})"
            probes.append(probe(f"_probe.compare({a}, {other})"))
        else:
            template = draw(st.sampled_from(BINARY))
            b_expr = b if b is not None else draw(st.sampled_from(CONSTANTS))
            expr = template.format(a=a, b=b_expr, d=draw(st.sampled_from(DIVISORS)))
    elif kind == "where":
        partners = [n for n in names if _compatible(state.shape(n), shape_a)]
        b = draw(st.sampled_from(partners))
        masks = [m for m in state.masks() if _compatible(state.shape(m), shape_a)]
        if masks and draw(st.booleans()):
            expr = f"np.where({draw(st.sampled_from(masks))}, {a}, {b})"
        else:
            t = draw(st.sampled_from(THRESHOLDS))
            expr = f"np.where({a} > {t}, {a}, {b})"
            probes.append(probe(f"_probe.compare({a}, {t})"))
    elif kind == "count":  # an integer intermediate: how many elements pass a threshold
        t = draw(st.sampled_from(THRESHOLDS))
        expr = f"{a} * np.sum({a} > {t})"
        probes.append(probe(f"_probe.compare({a}, {t})"))
    else:  # an integer array constant
        if not shape_a:
            return None
        expr = f"{a} + 0.25 * np.arange({shape_a[-1]})"
    out_shape = _result_shape(state, expr)
    if out_shape is None:
        return None
    rebind = a != "x" and out_shape == shape_a and (rebind_only or draw(st.booleans()))
    if rebind_only and not rebind:
        return None
    target = a if rebind else state.fresh("z")
    return Step((*probes, f"{target} = {expr}")), (target,)


def _compatible(s1: tuple[int, ...], s2: tuple[int, ...]) -> bool:
    try:
        np.broadcast_shapes(s1, s2)
        return True
    except ValueError:
        return False


def _result_shape(state: State, expr: str) -> tuple[int, ...] | None:
    try:
        with np.errstate(all="ignore"):
            return np.shape(eval(expr, {"np": np}, dict(state.env)))
    except Exception:
        return None


def _axis(draw: Callable, ndim: int, allow_tuple: bool = True) -> Any:
    if ndim == 0:
        return None
    options: list[Any] = [None, *range(-ndim, ndim)]
    if allow_tuple and ndim >= 2:
        options.append((0, ndim - 1))
    return draw(st.sampled_from(options))


def reduction(draw: Callable, state: State) -> StepDraw:
    a = draw(st.sampled_from(state.floats()))
    ndim = len(state.shape(a))
    func = draw(st.sampled_from(("sum", "mean", "max", "prod", "min")))
    axis = _axis(draw, ndim)
    keepdims = draw(st.booleans())
    args = "" if axis is None else f", axis={axis}"
    if keepdims:
        args += ", keepdims=True"
    method = isinstance(state.env[a], np.ndarray) and draw(st.booleans())
    expr = f"{a}.{func}({args[2:]})" if method else f"np.{func}({a}{args})"
    probes: tuple[str, ...] = ()
    if func in ("max", "min"):
        probes = (probe(f"_probe.top({'-' if func == 'min' else ''}{a}, {axis})"),)
    name = state.fresh("s")
    return Step((*probes, f"{name} = {expr}")), (name,)


def view(draw: Callable, state: State) -> StepDraw:
    return _view(draw, state, ("index", "T", "reshape", "ravel", "asarray"))


def axes_view(draw: Callable, state: State) -> StepDraw:
    return _view(draw, state, ("swapaxes", "transpose"))


def diagonal_view(draw: Callable, state: State) -> StepDraw:
    """A read-only view: NumPy refuses writes to it, so the generator never writes it."""
    return _view(draw, state, ("diagonal",))


def part_view(draw: Callable, state: State) -> StepDraw:
    """The real part (the array itself) or the imaginary part (read-only zeros)."""
    return _view(draw, state, ("real",))


def _pick_array(draw: Callable, state: State, min_ndim: int) -> str | None:
    """A float array variable with at least ``min_ndim`` axes, or None if there is none."""
    candidates = [n for n in state.arrays() if state.env[n].ndim >= min_ndim]
    return draw(st.sampled_from(candidates)) if candidates else None


def _view(draw: Callable, state: State, kinds: tuple[str, ...]) -> StepDraw:
    kind = draw(st.sampled_from(kinds))
    min_ndim = 2 if kind in ("swapaxes", "transpose", "diagonal") else 0
    a = _pick_array(draw, state, min_ndim)
    if a is None:
        return None
    shape = state.shape(a)
    ndim = len(shape)
    if kind == "index":
        expr = f"{a}[{render_index(draw(basic_indices(shape)))}]"
    elif kind == "T":
        expr = f"{a}.T"
    elif kind == "reshape":
        expr = f"{a}.reshape({_reshape_target(draw, shape)})"
    elif kind == "ravel":
        expr = draw(st.sampled_from((f"{a}.ravel()", f"np.ravel({a})", f"{a}.reshape(-1)")))
    elif kind == "asarray":
        expr = f"np.asarray({a})"
    elif kind == "real":
        expr = draw(st.sampled_from((f"{a}.real", f"{a}.imag")))
    elif kind == "swapaxes":
        i, j = draw(st.sampled_from([(i, j) for i in range(ndim) for j in range(ndim) if i < j]))
        expr = f"np.swapaxes({a}, {i}, {j})"
    elif kind == "transpose":
        perm = draw(st.permutations(range(ndim)))
        expr = f"np.transpose({a}, {tuple(perm)})"
    else:
        expr = f"{a}.diagonal()"
    name = state.fresh("v")
    return Step((f"{name} = {expr}",)), (name,)


def _reshape_target(draw: Callable, shape: tuple[int, ...]) -> str:
    size = int(np.prod(shape))
    factors = [d for d in range(1, size + 1) if size % d == 0]
    first = draw(st.sampled_from(factors))
    rest = size // first
    options = [f"{first}, {rest}", f"{first}, -1", f"{size}", f"{rest}, {first}", f"1, {size}"]
    if rest > 1:
        second = draw(st.sampled_from([d for d in factors if rest % d == 0]))
        options.append(f"{first}, {second}, {rest // second}")
    return draw(st.sampled_from(options))


def unpack(draw: Callable, state: State) -> StepDraw:
    return _pieces(draw, state, "unpack")


def split(draw: Callable, state: State) -> StepDraw:
    return _pieces(draw, state, "split")


def array_split(draw: Callable, state: State) -> StepDraw:
    return _pieces(draw, state, "array_split")


def _pieces(draw: Callable, state: State, kind: str) -> StepDraw:
    candidates = [n for n in state.arrays() if state.env[n].ndim >= 1]
    if kind == "unpack":
        candidates = [n for n in candidates if state.shape(n)[0] <= 3]
    if not candidates:
        return None
    a = draw(st.sampled_from(candidates))
    shape = state.shape(a)
    axis = draw(st.integers(0, len(shape) - 1)) if kind != "unpack" else 0
    n = shape[axis]
    if kind == "unpack":
        pieces = n
        expr = a
    elif kind == "split":
        pieces = draw(st.sampled_from([k for k in (2, 3, 1) if n % k == 0]))
        expr = f"np.split({a}, {pieces}" + (f", axis={axis})" if axis else ")")
    else:
        pieces = draw(st.integers(1, min(n, 3)))
        expr = f"np.array_split({a}, {pieces}" + (f", axis={axis})" if axis else ")")
    names = tuple(state.fresh("p") for _ in range(pieces))
    target = ", ".join(names) + ("," if pieces == 1 else "")
    return Step((f"{target} = {expr}",)), names


def fancy_read(draw: Callable, state: State) -> StepDraw:
    a = _pick_array(draw, state, 1)
    if a is None:
        return None
    shape = state.shape(a)
    axis = draw(st.integers(0, len(shape) - 1))
    index = _int_list(draw, shape[axis])
    prefix = ":, " * axis
    form = draw(st.sampled_from(("list", "array")))
    rendered = repr(index) if form == "list" else f"np.array({index!r})"
    name = state.fresh("z")
    return Step((f"{name} = {a}[{prefix}{rendered}]",)), (name,)


def _int_list(draw: Callable, n: int, min_size: int = 1) -> list[int]:
    return draw(st.lists(st.integers(-n, n - 1), min_size=min_size, max_size=4))


def mask_read(draw: Callable, state: State) -> StepDraw:
    a = draw(st.sampled_from(state.arrays()))
    masks = [m for m in state.masks() if state.shape(m) == state.shape(a)]
    name = state.fresh("s")
    if masks and draw(st.booleans()):
        m = draw(st.sampled_from(masks))
        lines = (probe(f"_probe.count({m})"), f"{name} = np.sum(np.sin({a}[{m}]))")
    else:
        t = draw(st.sampled_from(THRESHOLDS))
        lines = (
            probe(f"_probe.compare({a}, {t})"),
            probe(f"_probe.count({a} > {t})"),
            f"{name} = np.sum({a}[{a} > {t}])",
        )
    return Step(lines, frozenset({"mask_read"})), (name,)


def compare(draw: Callable, state: State) -> StepDraw:
    a = draw(st.sampled_from(state.floats()))
    name = state.fresh("m")
    partners = [n for n in state.floats() if n != a and _compatible(state.shape(n), state.shape(a))]
    if partners and draw(st.booleans()):
        b = draw(st.sampled_from(partners))
        return Step((probe(f"_probe.compare({b}, {a})"), f"{name} = {a} < {b}")), (name,)
    t = draw(st.sampled_from(THRESHOLDS))
    return Step((probe(f"_probe.compare({a}, {t})"), f"{name} = {a} > {t}")), (name,)


def set_item(draw: Callable, state: State) -> StepDraw:
    targets = state.writeable()
    if not targets:
        return None
    a = draw(st.sampled_from(targets))
    index = draw(basic_indices(state.shape(a)))
    rhs = draw(operands(state, _indexed_shape(state.shape(a), index)))
    return Step((f"{a}[{render_index(index)}] = {rhs}",)), ()


def aug_item(draw: Callable, state: State) -> StepDraw:
    targets = state.writeable()
    if not targets:
        return None
    a = draw(st.sampled_from(targets))
    index = draw(basic_indices(state.shape(a)))
    op, rhs = draw(aug_rhs(state, _indexed_shape(state.shape(a), index)))
    return Step((f"{a}[{render_index(index)}] {op} {rhs}",)), ()


def aug_whole(draw: Callable, state: State) -> StepDraw:
    targets = [n for n in state.floats() if n != "x"]
    if not targets:
        return None
    a = draw(st.sampled_from(targets))
    op, rhs = draw(aug_rhs(state, state.shape(a)))
    return Step((f"{a} {op} {rhs}",)), ()


def fancy_write(draw: Callable, state: State) -> StepDraw:
    targets = [n for n in state.writeable() if state.env[n].ndim >= 1]
    if not targets:
        return None
    a = draw(st.sampled_from(targets))
    n = state.shape(a)[0]
    kind = draw(st.sampled_from(("aug", "set", "swap")))
    if kind == "swap" and n >= 2:
        i, j = draw(st.permutations(range(n)))[:2]
        return Step((f"{a}[[{i}, {j}]] = {a}[[{j}, {i}]]",)), ()
    index = _int_list(draw, n)
    target = np.empty(state.shape(a))[index].shape
    if kind == "set":
        return Step((f"{a}[{index!r}] = {draw(operands(state, target))}",)), ()
    op, rhs = draw(aug_rhs(state, target))
    return Step((f"{a}[{index!r}] {op} {rhs}",)), ()


def mask_write(draw: Callable, state: State) -> StepDraw:
    targets = state.writeable()
    if not targets:
        return None
    a = draw(st.sampled_from(targets))
    masks = [m for m in state.masks() if state.shape(m) == state.shape(a)]
    probes: tuple[str, ...] = ()
    if masks and draw(st.booleans()):
        mask = draw(st.sampled_from(masks))
    else:
        t = draw(st.sampled_from(THRESHOLDS))
        mask = f"{a} > {t}"
        probes = (probe(f"_probe.compare({a}, {t})"),)
    scalars = [n for n in state.floats() if state.shape(n) == ()]
    rhs = draw(st.sampled_from(CONSTANTS + tuple(scalars)))
    if draw(st.booleans()):
        return Step((*probes, f"{a}[{mask}] = {rhs}")), ()
    op = draw(st.sampled_from(("*=", "+=", "-=")))
    return Step((*probes, f"{a}[{mask}] {op} {rhs}")), ()


OUT_BINARY = ("add", "multiply", "subtract")
OUT_UNARY = ("sin", "tanh", "negative", "exp")


def out_ufunc(draw: Callable, state: State) -> StepDraw:
    a = draw(st.sampled_from(state.floats()))
    if draw(st.booleans()):
        func = draw(st.sampled_from(OUT_UNARY))
        call, shape = f"np.{func}({a}", state.shape(a)
    else:
        func = draw(st.sampled_from(OUT_BINARY))
        partners = [n for n in state.floats() if _compatible(state.shape(n), state.shape(a))]
        b = draw(st.sampled_from(partners + list(CONSTANTS[:2])))
        call = f"np.{func}({a}, {b}"
        shape = np.broadcast_shapes(state.shape(a), np.shape(state.env.get(b, 0.0)))
    outs = [n for n in state.writeable() if state.shape(n) == shape]
    if not outs:
        return None
    out = draw(st.sampled_from(outs))
    return Step((f"{call}, out={out})",)), ()


def out_function(draw: Callable, state: State) -> StepDraw:
    a = draw(st.sampled_from(state.arrays()))
    shape = state.shape(a)
    kind = draw(st.sampled_from(("clip", "sum", "concatenate", "mean")))
    probes: tuple[str, ...] = ()
    if kind == "clip":
        lo, hi = sorted(draw(st.permutations(THRESHOLDS))[:2], key=float)
        call, out_shape = f"np.clip({a}, {lo}, {hi}", shape
        probes = (probe(f"_probe.compare({a}, {lo})"), probe(f"_probe.compare({a}, {hi})"))
    elif kind in ("sum", "mean"):
        axis = _axis(draw, len(shape), allow_tuple=False)
        call = f"np.{kind}({a}" + ("" if axis is None else f", axis={axis}")
        out_shape = np.sum(np.empty(shape), axis=axis).shape
    else:
        if not shape:
            return None
        axis = draw(st.integers(0, len(shape) - 1))
        partners = [
            n
            for n in state.arrays()
            if len(state.shape(n)) == len(shape)
            and all(
                p == q
                for k, (p, q) in enumerate(zip(state.shape(n), shape, strict=True))
                if k != axis
            )
        ]
        b = draw(st.sampled_from(partners))
        call = f"np.concatenate([{a}, {b}]" + (f", axis={axis}" if axis else "")
        out_shape = np.concatenate([np.empty(shape), np.empty(state.shape(b))], axis=axis).shape
    outs = [n for n in state.writeable() if state.shape(n) == out_shape]
    if not outs:
        return None
    out = draw(st.sampled_from(outs))
    return Step((*probes, f"{call}, out={out})")), ()


def copyto(draw: Callable, state: State) -> StepDraw:
    targets = state.writeable()
    if not targets:
        return None
    a = draw(st.sampled_from(targets))
    src = draw(operands(state, state.shape(a)))
    masks = [m for m in state.masks() if _broadcasts_to(state.shape(m), state.shape(a))]
    if masks and draw(st.booleans()):
        return Step((f"np.copyto({a}, {src}, where={draw(st.sampled_from(masks))})",)), ()
    return Step((f"np.copyto({a}, {src})",)), ()


def put_family(draw: Callable, state: State, kind: str) -> StepDraw:
    targets = state.writeable()
    if kind == "fill_diagonal":
        targets = [n for n in targets if state.env[n].ndim == 2 or _is_cube(state.shape(n))]
    elif kind == "add.at":
        targets = [n for n in targets if state.env[n].ndim >= 1]
    if not targets:
        return None
    a = draw(st.sampled_from(targets))
    shape = state.shape(a)
    size = int(np.prod(shape))
    c = draw(st.sampled_from(CONSTANTS))
    if kind == "put":
        index = draw(st.lists(st.integers(-size, size - 1), min_size=1, max_size=3))
        values = c
        sources = [n for n in state.arrays() if state.env[n].size >= len(index)]
        if sources and draw(st.booleans()):
            values = f"{draw(st.sampled_from(sources))}.ravel()[:{len(index)}]"
        return Step((f"np.put({a}, {index!r}, {values})",)), ()
    if kind in ("place", "putmask"):
        masks = [m for m in state.masks() if state.shape(m) == shape]
        probes: tuple[str, ...] = ()
        if masks and draw(st.booleans()):
            mask = draw(st.sampled_from(masks))
        else:
            t = draw(st.sampled_from(THRESHOLDS))
            mask = f"{a} > {t}"
            probes = (probe(f"_probe.compare({a}, {t})"),)
        values = c
        if kind == "putmask":
            same = [n for n in state.floats() if state.shape(n) == shape]
            if same and draw(st.booleans()):
                values = f"np.sin({draw(st.sampled_from(same))})"
        return Step((*probes, f"np.{kind}({a}, {mask}, {values})")), ()
    if kind == "fill":
        return Step((f"{a}.fill({c})",)), ()
    if kind == "fill_diagonal":
        scalars = [n for n in state.floats() if state.shape(n) == ()]
        value = draw(st.sampled_from((c, *scalars)))
        return Step((f"np.fill_diagonal({a}, {value})",)), ()
    index = _int_list(draw, shape[0])
    target = (len(index),) + shape[1:]
    ufunc = draw(st.sampled_from(("add", "multiply", "subtract")))
    return Step((f"np.{ufunc}.at({a}, {index!r}, {draw(operands(state, target))})",)), ()


def put(draw: Callable, state: State) -> StepDraw:
    return put_family(draw, state, "put")


def place(draw: Callable, state: State) -> StepDraw:
    return put_family(draw, state, "place")


def putmask(draw: Callable, state: State) -> StepDraw:
    return put_family(draw, state, "putmask")


def fill(draw: Callable, state: State) -> StepDraw:
    return put_family(draw, state, "fill")


def fill_diagonal(draw: Callable, state: State) -> StepDraw:
    return put_family(draw, state, "fill_diagonal")


def add_at(draw: Callable, state: State) -> StepDraw:
    return put_family(draw, state, "add.at")


def _is_cube(shape: tuple[int, ...]) -> bool:
    return len(shape) > 2 and len(set(shape)) == 1


def sort(draw: Callable, state: State) -> StepDraw:
    """np.sort along an axis (or of the flattened array): ties exchange slots."""
    a = _pick_array(draw, state, 1)
    if a is None:
        return None
    ndim = state.env[a].ndim
    axis = draw(st.sampled_from((-1, None, *range(ndim))))
    name = state.fresh("z")
    call = f"np.sort({a})" if axis == -1 else f"np.sort({a}, axis={axis})"
    return Step((probe(f"_probe.order({a}, {axis})"), f"{name} = {call}")), (name,)


# NumPy functions whose result's memory order follows their argument's, or is C order where
# an implementation computing it otherwise would hold another, and one that is a view
_ORDERED_CALLS = (
    "np.cumsum({a}, axis={k})",
    "np.add.accumulate({a}, axis={k})",
    "np.diff({a}, axis={k})",
    "np.unwrap({a}, axis={k})",
    "np.median({a}, axis={k}, keepdims=True) + {a}",
    "np.pad({a}, 1)",
    "np.select([{a} > {t}], [{a}], {c})",
    "np.array({a}, order='A')",
    "np.modf({a})[0]",
    "np.sign({a}) * {a}",
    "np.einsum('ij->ji', {a})",
)


def ordered_call(draw: Callable, state: State) -> StepDraw:
    """A NumPy function whose result a later reshape views or copies by its memory order."""
    a = _pick_array(draw, state, 1)
    if a is None:
        return None
    shape = state.shape(a)
    template = draw(st.sampled_from(_ORDERED_CALLS))
    if "einsum" in template and len(shape) != 2:
        return None
    k = draw(st.integers(0, len(shape) - 1))
    if "diff" in template and shape[k] < 2:
        return None
    t, c = draw(st.sampled_from(THRESHOLDS)), draw(st.sampled_from(CONSTANTS))
    # the kinks, where central differences are not the derivative: the median's ties,
    # select's threshold, |a| at 0, modf's integers, unwrap's jumps at odd multiples of pi
    kinks = {
        "median": f"_probe.order({a}, {k})",
        "select": f"_probe.compare({a}, {t})",
        "sign": f"_probe.compare({a}, 0.0)",
        "modf": f"_probe.compare({a}, np.round({a}))",
        "unwrap": f"_probe.compare(np.sin(np.diff({a}, axis={k})), 0.0)",
    }
    probes = tuple(probe(call) for word, call in kinks.items() if word in template)
    name = state.fresh("z")
    return Step((*probes, f"{name} = {template.format(a=a, k=k, t=t, c=c)}")), (name,)


def copy(draw: Callable, state: State) -> StepDraw:
    a = draw(st.sampled_from(state.arrays()))
    form = draw(
        st.sampled_from(
            ("{a}.copy()", "np.array({a})", "np.copy({a})", "np.ascontiguousarray({a})")
        )
    )
    name = state.fresh("z")
    return Step((f"{name} = {form.format(a=a)}",)), (name,)


def join(draw: Callable, state: State) -> StepDraw:
    a = draw(st.sampled_from(state.arrays()))
    shape = state.shape(a)
    name = state.fresh("z")
    if draw(st.booleans()) or not shape:
        partners = [n for n in state.arrays() if state.shape(n) == shape]
        b = draw(st.sampled_from(partners))
        axis = draw(st.integers(0, len(shape)))
        return Step((f"{name} = np.stack([{a}, {b}]" + (f", axis={axis})" if axis else ")"),)), (
            name,
        )
    axis = draw(st.integers(0, len(shape) - 1))
    partners = [
        n
        for n in state.arrays()
        if len(state.shape(n)) == len(shape)
        and all(
            p == q for k, (p, q) in enumerate(zip(state.shape(n), shape, strict=True)) if k != axis
        )
    ]
    b = draw(st.sampled_from(partners))
    call = f"np.concatenate([{a}, {b}]" + (f", axis={axis})" if axis else ")")
    return Step((f"{name} = {call}",)), (name,)


def loop(draw: Callable, state: State) -> StepDraw:
    targets = [n for n in state.writeable() if state.env[n].ndim >= 1]
    if not targets:
        return None
    a = draw(st.sampled_from(targets))
    shape = state.shape(a)
    kind = draw(st.sampled_from(("rows", "cumulative", "scale", "row_item")))
    if kind == "rows":
        op, rhs = draw(aug_rhs(state, shape[1:]))
        return Step((f"for row in {a}:", f"    row {op} {rhs}")), ()
    if kind == "cumulative":
        return Step((f"for i in range(1, {shape[0]}):", f"    {a}[i] += {a}[i - 1]")), ()
    if kind == "scale":
        c = draw(st.sampled_from(CONSTANTS))
        return Step((f"for i in range({shape[0]}):", f"    {a}[i] = {a}[i] * {c}")), ()
    if len(shape) < 2:
        return None
    index = render_index(draw(basic_indices(shape[1:], allow_new_axis=False)))
    c = draw(st.sampled_from(CONSTANTS))
    return Step((f"for row in {a}:", f"    row[{index}] = {c}")), ()


def write_argument(draw: Callable, state: State) -> StepDraw:
    c = draw(st.sampled_from(CONSTANTS))
    kind = draw(st.sampled_from(("add", "mul", "item")))
    if kind == "add":
        return Step((f"x += {c}",)), ()
    if kind == "mul":
        return Step((f"x *= {c}",)), ()
    index = render_index(draw(basic_indices(state.shape("x"), allow_new_axis=False)))
    return Step((f"x[{index}] -= {c}",)), ()


def branch(draw: Callable, state: State) -> StepDraw:
    a = draw(st.sampled_from(state.floats()))
    t = draw(st.sampled_from(THRESHOLDS))
    bodies = []
    for _ in range(2):
        body_kind = draw(st.sampled_from(("elementwise", "aug_whole", "aug_item", "set_item")))
        drawn = (
            elementwise(draw, state, rebind_only=True)
            if body_kind == "elementwise"
            else BODY_KINDS[body_kind](draw, state)
        )
        if drawn is None:
            return None
        body, _ = drawn
        # each branch must run in plain NumPy on its own (only one runs on this input)
        try:
            run_prefix([*state.steps, body], state.names, state.x)
        except Exception:
            return None
        bodies.append(body)
    lines = (
        probe(f"_probe.branch(np.sum({a}), {t})"),
        f"if np.sum({a}) > {t}:",
        *("    " + line for line in bodies[0].lines),
        "else:",
        *("    " + line for line in bodies[1].lines),
    )
    return Step(lines, frozenset({"branch"})), ()


BODY_KINDS: dict[str, Callable[..., StepDraw]] = {
    "aug_whole": aug_whole,
    "aug_item": aug_item,
    "set_item": set_item,
}

# (kind, weight): simpler kinds first, so that shrinking moves towards them
STEP_KINDS: tuple[tuple[Callable[..., StepDraw], int], ...] = (
    (elementwise, 3),
    (selection, 2),
    (aug_item, 4),
    (view, 3),
    (axes_view, 2),
    (diagonal_view, 2),
    (part_view, 1),
    (set_item, 3),
    (aug_whole, 2),
    (reduction, 2),
    (copy, 1),
    (sort, 1),
    (ordered_call, 2),
    (unpack, 1),
    (split, 1),
    (array_split, 1),
    (fancy_read, 1),
    (fancy_write, 2),
    (compare, 1),
    (mask_write, 2),
    (out_ufunc, 2),
    (out_function, 2),
    (copyto, 1),
    (put, 1),
    (place, 1),
    (putmask, 1),
    (fill, 1),
    (fill_diagonal, 2),
    (add_at, 2),
    (join, 2),
    (loop, 2),
    (mask_read, 1),
    (branch, 1),
    (write_argument, 2),
)
_WEIGHTED = tuple(kind for kind, weight in STEP_KINDS for _ in range(weight))


# ----------------------------------------------------------------------------- non-float outputs

INTEGER_FORMS = (
    "np.argmax({a}{axis})",
    "{a} > {t}",
    "({a} * 2.0).astype(int)",
    "np.sum({a} > {t}{axis})",
    "np.argmin({a}{axis})",
    "np.sign({a}).astype(np.int8)",
    "np.argsort({a}{axis}, kind='stable')",
    "np.isnan({a}) | ({a} <= {t})",
    "np.count_nonzero({a} >= {t}{axis})",
    "np.floor({a}).astype(np.int64) + 1",
)


def integer_output(draw: Callable, state: State) -> StepDraw:
    """A last step whose result is an integer or boolean array (an argmax, a comparison, a
    count, an ``astype(int)``): its value must be NumPy's, and grad must refuse it."""
    a = draw(st.sampled_from(state.floats()))
    form = draw(st.sampled_from(INTEGER_FORMS))
    ndim = len(state.shape(a))
    axis = ""
    if ndim and ("axis" in form) and draw(st.booleans()):
        axis = f", axis={draw(st.integers(-ndim, ndim - 1))}"
    if "argsort" in form and not ndim:
        return None
    expr = form.format(a=a, t=draw(st.sampled_from(THRESHOLDS)), axis=axis)
    name = state.fresh("k")
    return Step((f"{name} = {expr}",)), (name,)


# ----------------------------------------------------------------------------- programs


SPECIAL_INPUTS = ("", "", "", "", "points", "points", "nonfinite")


@st.composite
def input_specs(draw: Callable) -> tuple[tuple[int, ...], str, int, str]:
    """Shape (0-d to 3-d, at most 16 elements), dtype, seed and kind of values (generic,
    special points, non-finite: see ``make_input``) of a program's input."""
    ndim = draw(st.integers(0, 3))
    shape: tuple[int, ...] = ()
    for _ in range(ndim):
        room = MAX_INPUT_SIZE // max(1, int(np.prod(shape)))
        shape += (draw(st.integers(1, min(4, room))),)
    dtype = "float32" if draw(st.integers(0, 7)) == 7 else "float64"
    seed = draw(st.integers(0, 2**16))
    special = draw(st.sampled_from(SPECIAL_INPUTS))
    return shape, dtype, seed, special


@st.composite
def programs(draw: Callable, max_steps: int = 10) -> Program:
    """A random program of at most ``max_steps`` steps after the copy of its input."""
    shape, dtype, seed, special = draw(input_specs())
    # a program is drawn on finite values (the non-finite ones are added to the same input)
    drawn_on = "points" if special == "nonfinite" else special
    state = State(make_input(shape, dtype, seed, drawn_on))
    step, names = first_step(draw, state)
    assert try_add(state, step, names)
    for _ in range(max_steps):
        # one "go on" choice before each step (as hypothesis draws lists), so that shrinking
        # can delete any step with its choices; 0 (stop) is where it shrinks to
        if draw(st.integers(0, 9)) == 0:
            break
        kind = draw(st.sampled_from(_WEIGHTED))
        drawn = kind(draw, state)
        if drawn is not None:
            try_add(state, *drawn)
    candidates = [n for n in state.floats() if n not in ("x", "y")]
    extra = (
        draw(st.lists(st.sampled_from(candidates), max_size=2, unique=True)) if candidates else []
    )
    outputs = ("y", *extra)
    # about one program in five also returns an integer or boolean result (or only that)
    if draw(st.integers(0, 4)) == 4:
        drawn = integer_output(draw, state)
        if drawn is not None and try_add(state, *drawn):
            integer = drawn[1][0]
            outputs = (integer,) if draw(st.booleans()) else (*outputs, integer)
    flags = frozenset().union(*(s.flags for s in state.steps))
    return Program(shape, dtype, seed, tuple(state.steps), outputs, flags, special)
