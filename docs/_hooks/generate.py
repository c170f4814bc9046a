"""MkDocs hook: generate at build time the parts of the docs that come from the code.

Nothing generated is committed. Pages hold placeholders that this hook replaces:

- ``<!-- generated: NAME -->``: Markdown made by one of the ``GENERATORS`` below (the
  coverage table from ``python -m functional_ad coverage --markdown``, the output of
  ``examples/tour.py``, the rendered graph or its DOT text, a profiler table...);
- ``<!-- source: PATH::NAME -->``: the source of the top-level function or class ``NAME``
  in ``PATH`` (relative to the repository root), as a code block.

Images (the tour's plot, the rendered graph) are made in memory and added to the site as
generated files, so links to them are checked like any other. A generator that fails stops
the build; an unknown placeholder does too.
"""

from __future__ import annotations

import ast
import contextlib
import io
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parents[2]
log = logging.getLogger("mkdocs.hooks.generate")

# A placeholder alone on its line; its indentation is given to every line it is replaced by
# (so that it may sit inside an admonition or a tab).
GENERATED = re.compile(
    r"^(?P<indent>[ \t]*)<!--\s*generated:\s*(?P<name>[\w-]+)\s*-->[ \t]*$", re.MULTILINE
)
SOURCE = re.compile(
    r"^(?P<indent>[ \t]*)<!--\s*source:\s*(?P<path>[\w./-]+)::(?P<name>\w+)"
    r"\s*-->[ \t]*$",
    re.MULTILINE,
)

TOUR_PLOT = "images/tour-sin-and-gradient.png"
ODE_PLOT = "images/scipy-ode-fit.png"
GRAPH_IMAGE = "images/tutorial-graph.svg"
GROWTH_PLOT = "images/performance-growth.png"

_cache: dict[str, str] = {}  # generator name -> Markdown, for one build
_images: dict[str, bytes] = {}  # site path -> image bytes, for one build


# ----------------------------------------------------------------------------- helpers


def _run(args: list[str], what: str, cwd: Path | None = None) -> str:
    """Run a command with this interpreter; return its standard output or stop the build."""
    result = subprocess.run(
        [sys.executable, *args],
        check=False,
        cwd=cwd or ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if result.returncode != 0:
        raise PluginError(
            f"{what} failed (exit {result.returncode}):\n{result.stdout[-2000:]}"
            f"\n{result.stderr[-4000:]}"
        )
    return result.stdout


def _fenced(text: str, lang: str = "text", title: str | None = None) -> str:
    header = f"```{lang}" + (f' title="{title}"' if title else "")
    return f"{header}\n{text.rstrip()}\n```\n"


def _tutorial():
    """The seed tutorial's computation, as the docs draw it."""
    import numpy as np

    def tutorial(a):
        b = np.sin(a)
        c = 2.0 * b
        d = c + 1.0
        return np.sum(d)

    return tutorial, np.linspace(0.0, 2.0 * np.pi, 25)


def _graphviz_available() -> bool:
    """True if the graphviz package and the ``dot`` program are both there.

    Set ``FUNCTIONAL_AD_DOCS_NO_GRAPHVIZ=1`` to build as if they were not (to check the
    fallback to DOT text)."""
    if os.environ.get("FUNCTIONAL_AD_DOCS_NO_GRAPHVIZ"):
        return False
    try:
        import graphviz  # noqa: F401
    except ImportError:
        return False
    return shutil.which("dot") is not None


# ----------------------------------------------------------------------------- generators


def coverage_table() -> str:
    """The registry's coverage table, as printed by the command line."""
    return _run(["-m", "functional_ad", "coverage", "--markdown"], "the coverage command")


def _run_tour() -> tuple[str, bytes]:
    """Run ``examples/tour.py``; return what it prints and the PNG of its plot."""
    with tempfile.TemporaryDirectory() as scratch:  # the tour may write files to its cwd
        plot = Path(scratch) / "sin_and_gradient.png"
        out = _run(
            [str(ROOT / "examples" / "tour.py"), "--plot", str(plot)],
            "examples/tour.py",
            cwd=Path(scratch),
        )
        if not plot.is_file():
            raise PluginError(
                "examples/tour.py saved no plot: the docs need matplotlib "
                "(pip install '.[docs]')\n" + out[-2000:]
            )
        return out.replace(str(plot), "sin_and_gradient.png"), plot.read_bytes()


def tour_output() -> str:
    """What ``examples/tour.py`` prints (it exits non-zero if any step disagrees)."""
    out, image = _run_tour()
    _images[TOUR_PLOT] = image
    return _fenced(out, "text", "python examples/tour.py")


def tour_plot() -> str:
    """The tutorial's plot, as saved by the tour: sin(a) and the gradient of its sum."""
    _generate("tour-output")  # runs the tour, which saves the plot
    return (
        f"![sin(a), and the gradient of sum(2 sin(a) + 1) computed by grad, on top of "
        f"2 cos(a)]({TOUR_PLOT})\n"
    )


def graph_image() -> str:
    """The tutorial's graph drawn by Graphviz, or its DOT text when Graphviz is missing."""
    import functional_ad as fad

    tutorial, a = _tutorial()
    graph = fad.make_graph(tutorial)(a)
    if _graphviz_available():
        with tempfile.TemporaryDirectory() as scratch:
            path = graph.render(str(Path(scratch) / "graph.svg"))
            _images[GRAPH_IMAGE] = Path(path).read_bytes()
        return f"![The graph of sum(2 sin(a) + 1), drawn by Graph.render]({GRAPH_IMAGE})\n"
    log.info("graphviz is not installed: the graphs page shows the DOT text instead")
    return (
        '!!! note "Graphviz was not installed when this page was built"\n'
        "    Here is the DOT text that `graph.render` would draw:\n\n"
        + "\n".join("    " + line for line in _fenced(graph.to_dot(), "dot").splitlines())
        + "\n"
    )


def graph_dot() -> str:
    """The DOT text of the tutorial's graph."""
    import functional_ad as fad

    tutorial, a = _tutorial()
    return _fenced(fad.make_graph(tutorial)(a).to_dot(), "dot")


def profile_table() -> str:
    """A profiler table of grad and hvp of a tanh chain, as measured during the build."""
    import numpy as np

    import functional_ad as fad

    def chain(x):
        for _ in range(10):
            x = np.tanh(x * 1.1 + 0.1)
        return np.sum(x)

    x = np.linspace(-1.0, 1.0, 1000)
    with fad.profile(record_shapes=True) as prof:
        fad.grad(chain)(x)
        fad.hvp(chain, (x,), (np.ones_like(x),))
    return _fenced(prof.table(top=12), "text", "print(prof.table(top=12))")


def profile_table_by_shape() -> str:
    """The same kind of table grouped by input shapes."""
    import numpy as np

    import functional_ad as fad

    def model(w, x):
        return np.sum(np.tanh(x @ w) ** 2)

    rng = np.random.default_rng(0)
    w = rng.standard_normal((64, 32))
    with fad.profile(record_shapes=True) as prof:
        for batch in (8, 128):
            fad.grad(model)(w, rng.standard_normal((batch, 64)))
    return _fenced(
        prof.table(group_by_shape=True, top=8),
        "text",
        "print(prof.table(group_by_shape=True, top=8))",
    )


def ode_fit() -> str:
    """What ``examples/ode_fit.py`` prints, and its plot of the fitted trajectories."""
    with tempfile.TemporaryDirectory() as scratch:
        plot = Path(scratch) / "ode_fit.png"
        out = _run([str(ROOT / "examples" / "ode_fit.py"), "--plot", str(plot)],
                   "examples/ode_fit.py", cwd=Path(scratch))  # fmt: skip
        if not plot.is_file():
            raise PluginError("examples/ode_fit.py saved no plot: the docs need matplotlib")
        _images[ODE_PLOT] = plot.read_bytes()
    out = out.replace(str(plot), "ode_fit.png")
    return (
        _fenced(out, "text", "python examples/ode_fit.py")
        + f"\n![Observed and fitted prey and predator counts]({ODE_PLOT})\n"
    )


def growth_plot() -> str:
    """A quick run of ``benchmarks/growth.py``: its table and its log-log plot."""
    with tempfile.TemporaryDirectory() as scratch:
        plot = Path(scratch) / "growth.png"
        out = _run([str(ROOT / "benchmarks" / "growth.py"), "--quick", "--repeats", "1",
                    "--plot", str(plot)], "benchmarks/growth.py", cwd=Path(scratch))  # fmt: skip
        if not plot.is_file():
            raise PluginError("benchmarks/growth.py saved no plot: the docs need matplotlib")
        _images[GROWTH_PLOT] = plot.read_bytes()
    out = out.replace(str(plot), "growth.png")
    return (
        _fenced(out, "text", "python benchmarks/growth.py --quick --repeats 1 --plot growth.png")
        + f"\n![Time against size, log-log, with fitted slopes]({GROWTH_PLOT})\n"
    )


def coverage_scipy() -> str:
    """The SciPy modules' sections of ``coverage --by-module --markdown``."""
    out = _run(
        ["-m", "functional_ad", "coverage", "--by-module", "--markdown"], "the coverage command"
    )
    sections = out.split("\n## ")
    kept = [s for s in sections if s.startswith("scipy.")]
    return "\n".join("### " + s.split("\n\n")[0] + "\n\n" + s.split("\n\n")[1] + "\n"
                     for s in kept)  # fmt: skip


GENERATORS: dict[str, Callable[[], str]] = {
    "ode-fit": ode_fit,
    "growth": growth_plot,
    "coverage-scipy": coverage_scipy,
    "coverage": coverage_table,
    "tour-output": tour_output,
    "tour-plot": tour_plot,
    "graph-image": graph_image,
    "graph-dot": graph_dot,
    "profile-table": profile_table,
    "profile-table-by-shape": profile_table_by_shape,
}


def source_of(path: str, name: str) -> str:
    """The source of top-level function or class ``name`` in ``path``, decorators included."""
    file = ROOT / path
    if not file.is_file():
        raise PluginError(f"source placeholder: {path} does not exist")
    text = file.read_text()
    for node in ast.parse(text).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name == name:
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            lines = text.splitlines()[first - 1 : node.end_lineno]
            return _fenced("\n".join(lines), "python", path)
    raise PluginError(f"source placeholder: no top-level function or class {name!r} in {path}")


# ----------------------------------------------------------------------------- mkdocs events


def _generate(name: str) -> str:
    if name not in GENERATORS:
        raise PluginError(f"unknown placeholder 'generated: {name}'; known: {sorted(GENERATORS)}")
    if name not in _cache:
        log.info("generating %s", name)
        with contextlib.redirect_stdout(io.StringIO()):
            _cache[name] = GENERATORS[name]()
    return _cache[name]


def on_config(config):
    """Start every build (``mkdocs serve`` rebuilds too) from fresh code and empty caches."""
    _cache.clear()
    _images.clear()
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    return config


def on_files(files: Files, config) -> Files:
    """Make the images now, so that pages may link to them."""
    _generate("tour-plot")
    _generate("graph-image")
    _generate("ode-fit")
    _generate("growth")
    for site_path, content in _images.items():
        files.append(File.generated(config, site_path, content=content))
    return files


def _indented(text: str, indent: str) -> str:
    return "\n".join(indent + line if line.strip() else "" for line in text.splitlines())


def on_page_markdown(markdown: str, page, config, files) -> str:
    """Replace the placeholders of one page."""
    markdown = GENERATED.sub(
        lambda m: _indented(_generate(m.group("name")), m.group("indent")), markdown
    )
    return SOURCE.sub(
        lambda m: _indented(source_of(m.group("path"), m.group("name")), m.group("indent")),
        markdown,
    )
