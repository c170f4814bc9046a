"""Op-table rows for indexing: x[index] in its basic and advanced forms (ops/indexing.py)."""

import numpy as np

from tests.op_table import OpCase

REPEATED = np.array([0, 2, 0, 0, -1])

ROWS = [
    OpCase("getitem[int]", lambda x: x[1], shapes=[(3,), (2, 3)], complex=True),
    OpCase("getitem[negative int]", lambda x: x[-1, -2], shapes=[(2, 3), (2, 3, 2)]),
    OpCase("getitem[0-d]", lambda x: x[()], shapes=[()]),
    OpCase("getitem[ellipsis]", lambda x: x[...], shapes=[(), (3,), (2, 3)]),
    OpCase("getitem[newaxis]", lambda x: x[None, ..., np.newaxis], shapes=[(), (3,), (2, 3)]),
    OpCase("getitem[slices]", lambda x: x[::-1, 1:], shapes=[(3, 3), (4, 2, 2)]),
    OpCase("getitem[steps]", lambda x: x[-1:0:-2], shapes=[(5,), (4, 2)]),
    OpCase("getitem[empty slice]", lambda x: x[2:1], shapes=[(3,), (3, 2)]),
    OpCase(
        "getitem[int array, repeated]", lambda x: x[REPEATED], shapes=[(3,), (4, 2)], complex=True
    ),
    OpCase(
        "getitem[int array 2-d]", lambda x: x[np.array([[1, 0], [1, 1]])], shapes=[(2,), (2, 3)]
    ),
    OpCase("getitem[list]", lambda x: x[[0, 0, 1]], shapes=[(2,), (3, 2)]),
    OpCase("getitem[tuple]", lambda x: x[(1, 0)], shapes=[(2, 3), (3, 2, 2)]),
    OpCase(
        "getitem[empty int array]", lambda x: x[np.array([], dtype=np.intp)], shapes=[(3,), (2, 3)]
    ),
    OpCase("getitem[bool mask]", lambda x: x[np.array([True, False, True])], shapes=[(3,), (3, 2)]),
    OpCase(
        "getitem[bool mask n-d]",
        lambda x: x[np.arange(x.size).reshape(x.shape) % 3 != 1],
        shapes=[(3,), (2, 3)],
    ),
    OpCase("getitem[0-d bool]", lambda x: x[True], shapes=[(), (3,)]),
    OpCase("getitem[mixed adjacent]", lambda x: x[1:, [2, 0, 2]], shapes=[(3, 3), (2, 4, 2)]),
    OpCase(
        "getitem[mixed separated]",
        lambda x: x[[0, 1, 1], :, [1, 1, 0]],
        shapes=[(2, 3, 2), (3, 2, 2, 2)],
    ),
    OpCase(
        "getitem[mixed broadcast]",
        lambda x: x[np.array([[0], [1]]), None, [0, 2, 2]],
        shapes=[(2, 3), (2, 3, 2)],
    ),
    OpCase(
        "getitem[bool and int]",
        lambda x: x[np.array([True, False, True]), 1:][:, [0, 0]],
        shapes=[(3, 3)],
    ),
    OpCase("getitem[ellipsis int array]", lambda x: x[..., [1, 1, 0]], shapes=[(2,), (3, 2)]),
    OpCase(
        "iterate",
        lambda x: np.stack([row * k for k, row in enumerate(x, 1)]),
        shapes=[(3,), (2, 3)],
    ),
]
