"""Core benchmarks for functional_ad: overhead per primitive, big arrays, hvp, a long scalar loop.

Run from the repository root:

    python benchmarks/bench_core.py            # full run (about a minute)
    python benchmarks/bench_core.py --quick    # fewer repeats, rougher figures

Every figure is the median over repeats of a timeit measurement (float64, fixed seeds), read
from this process's CPU-time clock by default so that other busy processes do not skew it
(``--clock wall`` for elapsed time; for single-threaded NumPy code the two agree on an idle
machine).
The comparisons against HIPS autograd need it installed: ``pip install -e .[bench]``.
Each line prints the measured figures, their ratio, the target ratio and PASS/FAIL.
The exit code is always 0: benchmarks inform, they never gate (tests never assert wall-clock time).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import platform
import statistics
import sys
import time
import timeit
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

# Running the file directly puts benchmarks/ on sys.path, not the repository root.
REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import functional_ad as fad  # noqa: E402

try:
    import autograd
    import autograd.numpy as anp
except ImportError:  # autograd is a benchmark extra only
    autograd = None
    anp = None

INSTALL_HINT = "pip install -e .[bench]"
SEED = 0

# Sizes and targets of the four benchmarks (targets are ratios; lower is better).
OVERHEAD_CHAIN_OPS = 100
OVERHEAD_SIZE = 3
OVERHEAD_TARGET = 0.5  # functional_ad / autograd, per primitive

LARGE_CHAIN_OPS = 10
LARGE_SIZE = 10**6
LARGE_TARGET = 2.5  # grad / plain NumPy forward

HVP_SIZE = 10**5
HVP_TARGET = 2.5  # hvp / grad

SCALAR_LOOP_STEPS = 10_000
SCALAR_LOOP_TARGET = 0.5  # functional_ad / autograd


# ---------------------------------------------------------------------------
# Timing
# ---------------------------------------------------------------------------


CLOCKS = {"cpu": time.process_time, "wall": time.perf_counter}


@dataclass(frozen=True)
class Timing:
    """How to time: samples per median and the clock they are read from."""

    repeats: int = 7
    clock: Callable[[], float] = time.process_time

    def medians(self, *calls: Callable[[], object]) -> list[float]:
        """Return the median time of one call of each function, in seconds.

        ``timeit.Timer.autorange`` picks how many calls make one sample (at least 0.2 s), which
        also warms up caches. The samples of the functions are then taken in turn, so that the
        two sides of a ratio see the same machine load even when other processes come and go.
        """
        timers = [timeit.Timer(call, timer=self.clock) for call in calls]
        calls_per_sample = [timer.autorange()[0] for timer in timers]
        samples: list[list[float]] = [[] for _ in calls]
        for _ in range(self.repeats):
            for timer, number, times in zip(timers, calls_per_sample, samples, strict=True):
                times.append(timer.timeit(number) / number)
        return [statistics.median(times) for times in samples]


def settle_allocator() -> None:
    """Allocate and free one 32 MB array so every benchmark starts from the same malloc state.

    glibc serves big blocks with mmap until a big block has been freed, then from its heap.
    Fresh mmap'd memory costs a page fault per 4 kB, so without this step the cost of the
    n = 10**5 arrays would depend on whether the n = 10**6 benchmark ran before them.
    Settled, every run measures the steady state of a long-running process.
    """
    scratch = np.ones(4 * 10**6)
    del scratch


# ---------------------------------------------------------------------------
# Functions under test, written once for any NumPy-like module ``xp``
# ---------------------------------------------------------------------------


def elementwise_step(xp, x, step_index: int):
    """Apply one elementwise primitive, cycling through five kinds that keep values bounded."""
    kind = step_index % 5
    if kind == 0:
        return xp.sin(x)
    if kind == 1:
        return x * 1.5
    if kind == 2:
        return x + 0.25
    if kind == 3:
        return xp.tanh(x)
    return xp.exp(x)


def make_chain(xp, n_ops: int) -> Callable:
    """Return f(x) = sum(step_n o ... o step_1 (x)): n_ops elementwise primitives, then a sum."""

    def chain(x):
        for step_index in range(n_ops):
            x = elementwise_step(xp, x, step_index)
        return xp.sum(x)

    chain.__name__ = f"chain_{n_ops}"
    return chain


def make_rosenbrock(xp) -> Callable:
    """Return f(x) = sum_i 100 (x[i+1] - x[i]^2)^2 + (1 - x[i])^2."""

    def rosenbrock(x):
        return xp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)

    return rosenbrock


def make_scalar_loop(xp, n_steps: int) -> Callable:
    """Return f(x) = the result of ``n_steps`` iterations of x <- sin(x) * 0.999 + 0.001."""

    def scalar_loop(x):
        for _ in range(n_steps):
            x = xp.sin(x) * 0.999 + 0.001
        return x

    return scalar_loop


# ---------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------


@dataclass
class Row:
    """One printed line: what was measured, the figures, and the ratio against its target."""

    name: str
    measured: str
    ratio: float | None = None
    target: float | None = None
    note: str = ""

    def status(self) -> str:
        """Return PASS/FAIL when there is a ratio to judge, else the note."""
        if self.ratio is None or self.target is None:
            return self.note or "-"
        verdict = "PASS" if self.ratio <= self.target else "FAIL"
        return f"{verdict} {self.note}".rstrip()

    def cells(self) -> list[str]:
        """Return the table cells of this row."""
        ratio = "-" if self.ratio is None else f"{self.ratio:.3f}"
        target = "-" if self.target is None else f"<= {self.target:g}"
        return [self.name, self.measured, ratio, target, self.status()]


def print_table(rows: list[Row]) -> None:
    """Print the rows as a GitHub-flavoured Markdown table (readable in a terminal too)."""
    header = ["benchmark", "measured (median)", "ratio", "target", "result"]
    table = [header] + [row.cells() for row in rows]
    widths = [max(len(line[column]) for line in table) for column in range(len(header))]

    def format_line(cells: list[str]) -> str:
        padded = (cell.ljust(width) for cell, width in zip(cells, widths, strict=True))
        return "| " + " | ".join(padded) + " |"

    print(format_line(header))
    print("|" + "|".join("-" * (width + 2) for width in widths) + "|")
    for cells in table[1:]:
        print(format_line(cells))


def microseconds(seconds: float) -> str:
    """Format seconds as microseconds."""
    return f"{seconds * 1e6:.2f} µs"


def milliseconds(seconds: float) -> str:
    """Format seconds as milliseconds."""
    return f"{seconds * 1e3:.2f} ms"


def check_agreement(name: str, ours, reference) -> str:
    """Return an empty note when both gradients agree, else a warning to print beside the timing."""
    if np.allclose(np.asarray(ours, dtype=np.float64), np.asarray(reference, dtype=np.float64)):
        return ""
    return f"(WARNING: {name} gradients disagree)"


def failed_row(name: str, error: BaseException) -> Row:
    """Return a row recording that a benchmark raised, after printing the traceback to stderr."""
    traceback.print_exception(error, file=sys.stderr)
    return Row(name, f"error: {type(error).__name__}: {error}"[:80], note="ERROR")


# ---------------------------------------------------------------------------
# The four benchmarks
# ---------------------------------------------------------------------------


def bench_overhead_per_primitive(timing: Timing) -> list[Row]:
    """(a) Cost per primitive of grad on a 100-op elementwise chain of a 3-element array."""
    x = np.random.default_rng(SEED).standard_normal(OVERHEAD_SIZE)
    name = f"a. grad, {OVERHEAD_CHAIN_OPS}-op chain, n={OVERHEAD_SIZE}"
    numpy_chain = make_chain(np, OVERHEAD_CHAIN_OPS)
    grad_ours = fad.grad(numpy_chain)

    (numpy_time,) = timing.medians(lambda: numpy_chain(x))
    per_op_numpy = numpy_time / OVERHEAD_CHAIN_OPS
    rows = [Row(f"   plain NumPy forward, n={OVERHEAD_SIZE}", f"{microseconds(per_op_numpy)}/op")]

    if autograd is None:
        (ours_time,) = timing.medians(lambda: grad_ours(x))
        per_op_ours = ours_time / OVERHEAD_CHAIN_OPS
        rows.insert(0, Row(name, f"functional_ad {microseconds(per_op_ours)}/op",
                           note=f"autograd skipped ({INSTALL_HINT})"))
        return rows

    grad_autograd = autograd.grad(make_chain(anp, OVERHEAD_CHAIN_OPS))
    note = check_agreement("chain", grad_ours(x), grad_autograd(x))
    ours_time, autograd_time = timing.medians(lambda: grad_ours(x), lambda: grad_autograd(x))
    per_op_ours = ours_time / OVERHEAD_CHAIN_OPS
    per_op_autograd = autograd_time / OVERHEAD_CHAIN_OPS
    measured = (f"functional_ad {microseconds(per_op_ours)}/op vs "
                f"autograd {microseconds(per_op_autograd)}/op")
    rows.insert(0, Row(name, measured, per_op_ours / per_op_autograd, OVERHEAD_TARGET, note))
    return rows


def bench_large_array(timing: Timing) -> list[Row]:
    """(b) grad of a 10-op elementwise chain at n = 10**6 against the plain NumPy forward pass."""
    x = np.random.default_rng(SEED).standard_normal(LARGE_SIZE)
    numpy_chain = make_chain(np, LARGE_CHAIN_OPS)
    grad_ours = fad.grad(numpy_chain)

    grad_time, forward_time = timing.medians(lambda: grad_ours(x), lambda: numpy_chain(x))
    measured = f"grad {milliseconds(grad_time)} vs NumPy forward {milliseconds(forward_time)}"
    name = f"b. grad, {LARGE_CHAIN_OPS}-op chain, n=1e6"
    return [Row(name, measured, grad_time / forward_time, LARGE_TARGET)]


def bench_hvp(timing: Timing) -> list[Row]:
    """(c) Hessian-vector product of Rosenbrock at n = 10**5 against its gradient."""
    rng = np.random.default_rng(SEED)
    x = rng.standard_normal(HVP_SIZE)
    direction = rng.standard_normal(HVP_SIZE)
    rosenbrock = make_rosenbrock(np)
    grad_ours = fad.grad(rosenbrock)

    hvp_time, grad_time = timing.medians(lambda: fad.hvp(rosenbrock, (x,), (direction,)),
                                         lambda: grad_ours(x))
    measured = f"hvp {milliseconds(hvp_time)} vs grad {milliseconds(grad_time)}"
    return [Row("c. hvp / grad, Rosenbrock, n=1e5", measured, hvp_time / grad_time, HVP_TARGET)]


def bench_scalar_loop(timing: Timing) -> list[Row]:
    """(d) grad through a 10,000-step loop on a Python float, against autograd."""
    x = 0.5
    name = f"d. grad, {SCALAR_LOOP_STEPS}-step scalar loop"
    grad_ours = fad.grad(make_scalar_loop(np, SCALAR_LOOP_STEPS))

    if autograd is None:
        (ours_time,) = timing.medians(lambda: grad_ours(x))
        return [Row(name, f"functional_ad {milliseconds(ours_time)}",
                    note=f"autograd skipped ({INSTALL_HINT})")]

    grad_autograd = autograd.grad(make_scalar_loop(anp, SCALAR_LOOP_STEPS))
    note = check_agreement("scalar loop", grad_ours(x), grad_autograd(x))
    ours_time, autograd_time = timing.medians(lambda: grad_ours(x), lambda: grad_autograd(x))
    measured = f"functional_ad {milliseconds(ours_time)} vs autograd {milliseconds(autograd_time)}"
    return [Row(name, measured, ours_time / autograd_time, SCALAR_LOOP_TARGET, note)]


BENCHMARKS = [
    ("a. per-primitive overhead", bench_overhead_per_primitive),
    ("b. large array", bench_large_array),
    ("c. hvp", bench_hvp),
    ("d. scalar loop", bench_scalar_loop),
]


# ---------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------


def describe_environment() -> str:
    """Return one line naming the versions that produced the figures."""
    autograd_version = package_version("autograd") if autograd else "not installed"
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return (f"python {platform.python_version()}, numpy {np.__version__}, "
            f"functional_ad {package_version('functional_ad')}, autograd {autograd_version}, "
            f"{platform.machine()} {platform.system()}, {os.cpu_count()} CPUs, load average {load}")


def package_version(name: str) -> str:
    """Return the installed version of a distribution, or '?' when it is not installed."""
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return getattr(sys.modules.get(name), "__version__", "?")


def main(argv: list[str] | None = None) -> int:
    """Run every benchmark, print the table, and return 0 whatever the outcome."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help="samples per median (default 7)")
    parser.add_argument("--quick", action="store_true", help="3 samples per median")
    parser.add_argument("--clock", choices=sorted(CLOCKS), default="cpu",
                        help="cpu: this process's CPU time, steady on a busy machine (default); "
                             "wall: elapsed time")
    options = parser.parse_args(argv)
    timing = Timing(repeats=3 if options.quick else options.repeats, clock=CLOCKS[options.clock])

    print(describe_environment(), flush=True)
    if autograd is None:
        print(f"autograd is not installed: comparisons a and d are skipped ({INSTALL_HINT})")
    print(f"medians of {timing.repeats} timeit samples, {options.clock} clock, float64, "
          f"seed {SEED}\n", flush=True)

    settle_allocator()
    rows: list[Row] = []
    for label, benchmark in BENCHMARKS:
        print(f"running {label} ...", file=sys.stderr, flush=True)
        try:
            rows.extend(benchmark(timing))
        except Exception as error:  # keep going: one broken benchmark should not hide the others
            rows.append(failed_row(label, error))
    print_table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
