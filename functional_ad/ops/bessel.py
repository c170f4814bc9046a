"""Bessel functions of real order (scipy.special iv, ive, jv, yv, kv, kve) and of integer order
(yn): derivatives in x.

The recurrences give the derivative in the argument from neighbouring orders:
``I_v' = (I_{v-1} + I_{v+1})/2``, ``J_v' = (J_{v-1} - J_{v+1})/2`` (and Y likewise),
``K_v' = -(K_{v-1} + K_{v+1})/2``. The exponentially scaled ``ive = iv e^{-|x|}`` and
``kve = kv e^{x}`` add the derivative of their scale. There is no derivative in the order.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .special_rules import nary, no_partial


def declare(sc: Any) -> dict[str, Any]:
    """Declare the primitives with ``sc = scipy.special``; returns them by name."""
    order = lambda name: no_partial(f"scipy.special.{name}", "v", "derivative in the order")
    p = {}
    p["iv"] = nary(
        "special.iv",
        sc.iv,
        [order("iv"), lambda y, v, x: (sc.iv(v - 1, x) + sc.iv(v + 1, x)) / 2],
        reads=((), (0, 1)),
    )
    p["ive"] = nary(
        "special.ive",
        sc.ive,
        [
            order("ive"),
            lambda y, v, x: (sc.ive(v - 1, x) + sc.ive(v + 1, x)) / 2 - np.sign(x) * y,
        ],
        reads=((), (-1, 0, 1)),
    )
    p["jv"] = nary(
        "special.jv",
        sc.jv,
        [order("jv"), lambda y, v, x: (sc.jv(v - 1, x) - sc.jv(v + 1, x)) / 2],
        reads=((), (0, 1)),
    )
    p["yv"] = nary(
        "special.yv",
        sc.yv,
        [order("yv"), lambda y, v, x: (sc.yv(v - 1, x) - sc.yv(v + 1, x)) / 2],
        reads=((), (0, 1)),
    )
    # Y_n of integer order n (a count: no derivative in it)
    p["yn"] = nary(
        "special.yn",
        sc.yn,
        [None, lambda y, n, x: (sc.yn(n - 1, x) - sc.yn(n + 1, x)) / 2],
        reads=((), (0, 1)),
    )
    p["kv"] = nary(
        "special.kv",
        sc.kv,
        [order("kv"), lambda y, v, x: -(sc.kv(v - 1, x) + sc.kv(v + 1, x)) / 2],
        reads=((), (0, 1)),
    )
    p["kve"] = nary(
        "special.kve",
        sc.kve,
        [order("kve"), lambda y, v, x: y - (sc.kve(v - 1, x) + sc.kve(v + 1, x)) / 2],
        reads=((), (-1, 0, 1)),
    )
    return p


__all__ = ["declare"]
