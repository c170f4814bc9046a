"""Op-table rows for scipy.special (no rows when SciPy is not installed).

The ufuncs are called through SciPy itself (``scipy.special.gammaln(x)``) and reach the
primitives through ``__array_ufunc__``. SciPy's Python-level functions (polygamma,
multigammaln, logsumexp, softmax, log_softmax) cannot see traced values, so their rows call
the registered handlers, which take SciPy's signatures.
"""

import numpy as np

from tests.op_table import OpCase

try:
    import scipy.special as sc
except ImportError:  # pragma: no cover - SciPy is optional
    sc = None

ROW_SHAPES = [(4,), (2, 3)]  # for functions along an axis
PAIRS = [((3,), (3,)), ((2, 3), (3,)), ((), (2, 3))]


def _logsumexp_args(rng, shapes, dtype):
    """Exponents anywhere in [-2, 2] (shifted by 50 to exercise the stable form), weights > 0."""
    a = rng.uniform(-2.0, 2.0, size=shapes[0]) + 50.0
    b = rng.uniform(0.5, 2.0, size=shapes[1])
    return np.asarray(a, dtype), np.asarray(b, dtype)


def _rows():
    if sc is None:
        return []
    from functional_ad import special as fs

    return [
        # gamma family
        OpCase("special.gammaln", sc.gammaln, domain=(0.5, 4.0)),
        OpCase("special.loggamma", sc.loggamma, domain=(0.5, 4.0)),
        OpCase("special.digamma", sc.digamma, domain=(0.5, 4.0)),
        OpCase("special.psi", sc.psi, domain=(0.5, 4.0), shapes=[(3,)]),
        OpCase("special.polygamma", lambda x: fs.polygamma(2, x), domain=(0.5, 4.0)),
        OpCase("special.gamma", sc.gamma, domain=(0.5, 3.0)),
        OpCase("special.rgamma", sc.rgamma, domain=(0.5, 3.0)),
        OpCase("special.beta", sc.beta, arity=2, shapes=PAIRS, domain=(0.5, 3.0)),
        OpCase("special.betaln", sc.betaln, arity=2, shapes=PAIRS, domain=(0.5, 3.0)),
        OpCase("special.multigammaln", lambda a: fs.multigammaln(a, 3), domain=(1.2, 4.0)),
        # error function family (erf, erfc, erfcx are entire: complex rows)
        OpCase("special.erf", sc.erf, domain=(-1.5, 1.5), complex=True),
        OpCase("special.erfc", sc.erfc, domain=(-1.5, 1.5), complex=True),
        OpCase("special.erfcx", sc.erfcx, domain=(-1.0, 2.0), complex=True),
        OpCase("special.erfinv", sc.erfinv, domain=(-0.9, 0.9)),
        OpCase("special.erfcinv", sc.erfcinv, domain=(0.1, 1.9)),
        OpCase("special.ndtr", sc.ndtr, domain=(-3.0, 3.0)),
        OpCase("special.log_ndtr", sc.log_ndtr, domain=(-3.0, 3.0)),
        OpCase("special.ndtri", sc.ndtri, domain=(0.1, 0.9)),
        # logistic
        OpCase("special.expit", sc.expit, domain=(-4.0, 4.0)),
        OpCase("special.logit", sc.logit, domain=(0.1, 0.9)),
        # x log y and entropies
        OpCase("special.xlogy", sc.xlogy, arity=2, shapes=PAIRS, domain=(0.2, 3.0), complex=True),
        OpCase(
            "special.xlog1py", sc.xlog1py, arity=2, shapes=PAIRS, domain=(0.2, 3.0), complex=True
        ),
        OpCase("special.entr", sc.entr, domain=(0.1, 3.0)),
        OpCase("special.rel_entr", sc.rel_entr, arity=2, shapes=PAIRS, domain=(0.1, 3.0)),
        OpCase("special.kl_div", sc.kl_div, arity=2, shapes=PAIRS, domain=(0.1, 3.0)),
        # Bessel functions
        OpCase("special.i0", sc.i0),
        OpCase("special.i1", sc.i1),
        OpCase("special.i0e", sc.i0e, domain=(0.2, 3.0)),
        OpCase("special.i1e", sc.i1e, domain=(0.2, 3.0)),
        OpCase("special.j0", sc.j0, domain=(-5.0, 5.0)),
        OpCase("special.j1", sc.j1, domain=(-5.0, 5.0)),
        OpCase("special.y0", sc.y0, domain=(0.3, 5.0)),
        OpCase("special.y1", sc.y1, domain=(0.3, 5.0)),
        OpCase("i0", np.i0, domain=(-3.0, 3.0)),
        # reductions along an axis
        OpCase(
            "special.logsumexp",
            lambda a, b: fs.logsumexp(a, axis=-1, b=b),
            arity=2,
            shapes=[((4,), (4,)), ((2, 3), (3,))],
            sample=_logsumexp_args,
        ),
        OpCase("special.softmax", lambda x: fs.softmax(x, axis=-1), shapes=ROW_SHAPES),
        OpCase("special.log_softmax", lambda x: fs.log_softmax(x, axis=0), shapes=ROW_SHAPES),
    ]


ROWS = _rows()
