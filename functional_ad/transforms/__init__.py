"""The transforms: forward mode (jvp), reverse mode (vjp) and what is built from them."""

from .batching import vmap
from .compiler import compile
from .derived import hvp, vhp
from .forward import jvp
from .jacobians import hessian, jacfwd, jacobian, jacrev
from .reverse import grad, value_and_grad, vjp

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
