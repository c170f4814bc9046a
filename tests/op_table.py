"""The op table: one row per supported NumPy function, from which the op tests are generated.

Rows live in ``tests/op_rows/<family>.py`` (each defines ``ROWS``); ``ROWS`` here joins them.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

Shape = tuple[int, ...]


@dataclass(frozen=True)
class OpCase:
    """One supported function and how to test it.

    name: what it covers, as NumPy spells it ("log", "linalg.inv", "special.gammaln").
    fn: a function of ``arity`` array arguments (parameters such as ``axis`` closed over).
    shapes: the cases; each is one shape per argument (a bare shape for unary rows).
    domain: inputs are drawn uniformly from this interval (per element).
    order: derivative order checked in both modes (0: forward value only, no derivative).
    dtypes: real dtypes to run; float32 rows check that derivatives stay float32.
    complex: also check complex inputs (real and imaginary parts drawn from ``domain``).
    sample: custom sampler ``(rng, shapes, dtype) -> args`` for structured inputs (SPD...).
    modes: which modes to check ("fwd", "rev").
    tol: tolerance override for check_grads (atol = rtol).
    """

    name: str
    fn: Callable[..., Any]
    arity: int = 1
    shapes: Sequence[Any] = ((), (3,), (2, 3))
    domain: tuple[float, float] = (-2.0, 2.0)
    order: int = 2
    dtypes: tuple[str, ...] = ("float64", "float32")
    complex: bool = False
    sample: Callable[..., tuple] | None = None
    modes: tuple[str, ...] = ("fwd", "rev")
    tol: float | None = None
    tags: tuple[str, ...] = field(default=())

    def arg_shapes(self) -> list[tuple[Shape, ...]]:
        """Each case as a tuple with one shape per argument."""
        out = []
        for s in self.shapes:
            if self.arity == 1 and (s == () or isinstance(s[0], int)):
                out.append((tuple(s),))
            else:
                out.append(tuple(tuple(x) for x in s))
        return out

    def args(self, rng: np.random.Generator, shapes: tuple[Shape, ...], dtype: Any) -> tuple:
        """Sample arguments for one case."""
        if self.sample is not None:
            return tuple(self.sample(rng, shapes, np.dtype(dtype)))
        lo, hi = self.domain
        dtype = np.dtype(dtype)
        out = []
        for s in shapes:
            x = rng.uniform(lo, hi, size=s)
            if dtype.kind == "c":
                x = x + 1j * rng.uniform(lo, hi, size=s)
            out.append(np.asarray(x, dtype=dtype))
        return tuple(out)

    def case_id(self, shapes: tuple[Shape, ...]) -> str:
        return f"{self.name}-" + "x".join(str(list(s)).replace(" ", "") for s in shapes)


def _load_rows() -> list[OpCase]:
    from tests import op_rows

    rows: list[OpCase] = []
    for mod in sorted(pkgutil.iter_modules(op_rows.__path__), key=lambda m: m.name):
        rows.extend(importlib.import_module(f"tests.op_rows.{mod.name}").ROWS)
    names = [r.name for r in rows]
    dupes = {n for n in names if names.count(n) > 1}
    assert not dupes, f"duplicate op-table rows: {sorted(dupes)}"
    return rows


ROWS: list[OpCase] = _load_rows()
