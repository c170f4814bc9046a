"""Jacobians and Hessians in batched passes: vmap of the pullback or of the pushforward.

``jacrev`` records ``f`` once and runs the reverse pass once per output leaf on a whole
basis of cotangents (``vmap`` of the pullback); ``jacfwd`` runs ``f`` once per input leaf
with a whole basis of tangents (``vmap`` of ``jvp``). ``chunk_size`` splits a basis into
blocks to bound memory; the results are the same.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..tree import tree_flatten, tree_unflatten
from ..zeros import Zero, tangent_dtype
from .common import check_argnums, check_float_outputs, name_transform, prepare_inputs
from .derived import Argnums, check_outputs, check_real_inputs, select, select_checked
from .jvp import jvp
from .structured import ScaledIdentity
from .vjp import pull_back, record
from .vmap import axes_leaves, vmap


def _basis(x: Any, chunk_size: int | None) -> Any:
    """The standard basis of ``x``'s space, a batch of shape ``(x.size,) + x.shape``.

    Unchunked, it stays a symbolic ``ScaledIdentity`` as far as the function allows.
    """
    n = int(np.size(x))
    if chunk_size is None or chunk_size >= n:
        return ScaledIdentity(np.ones(np.shape(x), tangent_dtype(x)))
    return np.eye(n, dtype=tangent_dtype(x)).reshape((n,) + tuple(np.shape(x)))


def _zeros_like_tree(leaves: Sequence[Any], skip: int) -> list[Any]:
    return [
        None if j == skip else Zero(np.shape(x), tangent_dtype(x)) for j, x in enumerate(leaves)
    ]


def _batched(
    fn: Callable[[Any], Any], basis: Any, chunk_size: int | None, out_axes: Any = 0
) -> Any:
    """``vmap(fn)(basis)``, in blocks of ``chunk_size`` rows when given."""
    n = np.shape(basis)[0]
    if chunk_size is None or chunk_size >= n:
        return vmap(fn, out_axes=out_axes)(basis)
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be a positive integer, got {chunk_size}")
    parts = [
        vmap(fn, out_axes=out_axes)(basis[i : i + chunk_size]) for i in range(0, n, chunk_size)
    ]
    return _concat_batches(parts, out_axes)


def _concat_batches(parts: list[Any], out_axes: Any) -> Any:
    """Join vmap results of consecutive chunks along their batch axes."""
    first, tree = tree_flatten(parts[0])
    axes = axes_leaves(out_axes, parts[0], "out_axes")
    columns = [tree_flatten(p)[0] for p in parts]
    leaves = [
        first[k] if axis is None else np.concatenate([c[k] for c in columns], axis=0)
        for k, axis in enumerate(axes)
    ]
    return tree_unflatten(tree, leaves)


def jacrev(
    f: Callable[..., Any],
    argnums: Argnums = 0,
    has_aux: bool = False,
    holomorphic: bool = False,
    chunk_size: int | None = None,
) -> Callable[..., Any]:
    """Return a function computing the Jacobian ``∂f/∂x`` by reverse mode.

    ``f`` is recorded once; the reverse pass runs once per output leaf, vectorised over the
    basis of that leaf's cotangents. Complex inputs are allowed with real outputs; complex
    outputs need ``holomorphic=True``.

    Args:
        f: a function of arrays or pytrees returning arrays or a pytree.
        argnums: which positional argument(s) to differentiate.
        has_aux: ``f`` returns ``(out, aux)``; the result is then ``(jacobian, aux)``.
        holomorphic: ``f`` is holomorphic with complex inputs and complex outputs.
        chunk_size: process the basis in blocks of this many rows (bounds memory).

    Returns:
        A function returning the Jacobian: for each output leaf (outer tree) and each input
        leaf (inner tree) an array of shape ``out.shape + in.shape``.

    >>> import numpy as np
    >>> jacrev(lambda x: x ** 2)(np.array([1.0, 2.0]))
    array([[2., 0.],
           [0., 4.]])
    """
    check_argnums(argnums, "jacrev")

    @name_transform("jacrev", f, "Jacobian (reverse mode)")
    def jacrev_f(*args: Any, **kwargs: Any) -> Any:
        g, dyn, single, names = select_checked(f, argnums, args, kwargs, holomorphic, "jacrev")
        rec = record(g, dyn, has_aux, "jacrev", names)
        check_float_outputs(rec.out, "jacrev")
        check_outputs(rec.out, holomorphic, "jacrev")
        per_output = []
        for i, y in enumerate(rec.out):
            seeds = _zeros_like_tree(rec.out, skip=i)

            def pull(ct: Any, i: int = i, seeds: list = seeds) -> Any:
                seeds[i] = ct
                return pull_back(rec, seeds, False)

            blocks = (
                [np.zeros(np.shape(y) + np.shape(x), tangent_dtype(x)) for x in rec.in_values]
                if np.size(y) == 0
                else [
                    np.reshape(rows, np.shape(y) + np.shape(x))
                    for rows, x in zip(
                        _batched(pull, _basis(y, chunk_size), chunk_size),
                        rec.in_values,
                        strict=True,
                    )
                ]
            )
            tree = tree_unflatten(rec.in_tree, blocks)
            per_output.append(tree[0] if single else tree)
        jac = tree_unflatten(rec.out_tree, per_output)
        return (jac, rec.aux) if has_aux else jac

    return jacrev_f


def jacfwd(
    f: Callable[..., Any],
    argnums: Argnums = 0,
    has_aux: bool = False,
    holomorphic: bool = False,
    chunk_size: int | None = None,
) -> Callable[..., Any]:
    """Return a function computing the Jacobian ``∂f/∂x`` by forward mode.

    ``f`` runs once per input leaf, pushing that leaf's whole basis of tangents at once.
    Real inputs may give complex outputs; complex inputs need ``holomorphic=True``.

    Args:
        f: a function of arrays or pytrees returning arrays or a pytree.
        argnums: which positional argument(s) to differentiate.
        has_aux: ``f`` returns ``(out, aux)``; the result is then ``(jacobian, aux)``.
        holomorphic: ``f`` is holomorphic with complex inputs and complex outputs.
        chunk_size: process the basis in blocks of this many columns (bounds memory).

    Returns:
        The Jacobian with the layout of ``jacrev``: ``out.shape + in.shape`` per leaf pair.

    >>> import numpy as np
    >>> jacfwd(lambda x: np.sin(x))(np.array([0.0]))
    array([[1.]])
    """
    check_argnums(argnums, "jacfwd")

    @name_transform("jacfwd", f, "Jacobian (forward mode)")
    def jacfwd_f(*args: Any, **kwargs: Any) -> Any:
        g, dyn, single, names = select_checked(f, argnums, args, kwargs, holomorphic, "jacfwd")
        check_real_inputs(dyn, names, holomorphic, "jacfwd")
        flat, in_tree = tree_flatten(dyn)
        flat = prepare_inputs(flat, "jacfwd", names)
        primals = tree_unflatten(in_tree, flat)
        columns = []  # per input leaf: the flat output tangents, batch axis first
        out_flat: list[Any] = []
        out_tree = aux = None
        for j, x in enumerate(flat):
            tangents = _zeros_like_tree(flat, skip=j)

            def push(t: Any, j: int = j, tangents: list = tangents) -> Any:
                tangents[j] = t
                res = jvp(g, primals, tree_unflatten(in_tree, tangents), has_aux=has_aux)
                return res[1], (res[0], res[2] if has_aux else None)

            if np.size(x) == 0:
                tangents[j] = Zero(np.shape(x), tangent_dtype(x))
                res = jvp(g, primals, tree_unflatten(in_tree, tangents), has_aux=has_aux)
                out, tangent, extra = res[0], None, res[2] if has_aux else None
            else:
                tangent, (out, extra) = _batched(push, _basis(x, chunk_size), chunk_size, (0, None))
            out_flat, out_tree = tree_flatten(out)
            aux = extra
            columns.append(None if tangent is None else tree_flatten(tangent)[0])
        if out_tree is None:  # no differentiated input at all
            res = jvp(g, primals, primals, has_aux=has_aux)
            out_flat, out_tree = tree_flatten(res[0])
            aux = res[2] if has_aux else None
        check_float_outputs(out_flat, "jacfwd")
        if holomorphic:
            check_outputs(out_flat, holomorphic, "jacfwd")
        per_output = []
        for i, y in enumerate(out_flat):
            blocks = []
            for x, cols in zip(flat, columns, strict=True):
                if cols is None:
                    blocks.append(np.zeros(np.shape(y) + np.shape(x), tangent_dtype(y)))
                    continue
                block = np.reshape(cols[i], np.shape(x) + np.shape(y))
                nx, ny = np.ndim(x), np.ndim(y)
                blocks.append(np.transpose(block, tuple(range(nx, nx + ny)) + tuple(range(nx))))
            tree = tree_unflatten(in_tree, blocks)
            per_output.append(tree[0] if single else tree)
        jac = tree_unflatten(out_tree, per_output)
        return (jac, aux) if has_aux else jac

    return jacfwd_f


def jacobian(
    f: Callable[..., Any],
    argnums: Argnums = 0,
    has_aux: bool = False,
    holomorphic: bool = False,
    chunk_size: int | None = None,
    mode: str = "rev",
) -> Callable[..., Any]:
    """Return a function computing the Jacobian ``∂f/∂x``.

    Args:
        f, argnums, has_aux, holomorphic, chunk_size: as for ``jacrev``.
        mode: ``"rev"`` (default, as ``jacrev``), ``"fwd"`` (as ``jacfwd``) or ``"auto"``:
            forward mode when the output has more elements than the differentiated inputs
            (one pass per input element is then cheaper), reverse mode otherwise.

    >>> import numpy as np
    >>> jacobian(lambda x, y: 2 * np.exp(x) + 3 * y, argnums=(0, 1))(
    ...     np.array([0.0]), np.array([1.0]))
    (array([[2.]]), array([[3.]]))
    """
    if mode not in ("rev", "fwd", "auto"):
        raise ValueError(f"jacobian: mode must be 'rev', 'fwd' or 'auto', got {mode!r}")
    check_argnums(argnums, "jacobian")
    rev = jacrev(f, argnums, has_aux, holomorphic, chunk_size)
    fwd = jacfwd(f, argnums, has_aux, holomorphic, chunk_size)

    @name_transform("jacobian", f, "Jacobian")
    def jacobian_f(*args: Any, **kwargs: Any) -> Any:
        chosen = {"rev": rev, "fwd": fwd}.get(mode)
        if chosen is None:  # auto: compare input and output sizes
            _, dyn, _ = select(f, argnums, args, kwargs, "jacobian")
            n_in = sum(int(np.size(x)) for x in tree_flatten(dyn)[0])
            out = f(*args, **kwargs)
            out = out[0] if has_aux else out
            n_out = sum(int(np.size(y)) for y in tree_flatten(out)[0])
            chosen = fwd if n_out > n_in and not holomorphic else rev
        return chosen(*args, **kwargs)

    return jacobian_f


def hessian(
    f: Callable[..., Any],
    argnums: Argnums = 0,
    has_aux: bool = False,
    holomorphic: bool = False,
    chunk_size: int | None = None,
) -> Callable[..., Any]:
    """Return a function computing the Hessian ``∂²f/∂x²`` as ``jacfwd(jacrev(f))``.

    Complex inputs need ``holomorphic=True`` (a holomorphic ``f`` then gives ``f''(z)``).

    Returns:
        For scalar ``f`` of ``x``, an array of shape ``x.shape + x.shape``; for trees, nested
        as ``jacfwd`` of ``jacrev``.

    >>> import numpy as np
    >>> hessian(lambda x: np.sum(x ** 3))(np.array([1.0, 2.0]))
    array([[ 6.,  0.],
           [ 0., 12.]])
    """
    check_argnums(argnums, "hessian")
    inner = jacrev(f, argnums, has_aux, holomorphic, chunk_size)
    outer = jacfwd(inner, argnums, has_aux, holomorphic, chunk_size)
    return name_transform("hessian", f, "Hessian")(outer)
