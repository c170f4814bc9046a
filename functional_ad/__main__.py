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


def _verified() -> dict[str, str]:
    """Public name -> the orders and modes its op-table rows check (from a source checkout)."""
    root = Path(__file__).resolve().parent.parent
    if not (root / "tests" / "op_table.py").exists():
        return {}
    try:
        rows = importlib.import_module("tests.op_table").ROWS
    except Exception:
        return {}
    found: dict[str, tuple[int, set[str]]] = {}
    for row in rows:
        base = row.name.split("[", 1)[0]  # "dot[nd]" is a variant of "dot"
        if base.startswith("linalg.scipy."):
            names = [f"functional_ad.scipy.linalg.{base.removeprefix('linalg.scipy.')}"]
        else:
            names = [f"numpy.{base}", f"scipy.{base}", f"functional_ad.scipy.{base}"]
            names.append(f"functional_ad.{base}")
        for name in names:
            order, modes = found.get(name, (0, set()))
            found[name] = (max(order, row.order), modes | set(row.modes if row.order else ()))
    return {
        name: f"order {order}, " + ("+".join(sorted(modes)) if modes else "value only")
        for name, (order, modes) in found.items()
    }


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
    coverage = commands.add_parser(
        "coverage", help="print the NumPy/SciPy functions that can be differentiated"
    )
    coverage.add_argument("--markdown", action="store_true", help="emit a Markdown table")
    coverage.add_argument(
        "--primitives", action="store_true", help="also list the primitives with their rules"
    )
    coverage.add_argument(
        "--by-module", action="store_true", help="one table per NumPy/SciPy module"
    )
    args = parser.parse_args(argv)

    _load_optional_families()
    import functional_ad  # noqa: F401  (registers every op family)

    from .tools.coverage import report

    sys.stdout.write(
        report(
            markdown=args.markdown,
            primitives=args.primitives,
            complex_tested=_complex_tested(),
            verified=_verified(),
            by_module=args.by_module,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
