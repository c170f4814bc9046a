"""NumPy's products on traced values: dot, einsum, tensordot, outer, kron, cross..."""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from ..core import Tracer
from ..core.views import layout_of
from ..ops.products import _LETTERS, einsum_p, matmul
from ..ops.registry import dtype_of, ordered_axes, shape_of, single_axis
from .registry import constant_result, implements

implements(np.matmul)(matmul)


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
    ell_nd = max(
        (
            len(s) - len(sub.replace("...", ""))
            for sub, s in zip(ins, shapes, strict=True)
            if "..." in sub
        ),
        default=0,
    )
    ell = "".join(free[:ell_nd])
    explicit = []
    for sub, shape in zip(ins, shapes, strict=True):
        if "..." in sub:
            n = len(shape) - len(sub.replace("...", ""))
            sub = sub.replace("...", ell[ell_nd - n :] if n else "")
        explicit.append(sub)
    if out is None:
        counts = {c: lhs.count(c) for c in set(lhs.replace("...", "").replace(",", ""))}
        out = ell + "".join(sorted(c for c, k in counts.items() if k == 1))
    else:
        out = out.replace("...", ell)
    return explicit, out


def _sublist_letters(sublist: Any) -> str:
    """Interleaved-form subscripts (ints 0-51, Ellipsis) as letters, mapped as NumPy does."""
    out = ""
    for label in sublist:
        if label is Ellipsis:
            out += "..."
        else:
            label = int(label)
            if not 0 <= label < 52:
                raise ValueError(f"einsum: subscript {label} is not in [0, 52)")
            out += chr(ord("A") + label) if label < 26 else chr(ord("a") + label - 26)
    return out


def _from_sublists(args: tuple) -> tuple[str, list]:
    """``einsum(op0, sub0, op1, sub1, ..., [sub_out])`` as a string and its operands."""
    operands = list(args[0:-1:2]) if len(args) % 2 else list(args[0::2])
    subs = [_sublist_letters(s) for s in args[1::2]]
    if len(args) % 2:  # an odd count ends with the output sublist
        return ",".join(subs[: len(operands)]) + "->" + _sublist_letters(args[-1]), operands
    return ",".join(subs), operands


@implements(np.einsum)
def einsum(
    *operands: Any,
    out: Any = None,
    optimize: Any = False,
    dtype: Any = None,
    order: str = "K",
    casting: str = "safe",
) -> Any:
    """``np.einsum``: explicit, implicit, ellipsis, diagonal and interleaved (sublist) forms."""
    if out is not None:
        raise TypeError("numpy.einsum: out= is not supported with traced values")
    if isinstance(operands[0], str):
        subscripts, arrays = operands[0], list(operands[1:])
    else:
        subscripts, arrays = _from_sublists(operands)
    ins, result = parse_einsum(subscripts, [shape_of(o) for o in arrays])
    if (
        len(arrays) == 1
        and isinstance(arrays[0], Tracer)
        and set(ins[0]) <= set(result)  # (nothing summed)
        and _numpy_views(operands, optimize, dtype, order, casting)
    ):
        return _einsum_view(arrays[0], ins[0], result)  # (NumPy's view ignores dtype=)
    if dtype is not None:
        for i, o in enumerate(arrays):
            if not np.can_cast(dtype_of(o), dtype, casting):  # type: ignore[arg-type]
                raise TypeError(
                    f"Iterator operand {i} dtype could not be cast from {dtype_of(o)!r} to "
                    f"{np.dtype(dtype)!r} according to the rule {casting!r}"
                )
        arrays = [o.astype(dtype) if hasattr(o, "astype") else np.asarray(o, dtype) for o in arrays]
    y = einsum_p(*arrays, spec=",".join(ins) + "->" + result)
    # ('K', the default, follows the operands' layouts as the dispatch records it)
    if order == "F" or (order == "A" and all(_fortran(o) for o in arrays)):
        y = np.asfortranarray(y)
    return y


def _fortran(x: Any) -> bool:
    """Whether NumPy holds ``x`` Fortran-contiguous."""
    layout = layout_of(x) if isinstance(x, Tracer) else np.asarray(x)
    return bool(np.ndim(x) < 2 or (layout is not None and layout.flags.f_contiguous))


def _numpy_views(operands: tuple, optimize: Any, dtype: Any, order: str, casting: str) -> bool:
    """True if NumPy's einsum of these operands is a view of its one array (a transpose or a
    diagonal, nothing summed: ``np.einsum('ij->ji', a)``, ``np.einsum('ii->i', a)``), asked
    of NumPy on an empty array of that shape and dtype."""
    probes = [np.empty(o.shape, o.dtype) if isinstance(o, Tracer) else o for o in operands]
    array = next(p for p in probes if type(p) is np.ndarray)
    result = np.einsum(  # type: ignore[call-overload]
        *probes, optimize=optimize, dtype=dtype, order=order, casting=casting
    )
    return type(result) is np.ndarray and np.shares_memory(result, array)


def _einsum_view(a: Any, labels: str, result: str) -> Any:
    """The view NumPy's einsum gives of ``a``: a diagonal for each repeated label (the
    diagonal axis last, as ``np.diagonal`` puts it), then the axes in ``result``'s order.
    A diagonal is read-only, as ``np.diagonal``'s: a write into it raises (NumPy's einsum
    writes through it)."""
    order = list(labels)
    repeated = [c for c in dict.fromkeys(order) if order.count(c) > 1]
    for c in repeated:
        while order.count(c) > 1:
            i = order.index(c)
            j = order.index(c, i + 1)
            a = np.diagonal(a, axis1=i, axis2=j)
            order = [k for n, k in enumerate(order) if n not in (i, j)] + [c]
    return np.transpose(a, [order.index(c) for c in result])


@implements(np.einsum_path)
@constant_result
def einsum_path(*operands: Any, optimize: Any = "greedy", einsum_call: bool = False) -> Any:
    """``np.einsum_path``: the contraction order depends on shapes only (zero stand-ins)."""
    if isinstance(operands[0], str):
        arrays = range(1, len(operands))
    else:  # interleaved: arrays at even positions, sublists at odd ones (and a last output)
        arrays = range(0, len(operands) - len(operands) % 2, 2)
    stand_ins = list(operands)
    for i in arrays:
        dtype = getattr(operands[i], "dtype", None) or np.asarray(operands[i]).dtype
        stand_ins[i] = np.broadcast_to(np.zeros((), dtype), shape_of(operands[i]))
    # (the stubs only know einsum_call=False, the public form)
    return np.einsum_path(*stand_ins, optimize=optimize, einsum_call=einsum_call)  # type: ignore[arg-type]


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
    if isinstance(axes, (int, np.integer)):  # the last n axes of a with the first n of b
        n = operator.index(axes)
        a_axes, b_axes = list(range(-n, 0)), list(range(n))
    else:
        a_axes, b_axes = axes
    duplicate = "duplicate axes are not allowed in tensordot"
    a_axes = list(ordered_axes(a_axes, a_nd, duplicate))
    b_axes = list(ordered_axes(b_axes, b_nd, duplicate))
    a_shape, b_shape = shape_of(a), shape_of(b)
    if len(a_axes) != len(b_axes) or any(
        a_shape[i] != b_shape[j] for i, j in zip(a_axes, b_axes, strict=True)
    ):
        raise ValueError("shape-mismatch for sum")
    a_sub = list(_LETTERS[:a_nd])
    b_sub = list(_LETTERS[a_nd : a_nd + b_nd])
    for i, j in zip(a_axes, b_axes, strict=True):
        b_sub[j] = a_sub[i]
    out = [c for k, c in enumerate(a_sub) if k not in a_axes] + [
        c for k, c in enumerate(b_sub) if k not in b_axes
    ]
    return einsum_p(a, b, spec=f"{''.join(a_sub)},{''.join(b_sub)}->{''.join(out)}")


@implements(np.kron)
def kron(a: Any, b: Any) -> Any:
    """``np.kron``: blocks ``a[i, j] * b``, as an outer product with interleaved axes."""
    a_shape, b_shape = shape_of(a), shape_of(b)
    ndim = max(len(a_shape), len(b_shape))
    a_shape = (1,) * (ndim - len(a_shape)) + a_shape
    b_shape = (1,) * (ndim - len(b_shape)) + b_shape
    a_spread = np.reshape(a, tuple(d for n in a_shape for d in (n, 1)))
    b_spread = np.reshape(b, tuple(d for n in b_shape for d in (1, n)))
    return np.reshape(
        a_spread * b_spread, tuple(m * n for m, n in zip(a_shape, b_shape, strict=True))
    )


def _components(v: Any, axis: int) -> list:
    """The 2 or 3 components of vectors along ``axis``, each with that axis removed."""
    v = np.moveaxis(v, axis, -1)
    n = shape_of(v)[-1]
    if n not in (2, 3):
        raise ValueError("incompatible dimensions for cross product\n(dimension must be 2 or 3)")
    return [v[..., i] for i in range(n)]


@implements(np.cross)
def cross(
    a: Any, b: Any, axisa: int = -1, axisb: int = -1, axisc: int = -1, axis: Any = None
) -> Any:
    """``np.cross`` of 3-vectors (and of 2-vectors, taken with a zero third component)."""
    if axis is not None:
        axisa = axisb = axisc = axis
    axisa, axisb = single_axis(axisa, np.ndim(a)), single_axis(axisb, np.ndim(b))
    axisc = operator.index(axisc)  # (its range is checked by the result's moveaxis)
    ca, cb = _components(a, axisa), _components(b, axisb)
    z = ca[0] * cb[1] - ca[1] * cb[0]
    if len(ca) == 2 and len(cb) == 2:
        return z
    if len(ca) == 2:
        x, y = ca[1] * cb[2], -(ca[0] * cb[2])
    elif len(cb) == 2:
        x, y = -(ca[2] * cb[1]), ca[2] * cb[0]
    else:
        x, y = ca[1] * cb[2] - ca[2] * cb[1], ca[2] * cb[0] - ca[0] * cb[2]
    out = np.stack([x, y, z], axis=-1)  # all three have the broadcast shape of a and b
    return np.moveaxis(out, -1, axisc)


def _vecdot(x1: Any, x2: Any, axis: int = -1) -> Any:
    """``sum(conj(x1) * x2)`` over the vectors at ``axis`` of each operand: a gufunc's core
    axis, taken from each operand before the others broadcast."""
    vectors = []
    for k, x in enumerate((x1, x2)):
        ndim = np.ndim(x)
        if ndim == 0:
            raise ValueError(
                f"vecdot: Input operand {k} does not have enough dimensions (has 0, gufunc "
                "core with signature (n),(n)->() requires 1)"
            )
        vectors.append(np.moveaxis(x, single_axis(axis, ndim), -1))
    n1, n2 = shape_of(vectors[0])[-1], shape_of(vectors[1])[-1]
    if n1 != n2:
        raise ValueError(
            "vecdot: Input operand 1 has a mismatch in its core dimension 0, with gufunc "
            f"signature (n),(n)->() (size {n2} is different from {n1})"
        )
    return np.sum(np.conj(vectors[0]) * vectors[1], axis=-1)


def _matvec(x1: Any, x2: Any) -> Any:
    """Matrix-vector products over the last axes (``np.matvec``)."""
    return matmul(x1, np.expand_dims(x2, -1))[..., 0]


def _vecmat(x1: Any, x2: Any) -> Any:
    """Vector-matrix products ``conj(x1) @ x2`` over the last axes (``np.vecmat``)."""
    return matmul(np.expand_dims(np.conj(x1), -2), x2)[..., 0, :]


implements(np.vecdot)(_vecdot)


if hasattr(np, "matvec"):  # NumPy >= 2.2
    implements(np.matvec)(_matvec)
    implements(np.vecmat)(_vecmat)


@implements(np.linalg.vecdot)
def linalg_vecdot(x1: Any, x2: Any, /, *, axis: int = -1) -> Any:
    """``np.linalg.vecdot``."""
    return _vecdot(x1, x2, axis)


@implements(np.linalg.matmul)
def linalg_matmul(x1: Any, x2: Any, /) -> Any:
    """``np.linalg.matmul``."""
    return matmul(x1, x2)


@implements(np.linalg.outer)
def linalg_outer(x1: Any, x2: Any, /) -> Any:
    """``np.linalg.outer`` of two vectors."""
    if np.ndim(x1) != 1 or np.ndim(x2) != 1:
        raise ValueError("Input arrays must be one-dimensional")
    return outer(x1, x2)


@implements(np.linalg.tensordot)
def linalg_tensordot(x1: Any, x2: Any, /, *, axes: Any = 2) -> Any:
    """``np.linalg.tensordot``."""
    return tensordot(x1, x2, axes)


@implements(np.linalg.cross)
def linalg_cross(x1: Any, x2: Any, /, *, axis: int = -1) -> Any:
    """``np.linalg.cross`` of 3-vectors."""
    if shape_of(x1)[axis] != 3 or shape_of(x2)[axis] != 3:
        raise ValueError("Both input arrays must be (arrays of) 3-dimensional vectors")
    return cross(x1, x2, axis=axis)
