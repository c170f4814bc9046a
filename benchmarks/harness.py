"""Shared benchmark machinery: the timing loop, correctness checks, result rows and the table.

Every figure is a median of ``timeit`` samples read from this process's CPU-time clock by
default, so that other busy processes do not skew it (``wall`` for elapsed time; for
single-threaded NumPy code the two agree on an idle machine). The functions being compared
are sampled in turn, in rounds, so both sides of a ratio see the same machine load; a ratio
is the median of the ratios within each round.
"""

from __future__ import annotations

import importlib.metadata
import os
import platform
import statistics
import sys
import time
import timeit
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# Running a script in benchmarks/ puts benchmarks/ on sys.path, not the repository root.
REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

try:
    import autograd
    import autograd.numpy as anp
except ImportError:  # HIPS autograd is the optional `bench` extra
    autograd = None
    anp = None

INSTALL_HINT = "pip install -e .[bench]"
SEED = 0

# ---------------------------------------------------------------------------
# Timing
# ---------------------------------------------------------------------------

CLOCKS = {"cpu": time.process_time, "wall": time.perf_counter}


@dataclass(frozen=True)
class Timing:
    """How to time: samples per median and the clock they are read from."""

    repeats: int = 7
    clock: Callable[[], float] = time.process_time

    def samples(self, *calls: Callable[[], object]) -> list[list[float]]:
        """Return ``repeats`` samples of the time of one call of each function, in seconds.

        ``timeit.Timer.autorange`` picks how many calls make one sample (at least 0.2 s), which
        also warms up caches. The samples are then taken in rounds, one of each function per
        round, so that the sides of a ratio see the same machine load even when other
        processes come and go.
        """
        timers = [timeit.Timer(call, timer=self.clock) for call in calls]
        calls_per_sample = [timer.autorange()[0] for timer in timers]
        samples: list[list[float]] = [[] for _ in calls]
        for _ in range(self.repeats):
            for timer, number, times in zip(timers, calls_per_sample, samples, strict=True):
                times.append(timer.timeit(number) / number)
        return samples


class Times(dict):
    """The median time of each measured function, by label, and the samples behind them."""

    def __init__(self, samples: dict[str, list[float]]) -> None:
        super().__init__({label: statistics.median(s) for label, s in samples.items()})
        self.samples = samples

    def ratio(self, numerator: str, denominator: str) -> float:
        """The median over rounds of the ratio of the two samples taken in the same round.

        A drift of the machine's speed between rounds (other virtual machines on the host,
        frequency changes) moves both samples of a round alike and cancels in their ratio.
        """
        pairs = zip(self.samples[numerator], self.samples[denominator], strict=True)
        return statistics.median(a / b for a, b in pairs)


def settle_allocator() -> None:
    """Allocate and free one 32 MB array so every benchmark starts from the same malloc state.

    glibc serves big blocks with mmap until a big block has been freed, then from its heap.
    Fresh mmap'd memory costs a page fault per 4 kB, so without this step the cost of the
    n = 10**5 arrays would depend on whether an n = 10**6 benchmark ran before them.
    Settled, every run measures the steady state of a long-running process.
    """
    scratch = np.ones(4 * 10**6)
    del scratch


# ---------------------------------------------------------------------------
# Correctness
# ---------------------------------------------------------------------------


class WrongResult(AssertionError):
    """A benchmarked function returned a result that disagrees with its reference."""


def check_close(what: str, ours: object, reference: object, rtol: float = 1e-7) -> None:
    """Raise ``WrongResult`` unless two results agree to ``rtol`` relative to the reference's scale.

    Both may be arrays, scalars or (nested) tuples, lists and dicts of them.
    """
    if isinstance(reference, dict):
        if not isinstance(ours, dict) or ours.keys() != reference.keys():
            raise WrongResult(f"{what}: keys {sorted(ours)} != {sorted(reference)}")
        for key in reference:
            check_close(f"{what}[{key!r}]", ours[key], reference[key], rtol)
        return
    if isinstance(reference, (tuple, list)):
        if not isinstance(ours, (tuple, list)) or len(ours) != len(reference):
            raise WrongResult(f"{what}: expected a sequence of {len(reference)}, got {ours!r:.60}")
        for index, (mine, theirs) in enumerate(zip(ours, reference, strict=True)):
            check_close(f"{what}[{index}]", mine, theirs, rtol)
        return
    ours_array = np.asarray(ours, dtype=np.float64)
    reference_array = np.asarray(reference, dtype=np.float64)
    if ours_array.shape != reference_array.shape:
        raise WrongResult(f"{what}: shape {ours_array.shape} != {reference_array.shape}")
    scale = max(1.0, float(np.max(np.abs(reference_array), initial=0.0)))
    error = float(np.max(np.abs(ours_array - reference_array), initial=0.0))
    if not error <= rtol * scale:  # also catches NaN
        raise WrongResult(f"{what}: max abs error {error:.3g} (allowed {rtol * scale:.3g})")


# ---------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """A bound on a ratio: ``ratio <= bound`` (times) or ``ratio >= bound`` (speed-ups)."""

    bound: float
    at_least: bool = False

    def met(self, ratio: float) -> bool:
        """Return whether the ratio meets the target."""
        return ratio >= self.bound if self.at_least else ratio <= self.bound

    def __str__(self) -> str:
        return f"{'>=' if self.at_least else '<='} {self.bound:g}"


def at_most(bound: float) -> Target:
    """Target for a time ratio (lower is better)."""
    return Target(bound)


def at_least(bound: float) -> Target:
    """Target for a speed-up (higher is better)."""
    return Target(bound, at_least=True)


@dataclass
class Row:
    """One printed line: what was measured, the figures, and the ratio against its target."""

    name: str
    measured: str
    ratio: float | None = None
    target: Target | None = None
    note: str = ""

    def status(self) -> str:
        """Return PASS/FAIL when there is a ratio and a target to judge, else the note or '-'."""
        if self.ratio is None or self.target is None:
            return self.note or "-"
        verdict = "PASS" if self.target.met(self.ratio) else "FAIL"
        return f"{verdict} {self.note}".rstrip()

    def cells(self) -> list[str]:
        """Return the table cells of this row."""
        ratio = "-" if self.ratio is None else f"{self.ratio:.3g}"
        target = "-" if self.target is None else str(self.target)
        return [self.name, self.measured, ratio, target, self.status()]


def error_row(name: str, error: BaseException) -> Row:
    """Return a row recording that a benchmark raised or gave a wrong result.

    A wrong result is reported in the row itself; any other exception also prints its traceback
    to stderr, so the table stays readable and the cause stays findable.
    """
    if not isinstance(error, WrongResult):
        traceback.print_exception(error, file=sys.stderr)
    message = f"{type(error).__name__}: {error}".replace("|", "/").replace("\n", " ")
    return Row(name, message[:110], note="ERROR")


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


def duration(seconds: float) -> str:
    """Format a duration with a unit that keeps three or four significant digits."""
    if seconds < 1e-3:
        return f"{seconds * 1e6:.2f} µs"
    if seconds < 1.0:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


# ---------------------------------------------------------------------------
# Environment
# ---------------------------------------------------------------------------


def package_version(name: str) -> str:
    """Return the installed version of a distribution, or '?' when it is not installed."""
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return getattr(sys.modules.get(name), "__version__", "?")


def cpu_model() -> str:
    """Return the CPU model named in /proc/cpuinfo, or the platform's processor string."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def describe_environment() -> str:
    """Return two lines naming the machine and the versions that produced the figures."""
    autograd_version = package_version("autograd") if autograd else "not installed"
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return (
        f"{cpu_model()}, {os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), "
        f"{platform.machine()} {platform.system()}, load average {load}\n"
        f"python {platform.python_version()}, numpy {np.__version__}, "
        f"functional_ad {package_version('functional_ad')}, autograd {autograd_version}, "
        f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}"
    )
