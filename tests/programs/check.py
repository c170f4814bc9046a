"""The checks run on every program: values, derivatives, hessian, vmap and compile.

Each check holds functional_ad to plain NumPy: values must equal NumPy's (in eager
transforms, which run the same NumPy calls, bitwise but for the last bits a reduction over a
differently laid-out view may round; to a tight tolerance in ``vmap`` and ``compile``,
which may batch or reassociate), derivatives must equal central
differences of the plain-NumPy program and each other, and the caller's input must never
change. Any exception from a transform is a failure unless it is the named error the
program calls for (``ConcreteValueError`` for Python control flow on values under ``vmap``
and ``compile``). A failure raises ``AssertionError`` showing the program as source, its
input, the transform and both values.
"""

from __future__ import annotations

import inspect
import textwrap
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

import functional_ad as fad

from .program import Probe, Program, plain_function, probe_function, show_array

FD_EPS = 1e-6  # central differences of the float64 program
FD2_EPS = 1e-4  # second differences
FD_TOL = {"float64": 1e-5, "float32": 3e-3}  # transform vs central differences
AGREE_TOL = {"float64": 1e-9, "float32": 1e-4}  # transform vs transform (or vs a loop)
HESSIAN_FD_TOL = 1e-4
# Eager values are NumPy's bitwise but for rounding: a reduction adds in memory order, and a
# view NumPy leaves non-contiguous (x.T) may be contiguous when traced, so a sum over it may
# round differently in its last bits.
ROUNDING_ULPS = 64


REFUSED = object()  # a transform refused a program with an error it is allowed to raise


def documented_refusal(error: BaseException) -> bool:
    """True for an error the docs name as a transform's refusal whatever the program's flags:
    ``np.copyto(..., where=mask)`` from an overlapping view of the same array, with a mask
    known only when replayed (vmap, compile), where NumPy's element-by-element copy depends
    on the mask's values."""
    return isinstance(error, NotImplementedError) and str(error).startswith(
        "numpy.copyto with where= from an overlapping view"
    )


@dataclass
class Subject:
    """A function of one array to check, the point to check it at, and how to show it."""

    f: Callable[[np.ndarray], Any]
    x: np.ndarray
    source: str
    others: tuple[np.ndarray, ...] = ()  # more inputs of the same shape: the vmap batch, compile
    branch: bool = False  # Python control flow on values: vmap and compile must refuse
    mask_read: bool = False  # an intermediate whose shape depends on values
    probe: Callable[[np.ndarray], tuple[Any, Probe]] | None = None
    seed: int = 0

    @property
    def finite(self) -> bool:
        """True when every input is finite (central differences are defined)."""
        return all(bool(np.all(np.isfinite(x))) for x in (self.x, *self.others))

    def non_float_outputs(self) -> list[int]:
        """The positions of the outputs that are integer or boolean arrays."""
        return [i for i, e in enumerate(self.plain(self.x)) if e.dtype.kind not in "fc"]

    def float_subject(self) -> Subject | None:
        """This subject restricted to its float outputs (None if it has none), for the checks
        of derivatives; itself when every output is a float."""
        count = len(self.plain(self.x))
        dropped = self.non_float_outputs()
        if not dropped:
            return self
        keep = [i for i in range(count) if i not in dropped]
        if not keep:
            return None
        probe = self.probe

        def select(out: Any) -> Any:
            leaves = out if isinstance(out, tuple) else (out,)
            chosen = tuple(leaves[i] for i in keep)
            return chosen[0] if len(chosen) == 1 else chosen

        def f(x: np.ndarray) -> Any:
            return select(self.f(x))

        def probed(x: np.ndarray) -> tuple[Any, Probe]:
            assert probe is not None
            out, decisions = probe(x)
            return select(out), decisions

        return Subject(
            f=f,
            x=self.x,
            source=self.source + f"# checked here: its float outputs {keep}\n",
            others=self.others,
            branch=self.branch,
            mask_read=self.mask_read,
            probe=None if probe is None else probed,
            seed=self.seed,
        )

    @classmethod
    def from_program(cls, program: Program) -> Subject:
        """The subject for a generated program."""
        return cls(
            f=plain_function(program),
            x=program.input(0),
            source=program.source(),
            others=(program.input(1), program.input(2)),
            branch="branch" in program.flags,
            mask_read="mask_read" in program.flags,
            probe=probe_function(program),
            seed=program.seed,
        )

    @classmethod
    def from_function(
        cls,
        f: Callable[[np.ndarray], Any],
        x: Any,
        others: Sequence[Any] = (),
        *,
        branch: bool = False,
        mask_read: bool = False,
        seed: int = 0,
    ) -> Subject:
        """The subject for a hand-written function (assumed smooth near ``x`` and ``others``)."""
        x = np.asarray(x)
        if not others:
            rng = np.random.default_rng(seed)
            others = tuple(
                (x + rng.uniform(-0.1, 0.1, size=x.shape)).astype(x.dtype) for _ in range(2)
            )
        return cls(
            f=f,
            x=x,
            source=textwrap.dedent(inspect.getsource(f)),
            others=tuple(np.asarray(o) for o in others),
            branch=branch,
            mask_read=mask_read,
            seed=seed,
        )

    @property
    def dtype(self) -> str:
        return str(self.x.dtype)

    # plain NumPy runs --------------------------------------------------------------------

    def plain(self, x: np.ndarray) -> tuple[np.ndarray, ...]:
        """The outputs of ``f`` on a copy of ``x`` in plain NumPy."""
        with np.errstate(all="ignore"):
            return outputs_of(self.f(np.array(x, copy=True)))

    def plain_scalar(self, x: np.ndarray) -> Any:
        with np.errstate(all="ignore"):
            return scalar_of(self.f)(np.array(x, copy=True))

    def run64(self, x: np.ndarray) -> tuple[np.ndarray, Probe | None]:
        """The float64 program at ``x``: all outputs in one vector, and its decisions."""
        x = np.asarray(x, dtype=np.float64)
        if self.probe is None:
            outputs, decisions = self.plain(x), None
        else:
            out, decisions = self.probe(x)
            outputs = outputs_of(out)
        flat = np.concatenate([o.astype(np.float64).ravel() for o in outputs])
        return flat, decisions

    def run64_near(self, x: np.ndarray) -> tuple[np.ndarray, Probe | None] | None:
        """``run64`` at a point near ``x`` for differences, or ``None`` if plain NumPy refuses
        the program there (a value on the other side of a threshold takes a branch that, say,
        writes into a NumPy scalar): the program is not smooth at ``x``."""
        try:
            return self.run64(x)
        except (TypeError, ValueError, IndexError):
            return None

    def numpy_accepts(self, inputs: Sequence[np.ndarray]) -> bool:
        """True when plain NumPy runs the program on every one of ``inputs``: a program drawn
        on one input may take another branch on the next and make NumPy refuse a step."""
        for x in inputs:
            try:
                if self.probe is not None:
                    self.probe(x)
                else:
                    self.f(np.array(x, copy=True))
            except Exception:
                return False
        return True

    def branch_on_input(self, inputs: Sequence[np.ndarray]) -> bool:
        """True when a branch looks at a value that changes with the input.

        A branch on a value that is the same for every input (one computed from constants
        only) may run under vmap and compile; refusing it with ConcreteValueError is allowed.
        """
        if not self.branch:
            return False
        if self.probe is None:
            return True  # a hand-written program says so itself
        seen = {tuple(self.probe(x)[1].branch_values) for x in inputs}
        return len(seen) > 1

    def smooth(self, base: Probe | None, others: Sequence[Probe | None]) -> bool:
        """True when every point took the decisions of ``base``, which has no tie."""
        if base is None:
            return True  # a hand-written program, checked where it is smooth
        if base.tie:
            return False
        for other in others:
            assert other is not None
            if len(other.decisions) != len(base.decisions) or not all(
                np.array_equal(a, b) for a, b in zip(base.decisions, other.decisions, strict=True)
            ):
                return False
        return True

    # reporting -----------------------------------------------------------------------------

    def fail(
        self,
        transform: str,
        what: str,
        expected: Any = None,
        got: Any = None,
        error: BaseException | None = None,
        extra: str = "",
    ) -> None:
        lines = [
            f"{transform}: {what}",
            "",
            "program:",
            textwrap.indent(self.source.rstrip(), "    "),
            f"x = {show_array(self.x)}",
        ]
        if extra:
            lines.append(extra)
        if error is not None:
            lines += ["", "raised:", textwrap.indent(_format_error(error), "    ")]
        else:
            lines += ["", f"expected: {_show(expected)}", f"got:      {_show(got)}"]
        raise AssertionError("\n".join(lines))

    def call(self, transform: str, run: Callable[[], Any]) -> Any:
        """Run ``run()``; any exception is a failure, and so is a change to the input."""
        before = self.x.copy()
        try:
            result = run()
        except Exception as error:
            self.fail(transform, "raised instead of following NumPy", error=error)
        self.check_input_unchanged(transform, before)
        return result

    def call_or_refuse(
        self, transform: str, run: Callable[[], Any], refusals: tuple[type, ...]
    ) -> Any:
        """Like ``call``, but one of the named ``refusals`` gives ``REFUSED`` instead."""
        before = self.x.copy()
        try:
            result = run()
        except Exception as error:
            if not (isinstance(error, refusals) or documented_refusal(error)):
                self.fail(transform, "raised instead of following NumPy", error=error)
            self.check_input_unchanged(transform, before)
            return REFUSED
        self.check_input_unchanged(transform, before)
        return result

    def expect_error(
        self,
        transform: str,
        run: Callable[[], Any],
        error_type: type | tuple[type, ...],
        why: str,
    ) -> BaseException:
        before = self.x.copy()
        try:
            result = run()
        except error_type as error:
            self.check_input_unchanged(transform, before)
            return error
        except Exception as error:
            self.fail(transform, f"should raise {_names(error_type)} ({why})", error=error)
        self.fail(transform, f"should raise {_names(error_type)} ({why})", "an error", result)
        raise AssertionError  # unreachable

    def check_input_unchanged(self, transform: str, before: np.ndarray) -> None:
        if not np.array_equal(self.x, before, equal_nan=True) or self.x.dtype != before.dtype:
            self.fail(transform, "changed the caller's input array", before, self.x.copy())


def _names(error_type: type | tuple[type, ...]) -> str:
    types = error_type if isinstance(error_type, tuple) else (error_type,)
    return " or ".join(t.__name__ for t in types)


def outputs_of(out: Any) -> tuple[np.ndarray, ...]:
    """A function's result as a tuple of arrays (a single array becomes a 1-tuple)."""
    leaves = out if isinstance(out, tuple) else (out,)
    return tuple(np.asarray(leaf) for leaf in leaves)


def scalar_of(f: Callable[[np.ndarray], Any]) -> Callable[[np.ndarray], Any]:
    """``x -> sum over outputs of sum(sin(output))``: a scalar with a nonzero Hessian."""

    def scalar(x: np.ndarray) -> Any:
        out = f(x)
        leaves = out if isinstance(out, tuple) else (out,)
        total = np.sum(np.sin(leaves[0]))
        for leaf in leaves[1:]:
            total = total + np.sum(np.sin(leaf))
        return total

    scalar.__name__ = f"scalar_{getattr(f, '__name__', 'f')}"
    return scalar


def _format_error(error: BaseException) -> str:
    frames = traceback.extract_tb(error.__traceback__)
    shown = [fr for fr in frames if "hypothesis" not in fr.filename][-6:]
    where = "".join(traceback.format_list(shown))
    return f"{where}{type(error).__module__}.{type(error).__name__}: {error}"


def _show(value: Any) -> str:
    if isinstance(value, tuple) and len(value) == 1:
        return _show(value[0])
    if isinstance(value, tuple):
        return "(" + ", ".join(_show(v) for v in value) + ")"
    if isinstance(value, str):
        return value
    a = np.asarray(value)
    text = np.array2string(a, precision=8, threshold=60, max_line_width=100, prefix="got:      ")
    return f"{text} ({a.dtype}, shape {a.shape})"


# ----------------------------------------------------------------------------- comparisons


def _same(expected: tuple, got: Any, exact: bool, tol: float) -> bool:
    """Same structure, shapes and dtypes, and values: to ``tol``, or (``exact``) bitwise up to
    ``ROUNDING_ULPS`` of rounding."""
    got_leaves = outputs_of(got) if not isinstance(got, tuple) else tuple(got)
    if len(got_leaves) != len(expected):
        return False
    for e, g in zip(expected, got_leaves, strict=True):
        g = g if isinstance(g, (np.ndarray, np.generic)) else np.asarray(g)
        if np.shape(g) != e.shape or np.asarray(g).dtype != e.dtype:
            return False
        if exact:
            if np.array_equal(e, g, equal_nan=True):
                continue
            if e.dtype.kind not in "fc" or not _close(
                e, g, ROUNDING_ULPS * float(np.finfo(e.dtype).eps)
            ):
                return False  # integers and booleans: equal or wrong
        elif not _close(e, g, tol):
            return False
    return True


def _close(expected: Any, got: Any, tol: float) -> bool:
    e, g = np.asarray(expected, dtype=np.float64), np.asarray(got, dtype=np.float64)
    if e.shape != g.shape:
        return False
    finite = np.abs(e[np.isfinite(e)])  # ±inf must match exactly, not widen the tolerance
    scale = max(1.0, float(np.max(finite)) if finite.size else 1.0)
    return bool(np.allclose(g, e, rtol=tol, atol=tol * scale, equal_nan=True))


def _directions(subject: Subject, shape: tuple[int, ...], salt: int) -> np.ndarray:
    rng = np.random.default_rng([subject.seed, salt])
    return rng.standard_normal(shape)


# ----------------------------------------------------------------------------- the checks


def check_non_float_outputs(s: Subject, non_float: list[int]) -> None:
    """Integer and boolean outputs: their values under vjp and jvp are NumPy's (their
    tangents zero), and grad, value_and_grad, jacrev and hessian of them raise TypeError."""
    expected = s.plain(s.x)
    v = _directions(s, s.x.shape, 1).astype(s.x.dtype)
    value, _ = s.call("vjp", lambda: fad.vjp(s.f, s.x))
    if not _same(expected, value, exact=True, tol=0):
        s.fail("vjp", "value differs from plain NumPy", expected, value)
    value, tangent = s.call("jvp", lambda: fad.jvp(s.f, (s.x,), (v,)))
    if not _same(expected, value, exact=True, tol=0):
        s.fail("jvp", "value differs from plain NumPy", expected, value)
    tangents = outputs_of(tangent) if not isinstance(tangent, tuple) else tangent
    for i in non_float:
        t = np.asarray(tangents[i])
        if t.shape != expected[i].shape or np.any(t != 0):
            s.fail("jvp", f"tangent of the integer output {i} is not zero", 0, t)
    first = non_float[0]

    def integer_scalar(x: Any) -> Any:
        out = s.f(x)
        return np.sum((out if isinstance(out, tuple) else (out,))[first])

    why = "the output is an integer or boolean array"
    for name, transform in (
        ("grad", fad.grad),
        ("value_and_grad", fad.value_and_grad),
        ("hessian", fad.hessian),
    ):
        s.expect_error(name, lambda t=transform: t(integer_scalar)(s.x), TypeError, why)
    s.expect_error("jacrev", lambda: fad.jacrev(s.f)(s.x), TypeError, why)


def check_values(s: Subject) -> None:
    """The value under value_and_grad, vjp, jvp and hvp is NumPy's: same dtype and shape,
    bitwise but for the rounding of a reduction's order (NaN where NumPy has NaN)."""
    non_float = s.non_float_outputs()
    if non_float:
        check_non_float_outputs(s, non_float)
        float_part = s.float_subject()
        if float_part is None:
            return
        s = float_part
    expected = s.plain(s.x)
    expected_scalar = (np.asarray(s.plain_scalar(s.x)),)
    # the scalar sums every output: a float32 output's reduction rounds in float32 even where
    # the sum ends in float64, so its order's rounding is counted in the coarsest precision
    coarsest = max(float(np.finfo(e.dtype).eps) for e in expected)
    scalar_tol = ROUNDING_ULPS * coarsest * max(1.0, float(np.max(np.abs(expected_scalar[0]))))

    def same_scalar(value: Any) -> bool:
        return _same(expected_scalar, value, exact=True, tol=0) or (
            _same(expected_scalar, value, exact=False, tol=scalar_tol)
            and coarsest > float(np.finfo(expected_scalar[0].dtype).eps)
        )

    f, fs = s.f, scalar_of(s.f)
    v = _directions(s, s.x.shape, 1).astype(s.x.dtype)
    value, _ = s.call("value_and_grad", lambda: fad.value_and_grad(fs)(s.x))
    if not same_scalar(value):
        s.fail("value_and_grad", "value differs from plain NumPy", expected_scalar[0], value)
    value, _ = s.call("vjp", lambda: fad.vjp(f, s.x))
    if not _same(expected, value, exact=True, tol=0):
        s.fail("vjp", "value differs from plain NumPy", expected, value)
    value, _ = s.call("jvp", lambda: fad.jvp(f, (s.x,), (v,)))
    if not _same(expected, value, exact=True, tol=0):
        s.fail("jvp", "value differs from plain NumPy", expected, value)
    value, _ = s.call("hvp", lambda: fad.hvp(fs, (s.x,), (v,)))
    if not same_scalar(value):
        s.fail("hvp", "value differs from plain NumPy", expected_scalar[0], value)


def finite_difference_jacobian(s: Subject) -> np.ndarray | None:
    """The Jacobian of the float64 program by central differences (None next to a kink)."""
    x64 = s.x.astype(np.float64)
    base, base_decisions = s.run64(x64)
    columns, decisions = [], []
    for i in range(x64.size):
        step = np.zeros(x64.size)
        step[i] = FD_EPS
        plus_run = s.run64_near(x64 + step.reshape(x64.shape))
        minus_run = s.run64_near(x64 - step.reshape(x64.shape))
        if plus_run is None or minus_run is None:
            return None
        (plus, plus_decisions), (minus, minus_decisions) = plus_run, minus_run
        columns.append((plus - minus) / (2 * FD_EPS))
        decisions += [plus_decisions, minus_decisions]
    if not s.smooth(base_decisions, decisions):
        return None
    return np.stack(columns, axis=-1) if columns else np.zeros((base.size, 0))


def _flat_jacobian(s: Subject, jac: Any, expected: tuple) -> np.ndarray:
    leaves = jac if isinstance(jac, tuple) else (jac,)
    return np.concatenate(
        [
            np.asarray(j, dtype=np.float64).reshape(e.size, s.x.size)
            for j, e in zip(leaves, expected, strict=True)
        ]
    )


def check_derivatives(s: Subject) -> None:
    """grad, vjp, jvp, jacfwd and jacrev equal central differences and each other (of the
    float outputs; at a non-finite input they must run, and nothing is compared)."""
    float_part = s.float_subject()
    if float_part is None:
        return
    s = float_part
    expected = s.plain(s.x)
    jac_fd = finite_difference_jacobian(s) if s.finite else None
    fd_tol, agree = FD_TOL[s.dtype], AGREE_TOL[s.dtype]
    f, fs = s.f, scalar_of(s.f)
    shapes = [e.shape for e in expected]
    sizes = [e.size for e in expected]
    u_flat = _directions(s, (sum(sizes),), 2)
    u = tuple(
        piece.reshape(shape).astype(e.dtype)
        for piece, shape, e in zip(
            np.split(u_flat, np.cumsum(sizes)[:-1]), shapes, expected, strict=True
        )
    )
    v = _directions(s, s.x.shape, 3).astype(s.x.dtype)
    # the computations (every one must run, kink or not)
    grad = s.call("grad", lambda: fad.grad(fs)(s.x))
    _, pullback = s.call("vjp", lambda: fad.vjp(f, s.x))
    cotangent = u if len(u) > 1 else u[0]
    (vjp_u,) = s.call("vjp (pullback)", lambda: pullback(cotangent))
    _, jv = s.call("jvp", lambda: fad.jvp(f, (s.x,), (v,)))
    jac_fwd = s.call("jacfwd", lambda: fad.jacfwd(f)(s.x))
    jac_rev = s.call("jacrev", lambda: fad.jacrev(f)(s.x))
    for name, value in (("grad", grad), ("vjp", vjp_u)):
        if np.shape(value) != s.x.shape or np.asarray(value).dtype != s.x.dtype:
            s.fail(name, "gradient is not shaped and typed like x", s.x, value)
    expected_jac_shapes = tuple(shape + s.x.shape for shape in shapes)
    for name, jac in (("jacfwd", jac_fwd), ("jacrev", jac_rev)):
        got = tuple(np.shape(j) for j in (jac if isinstance(jac, tuple) else (jac,)))
        if got != expected_jac_shapes:
            s.fail(name, "Jacobian has the wrong shape", expected_jac_shapes, got)
    if not s.finite:
        return  # the rules' formulas at inf and NaN: no reference to compare with
    fwd = _flat_jacobian(s, jac_fwd, expected)
    rev = _flat_jacobian(s, jac_rev, expected)
    jv_flat = np.concatenate([np.asarray(t, dtype=np.float64).ravel() for t in outputs_of(jv)])
    # the transforms agree with each other
    if not _close(fwd, rev, agree):
        s.fail("jacfwd vs jacrev", "the two Jacobians differ", fwd, rev)
    if not _close(fwd @ v.ravel().astype(np.float64), jv_flat, agree):
        s.fail("jvp vs jacfwd", "J v differs from jacfwd(f) @ v", fwd @ v.ravel(), jv_flat)
    if not _close(u_flat @ rev, np.ravel(vjp_u), agree):
        s.fail("vjp vs jacrev", "u J differs from u @ jacrev(f)", u_flat @ rev, vjp_u)
    if jac_fd is None:
        return  # next to a kink: only the agreement between transforms is defined
    # and with central differences of the plain-NumPy program
    if not _close(jac_fd, fwd, fd_tol):
        s.fail("jacfwd", "differs from central differences", jac_fd, fwd)
    if not _close(jac_fd, rev, fd_tol):
        s.fail("jacrev", "differs from central differences", jac_fd, rev)
    if not _close(jac_fd @ v.ravel().astype(np.float64), jv_flat, fd_tol):
        s.fail("jvp", "differs from central differences", jac_fd @ v.ravel(), jv_flat, "")
    if not _close(u_flat @ jac_fd, np.ravel(vjp_u), fd_tol):
        s.fail("vjp", "differs from central differences", u_flat @ jac_fd, vjp_u)
    expected_grad = _scalar_gradient(s, expected, jac_fd).reshape(s.x.shape)
    if not _close(expected_grad, grad, fd_tol):
        s.fail("grad", "differs from central differences", expected_grad, grad)


def _scalar_gradient(s: Subject, expected: tuple, jac_fd: np.ndarray) -> np.ndarray:
    """The gradient of sum(sin(outputs)) from the Jacobian of the outputs (chain rule)."""
    outer = np.concatenate([np.cos(e.astype(np.float64)).ravel() for e in expected])
    return outer @ jac_fd


def _scalar_from_flat(s: Subject, flat: np.ndarray) -> float:
    """sum(sin(outputs)) from the flattened outputs (what ``scalar_of`` computes)."""
    return float(np.sum(np.sin(flat)))


def check_hessian(s: Subject) -> None:
    """hessian is symmetric, equals second differences, and hvp equals hessian @ v (of the
    float outputs; at a non-finite input they must run, and nothing is compared)."""
    float_part = s.float_subject()
    if float_part is None:
        return
    s = float_part
    fs = scalar_of(s.f)
    n = s.x.size
    agree = AGREE_TOL[s.dtype]
    v = _directions(s, s.x.shape, 4).astype(s.x.dtype)
    hess = s.call("hessian", lambda: fad.hessian(fs)(s.x))
    _, hv = s.call("hvp", lambda: fad.hvp(fs, (s.x,), (v,)))
    if np.shape(hess) != s.x.shape * 2:
        s.fail("hessian", "wrong shape", s.x.shape * 2, np.shape(hess))
    hv = hv[0] if isinstance(hv, tuple) else hv
    if np.shape(hv) != s.x.shape:
        s.fail("hvp", "H v is not shaped like x", s.x.shape, np.shape(hv))
    if not s.finite:
        return
    matrix = np.asarray(hess, dtype=np.float64).reshape(n, n)
    if not _close(matrix, matrix.T, agree):
        s.fail("hessian", "is not symmetric", matrix.T, matrix)
    if not _close(matrix @ v.ravel().astype(np.float64), np.ravel(hv), agree):
        s.fail("hvp vs hessian", "H v differs from hessian @ v", matrix @ v.ravel(), hv)
    # u^T H w by second differences of the float64 program, along a few direction pairs
    x64 = s.x.astype(np.float64)
    h = FD2_EPS
    pairs = [(_directions(s, s.x.shape, 5 + k), _directions(s, s.x.shape, 9 + k)) for k in range(2)]
    pairs.append((v.astype(np.float64), v.astype(np.float64)))
    _, base_decisions = s.run64(x64)
    decisions = []
    second_differences = []
    errors = []  # the error of each estimate, judged from the estimate at half the step
    for p, q in pairs:
        estimates = []
        for step in (h, h / 2):
            values = []
            for a, b in ((1, 1), (1, -1), (-1, 1), (-1, -1)):
                near = s.run64_near(x64 + step * (a * p + b * q))
                if near is None:
                    return
                flat, point_decisions = near
                values.append(_scalar_from_flat(s, flat))
                decisions.append(point_decisions)
            estimates.append((values[0] - values[1] - values[2] + values[3]) / (4 * step * step))
        # Richardson: the O(h^2) truncation error cancels; the two estimates' difference
        # bounds what is left (rapidly varying programs have large fourth derivatives)
        second_differences.append((4 * estimates[1] - estimates[0]) / 3)
        errors.append(abs(estimates[1] - estimates[0]) / 3)
    if not s.smooth(base_decisions, decisions):
        return
    tol = HESSIAN_FD_TOL if s.dtype == "float64" else 10 * FD_TOL["float32"]
    for (p, q), fd, error in zip(pairs, second_differences, errors, strict=True):
        got = float(p.ravel() @ matrix @ q.ravel())
        scale = max(1.0, float(np.abs(p).ravel() @ np.abs(matrix) @ np.abs(q).ravel()))
        if abs(fd - got) > tol * scale + error:
            s.fail(
                "hessian",
                "u H w differs from second differences of the plain program",
                fd,
                got,
                extra=f"u = {show_array(p)}\nw = {show_array(q)}",
            )


def check_vmap(s: Subject) -> None:
    """vmap(f) over a batch equals a loop of plain f (or raises the error it must)."""
    batch = np.stack([s.x, *s.others])
    if not s.numpy_accepts(batch):
        return  # NumPy itself refuses one of the examples: nothing to compare with
    run = lambda: fad.vmap(s.f)(batch)
    # a boolean-mask read that selects different numbers of elements per example runs once
    # per example and cannot stack: ValueError (documented), which may come before a branch
    sizes_differ = (
        s.mask_read
        and s.probe is not None
        and len({tuple(s.probe(x)[1].counts) for x in batch}) > 1
    )
    if s.branch_on_input(batch):
        allowed: tuple[type, ...] = (fad.ConcreteValueError,)
        if sizes_differ:
            allowed += (ValueError,)
        error_type = allowed if len(allowed) > 1 else allowed[0]
        s.expect_error("vmap", run, error_type, "Python control flow on a value")
        return
    refusals: tuple[type, ...] = ()
    if sizes_differ:
        refusals += (ValueError,)  # the documented error of masks of different sizes
    if s.branch:
        refusals += (fad.ConcreteValueError,)  # a branch on a constant: refusing it is allowed
    per_example = [s.plain(x) for x in batch]
    expected = tuple(np.stack(leaves) for leaves in zip(*per_example, strict=True))
    got = s.call_or_refuse("vmap", run, refusals)
    if got is REFUSED:
        return
    if not _same(expected, got, exact=False, tol=AGREE_TOL[s.dtype]):
        s.fail("vmap", "differs from a loop of plain NumPy", expected, got)
    if batch.ndim > 2:  # examples of two axes or more, each laid out in Fortran order too
        _check_vmap_fortran(s, batch, refusals)
    if s.mask_read:
        return  # vmap(grad(f)) of a value-dependent shape raises ConcreteValueError (documented)
    fs = scalar_of(s.f)
    # (each example as the array plain NumPy's loop gets, not the NumPy scalar that
    # iterating a batch of 0-d examples gives)
    loop = s.call("grad", lambda: np.stack([fad.grad(fs)(np.array(x)) for x in batch]))
    grads = s.call_or_refuse("vmap(grad)", lambda: fad.vmap(fad.grad(fs))(batch), refusals)
    if grads is REFUSED:
        return
    if not _close(loop, grads, AGREE_TOL[s.dtype]) or np.shape(grads) != loop.shape:
        s.fail("vmap(grad)", "differs from a loop of grad", loop, grads)


def _check_vmap_fortran(s: Subject, batch: np.ndarray, refusals: tuple[type, ...]) -> None:
    """vmap(f) and vmap(compile(f)) over a batch whose examples are in Fortran order equal a
    loop of plain f on those examples (views, copies and writes follow each one's layout)."""
    axes = tuple(range(batch.ndim - 1, 0, -1))
    fortran = np.ascontiguousarray(batch.transpose(0, *axes)).transpose(0, *axes)
    per_example = [s.plain(x) for x in fortran]  # (a copy keeps the example's order)
    expected = tuple(np.stack(leaves) for leaves in zip(*per_example, strict=True))
    compile_refusals = refusals + ((fad.ConcreteValueError,) if s.mask_read or s.branch else ())
    for label, run, refused in (
        ("vmap (Fortran-ordered examples)", lambda: fad.vmap(s.f)(fortran), refusals),
        (
            "vmap(compile) (Fortran-ordered examples)",
            lambda: fad.vmap(fad.compile(s.f))(fortran),
            compile_refusals,
        ),
    ):
        got = s.call_or_refuse(label, run, refused)
        if got is not REFUSED and not _same(expected, got, exact=False, tol=AGREE_TOL[s.dtype]):
            s.fail(label, "differs from a loop of plain NumPy", expected, got)


def check_compile(s: Subject, backend: str | None = None) -> None:
    """compile(f) equals eager f on the recording input and on fresh ones; so does grad
    (with the default backend, or the one named)."""
    compiled = fad.compile(s.f, backend=backend)
    compiled_grad = fad.compile(fad.grad(scalar_of(s.f)), backend=backend)
    inputs = (s.x, *s.others)
    if not s.numpy_accepts(inputs):
        return  # NumPy itself refuses one of the inputs: nothing to compare with
    if s.branch_on_input(inputs):
        why = "Python control flow on a value"
        s.expect_error("compile", lambda: compiled(s.x), fad.ConcreteValueError, why)
        s.expect_error("compile(grad)", lambda: compiled_grad(s.x), fad.ConcreteValueError, why)
        return
    # a value-dependent shape or a branch on a constant may be refused, by name
    refusals = (fad.ConcreteValueError,) if s.mask_read or s.branch else ()
    tol = AGREE_TOL[s.dtype]
    for k, x in enumerate(inputs):
        label = "compile" if k == 0 else "compile (a fresh input, same signature)"
        got = s.call_or_refuse(label, lambda: compiled(x), refusals)
        if got is REFUSED:
            break
        expected = s.plain(x)
        if not _same(expected, got, exact=False, tol=tol):
            s.fail(label, "differs from plain NumPy", expected, got, extra=f"at {show_array(x)}")
    fs = scalar_of(s.f)
    for k, x in enumerate(inputs):
        label = "compile(grad)" if k == 0 else "compile(grad) (a fresh input)"
        eager = s.call("grad", lambda: fad.grad(fs)(x))
        got = s.call_or_refuse(label, lambda: compiled_grad(x), refusals)
        if got is REFUSED:
            return
        if not _close(eager, got, tol) or np.shape(got) != np.shape(eager):
            s.fail(label, "differs from eager grad", eager, got, extra=f"at {show_array(x)}")


def numpy_refuses_too(check: Callable[[Subject], None]) -> Callable[[Subject], None]:
    """``check``, unless plain NumPy itself raises on the program at ``s.x`` (a write into
    what NumPy gives as a scalar, such as ``np.putmask(np.sin(x0), m, v)`` of a 0-d ``x0``):
    then the program under ``vjp`` must raise the same type of error, and nothing else is
    checked."""

    def guarded(s: Subject) -> None:
        try:
            s.plain(s.x)
        except (TypeError, ValueError, IndexError) as refusal:
            try:
                with np.errstate(all="ignore"):
                    fad.vjp(s.f, np.array(s.x, copy=True))
            except type(refusal):
                return
            except Exception as other:
                s.fail("vjp", f"NumPy raises {refusal!r}, vjp another error", error=other)
            s.fail("vjp", f"NumPy raises {refusal!r}, vjp runs without an error", error=refusal)
        check(s)

    guarded.__name__ = check.__name__
    return guarded


CHECKS: dict[str, Callable[[Subject], None]] = {
    name: numpy_refuses_too(check)
    for name, check in {
        "values": check_values,
        "derivatives": check_derivatives,
        "hessian": check_hessian,
        "vmap": check_vmap,
        "compile": check_compile,
        # the fused backend on every float64 elementwise region, however small (numexpr:
        # its expressions compile in microseconds, so every program can have its own)
        "compile_fused": lambda s: check_compile(s, backend="numexpr"),
    }.items()
}


def check_all(s: Subject) -> None:
    """Every check, in order."""
    for check in CHECKS.values():
        check(s)
