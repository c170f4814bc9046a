"""The transforms: forward mode (jvp), reverse mode (vjp) and what is built from them."""

from .compile import compile
from .derived import grad, hvp, value_and_grad, vhp
from .jacobians import hessian, jacfwd, jacobian, jacrev
from .jvp import jvp
from .vjp import vjp
from .vmap import vmap

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
