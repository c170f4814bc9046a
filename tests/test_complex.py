"""Complex numbers in every transform, and the conventions of the elementwise and special ops.

The complex convention (JAX's and autograd's): a tangent is pushed through the R-linear
derivative ``J``, a cotangent through its transpose for the bilinear pairing
``<a, b> = Re sum(a * b)`` -- no conjugation. Hence ``vjp_fn(1)`` of a holomorphic ``f`` is
``f'(z)``, and ``grad`` of a real ``f(x + iy)`` is ``df/dx - i df/dy``, the conjugate of the
direction of steepest ascent: ``grad(lambda z: abs(z) ** 2)(3 + 4j) == 6 - 8j``.

The later sections hold the checks that do not fit an op-table row: zero-derivative
functions give plain arrays, ties and NaN conventions, and SciPy's Python-level functions.
"""

import subprocess
import sys

import numpy as np
import pytest

import functional_ad as fad
from functional_ad.core import concrete
from functional_ad.testing import check_grads

try:
    import scipy.special as sc
except ImportError:  # pragma: no cover - SciPy is optional
    sc = None

needs_scipy = pytest.mark.skipif(sc is None, reason="SciPy is not installed")

RNG = np.random.default_rng(1234)
Z = np.array([0.7 + 0.4j, -0.3 + 0.8j, 0.5 - 0.6j])  # inside every domain below
H = 1e-6


def complex_derivative(f, z):
    """f'(z) by central differences along the real axis."""
    return (f(z + H) - f(z - H)) / (2 * H)


def wirtinger_gradient(f, z):
    """df/dx - i df/dy of a real-valued f by central differences: the expected grad."""
    d_dx = (f(z + H) - f(z - H)) / (2 * H)
    d_dy = (f(z + 1j * H) - f(z - 1j * H)) / (2 * H)
    return d_dx - 1j * d_dy


def random_complex(shape):
    return RNG.standard_normal(shape) + 1j * RNG.standard_normal(shape)


# ---------------------------------------------------------------------------
# the worked example of the convention
# ---------------------------------------------------------------------------


def test_grad_of_squared_modulus_is_twice_the_conjugate():
    assert fad.grad(lambda z: abs(z) ** 2)(3 + 4j) == 6 - 8j
    np.testing.assert_allclose(fad.grad(lambda z: np.sum(np.abs(z) ** 2))(Z), 2 * np.conj(Z))


@pytest.mark.parametrize(
    "f, expected",
    [
        (np.abs, (3 - 4j) / 5),
        (np.real, 1.0),
        (np.imag, -1j),
        (np.angle, (-4 - 3j) / 25),  # d/dx - i d/dy of atan2(y, x)
        (lambda z: np.angle(z, deg=True), (-4 - 3j) / 25 * 180 / np.pi),
        (lambda z: np.real(z * np.conj(z)), 6 - 8j),
    ],
    ids=["abs", "real", "imag", "angle", "angle_deg", "z_conj_z"],
)
def test_grad_of_real_function_at_3_plus_4j(f, expected):
    np.testing.assert_allclose(fad.grad(f)(np.complex128(3 + 4j)), expected, atol=1e-15)


REAL_VALUED = {
    "abs": np.abs,
    "real": np.real,
    "imag": np.imag,
    "angle": np.angle,
    "abs_sin": lambda z: np.abs(np.sin(z)),
    "real_exp_conj": lambda z: np.real(np.exp(z) * np.conj(z)),
    "imag_log": lambda z: np.imag(np.log(z)),
    "abs_sign_mix": lambda z: np.real(np.sign(z) * z**2),
    "hypot_parts": lambda z: np.hypot(np.real(z), np.imag(z)),
}


@pytest.mark.parametrize("name", REAL_VALUED)
def test_grad_of_real_function_is_conjugate_of_ascent(name):
    f = REAL_VALUED[name]
    for z in Z:
        np.testing.assert_allclose(fad.grad(f)(z), wirtinger_gradient(f, z), rtol=1e-6, atol=1e-8)


HOLOMORPHIC = {
    "sin": np.sin,
    "cos": np.cos,
    "tan": np.tan,
    "exp": np.exp,
    "exp2": np.exp2,
    "expm1": np.expm1,
    "log": np.log,
    "log2": np.log2,
    "log10": np.log10,
    "log1p": np.log1p,
    "sqrt": np.sqrt,
    "square": np.square,
    "reciprocal": np.reciprocal,
    "arcsin": np.arcsin,
    "arccos": np.arccos,
    "arctan": np.arctan,
    "sinh": np.sinh,
    "cosh": np.cosh,
    "tanh": np.tanh,
    "arcsinh": np.arcsinh,
    "arccosh": np.arccosh,
    "arctanh": np.arctanh,
    "power": lambda z: z**2.5,
    "power_complex": lambda z: z ** (1 + 1j),
    "base_power": lambda z: (0.5 + 2j) ** z,
    "float_power": lambda z: np.float_power(z, 1.5),
    "polynomial": lambda z: 3 * z**3 - z / (1 + z * z),
}
if sc is not None:
    HOLOMORPHIC.update(
        {
            "special.erf": sc.erf,
            "special.erfc": sc.erfc,
            "special.erfcx": sc.erfcx,
            "special.xlogy": lambda z: sc.xlogy(z, z + 2),
            "special.xlog1py": lambda z: sc.xlog1py(2j, z),
            "special.gamma_first_order": sc.gamma,  # digamma has no complex trigamma in SciPy
        }
    )


@pytest.mark.parametrize("name", HOLOMORPHIC)
def test_holomorphic_derivative_in_every_mode(name):
    f = HOLOMORPHIC[name]
    for z in Z:
        expected = complex_derivative(f, z)
        _, pullback = fad.vjp(f, z)
        np.testing.assert_allclose(pullback(1.0)[0], expected, rtol=1e-6)
        np.testing.assert_allclose(fad.jvp(f, (z,), (1.0 + 0j,))[1], expected, rtol=1e-6)
        np.testing.assert_allclose(fad.grad(f, holomorphic=True)(z), expected, rtol=1e-6)


def test_arccosh_uses_the_principal_branch_left_of_the_imaginary_axis():
    # 1/sqrt(z²-1) has the wrong sign here; 1/(sqrt(z-1) sqrt(z+1)) is the derivative
    z = np.complex128(-2.0 + 0.5j)
    np.testing.assert_allclose(
        fad.grad(np.arccosh, holomorphic=True)(z), complex_derivative(np.arccosh, z), rtol=1e-6
    )


def bilinear(a, b):
    """The pairing of the convention: Re sum(a * b) over the leaves (no conjugation)."""
    leaves_a, leaves_b = fad.tree_leaves(a), fad.tree_leaves(b)
    return sum(
        float(np.real(np.sum(np.asarray(x) * np.asarray(y))))
        for x, y in zip(leaves_a, leaves_b, strict=True)
    )


MIXED = {
    "holomorphic": lambda z: np.sin(z) * z,
    "modulus_phase": lambda z: np.abs(z) * np.exp(1j * np.angle(z) / 2),
    "parts": lambda z: np.real(z) ** 2 + 1j * np.imag(z) * np.abs(z),
    "conj_product": lambda z: np.conj(z) * np.tanh(z),
    "real_output": lambda z: np.abs(np.cos(z)) + np.angle(z),
    "sign": lambda z: np.sign(z) * np.log(z),
}


@pytest.mark.parametrize("name", MIXED)
def test_vjp_is_the_transpose_for_the_bilinear_pairing(name):
    """<u, J v> = <vjp(u), v> with <a, b> = Re sum(a b), J v from finite differences."""
    f = MIXED[name]
    z = random_complex((4,)) + 2.0  # away from the negative real axis (angle, log)
    v = random_complex((4,))
    out, pullback = fad.vjp(f, z)
    shape = np.shape(out)
    u = random_complex(shape) if np.iscomplexobj(out) else RNG.standard_normal(shape)
    j_v = (f(z + H * v) - f(z - H * v)) / (2 * H)
    np.testing.assert_allclose(bilinear(u, j_v), bilinear(pullback(u)[0], v), rtol=1e-6)
    np.testing.assert_allclose(fad.jvp(f, (z,), (v,))[1], j_v, rtol=1e-6, atol=1e-8)


# ---------------------------------------------------------------------------
# complex values meeting real ones
# ---------------------------------------------------------------------------


def test_complex_cotangent_reaching_a_real_intermediate_keeps_only_its_real_part():
    # abs(z) is real; multiplied by complex constants its cotangent arrives complex
    f = lambda z: np.real(np.abs(z) * (1 + 2j) * (3 - 1j))
    np.testing.assert_allclose(fad.grad(f)(3 + 4j), 5 * (3 - 4j) / 5)
    g = lambda z: np.real(np.imag(z) * (1j - 1))
    np.testing.assert_allclose(fad.grad(g)(3 + 4j), 1j)
    h = lambda z: np.real(np.real(z) * (2 + 3j))
    np.testing.assert_allclose(fad.grad(h)(3 + 4j), 2.0)
    k = lambda z: np.real(np.angle(z) * 1j * (1 + 1j))
    np.testing.assert_allclose(fad.grad(k)(3 + 4j), (4 + 3j) / 25)


def test_real_input_through_complex_intermediate():
    x = np.array([0.3, 1.1, -2.0])
    g = fad.grad(lambda x: np.sum(np.real(np.exp(1j * x))))(x)
    assert g.dtype == np.float64
    np.testing.assert_allclose(g, -np.sin(x))
    np.testing.assert_allclose(fad.grad(lambda x: np.sum(np.abs(x * (3 + 4j))))(x), 5 * np.sign(x))
    check_grads(lambda x: np.abs(np.exp(1j * x) + 0.5 * x), (x,), order=2)


@pytest.mark.filterwarnings("ignore::numpy.exceptions.ComplexWarning")
def test_casts_between_real_and_complex():
    x = np.array([0.3, 1.2])
    as_complex = lambda x: np.sum(np.abs(x.astype(np.complex128) * (1 + 1j)) ** 2)
    np.testing.assert_allclose(fad.grad(as_complex)(x), 4 * x)
    check_grads(lambda x: x.astype(np.complex128) * (2 + 1j), (x,), order=2)
    # complex -> real keeps the real part (NumPy warns about the discarded imaginary part)
    z = np.array([1 + 2j, 3 - 1j])
    np.testing.assert_allclose(fad.grad(lambda z: np.sum(z.astype(np.float64) ** 2))(z), 2 * z.real)
    check_grads(lambda z: z.astype(np.float64) ** 2, (z,), order=2)


def test_real_input_complex_output_in_forward_mode():
    x = np.array([0.3, 1.1])
    jac = fad.jacfwd(lambda x: np.exp(1j * x))(x)
    np.testing.assert_allclose(jac, np.diag(1j * np.exp(1j * x)))


def test_abs_of_complex_zero_has_derivative_zero():
    assert fad.grad(np.abs)(0j) == 0
    assert fad.jvp(np.abs, (np.complex128(0),), (np.complex128(1 + 1j),))[1] == 0
    assert fad.grad(lambda z: np.abs(np.sign(z)))(0j) == 0


def test_complex64_stays_complex64():
    z = Z.astype(np.complex64)
    assert fad.grad(lambda z: np.sum(np.abs(z) ** 2))(z).dtype == np.complex64
    assert fad.grad(lambda z: np.sum(np.angle(z)))(z).dtype == np.complex64
    assert fad.grad(lambda z: np.sum(np.sin(z)), holomorphic=True)(z).dtype == np.complex64
    _, tangent = fad.jvp(np.abs, (z,), (np.ones_like(z),))
    assert tangent.dtype == np.float32


# ---------------------------------------------------------------------------
# holomorphic=True and the errors without it
# ---------------------------------------------------------------------------


def test_holomorphic_jacobians_and_hessian():
    f = lambda z: np.sin(z) * z
    d = np.cos(Z) * Z + np.sin(Z)
    np.testing.assert_allclose(fad.jacrev(f, holomorphic=True)(Z), np.diag(d))
    np.testing.assert_allclose(fad.jacfwd(f, holomorphic=True)(Z), np.diag(d))
    np.testing.assert_allclose(fad.jacobian(f, holomorphic=True)(Z), np.diag(d))
    hess = fad.hessian(lambda z: np.sum(z**3), holomorphic=True)(Z)
    np.testing.assert_allclose(hess, np.diag(6 * Z))
    second = fad.grad(fad.grad(np.sin, holomorphic=True), holomorphic=True)(Z[0])
    np.testing.assert_allclose(second, -np.sin(Z[0]))


def test_holomorphic_value_and_grad_with_aux_and_argnums():
    (value, aux), g = fad.value_and_grad(
        lambda a, b: (a * b, "aux"), argnums=(0, 1), has_aux=True, holomorphic=True
    )(Z[0], Z[1])
    assert np.isclose(value, Z[0] * Z[1]) and aux == "aux"
    np.testing.assert_allclose(g, (Z[1], Z[0]))


def test_jacrev_of_real_output_of_complex_input_stacks_gradients():
    f = lambda z: np.abs(z) ** 2
    np.testing.assert_allclose(fad.jacrev(f)(Z), np.diag(2 * np.conj(Z)))


@pytest.mark.parametrize(
    "call, words",
    [
        (lambda: fad.grad(np.sin)(Z[0]), ["holomorphic=True", "complex output"]),
        (lambda: fad.value_and_grad(lambda z: z * 2)(Z[0]), ["holomorphic=True"]),
        (lambda: fad.jacrev(np.sin)(Z), ["holomorphic=True", "complex output"]),
        (lambda: fad.jacobian(np.sin)(Z), ["holomorphic=True"]),
        (lambda: fad.jacfwd(np.sin)(Z), ["holomorphic=True", "real inputs"]),
        (lambda: fad.hessian(lambda z: np.sum(np.abs(z)))(Z), ["holomorphic=True"]),
        (lambda: fad.grad(np.sin, holomorphic=True)(0.5), ["complex inputs", "float64"]),
        (lambda: fad.jacfwd(np.sin, holomorphic=True)(np.ones(2)), ["complex inputs"]),
        (lambda: fad.grad(np.abs, holomorphic=True)(Z[0]), ["complex outputs", "float64"]),
        (lambda: fad.jacrev(np.abs, holomorphic=True)(Z), ["complex outputs"]),
    ],
    ids=[
        "grad",
        "value_and_grad",
        "jacrev",
        "jacobian",
        "jacfwd_complex_input",
        "hessian",
        "holomorphic_real_input",
        "jacfwd_holomorphic_real_input",
        "holomorphic_real_output",
        "jacrev_holomorphic_real_output",
    ],
)
def test_complex_without_holomorphic_and_vice_versa_raise_type_error(call, words):
    with pytest.raises(TypeError) as excinfo:
        call()
    for word in words:
        assert word in str(excinfo.value)


def test_vjp_and_jvp_need_no_holomorphic_flag():
    out, pullback = fad.vjp(np.sin, Z)
    np.testing.assert_allclose(pullback(np.ones_like(Z))[0], np.cos(Z))
    np.testing.assert_allclose(fad.jvp(np.sin, (Z,), (np.ones_like(Z),))[1], np.cos(Z))


# ---------------------------------------------------------------------------
# zero-derivative functions: plain arrays in every transform, derivative zero
# ---------------------------------------------------------------------------

X = np.array([0.3, -1.7, 2.2, 0.6])
ZERO_DERIVATIVE = {
    "floor": np.floor,
    "ceil": np.ceil,
    "trunc": np.trunc,
    "rint": np.rint,
    "fix": np.fix,
    "round": lambda x: np.round(x, 1),
    "around": np.around,
    "sign": np.sign,
    "floor_divide": lambda x: np.floor_divide(x, 0.7),
    "floor_divide_op": lambda x: x // 0.7,
    "less": lambda x: x < 0.5,
    "less_equal": lambda x: np.less_equal(x, 0.5),
    "greater": lambda x: np.greater(x, 0.5),
    "greater_equal": lambda x: x >= 0.5,
    "equal": lambda x: np.equal(x, 0.3),
    "not_equal": lambda x: x != 0.3,
    "logical_and": lambda x: np.logical_and(x, x > 0),
    "logical_or": lambda x: np.logical_or(x, 0),
    "logical_xor": lambda x: np.logical_xor(x, 1),
    "logical_not": np.logical_not,
    "isnan": np.isnan,
    "isfinite": np.isfinite,
    "isinf": np.isinf,
    "signbit": np.signbit,
    "angle_of_real": np.angle,
    "divmod_quotient": lambda x: np.divmod(x, 0.7)[0],
}
# differentiable primitives with a part that has derivative zero: the value may be traced
ZERO_PARTIAL = {
    "heaviside_x": lambda x: np.heaviside(x, 0.5),
    "modf_integral": lambda x: np.modf(x)[1],
    "frexp_exponent": lambda x: np.frexp(x)[1],
}
BOOLEAN = (
    "less",
    "less_equal",
    "greater",
    "greater_equal",
    "equal",
    "not_equal",
    "logical_and",
    "logical_or",
    "logical_xor",
    "logical_not",
    "isnan",
    "isfinite",
    "isinf",
    "signbit",
)


@pytest.mark.parametrize("name", ZERO_DERIVATIVE)
def test_zero_derivative_function_gives_constants(name):
    # traced constants (so that they can be written into, as NumPy allows) with NumPy's values
    # and no derivative
    f = ZERO_DERIVATIVE[name]
    seen = []

    def record(x):
        y = f(x)
        seen.append(y)
        return np.sum(x * 0 + y.astype(x.dtype)) if hasattr(y, "astype") else np.sum(x)

    for g in (fad.grad(record)(X), fad.vjp(record, X)[1](1.0)[0], fad.jacfwd(record)(X)):
        np.testing.assert_array_equal(g, 0.0)
    assert fad.jvp(record, (X,), (np.ones_like(X),))[1] == 0.0
    np.testing.assert_array_equal(fad.hessian(record)(X), 0.0)
    assert seen
    for y in seen:
        np.testing.assert_array_equal(concrete(y), f(X))


@pytest.mark.parametrize(
    "name", [n for n in ZERO_DERIVATIVE if n not in BOOLEAN] + list(ZERO_PARTIAL)
)
def test_zero_derivative_function_has_derivative_zero(name):
    f = {**ZERO_DERIVATIVE, **ZERO_PARTIAL}[name]
    # product rule: d/dx sum(f(x) x) = f(x) when f' = 0
    g = fad.grad(lambda x: np.sum(f(x) * x))(X)
    np.testing.assert_array_equal(g, f(X).astype(float))
    _, tangent = fad.jvp(f, (X,), (np.ones_like(X),))
    np.testing.assert_array_equal(tangent, np.zeros(np.shape(f(X))))


# ---------------------------------------------------------------------------
# non-differentiable points and NaN: the conventions
# ---------------------------------------------------------------------------


def test_abs_and_fabs_and_copysign_at_zero():
    x = np.array([0.0, -0.0])
    np.testing.assert_array_equal(fad.grad(lambda x: np.sum(np.abs(x)))(x), [0.0, 0.0])
    np.testing.assert_array_equal(fad.grad(lambda x: np.sum(np.fabs(x)))(x), [0.0, 0.0])
    np.testing.assert_array_equal(fad.grad(lambda x: np.sum(np.copysign(x, -1.0)))(x), [0, 0])


@pytest.mark.parametrize("ufunc", [np.maximum, np.minimum, np.fmax, np.fmin])
def test_extremum_ties_split_evenly(ufunc):
    x = np.array([1.0, 2.0])
    gx, gy = fad.grad(lambda a, b: np.sum(ufunc(a, b)), argnums=(0, 1))(x, x.copy())
    np.testing.assert_array_equal(gx, [0.5, 0.5])
    np.testing.assert_array_equal(gy, [0.5, 0.5])


def test_nan_goes_where_the_value_comes_from():
    a = np.array([np.nan, 1.0])
    b = np.array([2.0, np.nan])
    grad_pair = lambda f: fad.grad(lambda a, b: np.sum(f(a, b)), argnums=(0, 1))(a, b)
    # maximum propagates NaN: the derivative follows the NaN
    np.testing.assert_array_equal(grad_pair(np.maximum)[0], [1.0, 0.0])
    np.testing.assert_array_equal(grad_pair(np.maximum)[1], [0.0, 1.0])
    # fmax ignores NaN: the derivative follows the number it returns
    np.testing.assert_array_equal(grad_pair(np.fmax)[0], [0.0, 1.0])
    np.testing.assert_array_equal(grad_pair(np.fmin)[1], [1.0, 0.0])


def test_running_maximum_splits_ties_within_a_run():
    x = np.array([0.3, -1.2, 2.0, 2.0, -5.0, 2.0, 3.0])
    expected_row_5 = [0, 0, 1 / 3, 1 / 3, 0, 1 / 3, 0]
    for jacobian in (fad.jacrev, fad.jacfwd):
        jac = jacobian(lambda x: np.maximum.accumulate(x))(x)
        np.testing.assert_allclose(jac[5], expected_row_5)
        np.testing.assert_allclose(jac.sum(axis=1), np.ones(7))
        np.testing.assert_allclose(jac[1], [1, 0, 0, 0, 0, 0, 0])
    jac = fad.jacrev(lambda x: np.minimum.accumulate(x))(x)
    np.testing.assert_allclose(jac[6], [0, 0, 0, 0, 1, 0, 0])


def test_heaviside_derivative_in_its_second_argument_where_x_is_zero():
    x = np.array([-1.0, 0.0, 2.0, 0.0])
    g = fad.grad(lambda h: np.sum(np.heaviside(x, h)))(np.array([0.5, 0.5, 0.5, 0.5]))
    np.testing.assert_array_equal(g, [0.0, 1.0, 0.0, 1.0])


def test_power_derivatives_at_zero():
    # d/dx x**z at x = 0: 0 for z = 0 (a constant), 1 for z = 1; d/dz is 0 at x = 0
    for z in (0.0, np.float64(0.0), np.array(0.0)):
        assert fad.grad(lambda x: x**z)(0.0) == 0.0
    assert fad.grad(lambda x: x ** np.array(1.0))(0.0) == 1.0
    assert fad.grad(lambda z: np.array(0.0) ** z)(2.0) == 0.0
    # the mixed derivative d²/dxdz x**z = x**(z-1) (1 + z log x) at z = 0 is 1/x
    assert fad.grad(fad.grad(lambda x, z: x**z, argnums=1))(2.0, 0.0) == pytest.approx(0.5)


def test_python_base_power_keeps_float32():
    x = np.float32(0.5)
    _, tangent = fad.jvp(lambda z: 2.0**z, (x,), (np.float32(1),))
    assert tangent.dtype == np.float32
    np.testing.assert_allclose(tangent, np.log(2) * 2**0.5, rtol=1e-6)


def test_ufunc_outer_and_reduce_methods():
    x, y = np.array([0.5, 1.5, 2.0]), np.array([1.0, -1.0])
    check_grads(lambda x, y: np.hypot.outer(x, y), (x, y), order=2)
    check_grads(lambda x: np.logaddexp.reduce(x, axis=None), (np.array([[0.1, 3.0], [2.0, -1]]),))
    big = np.array([1000.0, 1000.0])
    np.testing.assert_allclose(
        np.asarray(fad.grad(lambda x: np.logaddexp.reduce(x))(big)), [0.5, 0.5]
    )


# ---------------------------------------------------------------------------
# scipy.special's Python-level functions (their handlers take SciPy's signatures)
# ---------------------------------------------------------------------------

A = np.array([[0.3, -1.2, 2.0], [1.0, 0.5, -0.7]])


@needs_scipy
@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"axis": 0},
        {"axis": -1, "keepdims": True},
        {"axis": (0, 1)},
        {"axis": 1, "b": np.array([0.5, 2.0, 1.0])},
        {"axis": None, "b": 2.0, "keepdims": True},
    ],
    ids=["all", "axis0", "keepdims", "tuple", "b", "scalar_b"],
)
def test_logsumexp_matches_scipy_and_differentiates(kwargs):
    from functional_ad.special import logsumexp

    np.testing.assert_allclose(logsumexp(A, **kwargs), sc.logsumexp(A, **kwargs), rtol=1e-13)
    check_grads(lambda a: logsumexp(a, **kwargs), (A,), order=2)


@needs_scipy
def test_logsumexp_return_sign_and_stability():
    from functional_ad.special import logsumexp

    b = np.array([1.0, -3.0, 0.5])
    out, sign = logsumexp(A, axis=1, b=b, return_sign=True)
    expected_out, expected_sign = sc.logsumexp(A, axis=1, b=b, return_sign=True)
    np.testing.assert_allclose(out, expected_out, rtol=1e-13)
    np.testing.assert_array_equal(sign, expected_sign)
    check_grads(lambda a, b: logsumexp(a, axis=1, b=b, return_sign=True)[0], (A, b))
    big = np.array([1000.0, 1000.0, -np.inf])
    np.testing.assert_allclose(fad.grad(lambda x: logsumexp(x))(big), [0.5, 0.5, 0.0])


@needs_scipy
@pytest.mark.parametrize("axis", [None, 0, -1])
def test_softmax_and_log_softmax_match_scipy(axis):
    from functional_ad.special import log_softmax, softmax

    np.testing.assert_allclose(softmax(A, axis=axis), sc.softmax(A, axis=axis), rtol=1e-13)
    np.testing.assert_allclose(log_softmax(A, axis=axis), sc.log_softmax(A, axis=axis), rtol=1e-13)
    check_grads(lambda a: softmax(a, axis=axis), (A,), order=2)
    check_grads(lambda a: log_softmax(a, axis=axis), (A,), order=2)
    large = A * 400  # exp would overflow without the shift
    np.testing.assert_allclose(softmax(large, axis=axis), sc.softmax(large, axis=axis))
    assert np.all(np.isfinite(fad.jacrev(lambda a: log_softmax(a, axis=axis))(large)))


@needs_scipy
def test_polygamma_and_multigammaln_match_scipy():
    from functional_ad.special import multigammaln, polygamma

    x = np.array([0.5, 1.5, 3.0])
    for n in (0, 1, 3, np.array([0, 1, 2])):
        np.testing.assert_allclose(polygamma(n, x), sc.polygamma(n, x), rtol=1e-13)
        check_grads(lambda x: polygamma(n, x), (x,), order=2)
    np.testing.assert_allclose(multigammaln(x + 2, 4), sc.multigammaln(x + 2, 4), rtol=1e-13)
    np.testing.assert_allclose(
        fad.grad(lambda a: multigammaln(a, 2))(3.0), sc.digamma(3.0) + sc.digamma(2.5)
    )
    with pytest.raises(ValueError):
        multigammaln(0.2, 3)
    assert polygamma(1, np.float32(2.0)).dtype == np.float32


@needs_scipy
def test_scipy_functions_are_registered_for_coverage():
    from functional_ad.numpy.registry import NUMPY
    from functional_ad.tools.coverage import coverage_rows

    for f in (sc.gammaln, sc.psi, sc.erf, sc.i0, sc.rel_entr):  # ufuncs: dispatched directly
        assert f in NUMPY
    # SciPy's Python-level functions never see a traced value: functional_ad.special has them
    names = {row.name for row in coverage_rows()}
    for f in (sc.polygamma, sc.multigammaln, sc.logsumexp, sc.softmax, sc.log_softmax):
        assert f not in NUMPY
        assert f"functional_ad.special.{f.__name__}" in names


@needs_scipy
def test_special_derivatives_at_the_edges():
    # i1'(0) = j1'(0) = 1/2 (the rule is written as i0 - i1/x elsewhere)
    assert fad.grad(sc.i1)(0.0) == 0.5
    assert fad.grad(sc.j1)(0.0) == 0.5
    # xlogy(0, y) = 0 for every y: no derivative in y there, even at y = 0
    assert fad.grad(lambda y: sc.xlogy(0.0, y))(0.0) == 0.0
    np.testing.assert_allclose(fad.grad(lambda x: sc.xlogy(x, 2.0))(0.0), np.log(2.0))


def test_package_works_without_scipy():
    code = (
        "import sys; sys.modules['scipy'] = None; sys.modules['scipy.special'] = None\n"
        "import numpy as np, functional_ad as fad\n"
        "from functional_ad.ops import special\n"
        "assert special.sc is None and not special.PRIMITIVES_BY_NAME\n"
        "assert fad.grad(lambda x: np.sum(np.sinc(x)))(np.array([0.5])).shape == (1,)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
