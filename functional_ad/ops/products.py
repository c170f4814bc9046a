"""Products: matmul and einsum primitives, and dot, inner, outer, vdot, tensordot built on them."""

from __future__ import annotations

import string
from typing import Any

import numpy as np

from .registry import implements, primitive, shape_of, unbroadcast


def _mT(a: Any) -> Any:
    return np.swapaxes(a, -1, -2)


def _matmul_vjp_a(g: Any, y: Any, a: Any, b: Any) -> Any:
    a_nd, b_nd = len(shape_of(a)), len(shape_of(b))
    if a_nd == 1 and b_nd == 1:
        return g * b
    if b_nd == 1:  # y[..., i] = a[..., i, k] b[k]
        return unbroadcast(np.expand_dims(g, -1) * b, a)
    if a_nd == 1:  # y[..., j] = a[k] b[..., k, j]
        return unbroadcast(np.matmul(b, np.expand_dims(g, -1))[..., 0], a)
    return unbroadcast(np.matmul(g, _mT(b)), a)


def _matmul_vjp_b(g: Any, y: Any, a: Any, b: Any) -> Any:
    a_nd, b_nd = len(shape_of(a)), len(shape_of(b))
    if a_nd == 1 and b_nd == 1:
        return g * a
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
)
implements(np.matmul)(matmul)

# ---------------------------------------------------------------- einsum

_LETTERS = string.ascii_letters


def parse_einsum(subscripts: str, shapes: list[tuple[int, ...]]) -> tuple[list[str], str]:
    """Explicit subscripts: ellipses spelled out with letters and the output made explicit."""
    subscripts = subscripts.replace(" ", "")
    if "->" in subscripts:
        lhs, out = subscripts.split("->")
    else:
        lhs, out = subscripts, None
    ins = lhs.split(",")
    if len(ins) != len(shapes):
        raise ValueError(f"einsum: {len(ins)} operands in subscripts, {len(shapes)} given")
    used = set(lhs.replace("...", ""))
    free = [c for c in _LETTERS if c not in used]
    ell_nd = max((len(s) - len(sub.replace("...", "")) for sub, s in zip(ins, shapes, strict=True)
                  if "..." in sub), default=0)
    ell = "".join(free[:ell_nd])
    explicit = []
    for sub, shape in zip(ins, shapes, strict=True):
        if "..." in sub:
            n = len(shape) - len(sub.replace("...", ""))
            sub = sub.replace("...", ell[ell_nd - n:] if n else "")
        explicit.append(sub)
    if out is None:
        counts = {c: lhs.count(c) for c in set(lhs.replace("...", "").replace(",", ""))}
        out = ell + "".join(sorted(c for c, k in counts.items() if k == 1))
    else:
        out = out.replace("...", ell)
    return explicit, out


def _einsum_vjp_joint(g: Any, y: Any, *operands: Any, spec: str) -> tuple[Any, ...]:
    # d/dA_i of einsum(..., A_i, ...) contracted with g is einsum of g with the other operands
    ins, out = spec.split("->")
    subs = ins.split(",")
    bars = []
    for i, (sub, x) in enumerate(zip(subs, operands, strict=True)):
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
        term = einsum_p(*operands[:i], t, *operands[i + 1:], spec=spec)
        out = term if out is None else out + term
    return out


einsum_p = primitive(
    "einsum",
    lambda *operands, spec: np.einsum(spec, *operands, optimize=len(operands) > 2),
    jvp_joint=_einsum_jvp_joint,
    vjp_joint=_einsum_vjp_joint,
)


@implements(np.einsum)
def einsum(subscripts: Any, *operands: Any, out: Any = None, optimize: Any = False,
           **kwargs: Any) -> Any:
    """``np.einsum`` with string subscripts (explicit, implicit and with ellipsis)."""
    if not isinstance(subscripts, str):
        raise NotImplementedError("numpy.einsum: only string subscripts are supported when traced")
    if out is not None:
        raise TypeError("numpy.einsum: out= is not supported with traced values")
    ins, result = parse_einsum(subscripts, [shape_of(o) for o in operands])
    return einsum_p(*operands, spec=",".join(ins) + "->" + result)


@implements(np.dot)
def dot(a: Any, b: Any, out: Any = None) -> Any:
    """``np.dot``: products of scalars, matrices and N-d arrays (last axis with second-last)."""
    if out is not None:
        raise TypeError("numpy.dot: out= is not supported with traced values")
    a_nd, b_nd = np.ndim(a), np.ndim(b)
    if a_nd == 0 or b_nd == 0:
        return np.multiply(a, b)
    if b_nd <= 2:
        return matmul(a, b)
    return tensordot(a, b, axes=([a_nd - 1], [b_nd - 2]))


@implements(np.inner)
def inner(a: Any, b: Any) -> Any:
    """``np.inner``: sum over the last axes."""
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return np.multiply(a, b)
    return tensordot(a, b, axes=([np.ndim(a) - 1], [np.ndim(b) - 1]))


@implements(np.outer)
def outer(a: Any, b: Any, out: Any = None) -> Any:
    """``np.outer`` of the flattened inputs."""
    return np.multiply(np.reshape(a, (-1, 1)), np.reshape(b, (1, -1)))


@implements(np.vdot)
def vdot(a: Any, b: Any) -> Any:
    """``np.vdot``: conjugate the first argument, flatten both, take the dot product."""
    return np.sum(np.conj(np.ravel(a)) * np.ravel(b))


@implements(np.tensordot)
def tensordot(a: Any, b: Any, axes: Any = 2) -> Any:
    """``np.tensordot`` with an integer or a pair of axis lists."""
    a_nd, b_nd = np.ndim(a), np.ndim(b)
    if isinstance(axes, (int, np.integer)):
        a_axes = list(range(a_nd - int(axes), a_nd))
        b_axes = list(range(int(axes)))
    else:
        a_axes, b_axes = (list(np.atleast_1d(ax)) for ax in axes)
    a_axes = [int(i) % a_nd for i in a_axes]
    b_axes = [int(i) % b_nd for i in b_axes]
    a_sub = list(_LETTERS[:a_nd])
    b_sub = list(_LETTERS[a_nd:a_nd + b_nd])
    for i, j in zip(a_axes, b_axes, strict=True):
        b_sub[j] = a_sub[i]
    out = [c for k, c in enumerate(a_sub) if k not in a_axes] + [
        c for k, c in enumerate(b_sub) if k not in b_axes]
    return einsum_p(a, b, spec=f"{''.join(a_sub)},{''.join(b_sub)}->{''.join(out)}")
