"""Op-table rows for the rest of scipy.special: Bessel orders, incomplete integrals and their
inverses, distribution functions, exponential/Fresnel/sine integrals, zeta, Box-Cox...

Arguments without a derivative (orders, shape parameters, counts) are held constant in the
rows; ``tests/test_scipy_special.py`` checks that a tangent there raises.
"""

import numpy as np

from tests.op_table import OpCase

try:
    import scipy.special as sc
except ImportError:  # pragma: no cover - SciPy is optional
    sc = None

# SciPy computes some of these in double for a Python-float parameter: float64 rows only
PAIRS = [((3,), (3,)), ((2, 3), (3,)), ((), (2, 3))]
SHAPES = [(), (3,), (2, 3)]
F64 = ("float64",)


def _rows():
    if sc is None:
        return []
    import functional_ad.scipy.special as fs

    def row(name, fn, domain, arity=1, **kw):
        kw.setdefault("shapes", PAIRS if arity == 2 else SHAPES)
        return OpCase(f"special.{name}", fn, arity=arity, domain=domain, **kw)

    return [
        # Bessel functions of real order, differentiated in x
        row("iv", lambda x: sc.iv(1.5, x), (0.3, 3.0)),
        row("ive", lambda x: sc.ive(0.5, x), (-3.0, 3.0)),
        row("jv", lambda x: sc.jv(2.5, x), (0.3, 6.0)),
        row("yv", lambda x: sc.yv(1.2, x), (0.5, 6.0)),
        row("kv", lambda x: sc.kv(0.7, x), (0.3, 4.0)),
        row("kve", lambda x: sc.kve(1.1, x), (0.3, 4.0)),
        # incomplete gamma and beta, their inverses
        row("gammainc", lambda x: sc.gammainc(2.5, x), (0.2, 5.0), dtypes=F64),
        row("gammaincc", lambda x: sc.gammaincc(1.5, x), (0.2, 5.0), dtypes=F64),
        row("gammaincinv", lambda q: sc.gammaincinv(2.0, q), (0.1, 0.9), dtypes=F64),
        row("gammainccinv", lambda q: sc.gammainccinv(2.0, q), (0.1, 0.9), dtypes=F64),
        row("betainc", lambda x: sc.betainc(2.0, 3.5, x), (0.05, 0.95)),
        row("betaincc", lambda x: sc.betaincc(1.5, 2.0, x), (0.05, 0.95)),
        row("betaincinv", lambda q: sc.betaincinv(2.0, 3.0, q), (0.1, 0.9)),
        # the shape derivatives, by quadrature: to second order (and mixed with x)
        row("gammainc[a]", sc.gammainc, (0.5, 4.0), arity=2, order=2, dtypes=F64),
        row("gammaincc[a]", sc.gammaincc, (0.5, 4.0), arity=2, order=2, dtypes=F64),
        row(
            "gammaincinv[a]",
            lambda a: sc.gammaincinv(a, 0.4),
            (0.5, 4.0),
            order=2,
            dtypes=F64,
        ),
        row("chdtr[v]", lambda v: sc.chdtr(v, 2.0), (0.5, 4.0), order=2, dtypes=F64),
        row(
            "betainc[a, b]",
            lambda a, b: sc.betainc(a, b, 0.35),
            (0.5, 3.0),
            arity=2,
            order=2,
            dtypes=F64,
        ),
        row(
            "betaincinv[a, b]",
            lambda a, b: sc.betaincinv(a, b, 0.35),
            (0.5, 3.0),
            arity=2,
            order=2,
            dtypes=F64,
        ),
        row("stdtr[df]", sc.stdtr, (0.5, 4.0), arity=2, order=2, dtypes=F64),
        row("stdtrit[df]", lambda df: sc.stdtrit(df, 0.3), (1.0, 6.0), order=2, dtypes=F64),
        # distribution functions
        row("stdtr", lambda t: sc.stdtr(3.5, t), (-3.0, 3.0)),
        row("stdtrit", lambda q: sc.stdtrit(4.0, q), (0.05, 0.95)),
        row("chdtr", lambda x: sc.chdtr(3.0, x), (0.2, 6.0)),
        row("chdtrc", lambda x: sc.chdtrc(2.5, x), (0.2, 6.0)),
        row("pdtr", lambda m: sc.pdtr(3, m), (0.2, 6.0)),
        row("pdtrc", lambda m: sc.pdtrc(2, m), (0.2, 6.0)),
        row("bdtr", lambda p: sc.bdtr(2, 6, p), (0.05, 0.95), dtypes=F64),
        row("bdtrc", lambda p: sc.bdtrc(3, 6, p), (0.05, 0.95), dtypes=F64),
        row("nbdtr", lambda p: sc.nbdtr(2, 4, p), (0.05, 0.95), dtypes=F64),
        row("nbdtrc", lambda p: sc.nbdtrc(3, 4, p), (0.05, 0.95), dtypes=F64),
        # exponential, Fresnel, sine/cosine and hyperbolic integrals; Dawson; Spence
        row("exp1", sc.exp1, (0.2, 4.0)),
        row("expi", sc.expi, (0.2, 3.0)),
        row(
            "expn",
            lambda x: sc.expn(np.array([0, 1, 3]), x),
            (0.3, 3.0),
            shapes=[(3,), (2, 3)],
            dtypes=F64,
        ),
        row("dawsn", sc.dawsn, (-3.0, 3.0)),
        row("fresnel", sc.fresnel, (-2.0, 2.0)),
        row("sici", sc.sici, (0.2, 5.0)),
        row("shichi", sc.shichi, (0.2, 3.0)),
        row("spence", sc.spence, (0.2, 3.0)),
        row("log_expit", sc.log_expit, (-5.0, 5.0)),
        row("wofz", sc.wofz, (-2.0, 2.0), complex=True, dtypes=F64),
        # two differentiable arguments
        row("owens_t", sc.owens_t, (-2.0, 2.0), arity=2),
        row("poch", sc.poch, (0.5, 3.0), arity=2),
        row("binom", sc.binom, (0.5, 3.0), arity=2),
        row("boxcox", sc.boxcox, (0.3, 2.5), arity=2, dtypes=F64),
        row("boxcox1p", sc.boxcox1p, (0.3, 2.5), arity=2, dtypes=F64),
        row("inv_boxcox", sc.inv_boxcox, (0.3, 1.5), arity=2, dtypes=F64),
        row("zeta", lambda q: sc.zeta(3.0, q), (0.5, 3.0)),
        row("hyp1f1", lambda z: sc.hyp1f1(0.5, 1.5, z), (-2.0, 2.0)),
        # Python-level functions of functional_ad.scipy.special
        row("factorial", fs.factorial, (0.5, 4.0)),
        row("comb", fs.comb, (0.5, 1.5), arity=2, sample=_comb_args),
        row("sinc", fs.sinc, (-2.0, 2.0)),
    ]


def _comb_args(rng, shapes, dtype):
    """N in [3, 5], k in [0.5, 2.5]: inside 0 <= k <= N, away from the edges."""
    n = rng.uniform(3.0, 5.0, size=shapes[0])
    k = rng.uniform(0.5, 2.5, size=shapes[1])
    return np.asarray(n, dtype), np.asarray(k, dtype)


ROWS = _rows()
