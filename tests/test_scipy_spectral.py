"""functional_ad.scipy.signal.stft, istft and welch agree with scipy.signal over their
options, differentiate in the signal to second order (central differences) and batch."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import functional_ad as fad
from functional_ad.testing import check_grads

ss = pytest.importorskip("scipy.signal")
from functional_ad.scipy import signal as fs  # noqa: E402

RNG = np.random.default_rng(14)
X = RNG.normal(size=40)

STFT_OPTIONS = [
    {"nperseg": 8},
    {"nperseg": 8, "noverlap": 3, "nfft": 10},
    {"nperseg": 7, "boundary": "even", "detrend": "linear"},
    {"nperseg": 8, "boundary": "odd", "padded": False, "return_onesided": False},
    {"nperseg": 8, "boundary": None, "detrend": "constant", "fs": 3.0, "scaling": "psd"},
    {"nperseg": 8, "boundary": "constant", "window": ("tukey", 0.3)},
    {"window": np.hamming(6), "nperseg": None, "noverlap": 2},
    {"nperseg": 6, "detrend": lambda d: d - d[..., :1]},
]
WELCH_OPTIONS = [
    {},
    {"nperseg": 8},
    {"nperseg": 8, "noverlap": 3, "nfft": 11},
    {"nperseg": 7, "detrend": "linear", "window": "hamming"},
    {"nperseg": 8, "return_onesided": False, "scaling": "spectrum"},
    {"nperseg": 8, "average": "median", "fs": 2.0},
    {"nperseg": 5, "average": "median", "detrend": False},
    {"nperseg": 40},
]


def _quiet(f, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # nperseg longer than the signal
        return f(*args, **kwargs)


@pytest.mark.parametrize("options", STFT_OPTIONS, ids=range(len(STFT_OPTIONS)))
def test_stft_matches_scipy(options):
    want, got = ss.stft(X, **options), fs.stft(X, **options)
    for w, g in zip(want, got, strict=True):
        assert np.shape(g) == np.shape(w)
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-12)
    assert got[2].dtype == want[2].dtype


@pytest.mark.parametrize("options", WELCH_OPTIONS, ids=range(len(WELCH_OPTIONS)))
def test_welch_matches_scipy(options):
    want, got = _quiet(ss.welch, X, **options), _quiet(fs.welch, X, **options)
    for w, g in zip(want, got, strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-14)
    assert got[1].dtype == want[1].dtype


def test_float32_keeps_its_precision():
    x = X.astype(np.float32)
    assert fs.welch(x, nperseg=8)[1].dtype == ss.welch(x, nperseg=8)[1].dtype == np.float32
    assert fs.stft(x, nperseg=8)[2].dtype == ss.stft(x, nperseg=8)[2].dtype == np.complex64


@pytest.mark.parametrize("axis", [0, 1, 2, -1])
def test_axis_matches_scipy(axis):
    x = RNG.normal(size=(12, 10, 14))
    for want, got in [
        (ss.stft(x, nperseg=6, axis=axis), fs.stft(x, nperseg=6, axis=axis)),
        (ss.welch(x, nperseg=6, axis=axis), fs.welch(x, nperseg=6, axis=axis)),
    ]:
        for w, g in zip(want, got, strict=True):
            assert np.shape(g) == np.shape(w)
            np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-14)


ISTFT_OPTIONS = [
    ({"nperseg": 8}, {}),
    ({"nperseg": 8, "noverlap": 3, "nfft": 10}, {}),
    ({"nperseg": 7}, {}),
    ({"nperseg": 8, "return_onesided": False}, {"input_onesided": False}),
    ({"nperseg": 8, "boundary": None}, {"boundary": False}),
    ({"nperseg": 8, "scaling": "psd", "fs": 2.0}, {}),
    ({"nperseg": 6, "noverlap": 4, "window": "hamming"}, {}),
]


@pytest.mark.parametrize("forward, options", ISTFT_OPTIONS, ids=range(len(ISTFT_OPTIONS)))
def test_istft_matches_scipy_and_inverts_stft(forward, options):
    options = {**{k: v for k, v in forward.items() if k != "return_onesided"}, **options}
    options.pop("boundary", None) if forward.get("boundary", 1) is not None else None
    if forward.get("boundary", "zeros") is None:
        options["boundary"] = False
    z = ss.stft(X, **forward)[2]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # NOLA fails without a boundary
        want, got = ss.istft(z, **options), fs.istft(z, **options)
    for w, g in zip(want, got, strict=True):
        assert np.shape(g) == np.shape(w)
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-12)
    if forward.get("boundary", "zeros") is not None:
        np.testing.assert_allclose(np.real(got[1][: X.size]), X, atol=1e-12)


def test_istft_axes_match_scipy():
    z = ss.stft(RNG.normal(size=(3, 30)), nperseg=6)[2]  # (3, freq, time)
    moved = np.moveaxis(z, 0, -1)  # (freq, time, 3)
    want = ss.istft(moved, nperseg=6, freq_axis=0, time_axis=1)
    got = fs.istft(moved, nperseg=6, freq_axis=0, time_axis=1)
    for w, g in zip(want, got, strict=True):
        assert np.shape(g) == np.shape(w)
        np.testing.assert_allclose(g, w, atol=1e-12)


@pytest.mark.parametrize(
    "f",
    [
        lambda x: fs.stft(x, nperseg=6)[2],
        lambda x: fs.stft(x, nperseg=5, boundary="odd", detrend="linear", return_onesided=False)[2],
        lambda x: fs.stft(x, nperseg=4, boundary="constant", padded=False, scaling="psd")[2],
        lambda x: np.abs(fs.stft(x, nperseg=6, detrend="constant")[2]) ** 2,
        lambda x: fs.welch(x, nperseg=6)[1],
        lambda x: fs.welch(x, nperseg=6, noverlap=4, nfft=9, detrend="linear")[1],
        lambda x: fs.welch(x, nperseg=6, average="median", return_onesided=False)[1],
        lambda x: fs.istft(fs.stft(x, nperseg=6)[2], nperseg=6)[1],
    ],
    ids=[
        "stft",
        "stft-odd",
        "stft-const",
        "stft-power",
        "welch",
        "welch-linear",
        "welch-median",
        "round-trip",
    ],
)
def test_derivatives_in_the_signal_to_second_order(f):
    check_grads(f, (RNG.normal(size=20),), order=2)


def test_istft_derivatives_in_the_spectrum():
    z = fs.stft(RNG.normal(size=20), nperseg=6)[2]
    check_grads(lambda z: fs.istft(z, nperseg=6)[1], (z,), order=2)
    z = fs.stft(RNG.normal(size=20), nperseg=6, return_onesided=False)[2]
    check_grads(lambda z: fs.istft(z, nperseg=6, input_onesided=False)[1], (z,), order=2)


def test_derivative_of_the_power_matches_scipy_by_differences():
    """The gradient of a band's power is the central difference of plain scipy.signal.welch."""
    x = RNG.normal(size=32)

    def band(x, welch):
        return np.sum(welch(x, nperseg=8)[1][1:3])

    grad = fad.grad(lambda x: band(x, fs.welch))(x)
    eps = 1e-6
    numerical = [
        (band(x + eps * e, ss.welch) - band(x - eps * e, ss.welch)) / (2 * eps) for e in np.eye(32)
    ]
    np.testing.assert_allclose(grad, numerical, atol=1e-7)


def test_vmap_matches_scipy_on_the_batch():
    x = RNG.normal(size=(3, 20))
    np.testing.assert_allclose(
        fad.vmap(lambda x: fs.welch(x, nperseg=6)[1])(x), ss.welch(x, nperseg=6)[1], atol=1e-14
    )
    np.testing.assert_allclose(
        fad.vmap(lambda x: fs.stft(x, nperseg=6)[2])(x), ss.stft(x, nperseg=6)[2], atol=1e-14
    )
    z = ss.stft(x, nperseg=6)[2]
    np.testing.assert_allclose(
        fad.vmap(lambda z: fs.istft(z, nperseg=6)[1])(z), ss.istft(z, nperseg=6)[1], atol=1e-12
    )
    per_example = fad.vmap(fad.grad(lambda x: np.sum(fs.welch(x, nperseg=6)[1])))(x)
    for row, g in zip(x, per_example, strict=True):
        np.testing.assert_allclose(g, fad.grad(lambda x: np.sum(fs.welch(x, nperseg=6)[1]))(row))


def test_bad_options_raise_scipys_errors():
    with pytest.raises(ValueError, match="scaling"):
        fs.stft(X, scaling="density")
    with pytest.raises(ValueError, match="boundary"):
        fs.stft(X, boundary="wrap")
    with pytest.raises(ValueError, match="noverlap"):
        fs.welch(X, nperseg=8, noverlap=8)
    with pytest.raises(ValueError, match="nfft"):
        fs.stft(X, nperseg=8, nfft=4)
    with pytest.raises(ValueError, match="average"):
        fs.welch(X, nperseg=8, average="mode")
    with pytest.raises(ValueError, match="at least 2d"):
        fs.istft(np.ones(4))
    with pytest.warns(UserWarning, match="NOLA"):
        fs.istft(ss.stft(X, nperseg=8, noverlap=0)[2], nperseg=8, noverlap=0, boundary=False)


def test_derivatives_in_an_array_window():
    x, window = RNG.normal(size=20), np.hamming(6)
    check_grads(lambda w: fs.stft(x, window=w, nperseg=None)[2], (window,), order=2)
    check_grads(lambda w: fs.welch(x, window=w)[1], (window,), order=2)
    np.testing.assert_allclose(fs.welch(x, window=window)[1], ss.welch(x, window=window)[1])
