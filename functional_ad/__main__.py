"""Command line: ``python -m functional_ad coverage [--markdown] [--primitives] [--by-module]``."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence


def _load_optional_families() -> None:
    """Register the SciPy functions too (normally registered when SciPy is first met)."""
    from .numpy.dispatch import register_scipy

    register_scipy()
    try:
        importlib.import_module("scipy.linalg")
        importlib.import_module("functional_ad.scipy")
    except ImportError:
        pass


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m functional_ad", description="functional_ad command line tools"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    command = commands.add_parser(
        "coverage", help="print the NumPy/SciPy functions that can be differentiated"
    )
    command.add_argument("--markdown", action="store_true", help="emit a Markdown table")
    command.add_argument(
        "--primitives", action="store_true", help="also list the primitives with their rules"
    )
    command.add_argument(
        "--by-module", action="store_true", help="one table per NumPy/SciPy module"
    )
    args = parser.parse_args(argv)

    _load_optional_families()
    import functional_ad  # noqa: F401  (registers every op family)

    from .tools import coverage

    table = coverage.load_op_table()  # from a source checkout; [] in an installed package
    observed, failed = coverage.observe(coverage.examples(table))
    for message in failed:  # what they reached before raising is still observed
        sys.stderr.write(f"op-table example raised while observed: {message}\n")
    sys.stdout.write(
        coverage.report(
            markdown=args.markdown,
            primitives=args.primitives,
            complex_tested=coverage.complex_tested(table),
            verified=coverage.verified(table),
            observed=observed,
            by_module=args.by_module,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
