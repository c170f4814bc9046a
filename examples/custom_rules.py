"""Custom derivative rules: a numerically stable log1pexp, and SciPy calls with hand-written
derivatives.

Run: python examples/custom_rules.py   (prints each result beside the expected value and
exits with status 1 if any disagrees)

1. ``log1pexp(x) = log(1 + e^x)`` with ``custom_jvp``: the obvious code overflows for large
   ``x`` and its gradient is NaN; the custom rule ``x_dot * sigmoid(x)`` is exact everywhere.
2. ``gaussian_integral(a) = ∫₀¹ exp(-a t²) dt`` computed by ``scipy.integrate.quad`` with
   ``custom_vjp``: the derivative ``-∫₀¹ t² exp(-a t²) dt`` is another quadrature. SciPy
   cannot see traced values, so the rule is what makes ``grad`` (and, derived from it,
   ``jvp``) work at all.
3. ``ellipk(m)``, the complete elliptic integral of the first kind from ``scipy.special``
   (not in functional_ad's registry), with its textbook derivative written in NumPy.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

try:  # parts 2 and 3 wrap SciPy functions; part 1 needs only NumPy
    import scipy.integrate
    import scipy.special
except ImportError:
    scipy = None

# Running the file directly puts examples/ on sys.path, not the repository root.
REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import functional_ad as fad  # noqa: E402
from functional_ad import custom_jvp, custom_vjp  # noqa: E402

# ----------------------------------------------------------------------------- 1. log1pexp


def sigmoid(x):
    """1 / (1 + e^-x), written so that it neither overflows nor loses precision."""
    return np.exp(-np.logaddexp(0.0, -x))


@custom_jvp
def log1pexp(x):
    """log(1 + e^x): for large x it is x (the naive formula would overflow)."""
    return np.where(x > 30.0, x, np.log1p(np.exp(np.minimum(x, 30.0))))


@log1pexp.defjvp
def log1pexp_jvp(primals, tangents):
    (x,), (x_dot,) = primals, tangents
    return log1pexp(x), x_dot * sigmoid(x)  # d/dx log(1 + e^x) = sigmoid(x)


def log1pexp_naive(x):
    # the same values, but the untaken branch's derivative e^x / (1 + e^x) is inf/inf = NaN
    return np.where(x > 30.0, x, np.log1p(np.exp(x)))


# ----------------------------------------------------------------------------- 2. quad


@custom_vjp
def gaussian_integral(a):
    """∫₀¹ exp(-a t²) dt by adaptive quadrature (a scalar a)."""
    value, _ = scipy.integrate.quad(lambda t: np.exp(-a * t * t), 0.0, 1.0)
    return np.asarray(value)


def gaussian_integral_fwd(a):
    derivative, _ = scipy.integrate.quad(lambda t: -t * t * np.exp(-a * t * t), 0.0, 1.0)
    return gaussian_integral(a), derivative  # the residual: dF/da at this a


def gaussian_integral_bwd(derivative, g):
    return (g * derivative,)


gaussian_integral.defvjp(gaussian_integral_fwd, gaussian_integral_bwd)


def gaussian_integral_exact(a):
    """Closed form: √π erf(√a) / (2√a)."""
    return np.sqrt(np.pi) * scipy.special.erf(np.sqrt(a)) / (2 * np.sqrt(a))


def gaussian_integral_derivative_exact(a):
    """d/da of the closed form: e^-a / (2a) - √π erf(√a) / (4 a^{3/2})."""
    return np.exp(-a) / (2 * a) - np.sqrt(np.pi) * scipy.special.erf(np.sqrt(a)) / (4 * a**1.5)


# ----------------------------------------------------------------------------- 3. ellipk


@custom_vjp
def ellipk(m):
    """K(m) = ∫₀^{π/2} dθ / √(1 - m sin²θ), elementwise, for m < 1."""
    return scipy.special.ellipk(m)


def ellipk_fwd(m):
    k, e = scipy.special.ellipk(m), scipy.special.ellipe(m)
    return k, (m, k, e)


def ellipk_bwd(residuals, g):
    m, k, e = residuals
    return (g * (e - (1 - m) * k) / (2 * m * (1 - m)),)  # dK/dm, for 0 < m < 1


ellipk.defvjp(ellipk_fwd, ellipk_bwd)


# ----------------------------------------------------------------------------- checks


def main() -> int:
    rows = []

    def compare(label, computed, expected, tol=1e-9):
        ok = np.allclose(computed, expected, rtol=tol, atol=tol)
        rows.append(ok)
        print(
            f"{'ok ' if ok else 'BAD'}  {label:<44} {np.array2string(np.asarray(computed))}"
            f"   expected {np.array2string(np.asarray(expected))}"
        )

    print("1. log1pexp with custom_jvp")
    with np.errstate(over="ignore", invalid="ignore"):
        naive = fad.grad(log1pexp_naive)(1000.0)
    print(f"     naive gradient at x = 1000: {naive}  (the NaN this example avoids)")
    compare("log1pexp(1000)", log1pexp(1000.0), 1000.0)
    compare("grad log1pexp at 1000", fad.grad(log1pexp)(1000.0), 1.0)
    compare("grad log1pexp at -1000", fad.grad(log1pexp)(-1000.0), 0.0)
    xs = np.array([-2.0, 0.0, 3.0])
    compare(
        "grad at [-2, 0, 3] (reverse mode)",
        fad.grad(lambda x: np.sum(log1pexp(x)))(xs),
        sigmoid(xs),
    )
    compare("second derivative (grad of grad) at 0", fad.grad(fad.grad(log1pexp))(0.0), 0.25)

    if scipy is None:
        print("2-3. skipped: they wrap SciPy functions (pip install scipy)")
        failed = rows.count(False)
        print(f"{len(rows) - failed} of {len(rows)} agree")
        return 1 if failed else 0

    print("2. scipy.integrate.quad with custom_vjp")
    a = 1.7
    compare("F(1.7)", gaussian_integral(a), gaussian_integral_exact(a))
    compare("grad F at 1.7", fad.grad(gaussian_integral)(a), gaussian_integral_derivative_exact(a))
    compare(
        "jvp of F at 1.7 (forward mode, from bwd)",
        fad.jvp(gaussian_integral, (a,), (1.0,))[1],
        gaussian_integral_derivative_exact(a),
    )
    loss = fad.grad(lambda a: (gaussian_integral(a) - 0.5) ** 2)(a)
    compare(
        "grad of (F - 0.5)^2 at 1.7",
        loss,
        2 * (gaussian_integral_exact(a) - 0.5) * gaussian_integral_derivative_exact(a),
    )

    print("3. scipy.special.ellipk with custom_vjp")
    m = np.array([0.1, 0.5, 0.9])
    eps = 1e-6
    central = (scipy.special.ellipk(m + eps) - scipy.special.ellipk(m - eps)) / (2 * eps)
    compare(
        "grad sum K(m) (vs central differences)",
        fad.grad(lambda m: np.sum(ellipk(m)))(m),
        central,
        tol=1e-6,
    )
    compare("jacfwd K(m) diagonal", np.diag(fad.jacfwd(ellipk)(m)), central, tol=1e-6)

    failed = rows.count(False)
    print(f"{len(rows) - failed} of {len(rows)} agree")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
