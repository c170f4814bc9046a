"""Command line: ``python -m functional_ad coverage [--markdown] [--primitives]``."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path


def _complex_tested() -> set[str]:
    """Public names checked by a complex op-table row, when run from a source checkout."""
    root = Path(__file__).resolve().parent.parent
    if not (root / "tests" / "op_table.py").exists():
        return set()
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    try:
        rows = importlib.import_module("tests.op_table").ROWS
    except Exception:
        return set()
    names = set()
    for row in rows:
        if getattr(row, "complex", False):
            name = row.name.split("[", 1)[0]  # "dot[nd]" is a variant of "dot"
            names |= {f"numpy.{name}", f"scipy.{name}"}
    return names


def _load_optional_families() -> None:
    """Register the SciPy functions too (normally registered when SciPy is first met)."""
    from .dispatch import register_scipy

    register_scipy()
    try:
        importlib.import_module("scipy.linalg")
    except ImportError:
        pass


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m functional_ad", description="functional_ad command line tools"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    coverage = commands.add_parser(
        "coverage", help="print the NumPy/SciPy functions that can be differentiated"
    )
    coverage.add_argument("--markdown", action="store_true", help="emit a Markdown table")
    coverage.add_argument(
        "--primitives", action="store_true", help="also list the primitives with their rules"
    )
    args = parser.parse_args(argv)

    _load_optional_families()
    import functional_ad  # noqa: F401  (registers every op family)

    from .coverage import report

    sys.stdout.write(
        report(markdown=args.markdown, primitives=args.primitives, complex_tested=_complex_tested())
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
