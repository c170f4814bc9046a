"""A program as a list of steps, rendered to Python source and built into a function of x.

A step is a few lines of ordinary ``import numpy as np`` code. The program is rendered to
the source of ``def f(x): ...`` and built with ``exec``, so the function that runs on plain
ndarrays and under every transform is exactly the source a failure prints. Lines that start
with ``#probe`` are comments in the function under test; the *probe build* of the same
program turns them into calls on a ``Probe``, which records the discrete decisions the
program takes (comparisons, the position of a maximum, a branch) on plain arrays: a central
difference is only meaningful where every point of its stencil takes the same decisions.
"""

from __future__ import annotations

import linecache
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

PROBE_MARK = "#probe "
INDENT = "    "


@dataclass(frozen=True)
class Step:
    """Lines of code (relative indentation in units of four spaces) and what they depend on.

    ``flags`` holds ``"branch"`` when Python control flow depends on traced values (vmap and
    compile must raise ``ConcreteValueError``) and ``"mask_read"`` when an intermediate has
    a shape that depends on values (a boolean-mask read).
    """

    lines: tuple[str, ...]
    flags: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Program:
    """A random program: its input and its steps; outputs are the names it returns."""

    shape: tuple[int, ...]
    dtype: str
    seed: int
    steps: tuple[Step, ...]
    outputs: tuple[str, ...]
    flags: frozenset[str] = field(default=frozenset())
    special: str = ""  # "", "points" or "nonfinite": see ``make_input``

    def source(self, probe: bool = False, name: str = "f") -> str:
        """The program as the source of ``def f(x): ...`` (with probe calls if asked)."""
        body = []
        for step in self.steps:
            for line in step.lines:
                stripped = line.lstrip(" ")
                indent = line[: len(line) - len(stripped)]
                if stripped.startswith(PROBE_MARK):
                    if not probe:
                        continue
                    line = indent + stripped[len(PROBE_MARK) :]
                body.append(INDENT + line)
        returned = ", ".join(self.outputs)
        return f"def {name}(x):\n" + "\n".join(body) + f"\n{INDENT}return {returned}\n"

    def input(self, which: int = 0) -> np.ndarray:
        """Input number ``which`` of the program: ``0`` is the point checked, others are fresh."""
        return make_input(self.shape, self.dtype, self.seed + 7919 * which, self.special)

    def describe(self) -> str:
        """The program and its input as code a reader can paste."""
        return f"{self.source()}\nx = {show_array(self.input())}\n"


# exact special values an input may hold: zeros, ±1 and the thresholds the programs compare
# with, clip to and take the maximum with (so that their ties occur)
SPECIAL_VALUES = (0.0, 1.0, -1.0, -0.0, 0.3, -0.4, 0.1, 0.7, -1.1)
NONFINITE_VALUES = (np.inf, -np.inf, np.nan)


def make_input(shape: tuple[int, ...], dtype: str, seed: int, special: str = "") -> np.ndarray:
    """Values in [-2, 2] rounded to 4 decimals (generic: ties unlikely, printed exactly).

    ``special="points"`` sets about half of the elements to special values: exact 0, ±1, a
    threshold of the programs, or a copy of another element (a tie for max, min, sort and
    clip). ``special="nonfinite"`` does the same, then sets one or more elements to ±inf or
    NaN (checked for values only: central differences need finite inputs).
    """
    rng = np.random.default_rng(seed)
    x = np.round(rng.uniform(-2.0, 2.0, size=shape), 4)
    if special not in ("points", "nonfinite"):
        return np.array(x, dtype=dtype)
    flat = x.reshape(-1)
    for i in np.flatnonzero(rng.random(flat.size) < 0.5):
        if flat.size > 1 and rng.random() < 0.4:
            flat[i] = flat[rng.integers(flat.size)]  # a tie with another element
        else:
            flat[i] = SPECIAL_VALUES[rng.integers(len(SPECIAL_VALUES))]
    if special == "nonfinite":
        for i in rng.choice(
            flat.size, size=1 + int(rng.integers(max(1, flat.size // 3))), replace=False
        ):
            flat[i] = NONFINITE_VALUES[rng.integers(len(NONFINITE_VALUES))]
    return np.array(flat.reshape(shape), dtype=dtype)


def show_array(a: Any) -> str:
    """``np.array(...)`` source for ``a``, exact for the rounded inputs."""
    a = np.asarray(a)
    body = np.array2string(
        a, separator=", ", threshold=10_000, max_line_width=90, prefix="x = np.array("
    )
    body = re.sub(r"\b(inf|nan)\b", r"np.\1", body)  # pasteable: np.inf, -np.inf, np.nan
    dtype = "" if a.dtype == np.float64 else f", dtype=np.{a.dtype}"
    return f"np.array({body}{dtype})"


class Probe:
    """Records the discrete decisions of a plain-NumPy run and the closest call to a tie."""

    def __init__(self) -> None:
        self.decisions: list[np.ndarray] = []
        self.counts: list[int] = []
        self.tie = False
        self.branch_values: list[float] = []

    def compare(self, a: Any, b: Any) -> None:
        """Record ``a > b`` and whether any element is an exact tie."""
        a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
        self.decisions.append(np.greater(a, b))
        gap = np.abs(a - b)
        scale = 1.0 + np.maximum(np.abs(a), np.abs(b))
        if gap.size and bool(np.any(gap <= 1e-9 * scale)):
            self.tie = True

    def top(self, a: Any, axis: Any = None) -> None:
        """Record where the maximum along ``axis`` is and whether it is tied."""
        a = np.asarray(a, dtype=np.float64)
        if axis is None:
            a, axis = a.reshape(-1), 0
        axes = (axis,) if isinstance(axis, int) else tuple(axis)
        axes = tuple(ax % a.ndim for ax in axes)
        rest = [ax for ax in range(a.ndim) if ax not in axes]
        flat = np.transpose(a, rest + list(axes)).reshape([a.shape[ax] for ax in rest] + [-1])
        self.decisions.append(np.argmax(flat, axis=-1))
        if flat.shape[-1] >= 2:
            ordered = np.sort(flat, axis=-1)
            gap = ordered[..., -1] - ordered[..., -2]
            if bool(np.any(gap <= 1e-9 * (1.0 + np.abs(ordered[..., -1])))):
                self.tie = True

    def order(self, a: Any, axis: Any) -> None:
        """Record the stable order ``np.sort`` puts ``a`` in and whether two elements tie."""
        a = np.asarray(a, dtype=np.float64)
        if axis is None:
            a, axis = a.reshape(-1), 0
        self.decisions.append(np.argsort(a, axis=axis, kind="stable"))
        ordered = np.sort(a, axis=axis)
        gap = np.diff(ordered, axis=axis)
        scale = 1.0 + np.abs(np.delete(ordered, 0, axis=axis))
        if gap.size and bool(np.any(gap <= 1e-9 * scale)):
            self.tie = True

    def count(self, mask: Any) -> None:
        """Record how many elements a boolean mask selects (a value-dependent shape)."""
        self.counts.append(int(np.sum(mask)))

    def branch(self, value: Any, threshold: float) -> None:
        """Record which way ``if value > threshold`` goes, and the value it looks at."""
        self.compare(value, threshold)
        self.branch_values.append(float(value))


def _negative_into_strided_columns_is_wrong() -> bool:
    """True where NumPy's ``negative`` writes wrong values into a column of a 4-byte array.

    NumPy 2.4.6 (as found by the long program run): ``np.negative(c, out=c)`` for the column
    ``c = x[:, 2:3]`` of a 2 x 4 float32 (or int32) ``x`` sets ``x[1, 2]`` to ``-x[0, 3]``.
    """
    x = np.arange(8, dtype=np.float32).reshape(2, 4) + 1
    column = x[:, 2:3]
    expected = -column.copy()
    np.negative(column, out=column)
    return not np.array_equal(column, expected)


class _Negative:
    """``np.negative``, except that ``out=`` of a plain array gets the negation computed
    without it (the values NumPy's documentation promises), on NumPy releases whose loop
    writes wrong ones there. Anything else, traced values included, is NumPy's own call."""

    def __call__(self, x: Any, *args: Any, **kwargs: Any) -> Any:
        out = args[0] if len(args) == 1 else kwargs.get("out")
        if isinstance(out, tuple) and len(out) == 1:
            out = out[0]
        if (
            type(x) is np.ndarray
            and type(out) is np.ndarray
            and x.shape == out.shape
            and len(args) + len(kwargs) == 1 + ("where" in kwargs)
            and ("out" in kwargs or args)
            and np.can_cast(x.dtype, out.dtype, "same_kind")
        ):
            np.copyto(out, np.negative(x), casting="same_kind", where=kwargs.get("where", True))
            return out
        return np.negative(x, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(np.negative, name)


class ReferenceNumPy:
    """The ``np`` of generated programs: NumPy, with its known wrong loops replaced on plain
    arrays, so that the reference a traced program is compared with is NumPy's documented
    meaning (functional_ad computes that meaning; it cannot reproduce a loop's bug)."""

    def __init__(self) -> None:
        if _negative_into_strided_columns_is_wrong():
            self.negative = _Negative()

    def __getattr__(self, name: str) -> Any:
        return getattr(np, name)  # looked up on each use: NumPy's module as it is now


REFERENCE_NUMPY = ReferenceNumPy()

_BUILT: dict[str, Callable] = {}


def build(
    source: str, name: str = "f", extra: dict | None = None, filename: str = "<program>"
) -> Callable:
    """Execute ``source`` and return the function ``name`` it defines.

    The source is registered with ``linecache`` under ``filename`` so that tracebacks show
    the program's lines (each kind of build has its own name: a later build of another
    kind does not change the lines a traceback of this one shows).
    """
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace: dict[str, Any] = {"np": REFERENCE_NUMPY, **(extra or {})}
    exec(compile(source, filename, "exec"), namespace)
    return namespace[name]


def plain_function(program: Program) -> Callable:
    """The program as a function of x (the function every transform is applied to)."""
    return build(program.source())


def probe_function(program: Program) -> Callable[[np.ndarray], tuple[Any, Probe]]:
    """A function of x returning ``(outputs, probe)`` for a plain-NumPy run."""
    holder: dict[str, Probe] = {}

    class _Current:
        def __getattr__(self, name: str) -> Any:
            return getattr(holder["probe"], name)

    f = build(program.source(probe=True), extra={"_probe": _Current()}, filename="<probe>")

    def run(x: np.ndarray) -> tuple[Any, Probe]:
        holder["probe"] = Probe()
        with np.errstate(all="ignore"):
            out = f(np.array(x, copy=True))
        return out, holder["probe"]

    return run
