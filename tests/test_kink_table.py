"""Every row of the kink-convention table (docs/sharp-bits.md, "Non-differentiable points"):
the value the table states, in reverse and forward mode, and at second order where it
states one. Where JAX agrees, it is compared too."""

import numpy as np
import pytest
import scipy.special as sc

import functional_ad as fad

grad, jvp = fad.grad, fad.jvp


def slope(f, x, v=1.0):
    return jvp(f, (x,), (v,))[1]


def second(f, x):
    return grad(grad(f))(x)


def test_abs_at_zero():
    assert grad(np.abs)(0.0) == 0.0 and slope(np.abs, 0.0) == 0.0


@pytest.mark.parametrize("f", [np.maximum, np.minimum, np.fmax, np.fmin])
def test_ties_of_elementwise_extrema_split_evenly(f):
    assert grad(f, argnums=(0, 1))(1.0, 1.0) == (0.5, 0.5)
    assert jvp(f, (1.0, 1.0), (1.0, 0.0))[1] == 0.5


@pytest.mark.parametrize("f", [np.max, np.min, np.amax, np.amin])
def test_ties_of_reductions_split_evenly(f):
    np.testing.assert_allclose(grad(f)(np.array([2.0, 2.0, 2.0])), [1 / 3] * 3)
    assert slope(f, np.array([2.0, 2.0]), np.array([1.0, 0.0])) == 0.5


def test_sqrt_at_zero():
    assert grad(np.sqrt)(0.0) == np.inf and slope(np.sqrt, 0.0) == np.inf


def test_piecewise_constant_functions():
    for f in [np.floor, np.ceil, np.trunc, np.rint, np.round, np.sign]:
        assert grad(f)(0.0) == 0.0 and grad(f)(0.5) == 0.0, f
        assert slope(f, 0.5) == 0.0
    assert grad(lambda x: np.heaviside(x, 0.5))(0.0) == 0.0
    assert grad(lambda x: (x > 0) * x + np.greater_equal(x, 0.0))(0.0) == 0.0


def test_complex_sign_at_zero():
    assert grad(lambda z: np.real(np.sign(z)))(0j) == 0
    assert slope(np.sign, 0j, 1 + 1j) == 0


def test_hypot_at_origin():
    assert grad(np.hypot, argnums=(0, 1))(0.0, 0.0) == (0.0, 0.0)


def test_sinc_at_zero():
    assert grad(np.sinc)(0.0) == 0.0
    np.testing.assert_allclose(second(np.sinc, 0.0), -(np.pi**2) / 3, rtol=1e-14)


@pytest.mark.parametrize("bound", [0.0, 1.0])
def test_clip_bounds_pass_the_derivative(bound):
    assert grad(lambda x: np.clip(x, 0.0, 1.0))(bound) == 1.0
    assert slope(lambda x: np.clip(x, 0.0, 1.0), bound) == 1.0


def test_norm_at_zero():
    np.testing.assert_array_equal(grad(np.linalg.norm)(np.zeros(3)), 0.0)
    assert slope(np.linalg.norm, np.zeros(3), np.ones(3)) == 0.0


def test_relu_forms():
    assert grad(lambda x: np.maximum(x, 0.0))(0.0) == 0.5
    assert grad(lambda x: np.where(x > 0, x, 0.0))(0.0) == 0.0


def test_sort_and_median_ties():
    w = np.array([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(grad(lambda x: np.sort(x) @ w)(np.array([2.0, 1.0, 2.0])),
                                  [2.0, 1.0, 3.0])  # fmt: skip
    x = np.array([1.0, 2.0, 2.0, 3.0])
    np.testing.assert_allclose(grad(np.median)(x), [0.0, 0.5, 0.5, 0.0])
    np.testing.assert_array_equal(grad(lambda v: np.partition(v, 1) @ w)(np.ones(3)), w)
    np.testing.assert_allclose(grad(lambda v: np.percentile(v, 50))(x), [0.0, 0.5, 0.5, 0.0])


def test_unique_first_occurrence():
    g = grad(lambda x: np.sum(np.unique(x) * np.array([1.0, 2.0])))(np.array([2.0, 1.0, 2.0]))
    np.testing.assert_array_equal(g, [2.0, 1.0, 0.0])


def test_cbrt_at_zero():
    assert grad(np.cbrt)(0.0) == np.inf and second(np.cbrt, 0.0) == -np.inf
    assert second(np.cbrt, -0.0) == np.inf
    assert slope(np.cbrt, 0.0) == np.inf


@pytest.mark.parametrize(
    "f, x, first, second_",
    [
        (np.log, 0.0, np.inf, -np.inf),
        (np.log2, 0.0, np.inf, -np.inf),
        (np.log10, 0.0, np.inf, -np.inf),
        (np.log1p, -1.0, np.inf, -np.inf),
        (np.arcsin, 1.0, np.inf, np.inf),
        (np.arcsin, -1.0, np.inf, -np.inf),
        (np.arccos, 1.0, -np.inf, -np.inf),
        (np.arccos, -1.0, -np.inf, np.inf),
        (np.arctanh, 1.0, np.inf, np.inf),
        (np.arctanh, -1.0, np.inf, -np.inf),
    ],
)
def test_domain_ends_give_the_one_sided_limits(f, x, first, second_):
    with np.errstate(all="ignore"):
        assert grad(f)(x) == first
        assert slope(f, x) == first
        assert second(f, x) == second_


def test_power_zero_exponent_at_zero():
    assert grad(lambda x: np.power(x, 0.0))(0.0) == 0.0
    assert second(lambda x: np.power(x, 0.0), 0.0) == 0.0


def test_det_and_slogdet_at_a_singular_matrix():
    a = np.array([[1.0, 2.0], [2.0, 4.0]])
    np.testing.assert_allclose(grad(np.linalg.det)(a), [[4.0, -2.0], [-2.0, 1.0]], rtol=1e-14)
    h = fad.hessian(np.linalg.det)(a).reshape(4, 4)
    exact = [[0, 0, 0, 1], [0, 0, -1, 0], [0, -1, 0, 0], [1, 0, 0, 0]]
    np.testing.assert_allclose(h, exact, atol=1e-14)
    with pytest.raises(NotImplementedError, match="adjugate_jvp"):
        fad.jacfwd(fad.hessian(np.linalg.det))(a)
    with np.errstate(all="ignore"):
        g = grad(lambda m: np.linalg.slogdet(m)[1])(a)
        assert np.all(np.isinf(g) | np.isnan(g))
        assert np.isnan(grad(lambda m: np.linalg.slogdet(m)[1])(np.zeros((3, 3)))).all()
    np.testing.assert_array_equal(grad(lambda m: np.linalg.slogdet(m)[0])(a), 0.0)


@pytest.mark.parametrize("f, shift", [(sc.xlogy, 0.0), (sc.xlog1py, 1.0)])
def test_xlogy_at_x_zero(f, shift):
    assert grad(f, argnums=1)(0.0, 2.0) == 0.0
    assert grad(grad(f, argnums=1), argnums=0)(0.0, 2.0) == 1 / (2.0 + shift)
    assert grad(grad(f, argnums=0), argnums=1)(0.0, 2.0) == 1 / (2.0 + shift)


def test_xlogy_at_y_zero():
    with np.errstate(all="ignore"):
        assert grad(sc.xlogy, argnums=1)(3.0, 0.0) == np.inf


@pytest.mark.parametrize("f, dy", [(sc.kl_div, 1.0), (sc.rel_entr, 0.0)])
def test_kl_div_and_rel_entr_at_x_zero(f, dy):
    with np.errstate(all="ignore"):
        assert grad(f, argnums=(0, 1))(0.0, 2.0) == (-np.inf, dy)
    assert grad(grad(f, argnums=0), argnums=1)(0.0, 2.0) == -0.5


def test_where_jax_agrees_it_is_compared():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    jnp = jax.numpy
    pairs = [
        (np.maximum, jnp.maximum, (1.0, 1.0)),
        (np.minimum, jnp.minimum, (1.0, 1.0)),
        (np.sqrt, jnp.sqrt, (0.0,)),
        (np.cbrt, jnp.cbrt, (0.0,)),
        (np.arcsin, jnp.arcsin, (1.0,)),
        (np.log, jnp.log, (0.0,)),
        (np.median, jnp.median, (np.array([1.0, 2.0, 2.0, 3.0]),)),
        (np.linalg.det, jnp.linalg.det, (np.array([[1.0, 2.0], [2.0, 4.0]]),)),
        (sc.xlogy, jax.scipy.special.xlogy, (0.0, 2.0)),
    ]
    for ours, theirs, args in pairs:
        argnums = tuple(range(len(args)))
        with np.errstate(all="ignore"):
            a = grad(ours, argnums=argnums)(*args)
        b = jax.grad(theirs, argnums=argnums)(*args)
        for x, y in zip(a, b, strict=True):
            np.testing.assert_allclose(x, np.asarray(y), rtol=1e-13, err_msg=ours.__name__)
        if np.ndim(args[0]) == 0 and len(args) == 1:
            with np.errstate(all="ignore"):
                assert second(ours, args[0]) == jax.grad(jax.grad(theirs))(args[0])


def test_logaddexp_at_infinity():
    for f in (np.logaddexp, np.logaddexp2):
        assert grad(f, argnums=(0, 1))(-0.5, np.inf) == (0.0, 1.0)
        assert grad(f, argnums=(0, 1))(np.inf, 2.0) == (1.0, 0.0)
        assert grad(f, argnums=(0, 1))(np.inf, np.inf) == (0.5, 0.5)
        assert grad(f, argnums=(0, 1))(-np.inf, -np.inf) == (0.5, 0.5)
        assert grad(f, argnums=(0, 1))(-np.inf, 1.0) == (0.0, 1.0)
        assert jvp(f, (-0.5, np.inf), (0.0, 2.0))[1] == 2.0


def test_decompositions_at_non_generic_points():
    # repeated eigenvalues: eigvalsh's derivative (a symmetric function of them) is exact,
    # the eigenvectors' is not defined
    a = np.eye(3)
    np.testing.assert_allclose(grad(lambda m: np.sum(np.linalg.eigvalsh(m)))(a), np.eye(3))
    with np.errstate(all="ignore"):  # the gap 1/(w_j - w_i) is 1/0: NaN, not a number
        for m in (a, np.diag([1.0, 1.0, 2.0])):
            assert np.isnan(grad(lambda m: np.sum(np.linalg.eigh(m)[1] ** 3))(m)).all()


def test_non_finite_inputs_use_the_formulas():
    with np.errstate(all="ignore"):
        assert grad(np.exp)(-np.inf) == 0.0  # the formula exp(x) has its limit
        assert np.isnan(grad(np.sin)(np.inf))  # cos(inf) is NaN
        assert np.isnan(grad(np.exp)(np.nan))
        assert np.isnan(grad(lambda x: x * 0.0 + np.tanh(x))(np.nan))
        # a non-finite value: log(0) = -inf, log'(0) = inf (the one-sided limit)
        assert grad(np.log)(0.0) == np.inf


@pytest.mark.parametrize("y", [2.0, 3.0, 0.5, 1.0])
def test_power_at_zero_base(y):
    assert grad(np.power, argnums=1)(0.0, y) == 0.0
    assert grad(grad(np.power, argnums=1), argnums=1)(0.0, y) == 0.0
    with np.errstate(all="ignore"):
        mixed = grad(grad(np.power, argnums=1), argnums=0)(0.0, y)
        other_order = grad(grad(np.power, argnums=0), argnums=1)(0.0, y)
    if y > 1:
        assert mixed == 0.0 and other_order == 0.0  # exact
    elif y == 1.0:  # the limit is -inf; the rules give these (documented, not the limit)
        assert mixed == 0.0 and other_order == 1.0
    else:
        assert np.isnan(mixed) and other_order == np.inf


def test_running_extrema_ties_split_evenly():
    x, w = np.array([2.0, 2.0, 2.0, 2.0]), np.array([0.5, 1.0, 1.0, 1.5])
    # y_k = max(x_0..x_k): its cotangent w_k goes 1/(k+1) to each of x_0..x_k
    expected = [sum(w[k] / (k + 1) for k in range(j, 4)) for j in range(4)]
    for f in (np.maximum.accumulate, np.minimum.accumulate):
        np.testing.assert_allclose(grad(lambda v, f=f: f(v) @ w)(x), expected, rtol=1e-14)


def test_angle_at_zero():
    assert grad(np.angle)(0.0) == 0.0 and grad(np.angle)(-1.0) == 0.0
    with np.errstate(all="ignore"):
        assert np.isnan(grad(lambda z: np.real(np.angle(z)))(0j))


def test_ties_with_initial():
    mask = np.array([True, False, True])
    for f in (np.max, np.min):
        g = grad(lambda x, f=f: f(x, where=mask, initial=-1.0))(np.array([-1.0, -1.0, -1.0]))
        np.testing.assert_array_equal(g, [0.25, 0.0, 0.25])  # masked elements get nothing
        g = grad(lambda x, f=f: f(x, initial=2.0))(np.array([2.0, 2.0]))
        np.testing.assert_array_equal(g, [0.25, 0.25])


def test_quantile_in_q_at_knots():
    x = np.array([0.3, 1.0, 2.5, 4.0, 4.2])
    slopes = 4 * np.diff(np.sort(x))  # (n - 1) (x_(k+1) - x_(k)) on segment k
    for q, expected in [(0.0, slopes[0]), (0.25, slopes[1]), (0.5, slopes[2]), (1.0, 0.0)]:
        assert grad(lambda q: np.quantile(x, q))(q) == pytest.approx(expected, rel=1e-14)
        assert grad(lambda q: np.percentile(x, 100 * q))(q) == pytest.approx(expected, rel=1e-12)


def test_interp_with_repeated_xp():
    xp, fp = np.array([1.0, 1.0, 1.0]), np.array([0.0, 1.0, 2.0])
    with np.errstate(all="ignore"):
        g = grad(lambda p: np.sum(np.interp(np.array([0.5, 1.0, 2.0]), p, fp)))(xp)
    assert np.isnan(g).all()


def test_spence_at_zero():
    with np.errstate(all="ignore"):
        assert grad(sc.spence)(0.0) == -np.inf
        assert np.isnan(second(sc.spence, 0.0))


@pytest.mark.parametrize("p", [None, 2, -2, "fro", "nuc", np.inf, -np.inf, 1, -1])
def test_cond_at_a_singular_matrix(p):
    f = lambda a: np.linalg.cond(a, p)
    singular = np.zeros((2, 2)) if p in (None, 2, -2) else np.array([[1.0, 2.0], [2.0, 4.0]])
    with np.errstate(all="ignore"):
        value, gradient = fad.value_and_grad(f)(singular)
        assert value == np.inf and np.isnan(gradient).all()
        assert np.isnan(slope(f, singular, np.eye(2)))
        assert np.isnan(fad.hessian(f)(singular)).all()


@pytest.mark.parametrize(("z", "dz"), [(0.0, 1.0), (-1.0, -1.0), (-2.0, 2.0)])
def test_poch_at_the_poles_of_gamma(z, dz):
    # poch(z, m) = Γ(z+m)/Γ(z) ≈ (-1)^n n! Γ(m - n) (z + n) near z = -n
    m = 2.5
    f = lambda v: sc.poch(v[0], v[1])
    gradient = grad(f)(np.array([z, m]))
    np.testing.assert_allclose(gradient, [dz * sc.gamma(z + m), 0.0], rtol=1e-14)
    assert gradient[1] == 0.0 and fad.hessian(f)(np.array([z, m]))[1, 1] == 0.0
    with np.errstate(all="ignore"):  # m = 0: poch jumps from 1 to 0 there, no derivative
        assert np.isnan(grad(f)(np.array([z, 0.0]))).all()


def test_qr_with_a_zero_on_the_diagonal_of_r_raises():
    loss = lambda a: np.sum(np.linalg.qr(a)[0])
    for a in (np.zeros((3, 2)), np.array([[1.0, 0.0], [2.0, 0.0], [3.0, 0.0]])):
        with pytest.raises(ValueError, match="qr: no derivative in reverse mode"):
            grad(loss)(a)
        with pytest.raises(ValueError, match="qr: no derivative in forward mode"):
            slope(loss, a, np.ones_like(a))
