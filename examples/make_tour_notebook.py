"""Make examples/tour.ipynb from examples/tour.py: the tour as a notebook, cell by cell.

    python examples/make_tour_notebook.py            # (re)write examples/tour.ipynb
    python examples/make_tour_notebook.py --check    # exit 1 if the notebook is out of date

Needs nbformat (the ``notebook`` extra). The notebook is the one generated file kept in the
repository; the tests check that it matches this script's output and run it with nbclient.

How tour.py becomes cells: its docstring is the first (Markdown) cell and its imports the
first code cell. Each ``# ----`` banner starts a section: a Markdown cell with the banner's
title and the docstring of the section's step function (the function taking ``checks``),
a code cell with the section's code, and a code cell calling the step, whose return value
(a figure, the graph, the profile) the notebook shows. The command-line part at the end is
left out.
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent
SOURCE = EXAMPLES / "tour.py"
NOTEBOOK = EXAMPLES / "tour.ipynb"

BANNER = re.compile(r"^# -{20,}\n# (?P<title>.+)\n# -{20,}\n", re.MULTILINE)
COMMAND_LINE = "The command line"


def _step_functions(code: str) -> list[ast.FunctionDef]:
    """The functions of a section whose first parameter is ``checks``: the tour's steps."""
    return [
        node
        for node in ast.parse(code).body
        if isinstance(node, ast.FunctionDef)
        and node.args.args
        and node.args.args[0].arg == "checks"
    ]


def cells(source: str) -> list[tuple[str, str]]:
    """The notebook's cells as (kind, text) pairs, kind ``"markdown"`` or ``"code"``."""
    module = ast.parse(source)
    docstring = ast.get_docstring(module) or ""
    first, _, rest = docstring.partition("\n")
    out: list[tuple[str, str]] = [("markdown", f"# {first.strip()}\n{rest}".strip())]
    body = source[source.index('"""', source.index('"""') + 3) + 3 :]
    parts = BANNER.split(body)  # [before, title, code, title, code, ...]
    out.append(("code", parts[0].strip()))
    for title, code in zip(parts[1::2], parts[2::2], strict=True):
        if title.strip() == COMMAND_LINE:
            break
        steps = _step_functions(code)
        text = f"## {title.strip()}"
        if steps:
            text += "\n\n" + (ast.get_docstring(steps[0]) or "")
        out.append(("markdown", text.strip()))
        out.append(("code", code.strip()))
        if not steps:  # the helpers: start counting checks after them
            out.append(("code", "checks = Checks()"))
        for step in steps:
            out.append(("code", f"{step.name}(checks)"))
    return out


def notebook_text(source: str) -> str:
    """The notebook as JSON text, deterministic (cell ids numbered, no outputs)."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    for i, (kind, text) in enumerate(cells(source)):
        make = nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell
        cell = make(text)
        cell.id = f"cell-{i:02d}"
        nb.cells.append(cell)
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.metadata["language_info"] = {"name": "python"}
    nbformat.validate(nb)
    return nbformat.writes(nb) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check that it is current")
    arguments = parser.parse_args(argv)
    text = notebook_text(SOURCE.read_text())
    if arguments.check:
        current = NOTEBOOK.is_file() and NOTEBOOK.read_text() == text
        print(f"{NOTEBOOK.name} is {'up to date' if current else 'OUT OF DATE'}")
        return 0 if current else 1
    NOTEBOOK.write_text(text)
    print(f"wrote {NOTEBOOK} ({len(cells(SOURCE.read_text()))} cells)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
