"""Op-table rows for NumPy's ufuncs (and np.round, np.sinc) beyond the first set in core.py.

Piecewise-constant functions with float results (floor, round, sign...) are checked to second
order at points away from their jumps, where finite differences see the zero derivative;
functions with boolean results (comparisons, isnan...) are checked for their value only
(order 0) and, in tests/test_complex.py, for returning plain arrays under every transform.
"""

import warnings

import numpy as np

from tests.op_table import OpCase

B = [((3,), (3,)), ((2, 3), (3,)), ((), (2, 3))]  # broadcasting shape pairs
ROW_SHAPES = [(4,), (2, 3)]  # for functions along an axis


def _complex_like(rng, draw, shape, dtype):
    """Draw real values with ``draw``; for complex dtypes draw the imaginary part too."""
    x = draw(rng, shape)
    if np.dtype(dtype).kind == "c":
        x = x + 1j * draw(rng, shape)
    return np.asarray(x, dtype=dtype)


def away_from_zero(lo, hi):
    """Sampler: magnitudes in ``[lo, hi]`` with random signs (kinks and jumps sit at 0)."""

    def draw(rng, shape):
        return rng.uniform(lo, hi, size=shape) * rng.choice([-1.0, 1.0], size=shape)

    return lambda rng, shapes, dtype: tuple(_complex_like(rng, draw, s, dtype) for s in shapes)


def between_jumps(step=1.0):
    """Sampler: values whose distance to the nearest multiple of ``step / 2`` is at least
    ``step / 10``, so floor, ceil, trunc, rint and round are locally constant there."""

    def draw(rng, shape):
        whole = rng.integers(-3, 3, size=shape)
        frac = rng.uniform(0.1, 0.4, size=shape) + 0.5 * rng.integers(0, 2, size=shape)
        return (whole + frac) * step

    return lambda rng, shapes, dtype: tuple(_complex_like(rng, draw, s, dtype) for s in shapes)


def _floor_divide_args(rng, shapes, dtype):
    """x / z at least 0.1 away from integers (remainder, fmod, floor_divide jump there).

    z = ±[0.97, 1.03] and x = k + f with f in [0.25, 0.75], |x| < 4: x / z stays within
    0.15 of k + f.
    """
    z = rng.uniform(0.97, 1.03, size=shapes[1]) * rng.choice([-1.0, 1.0], size=shapes[1])
    x = rng.integers(-3, 3, size=shapes[0]) + rng.uniform(0.25, 0.75, size=shapes[0])
    return np.asarray(x, dtype), np.asarray(z, dtype)


def _with_zeros(x):
    """``x`` with every third element set to exactly 0 (also after any perturbation of x)."""
    pattern = np.resize(np.array([0.0, 1.0, 1.0]), np.shape(x)).astype(x.dtype)
    return x * pattern


def _heaviside(x, h):
    # where x is 0 the result is h (derivative 1 in h); elsewhere 0 or 1 (no derivative)
    return np.heaviside(_with_zeros(x), h)


def _divmod(x, z):
    quotient, rest = np.divmod(x, z)
    return quotient + rest


def _modf(x):
    fractional, integral = np.modf(x)
    return fractional + 2 * integral


def _row_stack(x, y):
    with warnings.catch_warnings():  # (deprecated by NumPy 2.0, still there: it is np.vstack)
        warnings.simplefilter("ignore", DeprecationWarning)
        return np.row_stack([x, y])


ROWS = [
    # arithmetic
    OpCase("negative", np.negative, complex=True),
    OpCase("positive", np.positive, complex=True),
    OpCase("reciprocal", np.reciprocal, sample=away_from_zero(0.5, 2.0), complex=True),
    OpCase("square", np.square, complex=True),
    # float_power computes in float64 by definition: float32 inputs give a float64 result
    OpCase(
        "float_power",
        np.float_power,
        arity=2,
        shapes=B,
        domain=(0.5, 2.0),
        dtypes=("float64",),
        complex=True,
    ),
    OpCase("remainder", np.remainder, arity=2, shapes=B, sample=_floor_divide_args),
    OpCase("fmod", np.fmod, arity=2, shapes=B, sample=_floor_divide_args),
    OpCase("floor_divide", np.floor_divide, arity=2, shapes=B, sample=_floor_divide_args),
    OpCase("divmod", _divmod, arity=2, shapes=B, sample=_floor_divide_args),
    # exponentials and logarithms
    OpCase("exp2", np.exp2, complex=True),
    OpCase("log2", np.log2, domain=(0.2, 5.0), complex=True),
    OpCase("log10", np.log10, domain=(0.2, 5.0), complex=True),
    OpCase("cbrt", np.cbrt, sample=away_from_zero(0.3, 2.0)),
    OpCase("logaddexp", np.logaddexp, arity=2, shapes=B),
    OpCase("logaddexp2", np.logaddexp2, arity=2, shapes=B),
    OpCase("ldexp", lambda x: np.ldexp(x, 3)),
    OpCase("frexp", lambda x: np.frexp(x)[0], domain=(1.1, 1.9)),
    OpCase("modf", _modf, domain=(1.1, 1.9)),
    OpCase("nextafter", lambda x: np.nextafter(x, 10.0)),
    # trigonometric and hyperbolic (complex domains stay away from branch cuts and poles)
    OpCase("arcsin", np.arcsin, domain=(-0.9, 0.9), complex=True),
    OpCase("arccos", np.arccos, domain=(-0.9, 0.9), complex=True),
    OpCase("arctan", np.arctan, domain=(-0.8, 0.8), complex=True),
    OpCase("arcsinh", np.arcsinh, domain=(-0.8, 0.8), complex=True),
    OpCase("arccosh", np.arccosh, domain=(1.1, 3.0), complex=True),
    OpCase("arctanh", np.arctanh, domain=(-0.9, 0.9), complex=True),
    OpCase("arctan2", np.arctan2, arity=2, shapes=B, sample=away_from_zero(0.3, 2.0)),
    OpCase("hypot", np.hypot, arity=2, shapes=B, sample=away_from_zero(0.3, 2.0)),
    OpCase("deg2rad", np.deg2rad),
    OpCase("rad2deg", np.rad2deg),
    OpCase("degrees", np.degrees),
    OpCase("radians", np.radians),
    OpCase("sinc", np.sinc, sample=away_from_zero(0.2, 2.0)),
    # complex parts (on real inputs: identity, zero, identity, constant)
    OpCase("real", np.real, complex=True),
    OpCase("imag", np.imag, complex=True),
    OpCase("conj", np.conj, complex=True),
    OpCase("conjugate", np.conjugate, shapes=[(3,)], complex=True),
    *(  # (np.astype: NumPy 2.1 and later)
        [OpCase("astype", lambda x: np.astype(x, x.dtype, copy=True) * 2.0, shapes=[(3,)])]
        if hasattr(np, "astype")
        else []
    ),
    OpCase("angle", np.angle, sample=away_from_zero(0.3, 2.0), complex=True),
    # piecewise: kinks and jumps avoided by the samplers
    OpCase("fabs", np.fabs, sample=away_from_zero(0.2, 2.0)),
    OpCase("sign", np.sign, sample=away_from_zero(0.2, 2.0), complex=True),
    OpCase("fmax", np.fmax, arity=2, shapes=B),
    OpCase("fmin", np.fmin, arity=2, shapes=B),
    OpCase("copysign", np.copysign, arity=2, shapes=B, sample=away_from_zero(0.2, 2.0)),
    OpCase(
        "heaviside",
        _heaviside,
        arity=2,
        shapes=[((3,), (3,)), ((2, 3), (2, 3))],
        sample=away_from_zero(0.2, 2.0),
    ),
    OpCase("floor", np.floor, sample=between_jumps()),
    OpCase("ceil", np.ceil, sample=between_jumps()),
    OpCase("trunc", np.trunc, sample=between_jumps()),
    OpCase("fix", np.fix, sample=between_jumps()),
    OpCase("rint", np.rint, sample=between_jumps()),
    OpCase("round", lambda x: np.round(x, 1), sample=between_jumps(0.1)),
    OpCase("around", np.around, sample=between_jumps()),
    # the distance to the next float: constant within each binade (derivative 0)
    OpCase("spacing", lambda x: np.spacing(x) * 2.0**20 + x),
    # boolean results: value only
    *[
        OpCase(name, getattr(np, name), arity=2, shapes=B, order=0)
        for name in [
            "less",
            "less_equal",
            "greater",
            "greater_equal",
            "equal",
            "not_equal",
            "logical_and",
            "logical_or",
            "logical_xor",
        ]
    ],
    *[
        OpCase(name, getattr(np, name), order=0)
        for name in ["logical_not", "isnan", "isfinite", "isinf", "signbit"]
    ],
    # ufunc methods
    OpCase("maximum.accumulate", lambda x: np.maximum.accumulate(x, axis=-1), shapes=ROW_SHAPES),
    OpCase("minimum.accumulate", lambda x: np.minimum.accumulate(x), shapes=ROW_SHAPES),
    OpCase("logaddexp.reduce", lambda x: np.logaddexp.reduce(x, axis=-1), shapes=ROW_SHAPES),
    OpCase(
        "logaddexp2.reduce", lambda x: np.logaddexp2.reduce(x, keepdims=True), shapes=ROW_SHAPES
    ),
    OpCase("fmax.reduce", lambda x: np.fmax.reduce(x, axis=0), shapes=ROW_SHAPES),
    OpCase("fmin.reduce", lambda x: np.fmin.reduce(x, axis=-1, keepdims=True), shapes=ROW_SHAPES),
    OpCase(
        "subtract.outer",
        np.subtract.outer,
        arity=2,
        shapes=[((3,), (2,)), ((2, 2), (3,)), ((), (2,))],
    ),
    OpCase(
        "power.outer",
        np.power.outer,
        arity=2,
        shapes=[((3,), (2,)), ((2,), (2, 2))],
        domain=(0.5, 2.0),
    ),
    OpCase("add.reduce", lambda x: np.add.reduce(x, axis=-1), shapes=ROW_SHAPES),
    OpCase("multiply.reduce", lambda x: np.multiply.reduce(x, axis=0), shapes=ROW_SHAPES),
    OpCase("maximum.reduce", lambda x: np.maximum.reduce(x, axis=-1), shapes=ROW_SHAPES),
    OpCase("minimum.reduce", lambda x: np.minimum.reduce(x, axis=0), shapes=ROW_SHAPES),
    OpCase("add.accumulate", lambda x: np.add.accumulate(x, axis=-1), shapes=ROW_SHAPES),
    OpCase("multiply.accumulate", lambda x: np.multiply.accumulate(x, axis=0), shapes=ROW_SHAPES),
    OpCase("row_stack", _row_stack, arity=2, shapes=[((3,), (3,))]),
    *[
        OpCase(
            f"{name}.outer",
            getattr(np, name).outer,
            arity=2,
            shapes=[((3,), (2,)), ((2, 2), (3,))],
            domain=domain,
            dtypes=("float64",) if name == "float_power" else ("float64", "float32"),
        )
        for name, domain in [
            ("add", (-2.0, 2.0)),
            ("multiply", (-2.0, 2.0)),
            ("divide", (0.5, 2.0)),
            ("arctan2", (0.5, 2.0)),
            ("hypot", (0.5, 2.0)),
            ("logaddexp", (-2.0, 2.0)),
            ("logaddexp2", (-2.0, 2.0)),
            ("maximum", (-2.0, 2.0)),
            ("minimum", (-2.0, 2.0)),
            ("fmax", (-2.0, 2.0)),
            ("fmin", (-2.0, 2.0)),
            ("fmod", (0.5, 2.0)),
            ("remainder", (0.5, 2.0)),
            ("copysign", (0.5, 2.0)),
            ("float_power", (0.5, 2.0)),
            ("heaviside", (0.5, 2.0)),
        ]
    ],
]
