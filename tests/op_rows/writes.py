"""Op-table rows for NumPy's functions that write into an array (numpy/mutation.py):
np.copyto, np.putmask, np.place, np.put, np.put_along_axis and np.fill_diagonal on a copy
of the first argument, with values from the second (each row returns the array written
into)."""

import numpy as np

from tests.op_table import OpCase

MASK = np.array([[True, False, True], [False, False, True]])


def _target(a, b):
    """A copy of ``a`` that is traced whenever ``a`` or ``b`` is (under vmap, ``a`` may be a
    plain array and ``b`` the traced one)."""
    return a + np.zeros_like(b, shape=np.shape(a))


def _copyto(a, b):
    out = _target(a, b)
    np.copyto(out, b, where=MASK)
    return out


def _putmask(a, b):
    out = _target(a, b)
    np.putmask(out, MASK, b)  # b cycles over the True positions, in order
    return out


def _place(a, b):
    out = _target(a, b)
    np.place(out, MASK, b)
    return out


def _put(a, b):
    out = _target(a, b)
    np.put(out, [5, 0, -2], b)
    return out


def _put_wrap(a, b):
    out = _target(a, b)
    np.put(out, [7, -9], b, mode="wrap")
    return out


def _put_along_axis(a, b):
    out = _target(a, b)
    np.put_along_axis(out, np.array([[2], [0]]), b, axis=1)  # b broadcast along the rows
    return out


def _fill_diagonal(a, b):
    out = _target(a, b)
    np.fill_diagonal(out, b)
    return out


def _fill_diagonal_wrap(a, b):
    out = _target(a, b)
    np.fill_diagonal(out, b, wrap=True)
    return out


ROWS = [
    OpCase("copyto", _copyto, arity=2, shapes=[((2, 3), (2, 3)), ((2, 3), (3,))]),
    OpCase("putmask", _putmask, arity=2, shapes=[((2, 3), (2,)), ((2, 3), (2, 3))]),
    OpCase("place", _place, arity=2, shapes=[((2, 3), (2,)), ((2, 3), (3,))]),
    OpCase("put", _put, arity=2, shapes=[((2, 3), (3,)), ((2, 3), ())]),
    OpCase("put[wrap]", _put_wrap, arity=2, shapes=[((2, 3), (2,))]),
    OpCase("put_along_axis", _put_along_axis, arity=2, shapes=[((2, 3), (2, 1)), ((2, 3), ())]),
    OpCase("fill_diagonal", _fill_diagonal, arity=2, shapes=[((3, 3), (3,)), ((2, 3), ())]),
    OpCase("fill_diagonal[wrap]", _fill_diagonal_wrap, arity=2, shapes=[((7, 3), (2,))]),
]
