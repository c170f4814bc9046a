"""The transforms built from jvp and vjp: grad, jacobians, hessian, hvp, vhp."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..tree import tree_flatten, tree_unflatten
from ..zeros import Zero, tangent_dtype
from .common import name_transform
from .jvp import jvp
from .vjp import pull_back, record

Argnums = int | Sequence[int]


def _select(
    f: Callable[..., Any], argnums: Argnums, args: tuple, kwargs: dict, transform: str
) -> tuple[Callable[..., Any], tuple, bool]:
    """Split ``args`` into the differentiated ones and a function of only those."""
    single = isinstance(argnums, (int, np.integer))
    nums = (int(argnums),) if single else tuple(int(i) for i in argnums)  # type: ignore[union-attr]
    n = len(args)
    for i in nums:
        if not -n <= i < n:
            raise ValueError(f"{transform}: argnums {argnums} out of range for {n} arguments")
    nums = tuple(i % n for i in nums)

    def partial(*dyn: Any) -> Any:
        full = list(args)
        for i, a in zip(nums, dyn, strict=True):
            full[i] = a
        return f(*full, **kwargs)

    return partial, tuple(args[i] for i in nums), single


def _leaf_name(i: int) -> str:
    return f"argument leaf {i}"


def value_and_grad(
    f: Callable[..., Any], argnums: Argnums = 0, has_aux: bool = False
) -> Callable[..., Any]:
    """Return a function computing ``(f(*args), ∇f(*args))`` for scalar-valued ``f``.

    Args:
        f: a function whose output is a scalar or a one-element array.
        argnums: which positional argument(s) to differentiate; a tuple gives a tuple.
        has_aux: ``f`` returns ``(out, aux)``; the result is then ``((out, aux), grad)``.

    Returns:
        A function returning ``(value, grad)``; ``grad`` has the structure, shapes and dtypes
        of the selected argument(s).

    >>> import numpy as np
    >>> value, g = value_and_grad(lambda x: np.sum(x ** 2))(np.array([1.0, 2.0]))
    >>> float(value), g
    (5.0, array([2., 4.]))
    """

    @name_transform("value_and_grad", f, "Value and gradient")
    def value_and_grad_f(*args: Any, **kwargs: Any) -> Any:
        g, dyn, single = _select(f, argnums, args, kwargs, "grad")
        rec = record(g, dyn, has_aux, "grad")
        if len(rec.out) != 1 or np.size(rec.out[0]) != 1:
            shapes = [np.shape(o) for o in rec.out]
            shape = shapes[0] if len(shapes) == 1 else f"a tree {rec.out_tree}"
            raise TypeError(
                f"grad requires a function with a scalar output (a scalar or a one-element "
                f"array), but {getattr(f, '__name__', f)} returned shape {shape}. Use "
                f"jacobian (jacrev/jacfwd) for the whole Jacobian, vjp with a cotangent, or "
                f"reduce the output, e.g. with .sum()."
            )
        y = rec.out[0]
        dtype = tangent_dtype(y)
        if dtype.kind == "c":
            raise TypeError(
                "grad requires a real-valued output; got a complex output. Take np.real or "
                "np.abs of it, or use vjp with a complex cotangent."
            )
        grads = tree_unflatten(rec.in_tree, pull_back(rec, [np.ones(np.shape(y), dtype)], True))
        grads = grads[0] if single else grads
        value = tree_unflatten(rec.out_tree, rec.out)
        return ((value, rec.aux), grads) if has_aux else (value, grads)

    return value_and_grad_f


def grad(f: Callable[..., Any], argnums: Argnums = 0, has_aux: bool = False) -> Callable[..., Any]:
    """Return a function computing ``∇f``, the gradient of scalar-valued ``f``.

    Args:
        f: a function whose output is a scalar or a one-element array.
        argnums: which positional argument(s) to differentiate; a tuple gives a tuple.
        has_aux: ``f`` returns ``(out, aux)``; the result is then ``(grad, aux)``.

    Returns:
        A function returning the gradient, shaped like the selected argument(s).

    >>> import numpy as np
    >>> grad(lambda x: np.sum(2 * np.sin(x) + 1))(np.array([0.0, np.pi]))
    array([ 2., -2.])
    """
    value_and_grad_f = value_and_grad(f, argnums, has_aux)

    @name_transform("grad", f, "Gradient")
    def grad_f(*args: Any, **kwargs: Any) -> Any:
        value, g = value_and_grad_f(*args, **kwargs)
        return (g, value[1]) if has_aux else g

    return grad_f


def _one_hot(leaves: Sequence[Any], index: int, position: int) -> list[Any]:
    """A basis tangent: zero everywhere but ``position`` of leaf ``index``."""
    out: list[Any] = []
    for j, x in enumerate(leaves):
        if j == index:
            e = np.zeros(np.shape(x), tangent_dtype(x))
            e.flat[position] = 1
            out.append(e)
        else:
            out.append(Zero(np.shape(x), tangent_dtype(x)))
    return out


def _stack_rows(rows: list[Any], lead_shape: tuple, tail_shape: tuple, dtype: Any) -> Any:
    """Stack basis results into an array of shape ``lead_shape + tail_shape``."""
    if not rows:
        return np.zeros(lead_shape + tail_shape, dtype)
    return np.reshape(np.stack(rows), lead_shape + tail_shape)


def jacrev(
    f: Callable[..., Any], argnums: Argnums = 0, has_aux: bool = False
) -> Callable[..., Any]:
    """Return a function computing the Jacobian ``∂f/∂x`` by reverse mode (one vjp per output).

    Args:
        f: a function of arrays or pytrees returning arrays or a pytree.
        argnums: which positional argument(s) to differentiate.
        has_aux: ``f`` returns ``(out, aux)``; the result is then ``(jacobian, aux)``.

    Returns:
        A function returning the Jacobian: for each output leaf (outer tree) and each input
        leaf (inner tree) an array of shape ``out.shape + in.shape``.

    >>> import numpy as np
    >>> jacrev(lambda x: x ** 2)(np.array([1.0, 2.0]))
    array([[2., 0.],
           [0., 4.]])
    """

    @name_transform("jacrev", f, "Jacobian (reverse mode)")
    def jacrev_f(*args: Any, **kwargs: Any) -> Any:
        g, dyn, single = _select(f, argnums, args, kwargs, "jacrev")
        rec = record(g, dyn, has_aux, "jacrev")
        ins = rec.in_values
        per_output = []
        for i, y in enumerate(rec.out):
            rows = [pull_back(rec, _one_hot(rec.out, i, k), False) for k in range(np.size(y))]
            blocks = [
                _stack_rows([r[j] for r in rows], np.shape(y), np.shape(x), tangent_dtype(x))
                for j, x in enumerate(ins)
            ]
            tree = tree_unflatten(rec.in_tree, blocks)
            per_output.append(tree[0] if single else tree)
        jac = tree_unflatten(rec.out_tree, per_output)
        return (jac, rec.aux) if has_aux else jac

    return jacrev_f


def jacfwd(
    f: Callable[..., Any], argnums: Argnums = 0, has_aux: bool = False
) -> Callable[..., Any]:
    """Return a function computing the Jacobian ``∂f/∂x`` by forward mode (one jvp per input).

    Args:
        f: a function of arrays or pytrees returning arrays or a pytree.
        argnums: which positional argument(s) to differentiate.
        has_aux: ``f`` returns ``(out, aux)``; the result is then ``(jacobian, aux)``.

    Returns:
        The Jacobian with the layout of ``jacrev``: ``out.shape + in.shape`` per leaf pair.

    >>> import numpy as np
    >>> jacfwd(lambda x: np.sin(x))(np.array([0.0]))
    array([[1.]])
    """

    @name_transform("jacfwd", f, "Jacobian (forward mode)")
    def jacfwd_f(*args: Any, **kwargs: Any) -> Any:
        g, dyn, single = _select(f, argnums, args, kwargs, "jacfwd")
        flat, in_tree = tree_flatten(dyn)
        from .common import prepare_inputs

        flat = prepare_inputs(flat, "jacfwd")
        primals = tree_unflatten(in_tree, flat)
        columns: list[list[list[Any]]] = []  # [input leaf][basis k][output leaf]
        out_flat: list[Any] = []
        out_tree = aux = None
        for j, x in enumerate(flat):
            cols = []
            for k in range(np.size(x)):
                tangents = tree_unflatten(in_tree, _one_hot(flat, j, k))
                res = jvp(g, primals, tangents, has_aux=has_aux)
                out_flat, out_tree = tree_flatten(res[0])
                cols.append(tree_flatten(res[1])[0])
                if has_aux:
                    aux = res[2]
            columns.append(cols)
        if out_tree is None:  # no input elements: evaluate once for the output structure
            res = jvp(g, primals, tree_unflatten(in_tree, _one_hot(flat, -1, 0)), has_aux)
            out_flat, out_tree = tree_flatten(res[0])
            aux = res[2] if has_aux else None
        per_output = []
        for i, y in enumerate(out_flat):
            blocks = []
            for j, x in enumerate(flat):
                block = _stack_rows(
                    [c[i] for c in columns[j]], np.shape(x), np.shape(y), tangent_dtype(y)
                )
                nx, ny = np.ndim(x), np.ndim(y)
                blocks.append(np.transpose(block, tuple(range(nx, nx + ny)) + tuple(range(nx))))
            tree = tree_unflatten(in_tree, blocks)
            per_output.append(tree[0] if single else tree)
        jac = tree_unflatten(out_tree, per_output)
        return (jac, aux) if has_aux else jac

    return jacfwd_f


def jacobian(
    f: Callable[..., Any], argnums: Argnums = 0, has_aux: bool = False
) -> Callable[..., Any]:
    """Return a function computing the Jacobian ``∂f/∂x`` (reverse mode, as ``jacrev``).

    >>> import numpy as np
    >>> jacobian(lambda x, y: 2 * np.exp(x) + 3 * y, argnums=(0, 1))(
    ...     np.array([0.0]), np.array([1.0]))
    (array([[2.]]), array([[3.]]))
    """
    return name_transform("jacobian", f, "Jacobian")(jacrev(f, argnums, has_aux))


def hessian(
    f: Callable[..., Any], argnums: Argnums = 0, has_aux: bool = False
) -> Callable[..., Any]:
    """Return a function computing the Hessian ``∂²f/∂x²`` as ``jacfwd(jacrev(f))``.

    Returns:
        For scalar ``f`` of ``x``, an array of shape ``x.shape + x.shape``; for trees, nested
        as ``jacfwd`` of ``jacrev``.

    >>> import numpy as np
    >>> hessian(lambda x: np.sum(x ** 3))(np.array([1.0, 2.0]))
    array([[ 6.,  0.],
           [ 0., 12.]])
    """
    inner = jacrev(f, argnums, has_aux)
    return name_transform("hessian", f, "Hessian")(jacfwd(inner, argnums, has_aux))


def _grad_with_value(f: Callable[..., Any], n: int) -> Callable[..., Any]:
    """``xs -> (∇f(xs), f(xs))``: the gradient as output and the value as aux."""
    value_and_grad_f = value_and_grad(f, argnums=tuple(range(n)))

    def grad_with_value(*xs: Any) -> Any:
        value, g = value_and_grad_f(*xs)
        return g, value

    return grad_with_value


def hvp(f: Callable[..., Any], primals: tuple, tangents: tuple) -> tuple[Any, Any]:
    """Return ``(f(*primals), H @ v)`` by forward-over-reverse, never forming ``H``.

    Args:
        f: a scalar-valued function.
        primals: tuple of arguments.
        tangents: tuple of vectors ``v``, one per primal, shaped like it.

    Returns:
        ``(value, hv)`` with ``hv`` a tuple with one entry per primal.

    >>> import numpy as np
    >>> value, (hv,) = hvp(lambda x: np.sum(x ** 3), (np.array([1.0, 2.0]),),
    ...                    (np.array([1.0, 1.0]),))
    >>> hv
    array([ 6., 12.])
    """
    g = _grad_with_value(f, len(primals))
    _, hv, value = jvp(g, tuple(primals), tuple(tangents), has_aux=True)
    return value, hv


def vhp(f: Callable[..., Any], primals: tuple, cotangents: tuple) -> tuple[Any, Any]:
    """Return ``(f(*primals), v^T H)`` by reverse-over-reverse.

    Args:
        f: a scalar-valued function.
        primals: tuple of arguments.
        cotangents: tuple of vectors ``v``, one per primal, shaped like it.

    Returns:
        ``(value, vh)`` with ``vh`` a tuple with one entry per primal.

    >>> import numpy as np
    >>> value, (vh,) = vhp(lambda x: np.sum(x ** 3), (np.array([1.0, 2.0]),),
    ...                    (np.array([1.0, 1.0]),))
    >>> vh
    array([ 6., 12.])
    """
    from .vjp import vjp

    g = _grad_with_value(f, len(primals))
    _, pullback, value = vjp(g, *primals, has_aux=True)
    return value, pullback(tuple(cotangents))
