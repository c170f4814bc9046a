"""Op-table rows for functional_ad.scipy.optimize: solutions differentiated in parameters."""

import numpy as np

from tests.op_table import OpCase

try:
    import functional_ad.scipy.optimize as opt
except ImportError:  # pragma: no cover - SciPy is optional
    opt = None

F64 = ("float64",)


def _system(x, a, b):
    return np.stack([x[0] ** 3 + a * x[1] - 1.0, np.sin(x[1]) + b * x[0]])


def _objective(x, c, w):
    return np.sum(w * (x - c) ** 2) + 0.1 * np.sum(x**4)


def _newton(g, x0):
    """A hand-written solver for custom_root: Newton's method on plain values."""
    x = np.array(x0, dtype=float)
    for _ in range(60):
        step = g(x) / (3 * x**2)
        x = x - step
        if np.all(np.abs(step) < 1e-15):
            break
    return x


def _rows():
    if opt is None:
        return []
    tight = {"xtol": 1e-13}
    return [
        OpCase(
            "optimize.root",
            lambda a, b: opt.root(_system, np.array([0.5, 0.5]), args=(a, b), options=tight).x,
            arity=2,
            shapes=[((), ())],
            domain=(0.2, 0.8),
            dtypes=F64,
        ),
        OpCase(
            "optimize.minimize",
            lambda c, w: (
                opt.minimize(_objective, np.zeros(3), args=(c, w), method="Newton-CG", tol=1e-13).x
            ),
            arity=2,
            shapes=[((3,), (3,))],
            domain=(0.5, 1.5),
            dtypes=F64,
        ),
        OpCase(
            "optimize.fixed_point",
            lambda a: opt.fixed_point(
                lambda x, a: np.cos(a * x), np.full(np.shape(a), 0.5), args=(a,), xtol=1e-14
            ),
            shapes=[(), (2,)],
            domain=(0.5, 1.0),
            dtypes=F64,
        ),
        OpCase(
            "optimize.custom_root",
            lambda a: opt.custom_root(lambda x, a: x**3 - a, np.ones(np.shape(a)), _newton, (a,)),
            shapes=[(), (3,)],
            domain=(0.5, 8.0),
            dtypes=F64,
        ),
    ]


ROWS = _rows()
