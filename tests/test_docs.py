"""The documentation runs: every Python block in docs/ and every docstring example.

- Each page under ``docs/`` is one test. Its fenced ``python`` blocks are executed in order
  in one namespace (a page reads like a notebook: later blocks use names from earlier ones),
  and its ``pycon`` blocks (``>>>`` prompts with the expected output) are checked by doctest
  in the same namespace.
- A block preceded by ``<!-- test: needs MODULE -->`` runs only when ``MODULE`` can be
  imported (``graphviz`` rendering needs the optional ``viz`` extra and the ``dot``
  program); nothing else may be skipped.
- Each module of the package is one test: its docstring examples run under doctest with
  ``ELLIPSIS`` and ``NORMALIZE_WHITESPACE``.
- Shell blocks: every ``python ...`` command runs from the repository root and must exit 0;
  install and build commands (``pip install``, ``python3 -m venv``, ``mkdocs build``) are
  left to CI, and any other command fails the test until it is classified.
- Excerpts (``<!-- source: examples/...::NAME -->``, filled in by the docs build): each
  excerpted step of an example (a function taking ``checks``) is run and every check must
  agree, and every other excerpted function must be used by an excerpted step.

The blocks run with the repository root as the working directory; blocks that write files
write them into temporary directories of their own.
"""

from __future__ import annotations

import doctest
import importlib
import importlib.util
import pkgutil
import re
import shutil
import textwrap
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

import functional_ad

REPO_ROOT = Path(__file__).resolve().parents[1]
DOCS = REPO_ROOT / "docs"
DOCTEST_FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE

# An opening fence at the start of a line: ```python, ```pycon, ```python title="x.py" ...
FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<lang>[\w+-]*)(?P<rest>.*)$")
NEEDS = re.compile(r"<!--\s*test:\s*needs\s+(?P<module>[\w.]+)\s*-->")


@dataclass
class Block:
    """One fenced code block of a page."""

    lang: str
    code: str
    line: int  # 1-based line of the opening fence
    needs: str | None  # a module the block needs, from a preceding ``test: needs`` comment


def code_blocks(text: str) -> list[Block]:
    """Return the fenced blocks of a Markdown page, in order (nested indentation removed)."""
    lines = text.splitlines()
    blocks = []
    needs = None
    i = 0
    while i < len(lines):
        marker = NEEDS.search(lines[i])
        if marker:
            needs = marker.group("module")
            i += 1
            continue
        match = FENCE.match(lines[i])
        if not match:
            if lines[i].strip():
                needs = None  # the marker applies to the block right after it
            i += 1
            continue
        fence, indent = match.group("fence"), match.group("indent")
        start = i
        body = []
        i += 1
        while i < len(lines) and not lines[i].strip().startswith(fence):
            body.append(lines[i].removeprefix(indent))
            i += 1
        i += 1  # the closing fence
        blocks.append(
            Block(match.group("lang").lower(), textwrap.dedent("\n".join(body)), start + 1, needs)
        )
        needs = None
    return blocks


def test_code_blocks_are_found():
    text = (
        "intro\n<!-- test: needs graphviz -->\n```python\nx = 1\n```\n\n```pycon\n>>> 1\n1\n```\n"
    )
    blocks = code_blocks(text)
    assert [(b.lang, b.needs, b.line) for b in blocks] == [
        ("python", "graphviz", 3),
        ("pycon", None, 7),
    ]
    assert blocks[0].code == "x = 1"


def _pages() -> list[Path]:
    return sorted(
        p
        for p in DOCS.rglob("*.md")
        if not any(part.startswith("_") for part in p.relative_to(DOCS).parts)
    )


def _available(module: str) -> bool:
    if importlib.util.find_spec(module) is None:
        return False
    if module == "graphviz":  # the Python package alone cannot draw: it calls `dot`
        return shutil.which("dot") is not None
    return True


def _run_pycon(block: Block, namespace: dict, name: str) -> None:
    parser = doctest.DocTestParser()
    test = parser.get_doctest(block.code, namespace, name, name, block.line)
    runner = doctest.DocTestRunner(optionflags=DOCTEST_FLAGS)
    report: list[str] = []
    runner.run(test, out=report.append, clear_globs=False)
    if runner.failures:
        pytest.fail("".join(report), pytrace=False)


@pytest.fixture
def in_repo_root(monkeypatch):
    monkeypatch.chdir(REPO_ROOT)


@pytest.mark.parametrize("page", _pages(), ids=lambda p: str(p.relative_to(DOCS)))
def test_page_code_runs(page: Path, in_repo_root) -> None:
    """Every python and pycon block of the page runs, top to bottom, in one namespace."""
    blocks = [b for b in code_blocks(page.read_text()) if b.lang in ("python", "py", "pycon")]
    namespace: dict = {"__name__": f"docs_{page.stem.replace('-', '_')}"}
    printoptions = np.get_printoptions()
    try:
        for block in blocks:
            name = f"{page.relative_to(REPO_ROOT)}:{block.line}"
            if block.needs and not _available(block.needs):
                continue
            if block.lang == "pycon":
                _run_pycon(block, namespace, name)
                continue
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", RuntimeWarning)  # pages show NaN traps
                    # padded so that tracebacks give the line numbers of the page
                    code = "\n" * block.line + block.code
                    exec(compile(code, str(page.relative_to(REPO_ROOT)), "exec"), namespace)
            except Exception as error:
                raise AssertionError(
                    f"the code block at {name} raised {type(error).__name__}: {error}"
                ) from error
    finally:
        np.set_printoptions(**printoptions)


def _modules() -> list[str]:
    names = ["functional_ad"]
    for info in pkgutil.walk_packages(functional_ad.__path__, "functional_ad."):
        if info.name.endswith("__main__"):
            continue
        names.append(info.name)
    return sorted(names)


@pytest.mark.parametrize("module_name", _modules())
def test_docstring_examples_run(module_name: str) -> None:
    """Every ``>>>`` example in the module's docstrings gives the output it shows."""
    module = importlib.import_module(module_name)
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=DOCTEST_FLAGS)
    report: list[str] = []
    for test in finder.find(module, module_name):
        runner.run(test, out=report.append)
    if runner.failures:
        pytest.fail("".join(report), pytrace=False)


def test_public_api_is_documented() -> None:
    """Every name in ``functional_ad.__all__`` appears in the API reference."""
    reference = "\n".join(p.read_text() for p in (DOCS / "api").glob("*.md"))
    missing = []
    for name in functional_ad.__all__:
        defined_in = getattr(getattr(functional_ad, name), "__module__", "functional_ad")
        paths = (f"::: functional_ad.{name}\n", f"::: {defined_in}.{name}\n")
        if not any(path in reference for path in paths):
            missing.append(name)
    assert not missing, f"add these to a page under docs/api/: {missing}"


def test_public_functions_have_examples() -> None:
    """Each public function or class has a docstring with an example (exceptions excepted)."""
    lacking = []
    for name in functional_ad.__all__:
        obj = getattr(functional_ad, name)
        if isinstance(obj, type) and issubclass(obj, BaseException):
            continue
        doc = getattr(obj, "__doc__", None) or ""
        if not doc.strip() or ">>>" not in doc:
            lacking.append(name)
    assert not lacking, f"public names without a docstring example: {lacking}"


def test_getting_started_shows_the_readme_commands() -> None:
    """The two set-up commands of the README appear verbatim on the Getting started page."""
    readme = [
        b.code.strip()
        for b in code_blocks((REPO_ROOT / "README.md").read_text())
        if b.lang in ("bash", "sh", "console")
    ]
    page = [
        b.code.strip()
        for b in code_blocks((DOCS / "getting-started.md").read_text())
        if b.lang in ("bash", "sh", "console")
    ]
    commands = [c for c in readme if c.startswith("python3 -m venv")]
    assert len(commands) == 2
    for command in commands:
        assert command in page, f"docs/getting-started.md lacks the README command: {command}"


SOURCE_PLACEHOLDER = re.compile(r"<!--\s*source:\s*(?P<path>[\w./-]+)::(?P<name>\w+)\s*-->")


def test_source_excerpts_exist() -> None:
    """Every ``<!-- source: PATH::NAME -->`` excerpt names a top-level definition that exists
    (the docs build would fail otherwise; this says so without building)."""
    import ast

    missing = []
    for page in _pages():
        for match in SOURCE_PLACEHOLDER.finditer(page.read_text()):
            path, name = match.group("path"), match.group("name")
            file = REPO_ROOT / path
            names = (
                {
                    node.name
                    for node in ast.parse(file.read_text()).body
                    if isinstance(node, (ast.FunctionDef, ast.ClassDef))
                }
                if file.is_file()
                else set()
            )
            if name not in names:
                missing.append(f"{page.relative_to(REPO_ROOT)}: {path}::{name}")
    assert not missing, f"excerpts of definitions that no longer exist: {missing}"


# Shell commands of the docs: ``python ...`` lines are run; installs and builds are left to CI
# (which runs them from .ci/run); anything else must be classified here first.
# (``dask scheduler`` / ``dask worker`` start a cluster's services on its machines.)
NOT_RUN = (
    "pip install",
    "python3 -m venv",
    "mkdocs build",
    "mkdocs serve",
    "dask scheduler",
    "dask worker",
)


def _shell_commands() -> list[tuple[str, str]]:
    commands = []
    for page in _pages():
        for block in code_blocks(page.read_text()):
            if block.lang not in ("bash", "sh", "console"):
                continue
            for line in block.code.splitlines():
                command = line.split("  #")[0].split(" # ")[0].strip()
                if command:
                    commands.append((f"{page.relative_to(DOCS)}:{block.line}", command))
    return commands


def test_shell_commands_are_classified() -> None:
    """Every command shown in a bash block is either run below or an install/build step."""
    unknown = [
        (where, c)
        for where, c in _shell_commands()
        if not c.startswith("python ") and not c.startswith(NOT_RUN)
    ]
    assert not unknown, f"classify these commands in tests/test_docs.py: {unknown}"


@pytest.mark.parametrize(
    "where,command",
    [(w, c) for w, c in _shell_commands() if c.startswith("python ")],
    ids=lambda x: x,
)
def test_shell_command_runs(where: str, command: str, tmp_path: Path) -> None:
    """A ``python ...`` command of the docs runs from the repository root and exits 0."""
    import shlex
    import subprocess
    import sys

    args = [sys.executable, *shlex.split(command)[1:]]
    env = {**__import__("os").environ, "TMPDIR": str(tmp_path), "MPLBACKEND": "Agg"}
    result = subprocess.run(
        args, cwd=REPO_ROOT, capture_output=True, text=True, timeout=600, check=False, env=env
    )
    assert result.returncode == 0, (
        f"{where}: `{command}` failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}"
    )


def _load_example(path: Path):
    spec = importlib.util.spec_from_file_location(f"docs_example_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _pages_with_example_excerpts() -> list[Path]:
    return [
        p
        for p in _pages()
        if any(
            m.group("path").startswith("examples/")
            for m in SOURCE_PLACEHOLDER.finditer(p.read_text())
        )
    ]


def test_some_pages_show_example_excerpts() -> None:
    assert DOCS / "tour.md" in _pages_with_example_excerpts()


@pytest.mark.parametrize(
    "page", _pages_with_example_excerpts(), ids=lambda p: str(p.relative_to(DOCS))
)
def test_source_excerpts_of_examples_run(page: Path, in_repo_root) -> None:
    """Excerpts of examples/ shown on a page run: each excerpted step of the tour (a function
    taking ``checks``) is called and every check agrees; each other excerpted function is
    used by an excerpted step of the same page."""
    import ast
    import inspect

    excerpts: dict[str, list[str]] = {}
    for match in SOURCE_PLACEHOLDER.finditer(page.read_text()):
        if match.group("path").startswith("examples/"):
            excerpts.setdefault(match.group("path"), []).append(match.group("name"))
    printoptions = np.get_printoptions()
    try:
        for path, names in excerpts.items():
            module = _load_example(REPO_ROOT / path)
            steps, helpers = [], []
            for name in names:
                function = getattr(module, name)
                params = list(inspect.signature(function).parameters)
                (steps if params[:1] == ["checks"] else helpers).append(function)
            for step in steps:
                checks = module.Checks()
                step(checks)
                assert checks.total > 0 and not checks.disagreements, (
                    f"{path}::{step.__name__} disagrees: {checks.disagreements}"
                )

            def names_in(function):
                tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
                return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}

            used = set().union(*(names_in(step) for step in steps)) if steps else set()
            grew = True
            while grew:  # helpers used by used helpers (predict, through loss)
                before = len(used)
                for helper in helpers:
                    if helper.__name__ in used:
                        used |= names_in(helper)
                grew = len(used) > before
            unused = [h.__name__ for h in helpers if h.__name__ not in used]
            assert not unused, f"{page.name} shows {unused} but shows no step that runs them"
    finally:
        np.set_printoptions(**printoptions)
