"""Op-table rows for np.convolve / np.correlate and functional_ad.scipy.signal."""

import numpy as np

from tests.op_table import OpCase

try:
    import functional_ad.scipy.signal as sig
except ImportError:  # pragma: no cover - SciPy is optional
    sig = None

VECTORS = [((5,), (3,)), ((3,), (4,))]


def _filter_args(rng, shapes, dtype):
    """b anywhere, a stable (a[0] away from 0, small feedback), x anywhere."""
    b = rng.normal(size=shapes[0])
    a = 0.3 * rng.normal(size=shapes[1])
    a[0] = 1.5 + abs(a[0])
    x = rng.normal(size=shapes[2])
    return tuple(np.asarray(v, dtype) for v in (b, a, x))


def _rows():
    rows = []
    for mode in ("full", "same", "valid"):
        rows.append(
            OpCase(
                f"convolve[{mode}]",
                lambda a, v, mode=mode: np.convolve(a, v, mode),
                arity=2,
                shapes=VECTORS,
                complex=True,
            )
        )
        rows.append(
            OpCase(
                f"correlate[{mode}]",
                lambda a, v, mode=mode: np.correlate(a, v, mode),
                arity=2,
                shapes=VECTORS,
                complex=True,
            )
        )
    if sig is None:
        return rows
    for mode in ("full", "same", "valid"):
        rows += [
            OpCase(
                f"signal.convolve[{mode}]",
                lambda a, v, mode=mode: sig.convolve(a, v, mode),
                arity=2,
                shapes=[((5,), (3,)), ((4, 3), (2, 2))],
                dtypes=("float64",),
            ),
            OpCase(
                f"signal.correlate[{mode}]",
                lambda a, v, mode=mode: sig.correlate(a, v, mode),
                arity=2,
                shapes=[((5,), (3,)), ((3,), (5,)), ((4, 3), (2, 2))],
                dtypes=("float64",),
            ),
            OpCase(
                f"signal.convolve2d[{mode}]",
                lambda a, v, mode=mode: sig.convolve2d(a, v, mode),
                arity=2,
                shapes=[((4, 3), (2, 2)), ((2, 2), (3, 4))],
                dtypes=("float64",),
            ),
            OpCase(
                f"signal.correlate2d[{mode}]",
                lambda a, v, mode=mode: sig.correlate2d(a, v, mode),
                arity=2,
                shapes=[((4, 3), (2, 2)), ((4, 4), (3, 3))],
                dtypes=("float64",),
            ),
        ]
    rows += [
        OpCase(
            "signal.fftconvolve",
            lambda a, v: sig.fftconvolve(a, v, "same"),
            arity=2,
            shapes=[((6,), (3,))],
            dtypes=("float64",),
        ),
        OpCase(
            "signal.lfilter",
            sig.lfilter,
            arity=3,
            shapes=[((2,), (3,), (6,)), ((3,), (2,), (2, 5))],
            sample=_filter_args,
            dtypes=("float64",),
        ),
        OpCase(
            "signal.lfilter[axis=0]",
            lambda b, a, x: sig.lfilter(b, a, x, axis=0),
            arity=3,
            shapes=[((2,), (2,), (5, 2))],
            sample=_filter_args,
            dtypes=("float64",),
        ),
        OpCase("signal.detrend", sig.detrend, shapes=[(5,), (2, 4)], dtypes=("float64",)),
        OpCase(
            "signal.detrend[constant]",
            lambda x: sig.detrend(x, axis=0, type="constant"),
            shapes=[(4, 2)],
            dtypes=("float64",),
        ),
    ]
    return rows


ROWS = _rows()
