"""Op-table rows for ``ufunc.at`` (numpy/mutation.py): the ufunc applied in place at indices,
unbuffered, so a repeated index applies it again (``np.add.at(a, [0, 0], b)`` adds twice).

Each row copies its first argument, applies ``ufunc.at`` to the copy and returns it. Binary
ufuncs with a smooth, unbounded domain get a repeated index; the others (domains a second
application would leave, jumps, boolean and integer results) get distinct indices, with the
samplers of elementwise.py keeping away from kinks and jumps.
"""

import numpy as np

from tests.op_rows.elementwise import _floor_divide_args, away_from_zero, between_jumps
from tests.op_table import OpCase

REPEATED = np.array([0, 2, 0])
DISTINCT = np.array([2, 0])
UNARY_SHAPES = [(4,), (4, 2)]
REPEATED_SHAPES = [((4,), (3,)), ((4, 2), ())]
DISTINCT_SHAPES = [((4,), (2,)), ((4, 2), (2,))]


def at_unary(ufunc, index=DISTINCT):
    """``a -> a`` with ``ufunc`` applied in place at ``index``."""

    def fn(a):
        out = np.copy(a)
        ufunc.at(out, index)
        return out

    return fn


def at_binary(ufunc, index):
    """``(a, b) -> a`` with ``ufunc(a[index], b)`` written in place at ``index``."""

    def fn(a, b):
        # (a traced array even when only b is traced, as under vmap with a unbatched)
        out = a + np.zeros_like(b, shape=np.shape(a))
        ufunc.at(out, index, b)
        return out

    return fn


def at_integers(ufunc, *operand):
    """An integer ufunc (bitwise): on the traced integer parts of ``a``, added back to
    ``a`` (the integer part has derivative zero away from the jumps of floor)."""

    def fn(a):
        integers = np.floor(a).astype(np.int64)
        ufunc.at(integers, DISTINCT, *operand)
        return a + integers

    return fn


def _unary(name, sample=None, domain=(-2.0, 2.0)):
    return OpCase(
        f"{name}.at", at_unary(getattr(np, name)), shapes=UNARY_SHAPES, domain=domain, sample=sample
    )


def _repeated(name, domain=(-2.0, 2.0), **options):
    return OpCase(
        f"{name}.at",
        at_binary(getattr(np, name), REPEATED),
        arity=2,
        shapes=REPEATED_SHAPES,
        domain=domain,
        **options,
    )


def _distinct(name, sample=None, domain=(-2.0, 2.0)):
    return OpCase(
        f"{name}.at",
        at_binary(getattr(np, name), DISTINCT),
        arity=2,
        shapes=DISTINCT_SHAPES,
        domain=domain,
        sample=sample,
    )


SIGNED = away_from_zero(0.3, 2.0)

ROWS = [
    # unary, smooth on (-2, 2)
    *[
        _unary(name)
        for name in [
            "negative",
            "positive",
            "conjugate",
            "square",
            "exp",
            "exp2",
            "expm1",
            "sin",
            "cos",
            "sinh",
            "cosh",
            "tanh",
            "deg2rad",
            "degrees",
            "rad2deg",
            "radians",
        ]
    ],  # fmt: skip
    _unary("tan", domain=(-1.2, 1.2)),
    *[_unary(name, domain=(-0.9, 0.9)) for name in ["arcsin", "arccos", "arctanh"]],
    *[_unary(name, domain=(-0.8, 0.8)) for name in ["arctan", "arcsinh"]],
    _unary("arccosh", domain=(1.1, 3.0)),
    *[_unary(name, domain=(0.2, 5.0)) for name in ["log", "log2", "log10", "log1p", "sqrt"]],
    # unary, kinks or jumps at 0 or at the integers
    *[_unary(name, SIGNED) for name in ["absolute", "fabs", "sign", "cbrt", "reciprocal"]],
    *[_unary(name, between_jumps()) for name in ["floor", "ceil", "trunc", "rint", "spacing"]],
    # unary with boolean results, written into a float array (constant 0 or 1 there)
    *[_unary(name, SIGNED) for name in ["isfinite", "isinf", "isnan", "signbit", "logical_not"]],
    # binary, repeated indices
    *[
        _repeated(name)
        for name in [
            "add",
            "subtract",
            "multiply",
            "maximum",
            "minimum",
            "fmax",
            "fmin",
            "logaddexp",
            "logaddexp2",
        ]
    ],  # fmt: skip
    *[_repeated(name, domain=(0.5, 2.0)) for name in ["divide", "power", "arctan2", "hypot"]],
    # float_power computes in float64: a float32 target would be cast back
    _repeated("float_power", domain=(0.5, 2.0), dtypes=("float64",)),
    # binary, distinct indices
    _distinct("copysign", away_from_zero(0.2, 2.0)),
    *[_distinct(name, _floor_divide_args) for name in ["fmod", "remainder", "floor_divide"]],
    _distinct("heaviside", SIGNED),
    *[
        _distinct(name, SIGNED)
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
    ],  # fmt: skip
    OpCase("ldexp.at", lambda a: _ldexp_at(a), shapes=UNARY_SHAPES),
    OpCase("nextafter.at", lambda a: _nextafter_at(a), shapes=UNARY_SHAPES),
    # integer ufuncs, on the integer parts of the input
    *[
        OpCase(
            f"{name}.at",
            at_integers(getattr(np, name), 3),
            shapes=UNARY_SHAPES,
            sample=between_jumps(),
        )
        for name in ["bitwise_and", "bitwise_or", "bitwise_xor"]
    ],
    OpCase("invert.at", at_integers(np.invert), shapes=UNARY_SHAPES, sample=between_jumps()),
]


def _ldexp_at(a):
    out = np.copy(a)
    np.ldexp.at(out, DISTINCT, np.array([3, -1]))
    return out


def _nextafter_at(a):
    out = np.copy(a)
    np.nextafter.at(out, DISTINCT, 10.0)
    return out
