"""Per-example gradients of a small tanh MLP: vmap(grad(loss)) against a loop over examples.

Run it from the repository root or from anywhere else:

    python examples/per_example_gradients.py [--batch N] [--repeats R]

``grad(example_loss)`` is the gradient of the loss of ONE example with respect to the
parameters. ``vmap(..., in_axes=(None, 0, 0))`` maps it over the batch: the parameters are
shared (``None``), the inputs and targets are split along axis 0. The result is a dict shaped
like the parameters with a leading batch axis: one gradient per example, computed in one
batched pass instead of a Python loop. Such gradients are what per-example clipping
(differentially private SGD) or gradient-norm diagnostics need; a plain ``grad`` of the batch
loss only gives their sum.

The script checks the batched result against a Python loop that calls ``grad`` once per
example, prints the timings of both (informational; they depend on the machine) and exits
with status 1 if the two disagree. It needs only NumPy.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

# Running the file directly puts examples/ on sys.path, not the repository root.
REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import functional_ad as fad  # noqa: E402

N_IN, N_HIDDEN, N_CLASSES = 64, 32, 10


# ----------------------------------------------------------------------------- the model


def init_params(rng: np.random.Generator) -> dict:
    """Return the weights of a 64-32-10 tanh network as a dict of arrays."""
    return {
        "W1": rng.standard_normal((N_IN, N_HIDDEN)) / np.sqrt(N_IN),
        "b1": 0.1 * rng.standard_normal(N_HIDDEN),
        "W2": rng.standard_normal((N_HIDDEN, N_CLASSES)) / np.sqrt(N_HIDDEN),
        "b2": 0.1 * rng.standard_normal(N_CLASSES),
    }


def predict(params: dict, x):
    """Return the logits tanh(x @ W1 + b1) @ W2 + b2 (x: one example, or a batch in rows)."""
    hidden = np.tanh(x @ params["W1"] + params["b1"])
    return hidden @ params["W2"] + params["b2"]


def log_softmax(logits):
    """Return logits - log(sum(exp(logits))) along the last axis, without overflow."""
    # Subtracting the max changes nothing mathematically; it is a constant for grad.
    shifted = logits - fad.stop_gradient(np.max(logits, axis=-1, keepdims=True))
    return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


def example_loss(params: dict, x, target):
    """Return the cross-entropy of ONE example: x of shape (64,), target one-hot of shape (10,)."""
    return -np.sum(target * log_softmax(predict(params, x)))


def batch_loss(params: dict, inputs, targets):
    """Return the mean cross-entropy over a batch (inputs in rows, one-hot targets in rows)."""
    return -np.mean(np.sum(targets * log_softmax(predict(params, inputs)), axis=-1))


# ----------------------------------------------------------------------------- two ways


# The parameters are shared by all examples (None); inputs and targets are batched on axis 0.
per_example_grads = fad.vmap(fad.grad(example_loss), in_axes=(None, 0, 0))


def per_example_grads_by_loop(params: dict, inputs, targets) -> dict:
    """The same result the slow way: grad once per example, then stack leaf by leaf."""
    grad_of_example_loss = fad.grad(example_loss)
    grads = [
        grad_of_example_loss(params, x, target) for x, target in zip(inputs, targets, strict=True)
    ]
    return fad.tree_map(lambda *leaves: np.stack(leaves), *grads)


def median_seconds(action: Callable[[], object], repeats: int) -> float:
    """Return the median wall time of ``action()`` over ``repeats`` runs, after one warm-up."""
    action()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


# ----------------------------------------------------------------------------- checks


def compare_trees(label: str, computed: dict, expected: dict) -> bool:
    """Print, leaf by leaf, the shapes and the largest difference; return True if all agree."""
    agree = True
    print(f"{label}:")
    for name in expected:
        got, want = computed[name], expected[name]
        same_shape = np.shape(got) == np.shape(want)
        leaf_agrees = same_shape and np.allclose(got, want, rtol=1e-10, atol=1e-12)
        difference = np.max(np.abs(got - want)) if same_shape else float("nan")
        print(
            f"  {name:>2}: shape {np.shape(got)} vs {np.shape(want)}, "
            f"largest |difference| = {difference:.1e}  {'ok' if leaf_agrees else 'DISAGREES'}"
        )
        agree = agree and leaf_agrees
    return agree


def main(argv: list[str] | None = None) -> int:
    """Compute per-example gradients both ways, compare, time; return 1 on disagreement."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=256, help="examples in the batch")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs of each method")
    arguments = parser.parse_args(argv)

    rng = np.random.default_rng(0)
    params = init_params(rng)
    inputs = rng.standard_normal((arguments.batch, N_IN))
    labels = rng.integers(0, N_CLASSES, arguments.batch)
    targets = np.eye(N_CLASSES)[labels]  # one-hot rows
    print(
        f"tanh MLP {N_IN}-{N_HIDDEN}-{N_CLASSES}, batch {arguments.batch}, "
        f"{sum(p.size for p in params.values())} parameters in a dict"
    )

    batched = per_example_grads(params, inputs, targets)
    looped = per_example_grads_by_loop(params, inputs, targets)
    results = [compare_trees("vmap(grad(example_loss)) vs a loop of grad", batched, looped)]
    # The mean of the per-example gradients is the gradient of the mean loss.
    results.append(
        compare_trees(
            "mean of per-example grads vs grad(batch_loss)",
            fad.tree_map(lambda leaf: leaf.mean(axis=0), batched),
            fad.grad(batch_loss)(params, inputs, targets),
        )
    )

    norms = np.sqrt(
        sum(np.sum(leaf.reshape(arguments.batch, -1) ** 2, axis=1) for leaf in batched.values())
    )
    print(
        f"per-example gradient norms: min {norms.min():.3f}, median {np.median(norms):.3f}, "
        f"max {norms.max():.3f}"
    )

    vmap_time = median_seconds(
        lambda: per_example_grads(params, inputs, targets), arguments.repeats
    )
    loop_time = median_seconds(
        lambda: per_example_grads_by_loop(params, inputs, targets), arguments.repeats
    )
    print(
        f"timings (median of {arguments.repeats}, informational): "
        f"vmap {vmap_time * 1e3:.2f} ms, loop {loop_time * 1e3:.2f} ms, "
        f"speed-up {loop_time / vmap_time:.1f}x"
    )

    if not all(results):
        print("FAILED: the per-example gradients disagree")
        return 1
    print("OK: vmap(grad) agrees with the loop over examples")
    return 0


if __name__ == "__main__":
    sys.exit(main())
