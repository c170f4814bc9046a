"""The engine: primitives, traces and tracers, symbolic zeros, pytrees, views of traced arrays.

It knows nothing of NumPy's API surface: ``functional_ad.numpy`` maps that onto primitives and
registers its entry points here (``register_front_end``).
"""

from .tracing import (
    NOT_CONSTANT,
    SCIPY_HINT,
    UFUNC_PRIMITIVES,
    ConcreteValueError,
    FrontEnd,
    Observer,
    Primitive,
    Rule,
    Trace,
    Tracer,
    TracerLeakError,
    active_traces,
    bind,
    concrete,
    constant_value,
    installed_observer,
    is_tracing,
    new_trace,
    observe,
    per_example_if_needed,
    register_front_end,
    set_observer,
    zero_derivative,
)

__all__ = [
    "ConcreteValueError",
    "FrontEnd",
    "NOT_CONSTANT",
    "Observer",
    "Primitive",
    "Rule",
    "SCIPY_HINT",
    "Trace",
    "Tracer",
    "TracerLeakError",
    "UFUNC_PRIMITIVES",
    "active_traces",
    "bind",
    "concrete",
    "constant_value",
    "installed_observer",
    "is_tracing",
    "new_trace",
    "observe",
    "per_example_if_needed",
    "register_front_end",
    "set_observer",
    "zero_derivative",
]
