"""SciPy's options mean what they mean in SciPy: in ``functional_ad.scipy.linalg`` a
structure ``assume_a`` or ``lower`` reads part of the matrix and a subset of eigenvalues is
that subset; ``functional_ad.scipy.signal.lfilter`` takes scalar coefficients. Values against
SciPy, tangents (along directions that are not symmetric) against central differences of
SciPy."""

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
