"""Counting into bins: ``np.bincount``, ``np.histogram``, ``np.histogram_bin_edges``,
``np.histogram2d`` and ``np.histogramdd``.

Counts are constants, but weights pass into the bins linearly (``index_add``), and bin edges
computed from the data's range move with its minimum and maximum.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core import Tracer, concrete
from ..ops.indexing import index_add, normalize_index
from .registry import implements


def _weighted_bins(bins_of: np.ndarray, weights: Any, length: int, dtype: Any = None) -> Any:
    """``out[k] = sum(weights[bins_of == k])`` for ``k < length``, linear in ``weights``;
    in ``dtype``, or at least float64 (``np.bincount``'s)."""
    if dtype is None:
        dtype = np.result_type(weights.dtype if hasattr(weights, "dtype") else weights, np.float64)
    zeros = np.zeros(length, dtype=dtype)
    return index_add(zeros, np.ravel(weights), index=normalize_index((bins_of,)))


@implements(np.bincount)
def bincount(x: Any, weights: Any = None, minlength: int = 0) -> Any:
    """``np.bincount``: counts are constants; with ``weights``, linear in the weights."""
    indices = np.asarray(concrete(x))
    if weights is None:
        return np.bincount(indices, minlength=minlength)
    length = max(int(indices.max()) + 1 if indices.size else 0, int(minlength))
    return _weighted_bins(np.ravel(indices), weights, length)


def _edges(a: Any, bins: Any, range: Any, weights: Any) -> tuple[Any, np.ndarray]:
    """The bin edges NumPy uses (traced when they come from the range of traced data) and
    the plain edges to count with."""
    plain = np.histogram_bin_edges(
        np.asarray(concrete(a)),
        bins=concrete(bins) if isinstance(bins, Tracer) else bins,
        range=range,
        # (weights only shape the edges of estimator rules, bins="auto"...)
        weights=None if weights is None or not isinstance(bins, str) else concrete(weights),
    )
    if not (isinstance(a, Tracer) and range is None and np.ndim(bins) == 0):
        return plain, plain
    if isinstance(bins, str) or 0 in np.shape(a):
        return plain, plain  # estimator rules: edges from the data's spread (not followed)
    # equal bins over [min, max], computed as np.linspace computes them
    data: Any = a
    first, last = np.min(data), np.max(data)
    if np.asarray(concrete(first)) == np.asarray(concrete(last)):
        return plain, plain  # NumPy widens an empty range by +-0.5: constant offsets
    n = len(plain) - 1
    step = (last - first) / n
    edges = np.arange(n + 1) * step + first
    edges = np.concatenate([edges[:-1], np.reshape(last, (1,))])
    return edges, plain


@implements(np.histogram_bin_edges)
def histogram_bin_edges(a: Any, bins: Any = 10, range: Any = None, weights: Any = None) -> Any:
    """``np.histogram_bin_edges``: equal bins over the data's range move with its extremes."""
    return _edges(a, bins, range, weights)[0]


@implements(np.histogram)
def histogram(
    a: Any, bins: Any = 10, range: Any = None, density: Any = None, weights: Any = None
) -> tuple[Any, Any]:
    """``np.histogram``: counts are constants, weighted counts linear in the weights, and
    the edges follow ``histogram_bin_edges``."""
    edges, plain_edges = _edges(a, bins, range, weights)
    values = np.ravel(np.asarray(concrete(a)))
    counts, _ = np.histogram(values, bins=plain_edges)
    if weights is None and not density:
        return counts, edges
    # the bin of each value, as NumPy assigns it (the last bin is closed)
    inside = (values >= plain_edges[0]) & (values <= plain_edges[-1])
    which = np.clip(np.searchsorted(plain_edges, values, side="right") - 1, 0, len(counts) - 1)
    if weights is None:
        hist: Any = counts.astype(np.float64)
    else:
        w = np.ravel(weights)  # (summed in the weights' dtype, as NumPy does)
        hist = _weighted_bins(which[inside], w[np.flatnonzero(inside)], len(counts), w.dtype)
    if density:
        widths = np.diff(edges)
        hist = hist / widths / np.sum(hist)
    return hist, edges


# NumPy's own histogramdd (NEP 18 keeps the undecorated function as ``_implementation``):
# every step of it (min and max, linspace, searchsorted, bincount, diff, division) is a
# function of traced values here, so running it on them gives NumPy's values exactly
_histogramdd: Any = getattr(np.histogramdd, "_implementation", None)

if _histogramdd is not None:

    @implements(np.histogramdd)
    def histogramdd(
        sample: Any, bins: Any = 10, range: Any = None, density: Any = None, weights: Any = None
    ) -> tuple[Any, list]:
        """``np.histogramdd``: NumPy's steps on traced values. Counts are constants; weights
        enter linearly, and edges from the data's range move with its extremes (so do the
        densities)."""
        if isinstance(sample, (list, tuple)):  # D arrays: one traced array (NumPy's form)
            sample = np.transpose(np.atleast_2d(np.asarray(sample)))
        return _histogramdd(sample, bins, range, density, weights)

    @implements(np.histogram2d)
    def histogram2d(
        x: Any, y: Any, bins: Any = 10, range: Any = None, density: Any = None, weights: Any = None
    ) -> tuple[Any, Any, Any]:
        """``np.histogram2d``: ``np.histogramdd`` of the points ``(x, y)``, as NumPy writes
        it (one number or one array of edges stands for both axes)."""
        try:
            n = len(bins)
        except TypeError:
            n = 1
        if n != 1 and n != 2:
            bins = [np.asarray(bins), np.asarray(bins)]
        hist, edges = histogramdd([x, y], bins, range, density, weights)
        return hist, edges[0], edges[1]
