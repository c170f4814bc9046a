"""Random variates of the distributions, drawn by SciPy: values, not differentiable functions
of the parameters (a traced parameter raises, naming the reparameterised way out)."""

from __future__ import annotations

from typing import Any

from ...core import Tracer
from ...core.tree import tree_leaves
from .._require import scipy_module

_stats = scipy_module("stats")


class Sampling:
    """``rvs`` with SciPy's signature for a distribution named ``name``."""

    name = ""

    def rvs(self, *args: Any, **kwds: Any) -> Any:
        """Return random variates drawn by ``scipy.stats.<name>.rvs`` (``size=``,
        ``random_state=`` as in SciPy).

        >>> from functional_ad.scipy.stats import norm
        >>> norm.rvs(size=3, random_state=0).shape
        (3,)
        """
        if any(isinstance(leaf, Tracer) for leaf in tree_leaves((args, kwds))):
            raise TypeError(
                f"functional_ad.scipy.stats.{self.name}.rvs: random variates are not "
                "differentiable in the parameters; draw standard variates with plain "
                "parameters and transform them (loc + scale * norm.rvs(size=n)), or pass "
                "functional_ad.stop_gradient(parameter)"
            )
        return getattr(_stats, self.name).rvs(*args, **kwds)


__all__ = ["Sampling"]
