"""Compare the backends of compile (NumPy replay, numexpr, numba) on W2 and W6, first calls too.

Run from the repository root (numba and numexpr: ``pip install -e .[fast]``):

    python benchmarks/fused_backends.py            # per-primitive costs, workloads, first calls
    python benchmarks/fused_backends.py --quick    # 3 samples per median

Three tables, one thread per library (numexpr is set to one thread, as BLAS is):

1. one primitive over n = 10**6 float64s as a NumPy ufunc writing into a buffer, as a numba
   loop and as a numexpr expression: which primitives pay to fuse (the kernel templates of
   ``functional_ad/transforms/fused.py`` follow it);
2. W2 (10-op elementwise chain, n = 10**6, forward and grad) and W6 (Rosenbrock, n = 10**5,
   grad and hvp) compiled with each backend, as ratios to the plain NumPy forward pass;
3. the first call of each compiled workload (record + code generation + JIT) in a fresh
   process with an empty kernel cache, and again in a second process that finds the kernels
   cached on disk.
"""

# ruff: noqa: E402  (thread limits are set before NumPy and numexpr are imported)
from __future__ import annotations

import os

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")
os.environ.setdefault("NUMEXPR_NUM_THREADS", "1")
os.environ.setdefault("NUMEXPR_MAX_THREADS", "1")

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable

import harness
import numpy as np
from functions import make_chain, make_rosenbrock
from harness import SEED, Timing, duration

import functional_ad as fad
from functional_ad.transforms import fused

BACKENDS = [b for b in ("numpy", "numexpr", "numba") if b == "numpy" or fused.engine_available(b)]


def workloads() -> dict[str, tuple[Callable, tuple, Callable, tuple]]:
    """name -> (function to compile, its arguments, the NumPy forward pass, its arguments)."""
    rng = np.random.default_rng(SEED)
    chain = make_chain(np, 10)
    x2 = rng.standard_normal(10**6)
    rosenbrock = make_rosenbrock(np)
    x6, v6 = rng.standard_normal(10**5), rng.standard_normal(10**5)

    def rosenbrock_hvp(x, v):
        return fad.hvp(rosenbrock, (x,), (v,))[1][0]

    return {
        "W2 forward, n=1e6": (chain, (x2,), chain, (x2,)),
        "W2 grad, n=1e6": (fad.grad(chain), (x2,), chain, (x2,)),
        "W6 grad, n=1e5": (fad.grad(rosenbrock), (x6,), rosenbrock, (x6,)),
        "W6 hvp, n=1e5": (rosenbrock_hvp, (x6, v6), rosenbrock, (x6,)),
    }


def primitive_table(timing: Timing) -> None:
    """Time single primitives: NumPy ufunc into a buffer, numba loop, numexpr expression."""
    x = np.random.default_rng(SEED).uniform(0.1, 2.0, 10**6)
    out = np.empty_like(x)
    names = ["mul", "sqrt", "sin", "cos", "exp", "log", "tanh", "arctan"]
    ufuncs = {"mul": None, "sqrt": np.sqrt, "sin": np.sin, "cos": np.cos, "exp": np.exp}
    ufuncs |= {"log": np.log, "tanh": np.tanh, "arctan": np.arctan}
    print("one primitive, n=1e6 float64 (a*a for mul), median time per call")
    print(f"{'primitive':<10} {'numpy':>10} {'numba':>10} {'numexpr':>10}")
    for name in names:
        expression = "x * x" if name == "mul" else f"{name}(x)"
        calls: dict[str, Callable[[], object]] = {
            "numpy": (lambda: np.multiply(x, x, out=out))
            if name == "mul"
            else (lambda u=ufuncs[name]: u(x, out=out))
        }
        if fused.engine_available("numba"):
            import numba

            namespace: dict = {"np": np, "numba": numba}
            body = "x[i] * x[i]" if name == "mul" else f"np.{name}(x[i])"
            exec(
                "@numba.njit(error_model='numpy')\ndef loop(out, x):\n"
                f"    for i in range(x.shape[0]):\n        out[i] = {body}\n",
                namespace,
            )
            loop = namespace["loop"]
            loop(out, x)
            calls["numba"] = lambda loop=loop: loop(out, x)
        if fused.engine_available("numexpr"):
            import numexpr

            calls["numexpr"] = lambda e=expression: numexpr.evaluate(
                e, local_dict={"x": x}, out=out
            )
        samples = timing.samples(*calls.values())
        times = {k: float(np.median(s)) for k, s in zip(calls, samples, strict=True)}
        cells = [duration(times[k]) if k in times else "-" for k in ("numpy", "numba", "numexpr")]
        print(f"{name:<10} " + " ".join(f"{c:>10}" for c in cells))
    print()


def workload_table(timing: Timing) -> None:
    """Each workload compiled with each backend, as a ratio to the NumPy forward pass."""
    print("compiled workloads: median time, and ratio to the plain NumPy forward pass")
    header = f"{'workload':<20} {'numpy fwd':>10} {'eager':>16}"
    header += "".join(f" {'compiled ' + b:>22}" for b in BACKENDS)
    print(header)
    for name, (f, args, forward, forward_args) in workloads().items():
        compiled = {b: fad.compile(f, backend=b) for b in BACKENDS}
        reference = compiled["numpy"](*args)
        for b in BACKENDS:
            got = compiled[b](*args)
            harness.check_close(f"compile(backend={b!r})", got, reference, rtol=1e-12)
        calls: dict[str, Callable[[], object]] = {
            "forward": lambda g=forward, a=forward_args: g(*a),
            "eager": lambda g=f, a=args: g(*a),
        }
        calls |= {b: (lambda c=compiled[b], a=args: c(*a)) for b in BACKENDS}
        samples = timing.samples(*calls.values())
        times = harness.Times(dict(zip(calls, samples, strict=True)))
        line = f"{name:<20} {duration(times['forward']):>10}"
        eager = f"{duration(times['eager'])} {times.ratio('eager', 'forward'):.2f}x"
        line += f" {eager:>16}"
        for b in BACKENDS:
            cell = f"{duration(times[b])} {times.ratio(b, 'forward'):.2f}x"
            line += f" {cell:>22}"
        print(line, flush=True)
    print()


def first_calls() -> dict[str, dict[str, float]]:
    """The first call of each workload compiled with each backend, in this process."""
    result: dict[str, dict[str, float]] = {}
    for name, (f, args, _, _) in workloads().items():
        result[name] = {}
        for b in BACKENDS:
            compiled = fad.compile(f, backend=b)
            start = time.perf_counter()
            compiled(*args)
            result[name][b] = time.perf_counter() - start
    return result


def first_call_table() -> None:
    """First calls in a fresh process with an empty kernel cache, then with a warm one."""
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, FUNCTIONAL_AD_CACHE_DIR=cache)
        runs = []
        for _ in range(2):
            output = subprocess.run(
                [sys.executable, __file__, "--first-calls-json"],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            runs.append(json.loads(output.splitlines()[-1]))
    print("first call (record + code generation + JIT), wall clock, one fresh process each")
    print(f"{'workload':<20}" + "".join(f" {b + ' cold/warm cache':>28}" for b in BACKENDS))
    for name in runs[0]:
        cells = [f"{duration(runs[0][name][b])} / {duration(runs[1][name][b])}" for b in BACKENDS]
        print(f"{name:<20}" + "".join(f" {c:>28}" for c in cells))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 samples per median")
    parser.add_argument("--first-calls-json", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.first_calls_json:
        print(json.dumps(first_calls()))
        return 0
    timing = Timing(repeats=3 if options.quick else 7)
    print(harness.describe_environment(), flush=True)
    print(f"backends: {', '.join(BACKENDS)}; medians of {timing.repeats} rounds, CPU clock\n")
    primitive_table(timing)
    workload_table(timing)
    first_call_table()
    return 0


if __name__ == "__main__":
    sys.exit(main())
