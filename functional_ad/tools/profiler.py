"""The profiler: time every primitive call made by the transforms while a ``profile`` block runs.

It is an ``Observer`` of the engine (``functional_ad.core.Observer``): entering the first
``profile`` block installs it (``set_observer``) and leaving the last one puts back what was
there before. Nothing is swapped and no primitive changes; with no block open the engine
pays one ``is None`` test per hook. Every trace opened while a block is open reports to it:

- each evaluation of a primitive is one event of the phase of its caller, named after the
  primitive (``forward`` at the top level); a call on values no trace holds (a rule calling
  a primitive on plain arrays, ``checkpoint`` recomputing) is reported by ``bind``;
- each call of a jvp / vjp rule is one event of phase ``jvp rule`` / ``vjp rule`` named
  after the primitive. Custom primitives (``custom_jvp`` / ``custom_vjp``, made per call)
  go through the same hooks;
- each transform's trace and each backward pass is a span.

Phases: ``forward`` is the computation of the function itself (at any nesting level),
``jvp rule`` the tangent computations of forward mode (the rules and the sums of their
tangents), ``vjp rule`` everything the reverse pass runs (the vjp rules and the sums of
cotangents). A call belongs to the innermost phase: in ``hvp`` the vjp rules run under
forward mode, so their own tangents are ``jvp rule``.

Events nest (a rule run on traced values calls primitives); tables count *self* time, the
time of an event minus that of the events inside it, so rows add up without double counting.
What is not inside any event (tracing, dispatch, Python) is the difference between the sum
and the block's wall time, printed under the table. Plain NumPy calls outside any transform
never reach functional_ad and are not seen. The observer is process-wide: calls from other
threads are recorded with their thread id. A reverse pass reports to the observer installed
when it runs: a ``vjp_fn`` called inside a block is seen even if ``vjp`` ran before it.
"""

from __future__ import annotations

import html
import json
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from ..core import Observer, Primitive, Trace, set_observer

FORWARD, JVP_RULE, VJP_RULE = "forward", Observer.JVP, Observer.VJP
SORT_KEYS = ("total", "mean", "calls", "op", "phase")

_now = time.perf_counter_ns

# how spans name the traces opened by transforms
_TRACE_KINDS = {
    "GraphTrace": "forward",
    "JVPTrace": "forward mode",
    "RecordingTrace": "recording",
    "BatchTrace": "batching",
}


@dataclass(frozen=True)
class ProfileEvent:
    """One primitive evaluation or rule call: op name, phase, start, duration and self time
    (duration minus the events inside it) in ns, thread, input shapes (of the primal inputs)."""

    name: str
    phase: str
    start_ns: int
    duration_ns: int
    self_ns: int
    thread: int
    shapes: tuple | None


@dataclass(frozen=True)
class ProfileSpan:
    """A stretch of time that contains primitive calls: a transform's trace or a backward pass."""

    name: str
    start_ns: int
    duration_ns: int
    thread: int


@dataclass(frozen=True)
class OpStats:
    """The calls of one op in one phase (and with one list of input shapes, if grouped);
    ``total_ns`` adds up their self times."""

    op: str
    phase: str
    calls: int
    total_ns: int
    shapes: tuple | None = None

    @property
    def mean_ns(self) -> float:
        return self.total_ns / self.calls


# ----------------------------------------------------------------------------- the observer


class _ThreadState(threading.local):
    """Per thread: the stack of phases entered (rules, backward passes) and, for each timed
    call in progress, the time spent in the timed calls directly inside it."""

    def __init__(self) -> None:
        self.phases: list[str] = []
        self.inner_ns: list[int] = []


_state = _ThreadState()
_lock = threading.Lock()
_active: list[profile] = []  # the open profile blocks, outermost first
_record_shapes = False
_previous: list[Observer | None] = []  # the observer the first block replaced


def _shape(x: Any) -> tuple:
    shape = getattr(x, "shape", None)
    return tuple(shape) if shape is not None else ()


def _emit(event: tuple) -> None:
    for prof in _active:
        prof._events.append(event)


def _emit_span(name: str, start: int) -> None:
    span = (name, start, _now() - start, threading.get_ident())
    for prof in _active:
        prof._spans.append(span)


def _timed(
    name: str, phase: str | None, fn: Callable[..., Any], args: Any, params: dict, skip: int
) -> Any:
    """Call ``fn(*args, **params)`` as one event: an evaluation (``phase`` None: the phase is
    the caller's) or a rule of ``phase`` (whose arguments start with ``x_dot, y`` or
    ``y_bar, y``: ``skip`` = 2, the shapes recorded are those of the primal inputs after)."""
    state = _state
    phases = state.phases
    if phase is None:
        phase = phases[-1] if phases else FORWARD
        entered = False
    else:
        phases.append(phase)
        entered = True
    inner = state.inner_ns
    inner.append(0)
    start = _now()
    try:
        return fn(*args, **params)
    finally:
        duration = _now() - start
        self_ns = duration - inner.pop()
        if inner:
            inner[-1] += duration
        if entered:
            phases.pop()
        shapes = tuple(_shape(a) for a in args[skip:]) if _record_shapes else None
        _emit((name, phase, start, duration, self_ns, threading.get_ident(), shapes))


class _Timer(Observer):
    """The profiler's observer: one event per evaluation and rule call, a span per trace and
    backward pass, handed to every open ``profile`` block."""

    def __init__(self) -> None:
        self._opened: dict[Trace, int] = {}  # open traces -> start time

    def evaluate(self, prim: Primitive, fn: Callable[..., Any], args: Any, params: dict) -> Any:
        return _timed(prim.name, None, fn, args, params, 0)

    def rule(
        self, prim: Primitive, phase: str, fn: Callable[..., Any], args: Any, params: dict
    ) -> Any:
        return _timed(prim.name, phase, fn, args, params, 2)

    def rules(self, phase: str, fn: Callable[..., Any], *args: Any) -> Any:
        phases = _state.phases
        phases.append(phase)
        try:
            return fn(*args)
        finally:
            phases.pop()

    def backward(self, fn: Callable[..., Any], *args: Any) -> Any:
        phases = _state.phases
        phases.append(VJP_RULE)
        start = _now()
        try:
            return fn(*args)
        finally:
            phases.pop()
            _emit_span("backward", start)

    def trace_opened(self, trace: Trace) -> None:
        self._opened[trace] = _now()

    def trace_closed(self, trace: Trace) -> None:
        start = self._opened.pop(trace, None)
        if start is not None:
            kind = _TRACE_KINDS.get(type(trace).__name__, type(trace).__name__)
            _emit_span(f"{trace.transform}: {kind}", start)


_TIMER = _Timer()


# ----------------------------------------------------------------------------- the public API


class profile:
    """Record every primitive call made inside the block: op, phase, wall time, input shapes.

    Args:
        record_shapes: also record the shapes of each call's inputs (for ``group_by_shape``).

    Use as ``with profile() as prof:``, then ``print(prof.table())`` or
    ``prof.export_chrome_trace("trace.json")``. Blocks may be nested; each sees the calls
    made while it is open. Outside a block the engine pays one ``is None`` test per hook.

    >>> import numpy as np, functional_ad as fad
    >>> with profile() as prof:
    ...     _ = fad.grad(lambda x: np.sum(np.sin(x)))(np.ones(3))
    >>> sorted({(e.name, e.phase) for e in prof.events})
    [('sin', 'forward'), ('sin', 'vjp rule'), ('sum', 'forward'), ('sum', 'vjp rule')]
    """

    def __init__(self, record_shapes: bool = False) -> None:
        self.record_shapes = record_shapes
        self._events: list[tuple] = []  # ProfileEvent fields
        self._spans: list[tuple] = []  # ProfileSpan fields
        self.start_ns = self.end_ns = 0

    def __enter__(self) -> profile:
        global _record_shapes
        with _lock:
            if self in _active:
                raise RuntimeError("this profile block is already open")
            if not _active:
                _previous.append(set_observer(_TIMER))
            _active.append(self)
            _record_shapes = any(p.record_shapes for p in _active)
        self.start_ns = _now()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        global _record_shapes
        self.end_ns = _now()
        with _lock:
            try:
                _active.remove(self)
                _record_shapes = any(p.record_shapes for p in _active)
            finally:
                if not _active and _previous:  # (even if interrupted above)
                    set_observer(_previous.pop())

    # ------------------------------------------------------------------ results

    @property
    def events(self) -> list[ProfileEvent]:
        """The primitive calls, in the order they finished."""
        return [ProfileEvent(*e) for e in self._events]

    @property
    def spans(self) -> list[ProfileSpan]:
        """The transforms' traces (``"grad: forward"``, ``"jvp: forward mode"``...) and the
        backward passes, in the order they finished."""
        return [ProfileSpan(*s) for s in self._spans]

    @property
    def wall_time(self) -> float:
        """Seconds between entering and leaving the block (so far, if it is still open)."""
        return ((self.end_ns or _now()) - self.start_ns) / 1e9

    def summary(self, group_by_shape: bool = False) -> list[OpStats]:
        """Return one ``OpStats`` per (op, phase) — and input shapes with ``group_by_shape``."""
        if group_by_shape and not self.record_shapes:
            raise ValueError("group_by_shape needs input shapes: use profile(record_shapes=True)")
        groups: dict[tuple, list[int]] = {}
        for event in self.events:
            key = (event.name, event.phase, event.shapes if group_by_shape else None)
            totals = groups.setdefault(key, [0, 0])
            totals[0] += 1
            totals[1] += event.self_ns
        return [
            OpStats(op, phase, calls, total, shapes)
            for (op, phase, shapes), (calls, total) in groups.items()
        ]

    def table(
        self, sort_by: str = "total", group_by_shape: bool = False, top: int | None = 20
    ) -> str:
        """Return a text table: op, phase, calls, total time, mean time, share of the total.

        Times are self times (see the module docstring): a vjp rule's row does not include
        the primitive calls the rule makes, which have rows of their own.

        Args:
            sort_by: ``"total"``, ``"mean"``, ``"calls"`` (descending) or ``"op"``, ``"phase"``.
            group_by_shape: one row per list of input shapes too (needs ``record_shapes``).
            top: the number of rows shown (``None``: all).

        Returns:
            The table, with a footer comparing primitive time to the block's wall time.
        """
        if sort_by not in SORT_KEYS:
            raise ValueError(f"sort_by must be one of {SORT_KEYS}, not {sort_by!r}")
        stats = self.summary(group_by_shape)
        primitive_ns = sum(s.total_ns for s in stats)
        stats.sort(key=_sort_key(sort_by))
        shown = stats if top is None else stats[:top]
        header = ["op", "phase", "calls", "total", "mean", "share"]
        rows = [
            [
                s.op,
                s.phase,
                str(s.calls),
                _format_ns(s.total_ns),
                _format_ns(s.mean_ns),
                f"{100 * s.total_ns / primitive_ns:.1f}%" if primitive_ns else "-",
            ]
            for s in shown
        ]
        if group_by_shape:
            header.append("input shapes")
            for row, s in zip(rows, shown, strict=True):
                row.append(_format_shapes(s.shapes))
        calls = sum(s.calls for s in stats)
        footer = (
            f"{len(shown)} of {len(stats)} rows; {calls} timed calls took "
            f"{_format_ns(primitive_ns)} of {_format_ns(self.wall_time * 1e9)} wall time "
            "(the rest is tracing and Python)"
        )
        return _format_table(header, rows, numeric_from=2) + "\n" + footer

    def export_chrome_trace(self, path: str | os.PathLike) -> None:
        """Write the events as Chrome Trace Event JSON (open in Perfetto or chrome://tracing).

        Each primitive call is a complete event (``"ph": "X"``) with category = phase; each
        transform trace and backward pass is an enclosing event with category ``transform``
        or ``backward``. Times are microseconds from the start of the block.
        """
        pid = os.getpid()
        events: list[dict[str, Any]] = [
            {
                "name": "process_name",
                "ph": "M",
                "pid": pid,
                "tid": 0,
                "args": {"name": "functional_ad"},
            },
        ]
        for name, start, duration, thread in self._spans:
            category = "backward" if name == "backward" else "transform"
            events.append(self._trace_event(name, category, start, duration, thread, pid))
        for name, phase, start, duration, _, thread, shapes in self._events:
            event = self._trace_event(name, phase, start, duration, thread, pid)
            event["args"] = {"phase": phase}
            if shapes is not None:
                event["args"]["input_shapes"] = [list(s) for s in shapes]
            events.append(event)
        events[1:] = sorted(events[1:], key=lambda e: (e["tid"], e["ts"], -e["dur"]))
        Path(path).write_text(json.dumps({"traceEvents": events, "displayTimeUnit": "ms"}))

    def _trace_event(
        self, name: str, category: str, start: int, duration: int, thread: int, pid: int
    ) -> dict[str, Any]:
        return {
            "name": name,
            "cat": category,
            "ph": "X",
            "ts": (start - self.start_ns) / 1e3,
            "dur": duration / 1e3,
            "pid": pid,
            "tid": thread,
        }

    def plot(self, ax: Any = None, top: int | None = 15) -> Any:
        """Draw the self time per primitive as bars split by phase (needs matplotlib).

        Forward evaluation and the jvp / vjp rules (the backward pass) are stacked per op.
        Returns the matplotlib Axes; see ``plotting.plot_profile``.
        """
        from .plotting import plot_profile

        return plot_profile(self, ax=ax, top=top)

    def _repr_html_(self) -> str:
        """The table as HTML, for notebooks."""
        stats = self.summary()
        primitive_ns = sum(s.total_ns for s in stats)
        stats.sort(key=_sort_key("total"))
        header = ["op", "phase", "calls", "total", "mean", "share"]
        rows = [
            [
                html.escape(s.op),
                html.escape(s.phase),
                str(s.calls),
                _format_ns(s.total_ns),
                _format_ns(s.mean_ns),
                f"{100 * s.total_ns / primitive_ns:.1f}%" if primitive_ns else "-",
            ]
            for s in stats
        ]
        cells = "".join(
            "<tr>"
            + "".join(
                f'<td style="text-align:{a}">{c}</td>'
                for c, a in zip(row, ["left"] * 2 + ["right"] * 4, strict=True)
            )
            + "</tr>"
            for row in rows
        )
        head = "".join(f"<th>{h}</th>" for h in header)
        footer = (
            f"{sum(s.calls for s in stats)} timed calls took {_format_ns(primitive_ns)} of "
            f"{_format_ns(self.wall_time * 1e9)} wall time"
        )
        return (
            f'<table class="functional-ad-profile"><thead><tr>{head}</tr></thead>'
            f"<tbody>{cells}</tbody></table><p><small>{footer}</small></p>"
        )

    def __str__(self) -> str:
        return self.table()

    def __repr__(self) -> str:
        return f"<profile: {len(self.events)} primitive calls>"


def _sort_key(sort_by: str) -> Callable[[OpStats], Any]:
    return {
        "total": lambda s: (-s.total_ns, s.op, s.phase),
        "mean": lambda s: (-s.mean_ns, s.op, s.phase),
        "calls": lambda s: (-s.calls, -s.total_ns, s.op),
        "op": lambda s: (s.op, s.phase),
        "phase": lambda s: (s.phase, -s.total_ns, s.op),
    }[sort_by]


def _format_ns(ns: float) -> str:
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("us", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.0f} ns"


def _format_shapes(shapes: tuple | None) -> str:
    if shapes is None:
        return "-"
    return ", ".join("[" + ",".join(str(n) for n in s) + "]" for s in shapes)


def _format_table(header: list[str], rows: list[list[str]], numeric_from: int) -> str:
    """Columns padded to their widest cell; numbers right-aligned."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "  ".join(
            cell.rjust(w) if numeric_from <= i < 6 else cell.ljust(w)
            for i, (cell, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(header), rule, *(line(r) for r in rows)])
