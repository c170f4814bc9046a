"""``scipy.special`` for traced values: SciPy's ufuncs with derivative rules, and its
Python-level functions (logsumexp, softmax, polygamma, zeta, factorial, comb...) rewritten.

The ufuncs exported here are SciPy's own objects: they reach functional_ad through NumPy's
``__array_ufunc__``, so ``scipy.special.gammaln(x)`` works as well. Derivatives exist in
every real argument except where noted by the error a tangent there raises (orders of Bessel
functions, shape parameters of incomplete gamma/beta functions, ``a`` and ``b`` of
``hyp1f1``, ``x`` of ``zeta``).

>>> import functional_ad as fad
>>> round(float(fad.grad(lambda x: gammainc(2.0, x))(1.0)), 6)  # x e^{-x} / Γ(2)
0.367879
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..special import log_softmax as log_softmax
from ..special import logsumexp as logsumexp
from ..special import multigammaln as multigammaln
from ..special import polygamma as polygamma
from ..special import softmax as softmax
from ._require import scipy_module

_sc = scipy_module("special")

# SciPy's ufuncs with rules in functional_ad/ops (special.py, bessel.py, incomplete.py,
# special_misc.py)
gammaln = _sc.gammaln
loggamma = _sc.loggamma
digamma = psi = _sc.digamma
gamma = _sc.gamma
rgamma = _sc.rgamma
beta = _sc.beta
betaln = _sc.betaln
gammainc = _sc.gammainc
gammaincc = _sc.gammaincc
gammaincinv = _sc.gammaincinv
gammainccinv = _sc.gammainccinv
betainc = _sc.betainc
betaincc = _sc.betaincc
betaincinv = _sc.betaincinv
erf = _sc.erf
erfc = _sc.erfc
erfcx = _sc.erfcx
erfinv = _sc.erfinv
erfcinv = _sc.erfcinv
ndtr = _sc.ndtr
ndtri = _sc.ndtri
log_ndtr = _sc.log_ndtr
expit = _sc.expit
logit = _sc.logit
log_expit = _sc.log_expit
xlogy = _sc.xlogy
xlog1py = _sc.xlog1py
entr = _sc.entr
rel_entr = _sc.rel_entr
kl_div = _sc.kl_div
i0 = _sc.i0
i1 = _sc.i1
i0e = _sc.i0e
i1e = _sc.i1e
j0 = _sc.j0
j1 = _sc.j1
y0 = _sc.y0
y1 = _sc.y1
iv = _sc.iv
ive = _sc.ive
jv = _sc.jv
yv = _sc.yv
kv = _sc.kv
kve = _sc.kve
poch = _sc.poch
binom = _sc.binom
exp1 = _sc.exp1
expi = _sc.expi
expn = _sc.expn
dawsn = _sc.dawsn
fresnel = _sc.fresnel
sici = _sc.sici
shichi = _sc.shichi
spence = _sc.spence
wofz = _sc.wofz
owens_t = _sc.owens_t
hyp1f1 = _sc.hyp1f1
boxcox = _sc.boxcox
boxcox1p = _sc.boxcox1p
inv_boxcox = _sc.inv_boxcox
stdtr = _sc.stdtr
stdtrit = _sc.stdtrit
chdtr = _sc.chdtr
chdtrc = _sc.chdtrc
pdtr = _sc.pdtr
pdtrc = _sc.pdtrc
bdtr = _sc.bdtr
bdtrc = _sc.bdtrc
nbdtr = _sc.nbdtr
nbdtrc = _sc.nbdtrc

_UFUNCS = [name for name, value in list(globals().items()) if isinstance(value, np.ufunc)]


def zeta(x: Any, q: Any = None) -> Any:
    """Return the Hurwitz zeta function ``Σ_k (k + q)^(-x)`` (Riemann's when ``q`` is None).

    Differentiable in ``q`` (``∂/∂q = -x ζ(x + 1, q)``), not in ``x``.

    >>> round(float(zeta(2.0)), 6)  # π²/6
    1.644934
    """
    # SciPy's zeta calls these two ufuncs, which carry the rules
    return _sc._ufuncs._riemann_zeta(x) if q is None else _sc._ufuncs._zeta(x, q)


def factorial(n: Any, exact: bool = False) -> Any:
    """Return ``Γ(n + 1)`` for real ``n`` (0 where ``n < 0``, as SciPy).

    ``exact=True`` computes integers and has no derivative: it needs concrete values.

    >>> float(factorial(4.0))
    24.0
    """
    if exact:
        return _sc.factorial(_concrete("factorial", n), exact=True)
    return np.where(n >= 0, _sc.gamma(np.where(n >= 0, n, 0) + 1), 0.0)


def comb(N: Any, k: Any, exact: bool = False, repetition: bool = False) -> Any:
    """Return the binomial coefficient ``N! / (k! (N - k)!)`` for real ``N``, ``k`` (0 outside
    ``0 <= k <= N``); ``repetition=True`` counts with repetition, ``comb(N + k - 1, k)``.

    >>> float(comb(5.0, 2.0))
    10.0
    """
    if exact:
        return _sc.comb(
            _concrete("comb", N), _concrete("comb", k), exact=True, repetition=repetition
        )
    if repetition:
        N = N + k - 1
    valid = (k >= 0) & (k <= N) & (N >= 0)
    # binom evaluated at a harmless point where comb is 0, so that no NaN derivative of the
    # unused branch (a pole of the gamma function) leaks through the where
    safe_n, safe_k = np.where(valid, N, 1.0), np.where(valid, k, 0.0)
    return np.where(valid, _sc.binom(safe_n, safe_k), 0.0)


def sinc(x: Any) -> Any:
    """Return ``sin(πx) / (πx)`` (1 at 0), as ``numpy.sinc``.

    >>> float(sinc(0.5))
    0.6366197723675814
    """
    return np.sinc(x)


def _concrete(name: str, x: Any) -> Any:
    from ..core import Tracer

    if isinstance(x, Tracer):
        raise TypeError(
            f"functional_ad.scipy.special.{name}(exact=True) computes exact integers, which "
            "have no derivative; pass exact=False to differentiate, or a plain value"
        )
    return x


__all__ = sorted(
    [
        *_UFUNCS,
        "comb",
        "factorial",
        "log_softmax",
        "logsumexp",
        "multigammaln",
        "polygamma",
        "sinc",
        "softmax",
        "zeta",
    ]
)
