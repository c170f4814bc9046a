"""Run every functional_ad benchmark and print one table of medians, ratios and targets.

Run from the repository root:

    python benchmarks/run.py              # full run (a few minutes)
    python benchmarks/run.py --quick      # 3 samples per median, rougher figures
    python benchmarks/run.py --only 4,5   # some workloads only

Each workload is first checked against hand-written derivatives (and HIPS autograd's result,
or a Python loop, where it is compared with one); a wrong result or an exception gives an
ERROR row and the run goes on. HIPS autograd is measured in the same run where it is
installed (``pip install -e .[bench]``). Ratios are time over time for targets written
``<=`` and speed-ups (the other side's time over ours) for targets written ``>=``, each the
median over rounds of the ratio of two samples taken side by side.
The exit code is always 0: benchmarks inform, they never gate.
"""

# ruff: noqa: E402  (the BLAS thread limits below must be set before NumPy is imported)
from __future__ import annotations

import os

# One BLAS thread, set before NumPy is imported: on a small shared machine a second BLAS thread
# mostly spins, which makes matrix products cost far more CPU time and vary from run to run.
# Set OPENBLAS_NUM_THREADS (or OMP_/MKL_NUM_THREADS) yourself to measure otherwise.
for _blas_variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_blas_variable, "1")

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass

import harness
import numpy as np
from functions import (
    chain_gradient,
    init_mlp,
    make_batch_loss,
    make_chain,
    make_example_loss,
    make_rosenbrock,
    make_scalar_loop,
    make_softplus_objective,
    make_t_negative_log_likelihood,
    make_tanh_layer,
    mlp_data,
    mlp_gradient,
    per_example_gradients,
    rosenbrock_gradient,
    rosenbrock_hvp,
    scalar_loop_derivative,
    softplus_objective_hessian,
    stack_trees,
    t_negative_log_likelihood_gradient,
    tanh_fourth_derivative,
    tanh_layer_jacobian,
)
from harness import (
    INSTALL_HINT,
    SEED,
    Row,
    Target,
    Times,
    Timing,
    anp,
    at_least,
    at_most,
    autograd,
    check_close,
    duration,
)

try:
    import functional_ad as fad
except Exception as import_error:  # report it in every row rather than crash
    fad = None
    FAD_IMPORT_ERROR: Exception | None = import_error
else:
    FAD_IMPORT_ERROR = None


@dataclass
class Case:
    """One guarded measurement: it checks its results, times them, and returns table rows."""

    name: str
    measure: Callable[[Timing], list[Row]]


def rng() -> np.random.Generator:
    """Return a generator with the fixed seed, so every workload sees the same data."""
    return np.random.default_rng(SEED)


def measure(timing: Timing, calls: dict[str, Callable[[], object] | None]) -> Times:
    """Time each call that is present (None marks a missing comparator), in rounds."""
    present = {label: call for label, call in calls.items() if call is not None}
    return Times(dict(zip(present, timing.samples(*present.values()), strict=True)))


def versus_autograd(
    name: str,
    times: Times,
    target: Target | None,
    speedup: bool = False,
    per: int = 1,
    unit: str = "",
) -> Row:
    """Return the row comparing our time (``fad``) with autograd's, or ours alone without it.

    The ratio is autograd's time over ours with ``speedup``, else ours over autograd's.
    ``per`` divides both times in the printed figures (e.g. per primitive).
    """
    ours_text = f"fad {duration(times['fad'] / per)}{unit}"
    if "autograd" not in times:
        return Row(name, ours_text, note=f"no autograd ({INSTALL_HINT})")
    ratio = times.ratio("autograd", "fad") if speedup else times.ratio("fad", "autograd")
    theirs = duration(times["autograd"] / per)
    return Row(name, f"{ours_text} vs autograd {theirs}{unit}", ratio, target)


def autograd_aside(times: dict[str, float], label: str = "autograd") -> str:
    """Return ' (autograd 1.23 ms)' when autograd was timed, else ''."""
    return f" ({label} {duration(times['autograd'])})" if "autograd" in times else ""


# ---------------------------------------------------------------------------
# 1. grad of a 100-op elementwise chain on a 3-element array
# ---------------------------------------------------------------------------

CHAIN_OPS, CHAIN_SIZE = 100, 3


def workload_1() -> list[Case]:
    """Cost per primitive: grad against autograd, and compiled grad against the NumPy forward."""
    x = rng().standard_normal(CHAIN_SIZE)
    chain = make_chain(np, CHAIN_OPS)
    expected = chain_gradient(x, CHAIN_OPS)
    name = f"1. grad, {CHAIN_OPS}-op chain, n={CHAIN_SIZE}"

    def plain(timing: Timing) -> list[Row]:
        grad_chain = fad.grad(chain)
        check_close("grad", grad_chain(x), expected)
        theirs = None
        if autograd is not None:
            theirs = autograd.grad(make_chain(anp, CHAIN_OPS))
            check_close("autograd.grad", theirs(x), expected)
        times = measure(
            timing,
            {"fad": lambda: grad_chain(x), "autograd": (lambda: theirs(x)) if theirs else None},
        )
        return [
            versus_autograd(
                f"{name}, per op",
                times,
                at_most(0.5),
                per=CHAIN_OPS,
                unit="/op",
            )
        ]

    def compiled(timing: Timing) -> list[Row]:
        compiled_grad = fad.compile(fad.grad(chain))
        check_close("compile(grad)", compiled_grad(x), expected)
        times = measure(timing, {"compiled": lambda: compiled_grad(x), "numpy": lambda: chain(x)})
        measured = (
            f"compiled {duration(times['compiled'] / CHAIN_OPS)}/op vs NumPy forward "
            f"{duration(times['numpy'] / CHAIN_OPS)}/op"
        )
        return [
            Row(
                f"{name}, compiled, per op",
                measured,
                times.ratio("compiled", "numpy"),
                at_most(3),
            )
        ]

    return [Case(f"{name}, per op", plain), Case(f"{name}, compiled", compiled)]


# ---------------------------------------------------------------------------
# 2. grad of a 10-op elementwise chain at n = 10**6
# ---------------------------------------------------------------------------

LARGE_OPS, LARGE_SIZE = 10, 10**6


def workload_2() -> list[Case]:
    """grad of a big elementwise chain against the plain NumPy forward pass."""
    x = rng().standard_normal(LARGE_SIZE)
    chain = make_chain(np, LARGE_OPS)
    name = f"2. grad, {LARGE_OPS}-op chain, n=1e6"

    def large(timing: Timing) -> list[Row]:
        expected = chain_gradient(x, LARGE_OPS)
        grad_chain = fad.grad(chain)
        check_close("grad", grad_chain(x), expected)
        theirs = None
        if autograd is not None:
            theirs = autograd.grad(make_chain(anp, LARGE_OPS))
            check_close("autograd.grad", theirs(x), expected)
        times = measure(
            timing,
            {
                "fad": lambda: grad_chain(x),
                "numpy": lambda: chain(x),
                "autograd": (lambda: theirs(x)) if theirs else None,
            },
        )
        measured = (
            f"grad {duration(times['fad'])} vs NumPy forward "
            f"{duration(times['numpy'])}{autograd_aside(times)}"
        )
        return [Row(name, measured, times.ratio("fad", "numpy"), at_most(2.5))]

    return [Case(name, large)]


# ---------------------------------------------------------------------------
# 3. value_and_grad of a tanh MLP 784-256-10
# ---------------------------------------------------------------------------

MLP_SIZES, MLP_BATCH = (784, 256, 10), 128


def workload_3() -> list[Case]:
    """value_and_grad of a batch loss over a dict of parameters, against the forward pass."""
    generator = rng()
    params = init_mlp(generator, MLP_SIZES)
    inputs, targets = mlp_data(generator, MLP_BATCH, MLP_SIZES[0], MLP_SIZES[2])
    loss = make_batch_loss(np)
    name = "3. value_and_grad, MLP 784-256-10, batch 128"

    def mlp(timing: Timing) -> list[Row]:
        expected = (loss(params, inputs, targets), mlp_gradient(params, inputs, targets))
        value_and_grad = fad.value_and_grad(loss)
        check_close("value_and_grad", value_and_grad(params, inputs, targets), expected)
        theirs = None
        if autograd is not None:
            theirs = autograd.value_and_grad(make_batch_loss(anp))
            check_close("autograd.value_and_grad", theirs(params, inputs, targets), expected)
        times = measure(
            timing,
            {
                "fad": lambda: value_and_grad(params, inputs, targets),
                "numpy": lambda: loss(params, inputs, targets),
                "autograd": (lambda: theirs(params, inputs, targets)) if theirs else None,
            },
        )
        measured = (
            f"value_and_grad {duration(times['fad'])} vs NumPy forward "
            f"{duration(times['numpy'])}{autograd_aside(times)}"
        )
        return [Row(name, measured, times.ratio("fad", "numpy"), at_most(2.5))]

    return [Case(name, mlp)]


# ---------------------------------------------------------------------------
# 4. jacrev and jacfwd of tanh(W x) + sin(x)
# ---------------------------------------------------------------------------

JACOBIAN_SIZES = {100: None, 400: at_least(5)}


def workload_4() -> list[Case]:
    """Batched Jacobians in both modes against autograd.jacobian (a loop over output rows)."""
    cases = []
    for n, target in JACOBIAN_SIZES.items():
        generator = rng()
        weights = generator.standard_normal((n, n)) / np.sqrt(n)
        x = generator.standard_normal(n)
        for mode in ("jacrev", "jacfwd"):
            name = f"4. {mode}, tanh(W x) + sin(x), n={n}"
            cases.append(Case(name, jacobian_case(name, mode, weights, x, target)))
    return cases


def jacobian_case(
    name: str, mode: str, weights: np.ndarray, x: np.ndarray, target: Target | None
) -> Callable[[Timing], list[Row]]:
    """Return the measurement of one Jacobian mode at one size."""

    def jacobian(timing: Timing) -> list[Row]:
        expected = tanh_layer_jacobian(weights, x)
        ours = getattr(fad, mode)(make_tanh_layer(np, weights))
        check_close(mode, ours(x), expected)
        theirs = None
        if autograd is not None:
            theirs = autograd.jacobian(make_tanh_layer(anp, weights))
            check_close("autograd.jacobian", theirs(x), expected)
        times = measure(
            timing, {"fad": lambda: ours(x), "autograd": (lambda: theirs(x)) if theirs else None}
        )
        return [versus_autograd(name, times, target, speedup=True)]

    return jacobian


# ---------------------------------------------------------------------------
# 5. hessian of sum(log(1 + exp(A x))) + ½‖x‖²
# ---------------------------------------------------------------------------

HESSIAN_SIZES = {50: None, 200: at_least(8)}


def workload_5() -> list[Case]:
    """Hessian by forward-over-reverse against autograd.hessian."""
    cases = []
    for n, target in HESSIAN_SIZES.items():
        generator = rng()
        matrix = generator.standard_normal((n, n)) / np.sqrt(n)
        x = generator.standard_normal(n)
        name = f"5. hessian, Σlog(1+exp(A x)) + ‖x‖²/2, n={n}"
        cases.append(Case(name, hessian_case(name, matrix, x, target)))
    return cases


def hessian_case(
    name: str, matrix: np.ndarray, x: np.ndarray, target: Target | None
) -> Callable[[Timing], list[Row]]:
    """Return the measurement of the Hessian at one size."""

    def hessian(timing: Timing) -> list[Row]:
        expected = softplus_objective_hessian(matrix, x)
        ours = fad.hessian(make_softplus_objective(np, matrix))
        check_close("hessian", ours(x), expected)
        theirs = None
        if autograd is not None:
            theirs = autograd.hessian(make_softplus_objective(anp, matrix))
            check_close("autograd.hessian", theirs(x), expected)
        times = measure(
            timing, {"fad": lambda: ours(x), "autograd": (lambda: theirs(x)) if theirs else None}
        )
        return [versus_autograd(name, times, target, speedup=True)]

    return hessian


# ---------------------------------------------------------------------------
# 6. Rosenbrock at n = 10**5: grad and hvp
# ---------------------------------------------------------------------------

ROSENBROCK_SIZE = 10**5


def workload_6() -> list[Case]:
    """grad against the forward pass (no target), and hvp against grad."""
    generator = rng()
    x = generator.standard_normal(ROSENBROCK_SIZE)
    direction = generator.standard_normal(ROSENBROCK_SIZE)
    rosenbrock = make_rosenbrock(np)
    grad_name = "6. grad, Rosenbrock, n=1e5"
    hvp_name = "6. hvp / grad, Rosenbrock, n=1e5"

    def grad(timing: Timing) -> list[Row]:
        ours = fad.grad(rosenbrock)
        check_close("grad", ours(x), rosenbrock_gradient(x))
        theirs = None
        if autograd is not None:
            theirs = autograd.grad(make_rosenbrock(anp))
            check_close("autograd.grad", theirs(x), rosenbrock_gradient(x))
        times = measure(
            timing,
            {
                "fad": lambda: ours(x),
                "numpy": lambda: rosenbrock(x),
                "autograd": (lambda: theirs(x)) if theirs else None,
            },
        )
        measured = (
            f"grad {duration(times['fad'])} vs NumPy forward "
            f"{duration(times['numpy'])}{autograd_aside(times)}"
        )
        return [Row(grad_name, measured, times.ratio("fad", "numpy"))]

    def hvp(timing: Timing) -> list[Row]:
        expected = rosenbrock_hvp(x, direction)
        value, (product,) = fad.hvp(rosenbrock, (x,), (direction,))
        check_close("hvp value", value, rosenbrock(x))
        check_close("hvp", product, expected)
        grad_rosenbrock = fad.grad(rosenbrock)
        theirs = None
        if autograd is not None:
            theirs = autograd.hessian_vector_product(make_rosenbrock(anp))
            check_close("autograd.hessian_vector_product", theirs(x, direction), expected)
        times = measure(
            timing,
            {
                "hvp": lambda: fad.hvp(rosenbrock, (x,), (direction,)),
                "grad": lambda: grad_rosenbrock(x),
                "autograd": (lambda: theirs(x, direction)) if theirs else None,
            },
        )
        measured = (
            f"hvp {duration(times['hvp'])} vs grad {duration(times['grad'])}"
            f"{autograd_aside(times, 'autograd hvp')}"
        )
        return [Row(hvp_name, measured, times.ratio("hvp", "grad"), at_most(2.5))]

    return [Case(grad_name, grad), Case(hvp_name, hvp)]


# ---------------------------------------------------------------------------
# 7. 10,000-step scalar loop
# ---------------------------------------------------------------------------

LOOP_STEPS = 10_000


def workload_7() -> list[Case]:
    """grad through a long loop on a Python float: pure per-operation overhead."""
    x = 0.5
    name = f"7. grad, {LOOP_STEPS}-step scalar loop"

    def loop(timing: Timing) -> list[Row]:
        expected = scalar_loop_derivative(x, LOOP_STEPS)
        ours = fad.grad(make_scalar_loop(np, LOOP_STEPS))
        check_close("grad", ours(x), expected)
        theirs = None
        if autograd is not None:
            theirs = autograd.grad(make_scalar_loop(anp, LOOP_STEPS))
            check_close("autograd.grad", theirs(x), expected)
        times = measure(
            timing, {"fad": lambda: ours(x), "autograd": (lambda: theirs(x)) if theirs else None}
        )
        return [versus_autograd(name, times, at_most(0.5))]

    return [Case(name, loop)]


# ---------------------------------------------------------------------------
# 8. 4th derivative of tanh by nested grad
# ---------------------------------------------------------------------------


def tanh(x):
    """Return tanh(x) (a named function, so transformed names read well)."""
    return np.tanh(x)


def nested_grad(grad: Callable, f: Callable, order: int) -> Callable:
    """Return grad(grad(...grad(f))) with ``order`` grads."""
    for _ in range(order):
        f = grad(f)
    return f


def workload_8() -> list[Case]:
    """Nested grad, uncompiled against compiled (recorded once, replayed as NumPy code)."""
    x = np.float64(0.3)
    name = "8. 4th derivative of tanh, compiled vs plain"

    def fourth(timing: Timing) -> list[Row]:
        expected = tanh_fourth_derivative(x)
        plain = nested_grad(fad.grad, tanh, 4)
        compiled = fad.compile(plain)
        check_close("grad^4", plain(x), expected)
        check_close("compile(grad^4)", compiled(x), expected)
        theirs = None
        if autograd is not None:
            theirs = nested_grad(autograd.grad, anp.tanh, 4)
            check_close("autograd.grad^4", theirs(x), expected)
        times = measure(
            timing,
            {
                "plain": lambda: plain(x),
                "compiled": lambda: compiled(x),
                "autograd": (lambda: theirs(x)) if theirs else None,
            },
        )
        measured = (
            f"compiled {duration(times['compiled'])} vs plain "
            f"{duration(times['plain'])}{autograd_aside(times)}"
        )
        return [Row(name, measured, times.ratio("plain", "compiled"), at_least(10))]

    return [Case(name, fourth), taylor_mode_case(x)]


def taylor_mode_case(x: np.float64) -> Case:
    """The 4th derivative of tanh in one Taylor pass (``derivative(f, order=4)``, eager)
    against HIPS autograd's grad nested four times."""
    name = "8. 4th derivative of tanh by Taylor mode vs autograd's nested grad"

    def fourth_by_taylor(timing: Timing) -> list[Row]:
        expected = tanh_fourth_derivative(x)
        ours = fad.derivative(tanh, order=4)
        check_close("derivative(tanh, order=4)", ours(x), expected)
        theirs = None
        if autograd is not None:
            theirs = nested_grad(autograd.grad, anp.tanh, 4)
            check_close("autograd.grad^4", theirs(x), expected)
        times = measure(
            timing,
            {"fad": lambda: ours(x), "autograd": (lambda: theirs(x)) if theirs else None},
        )
        return [versus_autograd(name, times, at_most(0.03))]

    return Case(name, fourth_by_taylor)


# ---------------------------------------------------------------------------
# 9. per-example gradients with vmap
# ---------------------------------------------------------------------------

SMALL_MLP_SIZES, SMALL_MLP_BATCH = (64, 32, 10), 256


def workload_9() -> list[Case]:
    """vmap(grad) over a batch against a Python loop of grad over the examples."""
    generator = rng()
    params = init_mlp(generator, SMALL_MLP_SIZES)
    inputs, targets = mlp_data(generator, SMALL_MLP_BATCH, SMALL_MLP_SIZES[0], SMALL_MLP_SIZES[2])
    name = "9. per-example grads, MLP 64-32-10, batch 256, vmap vs loop"

    def loop_over(grad_fn: Callable) -> Callable[[], dict[str, np.ndarray]]:
        def loop() -> dict[str, np.ndarray]:
            return stack_trees(
                [grad_fn(params, inputs[i], targets[i]) for i in range(SMALL_MLP_BATCH)]
            )

        return loop

    def per_example(timing: Timing) -> list[Row]:
        expected = per_example_gradients(params, inputs, targets)
        example_grad = fad.grad(make_example_loss(np))
        batched = fad.vmap(example_grad, in_axes=(None, 0, 0))
        loop = loop_over(example_grad)
        check_close("python loop of grad", loop(), expected)
        check_close("vmap(grad)", batched(params, inputs, targets), loop())
        theirs = None
        if autograd is not None:
            theirs = loop_over(autograd.grad(make_example_loss(anp)))
            check_close("python loop of autograd.grad", theirs(), expected)
        times = measure(
            timing,
            {"vmap": lambda: batched(params, inputs, targets), "loop": loop, "autograd": theirs},
        )
        measured = (
            f"vmap {duration(times['vmap'])} vs loop {duration(times['loop'])}"
            f"{autograd_aside(times, 'autograd loop')}"
        )
        return [Row(name, measured, times.ratio("loop", "vmap"), at_least(5))]

    return [Case(name, per_example)]


# ---------------------------------------------------------------------------
# 10. grad of a Student-t log-likelihood over 10^6 points (functional_ad.scipy.stats)
# ---------------------------------------------------------------------------

T_POINTS = 10**6


def workload_10() -> list[Case]:
    """grad of a Student-t negative log-likelihood in (loc, scale, df) against SciPy's forward."""
    import scipy.stats

    from functional_ad.scipy import stats

    x = 0.5 + 2.0 * rng().standard_t(4.0, size=T_POINTS)
    theta = np.array([0.3, 1.5, 3.0])
    ours = make_t_negative_log_likelihood(stats.t.logpdf, x)
    plain = make_t_negative_log_likelihood(scipy.stats.t.logpdf, x)
    name = "10. grad, Student-t log-likelihood, n=1e6"

    def likelihood(timing: Timing) -> list[Row]:
        check_close("forward", ours(theta), plain(theta))
        gradient = fad.grad(ours)
        check_close("grad", gradient(theta), t_negative_log_likelihood_gradient(x, theta))
        times = measure(timing, {"fad": lambda: gradient(theta), "scipy": lambda: plain(theta)})
        measured = f"grad {duration(times['fad'])} vs SciPy forward {duration(times['scipy'])}"
        return [Row(name, measured, times.ratio("fad", "scipy"), at_most(3))]

    return [Case(name, likelihood)]


WORKLOADS: dict[int, Callable[[], list[Case]]] = {
    1: workload_1,
    2: workload_2,
    3: workload_3,
    4: workload_4,
    5: workload_5,
    6: workload_6,
    7: workload_7,
    8: workload_8,
    9: workload_9,
    10: workload_10,
}


# ---------------------------------------------------------------------------
# 12. W2 and W6 compiled with the fused backend (numba kernels; pip install -e .[fast])
# ---------------------------------------------------------------------------


def workload_fused() -> list[Case]:
    """compile(grad) of W2 and W6 and compile(hvp) of W6 with backend="numba", and first calls.

    The first call (record + code generation + numba's JIT, or loading kernels cached on
    disk by an earlier run) is timed once, on the wall clock; it has no target here.
    """
    import time

    from functional_ad.transforms import fused

    name_2 = f"12. compile(grad) fused, {LARGE_OPS}-op chain, n=1e6"
    name_6 = "12. compile(grad) fused, Rosenbrock, n=1e5"
    name_hvp = "12. compile(hvp) / compile(grad) fused, Rosenbrock"
    if not fused.engine_available("numba"):
        note = 'no numba (pip install -e ".[fast]")'
        return [Case(name_2, lambda timing: [Row(name_2, "-", note=note)])]
    generator = rng()
    x2 = generator.standard_normal(LARGE_SIZE)
    x6 = generator.standard_normal(ROSENBROCK_SIZE)
    v6 = generator.standard_normal(ROSENBROCK_SIZE)
    chain = make_chain(np, LARGE_OPS)
    rosenbrock = make_rosenbrock(np)

    def first_call(compiled: Callable, *args: object) -> tuple[object, float]:
        start = time.perf_counter()
        result = compiled(*args)
        return result, time.perf_counter() - start

    def chain_rows(timing: Timing) -> list[Row]:
        ours = fad.compile(fad.grad(chain), backend="numba")
        got, first = first_call(ours, x2)
        check_close("compile(grad, backend='numba')", got, chain_gradient(x2, LARGE_OPS))
        times = measure(timing, {"fad": lambda: ours(x2), "numpy": lambda: chain(x2)})
        measured = (
            f"compiled grad {duration(times['fad'])} vs NumPy forward "
            f"{duration(times['numpy'])}; first call {duration(first)}"
        )
        return [Row(name_2, measured, times.ratio("fad", "numpy"), at_most(1.6))]

    def rosenbrock_rows(timing: Timing) -> list[Row]:
        ours = fad.compile(fad.grad(rosenbrock), backend="numba")
        hvp = fad.compile(lambda x, v: fad.hvp(rosenbrock, (x,), (v,))[1][0], backend="numba")
        got, first_grad = first_call(ours, x6)
        check_close("compile(grad, backend='numba')", got, rosenbrock_gradient(x6))
        got, first_hvp = first_call(hvp, x6, v6)
        check_close("compile(hvp, backend='numba')", got, rosenbrock_hvp(x6, v6))
        times = measure(
            timing,
            {
                "grad": lambda: ours(x6),
                "hvp": lambda: hvp(x6, v6),
                "numpy": lambda: rosenbrock(x6),
            },
        )
        grad_text = (
            f"compiled grad {duration(times['grad'])} vs NumPy forward "
            f"{duration(times['numpy'])}; first call {duration(first_grad)}"
        )
        hvp_text = (
            f"compiled hvp {duration(times['hvp'])} vs compiled grad "
            f"{duration(times['grad'])}; first call {duration(first_hvp)}"
        )
        return [
            Row(name_6, grad_text, times.ratio("grad", "numpy"), at_most(1.0)),
            Row(name_hvp, hvp_text, times.ratio("hvp", "grad"), at_most(1.4)),
        ]

    return [Case(name_2, chain_rows), Case(name_6, rosenbrock_rows)]


WORKLOADS[12] = workload_fused


# ---------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------


def run_workload(number: int, timing: Timing) -> list[Row]:
    """Run every case of one workload; a case that raises or disagrees becomes an ERROR row."""
    if fad is None:
        return [harness.error_row(f"{number}. (all)", FAD_IMPORT_ERROR)]
    try:
        cases = WORKLOADS[number]()
    except Exception as error:  # a broken set-up must not hide the other workloads
        return [harness.error_row(f"{number}. set-up", error)]
    rows: list[Row] = []
    for case in cases:
        print(f"running {case.name} ...", file=sys.stderr, flush=True)
        try:
            rows.extend(case.measure(timing))
        except Exception as error:
            rows.append(harness.error_row(case.name, error))
    return rows


def parse_workloads(text: str) -> list[int]:
    """Parse '--only 4,5' into [4, 5], rejecting numbers that name no workload."""
    try:
        numbers = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected numbers like 4,5; got {text!r}") from None
    unknown = [number for number in numbers if number not in WORKLOADS]
    if unknown or not numbers:
        raise argparse.ArgumentTypeError(
            f"workloads are numbered {min(WORKLOADS)} to {max(WORKLOADS)}; got {text!r}"
        )
    return numbers


def main(argv: list[str] | None = None) -> int:
    """Run the chosen workloads, print the table, and return 0 whatever the outcome."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 samples per median")
    parser.add_argument("--repeats", type=int, default=7, help="samples per median (default 7)")
    parser.add_argument(
        "--only",
        type=parse_workloads,
        default=sorted(WORKLOADS),
        metavar="N,M",
        help="run only these workloads (e.g. 4,5)",
    )
    parser.add_argument(
        "--clock",
        choices=sorted(harness.CLOCKS),
        default="cpu",
        help="cpu: this process's CPU time, steady on a busy machine (default); wall: elapsed time",
    )
    options = parser.parse_args(argv)
    timing = Timing(
        repeats=3 if options.quick else options.repeats, clock=harness.CLOCKS[options.clock]
    )

    print(harness.describe_environment(), flush=True)
    if autograd is None:
        print(f"autograd is not installed: comparisons with it are skipped ({INSTALL_HINT})")
    print(
        f"medians of {timing.repeats} rounds of timeit samples, {options.clock} clock, float64, "
        f"seed {SEED}; ratio = time/time for '<=' targets, speed-up for '>=' targets, "
        "the median of the ratios within each round\n",
        flush=True,
    )

    harness.settle_allocator()
    rows: list[Row] = []
    for number in options.only:
        rows.extend(run_workload(number, timing))
    harness.print_table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
