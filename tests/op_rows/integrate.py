"""Op-table rows for functional_ad.scipy.integrate: ODE solutions (first order: their rules
run SciPy on plain values), quadrature (second order) and sampled-data rules."""

import numpy as np

from tests.op_table import OpCase

try:
    import functional_ad.scipy.integrate as itg
except ImportError:  # pragma: no cover - SciPy is optional
    itg = None

F64 = ("float64",)
TIGHT = {"rtol": 1e-11, "atol": 1e-11}
TIMES = np.array([0.0, 0.4, 1.1])


def _oscillator(y, t, k, c):
    """A damped oscillator with a time-dependent drive."""
    return np.stack([y[1], -k * y[0] - c * y[1] + 0.3 * np.sin(t)])


def _times(rng, shapes, dtype):
    """Increasing output times, and the start state."""
    t = np.cumsum(rng.uniform(0.2, 0.6, size=shapes[0]))
    y0 = rng.uniform(-1.0, 1.0, size=shapes[1])
    return np.asarray(t, dtype), np.asarray(y0, dtype)


def _rows():
    if itg is None:
        return []
    return [
        OpCase(
            "integrate.odeint",
            lambda y0, k, c: itg.odeint(_oscillator, y0, TIMES, (k, c), **TIGHT),
            arity=3,
            shapes=[((2,), (), ())],
            domain=(0.5, 1.5),
            order=2,
            dtypes=F64,
        ),
        OpCase(
            "integrate.odeint[t]",
            lambda t, y0: itg.odeint(_oscillator, y0, t, (1.0, 0.2), **TIGHT),
            arity=2,
            shapes=[((3,), (2,))],
            sample=_times,
            order=2,
            dtypes=F64,
        ),
        OpCase(
            "integrate.solve_ivp",
            lambda y0, k: (
                itg.solve_ivp(
                    lambda t, y, k: -k * y * (1 + 0.5 * np.sin(t)),
                    (0.0, 1.0),
                    y0,
                    method="DOP853",
                    t_eval=np.array([0.0, 0.5, 1.0]),
                    args=(k,),
                    **TIGHT,
                ).y
            ),
            arity=2,
            shapes=[((2,), ())],
            domain=(0.5, 1.5),
            order=2,
            dtypes=F64,
        ),
        OpCase(
            "integrate.quad",
            lambda a, b, c: itg.quad(lambda x, c: np.exp(-c * x) * np.cos(x), a, b, (c,))[0],
            arity=3,
            shapes=[((), (), ())],
            domain=(0.2, 1.5),
            dtypes=F64,
        ),
        OpCase(
            "integrate.trapezoid",
            lambda y, x: itg.trapezoid(y, x=x),
            arity=2,
            shapes=[((5,), (5,)), ((2, 5), (5,))],
        ),
        OpCase(
            "integrate.simpson",
            lambda y: itg.simpson(y, dx=0.5),
            shapes=[(5,), (4,), (2, 5)],
            dtypes=F64,
        ),
    ]


ROWS = _rows()
