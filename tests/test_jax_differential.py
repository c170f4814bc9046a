"""Differential comparison with JAX: every op-table row with a JAX counterpart, at random
and special points (0, ±1, ½, ±inf, NaN, the domain's ends, ties), under value, grad, jvp,
hessian and vmap (``tests/jax_diff/cases.py``). Each case must match JAX, or raise a named
error, or differ only where the derivative is undefined and the library's convention is
documented (``tests/jax_diff/conventions.py``).

JAX is never a dependency: without it this test is skipped. By default it runs a fixed
sample of rows and points (277 cases). For every case (54,751; twenty minutes
or more), set ``FAD_JAX_CASES=all`` (or a number, for that many evenly spread cases) and
pass ``-s`` to see the counts::

    FAD_JAX_CASES=all python -m pytest tests/test_jax_differential.py -s

``python -m tests.jax_diff.survey [COUNT]`` prints the same counts and every difference.
"""

from __future__ import annotations

import collections
import os

import pytest

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)

from tests.jax_diff.cases import all_cases, run_case, sample  # noqa: E402

CASES = os.environ.get("FAD_JAX_CASES")
CI_ROW_STEP = 50  # every 50th op-table row (by name), at these points:
CI_POINTS = ("random-0", "arg0=0", "arg0=inf", "arg0=nan", "tie", "all-equal")


def _selected() -> list:
    cases = list(all_cases())
    if CASES == "all":
        return cases
    if CASES is not None:
        return sample(cases, int(CASES))
    rows = sorted({c.row.name for c in cases})
    chosen = set(rows[::CI_ROW_STEP])
    return [c for c in cases if c.row.name in chosen and c.point in CI_POINTS]


def test_functional_ad_agrees_with_jax():
    cases = _selected()
    counts: collections.Counter[str] = collections.Counter()
    bad = []
    for case in cases:
        outcome = run_case(case)
        counts[outcome.kind] += 1
        if outcome.kind == "mismatch":
            bad.append(f"{case.name}: {outcome.detail[:300]}")
    print(f"\n{len(cases)} cases: {dict(sorted(counts.items()))}")
    assert counts["match"] > len(cases) // 2
    assert not bad, f"{len(bad)} differences from JAX:\n" + "\n".join(bad)
