"""A tour of functional_ad: PyTorch's "Autograd basics" tutorial, done the functional way.

Run from the repository root:

    python examples/tour.py

Each step computes something with functional_ad, prints it beside its closed form and checks
that the two agree (np.allclose). The script exits with status 1 if any step disagrees and
prints a final OK line otherwise.

The difference from the tutorial in one sentence: nothing is attached to arrays. There is no
``requires_grad``, no ``.backward()`` and no ``.grad`` field. A transform takes a function and
returns a new function, and gradients are that function's return values.
"""

from __future__ import annotations

import sys
import traceback
from pathlib import Path

import numpy as np

# Running the file directly puts examples/ on sys.path, not the repository root.
REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import functional_ad as fad  # noqa: E402

np.set_printoptions(precision=4, suppress=True, linewidth=100)


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
        self.total += 1
        if not agree:
            self.disagreements.append(label)
        print(f"  {label}: {'agrees' if agree else 'DISAGREES'}")
        if not show_values and agree:
            largest = max(np.max(np.abs(np.subtract(got, want)), initial=0.0)
                          for got, want in zip(computed_leaves, expected_leaves, strict=True))
            print(f"    {len(computed_leaves)} arrays, largest |difference| = {largest:.1e}")
            return
        for got, want in zip(computed_leaves, expected_leaves):
            print(f"    computed    {format_leaf(got)}")
            print(f"    closed form {format_leaf(want)}")
        if len(computed_leaves) != len(expected_leaves):
            print(f"    trees differ: {computed_tree} vs {expected_tree}")

    def require(self, label: str, condition: bool) -> None:
        """Record a yes/no check that has no array to print."""
        self.total += 1
        if not condition:
            self.disagreements.append(label)
        print(f"  {label}: {'yes' if condition else 'NO'}")


def format_leaf(value, max_items: int = 9) -> str:
    """Return a one-line rendering of an array, shortened to its first items when long."""
    array = np.asarray(value)
    if array.size <= max_items:
        return np.array2string(array, separator=", ").replace("\n", "")
    head = np.array2string(array.ravel()[:max_items], separator=", ")
    return f"{head[:-1]}, ...] (first {max_items} of shape {array.shape})"


def section(title: str) -> None:
    """Print a step header."""
    print(f"\n== {title} ==")


# ---------------------------------------------------------------------------
# 1. A simple example: d/da sum(2 sin(a) + 1) = 2 cos(a)
# ---------------------------------------------------------------------------


def sin_example(checks: Checks) -> None:
    """The tutorial's first computation, as a function of ``a`` rather than a tracked tensor."""
    section("1. grad of sum(2*sin(a) + 1)")

    def f(a):
        b = np.sin(a)
        c = 2 * b
        d = c + 1
        return np.sum(d)  # grad needs a scalar output, like .backward() without arguments

    a = np.linspace(0.0, 2.0 * np.pi, 25)
    # The "history" the tutorial inspects through grad_fn is recorded while grad(f) runs f,
    # then used once and dropped: `a` stays a plain ndarray before and after.
    grad_f = fad.grad(f)
    print(f"  {grad_f.__name__}(a), a = linspace(0, 2 pi, 25)")
    checks.compare("d/da = 2 cos(a)", grad_f(a), 2.0 * np.cos(a))


# ---------------------------------------------------------------------------
# 2. Non-scalar outputs: vector-Jacobian product through a data-dependent loop
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


def doubling_loop(checks: Checks) -> None:
    """y.backward(v) in the tutorial is vjp(f, x) followed by pulling back v."""
    section("2. vjp through a while loop: y = x * 2**k")
    x = np.random.default_rng(0).standard_normal(3)
    y, pull_back, doublings = fad.vjp(double_until_large, x, has_aux=True)
    print(f"  x = {format_leaf(x)}, doubled k = {doublings} times")
    checks.compare("y = x * 2**k", y, x * 2.0**doublings)

    cotangent = np.array([0.1, 1.0, 0.0001])
    (x_bar,) = pull_back(cotangent)  # one cotangent per primal, as a tuple
    checks.compare("v^T J = v * 2**k, v = [0.1, 1, 0.0001]", x_bar, cotangent * 2.0**doublings)


# ---------------------------------------------------------------------------
# 3. Autograd in a training loop: parameters are a dict, gradients are a dict
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


def training_loop(checks: Checks) -> None:
    """A few SGD steps with value_and_grad; the loss must go down at every step."""
    section("3. a tiny model trained with SGD")
    rng = np.random.default_rng(1)
    inputs = rng.standard_normal((16, 5))
    ideal = rng.standard_normal((16, 2))
    params = init_params(rng, n_in=5, n_hidden=8, n_out=2)
    loss_and_grad = fad.value_and_grad(loss)  # differentiates argument 0: the params dict

    value, grads = loss_and_grad(params, inputs, ideal)
    checks.compare("grad wrt params dict (hand-written backprop)", grads,
                   loss_grad_by_hand(params, inputs, ideal))

    # No zero_grad: grads is a fresh return value on every call, nothing accumulates in hidden
    # state, so asking again gives the same answer rather than twice the answer.
    _, grads_again = loss_and_grad(params, inputs, ideal)
    checks.compare("second call returns the same grads (nothing to zero)", grads_again, grads,
                   show_values=False)

    # Accumulating over micro-batches is something you now write on purpose: sum the grad trees.
    first_half = fad.grad(loss)(params, inputs[:8], ideal[:8])
    second_half = fad.grad(loss)(params, inputs[8:], ideal[8:])
    accumulated = fad.tree_map(lambda g1, g2: g1 + g2, first_half, second_half)
    checks.compare("sum of two micro-batch grads == full-batch grad", accumulated, grads,
                   show_values=False)

    losses = [value]
    for _ in range(5):
        params = sgd_step(params, grads, learning_rate=0.01)
        value, grads = loss_and_grad(params, inputs, ideal)
        losses.append(value)
    print("  losses: " + " -> ".join(f"{float(value):.4f}" for value in losses))
    checks.require("loss decreases at every step",
                   all(later < earlier for earlier, later in zip(losses, losses[1:])))


# ---------------------------------------------------------------------------
# 4. Turning gradients off: stop_gradient instead of requires_grad=False / no_grad / detach
# ---------------------------------------------------------------------------


def turning_gradients_off(checks: Checks) -> None:
    """A value wrapped in stop_gradient is a constant to every transform: its derivative is 0."""
    section("4. stop_gradient: d/dx sum(x * stop_gradient(x)) = x, not 2x")
    x = np.array([1.0, -2.0, 3.0])
    checks.compare("d/dx sum(x * x) = 2x", fad.grad(lambda x: np.sum(x * x))(x), 2.0 * x)
    checks.compare("d/dx sum(x * stop_gradient(x)) = x",
                   fad.grad(lambda x: np.sum(x * fad.stop_gradient(x)))(x), x)
    # Outside any transform nothing is tracked at all, so there is nothing to detach before
    # handing arrays to matplotlib or anything else: inputs and results are plain ndarrays.


# ---------------------------------------------------------------------------
# 5. The high-level API: Jacobians
# ---------------------------------------------------------------------------


def exp_adder(x, y):
    """Return 2 exp(x) + 3 y, elementwise."""
    return 2 * np.exp(x) + 3 * y


def jacobians(checks: Checks) -> None:
    """jacobian with argnums=(0, 1) gives one block per argument: (diag(2 exp x), 3 I)."""
    section("5. jacobian of exp_adder(x, y) = 2 exp(x) + 3 y")
    rng = np.random.default_rng(2)
    jacobian_of_exp_adder = fad.jacobian(exp_adder, argnums=(0, 1))
    for size in (1, 3):
        x, y = rng.random(size), rng.random(size)
        closed_form = (np.diag(2.0 * np.exp(x)), 3.0 * np.eye(size))
        checks.compare(f"{size}-element inputs: (dF/dx, dF/dy)", jacobian_of_exp_adder(x, y),
                       closed_form)


# ---------------------------------------------------------------------------
# 6. Hessians and the four products: jvp, vjp, hvp, vhp
# ---------------------------------------------------------------------------


def pow_reducer(x):
    """Return sum(x^3); its gradient is 3 x^2 and its Hessian diag(6 x)."""
    return np.sum(x**3)


def product_reducer(x, y):
    """Return sum(x^2 y); its Hessian is [[diag(2y), diag(2x)], [diag(2x), 0]]."""
    return np.sum(x**2 * y)


def hessians_and_products(checks: Checks) -> None:
    """Second derivatives and the matrix-free products, each against its closed form."""
    section("6. hessian, jvp, vjp, hvp, vhp")
    rng = np.random.default_rng(3)
    x, y = rng.random(3), rng.random(3)
    u, w = rng.standard_normal(3), rng.standard_normal(3)

    checks.compare("hessian(sum(x^3)) = diag(6x)", fad.hessian(pow_reducer)(x), np.diag(6.0 * x))

    # jvp pushes tangents forward: J @ (u, w) = 2 exp(x) u + 3 w.
    out, out_tangent = fad.jvp(exp_adder, (x, y), (u, w))
    checks.compare("jvp(exp_adder): (F, 2 exp(x) u + 3 w)", (out, out_tangent),
                   (exp_adder(x, y), 2.0 * np.exp(x) * u + 3.0 * w))

    # vjp pulls a cotangent back to every input: (2 exp(x) v, 3 v).
    out, pull_back = fad.vjp(exp_adder, x, y)
    checks.compare("vjp(exp_adder): (2 exp(x) v, 3 v)", pull_back(u),
                   (2.0 * np.exp(x) * u, 3.0 * u))

    # hvp and vhp agree for a smooth scalar function because its Hessian is symmetric.
    value, hessian_times_u = fad.hvp(pow_reducer, (x,), (u,))
    checks.compare("hvp(sum(x^3)): (f, 6 x u)", (value, hessian_times_u),
                   (np.sum(x**3), (6.0 * x * u,)))
    value, u_times_hessian = fad.vhp(pow_reducer, (x,), (u,))
    checks.compare("vhp(sum(x^3)): (f, 6 x u)", (value, u_times_hessian),
                   (np.sum(x**3), (6.0 * x * u,)))

    # With two arguments the product has one block per argument.
    _, hessian_times_uw = fad.hvp(product_reducer, (x, y), (u, w))
    checks.compare("hvp(sum(x^2 y)): (2y u + 2x w, 2x u)", hessian_times_uw,
                   (2.0 * y * u + 2.0 * x * w, 2.0 * x * u))


# ---------------------------------------------------------------------------


STEPS = [
    sin_example,
    doubling_loop,
    training_loop,
    turning_gradients_off,
    jacobians,
    hessians_and_products,
]


def main() -> int:
    """Run every step; return 1 if any result disagrees with its closed form, else 0."""
    checks = Checks()
    for step in STEPS:
        try:
            step(checks)
        except Exception:  # a crash is a disagreement too; report it and go on to the next step
            traceback.print_exc()
            checks.require(f"{step.__name__} ran without raising", False)
    print()
    if checks.disagreements:
        print(f"FAILED: {len(checks.disagreements)} of {checks.total} checks disagree: "
              + "; ".join(checks.disagreements))
        return 1
    print(f"OK: all {checks.total} checks agree with their closed forms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
