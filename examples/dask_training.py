"""Train the tour's model on a dataset larger than a Dask worker's memory limit.

Run it from the repository root or from anywhere else (needs the `dask` extra):

    python examples/dask_training.py [--rows N] [--steps S]

A LocalCluster of two single-threaded worker processes gets a memory limit below the size of
the dataset. The dataset is a Dask array generated block by block on the workers (inputs and
the targets of a fixed "teacher" model plus noise); it never exists whole anywhere. Each
SGD step calls ``functional_ad.dask.value_and_grad(loss)(params, inputs, targets)``: every
block's loss and gradient is computed where the block is, and the results are summed in a
tree. The script checks the gradient of the first step against the whole-array gradient of
a slice small enough to hold, and that the loss goes down; it exits with status 1 otherwise.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

# Running the file directly puts examples/ on sys.path, not the repository root.
REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import functional_ad as fad  # noqa: E402

N_IN, N_HIDDEN, N_OUT = 5, 8, 2
MiB = 2**20


def predict(params: dict, inputs):
    """Return tanh(inputs @ W1 + b1) @ W2 + b2 (the tour's model)."""
    hidden = np.tanh(inputs @ params["W1"] + params["b1"])
    return hidden @ params["W2"] + params["b2"]


def loss(params: dict, inputs, ideal):
    """Return the summed squared distance between prediction and ideal output."""
    return np.sum((ideal - predict(params, inputs)) ** 2)


def init_params(rng: np.random.Generator) -> dict:
    return {
        "W1": rng.standard_normal((N_IN, N_HIDDEN)) / np.sqrt(N_IN),
        "b1": np.zeros(N_HIDDEN),
        "W2": rng.standard_normal((N_HIDDEN, N_OUT)) / np.sqrt(N_HIDDEN),
        "b2": np.zeros(N_OUT),
    }


def make_dataset(rows: int, block_rows: int):
    """Inputs and targets as Dask arrays, generated on the workers block by block."""
    import dask.array as da

    teacher = init_params(np.random.default_rng(7))
    state = da.random.RandomState(0)
    inputs = state.standard_normal((rows, N_IN), chunks=(block_rows, N_IN))
    noise = state.standard_normal((rows, N_OUT), chunks=(block_rows, N_OUT))
    targets = inputs.map_blocks(
        lambda block: predict(teacher, block), chunks=(block_rows, N_OUT), dtype=float
    )
    return inputs, targets + 0.1 * noise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=12_000_000, help="examples in the dataset")
    parser.add_argument("--steps", type=int, default=3, help="SGD steps")
    parser.add_argument("--memory-limit", default="400MiB", help="per worker")
    options = parser.parse_args(argv)
    try:
        import dask.array as da
        from distributed import Client, LocalCluster
    except ImportError:
        print('Dask is not installed: pip install "functional_ad[dask]"; nothing to do')
        return 0
    from dask.utils import parse_bytes

    from functional_ad import dask as fad_dask

    limit = parse_bytes(options.memory_limit)
    inputs, targets = make_dataset(options.rows, block_rows=250_000)
    data_bytes = inputs.nbytes + targets.nbytes
    print(
        f"dataset: {options.rows:,} examples, {data_bytes / MiB:.0f} MiB in "
        f"{inputs.numblocks[0]} blocks; worker memory limit {limit / MiB:.0f} MiB"
    )
    ok = data_bytes > limit
    cluster = LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        memory_limit=limit,
    )
    client = Client(cluster)
    try:
        params = init_params(np.random.default_rng(1))
        loss_and_grad = fad_dask.value_and_grad(loss)

        # the same gradient as over the whole array: checked on a slice that fits in memory
        rows = min(options.rows, 500_000)
        small_x, small_y = da.compute(inputs[:rows], targets[:rows])
        value, grads = loss_and_grad(params, inputs[:rows], targets[:rows])
        expected_value, expected = fad.value_and_grad(loss)(params, small_x, small_y)
        same = np.isclose(value, expected_value, rtol=1e-10) and all(
            np.allclose(grads[k], expected[k], rtol=1e-9, atol=1e-9) for k in params
        )
        print(f"gradient on {rows:,} rows equals the whole-array gradient: {same}")
        ok = ok and same

        learning_rate = 0.1 / options.rows
        losses = []
        for step in range(options.steps):
            value, grads = loss_and_grad(params, inputs, targets)
            losses.append(float(value) / options.rows)
            print(f"step {step}: mean loss {losses[-1]:.5f}")
            params = fad.tree_map(lambda p, g: p - learning_rate * g, params, grads)
        decreasing = all(b < a for a, b in zip(losses, losses[1:], strict=False))
        print(f"loss decreases: {decreasing}")
        ok = ok and decreasing
    finally:
        client.close()
        cluster.close()
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
