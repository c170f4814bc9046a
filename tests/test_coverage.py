"""The coverage table: the command runs, and its rows come from the registry."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import functional_ad  # registers every family
import functional_ad.special
from functional_ad.core import Primitive
from functional_ad.tools.coverage import (
    coverage_rows,
    format_table,
    module_of,
    public_name,
    report,
    scipy_front_end_rows,
)
from functional_ad.numpy.dispatch import register_scipy
from functional_ad.ops import NUMPY, UFUNC_METHODS

REPO = Path(__file__).resolve().parent.parent


def run_command(*flags: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "functional_ad", "coverage", *flags],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def rows_by_name():
    return {row.name: row for row in coverage_rows()}


def test_command_prints_the_table_and_a_count():
    out = run_command()
    assert re.search(r"^numpy\.sin\s+yes\s+yes\s", out, re.MULTILINE)
    count = re.search(r"^(\d+) functions \(", out, re.MULTILINE)
    assert count is not None
    register_scipy()  # the command registers SciPy's functions too, when SciPy is installed
    try:  # and functional_ad.scipy's own functions
        import functional_ad.scipy
    except ImportError:
        pass
    expected = len(NUMPY) + len(functional_ad.special.__all__) + len(scipy_front_end_rows())
    assert int(count.group(1)) == expected


def test_command_markdown():
    out = run_command("--markdown", "--primitives")
    lines = out.splitlines()
    assert lines[0] == "| function | forward | reverse | complex | notes |"
    assert lines[1] == "|---|---|---|---|---|"
    assert any(line.startswith("| numpy.sin | yes | yes |") for line in lines)
    assert "| primitive | forward | reverse | complex | notes |" in lines
    assert re.search(r"^\d+ functions \(", out, re.MULTILINE)


def test_command_without_subcommand_shows_usage():
    result = subprocess.run(
        [sys.executable, "-m", "functional_ad"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "coverage" in result.stderr


def test_primitive_constant_composed_and_query_rows():
    rows = rows_by_name()
    assert (rows["numpy.sin"].forward, rows["numpy.sin"].reverse) == ("yes", "yes")
    assert rows["numpy.sin"].family == "elementwise"
    assert (rows["numpy.floor"].forward, rows["numpy.floor"].reverse) == ("zero", "zero")
    assert "no derivative" in rows["numpy.floor"].notes
    assert rows["numpy.mean"].differentiable
    assert "composed" in rows["numpy.mean"].notes
    assert rows["numpy.shape"].forward == "n/a"
    assert rows["numpy.argmax"].forward == "zero"
    assert "numpy.abs" in rows["numpy.absolute"].notes  # an alias, listed once
    assert "numpy.abs" not in rows
    assert rows["numpy.add.reduce"].differentiable


def test_composed_handler_lists_its_parts():
    assert "where" in rows_by_name()["numpy.clip"].notes


def test_complex_column():
    rows = coverage_rows(complex_tested={"numpy.sin"})
    by_name = {r.name: r for r in rows}
    assert by_name["numpy.sin"].complex == "yes"
    assert by_name["numpy.arctan2"].complex == "no"  # NumPy has no complex arctan2


def test_functions_added_later_appear_automatically():
    target = np.unwrap
    previous = NUMPY.get(target)
    fake = Primitive("fake_unwrap", np.unwrap, jvp=lambda t, y, x: t)  # forward rule only
    try:
        NUMPY[target] = fake
        row = rows_by_name()["numpy.unwrap"]
        assert (row.forward, row.reverse) == ("yes", "no")
        assert "fake_unwrap" in row.notes
    finally:
        if previous is None:
            del NUMPY[target]
        else:
            NUMPY[target] = previous


def test_scipy_names():
    special = pytest.importorskip("scipy.special")
    registered = [
        f
        for f in NUMPY
        if getattr(special, getattr(f, "__name__", ""), None) is f
        and getattr(np, f.__name__, None) is not f
    ]
    if not registered:
        pytest.skip("no scipy.special function registered yet")
    assert public_name(registered[0]).startswith("scipy.special.")


def test_every_registry_entry_has_one_row():
    rows = coverage_rows()
    front_end = len(scipy_front_end_rows())
    assert len(rows) == (
        len(NUMPY) + len(UFUNC_METHODS) + len(functional_ad.special.__all__) + front_end
    )
    assert len({r.name for r in rows}) == len(rows)


def test_scipy_front_end_rows_grouped_by_module_with_verified_orders():
    pytest.importorskip("scipy")
    import functional_ad.scipy  # noqa: F401

    out = run_command("--by-module")
    for module in ("numpy", "numpy.linalg", "scipy.special", "scipy.stats", "scipy.linalg"):
        assert re.search(rf"^{re.escape(module)} \(\d+\)$", out, re.MULTILINE), module
    line = next(
        x for x in out.splitlines() if x.startswith("functional_ad.scipy.stats.norm.logpdf ")
    )
    assert line.split()[1:3] == ["yes", "yes"]
    assert "verified: order 2, fwd+rev" in line
    count = re.search(r"^(\d+) functions \(", out, re.MULTILINE)
    assert count is not None and int(count.group(1)) >= 450
    assert module_of("functional_ad.scipy.linalg.expm") == "scipy.linalg"
    assert module_of("numpy.linalg.inv") == "numpy.linalg"


def test_format_table_aligns_columns():
    text = format_table(coverage_rows()[:3])
    header, rule, *body = text.splitlines()
    assert header.split()[:4] == ["function", "forward", "reverse", "complex"]
    assert set(rule.replace(" ", "")) == {"-"}
    assert len(body) == 3
    assert report().rstrip().splitlines()[-1].endswith("primitives")
