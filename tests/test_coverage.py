"""The coverage table: the command runs, its rows come from the registry, and a composed
function's derivatives come from what it was observed to bind on the op table's examples."""

from __future__ import annotations

import contextlib
import functools
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import functional_ad  # registers every family
import functional_ad.special
from functional_ad.core import Primitive
from functional_ad.numpy.dispatch import register_scipy
from functional_ad.numpy.registry import NUMPY, UFUNC_METHODS
from functional_ad.tools.coverage import (
    NOT_OBSERVED,
    Example,
    coverage_rows,
    examples,
    format_table,
    load_op_table,
    module_of,
    observe,
    public_name,
    report,
    scipy_front_end_rows,
    verified,
)
from tests.op_table import ROWS

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


@functools.cache
def op_table_observations():
    """What the op table's examples were seen to do (as the command observes them)."""
    observed, failed = observe(examples(ROWS))
    assert failed == []
    return observed


def rows_by_name(observed=None):
    observed = op_table_observations() if observed is None else observed
    return {row.name: row for row in coverage_rows(observed=observed)}


@contextlib.contextmanager
def registered(func, handler):
    """Route ``func`` to ``handler`` for the duration (the registry as it was afterwards)."""
    previous = NUMPY.get(func)
    NUMPY[func] = handler
    try:
        yield
    finally:
        if previous is None:
            del NUMPY[func]
        else:
            NUMPY[func] = previous


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
    # observed: clip's handler binds the where primitive (through np.where)
    assert "where" in rows_by_name()["numpy.clip"].notes


def test_every_op_table_example_runs_observed():
    observed, failed = observe(examples(ROWS))
    assert failed == []
    assert observed[np.mean].calls > 0 and observed[np.mean].derived > 0


def test_a_composed_function_without_example_is_not_guessed():
    rows = rows_by_name({})  # what an installed package reports: no op table
    assert (rows["numpy.mean"].forward, rows["numpy.mean"].reverse) == ("?", "?")
    assert rows["numpy.mean"].notes == NOT_OBSERVED
    assert rows["numpy.add.reduce"].forward == "?"
    assert rows["numpy.sin"].differentiable  # a primitive reports its own rules
    assert rows["numpy.floor"].forward == "zero"
    assert rows["numpy.shape"].forward == "n/a"  # handlers made by the query factory
    assert rows["numpy.count_nonzero"].forward == "zero"  # and by the constant factory


def test_parts_are_what_the_function_itself_called():
    def handler(x):
        return np.sin(x) + np.mean(x)

    with registered(np.unwrap, handler):
        observed, failed = observe([Example(lambda x: np.exp(np.unwrap(x)), (np.ones(3),))])
        row = rows_by_name(observed)["numpy.unwrap"]
    assert failed == []
    assert (row.forward, row.reverse) == ("yes", "yes")
    # the primitives it bound itself, and np.mean (composed), not mean's own parts nor exp
    assert row.notes == "composed of: add, np.mean, sin"
    assert observed[np.mean].calls == 1


def test_a_rule_missing_in_what_a_composed_function_binds_is_reported():
    forward_only = Primitive("forward_only_double", lambda x: 2 * x, jvp=lambda t, y, x: 2 * t)
    x = np.array([0.1, 0.2, 0.3])
    with registered(np.unwrap, lambda x: forward_only(np.sin(x))):
        observed, _ = observe([Example(np.unwrap, (x,))])
        row = rows_by_name(observed)["numpy.unwrap"]
        # what the row says is what the transforms do
        _, tangent = functional_ad.jvp(np.unwrap, (x,), (np.ones(3),))
        np.testing.assert_allclose(tangent, 2 * np.cos(x))
        with pytest.raises(NotImplementedError, match="forward_only_double"):
            functional_ad.grad(lambda x: np.sum(np.unwrap(x)))(x)
    assert (row.forward, row.reverse) == ("yes", "no")
    assert "no vjp rule of forward_only_double (argument 1)" in row.notes


def test_a_result_without_derivative_is_a_constant():
    floor_like = Primitive("floor_like", np.floor)  # no rules: no derivative
    x = np.array([0.5, 1.5, 2.5])
    with registered(np.unwrap, lambda x: floor_like(np.sin(x))):
        observed, _ = observe([Example(np.unwrap, (x,))])
        row = rows_by_name(observed)["numpy.unwrap"]
        gradient = functional_ad.grad(lambda x: np.sum(np.unwrap(x) * x))(x)
    assert (row.forward, row.reverse) == ("zero", "zero")
    np.testing.assert_array_equal(gradient, np.floor(np.sin(x)))  # unwrap's part: 0


def test_a_function_using_only_shapes_is_not_called_constant():
    # its traced argument gave only a shape: what a traced fill value would do is unseen
    with registered(np.unwrap, lambda x: np.zeros(np.shape(x))):
        observed, _ = observe([Example(np.unwrap, (np.ones(3),))])
        row = rows_by_name(observed)["numpy.unwrap"]
    assert (row.forward, row.reverse) == ("?", "?")
    assert "no derivative reached it" in row.notes


def test_a_write_counts_through_the_array_written():
    def fn(x):
        y = np.zeros_like(x)
        assert np.copyto(y, np.sin(x)) is None
        return y

    x = np.array([0.1, 0.2, 0.3])
    observed, failed = observe([Example(fn, (x,))])
    assert failed == []
    assert rows_by_name(observed)["numpy.copyto"].differentiable
    np.testing.assert_allclose(functional_ad.grad(lambda x: np.sum(fn(x)))(x), np.cos(x))


def test_an_example_that_raises_is_reported():
    observed, failed = observe([Example(lambda x: float(np.sin(x)), (np.ones(()),), ("f",))])
    assert len(failed) == 1 and failed[0].startswith("f: TypeError")
    assert observed[np.sin].calls == 1  # what returned before the error is kept


def test_the_runtime_does_not_import_the_coverage_report(tmp_path):
    code = (
        "import sys, numpy as np, functional_ad as fad\n"
        "fad.grad(lambda x: np.sum(np.sin(x)))(np.ones(3))\n"
        "print(sorted(m for m in sys.modules if m.startswith('functional_ad.tools.coverage')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
    assert load_op_table(tmp_path) == []  # an installed package has no op table


def test_complex_column():
    rows = coverage_rows(complex_tested={"numpy.sin"})
    by_name = {r.name: r for r in rows}
    assert by_name["numpy.sin"].complex == "yes"
    assert by_name["numpy.arctan2"].complex == "no"  # NumPy has no complex arctan2


def test_functions_added_later_appear_automatically():
    fake = Primitive("fake_unwrap", np.unwrap, jvp=lambda t, y, x: t)  # forward rule only
    with registered(np.unwrap, fake):
        row = rows_by_name()["numpy.unwrap"]
    assert (row.forward, row.reverse) == ("yes", "no")
    assert "fake_unwrap" in row.notes


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


def test_every_function_and_ufunc_method_is_observed_and_verified():
    # every entry of the registry is reached by an op-table example (no "?"), and every one
    # with derivatives has a row checking them to second order in both modes
    pytest.importorskip("scipy")
    import functional_ad.scipy  # noqa: F401

    rows = coverage_rows(verified=verified(ROWS), observed=op_table_observations())
    unobserved = sorted(r.name for r in rows if r.forward == "?")
    assert unobserved == []
    at_rows = {r.name for r in rows if r.name.endswith(".at")}
    numpy_ufuncs = [u for u in NUMPY if isinstance(u, np.ufunc) and public_name(u)[:6] == "numpy."]
    # (NumPy's .at takes one output and no core signature: divmod.at, matmul.at raise)
    single = {f"{public_name(u)}.at" for u in numpy_ufuncs if u.nout == 1 and not u.signature}
    assert at_rows == single and len(single) > 70
    unverified = sorted(
        r.name
        for r in rows
        if r.forward == "yes" and r.name.startswith("numpy.") and "order 2, fwd+rev" not in r.notes
    )
    # (the values two arrays share are exactly equal: a step breaks the tie, so finite
    # differences do not apply; test_numpy_functions.py checks where its derivative goes)
    assert unverified == ["numpy.intersect1d"]
