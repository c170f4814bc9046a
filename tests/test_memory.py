"""Memory on one machine, measured with tracemalloc: peaks against targets, no reference cycles.

Peaks are in units of the input's size. NumPy reports its allocations to tracemalloc, so the
figures count every array made, and they do not depend on timing.
"""

from __future__ import annotations

import gc
import tracemalloc
import weakref

import numpy as np
import pytest

import functional_ad as fad

N = 10**6  # 8 MB per array: large enough that the small objects of tracing do not count


def step(x, i):
    kind = i % 5
    if kind == 0:
        return np.sin(x)
    if kind == 1:
        return x * 1.5
    if kind == 2:
        return x + 0.25
    if kind == 3:
        return np.tanh(x)
    return np.exp(x)


def chain(x):
    """The 10-op elementwise chain of the benchmarks, then a sum."""
    for i in range(10):
        x = step(x, i)
    return np.sum(x)


def chain_values(x):
    for i in range(10):
        x = step(x, i)
    return x


def hand_gradient(x):
    """The gradient of ``chain`` written out with NumPy, step by step."""
    value, slope = x, np.ones_like(x)
    for i in range(10):
        kind = i % 5
        if kind == 0:
            slope = slope * np.cos(value)
        elif kind == 1:
            slope = slope * 1.5
        elif kind == 3:
            slope = slope * (1.0 - np.tanh(value) ** 2)
        elif kind == 4:
            slope = slope * np.exp(value)
        value = step(value, i)
    return slope


def peak(fn, *args):
    """The peak of memory allocated while ``fn(*args)`` runs, and its result."""
    gc.collect()
    tracemalloc.start()
    try:
        result = fn(*args)
        return tracemalloc.get_traced_memory()[1], result
    finally:
        tracemalloc.stop()


@pytest.fixture(scope="module")
def x():
    return np.random.default_rng(0).standard_normal(N)


def test_grad_peak_is_within_one_and_a_half_of_the_hand_written_derivative(x):
    hand_peak, expected = peak(hand_gradient, x)
    grad_peak, got = peak(fad.grad(chain), x)
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    assert grad_peak <= 1.5 * hand_peak, (grad_peak / x.nbytes, hand_peak / x.nbytes)


def jvp_and_f_peaks(x):
    t = np.random.default_rng(1).standard_normal(N)
    f_peak, _ = peak(chain_values, x)
    jvp_peak, (_, tangent) = peak(fad.jvp, chain_values, (x,), (t,))
    np.testing.assert_allclose(tangent, hand_gradient(x) * t, rtol=1e-12)
    return jvp_peak, f_peak


def test_jvp_peak_is_within_three_times_the_function_peak(x):
    # each tangent is computed with its primal, so a value is freed as soon as the primal
    # and the tangent computations have both moved past it
    jvp_peak, f_peak = jvp_and_f_peaks(x)
    assert jvp_peak <= 3 * f_peak, (jvp_peak / x.nbytes, f_peak / x.nbytes)


def test_compiled_gradient_keeps_nothing_between_calls(x):
    # a first compile imports the kernel compiler of the fused backend (tens of MB of its
    # own modules, kept by any process that uses it): not a value kept by the program
    fad.compile(fad.grad(chain))(x)
    gc.collect()
    tracemalloc.start()
    try:
        compiled = fad.compile(fad.grad(chain))
        first = compiled(x)
        del first
        kept = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        got = compiled(x)
        run_peak = tracemalloc.get_traced_memory()[1] - kept
    finally:
        tracemalloc.stop()
    np.testing.assert_allclose(got, hand_gradient(x), rtol=1e-12)
    assert kept < 0.1 * x.nbytes, kept / x.nbytes  # no recorded values, no residuals
    grad_peak, _ = peak(fad.grad(chain), x)
    assert run_peak <= grad_peak, (run_peak / x.nbytes, grad_peak / x.nbytes)


def test_compiling_frees_intermediates_as_an_eager_gradient_does(x):
    # the first call records the program on the argument's values: each intermediate is freed
    # when its tracer goes, as in grad, not kept until the recording ends (26 arrays here)
    fad.compile(fad.grad(chain))(x)  # (the kernel compiler's own modules, as above)
    compiled = fad.compile(fad.grad(chain))
    record_peak, _ = peak(compiled.program, (x,))
    first_peak, got = peak(fad.compile(fad.grad(chain)), x)
    grad_peak, expected = peak(fad.grad(chain), x)
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    assert record_peak <= 1.25 * grad_peak, (record_peak / x.nbytes, grad_peak / x.nbytes)
    assert first_peak <= 1.25 * grad_peak, (first_peak / x.nbytes, grad_peak / x.nbytes)


def test_compiled_program_still_folds_constants_made_while_recording():
    # nodes that do not depend on the arguments' values keep theirs: they fold into constants
    def f(x):
        return x * np.exp(np.sin(np.zeros_like(x) + 2.0)) + np.cos(np.arange(4.0, like=x))

    compiled = fad.compile(f)
    for x in (np.linspace(0.0, 1.0, 4), np.linspace(-3.0, 1.0, 4)):
        np.testing.assert_array_equal(compiled(x), f(x))
    assert "sin" not in compiled.source and "cos" not in compiled.source, compiled.source


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def rosenbrock_hvp(x, v):
    """H(x) v of ``rosenbrock`` by hand: H is tridiagonal."""
    diagonal = np.zeros_like(x)
    diagonal[:-1] = 1200.0 * x[:-1] ** 2 - 400.0 * x[1:] + 2.0
    diagonal[1:] += 200.0
    off_diagonal = -400.0 * x[:-1]
    product = diagonal * v
    product[:-1] += off_diagonal * v[1:]
    product[1:] += off_diagonal * v[:-1]
    return product


def test_hvp_of_rosenbrock_peaks_at_ten_arrays():
    # Forward over reverse holds a tangent beside each value. The tangent of x * y with both
    # traced is summed into its first product (not a third array), and the cotangent of x**2
    # times x, both traced, is multiplied before it is doubled (the doubled cotangent is not
    # held beside both factors and their product): 10 arrays of n at the peak, not 12.
    rng = np.random.default_rng(5)
    x, v = rng.standard_normal(10**5), rng.standard_normal(10**5)
    hvp_peak, (value, (product,)) = peak(fad.hvp, rosenbrock, (x,), (v,))
    np.testing.assert_allclose(product, rosenbrock_hvp(x, v), rtol=1e-12, atol=1e-9)
    assert value == rosenbrock(x)
    assert hvp_peak < 10.5 * x.nbytes, hvp_peak / x.nbytes


@pytest.mark.parametrize("jac", [fad.jacrev, fad.jacfwd], ids=["jacrev", "jacfwd"])
def test_chunked_jacobian_peak_grows_with_the_chunk_not_the_output(jac):
    n = 600
    x = np.random.default_rng(2).standard_normal(n)

    def f(x):  # a dense Jacobian without large constants (the recording copies those)
        return np.tanh(np.cumsum(np.sin(x)) / n) * x

    result_bytes = n * n * 8
    peaks = {}
    for k in (None, 150, 30, 6):
        peaks[k], J = peak(jac(f, chunk_size=k), x)
        np.testing.assert_allclose(J, fad.jacrev(f)(x), rtol=1e-12, atol=1e-15)
    # beyond the result itself, the memory grows with the chunk
    assert peaks[6] < peaks[30] < peaks[150] < peaks[None], peaks
    assert peaks[6] < 1.25 * result_bytes, peaks[6] / result_bytes


def test_compile_cache_is_a_bounded_lru():
    compiled = fad.compile(lambda x: np.sum(np.sin(x)), cache_size=2)
    shapes = [(1,), (2,), (3,)]
    for shape in shapes:
        compiled(np.ones(shape))
    assert len(compiled.programs) == 2  # (1,) was dropped
    compiled(np.ones((2,)))  # used: now the most recent
    compiled(np.ones((1,)))  # compiled again, dropping (3,)
    kept = [sig[1][0][0] for sig in compiled.programs]
    assert kept == [(2,), (1,)]
    assert compiled(np.ones((3,))) == pytest.approx(3 * np.sin(1.0))
    compiled.cache_size = 1
    assert len(compiled.programs) == 1
    with pytest.raises(ValueError, match="cache_size must be a positive integer"):
        compiled.cache_size = 0
    with pytest.raises(ValueError, match="cache_size must be a positive integer"):
        fad.compile(np.sin, cache_size=-3)


@fad.custom_vjp
def clipped(x):
    return np.sin(x)


clipped.defvjp(lambda x: (np.sin(x), np.cos(x)), lambda cos_x, g: (np.clip(g, -1, 1) * cos_x,))


@fad.custom_jvp
def softplus(x):
    return np.logaddexp(0.0, x)


softplus.defjvp(lambda p, t: (softplus(p[0]), t[0] / (1 + np.exp(-p[0]))))


CALLS = {
    "grad": lambda x: fad.grad(chain)(x),
    "vjp": lambda x: fad.vjp(chain_values, x)[1](np.ones_like(x)),
    "custom_vjp": lambda x: fad.grad(lambda x: np.sum(clipped(x) ** 2))(x),
    "custom_jvp": lambda x: fad.grad(lambda x: np.sum(softplus(x) ** 2))(x),
    "make_graph": lambda x: fad.make_graph(chain)(x),
    "jvp": lambda x: fad.jvp(chain_values, (x,), (x,)),
    "hessian-vector": lambda x: fad.hvp(chain, (x,), (x,)),
    "compile": lambda x: fad.compile(fad.grad(chain))(x),
    "checkpoint": lambda x: fad.grad(lambda x: np.sum(fad.checkpoint(chain_values)(x)))(x),
}


@pytest.mark.parametrize("call", CALLS.values(), ids=CALLS.keys())
def test_memory_is_freed_without_the_garbage_collector(call):
    x = np.random.default_rng(3).standard_normal(N // 4)
    call(x)  # first use: imports and caches of the library
    gc.collect()
    gc.disable()
    try:
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        result = call(x)
        held = tracemalloc.get_traced_memory()[0] - before
        del result
        left = tracemalloc.get_traced_memory()[0] - before
        tracemalloc.stop()
        cycles = gc.collect()
    finally:
        gc.enable()
    assert held > x.nbytes or call is CALLS["jvp"]  # the result (a graph: its values) is large
    assert left < 0.05 * x.nbytes, left / x.nbytes  # freed at once
    assert cycles == 0


def test_a_dropped_graph_frees_its_values_and_a_kept_var_still_walks_back():
    x = np.random.default_rng(4).standard_normal(1000)
    graph = fad.make_graph(lambda x: np.sum(np.sin(x) * np.cos(x)))(x)
    out = graph.outputs[0]
    probe = weakref.ref(graph.nodes[0].outputs[0])  # sin's result, read by mul
    del graph
    node = out.node
    assert node.name == "sum" and node.outputs == (out,)
    mul = node.next_nodes[0]
    assert mul.name == "mul" and [n.name for n in mul.next_nodes] == ["sin", "cos"]
    sin = mul.next_nodes[0]
    # an output made again when it was referenced nowhere else is alike in every respect
    (sin_out,) = sin.outputs
    assert sin_out is mul.inputs[0] and sin_out.node is sin
    np.testing.assert_array_equal(sin_out.value, np.sin(x))
    assert probe() is sin_out
    del out, node, mul, sin, sin_out
    assert probe() is None  # no cycle keeps the nodes
