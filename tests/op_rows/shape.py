"""Op-table rows for shape, assembly and sorting functions (numpy/shape.py, numpy/assembly.py)."""

import numpy as np

from tests.op_table import OpCase

ALL = [(), (3,), (2, 3)]
B = [((3,), (3,)), ((2, 3), (3,)), ((), (2, 3))]  # broadcasting shape pairs


def _int_like(x, values):
    """A constant integer array (indices, choices) independent of ``x``'s values."""
    return np.asarray(values, dtype=np.intp)


def _joined(parts):
    """The pieces of a split, each scaled by its position, in one vector (so that a piece in
    the wrong place or of the wrong length shows in the value)."""
    return np.concatenate([np.ravel(p) * (k + 1) for k, p in enumerate(parts)])


ROWS = [
    # reshaping
    OpCase("ravel", np.ravel, shapes=ALL, complex=True),
    OpCase("flatten", lambda x: x.flatten(), shapes=ALL),
    OpCase("reshape[method]", lambda x: x.reshape(-1, 1), shapes=ALL),
    OpCase("transpose[axes=None]", np.transpose, shapes=[(), (3,), (2, 3), (2, 3, 2)]),
    OpCase(
        "moveaxis", lambda x: np.moveaxis(x, 0, -1), shapes=[(3,), (2, 3), (2, 3, 2)], complex=True
    ),
    OpCase(
        "moveaxis[several]", lambda x: np.moveaxis(x, (0, -1), (-1, 0)), shapes=[(2, 3), (2, 3, 4)]
    ),
    OpCase("swapaxes", lambda x: np.swapaxes(x, 0, -1), shapes=[(2, 3), (2, 3, 2)]),
    OpCase("rollaxis", lambda x: np.rollaxis(x, -1, 0), shapes=[(2, 3), (2, 3, 2)]),
    OpCase("matrix_transpose", np.matrix_transpose, shapes=[(2, 3), (2, 2, 3)]),
    OpCase("squeeze[axis]", lambda x: np.squeeze(x, axis=-1), shapes=[(1,), (3, 1)]),
    OpCase("expand_dims[0-d]", lambda x: np.expand_dims(x, 0), shapes=ALL),
    OpCase("broadcast_to[0-d]", lambda x: np.broadcast_to(x, (2, 1, 3)), shapes=[(), (1, 3)]),
    OpCase(
        "broadcast_arrays", lambda x, y: np.broadcast_arrays(x, y), arity=2, shapes=B, complex=True
    ),
    OpCase("atleast_1d", np.atleast_1d, shapes=ALL),
    OpCase("atleast_2d", np.atleast_2d, shapes=ALL),
    OpCase("atleast_3d", np.atleast_3d, shapes=[(), (3,), (2, 3), (2, 3, 2)]),
    # joining
    OpCase(
        "concatenate[axis=None]",
        lambda x, y: np.concatenate([x, y], axis=None),
        arity=2,
        shapes=[((3,), (2, 2)), ((), (2,))],
    ),
    OpCase(
        "stack[axis=-1]",
        lambda x, y: np.stack((x, y, x), axis=-1),
        arity=2,
        shapes=[((), ()), ((3,), (3,)), ((2, 3), (2, 3))],
    ),
    OpCase(
        "hstack",
        lambda x, y: np.hstack([x, y]),
        arity=2,
        shapes=[((), ()), ((3,), (2,)), ((2, 3), (2, 1))],
        complex=True,
    ),
    OpCase(
        "vstack",
        lambda x, y: np.vstack([x, y]),
        arity=2,
        shapes=[((), ()), ((3,), (3,)), ((2, 3), (1, 3))],
    ),
    OpCase(
        "dstack",
        lambda x, y: np.dstack([x, y]),
        arity=2,
        shapes=[((3,), (3,)), ((2, 3), (2, 3)), ((2, 3, 1), (2, 3, 2))],
    ),
    OpCase(
        "column_stack",
        lambda x, y: np.column_stack([x, y]),
        arity=2,
        shapes=[((3,), (3,)), ((3,), (3, 2))],
    ),
    OpCase(
        "append",
        lambda x, y: np.append(x, y),
        arity=2,
        shapes=[((), (2,)), ((2, 3), (3,))],
        complex=True,
    ),
    OpCase(
        "append[axis]",
        lambda x, y: np.append(x, y, axis=0),
        arity=2,
        shapes=[((3,), (2,)), ((2, 3), (1, 3))],
    ),
    OpCase(
        "meshgrid",
        lambda x, y: np.meshgrid(x, y),
        arity=2,
        shapes=[((3,), (2,)), ((2, 2), ())],
        complex=True,
    ),
    OpCase(
        "meshgrid[ij,sparse]",
        lambda x, y: _joined(np.meshgrid(x, y, x, indexing="ij", sparse=True)),
        arity=2,
        shapes=[((3,), (2,))],
    ),
    OpCase(
        "block",
        lambda x, y: np.block([[x, y], [y, x]]),
        arity=2,
        shapes=[((), ()), ((2,), (3,)), ((2, 2), (2, 1))],
        complex=True,
    ),
    OpCase(
        "block[1-level]",
        lambda x, y: np.block([x, x.dtype.type(2.0), y]),
        arity=2,
        shapes=[((), (2,)), ((1, 2), (1, 3))],
    ),
    # splitting
    OpCase(
        "split", lambda x: _joined(np.split(x, 2, axis=-1)), shapes=[(4,), (2, 4)], complex=True
    ),
    OpCase("array_split", lambda x: _joined(np.array_split(x, 3)), shapes=[(4,), (5, 2)]),
    OpCase(
        "array_split[indices]",
        lambda x: _joined(np.array_split(x, [1, -1, 10], axis=-1)),
        shapes=[(4,), (2, 3)],
    ),
    OpCase("hsplit", lambda x: _joined(np.hsplit(x, [1])), shapes=[(3,), (2, 3)]),
    OpCase("vsplit", lambda x: _joined(np.vsplit(x, 2)), shapes=[(2, 3), (4, 1)]),
    OpCase("dsplit", lambda x: _joined(np.dsplit(x, [1])), shapes=[(1, 2, 3)]),
    OpCase("unstack", lambda x: np.unstack(x, axis=-1), shapes=[(3,), (2, 3)], complex=True),
    # tiling, repeating, flipping
    OpCase("tile", lambda x: np.tile(x, (2, 1, 2)), shapes=ALL, complex=True),
    OpCase("tile[int]", lambda x: np.tile(x, 3), shapes=ALL),
    OpCase("repeat", lambda x: np.repeat(x, 2), shapes=ALL, complex=True),
    OpCase(
        "repeat[axis,counts]", lambda x: np.repeat(x, [2, 0, 1], axis=-1), shapes=[(3,), (2, 3)]
    ),
    OpCase("flip", lambda x: np.flip(x, axis=-1), shapes=[(3,), (2, 3)], complex=True),
    OpCase("flip[axis=None]", np.flip, shapes=ALL),
    OpCase("fliplr", np.fliplr, shapes=[(2, 3), (2, 3, 2)]),
    OpCase("flipud", np.flipud, shapes=[(3,), (2, 3)]),
    OpCase("roll", lambda x: np.roll(x, 2), shapes=ALL, complex=True),
    OpCase("roll[axes]", lambda x: np.roll(x, (1, -4), axis=(0, 1)), shapes=[(2, 3), (3, 3, 2)]),
    OpCase("rot90", np.rot90, shapes=[(2, 3), (2, 3, 2)], complex=True),
    OpCase("rot90[k]", lambda x: np.rot90(x, k=-1, axes=(1, 0)), shapes=[(2, 3)]),
    OpCase("rot90[k=2]", lambda x: np.rot90(x, k=2, axes=(0, 2)), shapes=[(2, 3, 2)]),
    # padding
    OpCase("pad", lambda x: np.pad(x, 1), shapes=ALL, complex=True),
    OpCase(
        "pad[constant_values]",
        lambda x: np.pad(x, ((1, 0), (2, 1)), constant_values=((0.5, 1.5), (2.5, 3.5))),
        shapes=[(2, 3)],
    ),
    # the padded array comes first: NumPy dispatches np.pad on it only, not on constant_values
    OpCase(
        "pad[traced constant]",
        lambda c, x: np.pad(x, ((0, 2),), constant_values=c),
        arity=2,
        shapes=[((), (3,)), ((), (2, 3))],
    ),
    OpCase(
        "pad[reflect]",
        lambda x: np.pad(x, (2, 3), mode="reflect"),
        shapes=[(3,), (2, 3)],
        complex=True,
    ),
    OpCase(
        "pad[symmetric]", lambda x: np.pad(x, ((4, 1),), mode="symmetric"), shapes=[(3,), (2, 3)]
    ),
    OpCase("pad[edge]", lambda x: np.pad(x, 2, mode="edge"), shapes=[(3,), (2, 3)]),
    OpCase("pad[wrap]", lambda x: np.pad(x, ((1, 4),), mode="wrap"), shapes=[(3,), (2, 3)]),
    OpCase("pad[mean]", lambda x: np.pad(x, 2, mode="mean", stat_length=2), shapes=[(3,), (2, 3)]),
    OpCase("pad[maximum]", lambda x: np.pad(x, (1, 2), mode="maximum"), shapes=[(3,), (2, 3)]),
    OpCase("pad[median]", lambda x: np.pad(x, 1, mode="median"), shapes=[(3,), (2, 4)]),
    OpCase(
        "pad[linear_ramp]",
        lambda x: np.pad(x, (2, 3), mode="linear_ramp", end_values=(1.0, -0.5)),
        shapes=[(3,), (2, 3)],
    ),
    # diagonals and triangles
    OpCase("diag", np.diag, shapes=[(3,), (2, 3), (3, 3)], complex=True),
    OpCase("diag[k]", lambda x: np.diag(x, k=-1), shapes=[(3,), (3, 2)]),
    OpCase(
        "diagonal", lambda x: np.diagonal(x, offset=1), shapes=[(3, 3), (2, 4, 3)], complex=True
    ),
    OpCase("diagonal[axes]", lambda x: np.diagonal(x, -1, 2, 0), shapes=[(3, 2, 3)]),
    OpCase("diagflat", lambda x: np.diagflat(x, 1), shapes=ALL),
    OpCase("triu", np.triu, shapes=[(3, 3), (2, 3, 4)], complex=True),
    OpCase("tril", lambda x: np.tril(x, k=1), shapes=[(3, 3), (2, 4, 3)]),
    # gathers and choices
    OpCase("take", lambda x: np.take(x, [0, 2, 2, -1]), shapes=[(3,), (2, 3)], complex=True),
    OpCase(
        "take[axis,mode]",
        lambda x: np.take(x, [[0, 4], [-7, 1]], axis=-1, mode="wrap"),
        shapes=[(3,), (2, 3)],
    ),
    OpCase(
        "take[scalar,clip]", lambda x: np.take(x, 5, axis=0, mode="clip"), shapes=[(3,), (2, 3)]
    ),
    OpCase(
        "take_along_axis",
        lambda x: np.take_along_axis(x, _int_like(x, [[0, 0, 2, 1]]), axis=-1),
        shapes=[(1, 3), (2, 3)],
        complex=True,
    ),
    OpCase(
        "take_along_axis[axis=None]",
        lambda x: np.take_along_axis(x, _int_like(x, [1, 1, 0]), axis=None),
        shapes=[(3,), (2, 3)],
    ),
    OpCase(
        "compress", lambda x: np.compress([True, False, True], x, axis=-1), shapes=[(3,), (2, 3)]
    ),
    OpCase("compress[axis=None]", lambda x: np.compress([False, True], x), shapes=[(3,), (2, 3)]),
    OpCase(
        "extract", lambda x: np.extract(np.arange(x.size).reshape(x.shape) % 2 == 0, x), shapes=ALL
    ),
    OpCase("where[scalars]", lambda x: np.where(x > 0, x, 0.0), shapes=ALL),
    OpCase(
        "where[broadcast]",
        lambda x, y: np.where(np.array([True, False, True]), x, y),
        arity=2,
        shapes=[((3,), ()), ((2, 3), (2, 1))],
    ),
    OpCase("clip[traced bounds]", lambda x, lo: np.clip(x, lo, lo + 1.0), arity=2, shapes=B),
    OpCase("clip[one side]", lambda x: np.clip(x, None, 0.5), shapes=ALL),
    OpCase(
        "select",
        lambda x, y: np.select([x > 1, x < -1], [x, y * x], default=0.5),
        arity=2,
        shapes=B,
    ),
    OpCase(
        "piecewise",
        lambda x: np.piecewise(x, [x < -0.5, x > 0.5], [lambda v: v**3, np.sin, lambda v: 2 * v]),
        shapes=[(), (3,), (2, 3)],
        tags=("data-dependent shape",),  # each function sees the elements selected
    ),
    OpCase(
        "piecewise[values]",
        lambda x, y: (
            np.piecewise(x * y, [x > 0], [0.5, np.exp]) + np.piecewise(y, [y < 0], [np.cos])
        ),
        arity=2,
        shapes=[((3,), (3,)), ((2, 3), (3,))],
        tags=("data-dependent shape",),
    ),
    OpCase(
        "choose",
        lambda x, y: np.choose(_int_like(x, [0, 1, 1]), [x, y]),
        arity=2,
        shapes=[((3,), (3,)), ((2, 3), ())],
        complex=True,
    ),
    OpCase(
        "choose[mode]",
        lambda x: np.choose(_int_like(x, [[3], [0]]), [x, 2 * x, -x], mode="clip"),
        shapes=[(3,), (2, 3)],
    ),
    OpCase("sort", np.sort, shapes=[(3,), (2, 3)], complex=True),
    OpCase("sort[axis]", lambda x: np.sort(x, axis=0), shapes=[(3,), (3, 2)]),
    OpCase("sort[axis=None]", lambda x: np.sort(x, axis=None), shapes=[(3,), (2, 3)]),
    OpCase("partition", lambda x: np.partition(x, 1), shapes=[(3,), (2, 4)]),
    OpCase(
        "partition[axis,kths]", lambda x: np.partition(x, (0, 2), axis=0), shapes=[(3,), (4, 2)]
    ),
    OpCase(
        "insert",
        lambda x, y: np.insert(x, 1, y),
        arity=2,
        shapes=[((3,), ()), ((2, 3), (2,))],
        complex=True,
    ),
    OpCase(
        "insert[axis,list]",
        lambda x, y: np.insert(x, [0, 2, 2], y, axis=-1),
        arity=2,
        shapes=[((3,), (3,)), ((2, 3), (2, 1))],
    ),
    OpCase("insert[constant]", lambda x: np.insert(x, 0, 7.0, axis=0), shapes=[(3,), (2, 3)]),
    OpCase("delete", lambda x: np.delete(x, [0, -1]), shapes=[(3,), (2, 3)], complex=True),
    OpCase(
        "delete[axis,slice]",
        lambda x: np.delete(x, slice(None, None, 2), axis=-1),
        shapes=[(3,), (2, 4)],
    ),
    # constants: the result of these carries no derivative, the arithmetic around them does
    OpCase("copy", np.copy, shapes=ALL),
    OpCase("zeros_like", lambda x: x + np.zeros_like(x), shapes=ALL),
    OpCase("ones_like", lambda x: x * np.ones_like(x), shapes=ALL),
    OpCase("full_like", lambda x: x * np.full_like(x, 3.0), shapes=ALL),
    OpCase(
        "full_like[traced fill]",
        lambda v, x: np.full_like(x, v),
        arity=2,
        shapes=[((), (2, 3)), ((), (3,))],
    ),
    OpCase(
        "argmax",
        lambda x: x * np.argmax(x, axis=-1, keepdims=True).astype(x.dtype),
        shapes=[(3,), (2, 3)],
    ),
    OpCase(
        "argsort",
        lambda x: np.take_along_axis(x, np.argsort(x, axis=-1), axis=-1) * x,
        shapes=[(3,), (2, 3)],
    ),
    OpCase(
        "argpartition",
        lambda x: np.take_along_axis(x, np.argpartition(x, 1)[..., :2], -1),
        shapes=[(3,), (2, 4)],
    ),
    OpCase(
        "argmin",
        lambda x: np.take_along_axis(x, np.argmin(x, axis=0, keepdims=True), 0),
        shapes=[(3,), (2, 3)],
    ),
    OpCase(
        "unravel_index",
        lambda x: (
            np.take_along_axis(
                x, np.unravel_index(np.argmax(x, axis=-1), x.shape[-1:])[0][..., None], -1
            )
            * x
        ),
        shapes=[(3,), (2, 3)],
    ),
    OpCase(
        "ravel_multi_index",
        lambda x: (
            np.take_along_axis(
                x, np.ravel_multi_index((np.argmin(x, axis=-1) % 2,), (2,))[..., None], -1
            )
            * x
        ),
        shapes=[(3,), (2, 3)],
    ),
    OpCase("isin", lambda x: x * np.isin(x, x[..., :1]), shapes=[(3,), (2, 3)]),
    OpCase(
        "isposinf",
        lambda x: (
            x
            * (
                np.isposinf(x * np.array([np.inf, 1.0, -np.inf]))
                | np.isneginf(x * np.array([1.0, -np.inf, 2.0]))
            )
        ),
        shapes=[(3,), (2, 3)],
    ),
    OpCase(
        "triu_indices_from",
        lambda x: x[np.triu_indices_from(x, k=1)] + x[np.diag_indices_from(x)][:1],
        shapes=[(3, 3)],
    ),
    OpCase(
        "lexsort",
        lambda x: np.take_along_axis(x, np.lexsort((x, np.floor(x))), -1) * x,
        shapes=[(3,), (2, 3)],
    ),
    OpCase(
        "nanargmax",
        lambda x: x * np.nanargmax(x, axis=-1, keepdims=True).astype(x.dtype),
        shapes=[(3,), (2, 3)],
    ),
    OpCase(
        "nanargmin",
        lambda x: np.take_along_axis(x, np.nanargmin(x, axis=0, keepdims=True), 0),
        shapes=[(3,), (2, 3)],
    ),
    # value-dependent: the output's shape (nonzero) or indices read from values (searchsorted)
    # are fixed while tracing, so compile cannot replay them and vmap cannot batch nonzero
    OpCase(
        "nonzero",
        lambda x: x[np.nonzero(x > 0)],
        shapes=[(3,), (2, 3)],
        tags=("data-dependent shape",),
    ),
    OpCase(
        "searchsorted",
        lambda x: x * np.searchsorted(np.array([-1.0, 0.0, 1.0]), x).astype(x.dtype),
        shapes=ALL,
        tags=("value-dependent indices",),
    ),
]
