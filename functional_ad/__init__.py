"""functional_ad: composable automatic differentiation of plain NumPy functions.

>>> import numpy as np, functional_ad as fad
>>> fad.grad(lambda x: np.sum(2 * np.sin(x) + 1))(np.array([0.0]))
array([2.])
"""

from . import functional  # PyTorch's autograd.functional calls, one to one
from . import numpy as _numpy  # noqa: F401  (fills the NumPy dispatch tables)
from .core import ConcreteValueError, Primitive, TracerLeakError, zero_derivative
from .core.tree import register_pytree_node, tree_flatten, tree_leaves, tree_map, tree_unflatten
from .core.zeros import Zero
from .graph import Graph, make_graph
from .numpy import front_end as _front_end
from .numpy.mutation import at
from .tools.plotting import plot_matrix
from .tools.profiler import profile
from .transforms import (
    compile,
    derivative,
    grad,
    hessian,
    hvp,
    jacfwd,
    jacobian,
    jacrev,
    jet,
    jvp,
    value_and_grad,
    vhp,
    vjp,
    vmap,
)
from .transforms.control import (
    enable_grad,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
    stop_gradient,
)
from .transforms.custom import custom_jvp, custom_vjp
from .transforms.remat import checkpoint

_front_end.register()

__version__ = "0.1.0"

__all__ = [
    "ConcreteValueError",
    "Graph",
    "Primitive",
    "TracerLeakError",
    "Zero",
    "at",
    "checkpoint",
    "compile",
    "custom_jvp",
    "custom_vjp",
    "derivative",
    "enable_grad",
    "functional",
    "grad",
    "hessian",
    "hvp",
    "is_grad_enabled",
    "jacfwd",
    "jacobian",
    "jacrev",
    "jet",
    "jvp",
    "make_graph",
    "no_grad",
    "plot_matrix",
    "profile",
    "register_pytree_node",
    "set_grad_enabled",
    "stop_gradient",
    "tree_flatten",
    "tree_leaves",
    "tree_map",
    "tree_unflatten",
    "value_and_grad",
    "vhp",
    "vjp",
    "vmap",
    "zero_derivative",
]
