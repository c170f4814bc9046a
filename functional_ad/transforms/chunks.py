"""Blocks of a basis run in turn, on an executor or as lazy Dask tasks, then put back in order.

A chunked Jacobian is a list of independent tasks ``task(spec, *call)``, each returning one
block. ``run_blocks`` runs them in this process, on any ``concurrent.futures.Executor`` or on
a ``distributed.Client``, and returns their results in the order of the calls whatever order
they finish in; ``lazy_blocks`` turns them into ``dask.delayed`` values for ``as_dask=True``.
"""

from __future__ import annotations

import concurrent.futures
import pickle
import sys
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from typing import Any

DASK_HINT = 'pip install "functional_ad[dask]"'


def block_ranges(n: int, chunk_size: int | None) -> list[tuple[int, int]]:
    """``[(start, stop), ...]`` covering ``range(n)`` in blocks of ``chunk_size`` (one if None).

    >>> block_ranges(5, 2)
    [(0, 2), (2, 4), (4, 5)]
    """
    if chunk_size is not None and (
        isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1
    ):
        raise ValueError(f"chunk_size must be a positive integer, got {chunk_size!r}")
    if chunk_size is None or chunk_size >= n:
        return [(0, n)]
    return [(i, min(i + chunk_size, n)) for i in range(0, n, chunk_size)]


def import_dask(transform: str) -> Any:
    """``dask`` with ``dask.array``, or an ``ImportError`` saying how to install it."""
    try:
        import dask
        import dask.array
    except ImportError as error:
        raise ImportError(
            f"{transform}: as_dask=True and functional_ad.dask need Dask; install it with "
            f"{DASK_HINT}"
        ) from error
    return dask


def _is_dask_client(executor: Any) -> bool:
    """True for a ``distributed.Client`` (only possible once ``distributed`` is imported)."""
    distributed = sys.modules.get("distributed")
    return distributed is not None and isinstance(executor, distributed.Client)


def check_executor(executor: Any, transform: str) -> None:
    """Raise ``TypeError`` unless ``executor`` is an ``Executor`` or a ``distributed.Client``."""
    if isinstance(executor, concurrent.futures.Executor) or _is_dask_client(executor):
        return
    raise TypeError(
        f"{transform}: executor must be a concurrent.futures.Executor (ThreadPoolExecutor, "
        f"ProcessPoolExecutor) or a distributed.Client, got {type(executor).__name__}; "
        f"pass executor=None to compute in this process"
    )


def _run_pickled(payload: bytes, *call: Any) -> Any:
    """Unpickle ``(task, spec)`` (pickled with cloudpickle) and run the task on one block."""
    task, spec = pickle.loads(payload)
    return task(spec, *call)


_UNPICKLED: OrderedDict[str, tuple[Callable[..., Any], Any]] = OrderedDict()
_UNPICKLED_LOCK = threading.Lock()


def _run_shared(payload: bytes, token: str, *call: Any) -> Any:
    """Run one block of the call ``token`` on a Dask worker: its ``(task, spec)`` is
    unpickled once per worker process (the last two calls are kept).

    The spec travels as in-band pickle bytes rather than as Dask-serialized arrays: arrays
    in Dask's out-of-band buffers can arrive unaligned, and an unaligned matrix makes NumPy's
    products skip BLAS. (Pickle keeps a read-only array read-only, so that a recording reads
    it instead of copying it.)
    """
    with _UNPICKLED_LOCK:
        unpickled = _UNPICKLED.get(token)
        if unpickled is None:
            unpickled = _UNPICKLED[token] = pickle.loads(payload)
            while len(_UNPICKLED) > 2:
                _UNPICKLED.popitem(last=False)
    task, spec = unpickled
    return task(spec, *call)


def progress_bar(total: int, name: str, progress: bool) -> Any:
    """A tqdm bar over ``total`` blocks, or ``None`` without ``progress``."""
    if not progress:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError as error:
        raise ImportError(
            f"{name}: progress=True needs tqdm; install it with pip install tqdm, "
            f"or pass progress=False"
        ) from error
    return tqdm(total=total, desc=name, unit="block")


def run_blocks(
    task: Callable[..., Any],
    spec: Any,
    calls: Sequence[tuple],
    executor: Any,
    name: str,
    progress: bool = False,
) -> list[Any]:
    """``[task(spec, *call) for call in calls]``, on ``executor`` when given, in call order.

    On a ``distributed.Client`` the spec is scattered to the cluster once (as ``<name>-spec``)
    and each block is a task named ``<name>-block-<i>`` (readable in the dashboard). On a
    process pool the task and its spec travel pickled with cloudpickle when it is installed,
    so lambdas and closures work.
    """
    bar = progress_bar(len(calls), name, progress)
    try:
        if executor is None:
            results = []
            for call in calls:
                results.append(task(spec, *call))
                if bar is not None:
                    bar.update(1)
            return results
        futures = _submit(task, spec, calls, executor, name)
        if bar is not None:
            for _ in _as_completed(futures, executor):
                bar.update(1)
        return [future.result() for future in futures]
    finally:
        if bar is not None:
            bar.close()


def _submit(
    task: Callable[..., Any], spec: Any, calls: Sequence[tuple], executor: Any, name: str
) -> list[Any]:
    if _is_dask_client(executor):
        import cloudpickle  # installed with distributed

        token = uuid.uuid4().hex[:8]
        # every worker reads the spec: sent once to each, under a name the dashboard shows
        payload = cloudpickle.dumps((task, spec), protocol=5)
        (shared,) = executor.scatter({f"{name}-spec-{token}": payload}, broadcast=True).values()
        return [
            executor.submit(
                _run_shared, shared, token, *call, key=f"{name}-block-{i}-{token}", pure=False
            )
            for i, call in enumerate(calls)
        ]
    if isinstance(executor, concurrent.futures.ProcessPoolExecutor):
        try:
            import cloudpickle
        except ImportError:  # plain pickle: module-level functions only
            return [executor.submit(task, spec, *call) for call in calls]
        payload = cloudpickle.dumps((task, spec))
        return [executor.submit(_run_pickled, payload, *call) for call in calls]
    return [executor.submit(task, spec, *call) for call in calls]


def _as_completed(futures: list[Any], executor: Any) -> Iterator[Any]:
    if _is_dask_client(executor):
        import distributed

        return iter(distributed.as_completed(futures))
    return concurrent.futures.as_completed(futures)


def _part(parts: Sequence[Any], k: int, spec: Any) -> Any:
    """Part ``k`` of a block's result; ``spec`` is read only so that Dask does not fuse this
    task with the block's (a fused task takes another name in the dashboard)."""
    return parts[k]


def lazy_blocks(
    task: Callable[..., Any],
    spec: Any,
    calls: Sequence[tuple],
    name: str,
    dask: Any,
    n_parts: int,
) -> list[list[Any]]:
    """Per call, ``n_parts`` ``dask.delayed`` values: the parts of ``task(spec, *call)``.

    Each block is one task keyed ``(<name>-block-<token>, i)`` reading one shared spec task,
    so the dashboard shows the work under ``<name>-block``; the tasks picking its parts read
    the spec too, which keeps Dask from fusing the block into them and renaming it.
    """
    token = uuid.uuid4().hex[:8]
    shared = dask.delayed(spec, traverse=False, name=f"{name}-spec-{token}")
    run = dask.delayed(task, pure=True)
    part = dask.delayed(_part, pure=True)
    blocks = []
    for i, call in enumerate(calls):
        block = run(shared, *call, dask_key_name=(f"{name}-block-{token}", i))
        blocks.append(
            [
                part(block, k, shared, dask_key_name=(f"{name}-part-{token}", i, k))
                for k in range(n_parts)
            ]
        )
    return blocks
