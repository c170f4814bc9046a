"""PyTorch's ``torch.autograd.functional`` API, call for call, on functional_ad's transforms.

The six functions take the function, its ``inputs`` (an array or a tuple of arrays) and,
for the products, a vector ``v``, and return what that module returns: the same nesting of
tuples (a Jacobian block per output per input), ``(func_output, product)`` pairs, and the
same rules for ``v=None``. The differences, all on the safe side:

- ``strict=True`` checks dependence on the recorded graph, with one extra recorded
  evaluation of ``func`` (two for the Hessian products); every strategy supports it
  (PyTorch refuses it with ``vectorize=True`` or forward mode). As in PyTorch, with
  ``create_graph=True`` too it also refuses a result that does not depend on the inputs
  (such as the Jacobian of a linear function), whose derivative would be structurally zero.
- ``create_graph`` says whether an enclosing transform may differentiate the results. With
  ``create_graph=False`` (the default) PyTorch detaches them, so an outer gradient through
  them would be silently zero; here that case raises ``ValueError`` instead, naming
  ``create_graph=True`` (differentiate through) and ``no_grad`` (use the result as a
  constant) as the ways out. Under ``vmap`` or ``compile`` alone nothing is differentiated
  and ``create_graph`` changes nothing.
- ``vectorize=True`` pushes the whole basis through one batched pass; ``vectorize=False``
  (the default, as in PyTorch) runs one pass per row (reverse mode) or column (forward
  mode). The results are the same; ``strategy="forward-mode"`` works with both.
- Errors are ``TypeError`` (a wrong kind of argument or output) and ``ValueError`` (a wrong
  shape, a ``strict`` violation), not ``RuntimeError``.

>>> import numpy as np
>>> from functional_ad import functional
>>> functional.jacobian(lambda x, y: 2 * np.exp(x) + 3 * y, (np.zeros(1), np.ones(1)))
(array([[2.]]), array([[3.]]))
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .core import Tracer
from .core.tree import tree_leaves
from .core.zeros import tangent_dtype
from .graph import Node
from .transforms import hvp as _hvp
from .transforms import jacfwd, jacrev
from .transforms import jvp as _jvp
from .transforms import vhp as _vhp
from .transforms import vjp as _vjp
from .transforms.common import as_value
from .transforms.reverse import grad as _grad
from .transforms.reverse import record

STRATEGIES = ("reverse-mode", "forward-mode")

Arrays = Any  # an array or a tuple of arrays


# ----------------------------------------------------------------------------- arguments


def _as_tuple(x: Any, what: str, fn: str) -> tuple[bool, tuple]:
    """``(was_a_tuple, x as a tuple of arrays)``; anything but an array or a tuple raises."""
    is_tuple = isinstance(x, tuple)
    items = x if is_tuple else (x,)
    out = []
    for i, item in enumerate(items):
        if isinstance(item, (np.ndarray, np.generic, Tracer)) or (
            isinstance(item, (int, float, complex)) and not isinstance(item, bool)
        ):
            out.append(as_value(item))
            continue
        where = f"the value at index {i}" if is_tuple else f"the given {what}"
        raise TypeError(
            f"functional.{fn}: the {what} must be an array or a tuple of arrays, but {where} "
            f"is {type(item).__name__}; convert it with np.asarray (and a list of arrays "
            f"with tuple(...))"
        )
    return is_tuple, tuple(out)


def _unpack(result: Any, is_tuple: bool) -> Any:
    """Undo ``_as_tuple``: a one-tuple becomes its element unless the original was a tuple."""
    return result if is_tuple else result[0]


def _unpack2(result: tuple, out_tuple: bool, in_tuple: bool) -> Any:
    """Nested ``[output][input]`` blocks, unnested where the original was not a tuple."""
    if not in_tuple:
        result = tuple(row[0] for row in result)
    return result if out_tuple else result[0]


def _check_v(v: tuple, like: tuple, like_is_tuple: bool, fn: str) -> None:
    """``v`` must have one entry per value of ``like``, each of the same shape."""
    if len(v) != len(like):
        if like_is_tuple:
            raise ValueError(
                f"functional.{fn}: v is a tuple of length {len(v)} but should have length "
                f"{len(like)}, one entry per value"
            )
        raise ValueError(f"functional.{fn}: v should be a single array, not a tuple of {len(v)}")
    for i, (vi, xi) in enumerate(zip(v, like, strict=True)):
        if np.shape(vi) != np.shape(xi):
            where = f"entry {i} of v" if like_is_tuple else "v"
            raise ValueError(
                f"functional.{fn}: {where} has shape {np.shape(vi)} but should have shape "
                f"{np.shape(xi)}"
            )


def _default_v(values: tuple, fn: str, of: str) -> tuple:
    """``v=None`` stands for a single 1 when ``values`` is one array with one element."""
    if len(values) != 1 or np.size(values[0]) != 1:
        raise ValueError(
            f"functional.{fn}: v can only be None if the {of} is a single array with a single "
            f"element; pass v with the shape of the {of}"
        )
    return (np.ones(np.shape(values[0]), tangent_dtype(values[0])),)


def _outputs(func: Callable[..., Any], fn: str, state: dict) -> Callable[..., tuple]:
    """``func`` with its output made a tuple; records in ``state`` whether it was one."""

    def outputs(*xs: Any) -> tuple:
        is_tuple, outs = _as_tuple(func(*xs), "outputs of the user-provided function", fn)
        state["tuple"] = is_tuple
        return outs

    return outputs


def _scalar_output(func: Callable[..., Any], fn: str, squeeze: bool) -> Callable[..., Any]:
    """``func``, checked to return a single one-element array (squeezed to a scalar)."""

    def scalar(*xs: Any) -> Any:
        out = func(*xs)
        if isinstance(out, (tuple, list)):
            raise TypeError(
                f"functional.{fn}: the function should return a single array, not a "
                f"{type(out).__name__}"
            )
        _as_tuple(out, "output of the user-provided function", fn)
        if np.size(out) != 1:
            raise TypeError(
                f"functional.{fn}: the array returned by the function should contain a single "
                f"element, but it has shape {np.shape(out)}; reduce it (e.g. with .sum()) or use "
                f"functional.jacobian"
            )
        return np.reshape(out, ()) if squeeze else out

    return scalar


def _check_flags(fn: str, create_graph: bool, strict: bool, vectorize: bool | None = None) -> None:
    flags = (("create_graph", create_graph), ("strict", strict), ("vectorize", vectorize))
    for name, value in flags:
        if value is not None and not isinstance(value, (bool, np.bool_)):
            raise TypeError(f"functional.{fn}: {name} must be True or False, got {value!r}")


def _check_strategy(fn: str, name: str, strategy: str) -> None:
    if strategy not in STRATEGIES:
        raise ValueError(
            f'functional.{fn}: {name} must be "forward-mode" or "reverse-mode", got '
            f"{strategy!r}. Forward mode is cheaper when the function has more outputs than "
            f"inputs, reverse mode otherwise"
        )


def _carries_derivative(x: Tracer) -> bool:
    """True if a derivative can flow into ``x`` from an input of its trace."""
    if x._trace.is_constant(x):
        return False
    node = getattr(x, "_node", None)
    if not isinstance(node, Node):
        return True
    # reverse mode records calls on constants too: look for an input among the ancestors
    seen: set[int] = set()
    stack = [node]
    while stack:
        current = stack.pop()
        if current.primitive is None:
            return True
        for parent in current.parents:
            if parent is not None and id(parent) not in seen:
                seen.add(id(parent))
                stack.append(parent)
    return False


def _check_detached(result: Any, create_graph: bool, fn: str) -> Any:
    """With ``create_graph=False`` no enclosing transform may differentiate ``result``."""
    if create_graph:
        return result
    for leaf in tree_leaves(result):
        x = leaf
        while isinstance(x, Tracer):
            trace = x._trace
            if trace.differentiates and trace.active and _carries_derivative(x):
                raise ValueError(
                    f"functional.{fn} was called with create_graph=False inside "
                    f"{trace.transform}, which differentiates its result: PyTorch would detach "
                    f"it and the outer derivative through it would be silently zero. Pass "
                    f"create_graph=True to differentiate through it, or call it inside "
                    f"`with functional_ad.no_grad():` to use it as a constant"
                )
            x = x._value
    return result


# ----------------------------------------------------------------------------- strict mode


def _dependence(f: Callable[..., tuple], inputs: tuple, fn: str) -> list[set[int]]:
    """For each output of ``f(*inputs)``: the inputs it depends on in the recorded graph."""
    rec = record(f, inputs, False, f"functional.{fn}")
    reach: dict[Node, frozenset[int]] = {leaf: frozenset((j,)) for j, leaf in enumerate(rec.leaves)}
    empty: frozenset[int] = frozenset()
    for node in rec.trace.nodes:
        found: set[int] = set()
        for parent in node.parents:
            if parent is not None:
                found |= reach.get(parent, empty)
        reach[node] = frozenset(found)
    return [set(reach.get(node, empty)) if node is not None else set() for node in rec.out_nodes]


def _strict_outputs(deps: list[set[int]], fn: str, what: str = "Output") -> None:
    for i, found in enumerate(deps):
        if not found:
            raise ValueError(
                f"functional.{fn}(strict=True): {what} {i} of the user-provided function does "
                f"not depend on any input; compute it from the inputs with differentiable "
                f"operations, or pass strict=False to get zeros"
            )


def _strict_inputs(deps: list[set[int]], n: int, fn: str, of: str = "output") -> None:
    used = set().union(*deps) if deps else set()
    for j in range(n):
        if j not in used:
            raise ValueError(
                f"functional.{fn}(strict=True): the {of} of the user-provided function is "
                f"independent of input {j}; pass strict=False to get zeros for it"
            )


def _strict_pairs(deps: list[set[int]], n: int, fn: str, what: str = "Output") -> None:
    for i, found in enumerate(deps):
        for j in range(n):
            if j not in found:
                raise ValueError(
                    f"functional.{fn}(strict=True): {what} {i} of the user-provided function is "
                    f"independent of input {j}; pass strict=False to get zeros for that block"
                )


def _gradient_function(func: Callable[..., Any], n: int, fn: str) -> Callable[..., tuple]:
    """``xs -> ∇func(xs)`` as a tuple with one block per input (``func`` scalar-valued)."""
    g = _grad(_scalar_output(func, fn, squeeze=True), argnums=tuple(range(n)))
    return lambda *xs: tuple(g(*xs))


def _strict_second_order(func: Callable[..., Any], inputs: tuple, fn: str, pairs: bool) -> None:
    """PyTorch's checks for Hessians: ``func`` depends on every input, every gradient block
    depends on the inputs, and (``pairs``) on each input, else each input reaches a block."""
    n = len(inputs)
    deps = _dependence(lambda *xs: (_scalar_output(func, fn, False)(*xs),), inputs, fn)
    _strict_outputs(deps, fn)
    _strict_inputs(deps, n, fn)
    grad_deps = _dependence(_gradient_function(func, n, fn), inputs, fn)
    for i, found in enumerate(grad_deps):
        if not found:
            raise ValueError(
                f"functional.{fn}(strict=True): the gradient with respect to input {i} does not "
                f"depend on the inputs (the function is linear in input {i}), so the Hessian "
                f"blocks of input {i} are zero; pass strict=False to get them"
            )
    if pairs:
        _strict_pairs(grad_deps, n, fn, what="Gradient block")
    else:
        _strict_inputs(grad_deps, n, fn, of="gradient")


def _strict_constant_result(
    compute: Callable[..., Any], inputs: tuple, fn: str, what: str, order: int = 1
) -> None:
    """PyTorch's strict check under ``create_graph=True``: every array of the result must
    depend on the inputs, or differentiating it further would give a structural zero."""
    for k, found in enumerate(_dependence(compute, inputs, fn)):
        if not found:
            raise ValueError(
                f"functional.{fn}(strict=True, create_graph=True): array {k} of the {what} "
                f"does not depend on the inputs (the function is "
                f"{'linear' if order == 1 else 'at most quadratic'} in them), so its "
                f"derivative is structurally zero; pass strict=False to differentiate it anyway"
            )


# ----------------------------------------------------------------------------- the API


def vjp(
    func: Callable[..., Any],
    inputs: Arrays,
    v: Arrays | None = None,
    create_graph: bool = False,
    strict: bool = False,
) -> tuple[Any, Any]:
    """Return ``(func(*inputs), vᵀJ)``: the vector-Jacobian product at ``inputs``.

    Args:
        func: a function of arrays returning an array or a tuple of arrays.
        inputs: an array or a tuple of arrays, the arguments of ``func``.
        v: the cotangent, shaped like the output (a tuple for a tuple output); may be
            ``None`` when the output is one array with one element (it is then 1).
        create_graph: let an enclosing transform differentiate the results.
        strict: raise ``ValueError`` if an output depends on no input or an input reaches
            no output (instead of returning zeros for it).

    Returns:
        ``(func_output, vjp)``: ``vjp`` has the structure of ``inputs`` (an array for an
        array, a tuple for a tuple).

    >>> import numpy as np
    >>> out, vjp_x = vjp(lambda x: 2 * x, np.array([1.0, 2.0]), np.array([0.1, 1.0]))
    >>> vjp_x
    array([0.2, 2. ])
    """
    _check_flags("vjp", create_graph, strict)
    in_tuple, ins = _as_tuple(inputs, "inputs", "vjp")
    state: dict = {}
    f = _outputs(func, "vjp", state)
    if strict:
        deps = _dependence(f, ins, "vjp")
        _strict_outputs(deps, "vjp")
        _strict_inputs(deps, len(ins), "vjp")
    outs, pullback = _vjp(f, *ins)
    if v is None:
        if not state["tuple"] and len(outs) == 1 and np.size(outs[0]) == 1:
            vs = (np.ones(np.shape(outs[0]), tangent_dtype(outs[0])),)
        else:
            raise ValueError(
                "functional.vjp: v can only be None if the user-provided function returns a "
                "single array with a single element; pass v with the shape of the output"
            )
    else:
        _, vs = _as_tuple(v, "v", "vjp")
        _check_v(vs, outs, state["tuple"], "vjp")
    bars = pullback(tuple(vs))
    if strict and create_graph:
        _strict_constant_result(
            lambda *xs: tuple(_vjp(f, *xs)[1](tuple(vs))), ins, "vjp", "vector-Jacobian product"
        )
    result = (_unpack(outs, state["tuple"]), _unpack(tuple(bars), in_tuple))
    return _check_detached(result, create_graph, "vjp")


def jvp(
    func: Callable[..., Any],
    inputs: Arrays,
    v: Arrays | None = None,
    create_graph: bool = False,
    strict: bool = False,
) -> tuple[Any, Any]:
    """Return ``(func(*inputs), J v)``: the Jacobian-vector product at ``inputs``.

    Args:
        func: a function of arrays returning an array or a tuple of arrays.
        inputs: an array or a tuple of arrays, the arguments of ``func``.
        v: the tangent, shaped like ``inputs``; may be ``None`` when ``inputs`` is one array
            with one element (it is then 1).
        create_graph: let an enclosing transform differentiate the results.
        strict: raise ``ValueError`` if an output depends on no input or an input reaches
            no output.

    Returns:
        ``(func_output, jvp)``: ``jvp`` has the structure of the output.

    >>> import numpy as np
    >>> jvp(lambda x, y: 2 * x + 3 * y, (np.ones(2), np.ones(2)), (np.ones(2), np.ones(2)))
    (array([5., 5.]), array([5., 5.]))
    """
    _check_flags("jvp", create_graph, strict)
    in_tuple, ins = _as_tuple(inputs, "inputs", "jvp")
    if v is None:
        vs = _default_v(ins, "jvp", "input")
    else:
        _, vs = _as_tuple(v, "v", "jvp")
        _check_v(vs, ins, in_tuple, "jvp")
    state: dict = {}
    f = _outputs(func, "jvp", state)
    if strict:
        deps = _dependence(f, ins, "jvp")
        _strict_outputs(deps, "jvp")
        _strict_inputs(deps, len(ins), "jvp")
    outs, out_dots = _jvp(f, ins, vs)
    if strict and create_graph:
        _strict_constant_result(
            lambda *xs: tuple(_jvp(f, xs, vs)[1]), ins, "jvp", "Jacobian-vector product"
        )
    result = (_unpack(outs, state["tuple"]), _unpack(tuple(out_dots), state["tuple"]))
    return _check_detached(result, create_graph, "jvp")


def jacobian(
    func: Callable[..., Any],
    inputs: Arrays,
    create_graph: bool = False,
    strict: bool = False,
    vectorize: bool = False,
    strategy: str = "reverse-mode",
) -> Any:
    """Return the Jacobian of ``func`` at ``inputs``, one block per output and input.

    Args:
        func: a function of arrays returning an array or a tuple of arrays.
        inputs: an array or a tuple of arrays, the arguments of ``func``.
        create_graph: let an enclosing transform differentiate the result.
        strict: raise ``ValueError`` if an output is independent of an input (instead of
            returning a zero block).
        vectorize: compute all rows (reverse mode) or columns (forward mode) in one batched
            pass; ``False`` runs one pass each. The values are the same.
        strategy: ``"reverse-mode"`` (one pass per output element) or ``"forward-mode"``
            (one pass per input element: cheaper when there are more outputs than inputs).

    Returns:
        An array for one input and one output; a tuple if one of them is a tuple; a tuple
        of tuples if both are, ``J[i][j]`` of shape ``outputs[i].shape + inputs[j].shape``.

    >>> import numpy as np
    >>> jacobian(lambda x: x ** 2, np.array([1.0, 2.0]))
    array([[2., 0.],
           [0., 4.]])
    """
    _check_flags("jacobian", create_graph, strict, vectorize)
    _check_strategy("jacobian", "strategy", strategy)
    in_tuple, ins = _as_tuple(inputs, "inputs", "jacobian")
    state: dict = {}
    f = _outputs(func, "jacobian", state)
    if strict:
        deps = _dependence(f, ins, "jacobian")
        _strict_outputs(deps, "jacobian")
        _strict_pairs(deps, len(ins), "jacobian")
    transform = jacrev if strategy == "reverse-mode" else jacfwd
    jac = transform(f, argnums=tuple(range(len(ins))), chunk_size=None if vectorize else 1)
    blocks = jac(*ins)
    if strict and create_graph:
        _strict_constant_result(jac, ins, "jacobian", "Jacobian (blocks output by output)")
    result = _unpack2(tuple(tuple(row) for row in blocks), state["tuple"], in_tuple)
    return _check_detached(result, create_graph, "jacobian")


def hessian(
    func: Callable[..., Any],
    inputs: Arrays,
    create_graph: bool = False,
    strict: bool = False,
    vectorize: bool = False,
    outer_jacobian_strategy: str = "reverse-mode",
) -> Any:
    """Return the Hessian of scalar-valued ``func`` at ``inputs``.

    The gradient is taken in reverse mode; ``outer_jacobian_strategy`` chooses how its
    Jacobian is taken (``"forward-mode"``: forward-over-reverse).

    Args:
        func: a function of arrays returning one array with one element.
        inputs: an array or a tuple of arrays, the arguments of ``func``.
        create_graph: let an enclosing transform differentiate the result.
        strict: raise ``ValueError`` if the output is independent of an input or a block
            of the Hessian is structurally zero (e.g. ``func`` is linear in an input).
        vectorize: batch the outer Jacobian's passes (the values are the same).
        outer_jacobian_strategy: ``"reverse-mode"`` or ``"forward-mode"``.

    Returns:
        An array of shape ``x.shape + x.shape`` for one input; for a tuple of inputs a tuple
        of tuples, ``H[i][j]`` of shape ``inputs[i].shape + inputs[j].shape``.

    >>> import numpy as np
    >>> hessian(lambda x: np.sum(x ** 3), np.array([1.0, 2.0]))
    array([[ 6.,  0.],
           [ 0., 12.]])
    """
    _check_flags("hessian", create_graph, strict, vectorize)
    _check_strategy("hessian", "outer_jacobian_strategy", outer_jacobian_strategy)
    in_tuple, ins = _as_tuple(inputs, "inputs", "hessian")
    if strict:
        _strict_second_order(func, ins, "hessian", pairs=True)
    n = len(ins)
    inner = jacrev(_scalar_output(func, "hessian", squeeze=True), argnums=tuple(range(n)))
    outer = jacrev if outer_jacobian_strategy == "reverse-mode" else jacfwd
    hess = outer(
        lambda *xs: tuple(inner(*xs)), argnums=tuple(range(n)), chunk_size=None if vectorize else 1
    )
    blocks = hess(*ins)
    if strict and create_graph:
        _strict_constant_result(hess, ins, "hessian", "Hessian (blocks row by row)", order=2)
    result = _unpack2(tuple(tuple(row) for row in blocks), in_tuple, in_tuple)
    return _check_detached(result, create_graph, "hessian")


def vhp(
    func: Callable[..., Any],
    inputs: Arrays,
    v: Arrays | None = None,
    create_graph: bool = False,
    strict: bool = False,
) -> tuple[Any, Any]:
    """Return ``(func(*inputs), vᵀH)`` for scalar-valued ``func``, by reverse-over-reverse.

    Args:
        func: a function of arrays returning one array with one element.
        inputs: an array or a tuple of arrays, the arguments of ``func``.
        v: shaped like ``inputs``; may be ``None`` when ``inputs`` is one array with one
            element (it is then 1).
        create_graph: let an enclosing transform differentiate the results.
        strict: raise ``ValueError`` if the output or its gradient is independent of an
            input (e.g. ``func`` is linear in it).

    Returns:
        ``(func_output, vhp)``: ``vhp`` has the structure of ``inputs``.

    >>> import numpy as np
    >>> value, vh = vhp(lambda x: np.sum(x ** 3), np.array([1.0, 2.0]), np.array([1.0, 1.0]))
    >>> float(value), vh
    (9.0, array([ 6., 12.]))
    """
    return _hessian_product(func, inputs, v, create_graph, strict, "vhp")


def hvp(
    func: Callable[..., Any],
    inputs: Arrays,
    v: Arrays | None = None,
    create_graph: bool = False,
    strict: bool = False,
) -> tuple[Any, Any]:
    """Return ``(func(*inputs), H v)`` for scalar-valued ``func`` (``functional_ad.hvp``).

    Args:
        func: a function of arrays returning one array with one element.
        inputs: an array or a tuple of arrays, the arguments of ``func``.
        v: shaped like ``inputs``; may be ``None`` when ``inputs`` is one array with one
            element (it is then 1).
        create_graph: let an enclosing transform differentiate the results.
        strict: raise ``ValueError`` if the output or its gradient is independent of an
            input (e.g. ``func`` is linear in it).

    Returns:
        ``(func_output, hvp)``: ``hvp`` has the structure of ``inputs``.

    >>> import numpy as np
    >>> value, (hv_x, hv_y) = hvp(lambda x, y: np.sum(x ** 2 * y), (np.ones(2), np.ones(2)),
    ...                           (np.ones(2), np.zeros(2)))
    >>> float(value), hv_x, hv_y
    (2.0, array([2., 2.]), array([2., 2.]))
    """
    return _hessian_product(func, inputs, v, create_graph, strict, "hvp")


def _hessian_product(
    func: Callable[..., Any],
    inputs: Arrays,
    v: Arrays | None,
    create_graph: bool,
    strict: bool,
    fn: str,
) -> tuple[Any, Any]:
    _check_flags(fn, create_graph, strict)
    in_tuple, ins = _as_tuple(inputs, "inputs", fn)
    if v is None:
        vs = _default_v(ins, fn, "input")
    else:
        _, vs = _as_tuple(v, "v", fn)
        _check_v(vs, ins, in_tuple, fn)
    if strict:
        _strict_second_order(func, ins, fn, pairs=False)
    f = _scalar_output(func, fn, squeeze=False)
    product_of = _vhp if fn == "vhp" else _hvp
    value, product = product_of(f, ins, tuple(vs))
    if strict and create_graph:
        _strict_constant_result(
            lambda *xs: tuple(product_of(f, xs, tuple(vs))[1]), ins, fn, "Hessian product", 2
        )
    result = (value, _unpack(tuple(product), in_tuple))
    return _check_detached(result, create_graph, fn)


__all__ = ["hessian", "hvp", "jacobian", "jvp", "vhp", "vjp"]
