"""examples/tour.ipynb: generated from examples/tour.py, kept in step with it, and it runs."""

import importlib.util
import json
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="the notebook tests need the test extra")

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def load_generator():
    spec = importlib.util.spec_from_file_location(
        "make_tour_notebook", EXAMPLES / "make_tour_notebook.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_notebook_matches_tour_py():
    generator = load_generator()
    expected = generator.notebook_text((EXAMPLES / "tour.py").read_text())
    assert (EXAMPLES / "tour.ipynb").read_text() == expected, (
        "examples/tour.ipynb is out of date: run python examples/make_tour_notebook.py"
    )


def test_notebook_holds_every_section_of_the_tour():
    nb = nbformat.read(EXAMPLES / "tour.ipynb", as_version=4)
    assert len(nb.cells) >= 10
    source = (EXAMPLES / "tour.py").read_text()
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    for n in range(1, 11):
        assert any(c.source.startswith(f"## {n}. ") for c in nb.cells if c.cell_type == "markdown")
    # every definition of the script but the command line is in the notebook, verbatim
    for name in ("sine_computation", "exp_adder", "hessians_and_products", "report"):
        start = source.index(f"def {name}(")
        assert source[start : source.index("\n\n\n", start)] in code
    assert "def main(" not in code and "parse_arguments" not in code


def test_notebook_runs_and_every_check_agrees(tmp_path, monkeypatch):
    pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    from nbclient import NotebookClient

    # a kernel of this very interpreter, whatever other "python3" kernels the machine has
    spec = tmp_path / "kernels" / "functional-ad-tests"
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    spec.joinpath("kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": "tests", "language": "python"})
    )
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))
    nb = nbformat.read(EXAMPLES / "tour.ipynb", as_version=4)
    NotebookClient(
        nb,
        timeout=300,
        kernel_name="functional-ad-tests",
        resources={"metadata": {"path": str(EXAMPLES)}},
    ).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    printed = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "OK: all" in printed and "DISAGREES" not in printed
    shown = [set(o.data) for o in outputs if o.output_type == "execute_result"]
    assert any("image/svg+xml" in kinds and "text/html" in kinds for kinds in shown)  # graph
    assert any("text/html" in kinds and "image/svg+xml" not in kinds for kinds in shown)  # profile
    if importlib.util.find_spec("matplotlib"):
        assert sum("image/png" in kinds for kinds in shown) == 2  # the plot and the heat map
