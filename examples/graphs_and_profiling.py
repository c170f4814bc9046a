"""Seeing and steering the computation: graphs, no_grad / enable_grad, and the profiler.

Run from the repository root:

    python examples/graphs_and_profiling.py [--out-dir DIR]

It follows the PyTorch autograd tutorial's "look inside" steps, done the functional way:
print the recorded graph of ``sum(2 sin(a) + 1)``, walk it back from the output to the leaf
(PyTorch: ``grad_fn.next_functions``), replay it on new values and differentiate the replay,
show the graph of a gradient, turn differentiation off and on with ``no_grad`` /
``enable_grad``, and profile a gradient. The DOT text of the graph is written to
``DIR/tutorial_graph.dot`` (and an SVG beside it when the ``graphviz`` package and program
are installed). Every check prints its verdict; the script exits with status 1 if any fails.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

# Running the file directly puts examples/ on sys.path, not the repository root.
REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import functional_ad as fad  # noqa: E402

failures: list[str] = []


def check(label: str, ok: bool) -> None:
    """Print a verdict and remember failures."""
    print(f"  [{'ok' if ok else 'FAILED'}] {label}")
    if not ok:
        failures.append(label)


def section(title: str) -> None:
    print(f"\n== {title} ==")


def tutorial(a):
    """The tutorial's computation, as a plain NumPy function."""
    b = np.sin(a)
    c = 2.0 * b
    d = c + 1.0
    return np.sum(d)


def show_graph(a: np.ndarray) -> fad.Graph:
    section("1. The recorded graph of sum(2 sin(a) + 1)")
    graph = fad.make_graph(tutorial)(a)
    print(graph)
    check(
        "the graph has sin, mul, add, sum in order",
        [node.name for node in graph.nodes] == ["sin", "mul", "add", "sum"],
    )
    return graph


def walk_back(graph: fad.Graph) -> None:
    section("2. Walking back from the output to the leaf (PyTorch: grad_fn.next_functions)")
    value = graph.outputs[0]
    while not value.is_leaf:
        node = value.node
        print(f"  {value.label} was made by {node.name!r}  ({node})")
        value = next(x for x in node.inputs if isinstance(x, fad.graph.Node))
    print(f"  {value.label} is a leaf: an input of the graph, {value.type}")
    check("the walk ends at the graph's input", value is graph.inputs[0])


def replay(graph: fad.Graph) -> None:
    section("3. Replaying the graph on new values, and differentiating the replay")
    x = np.random.default_rng(0).uniform(-3.0, 3.0, 25)
    check("graph(x) == tutorial(x)", bool(np.allclose(graph(x), tutorial(x))))
    check("grad(graph)(x) == 2 cos(x)", bool(np.allclose(fad.grad(graph)(x), 2 * np.cos(x))))


def graph_of_gradient() -> None:
    section("4. The graph of a gradient: forward and backward together")
    graph = fad.make_graph(fad.grad(lambda x: np.sum(np.sin(x) * x)))(np.ones(3))
    print(graph)
    x = np.array([0.5, -1.0, 2.0])
    check(
        "its replay is the gradient sin(x) + x cos(x)",
        bool(np.allclose(graph(x), np.sin(x) + x * np.cos(x))),
    )


def gradient_control() -> None:
    section("5. no_grad and enable_grad")

    def f(x):
        with fad.no_grad():
            scale = np.sin(x)  # a constant for grad
            with fad.enable_grad():
                square = x * x  # differentiated again
        return x * scale + square

    x = 0.7
    slope = fad.grad(f)(x)
    print(
        f"  d/dx [x * sin(x)|no_grad + x^2] at {x} = {slope:.6f}  (sin(x) + 2x = "
        f"{np.sin(x) + 2 * x:.6f})"
    )
    check("no_grad makes sin(x) a constant", bool(np.isclose(slope, np.sin(x) + 2 * x)))
    print(fad.make_graph(f)(x))


def profile_gradient() -> None:
    section("6. Profiling a gradient and a Hessian-vector product")

    def chain(x):
        for _ in range(10):
            x = np.tanh(x * 1.1 + 0.1)
        return np.sum(x)

    x = np.linspace(-1.0, 1.0, 1000)
    with fad.profile(record_shapes=True) as prof:
        fad.grad(chain)(x)
        fad.hvp(chain, (x,), (np.ones_like(x),))
    print(prof.table(top=10))
    seen = {(e.name, e.phase) for e in prof.events}
    check(
        "tanh appears in all three phases",
        {("tanh", p) for p in ("forward", "jvp rule", "vjp rule")} <= seen,
    )


def write_dot(graph: fad.Graph, out_dir: Path) -> None:
    section("7. Drawing the graph")
    out_dir.mkdir(parents=True, exist_ok=True)
    dot_path = out_dir / "tutorial_graph.dot"
    dot_path.write_text(graph.to_dot())
    print(f"  DOT text written to {dot_path}")
    check(
        "the DOT text is a digraph with one box per node",
        graph.to_dot().startswith('digraph "tutorial"') and graph.to_dot().count("->") == 6,
    )
    try:
        print(f"  SVG written to {graph.render(out_dir / 'tutorial_graph.svg')}")
    except ImportError as error:
        print(f"  (no image: {error})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out-dir",
        type=Path,
        default=Path(tempfile.gettempdir()),
        help="where to write the DOT file (default: the temporary directory)",
    )
    args = parser.parse_args()
    np.set_printoptions(precision=4, suppress=True)
    a = np.linspace(0.0, 2.0 * np.pi, 25)
    graph = show_graph(a)
    walk_back(graph)
    replay(graph)
    graph_of_gradient()
    gradient_control()
    profile_gradient()
    write_dot(graph, args.out_dir)
    if failures:
        print(f"\n{len(failures)} check(s) FAILED: {failures}")
        return 1
    print("\nOK: every check agrees")
    return 0


if __name__ == "__main__":
    sys.exit(main())
