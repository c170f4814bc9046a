"""The shared front end of the distributions: SciPy's argument parsing, ``loc``/``scale``,
supports and parameter checks around each distribution's standardized functions."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ...ops.registry import at_least_double
from .sampling import Sampling

INF = math.inf


class Continuous(Sampling):
    """A continuous distribution with SciPy's methods and signatures, e.g.
    ``logpdf(x, *shapes, loc=0, scale=1)``; differentiable in ``x``, the shapes, ``loc`` and
    ``scale`` (see each distribution for shapes without a derivative in cdf/ppf).

    A subclass gives the standardized ``_logpdf(z, *shapes)``, ``_cdf``, ``_sf``, ``_ppf``
    (and optionally ``_logcdf``, ``_logsf``, ``_isf``), its ``shapes`` names, its support
    ``(lower, upper)`` with a ``safe`` point inside it, and ``_argcheck``.
    """

    name = ""
    shapes: tuple[str, ...] = ()
    support: tuple[float, float] = (-INF, INF)
    open_support = False  # True when the density is not defined at the bounds (lognorm)
    safe = 0.0

    def __call__(self, *args: Any, **kwds: Any) -> Frozen:
        """Freeze the shapes, ``loc`` and ``scale``: ``norm(1.0, 2.0).logpdf(x)``.

        >>> from functional_ad.scipy.stats import norm
        >>> float(norm(1.0, 2.0).cdf(1.0))
        0.5
        """
        return Frozen(self, args, kwds)

    # --- argument handling
    def _parse(self, args: tuple, kwds: dict, names: tuple[str, ...]) -> list[Any]:
        defaults = {"loc": 0.0, "scale": 1.0}
        if len(args) > len(names):
            raise TypeError(f"{self.name}: too many arguments ({len(args)} > {len(names)})")
        values = dict(zip(names, args, strict=False))
        for key, value in kwds.items():
            if key not in names:
                raise TypeError(f"{self.name}: unexpected keyword argument {key!r}")
            if key in values:
                raise TypeError(f"{self.name}: got multiple values for argument {key!r}")
            values[key] = value
        missing = [n for n in names if n not in values and n not in defaults]
        if missing:
            raise TypeError(f"{self.name}: missing shape parameters {missing}")
        return [at_least_double(values.get(n, defaults.get(n))) for n in names]

    def _standardize(self, x: Any, args: tuple, kwds: dict) -> tuple[Any, list, Any, Any]:
        *shapes, loc, scale = self._parse(args, kwds, (*self.shapes, "loc", "scale"))
        return (at_least_double(x) - loc) / scale, shapes, loc, scale

    def _valid(self, shapes: list, scale: Any) -> Any:
        return self._argcheck(*shapes) & (scale > 0)

    def _argcheck(self, *shapes: Any) -> Any:
        return True

    def _inside(self, z: Any) -> Any:
        lower, upper = self.support
        if self.open_support:
            return (z > lower) & (z < upper)
        return (z >= lower) & (z <= upper)

    def _masked(self, z: Any, fn: Any, shapes: list, outside: Any) -> Any:
        """``fn(z, *shapes)`` inside the support, ``outside(z)`` elsewhere; evaluated at a safe
        point outside, so that no infinity reaches a derivative."""
        lower, upper = self.support
        if lower == -INF and upper == INF:
            return fn(z, *shapes)
        inside = self._inside(z)
        return np.where(inside, fn(np.where(inside, z, self.safe), *shapes), outside(z))

    def _at_ends(self, q: Any, x: Any, loc: Any, scale: Any, ends: tuple[int, int]) -> Any:
        """``x``, with the bounds of the support where ``q`` is ``ends[0]`` (the lower bound)
        or ``ends[1]`` (the upper), as SciPy gives them."""
        # an infinite bound stays a constant: inf * scale would give NaN cotangents
        lower, upper = (b if math.isinf(b) else loc + scale * b for b in self.support)
        x = np.where(q == ends[0], lower, x)
        return np.where(q == ends[1], upper, x)

    @staticmethod
    def _nan_unless(valid: Any, value: Any) -> Any:
        return value if valid is True else np.where(valid, value, np.nan)

    # --- standardized functions a subclass may leave to these defaults
    def _logcdf(self, z: Any, *shapes: Any) -> Any:
        return np.log(self._cdf(z, *shapes))

    def _logsf(self, z: Any, *shapes: Any) -> Any:
        return np.log(self._sf(z, *shapes))

    def _isf(self, q: Any, *shapes: Any) -> Any:
        return self._ppf(1 - q, *shapes)

    def _logpdf(self, z: Any, *shapes: Any) -> Any:
        raise NotImplementedError

    def _cdf(self, z: Any, *shapes: Any) -> Any:
        raise NotImplementedError

    def _sf(self, z: Any, *shapes: Any) -> Any:
        return 1 - self._cdf(z, *shapes)

    def _ppf(self, q: Any, *shapes: Any) -> Any:
        raise NotImplementedError

    # --- SciPy's methods
    def logpdf(self, x: Any, *args: Any, **kwds: Any) -> Any:
        """Return the log of the density at ``x``.

        >>> from functional_ad.scipy.stats import norm
        >>> round(float(norm.logpdf(0.0)), 6)
        -0.918939
        """
        z, shapes, loc, scale = self._standardize(x, args, kwds)
        out = self._masked(z, self._logpdf, shapes, lambda z: -INF) - np.log(scale)
        return self._nan_unless(self._valid(shapes, scale), out)

    def pdf(self, x: Any, *args: Any, **kwds: Any) -> Any:
        """Return the density at ``x``.

        >>> from functional_ad.scipy.stats import expon
        >>> float(expon.pdf(0.0))
        1.0
        """
        return np.exp(self.logpdf(x, *args, **kwds))

    def cdf(self, x: Any, *args: Any, **kwds: Any) -> Any:
        """Return ``P(X <= x)``.

        >>> from functional_ad.scipy.stats import norm
        >>> float(norm.cdf(0.0))
        0.5
        """
        z, shapes, loc, scale = self._standardize(x, args, kwds)
        out = self._masked(z, self._cdf, shapes, lambda z: np.where(z < self.support[0], 0.0, 1.0))
        return self._nan_unless(self._valid(shapes, scale), out)

    def logcdf(self, x: Any, *args: Any, **kwds: Any) -> Any:
        """Return ``log P(X <= x)``.

        >>> from functional_ad.scipy.stats import norm
        >>> round(float(norm.logcdf(0.0)), 6)
        -0.693147
        """
        z, shapes, loc, scale = self._standardize(x, args, kwds)
        out = self._masked(
            z, self._logcdf, shapes, lambda z: np.where(z < self.support[0], -INF, 0.0)
        )
        return self._nan_unless(self._valid(shapes, scale), out)

    def sf(self, x: Any, *args: Any, **kwds: Any) -> Any:
        """Return ``P(X > x)``.

        >>> from functional_ad.scipy.stats import expon
        >>> round(float(expon.sf(1.0)), 6)
        0.367879
        """
        z, shapes, loc, scale = self._standardize(x, args, kwds)
        out = self._masked(z, self._sf, shapes, lambda z: np.where(z < self.support[0], 1.0, 0.0))
        return self._nan_unless(self._valid(shapes, scale), out)

    def logsf(self, x: Any, *args: Any, **kwds: Any) -> Any:
        """Return ``log P(X > x)``.

        >>> from functional_ad.scipy.stats import expon
        >>> float(expon.logsf(2.0))
        -2.0
        """
        z, shapes, loc, scale = self._standardize(x, args, kwds)
        out = self._masked(
            z, self._logsf, shapes, lambda z: np.where(z < self.support[0], 0.0, -INF)
        )
        return self._nan_unless(self._valid(shapes, scale), out)

    def ppf(self, q: Any, *args: Any, **kwds: Any) -> Any:
        """Return the quantile ``x`` with ``P(X <= x) = q``.

        >>> from functional_ad.scipy.stats import norm
        >>> float(norm.ppf(0.5, loc=3.0))
        3.0
        """
        *shapes, loc, scale = self._parse(args, kwds, (*self.shapes, "loc", "scale"))
        q = at_least_double(q)
        out = self._at_ends(q, loc + scale * self._ppf(q, *shapes), loc, scale, (0, 1))
        return self._nan_unless(self._valid(shapes, scale) & (q >= 0) & (q <= 1), out)

    def isf(self, q: Any, *args: Any, **kwds: Any) -> Any:
        """Return the ``x`` with ``P(X > x) = q``.

        >>> from functional_ad.scipy.stats import expon
        >>> round(float(expon.isf(np.exp(-2.0))), 12)
        2.0
        """
        *shapes, loc, scale = self._parse(args, kwds, (*self.shapes, "loc", "scale"))
        q = at_least_double(q)
        out = self._at_ends(q, loc + scale * self._isf(q, *shapes), loc, scale, (1, 0))
        return self._nan_unless(self._valid(shapes, scale) & (q >= 0) & (q <= 1), out)


class Discrete(Sampling):
    """A discrete distribution on the integers with SciPy's methods, e.g.
    ``logpmf(k, *shapes, loc=0)``; differentiable in its real shapes (``mu``, ``p``...).

    A subclass gives ``_logpmf(k, *shapes)``, ``_cdf(k, *shapes)`` (for integer ``k`` in the
    support), ``_sf``, its ``shapes``, ``_upper(*shapes)`` (the largest value) and
    ``_argcheck``; its ppf is a primitive without derivative (an integer).
    """

    name = ""
    shapes: tuple[str, ...] = ()
    ppf_primitive: Any = None

    def __call__(self, *args: Any, **kwds: Any) -> Frozen:
        """Freeze the shapes and ``loc``: ``poisson(2.0).pmf(k)``.

        >>> from functional_ad.scipy.stats import poisson
        >>> round(float(poisson(2.0).pmf(0)), 6)
        0.135335
        """
        return Frozen(self, args, kwds)

    def _parse(self, args: tuple, kwds: dict) -> tuple[list, Any]:
        values = Continuous._parse(self, args, kwds, (*self.shapes, "loc"))  # type: ignore[arg-type]
        loc = values.pop()
        return values, 0.0 if loc is None else loc

    def _argcheck(self, *shapes: Any) -> Any:
        return True

    def _upper(self, *shapes: Any) -> Any:
        return INF

    def _logpmf(self, k: Any, *shapes: Any) -> Any:
        raise NotImplementedError

    def _cdf(self, k: Any, *shapes: Any) -> Any:
        raise NotImplementedError

    def _sf(self, k: Any, *shapes: Any) -> Any:
        raise NotImplementedError

    def _prepare(self, k: Any, args: tuple, kwds: dict) -> tuple[Any, list, Any, Any]:
        shapes, loc = self._parse(args, kwds)
        k = at_least_double(k) - loc
        inside = (k >= 0) & (k <= self._upper(*shapes))
        return k, shapes, inside, self._argcheck(*shapes)

    def logpmf(self, k: Any, *args: Any, **kwds: Any) -> Any:
        """Return the log of the probability of ``k``.

        >>> from functional_ad.scipy.stats import poisson
        >>> float(poisson.logpmf(0, 2.0))
        -2.0
        """
        k, shapes, inside, valid = self._prepare(k, args, kwds)
        inside = inside & (k == np.floor(k))
        out = np.where(inside, self._logpmf(np.where(inside, k, 0), *shapes), -INF)
        return Continuous._nan_unless(valid, out)

    def pmf(self, k: Any, *args: Any, **kwds: Any) -> Any:
        """Return the probability of ``k``.

        >>> from functional_ad.scipy.stats import binom
        >>> float(binom.pmf(1, 2, 0.5))
        0.5
        """
        return np.exp(self.logpmf(k, *args, **kwds))

    def cdf(self, k: Any, *args: Any, **kwds: Any) -> Any:
        """Return ``P(X <= k)``.

        >>> from functional_ad.scipy.stats import binom
        >>> float(binom.cdf(1, 2, 0.5))
        0.75
        """
        k, shapes, inside, valid = self._prepare(k, args, kwds)
        k = np.floor(k)
        out = np.where(inside, self._cdf(np.where(inside, k, 0), *shapes), np.where(k < 0, 0, 1))
        return Continuous._nan_unless(valid, out)

    def sf(self, k: Any, *args: Any, **kwds: Any) -> Any:
        """Return ``P(X > k)``.

        >>> from functional_ad.scipy.stats import binom
        >>> float(binom.sf(1, 2, 0.5))
        0.25
        """
        k, shapes, inside, valid = self._prepare(k, args, kwds)
        k = np.floor(k)
        out = np.where(inside, self._sf(np.where(inside, k, 0), *shapes), np.where(k < 0, 1, 0))
        return Continuous._nan_unless(valid, out)

    def logcdf(self, k: Any, *args: Any, **kwds: Any) -> Any:
        """Return ``log P(X <= k)``.

        >>> from functional_ad.scipy.stats import poisson
        >>> float(poisson.logcdf(0, 2.0))
        -2.0
        """
        return np.log(self.cdf(k, *args, **kwds))

    def logsf(self, k: Any, *args: Any, **kwds: Any) -> Any:
        """Return ``log P(X > k)``.

        >>> from functional_ad.scipy.stats import binom
        >>> round(float(binom.logsf(1, 2, 0.5)), 6)
        -1.386294
        """
        return np.log(self.sf(k, *args, **kwds))

    def ppf(self, q: Any, *args: Any, **kwds: Any) -> Any:
        """Return the smallest ``k`` with ``P(X <= k) >= q`` (no derivative: an integer).

        >>> from functional_ad.scipy.stats import poisson
        >>> float(poisson.ppf(0.5, 2.0))
        2.0
        """
        shapes, loc = self._parse(args, kwds)
        return self.ppf_primitive(q, *shapes) + loc


class Frozen:
    """A distribution with its parameters fixed, as ``scipy.stats.norm(loc, scale)``."""

    def __init__(self, dist: Any, args: tuple, kwds: dict) -> None:
        self.dist, self.args, self.kwds = dist, args, kwds

    def __getattr__(self, method: str) -> Any:
        bound = getattr(self.dist, method)
        if method == "rvs":  # no data argument: rvs(size=..., random_state=...)
            return lambda **options: bound(*self.args, **self.kwds, **options)
        return lambda x, *more: bound(x, *more, *self.args, **self.kwds)


__all__ = ["Continuous", "Discrete", "Frozen"]
