"""A tour of functional_ad: PyTorch's "Autograd basics" tutorial, done the functional way.

Run it from the repository root or from anywhere else:

    python examples/tour.py [--plot PATH]

It follows the tutorial in order: a first gradient (with the tutorial's plot), the recorded
graph and the walk back to its leaf, choosing which inputs are differentiated, a small model
trained with SGD, turning differentiation off and on, mutation, the profiler, vector-Jacobian
products through a loop, and the high-level API (jacobian, hessian, vjp, jvp, hvp, vhp).

Each step computes something with functional_ad, prints it beside its closed form and checks
that the two agree (np.allclose). The script exits with status 1 if any step disagrees and
prints a final OK line otherwise. It needs only NumPy; with matplotlib installed (the `plot`
extra) it also saves the tutorial's plot as a PNG, by default in the temporary directory.

The difference from the tutorial in one sentence: nothing is attached to arrays. There is
no ``requires_grad``, no ``.backward()`` and no ``.grad`` field. A transform takes a function
and returns a new function, and gradients are that function's return values.
"""

from __future__ import annotations

import argparse
import functools
import itertools
import sys
import tempfile
import textwrap
import traceback
from collections.abc import Callable
from pathlib import Path

import numpy as np

# Running the file directly puts examples/ on sys.path, not the repository root. (In the
# notebook made from this file there is no __file__; its kernel runs in examples/.)
HERE = Path(__file__).resolve().parent if "__file__" in globals() else Path.cwd()
REPO_ROOT = HERE.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import functional_ad as fad  # noqa: E402
from functional_ad import functional  # noqa: E402  (PyTorch's autograd.functional calls)

np.set_printoptions(precision=4, suppress=True, linewidth=100)

DEFAULT_PLOT_PATH = Path(tempfile.gettempdir()) / "functional_ad_tour" / "sin_and_gradient.png"


# ---------------------------------------------------------------------------
# Printing and checking
# ---------------------------------------------------------------------------


class Checks:
    """Count how many computed results disagree with their closed forms."""

    def __init__(self) -> None:
        self.total = 0
        self.disagreements: list[str] = []

    def compare(self, label: str, computed, closed_form, show_values: bool = True) -> None:
        """Print ``computed`` beside ``closed_form`` (matching trees of arrays); record the verdict.

        With ``show_values=False`` only the largest absolute difference is printed.
        """
        computed_leaves, computed_tree = fad.tree_flatten(computed)
        expected_leaves, expected_tree = fad.tree_flatten(closed_form)
        agree = len(computed_leaves) == len(expected_leaves) and all(
            np.shape(got) == np.shape(want) and np.allclose(got, want)
            for got, want in zip(computed_leaves, expected_leaves, strict=True)
        )
        self._record(label, agree, "agrees" if agree else "DISAGREES")
        if not show_values and agree:
            largest = max(
                np.max(np.abs(np.subtract(got, want)), initial=0.0)
                for got, want in zip(computed_leaves, expected_leaves, strict=True)
            )
            print(f"    {len(computed_leaves)} arrays, largest |difference| = {largest:.1e}")
            return
        # not strict: when the trees differ, print the leaves they share, then say so
        for got, want in zip(computed_leaves, expected_leaves, strict=False):
            print(f"    computed    {format_leaf(got)}")
            print(f"    closed form {format_leaf(want)}")
        if len(computed_leaves) != len(expected_leaves):
            print(f"    trees differ: {computed_tree} vs {expected_tree}")

    def same(self, label: str, computed, expected) -> None:
        """Print a non-array result (names, counts) beside the expected one; record the verdict."""
        agree = computed == expected
        self._record(label, agree, "agrees" if agree else "DISAGREES")
        print(f"    computed {computed}")
        print(f"    expected {expected}")

    def require(self, label: str, condition: bool) -> None:
        """Record a yes/no check that has no array to print."""
        self._record(label, condition, "yes" if condition else "NO")

    def raises(
        self, label: str, action: Callable[[], object], error: type | tuple, mentions: str
    ) -> None:
        """Check that ``action()`` raises ``error`` whose message (or cause) mentions a fix."""
        try:
            action()
        except error as raised:
            message = str(raised)
            if raised.__cause__ is not None:  # the fix may be in the error it was raised from
                message += f" [caused by: {raised.__cause__}]"
            mentioned = mentions in message
            self._record(label, mentioned, "yes" if mentioned else "NO")
            print(f"    {type(raised).__name__}: {message}")
            if not mentioned:
                print(f"    (expected the message to mention {mentions!r})")
            return
        self._record(label, False, "NO (nothing was raised)")

    def _record(self, label: str, ok: bool, verdict: str) -> None:
        self.total += 1
        if not ok:
            self.disagreements.append(label)
        print(f"  {label}: {verdict}")


def format_leaf(value, max_items: int = 9) -> str:
    """Return a one-line rendering of an array, shortened to its first items when long."""
    array = np.asarray(value)
    if array.size <= max_items:
        return np.array2string(array, separator=", ").replace("\n", "")
    head = np.array2string(array.ravel()[:max_items], separator=", ")
    return f"{head[:-1]}, ...] (first {max_items} of shape {array.shape})"


class Picture:
    """A matplotlib figure that a notebook shows as a PNG (a returned Figure needs pyplot)."""

    def __init__(self, figure) -> None:
        self.figure = figure

    def _repr_png_(self) -> bytes:
        import io

        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png")
        return buffer.getvalue()


def section(title: str) -> None:
    """Print a step header."""
    print(f"\n== {title} ==")


# ---------------------------------------------------------------------------
# 1. A simple example: d/da sum(2 sin(a) + 1) = 2 cos(a)
# ---------------------------------------------------------------------------


def sine_computation(a):
    """The tutorial's computation: b = sin(a), c = 2 b, d = c + 1, out = sum(d)."""
    b = np.sin(a)
    c = 2 * b
    d = c + 1
    return np.sum(d)  # grad needs a scalar output, like .backward() without arguments


def sin_example(checks: Checks, plot_path: Path | None = DEFAULT_PLOT_PATH):
    """The tutorial's first computation, as a function of ``a`` rather than a tracked tensor."""
    section("1. grad of sum(2*sin(a) + 1)")
    # Tutorial: a = torch.linspace(0, 2 pi, 25, requires_grad=True); ...; out.backward(); a.grad
    # Here: `a` is a plain ndarray, before and after. The history is recorded while grad runs
    # the function, used once and dropped.
    a = np.linspace(0.0, 2.0 * np.pi, 25)
    grad_f = fad.grad(sine_computation)
    print(f"  {grad_f.__name__}(a), a = linspace(0, 2 pi, 25)")
    gradient = grad_f(a)
    checks.compare("d/da = 2 cos(a)", gradient, 2.0 * np.cos(a))
    figure = save_sin_plot(a, gradient, plot_path)
    return None if figure is None else Picture(figure)  # a notebook shows it


def new_figure(figsize: tuple[float, float]):
    """A matplotlib Figure that needs no display (None without matplotlib, said once)."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        print(
            "  (no plot: matplotlib is not installed; "
            "pip install 'functional_ad[plot]' or pip install matplotlib)"
        )
        return None
    return Figure(figsize=figsize, layout="constrained")


def save_sin_plot(a: np.ndarray, gradient: np.ndarray, path: Path | None):
    """Draw sin(a) and the computed gradient (the tutorial's two plots); save a PNG at ``path``.

    matplotlib is optional (the ``plot`` extra): without it, say so and go on. Returns the
    figure (None without matplotlib).
    """
    figure = new_figure((7, 3.6))
    if figure is None:
        return None
    # The tutorial calls .detach() before plotting; here there is nothing to detach.
    axes = figure.subplots()
    axes.plot(a, np.sin(a), label="sin(a)")
    axes.plot(a, gradient, "o-", markersize=4, label="grad(f)(a), f(a) = sum(2 sin(a) + 1)")
    axes.plot(a, 2.0 * np.cos(a), "k:", label="2 cos(a), the closed form")
    axes.set_xlabel("a")
    axes.legend(loc="lower left", fontsize=8)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(path)
        print(f"  plot of sin(a) and its gradient saved to {path}")
    return figure


# ---------------------------------------------------------------------------
# 2. The history: print the recorded graph and walk it back to the leaf
# ---------------------------------------------------------------------------


def printing_the_graph(checks: Checks) -> fad.Graph:
    """make_graph is the counterpart of grad_fn: the history, as a value you ask for."""
    section("2. the recorded graph, walked back to its leaf")
    # Tutorial: print(b) shows grad_fn=<SinBackward>; d.grad_fn.next_functions leads back to a.
    a = np.linspace(0.0, 2.0 * np.pi, 25)
    graph = fad.make_graph(sine_computation)(a)
    print(textwrap.indent(str(graph), "  "))
    checks.same(
        "primitives in execution order",
        [node.name for node in graph.nodes],
        ["sin", "mul", "add", "sum"],
    )

    # From the output, follow the node that made each value to its inputs (node.next_nodes is
    # the counterpart of grad_fn.next_functions) until reaching a leaf: an input of the graph.
    value = graph.outputs[0]
    walked = []
    while not value.is_leaf:
        node = value.node
        print(f"  {value.label} was made by {node.name!r}: {node}")
        walked.append(node.name)
        value = next(operand for operand in node.inputs if isinstance(operand, fad.graph.Node))
    print(f"  {value.label} is a leaf: an input of the graph, {value.type}")
    checks.same("walk from the output back to the leaf", walked, ["sum", "add", "mul", "sin"])
    checks.require("the walk ends at the graph's input a", value is graph.inputs[0])

    # Unlike grad_fn, the graph is also a function: replay it, or differentiate the replay.
    checks.compare(
        "grad(graph)(a) = 2 cos(a)", fad.grad(graph)(a), 2.0 * np.cos(a), show_values=False
    )
    return graph  # a notebook draws it


# ---------------------------------------------------------------------------
# 3. Gradients only for the inputs you choose: argnums instead of requires_grad
# ---------------------------------------------------------------------------


def weighted_sine(weights, inputs):
    """Return sum(weights * sin(inputs))."""
    return np.sum(weights * np.sin(inputs))


def choosing_inputs(checks: Checks) -> None:
    """argnums says which arguments are differentiated; the others are constants."""
    section("3. argnums: gradients only for the chosen inputs")
    # Tutorial: requires_grad=True on some tensors (and a.requires_grad = False to stop).
    # Here: the tensors stay plain; the transform is told which arguments to differentiate.
    weights = np.array([1.0, 2.0, 3.0])
    inputs = np.array([0.1, 0.5, 1.0])
    checks.compare(
        "argnums=0: d/dweights = sin(inputs)",
        fad.grad(weighted_sine, argnums=0)(weights, inputs),
        np.sin(inputs),
    )
    checks.compare(
        "argnums=1: d/dinputs = weights cos(inputs)",
        fad.grad(weighted_sine, argnums=1)(weights, inputs),
        weights * np.cos(inputs),
    )
    checks.compare(
        "argnums=(0, 1): one gradient per argument, as a tuple",
        fad.grad(weighted_sine, argnums=(0, 1))(weights, inputs),
        (np.sin(inputs), weights * np.cos(inputs)),
    )

    # An argument that is not chosen records no history: sin(inputs) is a constant of the graph.
    graph = fad.make_graph(weighted_sine, argnums=0)(weights, inputs)
    print(textwrap.indent(str(graph), "  "))
    checks.same(
        "with argnums=0 the graph holds only mul and sum",
        [node.name for node in graph.nodes],
        ["mul", "sum"],
    )
    # As only floating-point tensors can require grad, only float arguments can be chosen.
    checks.raises(
        "an integer argument cannot be differentiated",
        lambda: fad.grad(weighted_sine, argnums=1)(weights, np.array([0, 1, 2])),
        TypeError,
        mentions="dtype",
    )


# ---------------------------------------------------------------------------
# 4. Autograd in a training loop: parameters are a dict, gradients are a dict
# ---------------------------------------------------------------------------


def init_params(rng: np.random.Generator, n_in: int, n_hidden: int, n_out: int) -> dict:
    """Return the weights of a one-hidden-layer tanh network as a dict of arrays."""
    return {
        "W1": rng.standard_normal((n_in, n_hidden)) / np.sqrt(n_in),
        "b1": np.zeros(n_hidden),
        "W2": rng.standard_normal((n_hidden, n_out)) / np.sqrt(n_hidden),
        "b2": np.zeros(n_out),
    }


def predict(params: dict, inputs):
    """Return tanh(inputs @ W1 + b1) @ W2 + b2."""
    hidden = np.tanh(inputs @ params["W1"] + params["b1"])
    return hidden @ params["W2"] + params["b2"]


def loss(params: dict, inputs, ideal):
    """Return the squared distance between prediction and ideal output (the tutorial's loss)."""
    return np.sum((ideal - predict(params, inputs)) ** 2)


def loss_grad_by_hand(params: dict, inputs, ideal) -> dict:
    """Return d loss / d params, back-propagated by hand with plain NumPy (the closed form)."""
    hidden = np.tanh(inputs @ params["W1"] + params["b1"])
    residual_bar = 2.0 * (hidden @ params["W2"] + params["b2"] - ideal)
    pre_activation_bar = (residual_bar @ params["W2"].T) * (1.0 - hidden**2)
    return {
        "W1": inputs.T @ pre_activation_bar,
        "b1": pre_activation_bar.sum(axis=0),
        "W2": hidden.T @ residual_bar,
        "b2": residual_bar.sum(axis=0),
    }


def sgd_step(params: dict, grads: dict, learning_rate: float) -> dict:
    """Return new parameters p - lr * g, leaf by leaf (the optimizer's step, without mutation)."""
    return fad.tree_map(lambda param, grad: param - learning_rate * grad, params, grads)


def add_trees(*trees: dict) -> dict:
    """Return the leaf-by-leaf sum of gradient trees (accumulation, written on purpose)."""
    return fad.tree_map(lambda *leaves: sum(leaves), *trees)


def training_loop(checks: Checks) -> None:
    """SGD steps with value_and_grad; no zero_grad because nothing accumulates by itself."""
    section("4. a small model trained with SGD")
    rng = np.random.default_rng(1)
    inputs = rng.standard_normal((16, 5))
    ideal = rng.standard_normal((16, 2))
    params = init_params(rng, n_in=5, n_hidden=8, n_out=2)
    loss_and_grad = fad.value_and_grad(loss)  # differentiates argument 0: the params dict

    # Tutorial: loss.backward() fills layer.weight.grad; the weights change only at step().
    weights_before = params["W2"][0].copy()
    value, grads = loss_and_grad(params, inputs, ideal)
    checks.compare(
        "grad wrt params dict (hand-written backprop)",
        grads,
        loss_grad_by_hand(params, inputs, ideal),
        show_values=False,
    )
    checks.compare("computing grads leaves the weights alone", params["W2"][0], weights_before)
    new_params = sgd_step(params, grads, learning_rate=0.01)
    checks.compare(
        "the step returns new weights W2 - lr * dW2",
        new_params["W2"][0],
        weights_before - 0.01 * grads["W2"][0],
    )

    # Tutorial: five backward() calls without zero_grad() add up five gradients in .grad.
    # Here grads are return values: five calls give five equal answers, and there is no
    # hidden state to zero.
    five_calls = [fad.grad(loss)(params, inputs, ideal) for _ in range(5)]
    checks.compare(
        "five calls, five equal gradients (nothing to zero)",
        five_calls[-1],
        grads,
        show_values=False,
    )
    # Accumulating is something you write when you want it, e.g. over micro-batches:
    # the full-batch loss is a sum over examples, so its gradient is the sum of the parts.
    micro_batches = [(inputs[i : i + 4], ideal[i : i + 4]) for i in range(0, 16, 4)]
    accumulated = add_trees(*[fad.grad(loss)(params, x, y) for x, y in micro_batches])
    checks.compare(
        "sum of 4 micro-batch grads == full-batch grad", accumulated, grads, show_values=False
    )

    losses = [value]
    for _ in range(10):
        params = sgd_step(params, grads, learning_rate=0.01)
        value, grads = loss_and_grad(params, inputs, ideal)
        losses.append(value)
    print("  losses: " + " -> ".join(f"{float(value):.3f}" for value in losses))
    checks.require(
        "loss decreases at every step",
        all(later < earlier for earlier, later in itertools.pairwise(losses)),
    )


# ---------------------------------------------------------------------------
# 5. Turning gradients off and on: stop_gradient, no_grad, enable_grad
# ---------------------------------------------------------------------------


@fad.no_grad
def square_untracked(x):
    """x * x, a constant for every transform around the call (no_grad as a decorator)."""
    return x * x


@fad.enable_grad
def square_tracked(x):
    """x * x, differentiated even when called inside a no_grad block."""
    return x * x


def turning_gradients_off(checks: Checks) -> None:
    """A value made constant has derivative 0: per value, per block, or per function."""
    section("5. stop_gradient, no_grad and enable_grad")
    x = np.array([1.0, -2.0, 3.0])
    checks.compare("d/dx sum(x * x) = 2x", fad.grad(lambda x: np.sum(x * x))(x), 2.0 * x)

    # Tutorial: b = a.detach() is a copy without history. Here: a.detach() on a traced value,
    # or stop_gradient(a), which also takes plain arrays and pytrees.
    checks.compare(
        "d/dx sum(x * stop_gradient(x)) = x",
        fad.grad(lambda x: np.sum(x * fad.stop_gradient(x)))(x),
        x,
    )
    checks.compare("d/dx sum(x * x.detach()) = x", fad.grad(lambda x: np.sum(x * x.detach()))(x), x)

    # Tutorial: torch.set_grad_enabled(mode) switches on a flag (a block, or a decorator).
    def switched(x, train):
        with fad.set_grad_enabled(train):
            squared = x * x
        return np.sum(squared + x)

    checks.compare("set_grad_enabled(True): 2x + 1", fad.grad(switched)(x, True), 2.0 * x + 1)
    checks.compare("set_grad_enabled(False): 1", fad.grad(switched)(x, False), np.ones(3))

    # Tutorial: with torch.no_grad(): c2 = a + b has no history, while c1 and c3 outside do.
    def block(x):
        tracked = x * x
        with fad.no_grad():
            untracked = x * x  # a constant for grad
        return np.sum(tracked + untracked)

    checks.compare("with no_grad(): only the tracked x*x counts: 2x", fad.grad(block)(x), 2.0 * x)

    # Tutorial: @torch.no_grad() on a function, and torch.enable_grad() inside no_grad.
    def decorated(x):
        with fad.no_grad():
            tracked_again = square_tracked(x)  # @enable_grad turns it back on
        return np.sum(x * x + square_untracked(x) + tracked_again)

    checks.compare("@no_grad and @enable_grad: 2x + 0 + 2x", fad.grad(decorated)(x), 4.0 * x)
    # Outside any transform nothing is tracked, so there is nothing to detach before handing
    # arrays to matplotlib or anything else: inputs and results are plain ndarrays.
    checks.require(
        "outside a transform, results are plain ndarrays", type(square_untracked(x)) is np.ndarray
    )


# ---------------------------------------------------------------------------
# 6. In-place operations: item assignment, views and .at work as in NumPy
# ---------------------------------------------------------------------------


def assign_items(x):
    """y[0] = x0^2, y[1:] = sin(x[:2]); return sum(y) (item assignment on a traced array)."""
    y = np.zeros_like(x)  # zeros_like(x) is traced with x, so y can hold traced values
    y[0] = x[0] ** 2
    y[1:] = np.sin(x[:2])
    return np.sum(y)


def write_through_view(x):
    """Writing through a view changes x too, as in NumPy: x[0] becomes the constant 1."""
    first_two = x[:2]
    first_two[0] = 1.0
    return np.sum(x)


def write_into_plain_array(x):
    """np.zeros(3) is a plain array: NumPy would convert x[0] and drop its derivative."""
    y = np.zeros(3)
    y[0] = x[0]
    return np.sum(y)


def mutation(checks: Checks) -> None:
    """Mutation inside differentiated code: what works, and the clear errors."""
    section("6. mutation: item assignment, views and .at")
    # Tutorial: in-place operations on a tensor that requires grad raise a RuntimeError.
    # Here: item assignment, in-place operators and writes through views follow NumPy in
    # both modes; only a traced value written into a plain NumPy array raises.
    x = np.array([0.5, 1.0, 2.0])
    x_before = x.copy()
    closed_form = np.array([2.0 * x[0] + np.cos(x[0]), np.cos(x[1]), 0.0])
    checks.compare(
        "y[0] = x0^2; y[1:] = sin(x[:2]): reverse mode", fad.grad(assign_items)(x), closed_form
    )
    checks.compare("same, forward mode (jacfwd)", fad.jacfwd(assign_items)(x), closed_form)

    # .at[...] returns an updated copy: x.at[0].set(x2^2) is [x2^2, x1, x2].
    checks.compare(
        "d/dx sum(x.at[0].set(x2^2)) = [0, 1, 2 x2 + 1]",
        fad.grad(lambda x: np.sum(x.at[0].set(x[2] ** 2)))(x),
        np.array([0.0, 1.0, 2.0 * x[2] + 1.0]),
    )
    checks.compare(
        "d/dx sum(x.at[1].add(x0^3)) = [1 + 3 x0^2, 1, 1]",
        fad.grad(lambda x: np.sum(x.at[1].add(x[0] ** 3)))(x),
        np.array([1.0 + 3.0 * x[0] ** 2, 1.0, 1.0]),
    )
    checks.compare(
        "fad.at on a plain array returns a copy", fad.at(x)[1].add(2.0), np.array([0.5, 3.0, 2.0])
    )

    checks.compare(
        "v = x[:2]; v[0] = 1 writes x[0]: d/dx sum(x) = [0, 1, 1]",
        fad.grad(write_through_view)(x),
        np.array([0.0, 1.0, 1.0]),
    )
    checks.raises(
        "assigning into a plain np.zeros array names the fix",
        lambda: fad.grad(write_into_plain_array)(x),
        (TypeError, ValueError),
        mentions="zeros_like",
    )
    checks.compare("the caller's x is unchanged", x, x_before)


# ---------------------------------------------------------------------------
# 7. The profiler
# ---------------------------------------------------------------------------


def repeated_ratio(x, y, steps: int = 100):
    """z = (z / x) * y, repeated from z = 1 (the tutorial's profiled loop); return sum(z)."""
    z = np.ones_like(x)
    for _ in range(steps):
        z = (z / x) * y
    return np.sum(z)


def profiling(checks: Checks) -> fad.profile:
    """profile(record_shapes=True) times every primitive call in the forward and vjp phases."""
    section("7. the profiler")
    # Tutorial: with torch.autograd.profiler.profile() as prf: ...; prf.key_averages().table()
    rng = np.random.default_rng(4)
    x = rng.uniform(1.0, 2.0, (2, 3))
    y = x * rng.uniform(0.97, 1.03, (2, 3))  # keeps (y / x)^100 of moderate size
    with fad.profile(record_shapes=True) as prof:
        _, (x_bar, y_bar) = fad.value_and_grad(repeated_ratio, argnums=(0, 1))(x, y)
    print(prof.table(sort_by="total", group_by_shape=True, top=10))

    # sum((y/x)^n): d/dx = -n (y/x)^n / x and d/dy = n (y/x)^n / y
    ratio_power = (y / x) ** 100
    checks.compare(
        "gradients (-n r^n / x, n r^n / y), r = y / x",
        (x_bar, y_bar),
        (-100 * ratio_power / x, 100 * ratio_power / y),
        show_values=False,
    )
    calls = {}
    for event in prof.events:
        calls[event.name, event.phase] = calls.get((event.name, event.phase), 0) + 1
    checks.same(
        "forward calls of div and mul",
        (calls.get(("div", "forward")), calls.get(("mul", "forward"))),
        (100, 100),
    )
    checks.require(
        "div and mul have vjp rule rows",
        ("div", "vjp rule") in calls and ("mul", "vjp rule") in calls,
    )
    return prof  # a notebook shows the table (and prof.plot() draws it)


# ---------------------------------------------------------------------------
# 8. Non-scalar outputs: vector-Jacobian product through a data-dependent loop
# ---------------------------------------------------------------------------


def double_until_large(x):
    """Return (y, doublings): y = x * 2**doublings, doubling until ||y|| >= 1000.

    The loop condition compares a traced value; comparisons give plain booleans,
    so ordinary Python control flow works and only the path taken is differentiated.
    The count is returned as auxiliary data (has_aux=True), not differentiated.
    """
    y = x * 2
    doublings = 1
    while np.linalg.norm(y) < 1000:
        y = y * 2
        doublings += 1
    return y, doublings


def do_some_doubling(x):
    """The tutorial's function: y = x * 2**k, doubled until ||y|| >= 1000 (y alone)."""
    return double_until_large(x)[0]


def doubling_loop(checks: Checks) -> None:
    """y.backward(v) in the tutorial is vjp(f, x) followed by pulling back v."""
    section("8. vjp through a while loop: y = x * 2**k")
    x = np.random.default_rng(0).standard_normal(3)
    y, pull_back, doublings = fad.vjp(double_until_large, x, has_aux=True)
    print(f"  x = {format_leaf(x)}, doubled k = {doublings} times")
    checks.compare("y = x * 2**k", y, x * 2.0**doublings)

    # Tutorial: y.backward() fails, gradients can be implicitly created only for scalar outputs.
    checks.raises(
        "grad of a vector output says what to use instead",
        lambda: fad.grad(lambda x: double_until_large(x)[0])(x),
        TypeError,
        mentions="vjp",
    )
    cotangent = np.array([0.1, 1.0, 0.0001])
    (x_bar,) = pull_back(cotangent)  # one cotangent per primal, as a tuple
    checks.compare("v^T J = v * 2**k, v = [0.1, 1, 0.0001]", x_bar, cotangent * 2.0**doublings)

    # Tutorial: torch.autograd.functional.vjp(do_some_doubling, inputs, v=my_gradients)
    _, x_bar_functional = functional.vjp(do_some_doubling, x, v=cotangent)
    checks.compare("functional.vjp(f, x, v) gives the same v^T J", x_bar_functional, x_bar)


# ---------------------------------------------------------------------------
# 9. The high-level API: Jacobians
# ---------------------------------------------------------------------------


def exp_adder(x, y):
    """Return 2 exp(x) + 3 y, elementwise."""
    return 2 * np.exp(x) + 3 * y


def jacobians(checks: Checks):
    """jacobian with argnums=(0, 1) gives one block per argument: (diag(2 exp x), 3 I)."""
    section("9. jacobian of exp_adder(x, y) = 2 exp(x) + 3 y")
    # Tutorial: torch.autograd.functional.jacobian(exp_adder, (torch.rand(1), torch.rand(1)))
    rng = np.random.default_rng(2)
    jacobian_of_exp_adder = fad.jacobian(exp_adder, argnums=(0, 1))
    for size in (1, 3):
        x, y = rng.random(size), rng.random(size)
        closed_form = (np.diag(2.0 * np.exp(x)), 3.0 * np.eye(size))
        checks.compare(
            f"{size}-element inputs: (dF/dx, dF/dy)", jacobian_of_exp_adder(x, y), closed_form
        )
        # The tutorial's own call, through functional_ad.functional: the same blocks.
        checks.compare(
            f"{size}-element inputs: functional.jacobian(exp_adder, (x, y))",
            functional.jacobian(exp_adder, (x, y)),
            closed_form,
            show_values=False,
        )
    # A heat map of a Jacobian with structure: d/dx of the product of neighbours.
    x = np.linspace(-1.0, 1.0, 8)
    jacobian = fad.jacfwd(lambda x: x * np.roll(x, 1) + np.sin(x))(x)
    checks.compare(
        "jacfwd == functional.jacobian(strategy='forward-mode')",
        jacobian,
        functional.jacobian(lambda x: x * np.roll(x, 1) + np.sin(x), x, strategy="forward-mode"),
        show_values=False,
    )
    figure = new_figure((4.5, 3.8))
    if figure is None:
        return None
    fad.plot_matrix(jacobian, ax=figure.subplots(), title="J of x * roll(x, 1) + sin(x)")
    return Picture(figure)  # a notebook shows the heat map


# ---------------------------------------------------------------------------
# 10. Hessians and the four products: vjp, jvp, hvp, vhp
# ---------------------------------------------------------------------------


def pow_reducer(x):
    """Return sum(x^3); its gradient is 3 x^2 and its Hessian diag(6 x)."""
    return np.sum(x**3)


def product_reducer(x, y):
    """Return sum(x^2 y); its Hessian is [[diag(2y), diag(2x)], [diag(2x), 0]]."""
    return np.sum(x**2 * y)


def hessians_and_products(checks: Checks) -> None:
    """Second derivatives and the matrix-free products, each against its closed form."""
    section("10. hessian, vjp, jvp, hvp, vhp")
    rng = np.random.default_rng(3)
    x, y = rng.random(3), rng.random(3)
    u, w = rng.standard_normal(3), rng.standard_normal(3)

    checks.compare("hessian(sum(x^3)) = diag(6x)", fad.hessian(pow_reducer)(x), np.diag(6.0 * x))
    # Tutorial: torch.autograd.functional.hessian(pow_reducer, inputs)
    checks.compare(
        "functional.hessian(pow_reducer, x) = diag(6x)",
        functional.hessian(pow_reducer, x),
        np.diag(6.0 * x),
        show_values=False,
    )
    checks.compare(
        "functional.hessian(product_reducer, (x, y)): blocks H[i][j]",
        functional.hessian(product_reducer, (x, y)),
        ((np.diag(2.0 * y), np.diag(2.0 * x)), (np.diag(2.0 * x), np.zeros((3, 3)))),
        show_values=False,
    )

    # Tutorial: torch.autograd.functional.vjp(do_some_doubling, inputs=randn(8), v=ones(8)).
    inputs = rng.standard_normal(8)
    _, pull_back, doublings = fad.vjp(double_until_large, inputs, has_aux=True)
    checks.compare(
        f"vjp(doubling, v = ones(8)) = 2**k ones, k = {doublings}",
        pull_back(np.ones(8)),
        (2.0**doublings * np.ones(8),),
    )

    # jvp pushes tangents forward: J @ (u, w) = 2 exp(x) u + 3 w.
    out, out_tangent = fad.jvp(exp_adder, (x, y), (u, w))
    checks.compare(
        "jvp(exp_adder): (F, 2 exp(x) u + 3 w)",
        (out, out_tangent),
        (exp_adder(x, y), 2.0 * np.exp(x) * u + 3.0 * w),
    )
    checks.compare(
        "functional.jvp(exp_adder, (x, y), v=(u, w)): the same",
        functional.jvp(exp_adder, (x, y), v=(u, w)),
        (out, out_tangent),
        show_values=False,
    )

    # vjp pulls a cotangent back to every input: (2 exp(x) v, 3 v).
    out, pull_back = fad.vjp(exp_adder, x, y)
    checks.compare(
        "vjp(exp_adder): (2 exp(x) v, 3 v)", pull_back(u), (2.0 * np.exp(x) * u, 3.0 * u)
    )
    checks.compare(
        "functional.vjp(exp_adder, (x, y), v=u): (F, (2 exp(x) u, 3 u))",
        functional.vjp(exp_adder, (x, y), v=u),
        (out, (2.0 * np.exp(x) * u, 3.0 * u)),
        show_values=False,
    )

    # hvp and vhp agree for a smooth scalar function because its Hessian is symmetric.
    value, hessian_times_u = fad.hvp(pow_reducer, (x,), (u,))
    checks.compare(
        "hvp(sum(x^3)): (f, 6 x u)", (value, hessian_times_u), (np.sum(x**3), (6.0 * x * u,))
    )
    value, u_times_hessian = fad.vhp(pow_reducer, (x,), (u,))
    checks.compare(
        "vhp(sum(x^3)): (f, 6 x u)", (value, u_times_hessian), (np.sum(x**3), (6.0 * x * u,))
    )
    # Tutorial: torch.autograd.functional.hvp / vhp take the vector as v; one input, one array.
    checks.compare(
        "functional.hvp(pow_reducer, x, v=u): (f, 6 x u)",
        functional.hvp(pow_reducer, x, v=u),
        (np.sum(x**3), 6.0 * x * u),
        show_values=False,
    )
    checks.compare(
        "functional.vhp(pow_reducer, x, v=u): (f, 6 x u)",
        functional.vhp(pow_reducer, x, v=u),
        (np.sum(x**3), 6.0 * x * u),
        show_values=False,
    )

    # With two arguments the product has one block per argument.
    _, hessian_times_uw = fad.hvp(product_reducer, (x, y), (u, w))
    checks.compare(
        "hvp(sum(x^2 y)): (2y u + 2x w, 2x u)",
        hessian_times_uw,
        (2.0 * y * u + 2.0 * x * w, 2.0 * x * u),
    )
    _, uw_times_hessian = fad.vhp(product_reducer, (x, y), (u, w))
    checks.compare(
        "vhp(sum(x^2 y)): the same, H is symmetric",
        uw_times_hessian,
        (2.0 * y * u + 2.0 * x * w, 2.0 * x * u),
    )
    checks.compare(
        "functional.hvp(product_reducer, (x, y), v=(u, w)): the same tuple",
        functional.hvp(product_reducer, (x, y), v=(u, w))[1],
        hessian_times_uw,
        show_values=False,
    )


# ---------------------------------------------------------------------------
# The verdict
# ---------------------------------------------------------------------------


def report(checks: Checks) -> int:
    """Print the verdict; return 1 if any result disagreed with its closed form, else 0."""
    print()
    if checks.disagreements:
        print(
            f"FAILED: {len(checks.disagreements)} of {checks.total} checks disagree: "
            + "; ".join(checks.disagreements)
        )
        return 1
    print(f"OK: all {checks.total} checks agree with their closed forms")
    return 0


# ---------------------------------------------------------------------------
# The command line
# ---------------------------------------------------------------------------


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    """Read the command line: only where to save the plot."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--plot",
        type=Path,
        default=DEFAULT_PLOT_PATH,
        metavar="PATH",
        help=f"where to save the PNG of sin and its gradient when matplotlib "
        f"is installed (default: {DEFAULT_PLOT_PATH})",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run every step; return 1 if any result disagrees with its closed form, else 0."""
    arguments = parse_arguments(argv)
    steps = [
        functools.partial(sin_example, plot_path=arguments.plot),
        printing_the_graph,
        choosing_inputs,
        training_loop,
        turning_gradients_off,
        mutation,
        profiling,
        doubling_loop,
        jacobians,
        hessians_and_products,
    ]
    checks = Checks()
    for step in steps:
        try:
            step(checks)
        except Exception:  # a crash is a disagreement too; report it and go on to the next step
            traceback.print_exc()
            name = getattr(step, "__name__", None) or step.func.__name__
            checks.require(f"{name} ran without raising", False)
    return report(checks)


if __name__ == "__main__":
    sys.exit(main())
