"""Multivariate distributions of scipy.stats: ``multivariate_normal`` and ``dirichlet``,
differentiable in the data and in every parameter (mean, covariance, concentrations)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ...core import Tracer, concrete
from ...transforms.custom import custom_jvp
from .._require import scipy_module
from .sampling import Sampling

sc = scipy_module("special")
LOG_2PI = math.log(2.0 * math.pi)


class multivariate_normal_gen(Sampling):
    """The multivariate normal: ``logpdf(x, mean=None, cov=1)`` over the last axis of ``x``.

    ``cov`` is a matrix, a vector (its diagonal) or a scalar (times the identity), as in
    SciPy; the log-density uses its Cholesky factor. With ``allow_singular=True`` and a
    rank-deficient ``cov`` it is SciPy's density on the support (pseudo-inverse and
    pseudo-determinant), differentiable in ``x`` and ``mean`` (not in such a ``cov``).

    >>> import numpy as np
    >>> round(float(multivariate_normal.logpdf(np.zeros(2), np.zeros(2), np.eye(2))), 6)
    -1.837877
    """

    name = "multivariate_normal"

    def logpdf(self, x: Any, mean: Any = None, cov: Any = 1, allow_singular: bool = False) -> Any:
        """Return the log-density at each point of ``x`` (shape ``(..., d)``).

        >>> import numpy as np
        >>> round(float(multivariate_normal.logpdf(np.ones(1), np.ones(1), 1.0)), 6)
        -0.918939
        """
        dim = _dimension(mean, cov, x)
        if mean is None:
            mean = np.zeros(dim)
        if np.ndim(x) == 0 or (dim == 1 and np.shape(x)[-1:] != (1,)):
            x = np.expand_dims(x, -1)  # SciPy reads a vector as points of dimension one
        diff = x - mean
        if allow_singular and np.ndim(cov) == 2 and _rank(cov) < dim:
            return _singular_logpdf(diff, cov)
        if np.ndim(cov) < 2:  # a scalar or the diagonal
            variances = cov * np.ones(dim)
            maha = np.sum(diff * diff / variances, axis=-1)
            log_det = np.sum(np.log(variances))
        else:
            chol = np.linalg.cholesky(cov)
            flat = np.reshape(diff, (-1, dim))
            z = np.linalg.solve(chol, np.transpose(flat))  # (dim, n)
            maha = np.reshape(np.sum(z * z, axis=0), np.shape(diff)[:-1])
            log_det = 2 * np.sum(np.log(np.diagonal(chol)))
        return -0.5 * (dim * LOG_2PI + log_det + maha)

    def pdf(self, x: Any, mean: Any = None, cov: Any = 1, allow_singular: bool = False) -> Any:
        """Return the density at each point of ``x``.

        >>> import numpy as np
        >>> round(float(multivariate_normal.pdf(np.zeros(2), cov=np.eye(2))), 6)  # 1/(2π)
        0.159155
        """
        return np.exp(self.logpdf(x, mean, cov, allow_singular))

    def cdf(
        self,
        x: Any,
        mean: Any = None,
        cov: Any = 1,
        allow_singular: bool = False,
        maxpts: Any = None,
        abseps: float = 1e-5,
        releps: float = 1e-5,
        *,
        lower_limit: Any = None,
        rng: Any = None,
    ) -> Any:
        """Return ``P(X <= x)`` for points of dimension one or two (shape ``(..., d)``).

        Exact to rounding, in closed form (the normal cdf, and for two dimensions Owen's
        formula with ``owens_t``), so SciPy's accuracy options (``maxpts``, ``abseps``,
        ``releps``, ``rng``) have nothing to control. Differentiable to any order in ``x``,
        ``mean`` and ``cov``. Three or more dimensions raise ``NotImplementedError``.

        >>> import numpy as np
        >>> float(multivariate_normal.cdf(np.zeros(2), np.zeros(2), np.eye(2)))  # 1/2 · 1/2
        0.25
        """
        if lower_limit is not None:
            raise NotImplementedError(
                "functional_ad.scipy.stats.multivariate_normal.cdf: lower_limit is not "
                "supported; compute the box probability from cdf values at its corners"
            )
        x, mean, cov, dim = _points(x, mean, cov)
        if dim == 1:
            return sc.ndtr((x[..., 0] - mean[..., 0]) / np.sqrt(_variances(cov, dim)[..., 0]))
        if dim == 2:
            variances = _variances(cov, dim)
            scale = np.sqrt(variances)
            h = (x[..., 0] - mean[..., 0]) / scale[..., 0]
            k = (x[..., 1] - mean[..., 1]) / scale[..., 1]
            if np.ndim(cov) < 2:
                rho = np.zeros_like(h)
            else:
                rho = (cov[..., 0, 1] + cov[..., 1, 0]) / (2 * scale[..., 0] * scale[..., 1])
            return _bivariate_normal_cdf(h, k, rho)
        raise NotImplementedError(
            f"functional_ad.scipy.stats.multivariate_normal.cdf: points of dimension {dim}; "
            "only dimensions one and two have a closed form here. For more, differentiate "
            "a Monte Carlo estimate (the mean of ndtr-smoothed indicators), or call "
            "scipy.stats.multivariate_normal.cdf on plain values (no derivative)"
        )

    def logcdf(self, x: Any, mean: Any = None, cov: Any = 1, **options: Any) -> Any:
        """Return ``log P(X <= x)`` (``log_ndtr`` in one dimension); see ``cdf``.

        >>> import numpy as np
        >>> round(float(multivariate_normal.logcdf(np.zeros(2), cov=np.eye(2))), 6)  # log 1/4
        -1.386294
        """
        x, mean, cov, dim = _points(x, mean, cov)
        if dim == 1:
            z = (x[..., 0] - mean[..., 0]) / np.sqrt(_variances(cov, dim)[..., 0])
            return sc.log_ndtr(z)
        return np.log(self.cdf(x, mean, cov, **options))

    def entropy(self, mean: Any = None, cov: Any = 1) -> Any:
        """Return the differential entropy ``(d log(2πe) + log det cov) / 2``.

        >>> import numpy as np
        >>> round(float(multivariate_normal.entropy(cov=np.eye(2))), 6)  # log(2πe)
        2.837877
        """
        dim = _dimension(mean, cov, None)
        if np.ndim(cov) < 2:
            log_det = np.sum(np.log(cov * np.ones(dim)))
        else:
            log_det = 2 * np.sum(np.log(np.diagonal(np.linalg.cholesky(cov))))
        return 0.5 * (dim * (LOG_2PI + 1) + log_det)


def _points(x: Any, mean: Any, cov: Any) -> tuple[Any, Any, Any, int]:
    """``x`` as points of shape ``(..., d)`` (SciPy's reading), the mean, cov and ``d``."""
    dim = _dimension(mean, cov, x)
    if mean is None:
        mean = np.zeros(dim)
    if np.ndim(x) == 0 or (dim == 1 and np.shape(x)[-1:] != (1,)):
        x = np.expand_dims(x, -1)
    return x, np.reshape(mean, np.shape(mean) if np.ndim(mean) else (1,)), cov, dim


def _variances(cov: Any, dim: int) -> Any:
    """The diagonal of ``cov`` given as a matrix, a vector or a scalar."""
    if np.ndim(cov) < 2:
        return cov * np.ones(dim)
    return np.diagonal(cov, axis1=-2, axis2=-1)


@custom_jvp
def _bivariate_normal_cdf(h: Any, k: Any, rho: Any) -> Any:
    """``P(U <= h, V <= k)`` for standard normals of correlation ``rho``, by Owen's formula
    ``(Φ(h) + Φ(k))/2 - T(h, a_h) - T(k, a_k) - β`` (exact limits where h or k is 0)."""
    s = np.sqrt((1 - rho) * (1 + rho))
    h_zero, k_zero = h == 0, k == 0
    h_safe, k_safe = np.where(h_zero, 1.0, h), np.where(k_zero, 1.0, k)
    # T(h, a_h) with a_h = (k/h - rho)/s; as h -> 0 from the side the β below assumes,
    # a_h -> sign(k) ∞ and T -> sign(k)/4
    t_h = np.where(h_zero, np.sign(k) / 4, sc.owens_t(h, (k / h_safe - rho) / s))
    t_k = np.where(k_zero, np.sign(h) / 4, sc.owens_t(k, (h / k_safe - rho) / s))
    beta = np.where((h * k > 0) | ((h * k == 0) & (h + k >= 0)), 0.0, 0.5)
    value = (sc.ndtr(h) + sc.ndtr(k)) / 2 - t_h - t_k - beta
    origin = 0.25 + np.arcsin(rho) / (2 * math.pi)  # h = k = 0
    return np.where(h_zero & k_zero, origin, value)


@_bivariate_normal_cdf.defjvp
def _bivariate_normal_cdf_jvp(primals: tuple, tangents: tuple) -> tuple[Any, Any]:
    """∂h = φ(h) Φ((k - ρh)/s), ∂k = φ(k) Φ((h - ρk)/s), ∂ρ = the bivariate density."""
    (h, k, rho), (h_dot, k_dot, rho_dot) = primals, tangents
    s2 = (1 - rho) * (1 + rho)
    s = np.sqrt(s2)
    density_h = np.exp(-h * h / 2) / math.sqrt(2 * math.pi)
    density_k = np.exp(-k * k / 2) / math.sqrt(2 * math.pi)
    joint = np.exp(-(h * h - 2 * rho * h * k + k * k) / (2 * s2)) / (2 * math.pi * s)
    out = _bivariate_normal_cdf(h, k, rho)
    tangent = (
        density_h * sc.ndtr((k - rho * h) / s) * h_dot
        + density_k * sc.ndtr((h - rho * k) / s) * k_dot
        + joint * rho_dot
    )
    return out, tangent


def _spectrum(cov: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Eigenvalues and vectors of a plain covariance and which eigenvalues SciPy keeps (those
    above ``1e6 ε max|λ|``)."""
    values, vectors = np.linalg.eigh(np.asarray(cov))
    return values, vectors, values > 1e6 * np.finfo(float).eps * np.max(np.abs(values))


def _rank(cov: Any) -> int:
    return int(np.sum(_spectrum(concrete(cov))[2]))


def _singular_logpdf(diff: Any, cov: Any) -> Any:
    """The density on the support of a singular covariance, as SciPy: the pseudo-inverse
    and pseudo-determinant of its kept eigenvalues, ``-inf`` off the support."""
    if isinstance(cov, Tracer):
        raise NotImplementedError(
            "functional_ad.scipy.stats.multivariate_normal: no derivative in a singular "
            "covariance (allow_singular=True with a rank-deficient cov); pass it as a plain "
            "array or functional_ad.stop_gradient(cov)"
        )
    values, vectors, kept = _spectrum(cov)
    whiten = vectors[:, kept] / np.sqrt(values[kept])
    maha = np.sum((diff @ whiten) ** 2, axis=-1)
    rank = int(np.sum(kept))
    log_pdet = float(np.sum(np.log(values[kept])))
    residual = diff - (diff @ vectors[:, kept]) @ vectors[:, kept].T
    # SciPy's test of the support: the part of x - mean outside the range of cov is ~0
    scale = 1e6 * np.finfo(float).eps * np.max(np.abs(values))
    inside = np.sum(np.abs(residual), axis=-1) <= scale * np.shape(diff)[-1] + 1e-12
    value = -0.5 * (rank * LOG_2PI + log_pdet + maha)
    return np.where(inside, value, -np.inf)


def _dimension(mean: Any, cov: Any, x: Any) -> int:
    if mean is not None and np.ndim(mean) > 0:
        return int(np.shape(mean)[-1])
    if np.ndim(cov) > 0:
        return int(np.shape(cov)[-1])
    return 1  # scalar parameters: points of dimension one, as in SciPy


class dirichlet_gen(Sampling):
    """The Dirichlet distribution: ``logpdf(x, alpha)``, ``x`` with the ``K`` components on
    its first axis (as SciPy).

    >>> import numpy as np
    >>> float(dirichlet.pdf(np.array([0.5, 0.5]), np.ones(2)))  # uniform on the simplex
    1.0
    """

    name = "dirichlet"

    def logpdf(self, x: Any, alpha: Any) -> Any:
        """Return ``Σ (α_i - 1) log x_i - log B(α)``.

        >>> import numpy as np
        >>> round(float(dirichlet.logpdf(np.array([0.2, 0.8]), np.array([2.0, 1.0]))), 6)
        -0.916291
        """
        alpha_col = np.reshape(alpha, np.shape(alpha) + (1,) * (np.ndim(x) - 1))
        log_b = np.sum(sc.gammaln(alpha)) - sc.gammaln(np.sum(alpha))
        return np.sum(sc.xlogy(alpha_col - 1, x), axis=0) - log_b

    def pdf(self, x: Any, alpha: Any) -> Any:
        """Return the density.

        >>> import numpy as np
        >>> float(dirichlet.pdf(np.array([0.2, 0.8]), np.array([2.0, 1.0])))
        0.4
        """
        return np.exp(self.logpdf(x, alpha))

    def mean(self, alpha: Any) -> Any:
        """Return ``α / Σ α``.

        >>> import numpy as np
        >>> dirichlet.mean(np.array([1.0, 3.0]))
        array([0.25, 0.75])
        """
        return alpha / np.sum(alpha)


multivariate_normal = multivariate_normal_gen()
dirichlet = dirichlet_gen()

__all__ = ["dirichlet", "multivariate_normal"]
