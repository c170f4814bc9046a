"""Every user-facing error: its exception type and the words that tell the user what to do."""

import numpy as np
import pytest

import functional_ad as fad

X3 = np.array([0.5, -1.0, 2.0])


def message_of(excinfo):
    """Return the exception message of a pytest ExceptionInfo, lower-cased for keyword checks."""
    return str(excinfo.value).lower()


# ---------------------------------------------------------------------------
# grad of a non-scalar output
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "func, x, shape_text",
    [
        (np.sin, X3, "(3,)"),
        (lambda x: np.ones((2, 1)) * np.sum(x), X3, "(2, 1)"),
        (lambda x: x * 2.0, np.zeros((2, 3)), "(2, 3)"),
    ],
)
def test_grad_of_non_scalar_names_shape_and_suggests_alternatives(func, x, shape_text):
    with pytest.raises(TypeError) as excinfo:
        fad.grad(func)(x)
    message = message_of(excinfo)
    assert shape_text in message
    assert "jacobian" in message
    assert "vjp" in message
    assert ".sum()" in message


def test_value_and_grad_of_non_scalar_raises_the_same_error():
    with pytest.raises(TypeError) as excinfo:
        fad.value_and_grad(np.sin)(X3)
    assert "(3,)" in message_of(excinfo)
    assert "jacobian" in message_of(excinfo)


@pytest.mark.parametrize("output", ["a", "not a number", object()], ids=["str_a", "str", "object"])
def test_grad_of_non_numeric_output_raises_type_error(output):
    with pytest.raises(TypeError) as excinfo:
        fad.grad(lambda x: output)(X3)
    assert "grad" in str(excinfo.value)


# ---------------------------------------------------------------------------
# malformed calls to the transforms
# ---------------------------------------------------------------------------


def test_argnums_out_of_range_raises_value_error():
    with pytest.raises(ValueError) as excinfo:
        fad.grad(lambda x: np.sum(x), argnums=2)(X3)
    assert "argnums" in str(excinfo.value)


def test_has_aux_without_a_pair_raises_type_error():
    with pytest.raises(TypeError) as excinfo:
        fad.grad(lambda x: np.sum(x), has_aux=True)(X3)
    assert "has_aux" in str(excinfo.value)


def test_jvp_with_bare_arrays_instead_of_tuples_raises_type_error():
    with pytest.raises(TypeError) as excinfo:
        fad.jvp(np.sin, X3, np.ones(3))
    assert "tuple" in str(excinfo.value)


# ---------------------------------------------------------------------------
# grad with respect to integer or boolean inputs
# ---------------------------------------------------------------------------


def scaled_sum(x, count):
    """A function whose second argument is naturally an integer."""
    return np.sum(x) * count


@pytest.mark.parametrize(
    "count, dtype_text",
    [(np.array(3), "int64"), (np.array([1, 2], dtype=np.int32), "int32"), (np.array(True), "bool")],
)
def test_grad_wrt_int_or_bool_input_names_argument_and_dtype(count, dtype_text):
    with pytest.raises(TypeError) as excinfo:
        fad.grad(scaled_sum, argnums=1)(X3, count)
    message = message_of(excinfo)
    assert dtype_text in message
    assert "1" in message.replace(dtype_text, "") or "count" in message


def test_grad_wrt_python_int_raises_type_error():
    with pytest.raises(TypeError) as excinfo:
        fad.grad(lambda x: x * 2.0)(3)
    assert "int" in message_of(excinfo)


def test_grad_wrt_int_inside_tree_raises_type_error():
    with pytest.raises(TypeError) as excinfo:
        fad.grad(lambda tree: np.sum(tree["w"]) * tree["n"])({"w": X3, "n": np.array(4)})
    assert "int64" in message_of(excinfo)


def test_integer_argument_not_in_argnums_is_fine():
    grad_x = fad.grad(scaled_sum, argnums=0)(X3, np.array(3))
    np.testing.assert_allclose(grad_x, np.full(3, 3.0))


def test_jacobians_reject_integer_inputs():
    for transform in (fad.jacrev, fad.jacfwd, fad.hessian):
        with pytest.raises(TypeError) as excinfo:
            transform(lambda x: x * 2.0)(np.arange(3))
        assert "int64" in message_of(excinfo)


# ---------------------------------------------------------------------------
# numpy functions without a derivative rule
# ---------------------------------------------------------------------------

UNSUPPORTED_CALLS = [
    ("add.reduceat", lambda x: np.add.reduceat(x, [0, 2])),
    ("sort_complex", lambda x: np.sort_complex(x)),
    ("subtract.accumulate", lambda x: np.subtract.accumulate(x)),
]
UNSUPPORTED_IDS = [name for name, _ in UNSUPPORTED_CALLS]


@pytest.mark.parametrize("name, call", UNSUPPORTED_CALLS, ids=UNSUPPORTED_IDS)
def test_numpy_function_without_rule_in_grad(name, call):
    with pytest.raises(NotImplementedError) as excinfo:
        fad.grad(lambda x: np.sum(call(x)))(X3)
    assert f"numpy.{name}" in str(excinfo.value)


@pytest.mark.parametrize("name, call", UNSUPPORTED_CALLS, ids=UNSUPPORTED_IDS)
def test_numpy_function_without_rule_in_jvp(name, call):
    with pytest.raises(NotImplementedError) as excinfo:
        fad.jvp(call, (X3,), (np.ones(3),))
    assert f"numpy.{name}" in str(excinfo.value)


# ---------------------------------------------------------------------------
# converting a tracer to a concrete value
# ---------------------------------------------------------------------------


# np.array / np.asarray of traced values (and of lists of them) give traced arrays
# (tests/test_lists.py); the forms NumPy converts internally still raise the clear error.
@pytest.mark.parametrize(
    "convert",
    [
        lambda x: x.__array__(),
        lambda x: np.sin([x[0], x[1]]),
        lambda x: np.dot([x[0], x[1]], [1.0, 2.0]),
    ],
    ids=["__array__", "ufunc_of_list", "dot_of_list"],
)
def test_array_conversion_of_tracer_suggests_stack_or_stop_gradient(convert):
    def leaky(x):
        return np.sum(convert(x) * 2.0)

    with pytest.raises(TypeError) as excinfo:
        fad.grad(leaky)(X3)
    message = str(excinfo.value)
    assert "np.stack" in message
    assert "stop_gradient" in message


def test_array_conversion_in_jvp_raises_type_error():
    with pytest.raises(TypeError) as excinfo:
        fad.jvp(lambda x: np.sin([x[0], x[1]]) * 2.0, (X3,), (np.ones(3),))
    assert "stop_gradient" in str(excinfo.value)


@pytest.mark.parametrize("convert", [float, int, complex], ids=["float", "int", "complex"])
def test_python_scalar_conversion_of_tracer_suggests_stop_gradient(convert):
    def leaky(x):
        return x * convert(x)

    with pytest.raises(TypeError) as excinfo:
        fad.grad(leaky)(2.0)
    assert "stop_gradient" in str(excinfo.value)


def test_float_conversion_in_jvp_suggests_stop_gradient():
    with pytest.raises(TypeError) as excinfo:
        fad.jvp(lambda x: x * float(x), (2.0,), (1.0,))
    assert "stop_gradient" in str(excinfo.value)


def test_bool_of_tracer_works():
    def gated(x):
        if bool(x > 1.0) and bool(x):
            return x**2
        return x

    assert fad.grad(gated)(2.0) == pytest.approx(4.0)
    assert fad.grad(gated)(0.5) == pytest.approx(1.0)


def test_stop_gradient_is_the_way_out_of_float_conversion():
    def frozen_scale(x):
        return x * float(fad.stop_gradient(x))

    assert fad.grad(frozen_scale)(3.0) == pytest.approx(3.0)


# ---------------------------------------------------------------------------
# mismatched tangents and cotangents
# ---------------------------------------------------------------------------


def test_jvp_tangent_shape_mismatch_names_both_shapes():
    with pytest.raises(ValueError) as excinfo:
        fad.jvp(np.sin, (X3,), (np.ones(2),))
    message = str(excinfo.value)
    assert "(3,)" in message and "(2,)" in message


def test_jvp_tangent_dtype_mismatch_names_both_dtypes():
    with pytest.raises(ValueError) as excinfo:
        fad.jvp(np.sin, (X3,), (np.ones(3, np.float32),))
    message = str(excinfo.value)
    assert "float64" in message and "float32" in message


def test_jvp_tangent_count_mismatch_raises_value_error():
    with pytest.raises(ValueError) as excinfo:
        fad.jvp(lambda x, y: x * y, (X3, X3), (np.ones(3),))
    message = str(excinfo.value)
    expected_structure = str(fad.tree_flatten((X3, X3))[1])
    given_structure = str(fad.tree_flatten((np.ones(3),))[1])
    assert expected_structure in message and given_structure in message


def test_jvp_tangent_tree_mismatch_names_both_structures():
    with pytest.raises(ValueError) as excinfo:
        fad.jvp(lambda tree: tree["alpha"] * 2.0, ({"alpha": X3},), ({"beta": np.ones(3)},))
    message = str(excinfo.value)
    assert "alpha" in message and "beta" in message


def test_vjp_cotangent_shape_mismatch_names_both_shapes():
    _, vjp_fn = fad.vjp(np.sin, X3)
    with pytest.raises(ValueError) as excinfo:
        vjp_fn(np.ones((3, 1)))
    message = str(excinfo.value)
    assert "(3,)" in message and "(3, 1)" in message


def test_vjp_cotangent_dtype_mismatch_names_both_dtypes():
    _, vjp_fn = fad.vjp(np.sin, X3.astype(np.float32))
    with pytest.raises(ValueError) as excinfo:
        vjp_fn(np.ones(3, np.float64))
    message = str(excinfo.value)
    assert "float32" in message and "float64" in message


def test_vjp_cotangent_tree_mismatch_raises_value_error():
    _, vjp_fn = fad.vjp(lambda x: {"alpha": x * 2.0, "beta": np.sum(x)}, X3)
    with pytest.raises(ValueError) as excinfo:
        vjp_fn({"alpha": np.ones(3)})
    assert "beta" in str(excinfo.value)


def test_vjp_cotangent_array_for_tuple_output_raises_value_error():
    _, vjp_fn = fad.vjp(lambda x: (x * 2.0, np.sum(x)), X3)
    with pytest.raises(ValueError):
        vjp_fn(np.ones(3))


def test_vjp_fn_still_works_after_a_rejected_cotangent():
    _, vjp_fn = fad.vjp(np.sin, X3)
    with pytest.raises(ValueError):
        vjp_fn(np.ones(4))
    np.testing.assert_allclose(vjp_fn(np.ones(3))[0], np.cos(X3))


def test_hvp_tangent_shape_mismatch_raises_value_error():
    with pytest.raises(ValueError) as excinfo:
        fad.hvp(lambda x: np.sum(x**3), (X3,), (np.ones(4),))
    message = str(excinfo.value)
    assert "(3,)" in message and "(4,)" in message


# ---------------------------------------------------------------------------
# leaked tracers
# ---------------------------------------------------------------------------


def leak_from(transform_call):
    """Run a transform whose function stores an intermediate tracer; return the stored tracer."""
    stash = []

    def leaky(x):
        inner = np.sin(x) * 2.0
        stash.append(inner)
        return np.sum(inner)

    transform_call(leaky)
    assert stash, "the function was never called"
    return stash[-1]


LEAKING_TRANSFORMS = {
    "grad": (lambda f: fad.grad(f)(X3), ("grad", "vjp")),
    "vjp": (lambda f: fad.vjp(f, X3), ("vjp",)),
    "jvp": (lambda f: fad.jvp(f, (X3,), (np.ones(3),)), ("jvp",)),
    "jacfwd": (lambda f: fad.jacfwd(f)(X3), ("jacfwd", "jvp")),
    "jacrev": (lambda f: fad.jacrev(f)(X3), ("jacrev", "vjp")),
}


@pytest.mark.parametrize("transform_name", sorted(LEAKING_TRANSFORMS))
@pytest.mark.parametrize(
    "use",
    [lambda t: t + 1.0, lambda t: np.sin(t), lambda t: np.sum(t), lambda t: t[0]],
    ids=["add", "ufunc", "array_function", "index"],
)
def test_leaked_tracer_used_later_names_transform(transform_name, use):
    transform_call, accepted_names = LEAKING_TRANSFORMS[transform_name]
    leaked = leak_from(transform_call)
    with pytest.raises(fad.TracerLeakError) as excinfo:
        use(leaked)
    message = str(excinfo.value).lower()
    assert any(name in message for name in accepted_names), message


def test_leaked_tracer_used_inside_a_new_transform_names_its_transform():
    leaked = leak_from(lambda f: fad.jvp(f, (X3,), (np.ones(3),)))
    with pytest.raises(fad.TracerLeakError) as excinfo:
        fad.grad(lambda y: np.sum(y * leaked))(X3)
    assert "jvp" in str(excinfo.value).lower()
