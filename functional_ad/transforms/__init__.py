"""The transforms: forward mode (jvp), reverse mode (vjp) and what is built from them."""

from .batching import vmap
from .compiler import compile
from .derived import hvp, vhp
from .forward import jvp
from .jacobians import hessian, jacfwd, jacobian, jacrev
from .reverse import grad, value_and_grad, vjp
from .taylor import derivative, jet

__all__ = [
    "compile",
    "derivative",
    "grad",
    "hessian",
    "hvp",
    "jacfwd",
    "jacobian",
    "jacrev",
    "jet",
    "jvp",
    "value_and_grad",
    "vhp",
    "vjp",
    "vmap",
]
