"""Fit the parameters of an ODE to noisy data, with gradients from odeint's adjoint method.

Run it from the repository root or from anywhere else:

    python examples/ode_fit.py [--plot PATH]

The Lotka-Volterra model ``prey' = a prey - 0.4 prey predator``, ``predator' = b prey
predator - predator`` is simulated with ``functional_ad.scipy.integrate.odeint`` (SciPy's
solver underneath). The loss is the squared misfit to noisy observations; ``fad.grad(loss)``
runs the adjoint method (one backward solve, whatever the number of solver steps) and is
checked against forward sensitivities (``fad.jacfwd``). SciPy's BFGS then fits ``(a, b)``
with that gradient. The script exits with status 1 if a check fails; with matplotlib
installed it saves a plot of the data and the fitted trajectories (by default in the
temporary directory).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import scipy.optimize  # noqa: E402

import functional_ad as fad  # noqa: E402
from functional_ad.scipy.integrate import odeint  # noqa: E402

TIMES = np.linspace(0.0, 5.0, 11)
START = np.array([2.0, 1.0])
TRUTH = np.array([1.1, 0.3])


def lotka_volterra(y, t, theta):
    """The right-hand side: prey grow at rate a, predators convert prey at rate b."""
    prey, predator = y[0], y[1]
    return np.stack(
        [theta[0] * prey - 0.4 * prey * predator, theta[1] * prey * predator - predator]
    )


def observations(seed: int = 0) -> np.ndarray:
    """The true trajectory with 2 % multiplicative noise."""
    rng = np.random.default_rng(seed)
    clean = odeint(lotka_volterra, START, TIMES, (TRUTH,))
    return clean * (1 + 0.02 * rng.standard_normal(clean.shape))


def make_loss(data: np.ndarray):
    """The squared misfit of the simulated trajectory to ``data``."""

    def loss(theta):
        simulated = odeint(lotka_volterra, START, TIMES, (theta,), rtol=1e-10, atol=1e-10)
        return np.sum((simulated - data) ** 2)

    return loss


def fit(data: np.ndarray, guess: np.ndarray) -> scipy.optimize.OptimizeResult:
    """BFGS on the loss, with the adjoint gradient."""
    loss = make_loss(data)
    return scipy.optimize.minimize(loss, guess, jac=fad.grad(loss), method="BFGS")


def plot(data: np.ndarray, theta: np.ndarray, path: Path) -> bool:
    """Save the data and the fitted trajectories; False without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("(matplotlib is not installed: no plot; pip install '.[plot]')")
        return False
    fine = np.linspace(TIMES[0], TIMES[-1], 200)
    fitted = odeint(lotka_volterra, START, fine, (theta,))
    fig, ax = plt.subplots(figsize=(6, 3.2), dpi=120)
    for k, (name, colour) in enumerate([("prey", "tab:blue"), ("predators", "tab:red")]):
        ax.plot(TIMES, data[:, k], "o", color=colour, label=f"{name}, observed")
        ax.plot(fine, fitted[:, k], "-", color=colour, label=f"{name}, fitted")
    ax.set_xlabel("t")
    ax.legend(fontsize=8, ncol=2)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = Path(tempfile.gettempdir()) / "ode_fit.png"
    parser.add_argument("--plot", type=Path, default=default, help="where to save the plot")
    args = parser.parse_args(argv)

    data = observations()
    loss = make_loss(data)
    guess = np.array([0.9, 0.4])
    adjoint = fad.grad(loss)(guess)
    forward = fad.jacfwd(loss)(guess)
    print(f"gradient at {guess}: adjoint {adjoint}, forward sensitivities {forward}")
    ok = bool(np.allclose(adjoint, forward, rtol=1e-6))

    result = fit(data, guess)
    print(f"fitted (a, b) = {result.x} in {result.nit} BFGS iterations; truth {TRUTH}")
    ok &= bool(np.allclose(result.x, TRUTH, atol=0.03))
    if plot(data, result.x, args.plot):
        print(f"plot saved to {args.plot}")
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
