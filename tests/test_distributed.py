"""Jacobians on executors and Dask clusters, lazy Dask results, dataset gradients, pickling.

The cluster is a real ``distributed.LocalCluster`` with two worker processes, started once for
the module.
"""

from __future__ import annotations

import pickle
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import numpy as np
import pytest

import functional_ad as fad
from functional_ad.testing import check_grads

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")
cloudpickle = pytest.importorskip("cloudpickle")
fdask = pytest.importorskip("functional_ad.dask")

RNG = np.random.default_rng(0)
W = RNG.standard_normal((7, 5))
X = RNG.standard_normal(5)


def vector_fn(x):
    return np.tanh(W @ np.sin(x)) * np.sum(x**2)


def scalar_fn(x):
    return np.sum(np.log1p(np.exp(W @ x))) + 0.5 * x @ x + np.sum(x**3)


def tree_fn(p):
    return {"a": np.sin(p["u"]) * p["v"][0], "b": np.sum(p["u"] ** 2) * p["v"]}


P = {"u": RNG.standard_normal(3), "v": RNG.standard_normal((2,))}


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    try:
        with distributed.Client(cluster) as c:
            yield c
    finally:
        cluster.close()


JACOBIANS = [fad.jacrev, fad.jacfwd, fad.jacobian, fad.hessian]


@pytest.mark.parametrize("jac", JACOBIANS, ids=lambda j: j.__name__)
@pytest.mark.parametrize("chunk_size", [None, 1, 2, 3])
def test_thread_executor_equals_local_exactly(jac, chunk_size):
    fn = scalar_fn if jac is fad.hessian else vector_fn
    local = jac(fn, chunk_size=chunk_size)(X)
    with ThreadPoolExecutor(2) as executor:
        spread = jac(fn, chunk_size=chunk_size, executor=executor)(X)
    assert spread.shape == local.shape
    np.testing.assert_array_equal(spread, local)
    np.testing.assert_allclose(local, jac(fn)(X), rtol=1e-13, atol=1e-13)


def test_trees_argnums_and_aux_on_an_executor():
    def with_aux(p, scale):
        return tree_fn(p), {"norm": np.sum(p["u"] ** 2) * scale}

    with ThreadPoolExecutor(2) as executor:
        for jac in (fad.jacrev, fad.jacfwd):
            local, aux = jac(with_aux, has_aux=True, chunk_size=2)(P, 3.0)
            spread, aux2 = jac(with_aux, has_aux=True, chunk_size=2, executor=executor)(P, 3.0)
            assert fad.tree_flatten(spread)[1] == fad.tree_flatten(local)[1]
            for a, b in zip(fad.tree_leaves(spread), fad.tree_leaves(local), strict=True):
                np.testing.assert_array_equal(a, b)
            assert aux2 == aux
        two = fad.jacrev(lambda a, b: a * b, argnums=(0, 1), chunk_size=2, executor=executor)
        ja, jb = two(X, 2 * X)
        np.testing.assert_array_equal(ja, np.diag(2 * X))
        np.testing.assert_array_equal(jb, np.diag(X))


def test_process_pool_ships_lambdas_with_cloudpickle():
    scale = 2.5
    with ProcessPoolExecutor(2) as executor:
        spread = fad.jacrev(lambda x: scale * np.sin(x), chunk_size=2, executor=executor)(X)
    np.testing.assert_array_equal(spread, fad.jacrev(lambda x: scale * np.sin(x), chunk_size=2)(X))
    np.testing.assert_allclose(spread, np.diag(scale * np.cos(X)))


@pytest.mark.parametrize("jac", JACOBIANS, ids=lambda j: j.__name__)
def test_dask_client_equals_local_exactly(client, jac):
    fn = scalar_fn if jac is fad.hessian else vector_fn
    spread = jac(fn, chunk_size=2, executor=client)(X)
    np.testing.assert_array_equal(spread, jac(fn, chunk_size=2)(X))


def test_arrays_of_a_shipped_function_arrive_aligned_and_read_only(client):
    """The spec crosses to the workers as in-band pickle bytes: an array it closes over keeps
    its alignment (an unaligned matrix makes NumPy's products skip BLAS; Dask's own
    serialization delivered one unaligned) and its read-only flag (a writable one would be
    copied at every read of a recording)."""
    big = np.random.default_rng(1).standard_normal((300, 300))
    big.setflags(write=False)
    seen = []

    def checked(x):
        seen.append((big.flags.aligned, big.flags.writeable))
        if not big.flags.aligned or big.flags.writeable:
            raise AssertionError(f"aligned {big.flags.aligned}, writable {big.flags.writeable}")
        return np.tanh(big[:5, :5] @ x)

    spread = fad.jacrev(checked, chunk_size=2, executor=client)(X)
    np.testing.assert_array_equal(spread, fad.jacrev(checked, chunk_size=2)(X))


def task_prefixes(client):
    """The task name prefixes the scheduler has seen (what the dashboard groups tasks by)."""
    return set(client.run_on_scheduler(lambda dask_scheduler: list(dask_scheduler.task_prefixes)))


def test_client_tasks_have_readable_names(client):
    fad.jacrev(vector_fn, chunk_size=2, executor=client)(X)
    assert {"jacrev_of_vector_fn-block", "jacrev_of_vector_fn-spec"} <= task_prefixes(client)


def hessian_target(x):
    return np.sum(np.sin(x) ** 2) * np.sum(x)


def test_lazy_blocks_keep_their_names_through_dask_fusion(client):
    # Dask fuses linear chains of tasks and names the fused task after one of them: the blocks
    # (the expensive tasks) must still show under the transform's name after a reduction
    H = fad.hessian(hessian_target, chunk_size=2, as_dask=True)(X)
    J = fad.jacrev(vector_fn, chunk_size=3, as_dask=True)(X)
    trace, total = da.compute(da.trace(H), J.sum())
    np.testing.assert_allclose(trace, np.trace(fad.hessian(hessian_target)(X)), rtol=1e-12)
    np.testing.assert_allclose(total, fad.jacrev(vector_fn)(X).sum(), rtol=1e-12)
    assert {"hessian_of_hessian_target-block", "jacrev_of_vector_fn-block"} <= task_prefixes(client)


def test_dataset_gradient_tasks_have_readable_names(client):
    data = da.from_array(RNG.standard_normal((40, 5)), chunks=(10, 5))
    fdask.value_and_grad(lambda w, X: np.sum(np.tanh(X @ w) ** 2))(X, data)
    assert {"value_and_grad_of_<lambda>-block", "value_and_grad_of_<lambda>-sum"} <= (
        task_prefixes(client)
    )


def test_progress_bar_on_a_dask_client(client, capsys):
    pytest.importorskip("tqdm")
    spread = fad.jacrev(vector_fn, chunk_size=2, executor=client, progress=True)(X)
    np.testing.assert_array_equal(spread, fad.jacrev(vector_fn, chunk_size=2)(X))
    err = capsys.readouterr().err
    assert "jacrev_of_vector_fn" in err and "4/4" in err


@pytest.mark.parametrize("jac", JACOBIANS, ids=lambda j: j.__name__)
def test_as_dask_is_lazy_and_equal(client, jac):
    fn = scalar_fn if jac is fad.hessian else vector_fn
    lazy = jac(fn, chunk_size=2, as_dask=True)(X)
    assert isinstance(lazy, da.Array)
    local = jac(fn, chunk_size=2)(X)
    assert lazy.shape == local.shape and lazy.dtype == local.dtype
    np.testing.assert_array_equal(lazy.compute(), local)


def test_as_dask_reductions_run_on_the_cluster(client):
    n = 40
    rng = np.random.default_rng(1)
    A = rng.standard_normal((n, n))
    v = rng.standard_normal(n)
    x = rng.standard_normal(n) * 0.1

    def f(x):
        return np.sum(np.log1p(np.exp(A @ x))) + np.sum(np.cos(x))

    H = fad.hessian(f, chunk_size=7, as_dask=True)(x)
    assert H.chunks == ((n,), (7,) * 5 + (5,))
    dense = fad.hessian(f)(x)
    s = 1 / (1 + np.exp(-(A @ x)))
    expected = (A.T * (s * (1 - s))) @ A - np.diag(np.cos(x))
    np.testing.assert_allclose(dense, expected, rtol=1e-10, atol=1e-10)
    hv, trace, diag, norm = da.compute(H @ v, da.trace(H), da.diagonal(H), da.linalg.norm(H))
    np.testing.assert_allclose(hv, dense @ v, rtol=1e-12)
    np.testing.assert_allclose(trace, np.trace(dense), rtol=1e-12)
    np.testing.assert_allclose(diag, np.diag(dense), rtol=1e-12)
    np.testing.assert_allclose(norm, np.linalg.norm(dense), rtol=1e-12)


def test_as_dask_of_trees_and_empty_leaves():
    lazy = fad.jacfwd(tree_fn, chunk_size=2, as_dask=True)(P)
    local = fad.jacfwd(tree_fn)(P)
    for a, b in zip(fad.tree_leaves(lazy), fad.tree_leaves(local), strict=True):
        assert isinstance(a, da.Array)
        np.testing.assert_allclose(a.compute(scheduler="sync"), b, rtol=1e-14)
    empty = fad.jacrev(lambda x: x[:0], as_dask=True)(X).compute(scheduler="sync")
    assert empty.shape == (0, 5)


def test_bad_options_raise_early():
    with pytest.raises(TypeError, match="executor must be"):
        fad.jacrev(vector_fn, executor=object())
    with ThreadPoolExecutor(1) as executor:
        with pytest.raises(ValueError, match="either executor= or as_dask"):
            fad.jacfwd(vector_fn, executor=executor, as_dask=True)
        with pytest.raises(ValueError, match="chunk_size"):
            fad.jacrev(vector_fn, chunk_size=0, executor=executor)(X)
        with pytest.raises(TypeError, match="needs concrete arguments"):
            fad.grad(lambda x: np.sum(fad.jacrev(np.sin, executor=executor)(x)))(X)
    with pytest.raises(ValueError, match="progress=True"):
        fad.hessian(scalar_fn, as_dask=True, progress=True)


def test_progress_bar_counts_blocks(capsys):
    pytest.importorskip("tqdm")
    with ThreadPoolExecutor(2) as executor:
        fad.jacrev(vector_fn, chunk_size=2, executor=executor, progress=True)(X)
    fad.jacfwd(vector_fn, chunk_size=2, progress=True)(X)
    err = capsys.readouterr().err
    assert "jacrev_of_vector_fn" in err and "4/4" in err
    assert "jacfwd_of_vector_fn" in err and "3/3" in err


def linear_loss(w, X, y):
    return np.sum((np.tanh(X @ w) - y) ** 2)


def test_dataset_value_and_grad_equals_whole_array(client):
    rng = np.random.default_rng(2)
    data, target = rng.standard_normal((1000, 5)), rng.standard_normal(1000)
    w = rng.standard_normal(5)
    value, grad = fdask.value_and_grad(linear_loss)(
        w, da.from_array(data, chunks=(64, 5)), da.from_array(target, chunks=100)
    )
    expected_value, expected_grad = fad.value_and_grad(linear_loss)(w, data, target)
    assert isinstance(grad, np.ndarray)
    np.testing.assert_allclose(value, expected_value, rtol=1e-12)
    np.testing.assert_allclose(grad, expected_grad, rtol=1e-12)
    check_grads(lambda w: linear_loss(w, data[:50], target[:50]), (w,), order=1)


def test_dataset_gradient_of_a_pytree_with_argnums():
    rng = np.random.default_rng(3)
    data = rng.standard_normal((30, 4))
    params = {"w": rng.standard_normal(4), "b": np.array(0.5)}

    def loss(scale, params, X):
        return scale * np.sum(np.exp(X @ params["w"] + params["b"]))

    value, grads = fdask.value_and_grad(loss, argnums=(0, 1), split_every=2)(
        2.0, params, da.from_array(data, chunks=(7, 2))
    )
    expected_value, expected = fad.value_and_grad(loss, argnums=(0, 1))(2.0, params, data)
    np.testing.assert_allclose(value, expected_value, rtol=1e-12)
    np.testing.assert_allclose(grads[0], expected[0], rtol=1e-12)
    for key in ("w", "b"):
        np.testing.assert_allclose(grads[1][key], expected[1][key], rtol=1e-12)
    with pytest.raises(ValueError, match="selects a Dask data argument"):
        fdask.value_and_grad(loss, argnums=2)(2.0, params, da.from_array(data))
    with pytest.raises(TypeError, match="no argument is a dask.array.Array"):
        fdask.value_and_grad(loss, argnums=1)(2.0, params, data)


def compiled_gradient():
    g = fad.compile(fad.grad(lambda x: np.sum(np.sin(x) ** 2)))
    g(X)  # compiled once here: the program itself does not travel
    return g


TRANSFORMED = {
    "grad": (lambda: fad.grad(lambda x: np.sum(np.sin(x) ** 2)), X),
    "jacrev": (lambda: fad.jacrev(vector_fn, chunk_size=2), X),
    "jacfwd": (lambda: fad.jacfwd(vector_fn), X),
    "hessian": (lambda: fad.hessian(scalar_fn), X),
    "vmap of grad": (lambda: fad.vmap(fad.grad(scalar_fn)), np.stack([X, 2 * X])),
    "compile of grad": (compiled_gradient, X),
    "compile of hessian": (lambda: fad.compile(fad.hessian(scalar_fn)), X),
}


@pytest.mark.parametrize(("make", "arg"), TRANSFORMED.values(), ids=TRANSFORMED.keys())
def test_transformed_functions_work_in_another_process(client, make, arg):
    fn = make()
    here = fn(arg)
    round_trip = pickle.loads(cloudpickle.dumps(fn))
    np.testing.assert_array_equal(round_trip(arg), here)
    there = client.submit(fn, arg, pure=False).result()
    np.testing.assert_array_equal(there, here)
