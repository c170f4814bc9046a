"""compile gives what the plain function gives, bit for bit, or raises."""

import numpy as np
import pytest

import functional_ad as fad


def test_static_arguments_are_keyed_by_type_and_value():
    f = fad.compile(lambda x, s: x * np.asarray(s), static_argnums=(1,))
    x = np.ones(2)
    for s in (1, 1.0, True):
        out = f(x, s)
        np.testing.assert_array_equal(out, x * np.asarray(s))
        assert out.dtype == (x * np.asarray(s)).dtype
    g = fad.compile(lambda x, s: x + np.array(s).dtype.itemsize, static_argnums=(1,))
    assert g(x, True)[0] == 2.0 and g(x, 1)[0] == 9.0  # bool: 1 byte, int64: 8


def test_outputs_never_alias_the_inputs_or_each_other():
    y = np.ones(3)
    out = fad.compile(lambda x: x)(y)
    out[0] = 5.0
    np.testing.assert_array_equal(y, 1.0)
    a, b = fad.compile(lambda x: (x * 2, x * 2))(y)
    a[0] = 9.0
    np.testing.assert_array_equal(b, 2.0)
    c, d = fad.compile(lambda x: (x.reshape(3), x))(y)
    c[1] = 7.0
    np.testing.assert_array_equal(d, 1.0)
    np.testing.assert_array_equal(y, 1.0)


def test_simplification_keeps_signed_zeros():
    z = np.array([-0.0, 0.0, -1.5])
    for f in (
        lambda x: x + 0.0,
        lambda x: 0.0 + x,
        lambda x: x - 0.0,
        lambda x: x - (-0.0),
        lambda x: x + (-0.0),
        lambda x: x * 1.0,
        lambda x: x / 1.0,
    ):
        want = f(z.copy())
        got = fad.compile(f)(z)
        np.testing.assert_array_equal(np.signbit(got), np.signbit(want))
        np.testing.assert_array_equal(got, want)


def test_identifiers_that_are_not_ascii():
    def f_ü(x):
        ä = x * 2.0
        return ä + 1.0

    np.testing.assert_array_equal(fad.compile(f_ü)(np.ones(2)), [3.0, 3.0])


def test_closed_over_arrays_are_captured_when_compiled():
    weights = np.array([1.0, 2.0])
    bias = np.array([0.5])

    def f(x):
        return x * weights + bias + np.sum(weights)  # folded and unfolded uses alike

    compiled = fad.compile(f)
    want = f(np.ones(2))
    np.testing.assert_array_equal(compiled(np.ones(2)), want)
    weights[0] = 10.0
    bias[0] = -1.0
    np.testing.assert_array_equal(compiled(np.ones(2)), want)  # one rule: the recorded values
    grad = fad.compile(fad.grad(lambda x: np.sum(x * weights)))
    np.testing.assert_array_equal(grad(np.ones(2)), [10.0, 2.0])
    weights[1] = 7.0
    np.testing.assert_array_equal(grad(np.ones(2)), [10.0, 2.0])


def test_value_dependent_shapes_are_refused():
    # a program recorded once cannot replay np.nonzero on other values (it failed on a later
    # call with a bare broadcasting error)
    def f(x):
        return np.sum(x[np.nonzero(x > 0)] ** 2)

    for g in (fad.compile(fad.grad(f)), fad.compile(f)):
        with pytest.raises(fad.ConcreteValueError, match="numpy.nonzero"):
            g(np.array([1.0, -1.0, 2.0]))
    static = fad.compile(lambda x, n: np.sum(x[np.flatnonzero(np.array(n) > 0)]), static_argnums=1)
    assert static(np.ones(3), (1, 0, 1)) == 2.0


def test_repeated_calls_keep_every_guarantee():
    # later calls with plain arrays find their program without flattening the arguments:
    # the results must be those of the first call's path, types and ownership included
    y = np.ones(3)
    ident = fad.compile(lambda x: x)
    pair = fad.compile(lambda x: (x.reshape(3), {"same": x}))
    for _ in range(3):
        out = ident(y)
        out[0] = 5.0
        c, d = pair(y)
        c[1] = 7.0
        np.testing.assert_array_equal(d["same"], 1.0)
        np.testing.assert_array_equal(y, 1.0)
    f = fad.compile(lambda x: x * 2.0)
    for x in (0.5, np.float64(0.5), np.array(0.5), 0.5, np.float64(0.5), np.array(0.5)):
        got, want = f(x), x * 2.0 if not isinstance(x, float) else np.asarray(x) * 2.0
        assert type(got) is type(want) and got == want
    assert len(f.programs) == 1  # one signature: shape () and float64
    np.testing.assert_array_equal(f(np.arange(3)), [0, 2, 4])  # int64: a second program
    np.testing.assert_array_equal(f(np.ones(2, np.float32)), [2, 2])
    assert f(np.ones(2, np.float32)).dtype == np.float32
    assert len(f.programs) == 3


def test_repeated_calls_follow_the_cache_limit():
    f = fad.compile(lambda x: x + 1.0, cache_size=1)
    for n in (1, 2, 1, 2, 2, 1):
        np.testing.assert_array_equal(f(np.zeros(n)), np.ones(n))
        assert len(f.programs) == 1 and f.graph.inputs[0].value.shape == (n,)
    f.cache_size = 4
    np.testing.assert_array_equal(f(np.zeros(3)), np.ones(3))
    assert f(2) == 3.0 and f(2) == 3.0  # a Python int: the full key, each call
    assert len(f.programs) == 3


def test_repeated_calls_under_a_transform_replay_on_tracers():
    f = fad.compile(lambda x: np.sin(x) * x)
    x = np.array([0.3, 0.7])
    f(x)
    np.testing.assert_allclose(fad.grad(lambda x: np.sum(f(x)))(x), np.cos(x) * x + np.sin(x))
    np.testing.assert_allclose(f(x), np.sin(x) * x)


def test_repeated_calls_with_trees_keep_every_guarantee():
    # dicts, lists and tuples of arrays find their program without building a tree too: the
    # leaves in tree order, inputs inside the tree never aliased, any change of structure,
    # dict keys, shape or dtype a new program
    def f(params, xs):
        w, b = params["w"], params["b"]
        return {"out": xs[0] * w + b + xs[1], "w": w, "pair": (b, None)}

    params = {"w": np.array([2.0, 3.0]), "b": 1.0}
    xs = [np.ones(2), np.float64(0.5)]
    compiled = fad.compile(f)
    for _ in range(3):
        got = compiled(params, xs)
        np.testing.assert_array_equal(got["out"], [3.5, 4.5])
        assert got["pair"][1] is None and type(got["pair"][0]) is np.ndarray
        got["w"][0] = -1.0  # a copy: the argument inside the dict is untouched
        np.testing.assert_array_equal(params["w"], [2.0, 3.0])
    assert len(compiled.programs) == 1
    swapped = {"b": 1.0, "w": np.array([2.0, 3.0])}  # insertion order: the same program
    np.testing.assert_array_equal(compiled(swapped, xs)["out"], [3.5, 4.5])
    assert len(compiled.programs) == 1
    for changed in (
        ({"w": np.array([2.0, 3.0]), "b": np.float32(1.0)}, xs),
        (params, (np.ones(2), np.float64(0.5))),
        (params, [np.ones(2), np.ones(2)]),
        ({"w": np.array([2.0, 3.0]), "b": 1.0, "c": None}, xs),
    ):
        want = f(*changed)["out"]
        np.testing.assert_array_equal(compiled(*changed)["out"], want)
        np.testing.assert_array_equal(compiled(*changed)["out"], want)
    assert len(compiled.programs) == 5


@pytest.mark.parametrize("backend", ["numpy", "numba", "auto"])
def test_a_returned_constant_is_the_caller_s_to_write_into(backend):
    # a compiled function returned its folded constants themselves: writing into the result
    # of one call changed what every later call returned (a silent stale value)
    pytest.importorskip("numba")
    weights = np.arange(3.0)
    compiled = fad.compile(lambda x: (x * 2.0, weights + 0.0, np.ones(2)), backend=backend)
    graph = fad.make_graph(lambda x: (x * 2.0, weights + 0.0))(np.ones(3))
    for call in (compiled, graph):
        for _ in range(3):
            out = call(np.ones(3))
            out[1][0] = 99.0
            out[-1][1] = 5.0
        np.testing.assert_array_equal(call(np.ones(3))[1], [0.0, 1.0, 2.0])
    np.testing.assert_array_equal(compiled(np.ones(3))[2], [1.0, 1.0])

    def through(x):  # replayed on tracers: the constant is a plain array here too
        out = compiled(x)
        out[1][0] = 50.0
        return np.sum(out[0])

    np.testing.assert_array_equal(fad.grad(through)(np.ones(3)), [2.0, 2.0, 2.0])
    np.testing.assert_array_equal(compiled(np.ones(3))[1], [0.0, 1.0, 2.0])


def test_recording_computes_no_ufunc_of_the_arguments():
    # nothing may read a traced value under compile: its ufuncs are recorded with zeros of
    # NumPy's shape and dtype for a result, so recording costs no pass over the arrays
    seen = []

    def f(x, n):
        y = np.sin(x) * 2.0 + n
        if isinstance(y, fad.core.Tracer):
            seen.append(y._value)  # (the recording's own value, read for the test)
        return y.astype(np.float32) - np.float32(1.0), x < 0.5

    compiled = fad.compile(f)
    x, n = np.linspace(0.0, 1.0, 6).reshape(2, 3), np.arange(3)
    for _ in range(2):
        got, mask = compiled(x, n)
        want, want_mask = f(x, n)
        assert got.dtype == np.float32 and mask.dtype == bool
        np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(mask, want_mask)
    assert len(seen) == 1 and seen[0].shape == (2, 3) and seen[0].dtype == np.float64
    assert not np.any(seen[0])  # zeros: sin(x) * 2 + n was not computed


def test_recording_on_zeros_falls_back_to_the_values_where_they_matter():
    # the inverse of a matrix of zeros raises: recorded again on the arguments' values
    def f(x):
        return np.linalg.inv(np.exp(x)) @ np.sin(x)

    x = np.array([[0.1, 0.2], [0.3, 0.4]])
    np.testing.assert_allclose(fad.compile(f)(x), f(x), rtol=1e-15)
    np.testing.assert_allclose(
        fad.compile(fad.grad(lambda x: np.sum(f(x))))(x),
        fad.grad(lambda x: np.sum(f(x)))(x),
        rtol=1e-13,
    )
    # results NumPy lays out in Fortran order are computed, so that views follow it
    fortran = np.asfortranarray(x)

    def g(x):
        y = np.sin(x)
        flat = y.reshape(-1)  # a copy of a Fortran-ordered array
        flat[0] = 5.0
        return y, np.exp(y.T).ravel(order="K")

    for a, b in zip(fad.compile(g)(fortran), g(fortran), strict=True):
        np.testing.assert_array_equal(a, b)
