"""The speed targets: eager and compiled against the NumPy forward, the hand-written derivative,
HIPS autograd, and JAX jit and torch.autograd where they are installed, in one run.

Run from the repository root:

    python benchmarks/speed.py              # every row (a few minutes)
    python benchmarks/speed.py --quick      # 3 samples per median
    python benchmarks/speed.py --only W5,W8 # some workloads only

"fwd" is the plain NumPy forward pass and "hand" the derivative written out by hand in NumPy
(``functions.py``). Every figure is a median of alternating samples (``harness.py``); a ratio
is the median of the ratios within each round. Each library runs on one thread. Every result
is first checked against the hand-written derivative. A second table gives the first call of
each compiled workload (trace, simplification and code generation) beside JAX jit's first
call (tracing and XLA compilation), the medians of three new functions of each. A third
gives W2's first call in a new process, its kernels on disk from an earlier one, beside JAX
jit's in a new process (``new_process.py``). The exit code is always 0: benchmarks inform.
"""

# ruff: noqa: E402  (the thread limits below must be set before NumPy and JAX are imported)
from __future__ import annotations

import os

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")
os.environ.setdefault(
    "XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
)

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import harness
import numpy as np
from functions import (
    chain_gradient,
    init_mlp,
    make_batch_loss,
    make_chain,
    make_rosenbrock,
    make_scalar_loop,
    make_softplus_objective,
    make_tanh_layer,
    mlp_data,
    mlp_gradient,
    rosenbrock_gradient,
    rosenbrock_hvp,
    scalar_loop_derivative,
    softplus_objective_hessian,
    tanh_fourth_derivative,
    tanh_layer_jacobian,
)
from harness import SEED, Row, Timing, anp, at_most, autograd, check_close, duration

import functional_ad as fad

try:
    import jax
    import jax.numpy as jnp
except ImportError:  # JAX is an optional comparator, never a dependency
    jax = jnp = None
else:
    jax.config.update("jax_enable_x64", True)

try:
    import torch
except ImportError:  # PyTorch is an optional comparator of W1, never a dependency
    torch = None
else:
    torch.set_num_threads(1)


INF = float("inf")


@dataclass
class Workload:
    """One workload: the calls to time (``None`` where a comparator is missing) and its ratios.

    ``ratios`` lists (label, numerator, denominator, bound): the ratio of the two times,
    judged ``<= bound`` (``INF``: shown, not judged). ``first`` makes the compiled call and the
    JAX jit call whose first calls are timed side by side (``None``: no JAX counterpart).
    """

    name: str
    calls: Callable[[], dict[str, Callable[[], object] | None]]
    ratios: list[tuple[str, str, str, float]]
    first: tuple[Callable[[], Callable[[], object]], Callable[[], Callable[[], object]] | None]
    notes: list[str] = field(default_factory=list)


def call(f: Callable, *args: object) -> Callable[[], object]:
    """``f`` bound to its arguments, to time."""
    return lambda: f(*args)


def jitted(f: Callable, *args: object) -> Callable[[], object]:
    """``jax.jit(f)`` bound to its arguments, waiting for the result."""
    compiled = jax.jit(f)  # type: ignore[union-attr]
    return lambda: jax.block_until_ready(compiled(*args))  # type: ignore[union-attr]


def checked(what: str, f: Callable, args: tuple, expected: object) -> Callable[[], object]:
    """``f`` bound to ``args`` after checking its result against ``expected``."""
    check_close(what, f(*args), expected)
    return call(f, *args)


def with_jax(build: Callable[[], Callable[[], object]]) -> Callable[[], object] | None:
    """A JAX call made by ``build``, compiled outside the timing; ``None`` without JAX."""
    if jax is None:
        return None
    timed = build()
    timed()
    return timed


def torch_grad(f: Callable, x: object, order: int = 1) -> Callable[[], object]:
    """The derivative of ``f`` at ``x`` by ``torch.autograd.grad`` (the ``order``-th one of a
    scalar function by nesting it with ``create_graph``, as PyTorch users write it), returned
    as a NumPy array. Call only with PyTorch installed."""
    leaf = torch.tensor(x, dtype=torch.float64, requires_grad=True)  # type: ignore[union-attr]
    grad = torch.autograd.grad  # type: ignore[union-attr]

    def derivative() -> object:
        y = f(leaf)
        for k in range(order):
            (y,) = grad(y, leaf, create_graph=k < order - 1)
        return y.detach().numpy()

    return derivative


def with_torch(
    build: Callable[[], Callable[[], object]], expected: object
) -> Callable[[], object] | None:
    """A PyTorch call made by ``build``, checked against ``expected``; ``None`` without it."""
    if torch is None:
        return None
    timed = build()
    check_close("torch.autograd", timed(), expected)
    return timed


def with_autograd(build: Callable[[], Callable[[], object]]) -> Callable[[], object] | None:
    """An autograd call made by ``build``; ``None`` without autograd."""
    return None if autograd is None else build()


# --------------------------------------------------------------------------- the workloads


def w1() -> Workload:
    ops, x = 100, np.random.default_rng(SEED).standard_normal(3)
    chain, expected = make_chain(np, ops), chain_gradient(x, ops)

    def calls() -> dict[str, Callable[[], object] | None]:
        return {
            "fwd": call(chain, x),
            "hand": call(chain_gradient, x, ops),
            "eager": checked("grad", fad.grad(chain), (x,), expected),
            "compiled": checked("compile(grad)", fad.compile(fad.grad(chain)), (x,), expected),
            "autograd": with_autograd(lambda: call(autograd.grad(make_chain(anp, ops)), x)),
            "torch": with_torch(lambda: torch_grad(make_chain(torch, ops), x), expected),
            "jax": with_jax(lambda: jitted(jax.grad(make_chain(jnp, ops)), x)),
        }

    # the target is 'eager <= 0.4x torch.autograd'; without PyTorch, HIPS autograd stands in
    ratios = [("eager / fwd", "eager", "fwd", 6.0), ("compiled / hand", "compiled", "hand", 1.0)]
    notes = []
    if torch is not None:
        ratios += [
            ("eager / torch.autograd", "eager", "torch", 0.4),
            ("eager / autograd", "eager", "autograd", INF),
        ]
    else:
        ratios.append(("eager / autograd", "eager", "autograd", 0.28))
        notes.append(
            "eager / autograd stands in for 'eager <= 0.4x torch.autograd' (torch is not "
            "installed): torch.autograd measured 9.0 us/op against autograd's 12.9, so the bound "
            "is 0.4 x 9.0 / 12.9 = 0.28"
        )
    return Workload(
        "W1 grad, 100-op chain, n=3",
        calls,
        ratios,
        (
            lambda: call(fad.compile(fad.grad(chain)), x),
            lambda: jitted(jax.grad(make_chain(jnp, ops)), x),
        ),
        notes,
    )


def w2() -> Workload:
    ops, x = 10, np.random.default_rng(SEED).standard_normal(10**6)
    chain = make_chain(np, ops)

    def calls() -> dict[str, Callable[[], object] | None]:
        expected = chain_gradient(x, ops)
        return {
            "fwd": call(chain, x),
            "hand": call(chain_gradient, x, ops),
            "eager": checked("grad", fad.grad(chain), (x,), expected),
            "compiled": checked("compile(grad)", fad.compile(fad.grad(chain)), (x,), expected),
            "torch": with_torch(lambda: torch_grad(make_chain(torch, ops), x), expected),
            "jax": with_jax(lambda: jitted(jax.grad(make_chain(jnp, ops)), x)),
        }

    return Workload(
        "W2 grad, 10-op chain, n=1e6",
        calls,
        [
            ("eager / hand", "eager", "hand", 1.0),
            ("compiled / fwd", "compiled", "fwd", 1.6),
            ("torch.autograd / fwd", "torch", "fwd", INF),
        ],
        (
            lambda: call(fad.compile(fad.grad(chain)), x),
            lambda: jitted(jax.grad(make_chain(jnp, ops)), x),
        ),
    )


def w3() -> Workload:
    generator = np.random.default_rng(SEED)
    params = init_mlp(generator, (784, 256, 10))
    args = (params, *mlp_data(generator, 128, 784, 10))
    loss = make_batch_loss(np)

    def calls() -> dict[str, Callable[[], object] | None]:
        expected = (loss(*args), mlp_gradient(*args))
        compiled = fad.compile(fad.value_and_grad(loss))
        return {
            "fwd": call(loss, *args),
            "eager": checked("value_and_grad", fad.value_and_grad(loss), args, expected),
            "compiled": checked("compile(value_and_grad)", compiled, args, expected),
        }

    return Workload(
        "W3 value_and_grad, MLP 784-256-10, batch 128",
        calls,
        [("eager / fwd", "eager", "fwd", INF), ("compiled / fwd", "compiled", "fwd", 2.0)],
        (lambda: call(fad.compile(fad.value_and_grad(loss)), *args), None),
    )


def w4() -> Workload:
    n = 400
    generator = np.random.default_rng(SEED)
    weights = generator.standard_normal((n, n)) / np.sqrt(n)
    x = generator.standard_normal(n)
    layer = make_tanh_layer(np, weights)

    def calls() -> dict[str, Callable[[], object] | None]:
        expected = tanh_layer_jacobian(weights, x)
        return {
            "hand": call(tanh_layer_jacobian, weights, x),
            "eager": checked("jacrev", fad.jacrev(layer), (x,), expected),
            "compiled": checked("compile(jacrev)", fad.compile(fad.jacrev(layer)), (x,), expected),
            "jax": with_jax(lambda: jitted(jax.jacrev(make_tanh_layer(jnp, weights)), x)),
        }

    return Workload(
        "W4 jacrev, tanh(Wx) + sin(x), n=400",
        calls,
        [("eager / hand", "eager", "hand", INF), ("compiled / hand", "compiled", "hand", 1.5)],
        (
            lambda: call(fad.compile(fad.jacrev(layer)), x),
            lambda: jitted(jax.jacrev(make_tanh_layer(jnp, weights)), x),
        ),
    )


def _w5(n: int) -> Workload:
    generator = np.random.default_rng(SEED)
    matrix = generator.standard_normal((n, n)) / np.sqrt(n)
    x = generator.standard_normal(n)
    objective = make_softplus_objective(np, matrix)

    def calls() -> dict[str, Callable[[], object] | None]:
        expected = softplus_objective_hessian(matrix, x)
        compiled = fad.compile(fad.hessian(objective))
        return {
            "hand": call(softplus_objective_hessian, matrix, x),
            "eager": checked("hessian", fad.hessian(objective), (x,), expected),
            "compiled": checked("compile(hessian)", compiled, (x,), expected),
            "autograd": with_autograd(
                lambda: call(autograd.hessian(make_softplus_objective(anp, matrix)), x)
            ),
            "jax": with_jax(lambda: jitted(jax.hessian(make_softplus_objective(jnp, matrix)), x)),
        }

    ratios = (
        [("eager / hand", "eager", "hand", 3.4), ("compiled / JAX jit", "compiled", "jax", 1.0)]
        if n == 200
        else [("eager / autograd", "eager", "autograd", 0.04)]
    )
    return Workload(
        f"W5 hessian, softplus objective, n={n}",
        calls,
        ratios,
        (
            lambda: call(fad.compile(fad.hessian(objective)), x),
            lambda: jitted(jax.hessian(make_softplus_objective(jnp, matrix)), x),
        ),
    )


def w6() -> Workload:
    generator = np.random.default_rng(SEED)
    x, v = generator.standard_normal(10**5), generator.standard_normal(10**5)
    rosenbrock = make_rosenbrock(np)

    def hvp(x: np.ndarray, v: np.ndarray) -> object:
        return fad.hvp(rosenbrock, (x,), (v,))[1][0]

    def calls() -> dict[str, Callable[[], object] | None]:
        grad, product = rosenbrock_gradient(x), rosenbrock_hvp(x, v)
        return {
            "fwd": call(rosenbrock, x),
            "grad": checked("grad", fad.grad(rosenbrock), (x,), grad),
            "hvp": checked("hvp", hvp, (x, v), product),
            "compiled grad": checked(
                "compile(grad)", fad.compile(fad.grad(rosenbrock)), (x,), grad
            ),
            "compiled hvp": checked("compile(hvp)", fad.compile(hvp), (x, v), product),
            "torch grad": with_torch(lambda: torch_grad(make_rosenbrock(torch), x), grad),
            "jax": with_jax(lambda: jitted(jax.grad(make_rosenbrock(jnp)), x)),
        }

    return Workload(
        "W6 Rosenbrock, n=1e5",
        calls,
        [
            ("eager grad / fwd", "grad", "fwd", INF),
            ("torch.autograd grad / fwd", "torch grad", "fwd", INF),
            ("compiled grad / fwd", "compiled grad", "fwd", 1.0),
            ("eager hvp / grad", "hvp", "grad", 1.8),
            ("compiled hvp / grad", "compiled hvp", "compiled grad", 1.4),
        ],
        (
            lambda: call(fad.compile(fad.grad(rosenbrock)), x),
            lambda: jitted(jax.grad(make_rosenbrock(jnp)), x),
        ),
    )


def w7() -> Workload:
    steps, x = 10_000, 0.3
    loop = make_scalar_loop(np, steps)

    def calls() -> dict[str, Callable[[], object] | None]:
        expected = scalar_loop_derivative(x, steps)
        return {
            "hand": call(scalar_loop_derivative, x, steps),
            "eager": checked("grad", fad.grad(loop), (x,), expected),
            "compiled": checked("compile(grad)", fad.compile(fad.grad(loop)), (x,), expected),
            "autograd": with_autograd(lambda: call(autograd.grad(make_scalar_loop(anp, steps)), x)),
            "torch": with_torch(lambda: torch_grad(make_scalar_loop(torch, steps), x), expected),
        }

    return Workload(
        "W7 grad through a 10,000-step loop",
        calls,
        [
            ("eager / autograd", "eager", "autograd", 0.12),
            ("eager / torch.autograd", "eager", "torch", INF),
            ("compiled / hand", "compiled", "hand", 2.0),
        ],
        (lambda: call(fad.compile(fad.grad(loop)), x), None),
    )


def _nested(grad: Callable, f: Callable, order: int) -> Callable:
    for _ in range(order):
        f = grad(f)
    return f


def w8() -> Workload:
    x = np.float64(0.3)

    def calls() -> dict[str, Callable[[], object] | None]:
        expected = tanh_fourth_derivative(x)
        eager = _nested(fad.grad, np.tanh, 4)
        derivative = getattr(fad, "derivative", None)  # Taylor mode, where this version has it
        return {
            "eager": checked("grad^4", eager, (x,), expected),
            "compiled": checked("compile(grad^4)", fad.compile(eager), (x,), expected),
            "taylor": None
            if derivative is None
            else checked("derivative(order=4)", derivative(np.tanh, order=4), (x,), expected),
            "autograd": with_autograd(lambda: call(_nested(autograd.grad, anp.tanh, 4), x)),
            "torch": with_torch(lambda: torch_grad(torch.tanh, x, order=4), expected),
            "jax": with_jax(lambda: jitted(_nested(jax.grad, jnp.tanh, 4), x)),
        }

    return Workload(
        "W8 4th derivative of tanh",
        calls,
        [
            ("eager nested grad / autograd", "eager", "autograd", 0.12),
            ("eager nested grad / torch.autograd", "eager", "torch", INF),
            ("compiled / JAX jit", "compiled", "jax", 0.7),
            ("Taylor mode / autograd", "taylor", "autograd", 0.03),
        ],
        (
            lambda: call(fad.compile(_nested(fad.grad, np.tanh, 4)), x),
            lambda: jitted(_nested(jax.grad, jnp.tanh, 4), x),
        ),
    )


WORKLOADS: dict[str, Callable[[], Workload]] = {
    "W1": w1,
    "W2": w2,
    "W3": w3,
    "W4": w4,
    "W5": lambda: _w5(200),
    "W5s": lambda: _w5(50),
    "W6": w6,
    "W7": w7,
    "W8": w8,
}


# --------------------------------------------------------------------------- running


def measure(workload: Workload, timing: Timing) -> list[Row]:
    """Check, time and judge one workload; a failure becomes an ERROR row."""
    try:
        calls = {label: call for label, call in workload.calls().items() if call is not None}
        labels = list(calls)
        times = harness.Times(dict(zip(labels, timing.samples(*calls.values()), strict=True)))
    except Exception as error:
        return [harness.error_row(workload.name, error)]
    figures = ", ".join(f"{label} {duration(times[label])}" for label in labels)
    rows = [Row(workload.name, figures)]
    for label, numerator, denominator, bound in workload.ratios:
        if numerator not in times or denominator not in times:
            missing = numerator if numerator not in times else denominator
            rows.append(Row(f"  {label}", "-", note=f"no {missing} in this run"))
            continue
        ratio = times.ratio(numerator, denominator)
        target = None if bound == INF else at_most(bound)
        rows.append(Row(f"  {label}", "", ratio, target))
    return rows


FIRST_CALL_ROUNDS = 3  # fresh first calls per side, in alternating rounds


def first_calls(workload: Workload) -> Row:
    """The first call of the compiled workload (a fresh ``compile``) beside JAX jit's (a fresh
    ``jax.jit``): the medians of ``FIRST_CALL_ROUNDS`` rounds, each timing one new function of
    each side in turn, and the median of the ratios within the rounds (one first call is one
    sample, as noisy as any)."""
    make_ours, make_jax = workload.first
    compare = make_jax is not None and jax is not None
    ours: list[float] = []
    theirs: list[float] = []
    try:
        for _ in range(FIRST_CALL_ROUNDS):
            start = time.perf_counter()
            make_ours()()
            ours.append(time.perf_counter() - start)
            if compare:
                start = time.perf_counter()
                make_jax()()  # type: ignore[misc]
                theirs.append(time.perf_counter() - start)
    except Exception as error:
        return harness.error_row(workload.name, error)
    text = f"compile {duration(statistics.median(ours))}"
    if not compare:
        return Row(workload.name, text)
    ratio = statistics.median(a / b for a, b in zip(ours, theirs, strict=True))
    text += f" vs JAX jit {duration(statistics.median(theirs))}"
    return Row(workload.name, text, ratio, at_most(1.0))


def new_process_first_calls() -> Row:
    """W2's first call in a new process, kernels cached on disk by an earlier one (a scratch
    cache directory, filled by one process first), beside JAX jit's in a new process: the
    medians of ``FIRST_CALL_ROUNDS`` alternating rounds (``new_process.py``)."""
    name = "W2 grad, 10-op chain, n=1e6, in a new process"
    script = str(Path(__file__).with_name("new_process.py"))

    def run(library: str, environment: dict[str, str]) -> tuple[float, bool]:
        out = subprocess.run(
            [sys.executable, script, library],
            env=environment,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()
        return float(out[0]), out[1] == "True"

    ours: list[float] = []
    theirs: list[float] = []
    try:
        with tempfile.TemporaryDirectory() as directory:
            environment = dict(os.environ, FUNCTIONAL_AD_CACHE_DIR=directory)
            run("functional_ad", environment)  # the earlier process: compiles the kernels
            numba_loaded = False
            for _ in range(FIRST_CALL_ROUNDS):
                seconds, loaded = run("functional_ad", environment)
                ours.append(seconds)
                numba_loaded = numba_loaded or loaded
                if jax is not None:
                    theirs.append(run("jax", dict(os.environ))[0])
    except Exception as error:
        return harness.error_row(name, error)
    text = f"compile {duration(statistics.median(ours))}"
    text += " (numba imported)" if numba_loaded else " (numba not imported)"
    if jax is None:
        return Row(name, text)
    ratio = statistics.median(a / b for a, b in zip(ours, theirs, strict=True))
    text += f" vs JAX jit {duration(statistics.median(theirs))}"
    return Row(name, text, ratio, at_most(1.0))


def main(argv: list[str] | None = None) -> int:
    """Run the chosen workloads, print the tables, and return 0 whatever the outcome."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 samples per median")
    parser.add_argument("--repeats", type=int, default=7, help="samples per median (default 7)")
    parser.add_argument("--only", default=",".join(WORKLOADS), help="e.g. W5,W8")
    parser.add_argument("--clock", choices=sorted(harness.CLOCKS), default="cpu")
    options = parser.parse_args(argv)
    chosen = [name.strip() for name in options.only.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in WORKLOADS]
    if unknown:
        parser.error(f"unknown workloads {unknown}; choose from {', '.join(WORKLOADS)}")
    timing = Timing(3 if options.quick else options.repeats, harness.CLOCKS[options.clock])
    print(harness.describe_environment(), flush=True)
    print(f"JAX: {jax.__version__ if jax is not None else 'not installed (its rows are skipped)'}")
    torch_version = torch.__version__ if torch is not None else "not installed"
    print(f"PyTorch: {torch_version} (without it, W1's bound against it is taken on autograd)")
    print(f"medians of {timing.repeats} rounds, {options.clock} clock, one thread per library\n")
    harness.settle_allocator()
    workloads = [WORKLOADS[name]() for name in chosen]
    rows: list[Row] = []
    for workload in workloads:
        print(f"running {workload.name} ...", file=sys.stderr, flush=True)
        rows.extend(measure(workload, timing))
    harness.print_table(rows)
    print(
        "\nFirst call of the compiled workload (trace + simplify + generate) vs JAX jit's, "
        f"medians of {FIRST_CALL_ROUNDS} fresh functions each"
    )
    harness.print_table([first_calls(workload) for workload in workloads])
    if "W2" in chosen:
        print(
            "\nA new process's first call (library imported; functional_ad's kernels on disk "
            f"from an earlier process), medians of {FIRST_CALL_ROUNDS} alternating rounds"
        )
        harness.print_table([new_process_first_calls()])
    for workload in workloads:
        for note in workload.notes:
            print(f"note ({workload.name}): {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
