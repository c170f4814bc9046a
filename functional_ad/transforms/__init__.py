"""The transforms: forward mode (jvp), reverse mode (vjp) and what is built from them."""

from .batching import vmap
from .compiler import compile
from .derived import grad, hvp, value_and_grad, vhp
from .forward import jvp
from .jacobians import hessian, jacfwd, jacobian, jacrev
from .reverse import vjp

__all__ = [
    "compile",
    "grad",
    "hessian",
    "hvp",
    "jacfwd",
    "jacobian",
    "jacrev",
    "jvp",
    "value_and_grad",
    "vhp",
    "vjp",
    "vmap",
]
