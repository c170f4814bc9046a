"""The transforms: forward mode (jvp), reverse mode (vjp) and what is built from them."""

from .derived import grad, hessian, hvp, jacfwd, jacobian, jacrev, value_and_grad, vhp
from .jvp import jvp
from .vjp import vjp
from .vmap import vmap

__all__ = ["grad", "hessian", "hvp", "jacfwd", "jacobian", "jacrev", "jvp", "value_and_grad",
           "vhp", "vjp", "vmap"]
