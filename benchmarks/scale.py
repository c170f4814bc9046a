"""Scaling benchmarks: Jacobians on a local Dask cluster, a lazy Hessian, memory peaks.

Run from the repository root (needs the `dask` extra: pip install -e ".[dask]"):

    python benchmarks/scale.py            # the sizes of the targets (a few minutes)
    python benchmarks/scale.py --quick    # smaller sizes: rougher figures, same checks
    python benchmarks/scale.py --only 1   # the jacrev row only (rows 1 to 5, in this order)

Rows:

- ``jacrev`` of an expensive function (n = 2000, about 10 ms per row) on a LocalCluster of
  two single-threaded worker processes against the same ``chunk_size`` in this process, all
  with one BLAS thread (checked in each process and printed). Elapsed (wall-clock) time: the
  point is to use both cores. The in-process and cluster calls alternate, and the speed-up is
  the median over rounds of their ratio. The results must be equal, bit for bit. Both sides
  run with the same allocator: glibc's defaults, settled by one large allocation (as every
  benchmark here does), in this process and on each worker. Dask's nanny starts its workers
  with ``MALLOC_TRIM_THRESHOLD_=65536`` instead, which hands freed memory back to the system at
  once, so that each large temporary costs fresh page faults; a second row measures the same
  call with Dask's default environment, for information. The function's
  matrix is read-only, as a constant should be: a recording copies the writable plain arrays
  it reads (it cannot know that the program will not write them later), and that copy, made
  alike on both sides, is not what this row measures.
- A Hessian-vector product, trace and diagonal read from ``hessian(..., as_dask=True)`` on a
  cluster whose workers' memory limit is below the size of the full Hessian, with the peak
  resident memory of the workers (their VmHWM, reset before the computation) against that limit.
- Peak memory by tracemalloc (allocations counted, so not timing-dependent) against the
  targets: ``grad`` and ``jvp`` of the 10-op chain at n = 10^7, a compiled gradient, chunked
  Jacobians, the compile cache, reference cycles, and ``checkpoint``.

Every result is checked first (against hand-written derivatives or the in-process result); a
wrong result or an exception gives an ERROR row and the run goes on. The exit code is always 0.
"""

# ruff: noqa: E402  (the BLAS thread limits below must be set before NumPy is imported)
from __future__ import annotations

import os

# One BLAS thread here and on the workers (which inherit this environment; Dask's nanny sets
# the same): the speed-up target is against the in-process run with one BLAS thread.
BLAS_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
for _blas_variable in BLAS_VARIABLES:
    os.environ[_blas_variable] = "1"

import argparse
import gc
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass

import harness
import numpy as np
from functions import chain_gradient, elementwise_step, make_chain
from harness import Row, WrongResult, at_least, at_most, check_close, duration, error_row

import functional_ad as fad

MiB = 2**20


@dataclass
class Sizes:
    """The problem sizes of one run."""

    jac_n: int  # input and output size of the expensive function
    jac_layers: int
    jac_chunk: int
    hess_n: int  # the lazy Hessian is hess_n x hess_n
    hess_chunk: int
    worker_memory: int  # bytes, per worker, for the lazy Hessian's cluster
    chain_n: int  # the 10-op chain
    rounds: int


FULL = Sizes(2000, 48, 100, 12000, 200, 512 * MiB, 10**7, 4)
QUICK = Sizes(600, 3, 50, 6000, 200, 256 * MiB, 10**6, 1)


def rng() -> np.random.Generator:
    return np.random.default_rng(harness.SEED)


def local_cluster(memory_limit: int | str = "auto", dask_allocator: bool = True) -> tuple:
    """A LocalCluster of two single-threaded worker processes and a client on it.

    ``dask_allocator=False`` starts the workers without Dask's ``MALLOC_TRIM_THRESHOLD_``
    (glibc's default, as in this process) and settles their allocator as this process's is.
    """
    import dask
    import distributed

    environ = dict(dask.config.get("distributed.nanny.pre-spawn-environ"))
    if not dask_allocator:
        environ.pop("MALLOC_TRIM_THRESHOLD_", None)
    with dask.config.set({"distributed.nanny.pre-spawn-environ": environ}):
        cluster = distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            memory_limit=memory_limit,
        )
    client = distributed.Client(cluster)
    if not dask_allocator:
        client.run(_settle_allocator)
    return cluster, client


def _settle_allocator() -> None:
    """``harness.settle_allocator`` on a worker (shipped by value: workers do not import
    the benchmarks' modules)."""
    scratch = np.ones(4 * 10**6)
    del scratch


# ---------------------------------------------------------------------------
# 1. jacrev on two workers against in-process
# ---------------------------------------------------------------------------


def make_expensive(n: int, layers: int) -> Callable:
    """x -> tanh(W tanh(W ... tanh(W x))), L times: each row of the Jacobian costs L products
    with the n x n matrix W (one matrix, so that little data travels to the workers). W is
    read-only, so that recordings read it instead of copying it."""
    W = rng().standard_normal((n, n)) / np.sqrt(n)
    W.setflags(write=False)

    def expensive(x):
        for _ in range(layers):
            x = np.tanh(W @ x)
        return x

    return expensive


def blas_threads() -> str:
    """The threads of NumPy's OpenBLAS in this process, asked of OpenBLAS itself when NumPy's
    bundled library is found (else the environment variable, marked as such)."""
    import ctypes
    import glob

    libraries = os.path.join(os.path.dirname(np.__file__), os.pardir, "numpy.libs", "*openblas*")
    for path in glob.glob(libraries):
        for symbol in (
            "scipy_openblas_get_num_threads64_",
            "openblas_get_num_threads64_",
            "openblas_get_num_threads",
        ):
            get = getattr(ctypes.CDLL(path), symbol, None)
            if get is not None:
                return str(get())
    return f"{os.environ.get('OPENBLAS_NUM_THREADS', '?')} (environment)"


def jacobian_on_workers(sizes: Sizes) -> list[Row]:
    """The speed-up with the workers' allocator as this process's (the target), then with
    Dask's default worker environment (for information)."""
    return [
        *jacobian_on_cluster(sizes, dask_allocator=False),
        *jacobian_on_cluster(sizes, dask_allocator=True),
    ]


def jacobian_on_cluster(sizes: Sizes, dask_allocator: bool) -> list[Row]:
    n, chunk = sizes.jac_n, sizes.jac_chunk
    f = make_expensive(n, sizes.jac_layers)
    x = rng().standard_normal(n)
    local = fad.jacrev(f, chunk_size=chunk)
    cluster, client = local_cluster(dask_allocator=dask_allocator)
    try:
        spread = fad.jacrev(f, chunk_size=chunk, executor=client)
        # correct first: two columns by forward mode, and the whole matrix against local
        J_local = local(x)
        J_cluster = spread(x)
        check_close("jacrev column", J_local[:, 0], fad.jvp(f, (x,), (np.eye(n)[0],))[1])
        if not np.array_equal(J_local, J_cluster):
            raise WrongResult("jacrev on the cluster differs from the local result")
        del J_local, J_cluster
        threads_here, threads_there = blas_threads(), sorted(client.run(blas_threads).values())
        local_times, cluster_times, local_cpu, worker_cpu = [], [], [], []

        def in_process() -> None:
            start, cpu = time.perf_counter(), time.process_time()
            local(x)
            local_times.append(time.perf_counter() - start)
            local_cpu.append(time.process_time() - cpu)

        def on_cluster() -> None:
            before = sum(client.run(time.process_time).values())
            start = time.perf_counter()
            spread(x)
            cluster_times.append(time.perf_counter() - start)
            worker_cpu.append(sum(client.run(time.process_time).values()) - before)

        for round_index in range(sizes.rounds):  # side by side, first one then the other first
            for side in (in_process, on_cluster)[:: 1 if round_index % 2 == 0 else -1]:
                side()
        ratios = [a / b for a, b in zip(local_times, cluster_times, strict=True)]
    finally:
        client.close()
        cluster.close()
    t_local, t_cluster = statistics.median(local_times), statistics.median(cluster_times)
    per_row = t_local / n
    name = (
        f"jacrev, {sizes.jac_layers} tanh(W x) layers, n={n}, chunk {chunk}: "
        f"2 workers vs in-process"
        + (", Dask's MALLOC_TRIM_THRESHOLD_ on the workers" if dask_allocator else "")
    )
    # CPU time shows whether the work itself got slower on the workers, or the cores were busy
    measured = (
        f"in-process {duration(t_local)} ({duration(per_row)}/row) vs cluster "
        f"{duration(t_cluster)}, equal results; CPU time {duration(statistics.median(local_cpu))}"
        f" vs {duration(statistics.median(worker_cpu))} on the workers; BLAS threads "
        f"{threads_here} here, {' and '.join(threads_there)} on the workers"
    )
    target = None if dask_allocator else at_least(1.6)
    return [Row(name, measured, statistics.median(ratios), target, "wall clock")]


# ---------------------------------------------------------------------------
# 2. a lazy Hessian larger than a worker's memory
# ---------------------------------------------------------------------------


def make_dense_hessian_function(n: int) -> tuple[Callable, np.ndarray]:
    a = rng().standard_normal(n) / np.sqrt(n)

    def f(x):
        return 0.5 * np.dot(a, x) ** 2 + np.sum(np.cos(x)) + np.sum(x[:-1] * x[1:] ** 2)

    return f, a


def _peak_rss() -> int:
    """This process's peak resident memory in bytes (VmHWM: unlike ru_maxrss, it is not
    inherited from the process that started this one)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def _resident() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def _reset_peak_rss() -> None:
    """Start VmHWM again from the current resident memory (Linux, own process)."""
    with open("/proc/self/clear_refs", "w", encoding="ascii") as clear_refs:
        clear_refs.write("5")


def peak_worker_memory(client) -> int:
    """The largest peak resident memory among the workers, in bytes."""
    return max(client.run(_peak_rss).values())


def lazy_hessian(sizes: Sizes) -> list[Row]:
    import dask.array as da

    n, chunk = sizes.hess_n, sizes.hess_chunk
    f, _ = make_dense_hessian_function(n)
    generator = rng()
    x = generator.standard_normal(n) * 0.5
    v = generator.standard_normal(n)
    hessian_bytes = n * n * 8
    cluster, client = local_cluster(sizes.worker_memory)
    try:
        baseline = max(client.run(_resident).values())
        client.run(_reset_peak_rss)
        H = fad.hessian(f, chunk_size=chunk, as_dask=True)(x)
        start = time.perf_counter()
        hv, trace, diagonal = da.compute(
            H @ da.from_array(v, chunks=chunk), da.trace(H), da.diag(H)
        )
        elapsed = time.perf_counter() - start
        peak = peak_worker_memory(client)
    finally:
        client.close()
        cluster.close()
    _, (expected_hv,) = fad.hvp(f, (x,), (v,))
    check_close("H @ v (as_dask) against hvp", hv, expected_hv, rtol=1e-9)
    n_blocks = -(-n // chunk)
    diag_expected = np.array([fad.hvp(f, (x,), (np.eye(1, n, i)[0],))[1][0][i] for i in (0, n - 1)])
    check_close("Hessian diagonal ends", diagonal[[0, n - 1]], diag_expected, rtol=1e-9)
    if not np.isfinite(trace):
        raise WrongResult("the trace of the lazy Hessian is not finite")
    name = f"hessian(as_dask=True) @ v, trace, diag; n={n} ({n_blocks} blocks of {chunk})"
    measured = (
        f"full H {hessian_bytes / MiB:.0f} MiB vs worker limit "
        f"{sizes.worker_memory / MiB:.0f} MiB; peak worker RSS {peak / MiB:.0f} MiB "
        f"(resident before {baseline / MiB:.0f} MiB), {duration(elapsed)}"
    )
    return [Row(name, measured, peak / sizes.worker_memory, at_most(1.0), "peak/limit")]


# ---------------------------------------------------------------------------
# 3. memory on one machine (tracemalloc)
# ---------------------------------------------------------------------------


def traced_peak(fn: Callable[[], object]) -> tuple[int, object]:
    """Peak bytes allocated while ``fn()`` runs, and its result."""
    gc.collect()
    tracemalloc.start()
    try:
        result = fn()
        return tracemalloc.get_traced_memory()[1], result
    finally:
        tracemalloc.stop()


def chain_memory(sizes: Sizes) -> list[Row]:
    n = sizes.chain_n
    x = rng().standard_normal(n)
    chain = make_chain(np, 10)

    def chain_values(x):
        for i in range(10):
            x = elementwise_step(np, x, i)
        return x

    hand_peak, expected = traced_peak(lambda: chain_gradient(x, 10))
    grad_peak, got = traced_peak(lambda: fad.grad(chain)(x))
    check_close("grad", got, expected)
    f_peak, _ = traced_peak(lambda: chain_values(x))
    jvp_peak, (_, tangent) = traced_peak(lambda: fad.jvp(chain_values, (x,), (x,)))
    check_close("jvp", tangent, expected * x)
    size = f"n={n:.0e}".replace("e+0", "e")
    rows = [
        Row(
            f"peak: grad, 10-op chain, {size}",
            f"grad {grad_peak / MiB:.0f} MiB vs hand-written derivative {hand_peak / MiB:.0f} MiB"
            f" ({grad_peak / x.nbytes:.1f} vs {hand_peak / x.nbytes:.1f} inputs)",
            grad_peak / hand_peak,
            at_most(1.5),
        ),
        Row(
            f"peak: jvp, 10-op chain, {size}",
            f"jvp {jvp_peak / MiB:.0f} MiB vs f {f_peak / MiB:.0f} MiB"
            f" ({jvp_peak / x.nbytes:.1f} vs {f_peak / x.nbytes:.1f} inputs)",
            jvp_peak / f_peak,
            at_most(3),
        ),
    ]
    del got, tangent
    # the compile backend's first use imports it (numba: about 30 MiB of modules, once per
    # process): done before, so that "kept" is what the compiled function itself holds
    fad.compile(fad.grad(chain))(x[: 2**16].copy())
    compiled = fad.compile(fad.grad(chain))
    gc.collect()
    tracemalloc.start()
    try:
        first = compiled(x)
        del first
        kept = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        got = compiled(x)
        run_peak = tracemalloc.get_traced_memory()[1] - kept
    finally:
        tracemalloc.stop()
    check_close("compile(grad)", got, expected)
    rows.append(
        Row(
            f"peak: compile(grad), 10-op chain, {size}",
            f"call {run_peak / MiB:.0f} MiB vs grad {grad_peak / MiB:.0f} MiB; kept between "
            f"calls {kept / MiB:.1f} MiB",
            run_peak / grad_peak,
            at_most(1.0),
        )
    )
    return rows


def chunked_jacobian_memory(sizes: Sizes) -> list[Row]:
    n = sizes.jac_n
    x = rng().standard_normal(n)

    def f(x):  # a dense Jacobian without large constants (a recording copies those)
        return np.tanh(np.cumsum(np.sin(x)) / n) * x

    result = n * n * 8
    expected = fad.jacrev(f)(x)
    rows = []
    for jac in (fad.jacrev, fad.jacfwd):
        peaks = {}
        for k in (None, n // 4, n // 20, n // 100):
            peaks[k], J = traced_peak(lambda jac=jac, k=k: jac(f, chunk_size=k)(x))
            check_close(f"{jac.__name__}(chunk_size={k})", J, expected)
        grows = peaks[n // 100] < peaks[n // 20] < peaks[n // 4] <= peaks[None]
        listing = ", ".join(
            f"{'all' if k is None else k}: {p / result:.2f}" for k, p in peaks.items()
        )
        rows.append(
            Row(
                f"peak: {jac.__name__}(chunk_size=k), n={n}, in results",
                f"{listing}; {'grows with k' if grows else 'NOT monotone in k'}",
                peaks[n // 100] / result,
                at_most(1.25),
            )
        )
    return rows


def cache_and_cycles(sizes: Sizes) -> list[Row]:
    compiled = fad.compile(lambda x: np.sum(np.sin(x)))
    for length in range(1, 101):
        compiled(np.ones(length))
    rows = [
        Row(
            "compile cache after 100 signatures",
            f"{len(compiled.programs)} programs kept (cache_size {compiled.cache_size}, LRU)",
            len(compiled.programs) / compiled.cache_size,
            at_most(1.0),
        )
    ]

    @fad.custom_vjp
    def clipped(x):
        return np.sin(x)

    clipped.defvjp(lambda x: (np.sin(x), np.cos(x)), lambda c, g: (np.clip(g, -1, 1) * c,))
    x = rng().standard_normal(10**5)
    calls = {
        "grad": lambda: fad.grad(lambda x: np.sum(np.sin(x) ** 2))(x),
        "vjp": lambda: fad.vjp(lambda x: np.sin(x) * x, x)[1](x),
        "custom_vjp": lambda: fad.grad(lambda x: np.sum(clipped(x)))(x),
        "make_graph": lambda: fad.make_graph(lambda x: np.sum(np.sin(x) * x))(x),
        "compile": lambda: fad.compile(fad.grad(lambda x: np.sum(np.sin(x))))(x),
    }
    found = {}
    for name, call in calls.items():
        call()
        gc.collect()
        gc.disable()
        try:
            call()
            found[name] = gc.collect()
        finally:
            gc.enable()
    rows.append(
        Row(
            "objects in reference cycles after a call",
            ", ".join(f"{k} {v}" for k, v in found.items()),
            float(sum(found.values())),
            at_most(0),
        )
    )
    segments, n = 16, sizes.chain_n // 10

    def segment(x):
        for _ in range(4):
            x = np.sin(x) * 0.9 + 0.1 * np.cos(x)
        return x

    def loss(fn):
        def chained(x):
            for _ in range(segments):
                x = fn(x)
            return np.sum(x)

        return chained

    y = rng().standard_normal(n)
    plain_peak, expected = traced_peak(lambda: fad.grad(loss(segment))(y))
    remat_peak, got = traced_peak(lambda: fad.grad(loss(fad.checkpoint(segment)))(y))
    if not np.array_equal(got, expected):
        raise WrongResult("checkpoint changed the gradient")
    rows.append(
        Row(
            f"peak: grad of {segments} checkpointed segments, n={n:.0e}".replace("e+0", "e"),
            f"checkpoint {remat_peak / MiB:.0f} MiB vs plain {plain_peak / MiB:.0f} MiB, "
            f"equal gradients",
            remat_peak / plain_peak,
        )
    )
    return rows


# ---------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, one round")
    parser.add_argument(
        "--only", default="1,2,3,4,5", help="comma-separated rows to run (1 = jacrev on workers)"
    )
    options = parser.parse_args(argv)
    chosen = {int(i) for i in options.only.split(",")}
    sizes = QUICK if options.quick else FULL
    print(harness.describe_environment(), flush=True)
    print(
        f"dask {harness.package_version('dask')}, distributed "
        f"{harness.package_version('distributed')}; memory by tracemalloc (bytes allocated) "
        f"and VmHWM (workers); cluster rows in wall-clock time, median of {sizes.rounds}\n",
        flush=True,
    )
    harness.settle_allocator()
    rows: list[Row] = []
    benches = (
        ("jacrev on 2 workers", jacobian_on_workers),
        ("lazy Hessian", lazy_hessian),
        ("chain memory", chain_memory),
        ("chunked Jacobian memory", chunked_jacobian_memory),
        ("cache and cycles", cache_and_cycles),
    )
    for index, (name, bench) in enumerate(benches, start=1):
        if index not in chosen:
            continue
        print(f"running {name} ...", file=sys.stderr, flush=True)
        try:
            rows.extend(bench(sizes))
        except Exception as error:  # report and go on: benchmarks inform, they do not gate
            rows.append(error_row(name, error))
    harness.print_table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
