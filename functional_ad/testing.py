"""Gradient checking against central finite differences, and hypothesis strategies for it.

``check_grads(f, args)`` compares ``jvp`` and ``vjp`` of ``f`` with central differences
along seeded random directions, to any order, and with ``full=True`` also compares whole
Jacobians. A failure is a plain ``AssertionError`` (deterministic for given inputs), so
hypothesis shrinks the inputs that make it fail. ``differentiable_arrays``,
``differentiable_floats`` and ``differentiable_pytrees`` draw inputs away from a function's
kinks and domain edges, where finite differences are valid (hypothesis is a test
dependency, not needed by the rest of this module):

>>> import numpy as np
>>> from hypothesis import given, settings
>>> @settings(max_examples=5, deadline=None)
... @given(differentiable_arrays(domain=(-2.0, 2.0), kinks=[0.0]))
... def test_my_function(x):
...     check_grads(lambda x: np.sum(np.abs(x) * np.tanh(x)), (x,), order=2)
>>> test_my_function()
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .core.tree import tree_flatten, tree_map, tree_unflatten
from .transforms import jacfwd, jacrev, jvp, vjp

_MODE_NAMES = {"fwd": "forward", "rev": "reverse"}


# ----------------------------------------------------------------------------- helpers


def _random_like(rng: np.random.Generator, x: Any) -> Any:
    x = np.asarray(x)
    v = rng.standard_normal(x.shape)
    if np.iscomplexobj(x):
        v = v + 1j * rng.standard_normal(x.shape)
    return v.astype(x.dtype) if np.issubdtype(x.dtype, np.inexact) else v


def _inner(a: Any, b: Any) -> float:
    """Real inner product of two pytrees: sum over leaves of Re <a, b> = Re sum conj(a) b."""
    la, _ = tree_flatten(a)
    lb, _ = tree_flatten(b)
    return float(
        sum(np.real(np.vdot(np.asarray(x), np.asarray(y))) for x, y in zip(la, lb, strict=True))
    )


def _numerical_jvp(f: Callable, args: tuple, v: Any, eps: float) -> Any:
    """``(f(x + εv) - f(x - εv)) / 2ε`` leaf by leaf."""
    plus = tree_map(lambda x, d: x + eps * d, args, v)
    minus = tree_map(lambda x, d: x - eps * d, args, v)
    return tree_map(lambda a, b: (np.asarray(a) - np.asarray(b)) / (2 * eps), f(*plus), f(*minus))


def _default_tolerance(args: tuple) -> float:
    leaves = tree_flatten(args)[0]
    single = any(np.asarray(x).dtype in (np.float32, np.complex64) for x in leaves)
    return 2e-2 if single else 1e-5


def _show(x: Any) -> str:
    return np.array2string(np.asarray(x), precision=6, threshold=20, max_line_width=100)


def _close(computed: Any, expected: Any, atol: float, rtol: float) -> bool:
    c, e = np.asarray(computed), np.asarray(expected)
    return c.shape == e.shape and bool(np.allclose(c, e, atol=atol, rtol=rtol, equal_nan=True))


def _trees_close(computed: Any, expected: Any, atol: float, rtol: float) -> bool:
    c_leaves, c_tree = tree_flatten(computed)
    e_leaves, e_tree = tree_flatten(expected)
    return c_tree == e_tree and all(
        _close(c, e, atol, rtol) for c, e in zip(c_leaves, e_leaves, strict=True)
    )


def _zeros_like_tree(tree: Any) -> Any:
    return tree_map(lambda x: np.zeros_like(np.asarray(x)), tree)


def _describe_order(path: tuple[str, ...], mode: str) -> str:
    """ "reverse mode (vjp), order 2: forward-over-reverse" and the like."""
    api = "jvp" if mode == "fwd" else "vjp"
    text = f"{_MODE_NAMES[mode]} mode ({api}), order {len(path) + 1}"
    if path:
        chain = "-over-".join(_MODE_NAMES[m] for m in (mode, *reversed(path)))
        text += f" ({chain}: the function checked is the {_describe_function(path)})"
    return text


def _describe_function(path: tuple[str, ...]) -> str:
    expr = "f"
    for mode in path:
        expr = (
            f"jvp of {expr} along the earlier direction"
            if mode == "fwd"
            else f"vjp of {expr} with the earlier cotangent"
        )
    return expr


class _Leaves:
    """Names of the argument leaves: "argument 1" or "argument 0, leaf 2 of 3"."""

    def __init__(self, args: tuple) -> None:
        self.names: list[str] = []
        for i, arg in enumerate(args):
            leaves = tree_flatten(arg)[0]
            for j, leaf in enumerate(leaves):
                where = f"argument {i}" + (
                    f", leaf {j} of {len(leaves)}" if len(leaves) > 1 else ""
                )
                a = np.asarray(leaf)
                self.names.append(f"{where} (shape {a.shape}, {a.dtype})")


# ----------------------------------------------------------------------------- directional


class _Checker:
    """The settings of one ``check_grads`` call and the checks it runs."""

    def __init__(self, args: tuple, atol: float, rtol: float, eps: float, seed: int) -> None:
        self.leaves = _Leaves(args)
        self.atol, self.rtol, self.eps, self.seed = atol, rtol, eps, seed
        self.rng = np.random.default_rng(seed)

    def settings(self) -> str:
        return f"atol={self.atol}, rtol={self.rtol}, eps={self.eps}, seed={self.seed}"

    def check(
        self,
        f: Callable,
        args: tuple,
        order: int,
        modes: tuple[str, ...],
        path: tuple[str, ...] = (),
    ) -> None:
        """Check ``f`` in each mode at ``args``, then its jvp / vjp functions, to ``order``."""
        if order < 1:
            return
        v = tree_map(lambda x: _random_like(self.rng, x), args)
        expected = _numerical_jvp(f, args, v, self.eps)
        for mode in modes:
            if mode == "fwd":
                self.check_jvp(f, args, v, expected, path)

                def f_jvp(*xs: Any, f: Callable = f, v: Any = v) -> Any:
                    return jvp(f, xs, v)[1]

                self.check(f_jvp, args, order - 1, modes, path + ("fwd",))
            else:
                out, pullback = vjp(f, *args)
                u = tree_map(lambda y: _random_like(self.rng, y), out)
                self.check_vjp(f, args, v, u, pullback, expected, path)

                def f_vjp(*xs: Any, f: Callable = f, u: Any = u) -> Any:
                    return vjp(f, *xs)[1](u)

                self.check(f_vjp, args, order - 1, modes, path + ("rev",))

    def check_jvp(
        self, f: Callable, args: tuple, v: Any, expected: Any, path: tuple[str, ...]
    ) -> None:
        out, computed = jvp(f, args, v)
        if not path and not _trees_close(out, f(*args), self.atol, self.rtol):
            raise AssertionError(
                f"check_grads: the primal output of jvp differs from f(*args):\n"
                f"  jvp gives {_show(tree_flatten(out)[0])}\n"
                f"  f gives   {_show(tree_flatten(f(*args))[0])}"
            )
        if _trees_close(computed, expected, self.atol, self.rtol):
            return
        culprits = []
        for k, name in enumerate(self.leaves.names):
            v_k = _only_leaf(v, k)
            expected_k = _numerical_jvp(f, args, v_k, self.eps)
            computed_k = jvp(f, args, v_k)[1]
            if not _trees_close(computed_k, expected_k, self.atol, self.rtol):
                culprits.append(
                    f"for {name}:\n"
                    f"  direction v = {_show(tree_flatten(v)[0][k])}\n"
                    f"  finite differences give {_show_tree(expected_k)}\n"
                    f"  jvp computed            {_show_tree(computed_k)}"
                )
        if not culprits:
            culprits.append(
                "for all arguments together (no single argument fails on its own):\n"
                f"  direction v = {_show_tree(v)}\n"
                f"  finite differences give {_show_tree(expected)}\n"
                f"  jvp computed            {_show_tree(computed)}"
            )
        raise AssertionError(
            f"check_grads failed: {_describe_order(path, 'fwd')}, "
            + "\n".join(culprits)
            + f"\n  ({self.settings()})"
        )

    def check_vjp(
        self,
        f: Callable,
        args: tuple,
        v: Any,
        u: Any,
        pullback: Callable,
        expected: Any,
        path: tuple[str, ...],
    ) -> None:
        # <J v, u> from finite differences against <v, J^H u>. The pullback is the plain
        # transpose (no conjugation), so J^H u = conj(pullback(conj(u))).
        ct = _conj(pullback(_conj(u)))
        lhs = _inner(expected, u)
        rhs = _inner(v, ct)
        if _close(rhs, lhs, self.atol, self.rtol):
            return
        culprits = []
        ct_leaves = tree_flatten(ct)[0]
        v_leaves = tree_flatten(v)[0]
        for k, name in enumerate(self.leaves.names):
            lhs_k = _inner(_numerical_jvp(f, args, _only_leaf(v, k), self.eps), u)
            rhs_k = _inner(v_leaves[k], ct_leaves[k])
            if not _close(rhs_k, lhs_k, self.atol, self.rtol):
                culprits.append(
                    f"for {name}:\n"
                    f"  direction v = {_show(v_leaves[k])}, cotangent u = {_show_tree(u)}\n"
                    f"  finite differences give <u, J v> = {lhs_k!r}\n"
                    f"  vjp computed            <J^T u, v> = {rhs_k!r}\n"
                    f"  (vjp gave J^T u = {_show(ct_leaves[k])})"
                )
        if not culprits:
            culprits.append(
                "for all arguments together (no single argument fails on its own):\n"
                f"  finite differences give <u, J v> = {lhs!r}\n"
                f"  vjp computed            <J^T u, v> = {rhs!r}"
            )
        raise AssertionError(
            f"check_grads failed: {_describe_order(path, 'rev')}, "
            + "\n".join(culprits)
            + f"\n  ({self.settings()})"
        )


def _only_leaf(tree: Any, index: int) -> Any:
    """``tree`` with every leaf but number ``index`` replaced by zeros."""
    leaves, treedef = tree_flatten(tree)
    return tree_unflatten(
        treedef, [x if i == index else np.zeros_like(x) for i, x in enumerate(leaves)]
    )


def _conj(tree: Any) -> Any:
    return tree_map(lambda x: np.conj(x) if np.iscomplexobj(x) else x, tree)


def _show_tree(tree: Any) -> str:
    leaves = tree_flatten(tree)[0]
    return _show(leaves[0]) if len(leaves) == 1 else "[" + ", ".join(map(_show, leaves)) + "]"


# ----------------------------------------------------------------------------- full Jacobians


def _real_coordinates(args: tuple) -> tuple[list[np.ndarray], list[str], Callable]:
    """Real leaves for ``args`` (a complex leaf becomes its real and imaginary parts), their
    names, and ``rebuild(leaves) -> args``."""
    names = _Leaves(args).names
    flat, treedef = tree_flatten(args)
    real: list[np.ndarray] = []
    real_names: list[str] = []
    for leaf, name in zip(flat, names, strict=True):
        a = np.asarray(leaf)
        if np.iscomplexobj(a):
            real += [np.real(a).copy(), np.imag(a).copy()]
            real_names += [f"{name}, real part", f"{name}, imaginary part"]
        else:
            real.append(a)
            real_names.append(name)

    def rebuild(leaves: Sequence[Any]) -> tuple:
        it = iter(leaves)
        out = []
        for leaf in flat:
            if np.iscomplexobj(leaf):
                re, im = next(it), next(it)
                out.append(re + 1j * im)
            else:
                out.append(next(it))
        return tree_unflatten(treedef, out)

    return real, real_names, rebuild


def _real_outputs(out: Any) -> list[Any]:
    """Output leaves as real values: a complex leaf gives its real and imaginary parts."""
    leaves = []
    for y in tree_flatten(out)[0]:
        if np.iscomplexobj(y):
            leaves += [np.real(y), np.imag(y)]
        else:
            leaves.append(y)
    return leaves


def _check_full(
    f: Callable, args: tuple, modes: tuple[str, ...], atol: float, rtol: float, eps: float
) -> None:
    """Compare jacfwd / jacrev with a finite-difference Jacobian, entry by entry."""
    coords, names, rebuild = _real_coordinates(args)

    def f_real(leaves: list) -> list:
        return _real_outputs(f(*rebuild(leaves)))

    outs = [np.asarray(y) for y in f_real(coords)]
    expected = [
        [np.zeros(y.shape + x.shape, np.result_type(y, x, np.float32)) for x in coords]
        for y in outs
    ]
    for j, x in enumerate(coords):
        for k in range(x.size):
            plus = [c.copy() for c in coords]
            minus = [c.copy() for c in coords]
            plus[j].flat[k] += eps
            minus[j].flat[k] -= eps
            columns = zip(f_real(plus), f_real(minus), strict=True)
            for i, (a, b) in enumerate(columns):
                index = np.unravel_index(k, x.shape) if x.shape else ()
                entry: tuple[Any, ...] = (Ellipsis, *index)
                expected[i][j][entry] = (np.asarray(a) - np.asarray(b)) / (2 * eps)
    for mode in modes:
        transform = jacfwd if mode == "fwd" else jacrev
        computed = transform(f_real)(coords)
        for i, row in enumerate(expected):
            for j, block in enumerate(row):
                got = np.asarray(computed[i][j])
                if _close(got, block, atol, rtol):
                    continue
                err = np.abs(got - block) if got.shape == block.shape else None
                worst = (
                    np.unravel_index(int(np.argmax(err)), err.shape)
                    if err is not None and err.size
                    else None
                )
                detail = (
                    f"  largest error at index {tuple(int(w) for w in worst)}: "
                    f"computed {got[worst]!r}, finite differences {block[worst]!r}\n"
                    if worst is not None
                    else f"  shapes differ: computed {got.shape}, expected {block.shape}\n"
                )
                raise AssertionError(
                    f"check_grads failed: full Jacobian by {transform.__name__} "
                    f"({_MODE_NAMES[mode]} mode), output leaf {i}, {names[j]}:\n{detail}"
                    f"  finite differences give\n{_show(block)}\n"
                    f"  {transform.__name__} computed\n{_show(got)}\n"
                    f"  (atol={atol}, rtol={rtol}, eps={eps})"
                )


# ----------------------------------------------------------------------------- entry point


def check_grads(
    f: Callable[..., Any],
    args: Sequence[Any],
    order: int = 2,
    modes: Sequence[str] = ("fwd", "rev"),
    atol: float | None = None,
    rtol: float | None = None,
    eps: float | None = None,
    full: bool = False,
    *,
    seed: int = 0,
) -> None:
    """Check ``jvp`` and ``vjp`` of ``f`` at ``args`` against central differences.

    Forward mode compares ``J v`` with ``(f(x + εv) - f(x - εv)) / 2ε`` along a random
    direction ``v``; reverse mode checks ``<u, J v> = <Jᴴu, v>`` for a random cotangent
    ``u`` (the real inner product ``Re Σ conj(a) b``; for complex values ``Jᴴu`` is
    ``conj(vjp(conj(u)))`` under the library's no-conjugation convention). Each check then
    recurses on the jvp function ``x -> J(x) v`` and on the vjp function ``x -> J(x)ᵀ u``
    in every requested mode, down to ``order``: with both modes, order 2 covers
    forward-over-forward, reverse-over-forward, forward-over-reverse and
    reverse-over-reverse. Directions are drawn from ``numpy.random.default_rng(seed)``.

    Args:
        f: a function of arrays or pytrees of arrays, returning an array or a pytree.
        args: the point to check at (a tuple of arguments, float or complex).
        order: highest derivative order to check.
        modes: ``"fwd"`` and/or ``"rev"``.
        atol, rtol: tolerances (default from the dtype: 1e-5 in float64, 2e-2 in float32).
        eps: finite-difference step (default 1e-6 in float64, 1e-3 in float32).
        full: also compare the whole first-order Jacobians from ``jacfwd`` / ``jacrev``
            (per mode) with a finite-difference Jacobian, one column per input element
            (complex inputs and outputs are split into real and imaginary parts). It costs
            two evaluations of ``f`` per input element: meant for small inputs.
        seed: seed of the random directions.

    Raises:
        AssertionError: naming the mode, the order (and the chain of modes above the first
            order), the failing argument, the direction, and the expected and computed
            numbers.

    >>> import numpy as np
    >>> check_grads(np.sin, (np.array([0.3, 1.2]),), order=2, full=True)
    """
    args = tuple(args)
    modes = tuple(modes)
    unknown = [m for m in modes if m not in _MODE_NAMES]
    if unknown:
        raise ValueError(f"check_grads: unknown modes {unknown}; use 'fwd' and/or 'rev'")
    tol = _default_tolerance(args)
    atol = tol if atol is None else atol
    rtol = tol if rtol is None else rtol
    if eps is None:
        eps = 1e-3 if tol > 1e-3 else 1e-6
    _Checker(args, atol, rtol, eps, seed).check(f, args, order, modes)
    if full:
        _check_full(f, args, modes, atol, rtol, eps)


# ----------------------------------------------------------------------------- hypothesis


def _hypothesis() -> Any:
    try:
        import hypothesis.extra.numpy as hnp
        from hypothesis import strategies as st
    except ImportError as error:
        raise ImportError(
            "the strategies of functional_ad.testing need hypothesis: pip install hypothesis "
            '(or pip install "functional_ad[test]")'
        ) from error
    return st, hnp


def _smooth_intervals(
    domain: tuple[float, float], kinks: Sequence[float], margin: float
) -> list[tuple[float, float]]:
    """The closed pieces of ``domain`` at least ``margin`` from its ends and from each kink."""
    low, high = (float(b) for b in domain)
    if not low < high:
        raise ValueError(f"domain must be (low, high) with low < high, got {domain}")
    cuts = [low] + sorted(float(k) for k in kinks if low < k < high) + [high]
    pieces = [(a + margin, b - margin) for a, b in zip(cuts[:-1], cuts[1:], strict=True)]
    pieces = [(a, b) for a, b in pieces if a <= b]
    if not pieces:
        raise ValueError(
            f"no point of {domain} is {margin} away from its ends and the kinks {list(kinks)}; "
            f"use a smaller margin"
        )
    return pieces


def differentiable_floats(
    domain: tuple[float, float] = (-3.0, 3.0),
    kinks: Sequence[float] = (),
    margin: float = 1e-2,
) -> Any:
    """A hypothesis strategy of floats where a function is smooth.

    Values lie inside ``domain``, at least ``margin`` from its ends (a domain edge such as
    0 for ``log`` or ±1 for ``arcsin``) and from each point of ``kinks`` (where the function
    is not differentiable, such as 0 for ``abs``), so that finite differences are valid.
    Infinite ends are allowed: ``domain=(0.0, np.inf)``.

    >>> import numpy as np
    >>> from hypothesis import find
    >>> float(find(differentiable_floats((0.0, 1.0), kinks=[0.5]), lambda v: v > 0.5)) > 0.5
    True
    """
    st, _ = _hypothesis()
    pieces = _smooth_intervals(domain, kinks, margin)
    return st.one_of(
        *[
            st.floats(
                a if np.isfinite(a) else None,
                b if np.isfinite(b) else None,
                allow_nan=False,
                allow_infinity=False,
            )
            for a, b in pieces
        ]
    )


def differentiable_arrays(
    shape: int | tuple[int, ...] | None = None,
    domain: tuple[float, float] = (-3.0, 3.0),
    kinks: Sequence[float] = (),
    margin: float = 1e-2,
    dtype: Any = np.float64,
    max_dims: int = 2,
    max_side: int = 4,
) -> Any:
    """A hypothesis strategy of arrays whose elements are ``differentiable_floats``.

    Args:
        shape: the shape of every array, or ``None`` to draw shapes (up to ``max_dims``
            axes of at most ``max_side`` elements, scalars included).
        domain, kinks, margin: where the elements may lie (see ``differentiable_floats``).
        dtype: ``float64``, ``float32`` or a complex dtype (real and imaginary parts drawn
            from the same pieces).

    >>> import numpy as np
    >>> from hypothesis import given, settings
    >>> @settings(max_examples=20, deadline=None)
    ... @given(differentiable_arrays(domain=(0.0, 10.0)))
    ... def test_log(x):
    ...     check_grads(np.log, (x,), order=2)
    >>> test_log()
    """
    st, hnp = _hypothesis()
    dtype = np.dtype(dtype)
    if dtype.kind not in "fc":
        raise TypeError(f"differentiable_arrays draws float or complex arrays, not {dtype}")
    reals = differentiable_floats(domain, kinks, margin)
    if dtype.kind == "f":
        elements = reals.map(lambda v: dtype.type(v))
    else:
        elements = st.builds(lambda re, im: complex(re, im), reals, reals)
    shapes = (
        hnp.array_shapes(min_dims=0, max_dims=max_dims, min_side=1, max_side=max_side)
        if shape is None
        else st.just((shape,) if isinstance(shape, int) else tuple(shape))
    )
    return shapes.flatmap(
        lambda s: hnp.arrays(dtype, s, elements=elements, fill=st.nothing(), unique=False)
    )


def differentiable_pytrees(leaves: Any = None, max_leaves: int = 4) -> Any:
    """A hypothesis strategy of pytrees of arrays: arrays, tuples, lists and dicts of them.

    Args:
        leaves: the strategy for the arrays (default ``differentiable_arrays()``).
        max_leaves: the most arrays in one tree.

    >>> from hypothesis import find
    >>> from functional_ad import tree_leaves
    >>> len(tree_leaves(find(differentiable_pytrees(), lambda t: len(tree_leaves(t)) > 1)))
    2
    """
    st, _ = _hypothesis()
    leaves = differentiable_arrays() if leaves is None else leaves
    keys = st.text("abcdefgh", min_size=1, max_size=3)
    return st.recursive(
        leaves,
        lambda children: st.one_of(
            st.tuples(children, children),
            st.lists(children, min_size=1, max_size=3),
            st.dictionaries(keys, children, min_size=1, max_size=3),
        ),
        max_leaves=max_leaves,
    )


__all__ = [
    "check_grads",
    "differentiable_arrays",
    "differentiable_floats",
    "differentiable_pytrees",
]
