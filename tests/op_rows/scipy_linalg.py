"""Op-table rows for functional_ad.scipy.linalg (structured inputs drawn by samplers)."""

import numpy as np

from tests.op_table import OpCase

try:
    import functional_ad.scipy.linalg as sla
except ImportError:  # pragma: no cover - SciPy is optional
    sla = None

F64 = ("float64",)


def _spd(rng, shape):
    a = rng.normal(size=shape)
    n = shape[-1]
    return np.swapaxes(a, -1, -2) @ a + n * np.eye(n)


def _gen(*kinds):
    """A sampler: one argument per kind ('spd', 'tri', 'stable', 'normal', 'small')."""

    def sample(rng, shapes, dtype):
        out = []
        for kind, shape in zip(kinds, shapes, strict=True):
            if kind == "spd":
                x = _spd(rng, shape)
            elif kind == "tri":  # well conditioned: a dominant diagonal
                x = rng.normal(size=shape) + 3 * np.eye(shape[-1])
            elif kind == "stable":  # eigenvalues with negative real parts
                x = 0.3 * rng.normal(size=shape) - 2 * np.eye(shape[-1])
            elif kind == "lead":  # a polynomial with its leading coefficient away from 0
                x = rng.normal(size=shape)
                x[..., 0] = 2.0 + abs(x[..., 0])
            elif kind == "banded":  # a dominant main diagonal (row 1 of (3, n) storage)
                x = rng.normal(size=shape)
                x[1] += 4.0
            elif kind == "small":
                x = 0.5 * rng.normal(size=shape)
            else:
                x = rng.normal(size=shape)
            out.append(np.asarray(x, dtype))
        return tuple(out)

    return sample


def _rows():
    if sla is None:
        return []

    def row(name, fn, kinds, shapes, **kw):
        return OpCase(
            f"linalg.{name}",
            fn,
            arity=len(kinds),
            shapes=shapes,
            sample=_gen(*kinds),
            dtypes=kw.pop("dtypes", F64),
            **kw,
        )

    mat, vec = (3, 3), (3,)
    return [
        row(
            "solve_triangular",
            lambda a, b: sla.solve_triangular(a, b, lower=True),
            ("tri", "normal"),
            [(mat, vec), (mat, (3, 2)), ((2, 3, 3), (2, 3, 2))],
        ),
        row(
            "solve_triangular[trans,unit]",
            lambda a, b: sla.solve_triangular(a, b, trans="T", unit_diagonal=True),
            ("tri", "normal"),
            [(mat, vec), (mat, (3, 2))],
        ),
        row("scipy.solve", sla.solve, ("tri", "normal"), [(mat, vec), (mat, (3, 2))]),
        row(
            "scipy.solve[pos]",
            lambda a, b: sla.solve(a, b, assume_a="pos"),
            ("spd", "normal"),
            [(mat, vec)],
        ),
        row("scipy.cholesky", sla.cholesky, ("spd",), [(mat,)]),
        row(
            "cho_solve",
            lambda a, b: sla.cho_solve(sla.cho_factor(a), b),
            ("spd", "normal"),
            [(mat, vec), (mat, (3, 2))],
        ),
        row("cho_factor", lambda a: sla.cho_factor(a)[0], ("spd",), [(mat,), ((2, 3, 3),)]),
        row(
            "cho_factor[lower]",
            lambda a: sla.cho_factor(a, lower=True)[0],
            ("spd",),
            [(mat,)],
        ),
        row("lu_factor", lambda a: sla.lu_factor(a)[0], ("normal",), [(mat,), ((4, 4),)]),
        row(
            "lu_solve",
            lambda a, b: sla.lu_solve(sla.lu_factor(a), b),
            ("normal", "normal"),
            [(mat, vec), (mat, (3, 2))],
        ),
        row(
            "lu_solve[trans]",
            lambda a, b: sla.lu_solve(sla.lu_factor(a), b, trans=1),
            ("normal", "normal"),
            [(mat, vec)],
        ),
        row("lu", lambda a: sla.lu(a)[1:], ("normal",), [((4, 4),)]),
        row(
            "solve_banded",
            lambda ab, b: sla.solve_banded((1, 1), ab, b),
            ("banded", "normal"),
            [((3, 4), (4,)), ((3, 4), (4, 2))],
        ),
        row("scipy.qr", lambda a: sla.qr(a, mode="economic"), ("normal",), [((4, 3),)]),
        row("scipy.svdvals", sla.svdvals, ("normal",), [((3, 2),)]),
        row("scipy.eigvalsh", sla.eigvalsh, ("spd",), [(mat,)]),
        row("scipy.inv", sla.inv, ("tri",), [(mat,)]),
        row("scipy.det", sla.det, ("normal",), [(mat,)]),
        row("expm", sla.expm, ("small",), [(mat,), ((2, 2, 2),)]),
        row(
            "expm_frechet",
            lambda a, e: sla.expm_frechet(a, e)[1],
            ("small", "normal"),
            [(mat, mat), ((2, 2), (2, 2))],
        ),
        row("logm", sla.logm, ("spd",), [(mat,)]),
        row("sqrtm", sla.sqrtm, ("spd",), [(mat,)]),
        row(
            "solve_sylvester",
            sla.solve_sylvester,
            ("stable", "stable", "normal"),
            [(mat, (2, 2), (3, 2))],
        ),
        row(
            "solve_continuous_lyapunov",
            sla.solve_continuous_lyapunov,
            ("stable", "spd"),
            [(mat, mat)],
        ),
        row(
            "block_diag",
            lambda a, b: sla.block_diag(a, b),
            ("normal", "normal"),
            [((2, 2), (1, 3))],
        ),
        row("toeplitz", sla.toeplitz, ("normal", "normal"), [((3,), (4,))]),
        row("circulant", sla.circulant, ("normal",), [((4,),)]),
        row("hankel", sla.hankel, ("normal", "normal"), [((3,), (2,))]),
        row("companion", sla.companion, ("lead",), [((4,),)]),
    ]


ROWS = _rows()
