"""Op-table rows for the first primitives (the ones the core engine ships with)."""

import numpy as np

from tests.op_table import OpCase

B = [((3,), (3,)), ((2, 3), (3,)), ((), (2, 3))]  # broadcasting shape pairs

ROWS = [
    OpCase("sin", np.sin),
    OpCase("cos", np.cos),
    OpCase("tan", np.tan, domain=(-1.2, 1.2)),
    OpCase("exp", np.exp),
    OpCase("log", np.log, domain=(0.1, 5.0)),
    OpCase("log1p", np.log1p, domain=(-0.9, 5.0)),
    OpCase("expm1", np.expm1),
    OpCase("sqrt", np.sqrt, domain=(0.1, 5.0)),
    OpCase("tanh", np.tanh),
    OpCase("sinh", np.sinh),
    OpCase("cosh", np.cosh),
    OpCase("absolute", np.abs, domain=(0.2, 2.0)),
    OpCase("add", np.add, arity=2, shapes=B),
    OpCase("subtract", np.subtract, arity=2, shapes=B),
    OpCase("multiply", np.multiply, arity=2, shapes=B),
    OpCase("divide", np.divide, arity=2, shapes=B, domain=(0.5, 2.0)),
    OpCase("power", np.power, arity=2, shapes=B, domain=(0.5, 2.0)),
    OpCase("maximum", np.maximum, arity=2, shapes=B),
    OpCase("minimum", np.minimum, arity=2, shapes=B),
    OpCase("where", lambda x, y: np.where(x > y, x, y), arity=2, shapes=B),
    OpCase("clip", lambda x: np.clip(x, -1.0, 1.0)),
    OpCase("sum", lambda x: np.sum(x, axis=-1, keepdims=True), shapes=[(3,), (2, 3)]),
    OpCase("mean", lambda x: np.mean(x, axis=0), shapes=[(3,), (2, 3)]),
    OpCase("prod", lambda x: np.prod(x, axis=(0, 1)), shapes=[(2, 3), (2, 2, 2)]),
    OpCase("max", lambda x: np.max(x, axis=1), shapes=[(2, 3)]),
    OpCase("min", lambda x: np.min(x, axis=None, keepdims=True), shapes=[(2, 3)]),
    OpCase("reshape", lambda x: np.reshape(x, (3, -1)), shapes=[(6,), (2, 3)]),
    OpCase("transpose", lambda x: np.transpose(x, (1, 0, 2)), shapes=[(2, 3, 2)]),
    OpCase("broadcast_to", lambda x: np.broadcast_to(x, (2, 3)), shapes=[(), (3,), (1, 3)]),
    OpCase("expand_dims", lambda x: np.expand_dims(x, (0, -1)), shapes=[(3,), (2, 3)]),
    OpCase("squeeze", lambda x: np.squeeze(x), shapes=[(1, 3), (2, 1, 3)]),
    OpCase(
        "concatenate",
        lambda x, y: np.concatenate([x, y, x], axis=-1),
        arity=2,
        shapes=[((3,), (2,)), ((2, 3), (2, 1))],
    ),
    OpCase(
        "stack",
        lambda x, y: np.stack([x, y], axis=1),
        arity=2,
        shapes=[((3,), (3,)), ((2, 3), (2, 3))],
    ),
    OpCase(
        "getitem", lambda x: x[1:, ::2][None, ..., np.array([0, 0, 1])], shapes=[(3, 4), (3, 4, 2)]
    ),
    OpCase("dot", np.dot, arity=2, shapes=[((3,), (3,)), ((2, 3), (3, 4)), ((2, 2, 3), (3,))]),
    OpCase(
        "matmul",
        np.matmul,
        arity=2,
        shapes=[((3,), (3, 2)), ((2, 3), (3,)), ((4, 2, 3), (3, 2)), ((3,), (3,))],
    ),
    OpCase(
        "einsum",
        lambda x, y: np.einsum("...ij,jk->...ik", x, y),
        arity=2,
        shapes=[((2, 3), (3, 2)), ((4, 2, 3), (3, 2))],
    ),
    OpCase("outer", np.outer, arity=2, shapes=[((3,), (2,)), ((2, 2), (3,))]),
]
