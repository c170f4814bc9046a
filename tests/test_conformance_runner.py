"""The conformance runner: test files written against HIPS autograd's API run against
functional_ad through the substitute ``autograd`` modules, with per-file counts."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("scipy")

ROOT = Path(__file__).resolve().parents[1]

PASSING = """
import autograd.numpy as np
import autograd.numpy.random as npr
import autograd.scipy.stats as stats
import autograd.scipy.special as special
from autograd import grad, elementwise_grad, value_and_grad
from autograd.test_util import check_grads, combo_check


def test_grad_of_a_numpy_function():
    assert np.isclose(grad(lambda x: np.sum(np.sin(x)))(0.5), np.cos(0.5))


def test_grad_in_a_chosen_argument():
    assert grad(lambda x, y: x * y ** 2, 1)(3.0, 2.0) == 12.0


def test_elementwise_and_value():
    np.testing.assert_allclose(elementwise_grad(np.tanh)(np.zeros(3)), np.ones(3))
    value, slope = value_and_grad(lambda x: x ** 3)(2.0)
    assert (value, slope) == (8.0, 12.0)


def test_check_grads_two_arguments():
    check_grads(lambda a, b: np.dot(a, b), (0, 1))(npr.randn(3, 2), npr.randn(2))


def test_combo_check_over_values_and_keywords():
    combo_check(np.sum, [0])([npr.randn(3, 4)], axis=[None, 0, 1], keepdims=[True, False])


def test_scipy_through_functional_ad():
    combo_check(stats.norm.logpdf, [0, 1, 2])([npr.randn(4)], [0.3], [1.5])
    check_grads(special.gammaln)(2.5)
"""

FAILING = """
import autograd.numpy as np
from autograd import grad


def test_an_autograd_only_function():
    np.make_diagonal(np.ones(2), axis1=-1, axis2=-2)


def test_wrong_on_purpose():
    assert grad(lambda x: x * x)(3.0) == 5.0
"""


def test_runner_counts_each_file(tmp_path):
    (tmp_path / "test_passing.py").write_text(textwrap.dedent(PASSING))
    (tmp_path / "test_failing.py").write_text(textwrap.dedent(FAILING))
    (tmp_path / "test_broken.py").write_text("import autograd.no_such_module\n")
    result = subprocess.run(
        [sys.executable, "-m", "tests.conformance.run_autograd_suite", str(tmp_path),
         "test_passing.py", "test_failing.py", "test_broken.py", "--failures"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    rows = {line.split()[0]: line.split()[1:] for line in result.stdout.splitlines() if line}
    assert rows["test_passing.py"][:2] == ["6", "0"], result.stdout
    assert rows["test_failing.py"][:2] == ["0", "2"], result.stdout
    assert rows["test_broken.py"][:2] == ["0", "1"], result.stdout
    assert "make_diagonal" in result.stdout


def test_the_substitutes_use_functional_ad():
    from tests.conformance import autograd_shim

    substitutes = autograd_shim.modules()
    assert substitutes["autograd.numpy"] is np
    assert substitutes["autograd.scipy.stats.norm"].__module__.startswith("functional_ad.")
    grad = substitutes["autograd"].grad
    assert grad(lambda x, y: x * y, 1)(2.0, 5.0) == 2.0
