"""Arguments, outputs and results are validated: a wrong call raises a named error, and what
a transform returns belongs to the caller."""

import copy
import pickle

import numpy as np
import pytest

import functional_ad as fad

X = np.array([0.5, -1.0, 2.0])


@pytest.mark.parametrize(
    "transform", [fad.grad, fad.value_and_grad, fad.jacrev, fad.jacfwd, fad.hessian]
)
@pytest.mark.parametrize(
    "f",
    [lambda x: np.sum(x > 0), lambda x: np.argmax(x), lambda x: x > 0],
    ids=["count", "argmax", "mask"],
)
def test_integer_or_boolean_outputs_raise(transform, f):
    if transform in (fad.grad, fad.value_and_grad):
        g = f if np.ndim(f(X)) == 0 else (lambda x: f(x)[0])
    else:
        g = f
    with pytest.raises(TypeError, match="float or complex outputs"):
        transform(g)(X)


@pytest.mark.parametrize("transform", [fad.grad, fad.jacrev, fad.jacfwd, fad.jacobian, fad.hessian])
def test_argnums_are_checked(transform):
    with pytest.raises(ValueError, match="repeats"):
        transform(lambda x, y: np.sum(x * y), argnums=(0, 0))
    with pytest.raises(TypeError, match="argnums"):
        transform(lambda x: np.sum(x), argnums="0")
    with pytest.raises(TypeError, match="argnums"):
        transform(lambda x: np.sum(x), argnums=(True,))
    with pytest.raises(ValueError, match="out of range"):
        transform(lambda x: np.sum(x), argnums=1)(X)


def test_torch_style_calls_name_the_functional_form():
    with pytest.raises(TypeError, match=r"jacobian\(f\)\(x, y\)"):
        fad.jacobian(lambda x, y: x * y, (X, X))
    with pytest.raises(TypeError, match="shape"):
        fad.hvp(lambda x: np.sum(x**3), X, X)
    with pytest.raises(TypeError, match="tuples"):
        fad.vhp(lambda x: np.sum(x**3), X, X)


def test_swapped_aux_raises():
    with pytest.raises(TypeError, match=r"\(loss, aux\)"):
        fad.grad(lambda x: (1.0, np.sum(x**2)), has_aux=True)(X)
    g, aux = fad.grad(lambda x: (np.sum(x**2), x * 2), has_aux=True)(X)
    np.testing.assert_allclose(g, 2 * X)


def test_vmap_axis_out_of_range_names_the_argument():
    with pytest.raises(ValueError, match="argument 1"):
        fad.vmap(lambda a, b: a * b, in_axes=(0, 1))(np.ones((2, 3)), np.ones(2))
    with pytest.raises(ValueError, match="0-d"):
        fad.vmap(lambda a, b: a * b, in_axes=(0, 0))(np.ones(2), 3.0)


def test_walk_back_out_of_range_says_how_many_outputs():
    graph = fad.make_graph(lambda x: (np.sin(x), np.cos(x)))(X)
    with pytest.raises(IndexError, match="2 outputs"):
        graph.walk_back(2)


@pytest.mark.parametrize("transform", ["grad", "vmap"])
def test_copies_of_traced_values_stay_traced(transform):
    def f(x):
        return np.sum(copy.deepcopy(x) * copy.copy(x))

    if transform == "grad":
        np.testing.assert_allclose(fad.grad(f)(X), 2 * X)
    else:
        np.testing.assert_allclose(fad.vmap(f)(np.stack([X, 2 * X])), [f(X), f(2 * X)])


@pytest.mark.parametrize("transform", [fad.grad, fad.vmap])
def test_pickling_a_traced_value_raises(transform):
    def f(x):
        return np.sum(pickle.loads(pickle.dumps(x)))

    with pytest.raises(TypeError, match="pickled"):
        transform(f)(np.stack([X, X]) if transform is fad.vmap else X)


def test_deep_pytrees_raise_a_named_error():
    tree: list = [X]
    for _ in range(5000):
        tree = [tree]
    with pytest.raises(ValueError, match="nested too deeply"):
        fad.grad(lambda t: 0.0)(tree)


@pytest.mark.parametrize(
    "f",
    [np.sum, np.mean, lambda x: x[0] * 1.0, lambda x: np.sum(np.broadcast_to(x, (2, 3)))],
    ids=["sum", "mean", "index", "broadcast"],
)
def test_gradients_are_writable_arrays_the_caller_owns(f):
    g = fad.grad(f)(X)
    before = fad.grad(f)(X)
    g *= 2.0  # must not fail, nor change anything else
    np.testing.assert_allclose(fad.grad(f)(X), before)


def test_gradients_of_several_arguments_do_not_share_memory():
    gx, gy = fad.grad(lambda x, y: np.sum(x + y), argnums=(0, 1))(X, X.copy())
    gx += 1.0
    np.testing.assert_allclose(gy, 1.0)


def test_vjp_results_do_not_alias_the_cotangent():
    u = np.ones(3)
    _, pullback = fad.vjp(lambda z: z, X)
    (result,) = pullback(u)
    result += 1.0
    np.testing.assert_allclose(u, 1.0)


# every call NumPy refuses for its axis: a tuple where one axis is taken, a float, a string,
# an axis out of range or named twice. Each returned a value here, silently (the first of a
# tuple, the axis wrapped modulo the rank, a float truncated)
_CUBE = np.arange(1.0, 25.0).reshape(2, 3, 4) / 7
_REFUSED = [
    ("cumsum", lambda x: np.cumsum(x, axis=(0, 1))),
    ("cumprod", lambda x: np.cumprod(x, axis=(1,))),
    ("nancumsum", lambda x: np.nancumsum(x, axis=(0, 1))),
    ("argmax", lambda x: x.sum() * np.argmax(x, axis=(0, 1))),
    ("argmin", lambda x: x.sum() * np.argmin(x, axis=1.0)),
    ("diff", lambda x: np.diff(x, axis=(0, 1))),
    ("trapezoid", lambda x: np.trapezoid(x, axis=(1,))),
    ("sort", lambda x: np.sort(x, axis="1")),
    ("take", lambda x: np.take(x, [0, 1], axis=(0, 1))),
    ("repeat", lambda x: np.repeat(x, 2, axis=(1,))),
    ("concatenate out of range", lambda x: np.concatenate([x, x], axis=3)),
    ("concatenate float", lambda x: np.concatenate([x, x], axis=1.0)),
    ("stack out of range", lambda x: np.stack([x, x], axis=-5)),
    ("append out of range", lambda x: np.append(x, x, axis=3)),
    ("split", lambda x: np.split(x, 2, axis=(0, 1))[0]),
    ("add.accumulate", lambda x: np.add.accumulate(x, axis=(0, 1))),
    ("take_along_axis", lambda x: np.take_along_axis(x, np.zeros((1, 1, 1), int), axis=(0,))),
    ("apply_along_axis", lambda x: np.apply_along_axis(np.sum, 3, x)),
    ("moveaxis out of range", lambda x: np.moveaxis(x, 3, 0)),
    ("moveaxis repeated", lambda x: np.moveaxis(x, (0, 0), (1, 2))),
    ("swapaxes", lambda x: np.swapaxes(x, 3, 0)),
    ("expand_dims repeated", lambda x: np.expand_dims(x, (0, 0))),
    ("squeeze repeated", lambda x: np.squeeze(x[:1], axis=(0, 0))),
    ("flip repeated", lambda x: np.flip(x, axis=(1, -2))),
    ("sum repeated", lambda x: np.sum(x, axis=(0, -3))),
    ("roll float", lambda x: np.roll(x, 1, axis=1.0)),
    ("unwrap", lambda x: np.unwrap(x, axis=(1,))),
    ("cross", lambda x: np.cross(x[:, :, :3], x[:, :, 1:], axis=(2,))),
    ("vecdot", lambda x: np.vecdot(x, x, axis=(0, 1))),
    ("trace", lambda x: np.trace(x, axis1=(0,), axis2=2)),
    ("diagonal", lambda x: np.diagonal(x, axis1=0, axis2=3)),
    ("tensordot out of range", lambda x: np.tensordot(x, x, axes=(3, 3))),
    ("tensordot repeated", lambda x: np.tensordot(x, x, axes=((0, 0), (1, 1)))),
    ("tensordot mismatch", lambda x: np.tensordot(x, x, axes=(1, 2))),
    ("fft float", lambda x: np.fft.fft(x, axis=1.0)),
    ("gradient repeated", lambda x: np.gradient(x, axis=(0, 0))[0]),
    ("transpose repeated", lambda x: np.transpose(x, (0, 0, 1))),
    ("transpose out of range", lambda x: np.transpose(x, (0, 1, 5))),
    ("transpose too few", lambda x: np.transpose(x, (0, 1))),
    ("reshape copy=False", lambda x: np.reshape(x.transpose(2, 0, 1), (24,), copy=False)),
]


@pytest.mark.parametrize("f", [f for _, f in _REFUSED], ids=[name for name, _ in _REFUSED])
def test_an_axis_numpy_refuses_raises_its_error(f):
    with pytest.raises((TypeError, ValueError, IndexError)) as numpy_error:
        f(_CUBE)
    kind = type(numpy_error.value)
    with pytest.raises(kind):
        fad.jvp(f, (_CUBE,), (_CUBE,))
    with pytest.raises(kind):
        fad.vmap(f)(np.stack([_CUBE, _CUBE]))
    with pytest.raises(kind):
        fad.grad(lambda x: np.sum(np.abs(f(x))))(_CUBE)


def test_an_axis_in_a_tuple_where_numpy_takes_one():
    # ufunc.accumulate and np.cumulative_sum take one axis in a tuple; np.roll an axis per
    # shift; np.unstack one axis as np.moveaxis does
    x = np.arange(1.0, 7.0).reshape(2, 3)
    for f in (
        lambda x: np.add.accumulate(x, axis=(1,)),
        lambda x: np.multiply.accumulate(x, axis=(0,)),
        lambda x: np.maximum.accumulate(x, axis=(1,)),
        lambda x: np.cumulative_sum(x, axis=(1,)),
        lambda x: np.roll(x, [1, 2], axis=(0, 1)),
        lambda x: np.roll(x, 1, axis=True),
        lambda x: np.unstack(x, axis=(1,))[2],
        lambda x: np.fft.fftshift(x, axes=np.int64(1)),
        lambda x: np.tensordot(x, x.T, axes=np.int64(1)),
    ):
        expected = f(x)
        np.testing.assert_array_equal(fad.jvp(f, (x,), (x,))[0], expected)
        np.testing.assert_array_equal(fad.vmap(f)(np.stack([x, x]))[1], expected)


@pytest.mark.parametrize(
    "mode, keywords",
    [
        ("constant", {"end_values": 3.0}),
        ("mean", {"constant_values": 1.0}),
        ("linear_ramp", {"stat_length": 2}),
        ("edge", {"constant_values": 1.0}),
    ],
)
def test_pad_keywords_its_mode_does_not_take_raise(mode, keywords):
    # they were ignored for the modes padded here by blocks (NumPy raises)
    x = np.arange(1.0, 4.0)
    with pytest.raises(ValueError, match="unsupported keyword arguments"):
        np.pad(x, 1, mode=mode, **keywords)
    with pytest.raises(ValueError, match=f"unsupported keyword arguments for mode '{mode}'"):
        fad.grad(lambda x: np.sum(np.pad(x, 1, mode=mode, **keywords)))(x)


@pytest.mark.parametrize(
    "join",
    [
        lambda x: np.concatenate([x, x], dtype=int),
        lambda x: np.stack([x, x], dtype=np.int32),
        lambda x: np.hstack([x, x], dtype=bool),
        lambda x: np.vstack([x, x], dtype=np.int64),
    ],
    ids=["concatenate", "stack", "hstack", "vstack"],
)
def test_a_join_refuses_a_dtype_its_casting_rule_refuses(join):
    # casting= (default 'same_kind') was ignored: float data joined as int gave a value
    with pytest.raises(TypeError, match="according to the rule 'same_kind'"):
        join(X)
    with pytest.raises(TypeError, match="according to the rule 'same_kind'"):
        fad.jvp(join, (X,), (X,))
    assert fad.jvp(lambda x: np.concatenate([x, x], dtype=int, casting="unsafe"), (X,),
                   (X,))[0].dtype == np.int_  # fmt: skip


def test_linspace_refuses_a_device_other_than_the_cpu():
    with pytest.raises(ValueError, match='Only "cpu" is allowed'):
        fad.grad(lambda x: np.sum(np.linspace(0.0, x, 3, device="gpu")))(1.0)


def test_a_ufunc_checks_its_dtype_and_casting_as_numpy_does():
    # NumPy refuses np.add(x, 1, dtype=np.int64) for floats x (casting='same_kind'): the
    # inputs were cast here and a value came back; casting= raised NotImplementedError
    def traced(f):
        return fad.jvp(f, (X,), (X,))[0]

    refused = [
        lambda x: np.add(x, 1, dtype=np.int64),
        lambda x: np.add(x, 1, dtype=np.float32, casting="safe"),
        lambda x: np.multiply(x, x.astype(np.float32), casting="no"),
    ]
    for f in refused:
        with pytest.raises(TypeError) as numpy_error:
            f(X)
        with pytest.raises(type(numpy_error.value), match="Cannot cast ufunc"):
            traced(f)
    allowed = [
        lambda x: np.add(x, 1, dtype=np.int64, casting="unsafe") * 1.0,
        lambda x: np.add(x, 1, dtype=np.float16, casting="same_kind"),
        lambda x: np.multiply(x, 2.0, casting="equiv"),
        lambda x: np.add(x.astype(np.float32), 3, casting="safe"),  # (a Python int is weak)
    ]
    for f in allowed:
        got, want = traced(f), f(X)
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)

    def into_int(x):
        out = np.zeros(3, dtype=np.int64) + x.astype(np.int64)  # traced: x writes into it
        np.add(x, 0.5, out=out, casting="unsafe")
        return out * 1.0

    np.testing.assert_array_equal(traced(into_int), into_int(X))
