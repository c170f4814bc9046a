"""Multivariate distributions of scipy.stats: ``multivariate_normal`` and ``dirichlet``,
differentiable in the data and in every parameter (mean, covariance, concentrations)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ...core import Tracer, concrete
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
