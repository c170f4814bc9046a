"""Pytrees: flatten nested tuples, lists, dicts, namedtuples and registered types to leaves."""

from __future__ import annotations

import sys
from collections.abc import Callable, Hashable, Iterable
from typing import Any

from .tracing import Tracer
from .views import STALE, fresh

_registry: dict[type, tuple[Callable, Callable]] = {}


def register_pytree_node(
    nodetype: type,
    flatten: Callable[[Any], tuple[Iterable[Any], Hashable]],
    unflatten: Callable[[Hashable, Iterable[Any]], Any],
) -> None:
    """Make ``nodetype`` a container every transform looks inside.

    Args:
        nodetype: the class to register.
        flatten: ``obj -> (children, aux)``; ``aux`` is hashable data kept out of the leaves.
        unflatten: ``(aux, children) -> obj``.

    >>> import dataclasses
    >>> @dataclasses.dataclass
    ... class Point:
    ...     x: float
    ...     y: float
    >>> register_pytree_node(Point, lambda p: ((p.x, p.y), None), lambda aux, c: Point(*c))
    >>> tree_flatten(Point(1.0, 2.0))[0]
    [1.0, 2.0]
    """
    _registry[nodetype] = (flatten, unflatten)


def _is_namedtuple(x: Any) -> bool:
    return isinstance(x, tuple) and hasattr(type(x), "_fields")


class TreeDef:
    """The structure of a pytree with its leaves taken out."""

    __slots__ = ("kind", "aux", "children", "num_leaves", "key", "hash")

    def __init__(self, kind: Any, aux: Any, children: tuple[TreeDef, ...]) -> None:
        self.kind = kind
        self.aux = aux
        self.children = children
        self.num_leaves: int = 1 if kind is None else sum(c.num_leaves for c in children)
        # computed once: structures are compared on every transform call
        self.key: tuple = (kind, aux, tuple(c.key for c in children))
        try:
            self.hash: int = hash(self.key)
        except TypeError:  # unhashable aux data of a registered node: compare, don't hash
            self.hash = hash((kind, self.num_leaves))

    def __eq__(self, other: object) -> bool:
        return self is other or (
            isinstance(other, TreeDef) and self.hash == other.hash and self.key == other.key
        )

    def __hash__(self) -> int:
        return self.hash

    def __repr__(self) -> str:
        if self.kind is None:
            return "*"
        if self.kind == "none":
            return "None"
        inner = ", ".join(map(repr, self.children))
        if self.kind is dict:
            inner = ", ".join(f"{k!r}: {c!r}" for k, c in zip(self.aux, self.children, strict=True))
            return "{" + inner + "}"
        if self.kind is list:
            return "[" + inner + "]"
        if self.kind is tuple:
            return "(" + inner + ("," if len(self.children) == 1 else "") + ")"
        return f"{getattr(self.kind, '__name__', self.kind)}({inner})"


_LEAF = TreeDef(None, None, ())
_NONE = TreeDef("none", None, ())


def tree_flatten(tree: Any) -> tuple[list[Any], TreeDef]:
    """Return the leaves of ``tree`` (depth first, dict keys sorted) and its structure.

    >>> leaves, treedef = tree_flatten({"b": (1, 2), "a": [3]})
    >>> leaves
    [3, 1, 2]
    """
    leaves: list[Any] = []
    try:
        return leaves, _flatten(tree, leaves)
    except RecursionError:
        raise ValueError(
            "pytree nested too deeply to flatten (deeper than Python's recursion limit, "
            f"{sys.getrecursionlimit()}): pass the values as a flat list or an array instead"
        ) from None


def _flatten(x: Any, leaves: list[Any]) -> TreeDef:
    t = type(x)
    if t is tuple or t is list:
        return TreeDef(t, None, tuple(_flatten(c, leaves) for c in x))
    if t is dict:
        keys = tuple(sorted(x))
        return TreeDef(dict, keys, tuple(_flatten(x[k], leaves) for k in keys))
    if x is None:
        return _NONE
    if t in _registry:
        children, aux = _registry[t][0](x)
        return TreeDef(t, aux, tuple(_flatten(c, leaves) for c in children))
    if _is_namedtuple(x):
        return TreeDef(t, None, tuple(_flatten(c, leaves) for c in x))
    if isinstance(x, Tracer) and x._trace is STALE:
        fresh(x)  # a view whose root was written: its value is recomputed before it is used
    leaves.append(x)
    return _LEAF


def tree_unflatten(treedef: TreeDef, leaves: Iterable[Any]) -> Any:
    """Rebuild a tree of structure ``treedef`` from ``leaves``.

    >>> leaves, treedef = tree_flatten((1, [2, 3]))
    >>> tree_unflatten(treedef, [10, 20, 30])
    (10, [20, 30])
    """
    it = iter(leaves)
    out = _unflatten(treedef, it)
    if next(it, _sentinel) is not _sentinel:
        raise ValueError(f"too many leaves for tree structure {treedef}")
    return out


_sentinel = object()


def _unflatten(treedef: TreeDef, it: Any) -> Any:
    kind = treedef.kind
    if kind is None:
        leaf = next(it, _sentinel)
        if leaf is _sentinel:
            raise ValueError("too few leaves for the tree structure")
        return leaf
    if kind == "none":
        return None
    children = [_unflatten(c, it) for c in treedef.children]
    if kind is tuple:
        return tuple(children)
    if kind is list:
        return children
    if kind is dict:
        return dict(zip(treedef.aux, children, strict=True))
    if kind in _registry:
        return _registry[kind][1](treedef.aux, children)
    return kind(*children)  # namedtuple


def tree_map(f: Callable[..., Any], tree: Any, *rest: Any) -> Any:
    """Apply ``f`` to the leaves of ``tree`` (and the matching leaves of ``rest``).

    >>> tree_map(lambda a, b: a + b, {"w": 1, "b": (2,)}, {"w": 10, "b": (20,)})
    {'b': (22,), 'w': 11}
    """
    leaves, treedef = tree_flatten(tree)
    others = []
    for r in rest:
        r_leaves, r_def = tree_flatten(r)
        if r_def != treedef:
            raise ValueError(f"tree structures differ: {treedef} and {r_def}")
        others.append(r_leaves)
    return tree_unflatten(treedef, [f(*xs) for xs in zip(leaves, *others, strict=True)])


def tree_leaves(tree: Any) -> list[Any]:
    """The leaves of ``tree``.

    >>> tree_leaves([1, (2, None)])
    [1, 2]
    """
    return tree_flatten(tree)[0]
