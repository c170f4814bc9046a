"""Count the calls inside functional_ad, and the module boundaries they cross, in one grad call.

The walk of ``grad(lambda x: np.sum(np.sin(x)))(x)`` that docs/architecture.md describes: every
Python-level call into a functional_ad function is one call; it crosses a boundary when its
caller is in another module (the user's function counts as a module). ``tests/test_layers.py``
keeps the count from growing back.

    python benchmarks/module_walk.py [--list]
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

# Running a script in benchmarks/ puts benchmarks/ on sys.path, not the repository root.
REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))


def walk(call: Callable[[], Any]) -> list[tuple[str, str, str]]:
    """(caller module, callee module, function) for each functional_ad call made by ``call``."""
    calls: list[tuple[str, str, str]] = []

    def observe(frame: Any, event: str, arg: Any) -> None:
        if event != "call":
            return
        module = frame.f_globals.get("__name__", "")
        if not module.startswith("functional_ad"):
            return
        caller = frame.f_back
        while caller is not None and not caller.f_globals.get("__name__", "").startswith(
            ("functional_ad", "__main__", "tests", "benchmarks")
        ):
            caller = caller.f_back  # through NumPy's own Python code
        calls.append((caller.f_globals["__name__"] if caller else "", module, frame.f_code.co_name))

    sys.setprofile(observe)
    try:
        call()
    finally:
        sys.setprofile(None)
    return calls


def grad_walk() -> list[tuple[str, str, str]]:
    """The calls of one ``grad(lambda x: np.sum(np.sin(x)))(x)`` after a first call."""
    import functional_ad as fad

    x = np.array([0.1, 0.2, 0.3])
    grad_f = fad.grad(lambda x: np.sum(np.sin(x)))
    grad_f(x)
    return walk(lambda: grad_f(x))


def main() -> None:
    calls = grad_walk()
    crossing = [c for c in calls if c[0] != c[1]]
    modules = {callee for _, callee, _ in calls}
    print(f"{len(calls)} calls, {len(crossing)} cross a module boundary, {len(modules)} modules")
    if "--list" in sys.argv:
        for caller, callee, name in calls:
            print(("X " if caller != callee else "  ") + f"{caller} -> {callee}.{name}")


if __name__ == "__main__":
    main()
