"""Op-table rows for products beyond the first set in core.py (dot, matmul, einsum, outer there).

Every product is (multi)linear and defined on complex numbers, so every row is complex too.
More einsum subscripts are checked in tests/test_linalg.py.
"""

import numpy as np

from tests.op_table import OpCase


def _einsum(spec):
    return lambda *operands: np.einsum(spec, *operands)


ROWS = [
    OpCase("dot[nd]", np.dot, arity=2, shapes=[((2, 3), (4, 3, 2)), ((), (3,))], complex=True),
    OpCase("vdot", np.vdot, arity=2, shapes=[((3,), (3,)), ((2, 3), (3, 2))], complex=True),
    OpCase("inner", np.inner, arity=2, shapes=[((3,), (3,)), ((2, 3), (4, 3))], complex=True),
    OpCase(
        "tensordot",
        lambda a, b: np.tensordot(a, b, axes=([0, 2], [2, 0])),
        arity=2,
        shapes=[((2, 3, 4), (4, 1, 2))],
        complex=True,
    ),
    OpCase(
        "tensordot[int]",
        lambda a, b: np.tensordot(a, b, axes=1),
        arity=2,
        shapes=[((2, 3), (3, 2)), ((3,), (3,))],
        complex=True,
    ),
    OpCase("outer[flattened]", np.outer, arity=2, shapes=[((2, 2), (3,))], complex=True),
    OpCase(
        "matmul[broadcast]", np.matmul, arity=2, shapes=[((2, 1, 2, 3), (3, 3, 2))], complex=True
    ),
    OpCase("einsum[trace]", _einsum("ii"), shapes=[(3, 3)], complex=True),
    OpCase("einsum[diagonal]", _einsum("...ii->...i"), shapes=[(3, 3), (2, 3, 3)], complex=True),
    OpCase(
        "einsum[repeated]", _einsum("iij,j->i"), arity=2, shapes=[((2, 2, 3), (3,))], complex=True
    ),
    OpCase("einsum[implicit]", _einsum("ba,ac"), arity=2, shapes=[((2, 3), (3, 2))], complex=True),
    OpCase(
        "einsum[broadcast]",
        _einsum("...i,...i->..."),
        arity=2,
        shapes=[((1, 3), (2, 3)), ((3,), (2, 3))],
        complex=True,
    ),
    OpCase(
        "einsum[chain]",
        _einsum("ij,jk,kl->il"),
        arity=3,
        shapes=[((2, 3), (3, 3), (3, 2))],
        complex=True,
    ),
    OpCase(
        "einsum[sublist]",
        lambda a, b: np.einsum(a, [Ellipsis, 0, 1], b, [1, 2]),
        arity=2,
        shapes=[((2, 3), (3, 2)), ((2, 2, 3), (3, 1))],
        complex=True,
    ),
    OpCase(
        "kron",
        np.kron,
        arity=2,
        shapes=[((2, 3), (2, 2)), ((), (3,)), ((2,), (2, 1, 2))],
        complex=True,
    ),
    OpCase("cross", np.cross, arity=2, shapes=[((3,), (3,)), ((2, 3), (3,))], complex=True),
    OpCase(
        "cross[axes]",
        lambda a, b: np.cross(a, b, axisa=0, axisb=-1, axisc=0),
        arity=2,
        shapes=[((3, 2), (2, 3))],
        complex=True,
    ),
    OpCase("vecdot", np.vecdot, arity=2, shapes=[((2, 3), (3,))], complex=True),
    OpCase(
        # the vectors at `axis` of each operand, before the others broadcast (a gufunc's axis)
        "vecdot[axis]",
        lambda a, b: np.vecdot(a, b, axis=0),
        arity=2,
        shapes=[((3, 4), (3,)), ((3, 2, 4), (3, 4))],
        complex=True,
    ),
    OpCase("matvec", np.matvec, arity=2, shapes=[((2, 3), (3,)), ((2, 3, 3), (3,))], complex=True),
    OpCase("vecmat", np.vecmat, arity=2, shapes=[((3,), (2, 3, 2))], complex=True),
    OpCase(
        "linalg.vecdot",
        lambda a, b: np.linalg.vecdot(a, b, axis=0),
        arity=2,
        shapes=[((3, 2), (3, 1))],
        complex=True,
    ),
    OpCase("linalg.matmul", np.linalg.matmul, arity=2, shapes=[((3, 2), (2, 2))], complex=True),
    OpCase("linalg.outer", np.linalg.outer, arity=2, shapes=[((3,), (2,))], complex=True),
    OpCase(
        "linalg.tensordot",
        lambda a, b: np.linalg.tensordot(a, b, axes=1),
        arity=2,
        shapes=[((3, 2), (2, 2))],
        complex=True,
    ),
    OpCase("linalg.cross", np.linalg.cross, arity=2, shapes=[((2, 3), (3,))], complex=True),
]
