"""Differential test: random NumPy programs under every transform against plain NumPy.

Each example is a random program of up to a dozen steps (views, in-place and
aug-assignment through any alias, fancy and mask updates, ``out=``, ``np.copyto`` /
``np.put`` / ``np.place`` / ``np.putmask`` / ``np.fill_diagonal`` / ``np.add.at``,
concatenation, branches on values) drawn by ``tests/programs/generate.py``. One check per
test, from ``tests/programs/check.py``:

- ``values``: the value under value_and_grad, vjp, jvp and hvp is plain NumPy's (same
  dtype and shape; bitwise but for the rounding of a reduction over a view);
- ``derivatives``: grad, vjp, jvp, jacfwd and jacrev equal central differences of the plain
  NumPy program and each other;
- ``hessian``: symmetric, equal to second differences, and ``hvp == hessian @ v``;
- ``vmap``: equals a loop of plain NumPy (``ConcreteValueError`` for a branch on a value);
  so does ``vmap(grad)`` against a loop of ``grad``;
- ``compile``: equals eager on the recording input and on fresh ones, and so does
  ``compile(grad)`` (``ConcreteValueError`` for a branch on a value);
- ``compile_fused``: the same with the fused backend on every float64 elementwise region
  (numexpr, whose expressions compile in microseconds).

Inputs are generic values, or (``make_input``) hold special points: exact 0, -0, ±1, the
thresholds the programs compare with and clip to, and repeated elements, so that ties of
max, min, sort, clip and comparisons occur (central differences are skipped next to a tie;
the transforms must still agree with each other), or also ±inf and NaN (values and vmap /
compile values must equal NumPy's, NaN where NumPy has NaN; derivatives must run, and are
not compared). About one program in five returns an integer or boolean result (argmax, a
comparison, a count, ``astype(int)``), alone or beside floats: its value must be NumPy's
under vjp, jvp, vmap and compile (with a zero tangent), and grad, value_and_grad, jacrev and
hessian of it must raise TypeError; the float outputs are checked as before.

Every check also asserts that the caller's input array is unchanged. A failure prints the
program as Python source, its input, the transform and both values; hypothesis shrinks it
first.

By default each check runs a fixed, derandomized set of programs (the "programs" profile in
``tests/conftest.py``), the same on every run. For a long run with new random programs, set
``FAD_PROGRAMS_MINUTES=N``: the checks share N minutes and each prints how many programs it
ran (pass ``-s`` to pytest to see it)::

    FAD_PROGRAMS_MINUTES=30 python -m pytest tests/test_programs.py -s

To list every kind of failure at once (not only the first of each check), with the
smallest program for each: ``python -m tests.programs.survey 2000``. Every failure found
becomes a named test in ``tests/test_program_regressions.py``.
"""

from __future__ import annotations

import functools
import os
import time
import warnings
from collections.abc import Callable

import pytest
from hypothesis import find, given, settings

from tests.programs.check import CHECKS, Subject
from tests.programs.generate import programs
from tests.programs.program import Program

MINUTES = os.environ.get("FAD_PROGRAMS_MINUTES")


def _run(check: Callable[[Program], None], profile: str, counter: list[int]) -> None:
    """Run ``check`` on the programs of ``profile`` (the same programs for every check)."""

    @settings(settings.get_profile(profile))
    @given(programs())
    def one_program(program):
        counter[0] += 1
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # NumPy's own, on both sides
            check(program)

    one_program()


def _subject_check(check_name: str) -> Callable[[Program], None]:
    check = CHECKS[check_name]
    return lambda program: check(Subject.from_program(program))


@pytest.mark.parametrize("check_name", list(CHECKS))
def test_random_programs(check_name: str) -> None:
    """Random programs agree with plain NumPy and central differences under ``check_name``."""
    counter = [0]
    if MINUTES is None:
        _run(_subject_check(check_name), "programs", counter)
        for program in _feature_programs():  # (features the fixed programs happen to lack)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                _subject_check(check_name)(program)
        return
    budget = float(MINUTES) * 60 / len(CHECKS)
    start = time.monotonic()
    while time.monotonic() - start < budget:
        _run(_subject_check(check_name), "programs-long", counter)
    minutes = (time.monotonic() - start) / 60
    print(f"\n{check_name}: {counter[0]} programs in {minutes:.1f} minutes, no failure")


# what the generated programs must contain between them, by the source text that shows it
FEATURES = {
    "a copy of the input": "y = x.copy()",
    "empty_like, fill, item assignment": "y.fill(",
    "item assignment through a slice": "] = ",
    "aug-assignment into a slice": "] += ",
    "a basic view": "[::",
    "a new axis": "None",
    "transpose": ".T",
    "swapaxes": "np.swapaxes(",
    "reshape": ".reshape(",
    "ravel": "ravel(",
    "diagonal": ".diagonal()",
    "real or imag": ".real",
    "unpacking or split pieces": "p1",
    "np.split": "np.split(",
    "np.array_split": "np.array_split(",
    "iteration over rows": "for row in",
    "a loop over indices": "for i in range(",
    "fancy indexing": "[[",
    "a boolean mask read": "[y > ",
    "a comparison": " > ",
    "np.where": "np.where(",
    "np.maximum": "np.maximum(",
    "a reduction over an axis": "axis=",
    "keepdims": "keepdims=True",
    "out= on a ufunc": ", out=",
    "np.clip with out=": "np.clip(",
    "np.concatenate": "np.concatenate(",
    "np.stack": "np.stack(",
    "np.copyto": "np.copyto(",
    "np.put": "np.put(",
    "np.place": "np.place(",
    "np.putmask": "np.putmask(",
    "np.fill_diagonal": "np.fill_diagonal(",
    "np.add.at": "np.add.at(",
    "np.multiply.at": "np.multiply.at(",
    "zeros(..., like=x)": "like=x",
    "a branch on a value": "if np.sum(",
    "a write to the argument": "x *= ",
    "float32 input": "float32",
    "np.sort (ties exchange slots)": "np.sort(",
    "np.pad (a new array in its own order)": "np.pad(",
    "np.unwrap (a new array in C order)": "np.unwrap(",
    "np.einsum of a transpose (a view)": "np.einsum(",
    "a min reduction": "min(",
    "an argmax output": "np.argmax(",
    "an astype(int) output": ".astype(int)",
    "input with exact 0, ±1, thresholds and ties": "special=points",
    "input with inf or NaN": "special=nonfinite",
}


def _output_kinds(program: Program) -> str:
    """The dtype kinds of a program's outputs in plain NumPy (``""`` if NumPy refuses it)."""
    subject = Subject.from_program(program)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            outputs = subject.plain(subject.x)
    except (TypeError, ValueError, IndexError):
        return ""
    return "".join(sorted({o.dtype.kind for o in outputs}))


def _text(program: Program) -> str:
    """What ``FEATURES`` are looked for in: the source, the dtype and the special points."""
    return program.source() + program.dtype + f" special={program.special}"


@functools.cache
def _feature_programs() -> tuple[Program, ...]:
    """One program for each feature the fixed programs lack, the smallest hypothesis finds.

    Which features the fixed programs have depends on hypothesis's version, and on the
    constants it mixes into its choices from the modules of this repository loaded at the
    time (a new module changes them), so every check also runs these: between them the
    programs of a CI run use every feature, whatever the fixed ones happen to be.
    """
    sources: list[str] = []
    _run(lambda program: sources.append(_text(program)), "programs", [0])
    text = "\n".join(sources)
    search = settings(max_examples=3000, database=None, deadline=None, derandomize=True)
    return tuple(
        find(programs(), lambda program, marker=marker: marker in _text(program), settings=search)
        for marker in FEATURES.values()
        if marker not in text
    )


def test_generated_programs_run_on_numpy_and_cover_every_feature() -> None:
    """The programs every check runs in CI run on plain NumPy, return floats, integers or
    booleans (some only those), and between them use every feature."""
    sources: list[str] = []
    output_kinds: list[str] = []

    def collect(program: Program) -> None:
        subject = Subject.from_program(program)
        outputs = subject.plain(subject.x)
        assert all(o.dtype.kind in "fiub" for o in outputs)
        output_kinds.append(_output_kinds(program))
        assert program.source().startswith("def f(x):\n")
        sources.append(_text(program))

    counter = [0]
    _run(collect, "programs", counter)
    assert counter[0] == settings.get_profile("programs").max_examples
    for program in _feature_programs():
        collect(program)
    text = "\n".join(sources)
    missing = [name for name, marker in FEATURES.items() if marker not in text]
    assert not missing, f"no generated program has: {missing}"
    # integer and boolean outputs, alone and beside floats: each kind the fixed programs
    # happen not to have (which ones they have depends on hypothesis's version) is searched
    # for among new ones
    for kind in sorted({"b", "i", "bf", "fi"} - set(output_kinds)):
        find(
            programs(),
            lambda program, kind=kind: _output_kinds(program) == kind,
            settings=settings(max_examples=3000, database=None, deadline=None),
        )
