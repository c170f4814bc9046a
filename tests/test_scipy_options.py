"""SciPy's options mean what they mean in SciPy: in ``functional_ad.scipy.linalg`` a
structure ``assume_a`` or ``lower`` reads part of the matrix and a subset of eigenvalues is
that subset; ``functional_ad.scipy.signal.lfilter`` takes scalar coefficients;
``functional_ad.scipy.integrate.solve_ivp`` starts at ``t_span[0]``; ``logm`` and ``sqrtm``
with ``disp=False`` return SciPy's error estimate; ``minimize`` and ``root`` call the
callback. Values against SciPy,
tangents (along directions that are not symmetric) against central differences of SciPy."""

from __future__ import annotations

import numpy as np
import pytest

import functional_ad as fad

sl = pytest.importorskip("scipy.linalg")
import functional_ad.scipy.linalg as fsl  # noqa: E402

RNG = np.random.default_rng(0)
_B = RNG.standard_normal((4, 4))
SPD = _B @ _B.T + 4 * np.eye(4)
GENERAL = _B + 4 * np.eye(4)
RHS = RNG.standard_normal((4, 2))
DIRECTION = RNG.standard_normal((4, 4))  # (not symmetric: it moves one triangle apart)


def _agrees(ours, theirs, a, rtol=1e-9):
    """``ours`` equals SciPy's ``theirs`` at ``a``, and its tangent along ``DIRECTION`` the
    central difference of ``theirs``."""
    value, tangent = fad.jvp(ours, (a,), (DIRECTION,))
    np.testing.assert_allclose(value, theirs(a), rtol=rtol, atol=1e-12)
    h = 1e-6
    fd = (theirs(a + h * DIRECTION) - theirs(a - h * DIRECTION)) / (2 * h)
    np.testing.assert_allclose(tangent, fd, rtol=1e-5, atol=1e-6 * max(1.0, np.abs(fd).max()))


def _stored(a, lower):
    """``a`` with garbage in the triangle a solver told ``lower`` does not read."""
    return a + np.triu(np.full_like(a, 9.0), 1) if lower else a + np.tril(np.full_like(a, 9.0), -1)


@pytest.mark.parametrize("lower", [False, True])
@pytest.mark.parametrize("assume_a", ["sym", "symmetric", "her", "pos", "positive definite"])
def test_solve_reads_one_triangle_of_a_symmetric_matrix(assume_a, lower):
    # 'sym' and 'her' used the whole matrix, 'pos' the lower triangle whatever lower said:
    # wrong values for a matrix stored in one triangle, and wrong derivatives always
    def ours(a):
        return fsl.solve(a, RHS, lower=lower, assume_a=assume_a)

    def theirs(a):
        return sl.solve(a, RHS, lower=lower, assume_a=assume_a)

    _agrees(ours, theirs, _stored(SPD, lower))
    _agrees(ours, theirs, SPD)


@pytest.mark.parametrize(
    "assume_a", ["diagonal", "tridiagonal", "upper triangular", "lower triangular", "banded"]
)
@pytest.mark.parametrize("transposed", [False, True])
def test_solve_reads_the_part_its_structure_names(assume_a, transposed):
    # they were solved as general matrices: wrong values where the rest of a is not zero,
    # and derivatives flowing to entries SciPy does not read
    a = np.triu(np.tril(GENERAL, 1), -1) if assume_a == "banded" else GENERAL

    def ours(a):
        return fsl.solve(a, RHS, assume_a=assume_a, transposed=transposed)

    def theirs(a):
        return sl.solve(a, RHS, assume_a=assume_a, transposed=transposed)

    if assume_a == "banded":  # (SciPy finds the bands in a: a perturbed a is general)
        np.testing.assert_allclose(fad.jvp(ours, (a,), (a,))[0], theirs(a), rtol=1e-12)
    else:
        _agrees(ours, theirs, a)


def test_solve_refuses_a_structure_scipy_does_not_know():
    with pytest.raises(ValueError, match="not a recognized matrix structure"):
        sl.solve(SPD, RHS, assume_a="upper")
    with pytest.raises(ValueError, match="not a recognized matrix structure"):
        fad.jvp(lambda a: fsl.solve(a, RHS, assume_a="upper"), (SPD,), (SPD,))


@pytest.mark.parametrize("lower", [False, True])
def test_cho_solve_of_a_complex_hermitian_matrix(lower):
    # the second triangular solve used the transpose of the factor, not its conjugate
    # transpose: a wrong value for every complex Hermitian matrix
    b = RNG.standard_normal((4, 4)) + 1j * RNG.standard_normal((4, 4))
    hermitian = b @ b.conj().T + 4 * np.eye(4)
    rhs = RHS + 1j
    expected = sl.cho_solve(sl.cho_factor(hermitian, lower=lower), rhs)
    np.testing.assert_allclose(fsl.cho_solve(fsl.cho_factor(hermitian, lower=lower), rhs), expected)
    value = fad.jvp(lambda r: fsl.cho_solve(fsl.cho_factor(hermitian, lower=lower), r), (rhs,),
                    (rhs,))[0]  # fmt: skip
    np.testing.assert_allclose(value, expected)


@pytest.mark.parametrize(
    "subset",
    [{"subset_by_index": [1, 2]}, {"subset_by_index": (0, 0)}, {"subset_by_value": [5.0, 30.0]}],
    ids=["index", "first", "value"],
)
def test_eigh_subsets_are_the_subset(subset):
    # subset_by_index and subset_by_value were taken and ignored: every eigenvalue came back
    _agrees(lambda a: fsl.eigh(a, eigvals_only=True, **subset),
            lambda a: sl.eigh(a, eigvals_only=True, **subset), SPD)  # fmt: skip
    _agrees(lambda a: fsl.eigvalsh(a, **subset), lambda a: sl.eigvalsh(a, **subset), SPD)
    _agrees(lambda a: np.abs(fsl.eigh(a, **subset)[1]),
            lambda a: np.abs(sl.eigh(a, **subset)[1]), SPD)  # fmt: skip
    with pytest.raises(ValueError):
        fsl.eigh(SPD, subset_by_index=[2, 9])
    with pytest.raises(TypeError):  # (an option SciPy does not have)
        fsl.eigh(SPD, subset=[1, 2])


def test_lfilter_takes_a_scalar_numerator_or_denominator():
    # SciPy takes b or a as a scalar (an FIR filter is lfilter(b, 1.0, x)); it raised here
    signal = pytest.importorskip("scipy.signal")
    import functional_ad.scipy.signal as fss

    x = RNG.standard_normal(12)
    taps = np.array([1.0, -2.0, 0.5])
    for b, a in [(taps, 1.0), (2.0, np.array([1.0, -0.5]))]:
        value = fad.jvp(lambda x, b=b, a=a: fss.lfilter(b, a, x), (x,), (x,))[0]
        np.testing.assert_allclose(value, signal.lfilter(b, a, x), rtol=1e-12)
    slope = fad.grad(lambda a: np.sum(fss.lfilter(taps, a, x)))(np.float64(2.0))
    h = 1e-6
    fd = (np.sum(signal.lfilter(taps, 2.0 + h, x)) - np.sum(signal.lfilter(taps, 2.0 - h, x))) / (
        2 * h
    )
    np.testing.assert_allclose(slope, fd, rtol=1e-6)


def test_solve_ivp_starts_at_the_start_of_t_span():
    # the solution started at t_eval[0] whatever t_span said: a t_eval that begins after
    # t_span[0] gave y0 at t_eval[0], and every later value shifted, silently
    integrate = pytest.importorskip("scipy.integrate")
    import functional_ad.scipy.integrate as fsi

    times = np.array([0.5, 1.0, 2.0, 3.0])

    def decay(t, y, k):
        return -k * y

    def ours(p):
        return fsi.solve_ivp(decay, (0.0, 3.0), p[:2], t_eval=times, args=(p[2],),
                             rtol=1e-10, atol=1e-12).y  # fmt: skip

    def theirs(p):
        return integrate.solve_ivp(decay, (0.0, 3.0), p[:2], t_eval=times, args=(p[2],),
                                   rtol=1e-10, atol=1e-12).y  # fmt: skip

    p = np.array([1.0, 2.0, 0.7])
    value, tangent = fad.jvp(ours, (p,), (np.array([0.3, -0.2, 0.5]),))
    np.testing.assert_allclose(value, theirs(p), rtol=1e-8)
    h = 1e-6
    step = h * np.array([0.3, -0.2, 0.5])
    np.testing.assert_allclose(tangent, (theirs(p + step) - theirs(p - step)) / (2 * h), rtol=1e-5)
    backwards = fsi.solve_ivp(decay, (3.0, 0.0), p[:1], t_eval=times[::-1], args=(0.7,),
                              rtol=1e-10, atol=1e-12).y  # fmt: skip
    expected = integrate.solve_ivp(decay, (3.0, 0.0), p[:1], t_eval=times[::-1], args=(0.7,),
                                   rtol=1e-10, atol=1e-12).y  # fmt: skip
    np.testing.assert_allclose(backwards, expected, rtol=1e-8)
    for t_eval, message in [([1.5, 3.5], "not within"), ([2.0, 1.0], "not properly sorted")]:
        with pytest.raises(ValueError, match=message):
            fsi.solve_ivp(decay, (0.0, 3.0), p[:1], t_eval=np.array(t_eval), args=(0.7,))


def test_odeint_of_a_scalar_state_with_traced_parameters():
    # a scalar y0 (one state, as SciPy takes it) raised ValueError in the tangent pass
    integrate = pytest.importorskip("scipy.integrate")
    import functional_ad.scipy.integrate as fsi

    times = np.array([0.0, 1.0, 2.0])

    def ours(k):
        return fsi.odeint(lambda y, t, k: -k * y, 1.0, times, args=(k,), rtol=1e-10, atol=1e-12)

    def theirs(k):
        return integrate.odeint(lambda y, t, k: -k * y, 1.0, times, args=(k,), rtol=1e-10,
                                atol=1e-12)  # fmt: skip

    value, slope = fad.jvp(ours, (np.float64(0.7),), (np.float64(1.0),))
    np.testing.assert_allclose(value, theirs(0.7), rtol=1e-8)
    np.testing.assert_allclose(slope, (theirs(0.7 + 1e-6) - theirs(0.7 - 1e-6)) / 2e-6, rtol=1e-5)


@pytest.mark.parametrize("name", ["logm", "sqrtm"])
def test_matrix_functions_with_disp_false_return_the_error_estimate(name):
    # disp=False was ignored: the matrix came back alone where SciPy returns (matrix, errest),
    # so `f, err = logm(a, disp=False)` unpacked the rows of a 2 x 2 result, silently
    a = np.array([[2.0, 0.3], [0.1, 1.5]])
    with pytest.warns(DeprecationWarning):  # (SciPy deprecates disp)
        expected, expected_error = getattr(sl, name)(a, disp=False)
    value, error = getattr(fsl, name)(a, disp=False)
    np.testing.assert_allclose(value, expected, rtol=1e-12)
    np.testing.assert_allclose(error, expected_error, rtol=1e-6, atol=1e-30)
    traced = fad.jvp(lambda a: getattr(fsl, name)(a, disp=False)[0], (a,), (a,))[0]
    np.testing.assert_allclose(traced, expected, rtol=1e-12)


def test_minimize_and_root_call_the_callback():
    # callback= was taken and never called
    optimize = pytest.importorskip("scipy.optimize")
    import functional_ad.scipy.optimize as fso

    seen, expected = [], []
    fso.minimize(lambda x, c: np.sum((x - c) ** 4), np.zeros(2), args=(np.ones(2),),
                 callback=lambda xk: seen.append(np.copy(xk)))  # fmt: skip
    optimize.minimize(lambda x, c: np.sum((x - c) ** 4), np.zeros(2), args=(np.ones(2),),
                      callback=lambda xk: expected.append(np.copy(xk)))  # fmt: skip
    assert len(seen) == len(expected) > 1
    steps = []
    fso.root(lambda x, c: x**3 - c, np.ones(2), args=(np.array([2.0, 3.0]),), method="krylov",
             callback=lambda x, f: steps.append(np.copy(x)))  # fmt: skip
    assert steps
