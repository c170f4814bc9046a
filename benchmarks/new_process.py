"""The first call of W2's compiled gradient in a new process, for ``speed.py``.

``python benchmarks/new_process.py functional_ad`` (or ``jax``) imports the library, then
times the first call of W2 (the gradient of the 10-op chain, n = 10**6): for functional_ad,
``compile(grad(chain))`` with its kernels on disk from an earlier process (the cache
directory is ``FUNCTIONAL_AD_CACHE_DIR``); for JAX, ``jit(grad(chain))`` (tracing and XLA
compilation). It prints the seconds and whether numba was imported.
"""

# ruff: noqa: E402  (the thread limits below must be set before NumPy and JAX are imported)
from __future__ import annotations

import os
import sys
import time

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")
os.environ.setdefault(
    "XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
)

import numpy as np
from functions import make_chain
from harness import SEED


def first_call(library: str) -> float:
    """Seconds taken by the first call of W2, the library already imported."""
    x = np.random.default_rng(SEED).standard_normal(10**6)
    if library == "jax":
        import jax
        import jax.numpy as jnp

        jax.config.update("jax_enable_x64", True)
        start = time.perf_counter()
        jax.block_until_ready(jax.jit(jax.grad(make_chain(jnp, 10)))(x))
        return time.perf_counter() - start
    import functional_ad as fad

    start = time.perf_counter()
    fad.compile(fad.grad(make_chain(np, 10)))(x)
    return time.perf_counter() - start


if __name__ == "__main__":
    seconds = first_call(sys.argv[1])
    print(seconds, "numba" in sys.modules)
