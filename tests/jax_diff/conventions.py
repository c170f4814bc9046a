"""Where functional_ad and JAX may differ: points at which the derivative is undefined and
the library's choice is documented (docs/sharp-bits.md, "Non-differentiable points"; each
row there is checked by tests/test_kink_table.py)."""

from __future__ import annotations

from typing import Any

import numpy as np

# rows whose function has a documented kink, and the points where it is
_ABS = {"abs", "absolute", "fabs"}
_CLIP = {"clip", "clip[array bounds]", "clip[lower only]", "clip[upper only]"}
_FMAX = {"fmax", "fmin"}
_ENTROPY = {"special.kl_div", "special.rel_entr"}
_UNIQUE = {"unique", "unique_values", "unique_counts", "unique_inverse", "unique_all",
           "union1d", "setxor1d", "intersect1d", "setdiff1d"}  # fmt: skip
_RUNNING = {"maximum.accumulate", "minimum.accumulate"}
# decompositions: differentiable at generic points only (distinct eigenvalues and singular
# values, full rank), as the module docstring of ops/linalg.py says
_DECOMPOSITIONS = ("linalg.qr", "linalg.eig", "linalg.svd", "linalg.lu", "linalg.pinv",
                   "linalg.lstsq", "linalg.cholesky", "linalg.polar", "linalg.schur",
                   "linalg.sqrtm", "linalg.logm", "linalg.matrix_rank", "linalg.norm[2",
                   "linalg.norm[-2", "linalg.norm[nuc", "linalg.norm[matrix-2",
                   "linalg.norm[matrix--2", "linalg.matrix_norm", "linalg.svdvals",
                   "linalg.scipy.qr", "linalg.scipy.lu", "linalg.scipy.svd",
                   "linalg.scipy.eig", "linalg.cond")  # fmt: skip


def _finite(args: tuple) -> bool:
    return all(np.all(np.isfinite(np.asarray(a))) for a in args if np.asarray(a).dtype.kind in "fc")


def documented(case: Any, ours: list, theirs: list) -> str | None:
    """The documented convention that explains the difference, or ``None``."""
    name, point = case.row.name, case.point
    if not _finite(case.args):
        return "an infinite or NaN input (derivatives are the formulas' values there)"
    value = case.row.fn(*case.args)
    leaves = value if isinstance(value, (tuple, list)) else [value]
    if not all(np.all(np.isfinite(np.asarray(v))) for v in leaves if hasattr(v, "dtype") or
               isinstance(v, float)):  # fmt: skip
        return "an infinite or NaN value (a pole or the end of the domain)"
    if name.split("[")[0] in _ABS and point.endswith("=0"):
        return "abs'(0) = 0"
    if name in _CLIP or name.startswith("clip"):
        return "clip passes the derivative at its bounds"
    if name.split("[")[0] in _FMAX and point in ("tie", "all-equal"):
        return "ties of fmax/fmin split evenly"
    if name in _ENTROPY and point.startswith(("arg0=0", "arg0[0]=0")):
        return "kl_div/rel_entr at x = 0: the limits"
    if name in _UNIQUE:
        return "unique values carry their first occurrence's derivative (JAX's drop it)"
    if name.startswith(_DECOMPOSITIONS) and not point.startswith("random"):
        return "a decomposition at a non-generic point (repeated or zero singular values)"
    if name.startswith(("linalg.norm", "linalg.vector_norm")) and point.endswith("=0"):
        return "norm'(0) = 0"
    if name == "angle" and point.endswith("=0"):
        return "angle of a real x is piecewise constant: 0 at the jump"
    if name.split("[")[0] in _RUNNING and not point.startswith("random"):
        return "ties of running extrema split evenly among the tied elements"
    if (
        name.split("[")[0] in ("power", "float_power")
        and point.startswith("arg0")
        and (point.endswith("=0"))
    ):
        return "x ** y at x = 0: d/dy = 0 and the second derivatives of that rule"
    if name == "special.spence" and point.endswith("=0"):
        return "spence at 0: the limit -inf, NaN at the second order"
    if name.startswith("partition") and not point.startswith("random"):
        return "ties of partition: each element keeps its slot in a stable arrangement"
    if name.startswith("interp") and point.startswith("arg1"):
        return "interp with repeated xp: NaN for the derivative in xp"
    if name.startswith(("quantile", "percentile")) and not point.startswith("random"):
        return "quantile in q at a knot: the slope to the right"
    return None
