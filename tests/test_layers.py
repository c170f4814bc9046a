"""The package's layers: imports flow one way, and no module imports itself back.

Every import counts, at module level, inside functions and under ``if TYPE_CHECKING:``;
they are read from the source with ``ast`` (this test's own tool, not the library's).
"""

from __future__ import annotations

import ast
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent / "functional_ad"

# Lowest first. A module may import its own layer and the layers below it, never above.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("engine", ("core", "views", "zeros", "tree")),
    ("primitives", ("ops",)),
    ("transforms", ("graph", "graph_text", "transforms", "control", "custom", "remat")),
    ("front end", ("numpy", "scipy", "special")),
    ("tools", ("tools",)),
    ("api", ("__init__", "__main__", "functional", "dask", "testing")),
]


def _module_name(path: pathlib.Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
        return ".".join(parts) + ".__init__"
    return ".".join(parts)


def _package_of(name: str) -> list[str]:
    parts = name.split(".")
    return parts[:-1]


def _imports(path: pathlib.Path) -> set[str]:
    """Every functional_ad module (or package) ``path`` imports, wherever the import is."""
    name = _module_name(path)
    package = _package_of(name)
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            if not module.startswith("functional_ad"):
                continue
            for alias in node.names:  # `from . import dispatch` imports a module
                candidate = f"{module}.{alias.name}"
                as_path = ROOT.parent / candidate.replace(".", "/")
                found.add(
                    candidate if as_path.with_suffix(".py").exists() or as_path.is_dir() else module
                )
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("functional_ad"))
    return found - {name}


def _layer(module: str) -> int:
    """The layer of ``functional_ad.x.y`` (or of ``functional_ad`` itself: the api)."""
    parts = module.split(".")
    top = parts[1] if len(parts) > 1 else "__init__"
    for index, (_, members) in enumerate(LAYERS):
        if top in members:
            return index
    raise AssertionError(f"{module} is in no layer: add its top-level name to LAYERS")


MODULES = {_module_name(p): _imports(p) for p in sorted(ROOT.rglob("*.py"))}


def test_every_module_has_a_layer():
    for module in MODULES:
        _layer(module)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_import_runs_up_a_layer(module):
    upward = sorted(
        f"{target} ({LAYERS[_layer(target)][0]})"
        for target in MODULES[module]
        if _layer(target) > _layer(module)
    )
    assert not upward, f"{module} ({LAYERS[_layer(module)][0]}) imports upward: {upward}"


def _resolve(target: str) -> str | None:
    """The module file an import names (a package stands for its ``__init__``)."""
    if target in MODULES:
        return target
    if f"{target}.__init__" in MODULES:
        return f"{target}.__init__"
    return None


def test_no_import_circles():
    graph = {m: {r for t in deps if (r := _resolve(t)) is not None} for m, deps in MODULES.items()}
    # a package's __init__ importing its own submodules is how a package is assembled
    for module, deps in graph.items():
        if module.endswith(".__init__"):
            package = module.removesuffix(".__init__")
            graph[module] = {d for d in deps if not d.startswith(package + ".")}
    state: dict[str, int] = {}
    cycles = []

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for dep in sorted(graph[module]):
            if state.get(dep) == 1:
                cycles.append(path[path.index(dep) :] + [dep] if dep in path else [module, dep])
            elif dep not in state:
                visit(dep, path + [dep])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert not cycles, "import circles: " + "; ".join(" -> ".join(c) for c in cycles)


FORBIDDEN = {
    "frame inspection": r"sys\._getframe|inspect\.(currentframe|stack|getouterframes)",
    "bytecode": r"^\s*import dis\b|^\s*from dis import|\bdis\.(get_instructions|Bytecode)|__code__",
    "setattr onto Tracer": r"setattr\(\s*(core\.)?Tracer\b|\bTracer\.\w+\s*=[^=]",
}


@pytest.mark.parametrize("what", sorted(FORBIDDEN))
def test_no_hidden_mechanisms(what):
    pattern = re.compile(FORBIDDEN[what], re.M)
    hits = []
    for path in sorted(ROOT.rglob("*.py")):
        source = path.read_text()
        for match in pattern.finditer(source):
            line = source[: match.start()].count("\n") + 1
            hits.append(f"{path.relative_to(ROOT.parent)}:{line}")
    assert not hits, f"{what} in {hits}"


def test_numpy_is_not_patched_at_import():
    import subprocess
    import sys

    code = (
        "import numpy as np\n"
        "import numpy._core.fromnumeric as fromnumeric\n"
        "before = {k: v for k, v in vars(np).items()}\n"
        "reduction = fromnumeric._wrapreduction\n"
        "import functional_ad as fad\n"
        "changed = [k for k, v in before.items() if vars(np).get(k) is not v]\n"
        "assert not changed, changed\n"
        "assert fromnumeric._wrapreduction is reduction\n"
        "fad.grad(lambda x: np.sum(np.array([x, x])))(1.0)\n"
        "changed = [k for k, v in before.items() if vars(np).get(k) is not v]\n"
        "assert not changed, changed\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT.parent)
