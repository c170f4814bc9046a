"""The cases: every op-table row with a JAX counterpart, at random and special points, under
value, grad, jvp, hessian and vmap; each run in functional_ad and in JAX and compared.

A case's outcome is one of:

- ``match``: the same pytree of arrays as the reference (NaN where NaN, the same
  infinities, the rest close). The reference is NumPy for ``value`` (the traced value) and
  ``vmap`` (a loop), and JAX for ``grad``, ``jvp`` and ``hessian``;
- ``both-refuse``: both raise (functional_ad with a named error);
- ``named-error``: functional_ad raises a named error (TypeError, ValueError, including
  NumPy's LinAlgError, NotImplementedError, ConcreteValueError) where JAX computes;
- ``jax-error``: JAX raises where functional_ad computes (nothing to compare with);
- ``jax-other-function``: the derivatives differ, but so do the values of JAX's function
  and NumPy's at that point (``jnp`` follows other rules there): not comparable;
- ``fd-agrees``: JAX differs, but functional_ad equals central differences of the NumPy
  function at that point (JAX's function is another one there: it reads both triangles of
  a matrix SciPy reads one of, say);
- ``convention``: the values differ at a point where the derivative is undefined and the
  library's choice is documented (``conventions.py``);
- ``numpy-error``: NumPy raises where functional_ad computes (value, vmap);
- ``timeout``: a case over its time budget (reported, not a pass);
- ``mismatch``: a different result, or functional_ad crashing with an internal exception.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np

import functional_ad as fad
from tests.jax_diff.translate import NoCounterpart, jax_version_of
from tests.op_table import ROWS, OpCase

NAMED = (TypeError, ValueError, NotImplementedError, fad.ConcreteValueError, ArithmeticError)
SPECIAL = (0.0, 1.0, -1.0, 0.5, np.inf, -np.inf, np.nan)
TRANSFORMS = ("value", "grad", "jvp", "hessian", "vmap")
HESSIAN_MAX_SIZE = 8
SOLVERS = ("integrate.", "optimize.")
LAPACK = ("linalg.", "polyfit", "roots", "lstsq", "pinv", "cond", "matrix_rank")


@dataclasses.dataclass(frozen=True)
class Case:
    """One row at one point under one transform."""

    row: OpCase
    point: str  # "random-0", "arg0=inf", "tie", ...
    args: tuple
    transform: str
    seed: int

    @property
    def name(self) -> str:
        return f"{self.row.name} @ {self.point} / {self.transform}"


def _points(row: OpCase, rng: np.random.Generator) -> Iterator[tuple[str, tuple]]:
    """Random points of the row's own sampler, and special values written over them."""
    shapes = row.arg_shapes()
    base_shapes = shapes[0]
    for k in range(2):
        yield f"random-{k}", row.args(rng, shapes[min(k, len(shapes) - 1)], "float64")
    base = row.args(rng, base_shapes, "float64")
    floats = [i for i, a in enumerate(base) if np.asarray(a).dtype.kind == "f"]
    lo, hi = row.domain
    values = list(SPECIAL) + [v for v in (lo, hi) if v not in SPECIAL and math.isfinite(v)]
    for i in floats[:2]:
        for v in values:
            args = list(base)
            args[i] = np.full_like(np.asarray(base[i]), v)
            yield f"arg{i}={v:g}", tuple(args)
        if np.asarray(base[i]).size > 1:  # one special element among ordinary ones
            for v in (0.0, np.inf, np.nan):
                args = list(base)
                a = np.array(base[i], copy=True)
                a.flat[0] = v
                args[i] = a
                yield f"arg{i}[0]={v:g}", tuple(args)
    if len(floats) >= 2:
        a, b = floats[:2]
        if np.shape(base[a]) == np.shape(base[b]):
            args = list(base)
            args[b] = np.array(base[a], copy=True)
            yield "tie", tuple(args)
    if len(floats) == 1 and np.asarray(base[floats[0]]).size > 1:  # ties within one array
        args = list(base)
        a = np.array(base[floats[0]], copy=True)
        a.flat[:] = a.flat[0]
        args[floats[0]] = a
        yield "all-equal", tuple(args)


def has_counterpart(row: OpCase) -> bool:
    """Whether JAX has the row's functions (else only value and vmap, against NumPy, run)."""
    try:
        jax_version_of(row.fn)
    except NoCounterpart:
        return False
    return True


def all_cases() -> Iterator[Case]:
    """Every case, in a fixed order (rows, then points, then transforms)."""
    for r, row in enumerate(ROWS):
        jax_too = has_counterpart(row)
        rng = np.random.default_rng(r)
        for point, args in _points(row, rng):
            if row.name.startswith(SOLVERS) and not point.startswith("random"):
                continue  # at special points adaptive solvers run to their iteration limits
            for t in TRANSFORMS:
                if t in ("grad", "jvp", "hessian") and (row.order == 0 or not jax_too):
                    continue
                yield Case(row, point, args, t, seed=r)


def count_rows_without_counterpart() -> int:
    n = 0
    for row in ROWS:
        try:
            jax_version_of(row.fn)
        except NoCounterpart:
            n += 1
    return n


# ----------------------------------------------------------------------------- running


def _float_positions(args: tuple) -> list[int]:
    return [i for i, a in enumerate(args) if np.asarray(a).dtype.kind in "fc"]


def _leaves(tree: Any) -> list:
    if isinstance(tree, (tuple, list)):
        return [leaf for t in tree for leaf in _leaves(t)]
    if isinstance(tree, dict):
        return [leaf for k in sorted(tree) for leaf in _leaves(tree[k])]
    return [tree]


def _weights(shape: tuple) -> np.ndarray:
    size = int(np.prod(shape, dtype=np.int64))
    return np.linspace(0.5, 1.5, size).reshape(shape) if size else np.zeros(shape)


def _inputs(case: Case) -> dict:
    """Everything a case computes from, as NumPy arrays (so JAX can take them as inputs)."""
    args = case.args
    diff = tuple(_float_positions(args))
    out: dict = {"args": args}
    if case.transform == "vmap":
        other = case.row.args(np.random.default_rng(case.seed + 1), case.row.arg_shapes()[0],
                              "float64")  # fmt: skip
        out["stacked"] = tuple(np.stack([a, b]) for a, b in zip(args, other, strict=True))
    if case.transform in ("grad", "jvp", "hessian"):
        if not diff:
            raise NoCounterpart("no float argument")
        if case.transform == "hessian" and sum(np.size(args[i]) for i in diff) > HESSIAN_MAX_SIZE:
            raise NoCounterpart("too large for a hessian case")
        value = case.row.fn(*args)  # the shapes of the outputs, from NumPy
        out["weights"] = tuple(_weights(np.shape(leaf)) for leaf in _leaves(value))
        rng = np.random.default_rng(case.seed + 2)
        out["tangents"] = tuple(
            rng.normal(size=np.shape(args[i])).astype(np.asarray(args[i]).dtype) for i in diff
        )
    return out


def _compute(f: Any, transform: str, diff: tuple, lib: str, inputs: dict) -> Any:
    """The transform of ``f`` in ``lib`` ("fad" or "jax") on ``inputs``."""
    import jax
    import jax.numpy as jnp

    xp = np if lib == "fad" else jnp
    args = inputs["args"]
    if transform == "value":  # the traced value (through jvp) against NumPy's
        if lib == "numpy":
            return f(*args)
        tangents = tuple(np.zeros_like(args[i]) for i in diff)
        if not diff:
            return f(*args)
        full = list(args)

        def restricted_value(*dyn: Any) -> Any:
            for i, v in zip(diff, dyn, strict=True):
                full[i] = v
            return f(*full)

        return fad.jvp(restricted_value, tuple(args[i] for i in diff), tangents)[0]
    if transform == "vmap":  # against a loop of NumPy
        if lib == "numpy":
            stacked = inputs["stacked"]
            outs = [f(*[a[k] for a in stacked]) for k in range(2)]
            return [np.stack(parts) for parts in zip(*[_leaves(o) for o in outs], strict=True)]
        return fad.vmap(f)(*stacked_of(inputs))

    def restricted(*dyn: Any) -> Any:
        full = list(args)
        for i, v in zip(diff, dyn, strict=True):
            full[i] = v
        return f(*full)

    def loss(*dyn: Any) -> Any:
        total = 0.0
        outs = _leaves(restricted(*dyn))
        for leaf, w in zip(outs, inputs["weights"], strict=True):
            kind = np.dtype(leaf.dtype).kind if hasattr(leaf, "dtype") else "f"
            if kind == "c":
                total = total + xp.sum(xp.real(leaf) * w)
            elif kind == "f":
                total = total + xp.sum(leaf * w)
            else:
                total = total + xp.sum(leaf)
        return total

    dyn = tuple(args[i] for i in diff)
    argnums = tuple(range(len(dyn)))
    if transform == "grad":
        return (fad.grad if lib == "fad" else jax.grad)(loss, argnums=argnums)(*dyn)
    if transform == "jvp":
        return (fad.jvp if lib == "fad" else jax.jvp)(restricted, dyn, inputs["tangents"])
    if transform == "hessian":
        return (fad.hessian if lib == "fad" else jax.hessian)(loss, argnums=argnums)(*dyn)
    raise ValueError(transform)


def stacked_of(inputs: dict) -> tuple:
    return inputs["stacked"]


# JAX runs each (row, transform, shapes) compiled once and reused at every point; a function
# that cannot be compiled (values deciding shapes) runs eagerly.
_JITTED: dict = {}


def _signature(inputs: dict) -> tuple:
    return tuple(
        (k, tuple((np.shape(a), np.asarray(a).dtype.str) for a in v))
        for k, v in sorted(inputs.items())
    )


def _run(case: Case, lib: str) -> Any:
    """The case's result in ``lib``: "fad", "jax", or "numpy" (value and vmap only)."""
    inputs = _inputs(case)
    diff = tuple(_float_positions(case.args))
    if lib in ("fad", "numpy"):
        return _compute(case.row.fn, case.transform, diff, lib, inputs)
    f = jax_version_of(case.row.fn)
    return _run_jax(f, case.row.name, case.transform, diff, inputs)


def _run_jax(f: Any, name: str, transform: str, diff: tuple, inputs: dict) -> Any:
    import jax

    key = (name, transform, diff, _signature(inputs))
    jitted = _JITTED.get(key)
    if jitted is None:
        jitted = jax.jit(lambda inputs: _compute(f, transform, diff, "jax", inputs))
        _JITTED[key] = jitted
    if jitted is not False:
        try:
            return jitted(inputs)
        except Exception:
            _JITTED[key] = False
    return _compute(f, transform, diff, "jax", inputs)


def _as_arrays(tree: Any) -> list[np.ndarray]:
    return [np.asarray(leaf) for leaf in _leaves(tree)]


def _same(ours: list[np.ndarray], theirs: list[np.ndarray], tol: float) -> str | None:
    """``None`` if equal, else what differs."""
    if len(ours) != len(theirs):
        return f"{len(ours)} outputs vs {len(theirs)}"
    for k, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        if a.shape != b.shape:
            return f"output {k}: shape {a.shape} vs {b.shape}"
        if a.dtype.kind in "biu" or b.dtype.kind in "biu":
            if not np.array_equal(a, b):
                return f"output {k}: {a} vs {b}"
            continue
        a, b = a.astype(complex), b.astype(complex)
        for part in (np.real, np.imag):
            x, y = part(a), part(b)
            if not np.array_equal(np.isnan(x), np.isnan(y)):
                return f"output {k}: NaN at different places: {x} vs {y}"
            inf = np.isinf(x) | np.isinf(y)
            if not np.array_equal(x[inf], y[inf]):
                return f"output {k}: infinities differ: {x} vs {y}"
            fin = ~(np.isnan(x) | inf)
            if not np.allclose(x[fin], y[fin], rtol=tol, atol=tol):
                diff = np.max(np.abs(x[fin] - y[fin]))
                return f"output {k}: values differ by {diff:.3g}: {x} vs {y}"
    return None


@dataclasses.dataclass
class Outcome:
    case: Case
    kind: str
    detail: str = ""


def _agrees_with_differences(case: Case) -> bool:
    """Whether functional_ad's derivative equals central differences of the NumPy function
    at this (finite) point: then JAX differentiates another function (one that reads both
    triangles of a matrix SciPy reads one of, say), and ours is NumPy's."""
    from functional_ad.testing import check_grads

    args = case.args
    if not all(np.all(np.isfinite(np.asarray(a))) for a in args):
        return False
    diff = tuple(_float_positions(args))

    def restricted(*dyn: Any) -> Any:
        full = list(args)
        for i, v in zip(diff, dyn, strict=True):
            full[i] = v
        return case.row.fn(*full)

    order = 2 if case.transform == "hessian" else 1
    modes = ("fwd",) if case.transform == "jvp" else ("rev",)
    try:
        check_grads(restricted, tuple(args[i] for i in diff), order=order, modes=modes)
    except Exception:
        return False
    return True


def _jax_value_agrees(case: Case) -> bool:
    """Whether JAX's function has NumPy's value at this point (else the derivatives are of
    different functions, and there is nothing to compare)."""
    inputs = {"args": case.args}
    try:
        theirs = _as_arrays(_run_jax(jax_version_of(case.row.fn), case.row.name, "value", (),
                                     inputs))  # fmt: skip
    except Exception:
        return False
    ours = _as_arrays(case.row.fn(*case.args))
    return _same(ours, theirs, 1e-6) is None


class CaseTimeout(BaseException):
    """A case ran longer than its budget (a solver iterating on non-finite input)."""


def run_case(case: Case, seconds: int = 30) -> Outcome:
    """``_run_case`` with a time budget (``timeout`` if exceeded; main thread only)."""
    import signal

    def expired(signum: int, frame: Any) -> None:
        raise CaseTimeout()

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        return _run_case(case)
    except CaseTimeout:
        return Outcome(case, "timeout", f"over {seconds} s")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _run_case(case: Case) -> Outcome:
    """Run one case in functional_ad and in its reference (NumPy for value and vmap, JAX
    for grad, jvp and hessian) and classify the result."""
    from tests.jax_diff.conventions import documented

    if case.row.name.startswith(LAPACK) and not all(
        np.all(np.isfinite(np.asarray(a))) for a in case.args
    ):
        # LAPACK's SVD (under NumPy's own svd, pinv, lstsq, norm...) does not return on a
        # matrix with an infinite entry: such points cannot be run at all
        return Outcome(case, "skipped", "LAPACK at a non-finite matrix")
    if case.row.name == "special.hyp1f1" and not all(
        np.all(np.isfinite(np.asarray(a))) for a in case.args
    ):
        return Outcome(case, "skipped", "SciPy's hyp1f1 does not return at z = +inf")

    reference = "numpy" if case.transform in ("value", "vmap") else "jax"
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            theirs = _as_arrays(_run(case, reference))
            ref_error = None
        except NoCounterpart as e:
            return Outcome(case, "skipped", str(e))
        except CaseTimeout:
            raise
        except Exception as e:
            theirs, ref_error = None, e
        try:
            ours = _as_arrays(_run(case, "fad"))
        except NoCounterpart as e:
            return Outcome(case, "skipped", str(e))
        except NAMED as e:
            kind = "both-refuse" if ref_error is not None else "named-error"
            return Outcome(case, kind, f"{type(e).__name__}: {str(e)[:200]}")
        except CaseTimeout:
            raise
        except Exception as e:
            return Outcome(case, "mismatch", f"crash {type(e).__name__}: {str(e)[:300]}")
        if ref_error is not None:
            kind = "jax-error" if reference == "jax" else "numpy-error"
            return Outcome(case, kind, f"{type(ref_error).__name__}: {str(ref_error)[:200]}")
        tol = case.row.tol if case.row.tol is not None else 1e-6
        what = _same(ours, theirs, max(tol, 1e-6))
        if what is None:
            return Outcome(case, "match")
        if reference == "jax" and not _jax_value_agrees(case):
            return Outcome(case, "jax-other-function", what)
        if reference == "jax" and _agrees_with_differences(case):
            return Outcome(case, "fd-agrees", what)
        reason = documented(case, ours, theirs)
        if reason is not None:
            return Outcome(case, "convention", f"{reason}: {what}")
        return Outcome(case, "mismatch", what)


def sample(cases: list[Case], count: int) -> list[Case]:
    """A fixed, evenly spread subset of ``count`` cases."""
    if count >= len(cases):
        return cases
    step = len(cases) / count
    return [cases[int(k * step)] for k in range(count)]


__all__ = ["Case", "Outcome", "all_cases", "run_case", "sample", "itertools"]
