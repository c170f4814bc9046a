"""Jacobians and Hessians in batched passes: vmap of the pullback or of the pushforward.

``jacrev`` records ``f`` once and runs the reverse pass once per output leaf on a whole
basis of cotangents (``vmap`` of the pullback); ``jacfwd`` runs ``f`` once per input leaf
with a whole basis of tangents (``vmap`` of ``jvp``). ``chunk_size`` splits a basis into
blocks to bound memory; the results are the same. With ``executor=`` each block is one task on
an executor or a Dask cluster, and ``as_dask=True`` returns a lazy ``dask.array.Array``
whose blocks are computed when read (see ``chunks.py``).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core import Tracer
from ..core.tree import tree_flatten, tree_leaves, tree_unflatten
from ..core.zeros import Zero, tangent_dtype
from .batching import axes_leaves, vmap
from .chunks import (
    block_ranges,
    check_executor,
    import_dask,
    lazy_blocks,
    progress_bar,
    run_blocks,
)
from .common import (
    check_argnums,
    check_float_outputs,
    check_outputs,
    name_transform,
    prepare_inputs,
)
from .forward import jvp
from .reverse import (
    Argnums,
    check_complex_outputs,
    check_real_inputs,
    pull_back,
    record,
    select,
    select_checked,
)
from .structured import ScaledIdentity


def _block_calls(values: list, chunk_size: int | None) -> list[tuple[int, int, int]]:
    """``(leaf, start, stop)`` for each block of basis directions of each non-empty leaf."""
    return [
        (k, start, stop)
        for k, x in enumerate(values)
        if np.size(x)
        for start, stop in block_ranges(int(np.size(x)), chunk_size)
    ]


def _basis(x: Any) -> Any:
    """The standard basis of ``x``'s space, a batch of shape ``(x.size,) + x.shape``: a
    symbolic ``ScaledIdentity``, kept so as far as the function allows."""
    return ScaledIdentity(np.ones(np.shape(x), tangent_dtype(x)))


def _zeros_like_tree(leaves: Sequence[Any], skip: int) -> list[Any]:
    return [
        None if j == skip else Zero(np.shape(x), tangent_dtype(x)) for j, x in enumerate(leaves)
    ]


def _basis_rows(x: Any, start: int, stop: int) -> Any:
    """Rows ``start:stop`` of the basis of ``x``'s space (the whole one stays symbolic)."""
    n = int(np.size(x))
    if (start, stop) == (0, n):
        return _basis(x)
    rows = np.zeros((stop - start, n), dtype=tangent_dtype(x))
    rows[np.arange(stop - start), np.arange(start, stop)] = 1
    return rows.reshape((stop - start,) + tuple(np.shape(x)))


def _one_basis_array(fn: Callable[[Any], Any], x: Any, out_axes: Any, bar: Any) -> Any:
    """``_batched`` for a one-element ``x``: ``fn`` of its basis array, each result given the
    batch axis of length one that ``out_axes`` asks for."""
    out = fn(np.ones(np.shape(x), tangent_dtype(x)))
    leaves, tree = tree_flatten(out)
    axes = axes_leaves(out_axes, out, "out_axes")
    if bar is not None:
        bar.update(1)
    return tree_unflatten(
        tree, [v if a is None else np.expand_dims(v, a) for v, a in zip(leaves, axes, strict=True)]
    )


def _batched(
    fn: Callable[[Any], Any],
    x: Any,
    chunk_size: int | None,
    out_axes: Any = 0,
    bar: Any = None,
) -> Any:
    """``vmap(fn)`` over the basis of ``x``'s space, in blocks of ``chunk_size`` rows if given.

    Block by block, only one block of the basis and of the results exists at a time beside
    the result, which is filled in place (when it is a plain array).
    """
    n = int(np.size(x))
    if n == 1:  # one basis array: a plain call (a batch of one adds an axis to every value)
        return _one_basis_array(fn, x, out_axes, bar)
    ranges = block_ranges(n, chunk_size)
    batched = vmap(fn, out_axes=out_axes)
    if len(ranges) == 1:
        whole = batched(_basis(x))
        if bar is not None:
            bar.update(1)
        return whole
    parts: list[Any] = []
    tree: Any = None
    axes: Any = None
    filled: list[Any] | None = None
    for start, stop in ranges:
        leaves, tree = tree_flatten(batched(_basis_rows(x, start, stop)))
        if axes is None:
            axes = axes_leaves(out_axes, tree_unflatten(tree, leaves), "out_axes")
            if all(a is None or type(v) is np.ndarray for a, v in zip(axes, leaves, strict=True)):
                filled = [
                    v if a is None else np.empty((n,) + v.shape[1:], v.dtype)
                    for a, v in zip(axes, leaves, strict=True)
                ]
        if filled is not None and all(
            a is None or type(v) is np.ndarray for a, v in zip(axes, leaves, strict=True)
        ):
            for k, (a, v) in enumerate(zip(axes, leaves, strict=True)):
                if a is not None:
                    filled[k][start:stop] = v
        else:  # traced results (under an outer transform): joined at the end
            if filled is not None:
                parts = [
                    [f[:start] if a is not None else f for f, a in zip(filled, axes, strict=True)]
                ]
                filled = None
            parts.append(leaves)
        del leaves
        if bar is not None:
            bar.update(1)
    if filled is not None:
        return tree_unflatten(tree, filled)
    joined = [
        parts[0][k] if a is None else np.concatenate([p[k] for p in parts], axis=0)
        for k, a in enumerate(axes)
    ]
    return tree_unflatten(tree, joined)


# ----------------------------------------------------------------------------- spread blocks


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: it keys _recordings
class _Job:
    """What a block task needs to redo its part of a Jacobian, possibly in another process."""

    f: Callable[..., Any]
    argnums: Argnums
    has_aux: bool
    holomorphic: bool
    args: tuple
    kwargs: dict


def _check_spread_options(
    executor: Any, as_dask: bool, progress: bool, transform: str
) -> Any | None:
    """Check ``executor``/``as_dask``/``progress`` when the transform is made; return dask."""
    if executor is not None:
        check_executor(executor, transform)
    if not as_dask:
        return None
    if executor is not None:
        raise ValueError(
            f"{transform}: pass either executor= or as_dask=True, not both; a lazy Dask array "
            f"is computed by Dask's active scheduler (a distributed.Client once one is created)"
        )
    if progress:
        raise ValueError(
            f"{transform}: progress=True reports eager computations; with as_dask=True use "
            f"dask.diagnostics.ProgressBar or distributed.progress on the computation instead"
        )
    return import_dask(transform)


def _not_concrete(transform: str) -> TypeError:
    return TypeError(
        f"{transform} with executor= or as_dask=True needs concrete arguments, but it was "
        f"called under another transform (grad, jvp, vmap or compile) or on a function that "
        f"closes over a traced value. Blocks computed elsewhere cannot carry traced values: "
        f"put the other transform inside (e.g. jacfwd(jacrev(f), executor=...)), or drop "
        f"executor=/as_dask=True here"
    )


def _evaluate(job: _Job, transform: str) -> tuple[tuple, list[str], list[Any], Any, Any, Any]:
    """Run ``f`` once in plain NumPy: ``(dyn, names, flat outputs, out tree, in tree, aux)``."""
    if any(isinstance(leaf, Tracer) for leaf in tree_leaves((job.args, job.kwargs))):
        raise _not_concrete(transform)
    g, dyn, _, names = select_checked(
        job.f, job.argnums, job.args, job.kwargs, job.holomorphic, transform
    )
    flat, in_tree = tree_flatten(dyn)
    dyn = tree_unflatten(in_tree, prepare_inputs(flat, transform, names))
    out = g(*dyn)
    aux = None
    if job.has_aux:
        if not (isinstance(out, (tuple, list)) and len(out) == 2):
            raise TypeError("with has_aux=True the function must return a pair (output, aux)")
        out, aux = out
    out_flat, out_tree = tree_flatten(out)
    check_outputs(out_flat, transform)
    if any(isinstance(leaf, Tracer) for leaf in tree_leaves((out_flat, aux))):
        raise _not_concrete(transform)
    return dyn, names, [np.asarray(y) for y in out_flat], out_tree, in_tree, aux


# The recording of a job, shared by the blocks of it that one process runs (a worker runs
# several): recorded once per process, as in-process, and dropped with the job.
_recordings: weakref.WeakKeyDictionary[_Job, Any] = weakref.WeakKeyDictionary()
_recordings_lock = threading.Lock()


def _recording_of(job: _Job) -> Any:
    """``f`` recorded for reverse mode at the job's arguments (pulled back, never consumed)."""
    with _recordings_lock:
        rec = _recordings.get(job)
        if rec is None:
            g, dyn, _, names = select_checked(
                job.f, job.argnums, job.args, job.kwargs, job.holomorphic, "jacrev"
            )
            rec = _recordings[job] = record(g, dyn, job.has_aux, "jacrev", names)
    return rec


def _jacrev_block(job: _Job, i: int, start: int, stop: int) -> list[Any]:
    """Rows ``start:stop`` of the Jacobian of output leaf ``i``: one per input leaf."""
    rec = _recording_of(job)
    seeds = _zeros_like_tree(rec.out, skip=i)

    def pull(ct: Any) -> Any:
        seeds[i] = ct
        return pull_back(rec, seeds, False)

    rows = vmap(pull)(_basis_rows(rec.out[i], start, stop))
    return [
        np.reshape(r, (stop - start,) + np.shape(x))
        for r, x in zip(rows, rec.in_values, strict=True)
    ]


def _jacfwd_block(job: _Job, j: int, start: int, stop: int) -> list[Any]:
    """Columns ``start:stop`` of input leaf ``j``: per output leaf, tangents batch-first."""
    g, dyn, _, names = select_checked(
        job.f, job.argnums, job.args, job.kwargs, job.holomorphic, "jacfwd"
    )
    flat, in_tree = tree_flatten(dyn)
    flat = prepare_inputs(flat, "jacfwd", names)
    primals = tree_unflatten(in_tree, flat)
    tangents = _zeros_like_tree(flat, skip=j)

    def push(t: Any) -> Any:
        tangents[j] = t
        return jvp(g, primals, tree_unflatten(in_tree, tangents), has_aux=job.has_aux)[1]

    return tree_flatten(vmap(push)(_basis_rows(flat[j], start, stop)))[0]


def _spread(
    task: Callable[..., Any],
    job: _Job,
    calls: list[tuple[int, int, int]],
    executor: Any,
    dask: Any,
    name: str,
    progress: bool,
    block_shape: Callable[[int, int, int, int], tuple[tuple, Any]],
    n_leaves: int,
) -> dict[int, list[list[Any]]]:
    """Run (or, with ``dask``, wrap lazily) the block tasks; per leaf index ``i`` of the
    calls, a list over its blocks of the task's list of arrays."""
    by_leaf: dict[int, list[list[Any]]] = {i: [] for i, _, _ in calls}
    if dask is None:
        results = run_blocks(task, job, calls, executor, name, progress)
    else:
        import dask.array as da

        results = [
            [da.from_delayed(parts[k], *block_shape(i, start, stop, k)) for k in range(n_leaves)]
            for parts, (i, start, stop) in zip(
                lazy_blocks(task, job, calls, name, dask, n_leaves), calls, strict=True
            )
        ]
    for (i, _, _), result in zip(calls, results, strict=True):
        by_leaf[i].append(result)
    return by_leaf


def _join(lib: Any, parts: list[Any]) -> Any:
    return parts[0] if len(parts) == 1 else lib.concatenate(parts, axis=0)


def _jacrev_spread(
    job: _Job,
    chunk_size: int | None,
    executor: Any,
    dask: Any,
    name: str,
    progress: bool,
    single: bool,
) -> Any:
    """``jacrev`` computed block by block on ``executor`` or as a lazy Dask array."""
    _, _, out_flat, out_tree, in_tree, aux = _evaluate(job, "jacrev")
    in_values = tree_flatten(_evaluate_inputs(job, "jacrev"))[0]
    check_float_outputs(out_flat, "jacrev")
    check_complex_outputs(out_flat, job.holomorphic, "jacrev")
    calls = _block_calls(out_flat, chunk_size)

    def block_shape(i: int, start: int, stop: int, k: int) -> tuple[tuple, Any]:
        x = in_values[k]
        return (stop - start,) + np.shape(x), tangent_dtype(x)

    by_leaf = _spread(
        _jacrev_block, job, calls, executor, dask, name, progress, block_shape, len(in_values)
    )
    lib = np if dask is None else dask.array
    per_output = []
    for i, y in enumerate(out_flat):
        blocks = [
            lib.zeros(np.shape(y) + np.shape(x), tangent_dtype(x))
            if np.size(y) == 0
            else lib.reshape(
                _join(lib, [rows[k] for rows in by_leaf[i]]), np.shape(y) + np.shape(x)
            )
            for k, x in enumerate(in_values)
        ]
        tree = tree_unflatten(in_tree, blocks)
        per_output.append(tree[0] if single else tree)
    jac = tree_unflatten(out_tree, per_output)
    return (jac, aux) if job.has_aux else jac


def _evaluate_inputs(job: _Job, transform: str) -> Any:
    """The differentiated arguments as arrays, as the transforms see them."""
    _, dyn, _, names = select_checked(
        job.f, job.argnums, job.args, job.kwargs, job.holomorphic, transform
    )
    flat, in_tree = tree_flatten(dyn)
    return tree_unflatten(in_tree, prepare_inputs(flat, transform, names))


def _jacfwd_spread(
    job: _Job,
    chunk_size: int | None,
    executor: Any,
    dask: Any,
    name: str,
    progress: bool,
    single: bool,
) -> Any:
    """``jacfwd`` computed block by block on ``executor`` or as a lazy Dask array."""
    dyn, names, out_flat, out_tree, in_tree, aux = _evaluate(job, "jacfwd")
    check_real_inputs(dyn, names, job.holomorphic, "jacfwd")
    check_float_outputs(out_flat, "jacfwd")
    if job.holomorphic:
        check_complex_outputs(out_flat, job.holomorphic, "jacfwd")
    flat = tree_flatten(dyn)[0]
    calls = _block_calls(flat, chunk_size)

    def block_shape(j: int, start: int, stop: int, k: int) -> tuple[tuple, Any]:
        y = out_flat[k]
        return (stop - start,) + np.shape(y), _tangent_dtype_of_output(y, flat[j])

    by_leaf = _spread(
        _jacfwd_block, job, calls, executor, dask, name, progress, block_shape, len(out_flat)
    )
    lib = np if dask is None else dask.array
    columns = [
        [_join(lib, [cols[k] for cols in by_leaf[j]]) for k in range(len(out_flat))]
        if np.size(x)
        else None
        for j, x in enumerate(flat)
    ]
    jac = _assemble_forward(lib, flat, columns, out_flat, out_tree, in_tree, single)
    return (jac, aux) if job.has_aux else jac


def _tangent_dtype_of_output(y: Any, x: Any) -> Any:
    """The dtype forward mode gives the tangent of output ``y`` for a tangent of ``x``."""
    return np.result_type(tangent_dtype(y), tangent_dtype(x))


def _assemble_forward(
    lib: Any,
    flat: list[Any],
    columns: list[list[Any] | None],
    out_flat: list[Any],
    out_tree: Any,
    in_tree: Any,
    single: bool,
) -> Any:
    """Turn per-input-leaf tangent columns (batch axis first) into ``out.shape + in.shape``."""
    per_output = []
    for i, y in enumerate(out_flat):
        blocks = []
        for x, cols in zip(flat, columns, strict=True):
            if cols is None:
                blocks.append(lib.zeros(np.shape(y) + np.shape(x), tangent_dtype(y)))
                continue
            block = lib.reshape(cols[i], np.shape(x) + np.shape(y))
            nx, ny = np.ndim(x), np.ndim(y)
            blocks.append(lib.transpose(block, tuple(range(nx, nx + ny)) + tuple(range(nx))))
        tree = tree_unflatten(in_tree, blocks)
        per_output.append(tree[0] if single else tree)
    return tree_unflatten(out_tree, per_output)


# ----------------------------------------------------------------------------- transforms


def _label(prefix: str, f: Callable[..., Any]) -> str:
    """The name ``name_transform`` gives: ``jacrev_of_f``."""
    return f"{prefix}_of_{getattr(f, '__name__', type(f).__name__)}"


def jacrev(
    f: Callable[..., Any],
    argnums: Argnums = 0,
    has_aux: bool = False,
    holomorphic: bool = False,
    chunk_size: int | None = None,
    executor: Any = None,
    as_dask: bool = False,
    progress: bool = False,
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
        executor: run each block as one task on this ``concurrent.futures.Executor`` or
            ``distributed.Client`` (each process records ``f`` once per call, and its tasks
            share that recording); the blocks are put back in order and the result equals
            the local one with the same ``chunk_size`` (bit for bit at the same BLAS thread
            count).
        as_dask: return lazy ``dask.array.Array`` blocks instead, computed when read.
        progress: show a tqdm progress bar over the blocks.

    Returns:
        A function returning the Jacobian: for each output leaf (outer tree) and each input
        leaf (inner tree) an array of shape ``out.shape + in.shape``.

    >>> import numpy as np
    >>> jacrev(lambda x: x ** 2)(np.array([1.0, 2.0]))
    array([[2., 0.],
           [0., 4.]])
    """
    check_argnums(argnums, "jacrev")
    dask = _check_spread_options(executor, as_dask, progress, "jacrev")
    label = _label("jacrev", f)

    @name_transform("jacrev", f, "Jacobian (reverse mode)")
    def jacrev_f(*args: Any, **kwargs: Any) -> Any:
        if executor is not None or as_dask:
            job = _Job(f, argnums, has_aux, holomorphic, args, kwargs)
            single = isinstance(argnums, (int, np.integer))
            return _jacrev_spread(job, chunk_size, executor, dask, label, progress, single)
        g, dyn, single, names = select_checked(f, argnums, args, kwargs, holomorphic, "jacrev")
        rec = record(g, dyn, has_aux, "jacrev", names)
        check_float_outputs(rec.out, "jacrev")
        check_complex_outputs(rec.out, holomorphic, "jacrev")
        bar = progress_bar(
            sum(len(block_ranges(int(np.size(y)), chunk_size)) for y in rec.out if np.size(y)),
            label,
            progress,
        )
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
                        _batched(pull, y, chunk_size, bar=bar),
                        rec.in_values,
                        strict=True,
                    )
                ]
            )
            tree = tree_unflatten(rec.in_tree, blocks)
            per_output.append(tree[0] if single else tree)
        if bar is not None:
            bar.close()
        jac = tree_unflatten(rec.out_tree, per_output)
        return (jac, rec.aux) if has_aux else jac

    return jacrev_f


def jacfwd(
    f: Callable[..., Any],
    argnums: Argnums = 0,
    has_aux: bool = False,
    holomorphic: bool = False,
    chunk_size: int | None = None,
    executor: Any = None,
    as_dask: bool = False,
    progress: bool = False,
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
        executor: run each block as one task on this ``concurrent.futures.Executor`` or
            ``distributed.Client``; the result equals the local one with the same
            ``chunk_size`` (bit for bit at the same BLAS thread count).
        as_dask: return lazy ``dask.array.Array`` blocks instead, computed when read.
        progress: show a tqdm progress bar over the blocks.

    Returns:
        The Jacobian with the layout of ``jacrev``: ``out.shape + in.shape`` per leaf pair.

    >>> import numpy as np
    >>> jacfwd(lambda x: np.sin(x))(np.array([0.0]))
    array([[1.]])
    """
    check_argnums(argnums, "jacfwd")
    return _jacfwd(f, argnums, has_aux, holomorphic, chunk_size, executor, as_dask, progress)


def _jacfwd(
    f: Callable[..., Any],
    argnums: Argnums,
    has_aux: bool,
    holomorphic: bool,
    chunk_size: int | None,
    executor: Any,
    as_dask: bool,
    progress: bool,
    label: str | None = None,
) -> Callable[..., Any]:
    """``jacfwd``; ``label`` names its blocks (progress bars, Dask tasks) if not ``jacfwd_of_f``."""
    dask = _check_spread_options(executor, as_dask, progress, "jacfwd")
    label = label or _label("jacfwd", f)

    @name_transform("jacfwd", f, "Jacobian (forward mode)")
    def jacfwd_f(*args: Any, **kwargs: Any) -> Any:
        if executor is not None or as_dask:
            job = _Job(f, argnums, has_aux, holomorphic, args, kwargs)
            single = isinstance(argnums, (int, np.integer))
            return _jacfwd_spread(job, chunk_size, executor, dask, label, progress, single)
        g, dyn, single, names = select_checked(f, argnums, args, kwargs, holomorphic, "jacfwd")
        check_real_inputs(dyn, names, holomorphic, "jacfwd")
        flat, in_tree = tree_flatten(dyn)
        flat = prepare_inputs(flat, "jacfwd", names)
        primals = tree_unflatten(in_tree, flat)
        bar = progress_bar(
            sum(len(block_ranges(int(np.size(x)), chunk_size)) for x in flat if np.size(x)),
            label,
            progress,
        )
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
                tangent, (out, extra) = _batched(push, x, chunk_size, (0, None), bar)
            out_flat, out_tree = tree_flatten(out)
            aux = extra
            columns.append(None if tangent is None else tree_flatten(tangent)[0])
        if bar is not None:
            bar.close()
        if out_tree is None:  # no differentiated input at all
            res = jvp(g, primals, primals, has_aux=has_aux)
            out_flat, out_tree = tree_flatten(res[0])
            aux = res[2] if has_aux else None
        check_float_outputs(out_flat, "jacfwd")
        if holomorphic:
            check_complex_outputs(out_flat, holomorphic, "jacfwd")
        jac = _assemble_forward(np, flat, columns, out_flat, out_tree, in_tree, single)
        return (jac, aux) if has_aux else jac

    return jacfwd_f


def jacobian(
    f: Callable[..., Any],
    argnums: Argnums = 0,
    has_aux: bool = False,
    holomorphic: bool = False,
    chunk_size: int | None = None,
    mode: str = "rev",
    executor: Any = None,
    as_dask: bool = False,
    progress: bool = False,
) -> Callable[..., Any]:
    """Return a function computing the Jacobian ``∂f/∂x``.

    Args:
        f, argnums, has_aux, holomorphic, chunk_size: as for ``jacrev``.
        mode: ``"rev"`` (default, as ``jacrev``), ``"fwd"`` (as ``jacfwd``) or ``"auto"``:
            forward mode when the output has more elements than the differentiated inputs
            (one pass per input element is then cheaper), reverse mode otherwise.
        executor, as_dask, progress: as for ``jacrev``.

    >>> import numpy as np
    >>> jacobian(lambda x, y: 2 * np.exp(x) + 3 * y, argnums=(0, 1))(
    ...     np.array([0.0]), np.array([1.0]))
    (array([[2.]]), array([[3.]]))
    """
    if mode not in ("rev", "fwd", "auto"):
        raise ValueError(f"jacobian: mode must be 'rev', 'fwd' or 'auto', got {mode!r}")
    check_argnums(argnums, "jacobian")
    spread = {"executor": executor, "as_dask": as_dask, "progress": progress}
    rev = jacrev(f, argnums, has_aux, holomorphic, chunk_size, **spread)
    fwd = jacfwd(f, argnums, has_aux, holomorphic, chunk_size, **spread)

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
    executor: Any = None,
    as_dask: bool = False,
    progress: bool = False,
) -> Callable[..., Any]:
    """Return a function computing the Hessian ``∂²f/∂x²`` as ``jacfwd(jacrev(f))``.

    Complex inputs need ``holomorphic=True`` (a holomorphic ``f`` then gives ``f''(z)``).
    ``chunk_size`` blocks both passes; ``executor``, ``as_dask`` and ``progress`` apply to the
    outer forward pass: each block of columns is one batch of Hessian-vector products.

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
    outer = _jacfwd(
        inner,
        argnums,
        has_aux,
        holomorphic,
        chunk_size,
        executor,
        as_dask,
        progress,
        _label("hessian", f),
    )
    return name_transform("hessian", f, "Hessian")(outer)
