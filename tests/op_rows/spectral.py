"""Op-table rows for the spectral functions of functional_ad.scipy.signal: stft, istft, welch."""

import numpy as np

from tests.op_table import OpCase

try:
    import functional_ad.scipy.signal as sig
except ImportError:  # pragma: no cover - SciPy is optional
    sig = None


def _spectrum(rng, shapes, dtype):
    """An STFT of a random signal (nperseg 6), the input istft expects."""
    (shape,) = shapes
    x = rng.normal(size=shape[:-2] + (6 * (shape[-1] - 1) // 2,))
    return (sig.stft(x, nperseg=6)[2].astype(np.result_type(dtype, np.complex64)),)


def _rows():
    if sig is None:
        return []
    return [
        OpCase(
            "signal.stft",
            lambda x: sig.stft(x, nperseg=6)[2],
            shapes=[(14,), (2, 13)],
            dtypes=("float64",),
        ),
        OpCase(
            "signal.stft[odd,linear,twosided]",
            lambda x: sig.stft(
                x,
                nperseg=5,
                noverlap=3,
                nfft=7,
                boundary="odd",
                detrend="linear",
                return_onesided=False,
                scaling="psd",
            )[2],
            shapes=[(11,)],
            dtypes=("float64",),
        ),
        OpCase(
            "signal.stft[axis=0,even,unpadded]",
            lambda x: sig.stft(x, nperseg=4, boundary="even", padded=False, axis=0)[2],
            shapes=[(9, 2)],
            dtypes=("float64",),
        ),
        OpCase(
            "signal.istft",
            lambda z: sig.istft(z, nperseg=6)[1],
            shapes=[(4, 5), (2, 4, 6)],
            sample=_spectrum,
            dtypes=("float64",),
        ),
        OpCase(
            "signal.istft[twosided,psd]",
            lambda z: sig.istft(z, nperseg=4, noverlap=1, input_onesided=False, scaling="psd")[1],
            shapes=[(4, 5)],
            complex=True,
            dtypes=("float64",),
        ),
        OpCase(
            "signal.welch",
            lambda x: sig.welch(x, nperseg=6)[1],
            shapes=[(14,), (2, 13)],
            dtypes=("float64",),
        ),
        OpCase(
            "signal.welch[median,linear,spectrum]",
            lambda x: sig.welch(
                x,
                fs=2.0,
                window="hamming",
                nperseg=5,
                noverlap=2,
                nfft=8,
                detrend="linear",
                scaling="spectrum",
                average="median",
            )[1],
            shapes=[(16,)],
            dtypes=("float64",),
        ),
        OpCase(
            "signal.welch[axis=0,twosided]",
            lambda x: sig.welch(x, nperseg=4, axis=0, return_onesided=False, detrend=False)[1],
            shapes=[(10, 2)],
            dtypes=("float64",),
        ),
    ]


ROWS = _rows()
