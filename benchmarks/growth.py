"""How cost grows with the work: fitted exponents of time against size, and a log-log plot.

Run from the repository root:

    python benchmarks/growth.py                 # the full ranges (a few minutes)
    python benchmarks/growth.py --quick         # smaller ranges, 3 samples each
    python benchmarks/growth.py --plot out.png  # also draw the curves (needs matplotlib)

Curves, each timed at several sizes (medians of alternating samples, ``harness.py``):

- ``grad`` of a k-op elementwise chain on 3 elements against k: the per-op overhead must
  stay flat (time grows linearly: exponent ≤ 1.1);
- ``grad`` of the 10-op chain against n = 10³ … 10⁷, beside the NumPy forward: linear in n;
- ``grad`` through an s-step scalar loop against s = 10³ … 10⁵: reverse mode linear in the
  graph size (exponent ≤ 1.1);
- ``jacrev`` of tanh(W x) + sin(x) and ``hessian`` of the softplus objective against
  n = 50 … 800: a Jacobian costs no more than n vector-Jacobian products (the ratio
  ``jacrev / (n × vjp)`` at the largest n ≤ 1).

The exponent is the least-squares slope of log(time) against log(size) over the upper half
of the sizes (where fixed costs no longer dominate). The exit code is always 0.
"""

# ruff: noqa: E402  (the thread limits below must be set before NumPy is imported)
from __future__ import annotations

import os

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass

import harness
import numpy as np
from functions import make_chain, make_scalar_loop, make_softplus_objective, make_tanh_layer
from harness import SEED, Row, Timing, at_most, duration

import functional_ad as fad


@dataclass
class Curve:
    """Times of one computation at increasing sizes, and the bound on its fitted exponent."""

    name: str
    unit: str  # what the size counts
    sizes: list[int]
    times: list[float]
    bound: float | None  # on the exponent; None: shown, not judged

    def exponent(self) -> float:
        """Least-squares slope of log(time) against log(size) over the upper half of sizes."""
        half = len(self.sizes) // 2
        sizes, times = np.log(self.sizes[half:]), np.log(self.times[half:])
        return float(np.polyfit(sizes, times, 1)[0])


def _time(timing: Timing, call: Callable[[], object]) -> float:
    (samples,) = timing.samples(call)
    return float(np.median(samples))


def chain_ops(timing: Timing, quick: bool) -> list[Curve]:
    x = np.random.default_rng(SEED).standard_normal(3)
    sizes = [10, 30, 100, 300] if quick else [10, 30, 100, 300, 1000]
    eager, compiled = [], []
    for k in sizes:
        chain = make_chain(np, k)
        grad, fast = fad.grad(chain), fad.compile(fad.grad(chain))
        eager.append(_time(timing, lambda g=grad: g(x)))  # type: ignore[misc]
        compiled.append(_time(timing, lambda g=fast: g(x)))  # type: ignore[misc]
    return [
        Curve("grad, k-op chain (n=3)", "ops", sizes, eager, 1.1),
        Curve("compile(grad), k-op chain (n=3)", "ops", sizes, compiled, 1.1),
    ]


def chain_size(timing: Timing, quick: bool) -> list[Curve]:
    sizes = [10**3, 10**4, 10**5] if quick else [10**3, 10**4, 10**5, 10**6, 10**7]
    chain = make_chain(np, 10)
    grad = fad.grad(chain)
    forward, gradient = [], []
    for n in sizes:
        x = np.random.default_rng(SEED).standard_normal(n)
        forward.append(_time(timing, lambda x=x: chain(x)))  # type: ignore[misc]
        gradient.append(_time(timing, lambda x=x: grad(x)))  # type: ignore[misc]
    return [
        Curve("NumPy forward, 10-op chain", "n (array length)", sizes, forward, None),
        Curve("grad, 10-op chain", "n (array length)", sizes, gradient, 1.1),
    ]


def loop_steps(timing: Timing, quick: bool) -> list[Curve]:
    sizes = [10**3, 3 * 10**3, 10**4] if quick else [10**3, 3 * 10**3, 10**4, 3 * 10**4, 10**5]
    times = []
    for steps in sizes:
        grad = fad.grad(make_scalar_loop(np, steps))
        times.append(_time(Timing(min(timing.repeats, 3), timing.clock), lambda g=grad: g(0.3)))  # type: ignore[misc]
    return [Curve("grad, s-step scalar loop", "steps", sizes, times, 1.1)]


def jacobians(timing: Timing, quick: bool) -> tuple[list[Curve], list[Row]]:
    sizes = [50, 100, 200] if quick else [50, 100, 200, 400, 800]
    jac, vjp, hess = [], [], []
    for n in sizes:
        generator = np.random.default_rng(SEED)
        weights = generator.standard_normal((n, n)) / np.sqrt(n)
        x = generator.standard_normal(n)
        layer = make_tanh_layer(np, weights)
        jacrev = fad.jacrev(layer)
        _, pullback = fad.vjp(layer, x)
        cotangent = np.ones(n)
        jac.append(_time(timing, lambda f=jacrev, x=x: f(x)))  # type: ignore[misc]
        vjp.append(_time(timing, lambda x=x, f=layer, c=cotangent: fad.vjp(f, x)[1](c)))  # type: ignore[misc]
        hessian = fad.hessian(make_softplus_objective(np, weights))
        hess.append(_time(timing, lambda f=hessian, x=x: f(x)))  # type: ignore[misc]
        del pullback
    rows = [
        Row(
            f"jacrev / (n x vjp) at n={n}",
            f"jacrev {duration(j)} vs vjp {duration(v)}",
            j / (n * v),
            at_most(1.0) if n == sizes[-1] else None,
        )
        for n, j, v in zip(sizes, jac, vjp, strict=True)
    ]
    return [
        Curve("jacrev, tanh(Wx) + sin(x)", "n (matrix side)", sizes, jac, None),
        Curve("vjp (record + pull back), same f", "n (matrix side)", sizes, vjp, None),
        Curve("hessian, softplus objective", "n (matrix side)", sizes, hess, None),
    ], rows


def curve_rows(curves: list[Curve]) -> list[Row]:
    """One row per curve: its times by size and its fitted exponent against the bound."""
    rows = []
    for curve in curves:
        figures = ", ".join(
            f"{size:g}: {duration(t)}" for size, t in zip(curve.sizes, curve.times, strict=True)
        )
        bound = None if curve.bound is None else at_most(curve.bound)
        rows.append(
            Row(f"{curve.name} (exponent in {curve.unit})", figures, curve.exponent(), bound)
        )
    return rows


def plot(curves: list[Curve], path: str) -> None:
    """Draw every curve on log-log axes, one panel per kind of size, into ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    units = list(dict.fromkeys(curve.unit for curve in curves))
    figure, axes = plt.subplots(1, len(units), figsize=(4.2 * len(units), 3.6))
    for ax, unit in zip(np.atleast_1d(axes), units, strict=True):
        for curve in curves:
            if curve.unit == unit:
                label = f"{curve.name} (slope {curve.exponent():.2f})"
                ax.loglog(curve.sizes, curve.times, marker="o", label=label)
        ax.set_xlabel(unit)
        ax.set_ylabel("seconds")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def main(argv: list[str] | None = None) -> int:
    """Measure every curve, print the table, draw the plot if asked; return 0."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller ranges, 3 samples")
    parser.add_argument(
        "--repeats", type=int, help="samples per median (default 5, 3 with --quick)"
    )
    parser.add_argument("--plot", metavar="PATH", help="draw the curves into this image file")
    parser.add_argument("--clock", choices=sorted(harness.CLOCKS), default="cpu")
    options = parser.parse_args(argv)
    repeats = options.repeats or (3 if options.quick else 5)
    timing = Timing(repeats, harness.CLOCKS[options.clock])
    print(harness.describe_environment(), flush=True)
    print(f"medians of {timing.repeats} samples, {options.clock} clock\n", flush=True)
    harness.settle_allocator()
    curves: list[Curve] = []
    extra: list[Row] = []
    for name, measure in (("per-op", chain_ops), ("size", chain_size), ("loop", loop_steps)):
        print(f"measuring {name} ...", file=sys.stderr, flush=True)
        curves += measure(timing, options.quick)
    print("measuring jacobians ...", file=sys.stderr, flush=True)
    jacobian_curves, extra = jacobians(timing, options.quick)
    curves += jacobian_curves
    harness.print_table(curve_rows(curves) + extra)
    if options.plot:
        plot(curves, options.plot)
        print(f"\nplot written to {options.plot}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
