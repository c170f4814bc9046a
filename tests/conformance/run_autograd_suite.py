"""Run HIPS autograd's test files against functional_ad and print pass/fail counts per file.

Usage: ``python -m tests.conformance.run_autograd_suite DIR [test_x.py ...]`` from the
repository root, where DIR holds autograd's ``tests/`` files (from its source distribution:
``pip download autograd --no-binary :all: --no-deps``, unpacked outside this repository).
Nothing is downloaded here. ``autograd`` is replaced by the modules of ``autograd_shim`` (so
the files exercise functional_ad, never autograd), and each file runs under pytest with its
own ``conftest.py``.
"""

from __future__ import annotations

import argparse
import collections
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

DEFAULT_FILES = ("test_scipy.py", "test_numpy.py", "test_linalg.py", "test_systematic.py",
                 "test_fft.py", "test_scalar_ops.py", "test_binary_ops.py")  # fmt: skip


class Counter:
    """A pytest plugin counting outcomes per file (collection errors as one error each)."""

    def __init__(self) -> None:
        self.counts: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
        self.failures: dict[str, list[str]] = collections.defaultdict(list)

    def pytest_runtest_logreport(self, report: Any) -> None:
        name = report.nodeid.split("::", 1)[0].rsplit("/", 1)[-1]
        if report.when == "call" or (report.when == "setup" and not report.passed):
            outcome = "skipped" if report.skipped else ("passed" if report.passed else "failed")
            self.counts[name][outcome] += 1
            if outcome == "failed":
                message = report.longrepr.reprcrash.message if hasattr(
                    report.longrepr, "reprcrash") else str(report.longrepr)  # fmt: skip
                self.failures[name].append(
                    f"{report.nodeid.split('::', 1)[-1]}: {message.splitlines()[0][:160]}"
                )

    def pytest_collectreport(self, report: Any) -> None:
        if report.failed:
            name = report.nodeid.rsplit("/", 1)[-1]
            self.counts[name]["collection error"] += 1
            self.failures[name].append(f"collection: {str(report.longrepr).splitlines()[-1]}")


def run(directory: Path, files: Sequence[str], verbose: bool = False) -> dict[str, Any]:
    """Run the files (names inside ``directory``); returns the counts and failures per file."""
    root = Path(__file__).resolve().parents[2]
    sys.path.insert(0, str(root))
    from tests.conformance import autograd_shim

    autograd_shim.install()
    counter = Counter()
    paths = [str(directory / f) for f in files]
    arguments = ["-q", "-p", "no:cacheprovider", "-c", os.devnull, f"--rootdir={directory}",
                 "-W", "ignore", "--no-header", "--continue-on-collection-errors"]  # fmt: skip
    arguments += paths
    if not verbose:
        arguments += ["--tb=no", "-rN"]
    pytest.main(arguments, plugins=[counter])
    return {"counts": counter.counts, "failures": counter.failures}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path, help="autograd's tests/ directory")
    parser.add_argument("files", nargs="*", default=list(DEFAULT_FILES))
    parser.add_argument("--failures", action="store_true", help="list each failing test")
    options = parser.parse_args(argv)
    result = run(options.directory.resolve(), options.files)
    print(f"\n{'file':24} {'passed':>7} {'failed':>7} {'skipped':>8}  rate")
    total = collections.Counter()
    for name in options.files:
        counts = result["counts"].get(name, collections.Counter())
        total.update(counts)
        failed = counts["failed"] + counts["collection error"]
        tried = counts["passed"] + failed
        rate = f"{100 * counts['passed'] / tried:5.1f} %" if tried else "   -"
        print(f"{name:24} {counts['passed']:7} {failed:7} {counts['skipped']:8}  {rate}")
    failed = total["failed"] + total["collection error"]
    tried = total["passed"] + failed
    print(f"{'total':24} {total['passed']:7} {failed:7} {total['skipped']:8}  "
          f"{100 * total['passed'] / max(tried, 1):5.1f} %")  # fmt: skip
    if options.failures:
        for name in options.files:
            for line in result["failures"].get(name, []):
                print(f"FAILED {name}::{line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
