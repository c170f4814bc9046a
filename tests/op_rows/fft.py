"""Op-table rows for numpy.fft: each transform with its defaults, and with n/s, axis/axes, norm.

Transforms of complex input (fft, ifft, the n-d forms, irfft and hfft, which read a half
spectrum) are complex rows; rfft and ihfft take real signals.
"""

import numpy as np

from tests.op_table import OpCase

F = np.fft
SIGNALS = [(5,), (2, 4)]
IMAGES = [(3, 4), (2, 3, 4)]

ROWS = [
    OpCase("fft.fft", F.fft, shapes=SIGNALS, complex=True),
    OpCase("fft.fft[n,ortho]", lambda x: F.fft(x, n=7, norm="ortho"), shapes=SIGNALS, complex=True),
    OpCase("fft.ifft", F.ifft, shapes=SIGNALS, complex=True),
    OpCase(
        "fft.ifft[n,axis,forward]",
        lambda x: F.ifft(x, n=2, axis=0, norm="forward"),
        shapes=[(3, 2)],
        complex=True,
    ),
    OpCase("fft.rfft", F.rfft, shapes=SIGNALS),
    OpCase(
        "fft.rfft[n,axis,forward]",
        lambda x: F.rfft(x, n=6, axis=0, norm="forward"),
        shapes=[(4, 2), (5,)],
    ),
    OpCase("fft.irfft", F.irfft, shapes=SIGNALS, complex=True),
    OpCase(
        "fft.irfft[n-odd,ortho]",
        lambda x: F.irfft(x, n=5, norm="ortho"),
        shapes=[(3,), (2, 4)],
        complex=True,
    ),
    OpCase(
        "fft.irfft[n-pad,axis]", lambda x: F.irfft(x, n=8, axis=0), shapes=[(3, 2)], complex=True
    ),
    OpCase("fft.hfft", F.hfft, shapes=SIGNALS, complex=True),
    OpCase("fft.ihfft", lambda x: F.ihfft(x, norm="ortho"), shapes=SIGNALS),
    OpCase("fft.fft2", F.fft2, shapes=IMAGES, complex=True),
    OpCase("fft.ifft2", lambda x: F.ifft2(x, s=(2, 5), norm="ortho"), shapes=IMAGES, complex=True),
    OpCase("fft.fftn", F.fftn, shapes=[(3,), (2, 3, 2)], complex=True),
    OpCase("fft.fftn[axes]", lambda x: F.fftn(x, s=(4,), axes=(0,)), shapes=[(3, 2)], complex=True),
    OpCase(
        "fft.ifftn",
        lambda x: F.ifftn(x, axes=(0, 2), norm="forward"),
        shapes=[(2, 3, 2)],
        complex=True,
    ),
    OpCase("fft.rfft2", F.rfft2, shapes=IMAGES),
    OpCase("fft.irfft2", F.irfft2, shapes=IMAGES, complex=True),
    OpCase(
        "fft.rfftn",
        lambda x: F.rfftn(x, s=(4, 3), axes=(1, 0), norm="ortho"),
        shapes=[(3, 4), (2, 3, 2)],
    ),
    OpCase(
        "fft.irfftn", lambda x: F.irfftn(x, s=(2, 5), axes=(0, 1)), shapes=[(3, 3)], complex=True
    ),
    OpCase("fft.irfftn[default]", F.irfftn, shapes=[(2, 3), (2, 2, 3)], complex=True),
    OpCase("fft.fftshift", F.fftshift, shapes=[(5,), (2, 3)], complex=True),
    OpCase("fft.ifftshift", lambda x: F.ifftshift(x, axes=-1), shapes=[(5,), (2, 3)], complex=True),
]
