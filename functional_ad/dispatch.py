"""NumPy protocol hooks and Python operators on tracers, routing np.* calls to primitives."""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from .core import (
    NOT_CONSTANT,
    ConcreteValueError,
    Primitive,
    Tracer,
    bind,
    concrete,
    constant_value,
)
from .ops import NUMPY, UFUNC_METHODS
from .ops import elementwise as ew
from .ops.indexing import getitem
from .ops.products import matmul
from .ops.registry import no_derivative
from .view_functions import view_of_index
from .views import fresh_args

# ufuncs that map straight onto a primitive: the hot path skips the handler call
UFUNC_PRIMITIVES = {
    f: h for f, h in NUMPY.items() if isinstance(f, np.ufunc) and isinstance(h, Primitive)
}


def _ufunc_name(ufunc: np.ufunc) -> str:
    """``numpy.sin`` or ``scipy.special.ellipk``: where the user found the ufunc."""
    special = sys.modules.get("scipy.special")
    if special is not None and getattr(special, ufunc.__name__, None) is ufunc:
        return f"scipy.special.{ufunc.__name__}"
    return f"numpy.{ufunc.__name__}"


# SciPy's compiled functions convert their arguments where no hook of ours sees which SciPy
# function is running, so the errors name the counterparts by their rule
_SCIPY_HINT = (
    "If a SciPy function raised this, call its counterpart for traced values: "
    "functional_ad.scipy.<module>.<name> for scipy.<module>.<name> (for example "
    "functional_ad.scipy.linalg.expm, functional_ad.scipy.stats.norm.logpdf)."
)


def _no_rule(name: str) -> NotImplementedError:
    return NotImplementedError(
        f"{name} has no derivative rule in functional_ad and was called with a traced value. "
        "Define one with functional_ad.custom_vjp / custom_jvp, or take the value out of the "
        "computation with stop_gradient; `python -m functional_ad coverage` lists what is "
        "supported. " + _SCIPY_HINT
    )


def _array_ufunc(self: Tracer, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
    if not kwargs and method == "__call__":
        prim = UFUNC_PRIMITIVES.get(ufunc)
        if prim is not None:
            if len(inputs) == 1:  # the tracer is the only argument: its trace handles it
                return self._trace.process(prim, inputs, _NO_PARAMS)
            return bind(prim, *inputs)
    fresh_args(inputs)
    out = kwargs.pop("out", None)
    if out is not None:  # out= is a write: compute, then write into each output array
        from .mutation import ufunc_with_out

        where = kwargs.pop("where", True)
        fresh_args(out)
        return ufunc_with_out(
            ufunc, lambda: _array_ufunc(self, ufunc, method, *inputs, **kwargs), out, where
        )
    if kwargs.get("where", True) is not True:
        raise NotImplementedError(
            f"numpy.{ufunc.__name__}: where= without out= leaves the other elements "
            "uninitialised; pass out= as well (out=np.zeros_like(x), where=mask) or use np.where"
        )
    kwargs.pop("where", None)
    if method == "__call__":
        handler = NUMPY.get(ufunc)
        if handler is None and register_scipy():
            handler = NUMPY.get(ufunc)
        if handler is None:
            raise _no_rule(_ufunc_name(ufunc))
        dtype = kwargs.pop("dtype", None)
        if dtype is not None:
            inputs = tuple(  # (Tracer.astype is installed below)
                np.asarray(x).astype(dtype) if not isinstance(x, Tracer) else x.astype(dtype)  # type: ignore[attr-defined]
                for x in inputs
            )
        if kwargs and isinstance(handler, Primitive):  # a plain ufunc takes no more keywords
            raise NotImplementedError(
                f"numpy.{ufunc.__name__}: arguments {sorted(kwargs)} are not supported "
                "with traced values"
            )
        return per_example_if_needed(handler, inputs, kwargs)  # gufuncs: axis=, axes=...
    handler = UFUNC_METHODS.get((ufunc, method))
    if handler is None:
        raise _no_rule(f"{_ufunc_name(ufunc)}.{method}")
    return per_example_if_needed(handler, inputs, kwargs)


def register_scipy() -> bool:
    """Register scipy.special the first time an unknown function is met; True if it was new."""
    from .ops import special

    if special.PRIMITIVES_BY_NAME or not special.register():
        return False
    from .transforms import batching

    batching.install()
    UFUNC_PRIMITIVES.update(
        {f: h for f, h in NUMPY.items() if isinstance(f, np.ufunc) and isinstance(h, Primitive)}
    )
    return True


def _array_function(self: Tracer, func: Any, types: Any, args: tuple, kwargs: dict) -> Any:
    fresh_args(args)
    if kwargs.get("out") is not None:  # out= is a write: compute, then write into it
        from .mutation import write_into

        kwargs = dict(kwargs)
        out = kwargs.pop("out")
        fresh_args((out,))
        result = _array_function(self, func, types, args, kwargs)
        casting = kwargs.get("casting", "unsafe" if func in _REDUCTIONS else "same_kind")
        return write_into(out, result, f"numpy.{func.__name__}", casting)
    handler = NUMPY.get(func)
    if handler is None and register_scipy():
        handler = NUMPY.get(func)
    if handler is None:
        module = getattr(func, "__module__", "numpy") or "numpy"
        raise _no_rule(
            f"{module.replace('numpy.linalg._linalg', 'numpy.linalg')}.{func.__name__}"
            if module.startswith("numpy.") and module != "numpy"
            else f"numpy.{func.__name__}"
        )
    return per_example_if_needed(handler, args, kwargs)


def per_example_if_needed(handler: Any, args: tuple, kwargs: dict) -> Any:
    """Call ``handler``; under vmap, if it needs concrete values, call it once per example."""
    try:
        return handler(*args, **kwargs)
    except ConcreteValueError as error:
        map_examples = getattr(error.trace, "map_examples", None)
        if map_examples is None:
            raise
        return map_examples(handler, args, kwargs)


def _lose_derivative(self: Tracer, *args: Any, **kwargs: Any) -> Any:
    # (even for a constant: np.asarray(y) must give y itself, which lists.py arranges on
    # this TypeError, so that writes into it stay traced)
    raise TypeError(
        "a traced value cannot be converted to a NumPy array: it would lose its derivative. "
        "Build arrays from traced values with np.stack / np.concatenate; if you are assigning "
        "into a plain NumPy array, create it from the traced value instead (np.zeros_like(x) "
        "or np.zeros(n, like=x)); to use the value as a constant, call stop_gradient(x) first. "
        + _SCIPY_HINT
    )


def _astype(
    self: Tracer,
    dtype: Any,
    order: str = "K",
    casting: str = "unsafe",
    subok: bool = True,
    copy: bool = True,
) -> Any:
    """``x.astype(dtype)``: a new array, unless ``copy=False`` and the dtype is already it."""
    if np.dtype(dtype) == self.dtype:
        return NUMPY[np.copy](self) if copy else self
    return ew.convert(self, dtype=np.dtype(dtype))


def _refuse_pickle(self: Tracer, protocol: Any) -> Any:
    raise TypeError(
        f"a value traced by {self._trace.transform} cannot be pickled: it is part of a "
        "computation being differentiated, and would come back without it. Return it from the "
        "transformed function and pickle the result, or pickle stop_gradient(x)."
    )


_CONVERSIONS: dict[str, Any] = {
    "float": float,
    "int": int,
    "complex": complex,
    "item": lambda value: np.asarray(value).item(),
    "tolist": lambda value: np.asarray(value).tolist(),
}


def _scalar_conversion(kind: str) -> Any:
    def convert(self: Tracer) -> Any:
        value = constant_value(self)
        if value is not NOT_CONSTANT:  # nothing to lose: a constant (np.floor(x), argmax...)
            return _CONVERSIONS[kind](value)
        raise TypeError(
            f"{kind}() of a traced value would silently drop its derivative; keep it an array, "
            f"or call {kind}(functional_ad.stop_gradient(x)) if you really want a constant. "
            "If this happened while assigning a traced value into a plain NumPy array "
            "(y[i] = x), create that array from the traced value instead: np.zeros_like(x) "
            "or np.zeros(n, like=x)."
        )

    return convert


def _index(self: Tracer) -> int:
    """An integer traced value used as an index: it has no derivative, so its value is used."""
    if np.dtype(self.dtype).kind not in "iub" or self.shape:
        return _scalar_conversion("int")(self)  # raises
    return int(concrete(self))


def _bool(self: Tracer) -> bool:
    return bool(concrete(self))


def _len(self: Tracer) -> int:
    shape = self.shape
    if not shape:
        raise TypeError("len() of unsized object (a 0-d traced value)")
    return shape[0]


def _iter(self: Tracer) -> Any:
    for i in range(len(self)):  # type: ignore[arg-type]  # Tracer.__len__ is _len
        yield view_of_index(self, i, getitem(self, i))  # rows are views, elements scalars


_NO_PARAMS: dict = {}


def _binary(prim: Any) -> tuple[Any, Any]:
    # with a constant on the other side, the tracer's own trace handles the call (no search)
    def forward(self: Tracer, other: Any) -> Any:
        if isinstance(other, Tracer):
            return bind(prim, self, other)
        return self._trace.process(prim, (self, other), _NO_PARAMS)

    def reflected(self: Tracer, other: Any) -> Any:
        if isinstance(other, Tracer):
            return bind(prim, other, self)
        return self._trace.process(prim, (other, self), _NO_PARAMS)

    return forward, reflected


def _install_operators() -> None:
    T = Tracer
    methods: dict[str, Any] = {}
    for name, prim in [
        ("add", ew.add),
        ("sub", ew.sub),
        ("mul", ew.mul),
        ("truediv", ew.div),
        ("pow", ew.power),
        ("mod", ew.remainder),
        ("floordiv", ew.CONSTANT_UFUNCS["floor_divide"]),
    ]:
        forward, reflected = _binary(prim)
        setattr(T, f"__{name}__", forward)
        setattr(T, f"__r{name}__", reflected)
    power = T.__pow__  # type: ignore[attr-defined,operator]

    def square_or_power(self: Tracer, other: Any) -> Any:
        # x ** 2 is the commonest power: x * x, with a rule as cheap (NumPy's power is slower)
        if type(other) is int and other == 2:
            return self._trace.process(ew.square, (self,), _NO_PARAMS)
        return power(self, other)

    methods["__pow__"] = square_or_power
    methods["__matmul__"] = lambda self, other: matmul(self, other)
    methods["__rmatmul__"] = lambda self, other: matmul(other, self)
    methods["__neg__"] = lambda self: bind(ew.neg, self)
    methods["__pos__"] = lambda self: self
    methods["__abs__"] = lambda self: bind(ew.absolute, self)
    for name, key in [
        ("lt", "less"),
        ("le", "less_equal"),
        ("gt", "greater"),
        ("ge", "greater_equal"),
        ("eq", "equal"),
        ("ne", "not_equal"),
    ]:
        prim = ew.CONSTANT_UFUNCS[key]
        setattr(T, f"__{name}__", _binary(prim)[0])
    for name, key in [("and", "bitwise_and"), ("or", "bitwise_or"), ("xor", "bitwise_xor")]:
        forward, reflected = _binary(ew.CONSTANT_UFUNCS[key])
        setattr(T, f"__{name}__", forward)
        setattr(T, f"__r{name}__", reflected)
    methods["__invert__"] = lambda self: bind(ew.CONSTANT_UFUNCS["invert"], self)
    methods["__hash__"] = None  # type: ignore[assignment]  # like ndarray: mutable, compared elementwise
    methods["__array_ufunc__"] = _array_ufunc
    methods["__array_function__"] = _array_function
    methods["__array__"] = _lose_derivative
    methods["__float__"] = _scalar_conversion("float")
    methods["__int__"] = _scalar_conversion("int")
    methods["__complex__"] = _scalar_conversion("complex")
    methods["__index__"] = _index
    methods["__bool__"] = _bool
    methods["__len__"] = _len
    methods["__iter__"] = _iter
    methods["__getitem__"] = _getitem
    for name, method in methods.items():
        setattr(T, name, method)


def _getitem(self: Tracer, index: Any) -> Any:
    fresh_args((self, index))
    return view_of_index(self, index, per_example_if_needed(getitem, (self, index), {}))


# NumPy functions whose out= casts with the "unsafe" rule (the others use "same_kind")
_REDUCTIONS = {
    np.sum,
    np.prod,
    np.mean,
    np.std,
    np.var,
    np.max,
    np.min,
    np.amax,
    np.amin,
    np.cumsum,
    np.cumprod,
    np.nansum,
    np.nanprod,
    np.nanmean,
    np.nanstd,
    np.nanvar,
    np.nanmax,
    np.nanmin,
    np.nancumsum,
    np.nancumprod,
    np.median,
    np.nanmedian,
    np.average,
    np.ptp,
    np.trace,
}


def _method(func: Any) -> Any:
    def method(self: Tracer, *args: Any, **kwargs: Any) -> Any:
        return NUMPY[func](self, *args, **kwargs)

    method.__name__ = func.__name__
    method.__doc__ = f"Same as ``np.{func.__name__}(x, ...)``."
    return method


def _install_methods() -> None:
    T = Tracer
    methods: dict[str, Any] = {}
    for name, func in [
        ("sum", np.sum),
        ("mean", np.mean),
        ("prod", np.prod),
        ("max", np.max),
        ("min", np.min),
        ("var", np.var),
        ("std", np.std),
        ("dot", np.dot),
        ("ravel", np.ravel),
        ("squeeze", np.squeeze),
        ("cumsum", np.cumsum),
        ("cumprod", np.cumprod),
        ("clip", np.clip),
        ("conj", np.conjugate),
        ("conjugate", np.conjugate),
        ("copy", np.copy),
        ("swapaxes", np.swapaxes),
    ]:
        setattr(T, name, _method(func))
    methods["flatten"] = lambda self, order="C": np.copy(NUMPY[np.reshape](self, (-1,), order))
    methods["reshape"] = lambda self, *shape, order="C": NUMPY[np.reshape](
        self, shape[0] if len(shape) == 1 else shape, order
    )
    methods["transpose"] = lambda self, *axes: NUMPY[np.transpose](
        self,
        None
        if not axes
        else (axes[0] if len(axes) == 1 and not isinstance(axes[0], int) else axes),
    )
    methods["T"] = property(lambda self: NUMPY[np.transpose](self))
    methods["mT"] = property(lambda self: NUMPY[np.swapaxes](self, -1, -2))
    methods["real"] = property(lambda self: NUMPY[np.real](self))
    methods["imag"] = property(lambda self: NUMPY[np.imag](self))
    methods["round"] = lambda self, decimals=0: NUMPY[np.round](self, decimals)
    methods["argmax"] = lambda self, axis=None, **kw: np.argmax(self, axis=axis, **kw)
    methods["argmin"] = lambda self, axis=None, **kw: np.argmin(self, axis=axis, **kw)
    methods["argsort"] = lambda self, axis=-1, **kw: np.argsort(self, axis=axis, **kw)
    methods["diagonal"] = lambda self, offset=0, axis1=0, axis2=1: np.diagonal(
        self, offset, axis1, axis2
    )
    methods["trace"] = lambda self, offset=0, axis1=0, axis2=1: np.trace(self, offset, axis1, axis2)
    methods["repeat"] = lambda self, repeats, axis=None: np.repeat(self, repeats, axis)
    methods["take"] = lambda self, indices, axis=None: np.take(self, indices, axis)
    methods["all"] = lambda self, axis=None, keepdims=False: np.all(
        self, axis=axis, keepdims=keepdims
    )
    methods["any"] = lambda self, axis=None, keepdims=False: np.any(
        self, axis=axis, keepdims=keepdims
    )
    methods["ptp"] = lambda self, axis=None, keepdims=False: np.ptp(
        self, axis=axis, keepdims=keepdims
    )
    methods["nonzero"] = lambda self: np.nonzero(self)
    methods["searchsorted"] = lambda self, v, side="left", sorter=None: np.searchsorted(
        self, v, side, sorter
    )
    methods["compress"] = lambda self, condition, axis=None: np.compress(condition, self, axis)
    methods["choose"] = lambda self, choices, mode="raise": np.choose(self, choices, mode=mode)
    methods["cumsum"] = lambda self, axis=None, dtype=None: np.cumsum(self, axis, dtype)
    methods["astype"] = _astype
    methods["__copy__"] = lambda self: NUMPY[np.copy](self)
    methods["__deepcopy__"] = lambda self, memo: NUMPY[np.copy](self)
    methods["__reduce_ex__"] = _refuse_pickle
    methods["detach"] = _detach
    methods["item"] = _scalar_conversion("item")
    methods["tolist"] = _scalar_conversion("tolist")
    for name, method in methods.items():
        setattr(T, name, method)


def _detach(self: Tracer) -> Any:
    """Return the value as a constant for every transform, like ``stop_gradient(x)``.

    PyTorch's ``tensor.detach()``; plain arrays have nothing to detach.
    """
    from .control import stop_gradient_p

    return stop_gradient_p(self)


def stand_in(x: Any) -> Any:
    """An array with the shape and dtype a tracer shows its user (a zero-cost view)."""
    if isinstance(x, Tracer):
        return np.broadcast_to(np.zeros((), x.dtype), x.shape)
    return x


# NumPy functions that only look at shapes and dtypes: answer from a stand-in of that shape.
def _metadata(func: Any) -> Any:
    def handler(*args: Any, **kwargs: Any) -> Any:
        return func(*[stand_in(a) for a in args], **{k: stand_in(v) for k, v in kwargs.items()})

    return handler


def _constant(func: Any, multiple: bool = False) -> Any:
    """A function whose result carries no derivative (indices, tests, counts...).

    It is a primitive without rules, so graphs and ``compile`` record it and ``vmap`` maps
    it (``multiple``: it returns a tuple of arrays). Arguments that hide traced values inside
    lists, and calls asking for a tuple where one array is usual (``np.unique(...,
    return_counts=True)``), are computed from concrete values.
    """
    prim = no_derivative(
        func.__name__,
        (lambda *args, **params: tuple(func(*args, **params)))
        if multiple
        else (lambda *args, **params: func(*args, **params)),
        multiple_results=multiple,
    )

    def handler(*args: Any, **kwargs: Any) -> Any:
        returns_more = any(k.startswith("return_") and v for k, v in kwargs.items())
        if returns_more or any(isinstance(a, (list, tuple)) for a in args):
            return func(
                *[_deep_concrete(a) for a in args],
                **{k: _deep_concrete(v) for k, v in kwargs.items()},
            )
        return prim(*args, **kwargs)

    handler.__name__ = func.__name__
    handler.__doc__ = f"``np.{func.__name__}``: a constant for every transform."
    return handler


def _deep_concrete(x: Any) -> Any:
    if isinstance(x, (list, tuple)):
        return type(x)(_deep_concrete(e) for e in x)
    return concrete(x)


for _f in [
    np.shape,
    np.ndim,
    np.size,
    np.result_type,
    np.iscomplexobj,
    np.isrealobj,
    np.may_share_memory,
    np.shares_memory,
    np.can_cast,
    np.min_scalar_type,
]:
    NUMPY[_f] = _metadata(_f)
for _f in [np.nonzero, np.histogram]:
    if _f not in NUMPY:
        NUMPY[_f] = _constant(_f, multiple=True)
for _f in [
    np.flatnonzero,
    np.searchsorted,
    np.isclose,
    np.allclose,
    np.array_equal,
    np.array_equiv,
    np.count_nonzero,
    np.any,
    np.all,
    np.argwhere,
    np.iscomplex,
    np.isreal,
    np.unique,
    np.bincount,
    np.digitize,
    np.histogram_bin_edges,
]:
    if _f not in NUMPY:
        NUMPY[_f] = _constant(_f)

_install_operators()
_install_methods()
