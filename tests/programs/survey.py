"""Run many random programs through every check and group the failures into families.

The property test stops at the first failure of each check; this lists every kind of
failure in one run, with the smallest program that shows each::

    python -m tests.programs.survey 2000            # programs to run
    python -m tests.programs.survey 2000 --seed 7   # other programs

A family is the check, the transform and the error: its type and its message with quoted
names and numbers blanked out, or "differs" when a value or derivative is wrong.
"""

from __future__ import annotations

import argparse
import re
import warnings
from collections import defaultdict

from hypothesis import HealthCheck, Phase, given, seed, settings

from .check import CHECKS, Subject
from .generate import programs
from .program import Program


def family(message: str) -> str:
    """The family of a failure message: its first line and the error it shows, if any."""
    first = message.split("\n", 1)[0]
    errors = re.findall(r"\n\s+((?:builtins|functional_ad|numpy)[\w.]*: [^\n]*)", message)
    if not errors:
        return first
    error = re.sub(r"'[^']*'|\d+", "_", errors[-1])[:110]
    return f"{first} | {error}"


def survey(count: int, random_seed: int) -> dict[tuple[str, str], list[tuple[Program, str]]]:
    """Run ``count`` programs through every check; failures by (check, family)."""
    found: dict[tuple[str, str], list[tuple[Program, str]]] = defaultdict(list)

    @seed(random_seed)
    @settings(
        max_examples=count,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(programs())
    def run(program: Program) -> None:
        subject = Subject.from_program(program)
        for name, check in CHECKS.items():
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", RuntimeWarning)
                    check(subject)
            except AssertionError as failure:
                found[(name, family(str(failure)))].append((program, str(failure)))

    run()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("count", type=int, help="how many programs to run")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    found = survey(args.count, args.seed)
    by_size = sorted(found.items(), key=lambda item: -len(item[1]))
    print(f"{len(found)} failure families in {args.count} programs\n")
    for (check, key), failures in by_size:
        print(f"{len(failures):5d}  {check}: {key}")
    for (check, key), failures in by_size:
        _, smallest = min(failures, key=lambda item: len(item[0].source()))
        print(f"\n===== {check}: {key}  ({len(failures)} programs)\n{smallest}")


if __name__ == "__main__":
    main()
