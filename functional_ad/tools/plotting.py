"""Matplotlib pictures for notebooks: heat maps of Jacobians and Hessians, profile bar charts.

matplotlib is optional (``pip install "functional_ad[plot]"``); without it these functions
raise ``ImportError`` saying so.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

PLOT_HINT = 'pip install "functional_ad[plot]" (or pip install matplotlib)'


def _pyplot(what: str) -> Any:
    try:
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise ImportError(f"{what} needs matplotlib: {PLOT_HINT}") from error
    return plt


def plot_matrix(
    matrix: Any,
    ax: Any = None,
    title: str | None = None,
    row_axes: int | None = None,
    cmap: str = "RdBu_r",
) -> Any:
    """Draw a Jacobian or Hessian as a heat map, zero in white; return the matplotlib Axes.

    An array of more than two dimensions is shown as a matrix: its first ``row_axes`` axes
    (default: half of them, as in ``x.shape + x.shape`` for a Hessian) index the rows and
    the others the columns. The colour scale is symmetric about zero, so sign and sparsity
    read at a glance.

    Args:
        matrix: a real array (or a 0-d / 1-d one, shown as one row).
        ax: the Axes to draw on (default: a new figure).
        title: the title of the plot.
        row_axes: how many leading axes index the rows.
        cmap: a diverging matplotlib colour map.

    Returns:
        The Axes drawn on.

    Raises:
        ImportError: matplotlib is not installed.
        TypeError: the matrix is complex (plot ``np.abs(J)`` or ``J.real``).

    >>> import numpy as np, functional_ad as fad
    >>> H = fad.hessian(lambda x: np.sum(x ** 3))(np.array([1.0, -2.0, 3.0]))
    >>> ax = fad.plot_matrix(H, title="Hessian of sum(x^3)")
    >>> ax.get_images()[0].get_clim()
    (-18.0, 18.0)
    """
    values = np.asarray(matrix)
    if np.iscomplexobj(values):
        raise TypeError(
            "plot_matrix draws real matrices; pass np.abs(matrix), matrix.real or matrix.imag"
        )
    if not np.issubdtype(values.dtype, np.number) and values.dtype != bool:
        raise TypeError(f"plot_matrix needs a numeric array, got dtype {values.dtype}")
    if values.ndim > 2 or row_axes is not None:
        split = values.ndim // 2 if row_axes is None else row_axes
        if not 0 <= split <= values.ndim:
            raise ValueError(f"plot_matrix: row_axes={row_axes} for an array of {values.ndim} axes")
        rows = math.prod(values.shape[:split])
        values = values.reshape(rows, -1)
    values = np.atleast_2d(values).astype(float)
    plt = _pyplot("plot_matrix")
    if ax is None:
        _, ax = plt.subplots(figsize=(4.5, 3.8), layout="constrained")
    bound = float(np.nanmax(np.abs(values))) if values.size else 0.0
    bound = bound or 1.0
    image = ax.imshow(values, cmap=cmap, vmin=-bound, vmax=bound, interpolation="nearest")
    ax.figure.colorbar(image, ax=ax, shrink=0.85)
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("input element")
    ax.set_ylabel("output element")
    if title:
        ax.set_title(title)
    return ax


def plot_profile(prof: Any, ax: Any = None, top: int | None = 15) -> Any:
    """Bar chart of a ``profile``: self time per primitive, split by phase (forward, rules).

    Args:
        prof: a finished ``functional_ad.profile``.
        ax: the Axes to draw on (default: a new figure).
        top: the number of primitives shown, those with the most time (``None``: all).

    Returns:
        The Axes drawn on.
    """
    totals: dict[str, dict[str, int]] = {}
    for stats in prof.summary():
        totals.setdefault(stats.op, {}).setdefault(stats.phase, 0)
        totals[stats.op][stats.phase] += stats.total_ns
    ops = sorted(totals, key=lambda op: -sum(totals[op].values()))
    ops = ops if top is None else ops[:top]
    phases = [p for p in ("forward", "jvp rule", "vjp rule") if any(p in totals[o] for o in ops)]
    phases += sorted({p for o in ops for p in totals[o]} - set(phases))
    plt = _pyplot("profile.plot")
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 0.35 * max(len(ops), 3) + 1.4), layout="constrained")
    left = np.zeros(len(ops))
    positions = np.arange(len(ops))
    for phase in phases:
        widths = np.array([totals[o].get(phase, 0) / 1e3 for o in ops])
        ax.barh(positions, widths, left=left, label=phase)
        left += widths
    ax.set_yticks(positions, ops)
    ax.invert_yaxis()
    ax.set_xlabel("self time (µs)")
    ax.set_title("time per primitive: forward and derivative rules")
    if phases:
        ax.legend(loc="lower right", fontsize=8)
    return ax


__all__ = ["plot_matrix", "plot_profile"]
