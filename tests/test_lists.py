"""Python lists of traced values: each supported form is traced with the right derivative;
the others raise a TypeError naming np.stack (never a silent constant)."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import functional_ad as fad
from functional_ad.numpy import lists
from functional_ad.testing import check_grads

X2 = np.array([0.7, -1.3])


def both_modes(f, x):
    """The Jacobian of ``f`` by forward and by reverse mode (they must agree)."""
    forward, reverse = fad.jacfwd(f)(x), fad.jacrev(f)(x)
    np.testing.assert_allclose(forward, reverse, rtol=1e-12, atol=1e-15)
    return forward


# ----------------------------------------------------------------------------- np.array & co


def test_array_of_scalars_built_from_one_input():
    def f(x):
        return np.array([x, x**2, np.sin(x)])

    np.testing.assert_allclose(both_modes(f, 0.5), [1.0, 1.0, np.cos(0.5)])


def test_array_of_elements_of_a_vector():
    def f(x):
        a, b = x[0], x[1]
        return np.array([a * b, a + 2 * b])

    np.testing.assert_allclose(both_modes(f, X2), [[X2[1], X2[0]], [1.0, 2.0]])
    check_grads(f, (X2,), order=2)


def test_nested_lists_mixing_traced_values_numbers_and_arrays():
    def f(x):
        a, b = x[0], x[1]
        return np.array([[a, 1.0, b], [np.zeros(()), a * b, 2.0]])

    jac = both_modes(f, X2)
    assert jac.shape == (2, 3, 2)
    expected = np.zeros((2, 3, 2))
    expected[0, 0, 0] = expected[0, 2, 1] = 1.0
    expected[1, 1] = [X2[1], X2[0]]
    np.testing.assert_allclose(jac, expected)


def test_tuple_and_list_of_vectors():
    def f(x):
        return np.array((x, 2 * x, [1.0, 2.0]))

    jac = both_modes(f, X2)
    assert jac.shape == (3, 2, 2)
    np.testing.assert_allclose(jac[1], 2 * np.eye(2))
    np.testing.assert_allclose(jac[2], 0.0)


@pytest.mark.parametrize("convert", ["asarray", "asanyarray", "ascontiguousarray"])
def test_as_functions_return_the_traced_value(convert):
    def f(x):
        y = getattr(np, convert)(x)  # looked up while tracing, as `np.asarray(x)` in a body
        return y * y

    np.testing.assert_allclose(both_modes(f, X2), np.diag(2 * X2))


def test_asarray_of_a_list():
    np.testing.assert_allclose(
        both_modes(lambda x: np.asarray([x[1], x[0]]), X2), [[0.0, 1.0], [1.0, 0.0]]
    )


def test_array_copies_a_traced_value():
    def f(x):
        y = np.array(x)
        y[0] = 0.0  # writing into the copy leaves x alone
        return x * y

    np.testing.assert_allclose(both_modes(f, X2), np.diag([0.0, 2 * X2[1]]))


def test_dtype_follows_numpy_promotion():
    seen = {}

    def f(x):
        a = x[0]
        seen["f32"] = np.array([a, a]).dtype
        seen["with_python_float"] = np.array([a, 1.0]).dtype  # NumPy gives float64 here
        seen["requested"] = np.array([a, a], dtype=np.float64).dtype
        seen["complex"] = np.array([a, 1j]).dtype
        return np.sum(np.array([a, a]))

    g = fad.grad(f)(X2.astype(np.float32))
    assert g.dtype == np.float32
    assert seen == {
        "f32": np.float32,
        "with_python_float": np.float64,
        "requested": np.float64,
        "complex": np.complex128,
    }
    assert np.array([np.float32(1), 1.0]).dtype == np.float64  # the same rule, untraced


def test_ndmin():
    def f(x):
        y = np.array([x[0], x[1]], ndmin=3)
        assert y.shape == (1, 1, 2)
        return y[0, 0]

    np.testing.assert_allclose(both_modes(f, X2), np.eye(2))


def test_complex_entries():
    def f(z):
        return np.real(np.sum(np.array([z * z, 1j * z])))

    z = np.array(0.5 + 1.0j)
    check_grads(f, (z,), order=2)


def test_values_of_different_trace_levels():
    # d/dx d/dy sum([x*y, y*y]) = 1: the list holds tracers of both transforms
    def inner(x):
        return fad.grad(lambda y: np.sum(np.array([x * y, y * y])))(2.0)

    assert fad.grad(inner)(3.0) == 1.0


def test_hessian_through_a_list():
    def f(x):
        a, b = x[0], x[1]
        return np.sum(np.array([a * a * b, b**3]))

    h = fad.hessian(f)(X2)
    a, b = X2
    np.testing.assert_allclose(h, [[2 * b, 2 * a], [2 * a, 6 * b]])


# ----------------------------------------------------------------------------- reductions


@pytest.mark.parametrize(
    "reduce, expected",
    [
        (np.sum, lambda a, b: [1.0, 1.0]),
        (np.mean, lambda a, b: [0.5, 0.5]),
        (np.prod, lambda a, b: [b, a]),
        (np.max, lambda a, b: [1.0, 0.0] if a > b else [0.0, 1.0]),
        (np.amin, lambda a, b: [1.0, 0.0] if a < b else [0.0, 1.0]),
        (np.var, lambda a, b: [(a - b) / 2, (b - a) / 2]),
        (np.std, lambda a, b: [np.sign(a - b) / 2, np.sign(b - a) / 2]),
    ],
    ids=["sum", "mean", "prod", "max", "amin", "var", "std"],
)
def test_reduction_of_a_list(reduce, expected):
    def f(x):
        return reduce([x[0], x[1]])

    g = fad.grad(f)(X2)
    np.testing.assert_allclose(g, expected(*X2), rtol=1e-12)
    np.testing.assert_allclose(fad.jvp(f, (X2,), (np.array([1.0, 0.0]),))[1], g[0], rtol=1e-12)


def test_reduction_of_a_list_with_axis_and_keepdims():
    def f(x):
        return np.mean([x, 3 * x], axis=0, keepdims=True)

    np.testing.assert_allclose(both_modes(f, X2), 2 * np.eye(2)[None])
    np.testing.assert_allclose(
        both_modes(lambda x: np.sum([x, x * x], axis=1), X2), [[1.0, 1.0], 2 * X2]
    )


# ----------------------------------------------------------------------------- r_ and c_


def test_r_concatenates_traced_vectors_scalars_and_constants():
    def f(x):
        return np.r_[x, x[0] * x[1], 3.0, np.array([4.0, 5.0])]

    jac = both_modes(f, X2)
    assert jac.shape == (6, 2)
    np.testing.assert_allclose(jac[:2], np.eye(2))
    np.testing.assert_allclose(jac[2], [X2[1], X2[0]])
    np.testing.assert_allclose(jac[3:], 0.0)


def test_c_stacks_traced_columns():
    def f(x):
        return np.c_[x, 2 * x]

    jac = both_modes(f, X2)
    assert jac.shape == (2, 2, 2)
    np.testing.assert_allclose(jac[:, 0], np.eye(2))
    np.testing.assert_allclose(jac[:, 1], 2 * np.eye(2))


# ----------------------------------------------------------------------------- unsupported forms


@pytest.mark.parametrize(
    "form",
    [
        lambda x: np.sin([x[0], x[1]]),
        lambda x: np.dot([x[0], x[1]], [1.0, 2.0]),
        lambda x: np.concatenate([[x[0]], [x[1]]]),
    ],
    ids=["ufunc", "dot", "concatenate_of_lists"],
)
def test_unsupported_forms_raise_type_error_naming_stack(form):
    for transform in (fad.grad, lambda f: lambda x: fad.jvp(f, (x,), (np.ones(2),))):
        with pytest.raises(TypeError, match=r"np\.stack"):
            transform(lambda x: np.sum(form(x)))(X2)


def test_numpy_python_code_builds_the_traced_array_too():
    # np.median's own code calls np.asanyarray on the list: it gets the traced array
    np.testing.assert_allclose(fad.grad(lambda x: np.median([x[0], x[1]]))(X2), [0.5, 0.5])
    x3 = np.array([0.3, -1.2, 2.0])
    np.testing.assert_allclose(
        fad.jacfwd(lambda x: np.median([[x[0], x[1]], [x[2], x[0]]], axis=0))(x3),
        [[0.5, 0.0, 0.5], [0.5, 0.5, 0.0]],
    )


def test_numpy_functions_converting_through_their_modules_names():
    # np.append, np.ravel and np.linalg.norm convert with their own modules' asarray
    # and asanyarray: a list of traced values is np.array(list) there too
    def appended(a, b):
        return np.append([[a, 2.0, 3.0], [4.0, 5.0, a * b]], [[7.0, b, 9.0]], axis=0)

    value = appended(1.5, 2.0)
    assert value.shape == (3, 3) and value[1, 2] == 3.0
    np.testing.assert_allclose(fad.jacrev(appended, argnums=1)(1.5, 2.0)[:, :], [
        [0.0, 0.0, 0.0], [0.0, 0.0, 1.5], [0.0, 1.0, 0.0]])  # fmt: skip
    check_grads(appended, (1.5, 2.0), order=2)
    flat = fad.jacfwd(lambda a: np.append([a, 1.0], [[a * a]]))(3.0)
    np.testing.assert_allclose(flat, [1.0, 0.0, 6.0])
    np.testing.assert_allclose(
        fad.grad(lambda x: np.sum(np.ravel([[x, 1.0], [2 * x, x]])))(1.0), 4.0
    )
    # d/dx sqrt(x^2 + (x + 2)^2) = (2x + 2) / norm
    for norm_of in (lambda x: np.linalg.norm([x, x + 2]), lambda x: np.linalg.norm((x, x + 2))):
        assert fad.grad(norm_of)(0.0) == 1.0
        check_grads(norm_of, (0.7,), order=2)
        xs = np.array([0.0, 1.0, -3.0])
        np.testing.assert_allclose(fad.vmap(norm_of)(xs), np.hypot(xs, xs + 2))
        assert fad.compile(norm_of)(1.0) == np.linalg.norm([1.0, 3.0])
        assert fad.compile(norm_of)(2.0) == np.linalg.norm([2.0, 4.0])


def test_object_dtype_is_refused():
    with pytest.raises(TypeError, match=r"np\.stack"):
        fad.grad(lambda x: np.sum(np.array([x, x], dtype=object)))(1.0)


def test_leaked_tracer_in_a_list_raises():
    leaked = []
    fad.grad(lambda x: leaked.append(x) or x)(1.0)
    with pytest.raises(fad.TracerLeakError):
        np.array([leaked[0], 2.0])


# ----------------------------------------------------------------------------- plain NumPy


def test_plain_numpy_is_unchanged():
    a = np.arange(3.0)
    assert np.asarray(a) is a
    assert np.array(a) is not a
    assert np.array([1, 2]).dtype == np.int64
    assert np.sum([1.0, 2.0]) == 3.0
    assert np.mean([1.0, 2.0]) == 1.5
    np.testing.assert_array_equal(np.r_[1:3, 5], [1, 2, 5])
    with pytest.raises(ValueError):
        np.array([[1.0], [1.0, 2.0]])  # ragged
    with pytest.raises(TypeError):
        np.array(1.0, dtype="not a dtype")


def _numpy_names():
    return (np.array, np.asarray, np.asanyarray, np.ascontiguousarray, np.sum)


def test_hooks_are_installed_only_while_a_trace_is_open():
    originals = _numpy_names()
    assert not lists.installed()
    assert not any(hasattr(f, "__wrapped__") for f in (np.array, np.asarray))
    seen = {}

    def f(x):
        seen["installed"] = lists.installed()
        seen["wrapped"] = np.asarray.__wrapped__  # the original stays reachable
        a = np.arange(3.0)
        seen["plain"] = np.asarray(a) is a and np.array([1, 2]).dtype == np.int64
        return np.sum(np.array([x, x]))

    assert fad.grad(f)(1.0) == 2.0
    assert seen == {"installed": True, "wrapped": originals[1], "plain": True}
    assert _numpy_names() == originals and not lists.installed()


def test_hooks_are_removed_when_the_traced_function_raises():
    originals = _numpy_names()

    def f(x):
        raise KeyError("boom")

    with pytest.raises(KeyError):
        fad.grad(f)(1.0)
    with pytest.raises(KeyError):
        fad.grad(lambda x: fad.grad(f)(x))(1.0)  # nested
    assert _numpy_names() == originals and not lists.installed()


def test_hooks_stay_while_another_thread_traces():
    started, release = threading.Event(), threading.Event()
    out = {}

    def slow(x):
        started.set()
        release.wait(10)
        return np.sum(np.array([x, 2 * x]))

    worker = threading.Thread(target=lambda: out.setdefault("g", fad.grad(slow)(1.0)))
    worker.start()
    started.wait(10)
    try:
        # this thread's trace closes while the other's is open: the hooks must stay
        assert fad.grad(lambda x: np.sum(np.array([x, x])))(1.0) == 2.0
        assert lists.installed()
    finally:
        release.set()
        worker.join()
    assert out["g"] == 3.0
    assert not lists.installed()


def test_off_switch():
    with lists.list_hooks(False), pytest.raises(TypeError, match=r"np\.stack"):
        fad.grad(lambda x: np.sum(np.array([x, x])))(1.0)
    assert fad.grad(lambda x: np.sum(np.array([x, x])))(1.0) == 2.0


def test_lists_are_recognised_in_every_thread():
    results = {}

    def work(i):
        x = 0.1 * (i + 1)
        results[i] = float(fad.grad(lambda x: np.sum(np.array([x, x**2]) ** 2))(x))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i, value in results.items():
        x = 0.1 * (i + 1)
        assert np.isclose(value, 2 * x + 4 * x**3)
    assert len(results) == 6
