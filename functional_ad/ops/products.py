"""Products: the matmul and einsum primitives (NumPy's other products compose them in
``functional_ad/numpy/products.py``).

Both primitives are (multi)linear, so their rules are products again: the jvp replaces one
operand by its tangent, the vjp contracts the cotangent with the other operands (a plain
transpose, never conjugated).
"""

from __future__ import annotations

import string
from typing import Any

import numpy as np

from ..core import Primitive
from . import series
from .batching import example_ndim, to_rank
from .registry import primitive, shape_of, unbroadcast

FAMILY = "products"


# ---------------------------------------------------------------- batch rules (vmap)


def _matmul(prim: Primitive, size: int, vals: list, batched: tuple) -> Any:
    a, b = vals
    a_vec = example_ndim(a, batched[0]) == 1
    b_vec = example_ndim(b, batched[1]) == 1
    # a batch of vectors against one matrix is a single matrix product
    if batched == (True, False) and a_vec and np.ndim(b) == 2:
        return prim(a, b)
    if batched == (False, True) and b_vec and np.ndim(a) == 2:
        return prim(b, np.transpose(a))
    if a_vec:  # a row vector: (..., k) -> (..., 1, k)
        a = np.expand_dims(a, -2)
    if b_vec:  # a column vector: (..., k) -> (..., k, 1)
        b = np.expand_dims(b, -1)
    rank = max(example_ndim(a, batched[0]), example_ndim(b, batched[1]))
    a = to_rank(a, rank) if batched[0] else a
    b = to_rank(b, rank) if batched[1] else b
    out = prim(a, b)
    if b_vec:
        out = out[..., 0]
    if a_vec:
        out = out[..., 0, :] if not b_vec else out[..., 0]
    return out


def _einsum(prim: Primitive, size: int, vals: list, batched: tuple, spec: str) -> Any:
    ins, out = spec.split("->")
    letter = next(
        c for c in "ZYXWVUTSRQPONMLKJIHGFEDCBAzyxwvutsrqponmlkjihgfedcba" if c not in spec
    )
    subs = [letter + s if b else s for s, b in zip(ins.split(","), batched, strict=True)]
    return prim(*vals, spec=",".join(subs) + "->" + letter + out)


def _mT(a: Any) -> Any:
    return np.swapaxes(a, -1, -2)


def _matmul_vjp_a(g: Any, y: Any, a: Any, b: Any) -> Any:
    a_nd, b_nd = len(shape_of(a)), len(shape_of(b))
    if a_nd == 1 and b_nd == 1:
        return g * b
    if b_nd == 1:  # y[..., i] = a[..., i, k] b[k]
        return unbroadcast(np.expand_dims(g, -1) * b, a)
    if a_nd == 1 and b_nd == 2:  # y = a @ B: a matrix-vector product
        return np.matmul(b, g)
    if a_nd == 1:  # y[..., j] = a[k] b[..., k, j]
        return unbroadcast(np.matmul(b, np.expand_dims(g, -1))[..., 0], a)
    return unbroadcast(np.matmul(g, _mT(b)), a)


def _matmul_vjp_b(g: Any, y: Any, a: Any, b: Any) -> Any:
    a_nd, b_nd = len(shape_of(a)), len(shape_of(b))
    if a_nd == 1 and b_nd == 1:
        return g * a
    if b_nd == 1 and a_nd == 2:  # y = A @ b: the transpose is a vector-matrix product
        return np.matmul(g, a)
    if b_nd == 1:
        return unbroadcast(np.matmul(np.expand_dims(g, -2), a)[..., 0, :], b)
    if a_nd == 1:
        return unbroadcast(np.expand_dims(a, -1) * np.expand_dims(g, -2), b)
    return unbroadcast(np.matmul(_mT(a), g), b)


matmul = primitive(
    "matmul",
    np.matmul,
    jvp=(lambda t, y, a, b: np.matmul(t, b), lambda t, y, a, b: np.matmul(a, t)),
    vjp=(_matmul_vjp_a, _matmul_vjp_b),
    reads=((1,), (0,)),  # each rule reads the other factor (and shapes)
    family=FAMILY,
    batch=_matmul,
    jet=series.multilinear_rule,
)

# ---------------------------------------------------------------- einsum

_LETTERS = string.ascii_letters


def _einsum_vjp_joint(g: Any, y: Any, *operands: Any, spec: str) -> tuple[Any, ...]:
    # d/dA_i of einsum(..., A_i, ...) contracted with g is einsum of g with the other operands
    ins, out = spec.split("->")
    subs = ins.split(",")
    bars = []
    for i, x in enumerate(operands):
        bars.append(_einsum_transpose(g, out, subs, operands, i, shape_of(x)))
    return tuple(bars)


def _einsum_transpose(
    g: Any, out: str, subs: list[str], operands: tuple, i: int, shape: tuple
) -> Any:
    target = subs[i]
    others = [(s, o) for j, (s, o) in enumerate(zip(subs, operands, strict=True)) if j != i]
    available = set(out).union(*[set(s) for s, _ in others])
    unique = "".join(dict.fromkeys(target))
    reduced = "".join(c for c in unique if c in available)
    spec = ",".join([out] + [s for s, _ in others]) + "->" + reduced
    bar = einsum_p(g, *[o for _, o in others], spec=spec)
    sizes = dict(zip(target, shape, strict=True))
    sizes.update({c: n for c, n in zip(out, shape_of(g), strict=True) if c in sizes})
    if reduced != unique:  # letters summed away in the forward pass: broadcast back
        shape_full = tuple(sizes[c] for c in unique)
        kept = tuple(sizes[c] if c in reduced else 1 for c in unique)
        bar = np.broadcast_to(np.reshape(bar, kept), shape_full)
    if unique != target:  # repeated letters (a diagonal): put the values on the diagonal
        bar = _place_diagonal(bar, unique, target, sizes)
    if shape_of(bar) != shape:  # ellipsis axes of length one broadcast in the forward pass
        axes = tuple(k for k, (m, n) in enumerate(zip(shape_of(bar), shape, strict=True)) if m != n)
        bar = np.sum(bar, axis=axes, keepdims=True)
    return bar


def _place_diagonal(bar: Any, unique: str, target: str, sizes: dict) -> Any:
    """Spread ``bar`` (indexed by ``unique``) onto the diagonals that ``target`` repeats."""
    fresh = iter(c for c in _LETTERS if c not in target)
    seen: set[str] = set()
    out = ""
    eyes, eye_subs = [], []
    for c in target:
        if c in seen:  # a repeat gets a fresh letter tied to the first by an identity matrix
            d = next(fresh)
            out += d
            eyes.append(np.eye(sizes[c], dtype=bar.dtype))
            eye_subs.append(c + d)
        else:
            seen.add(c)
            out += c
    return einsum_p(bar, *eyes, spec=",".join([unique] + eye_subs) + "->" + out)


def _einsum_jvp_joint(tangents: list, y: Any, *operands: Any, spec: str) -> Any:
    # einsum is multilinear: sum over operands with one operand replaced by its tangent
    out = None
    for i, t in enumerate(tangents):
        if t is None:
            continue
        term = einsum_p(*operands[:i], t, *operands[i + 1 :], spec=spec)
        out = term if out is None else out + term
    return out


einsum_p = primitive(
    "einsum",
    lambda *operands, spec: np.einsum(spec, *operands, optimize=len(operands) > 2),
    jvp_joint=_einsum_jvp_joint,
    vjp_joint=_einsum_vjp_joint,
    family=FAMILY,
    batch=_einsum,
    reads=None,  # any number of operands: every value is kept,
    jet=series.multilinear_rule,
)
