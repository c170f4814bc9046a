"""A ``Graph`` as text: its listing, Graphviz DOT text, and images through the optional
``graphviz`` package (imported only when a picture is drawn).

Each primitive call is a box labelled with its primitive and output type; graph inputs are
filled blue ellipses, outputs are green boxes with a double border, constants are small grey
notes. Edges carry the name of the value that flows along them, so the drawing and the
printed listing use the same names.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any, TypeAlias

import numpy as np

from .core import Tracer

# (Graph, Node and Const live in graph.py, which imports this module: they are read here by
# their attributes only)
Graph: TypeAlias = Any
Node: TypeAlias = Any
Const: TypeAlias = Any


def _is_var(x: Any) -> bool:
    """True for a recorded value (a ``Node``), false for a constant operand (``Const``)."""
    return getattr(x, "label", None) is not None


VIZ_HINT = (
    "pip install functional_ad[viz] (the graphviz Python package) and the Graphviz programs "
    "(the `dot` binary: apt install graphviz, brew install graphviz, conda install graphviz)"
)

_INPUT_STYLE = 'shape=ellipse, style=filled, fillcolor="#cfe2ff"'
_NODE_STYLE = 'shape=box, style="rounded,filled", fillcolor="#f8f9fa"'
_OUTPUT_STYLE = 'shape=box, style="rounded,filled,bold", peripheries=2, fillcolor="#d1e7dd"'
_NO_GRAD_STYLE = 'shape=box, style="rounded,filled,dashed", fillcolor="#eeeeee"'
_CONST_STYLE = 'shape=note, style=filled, fillcolor="#f1f1f1", fontsize=9, fontcolor="#555555"'


# ----------------------------------------------------------------------------- the listing

_DTYPE_KINDS = {"f": "f", "c": "c", "i": "i", "u": "u"}


def format_type(dtype: Any, shape: tuple[int, ...]) -> str:
    """``f64[2,3]`` for a float64 array of shape (2, 3); ``bool[]`` for a boolean scalar."""
    dtype = np.dtype(dtype)
    kind = _DTYPE_KINDS.get(dtype.kind)
    short = f"{kind}{dtype.itemsize * 8}" if kind else ("bool" if dtype.kind == "b" else dtype.name)
    return f"{short}[{','.join(str(n) for n in shape)}]"


def _format_number(x: Any) -> str:
    if isinstance(x, (bool, np.bool_)):
        return str(bool(x))
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    if isinstance(x, (complex, np.complexfloating)):
        return repr(complex(x))
    text = f"{float(x):.6g}"
    return text if any(c in text for c in ".eni") else text + ".0"


def format_constant(value: Any, max_items: int = 4) -> str:
    """A short rendering of a constant operand: ``2.0``, ``[1.0, 2.0]`` or ``f64[5,5]``."""
    if isinstance(value, Tracer):  # a value of a transform around make_graph
        return format_type(value.dtype, value.shape)
    x = value
    if isinstance(x, (bool, int, float, complex, np.generic)):
        return _format_number(x)
    if isinstance(x, np.ndarray):
        if x.ndim == 0:
            return _format_number(x[()])
        if x.ndim == 1 and x.size <= max_items and x.dtype.kind in "biufc":
            return "[" + ", ".join(_format_number(v) for v in x) + "]"
        return format_type(x.dtype, x.shape)
    return _format_param(x)


def _format_param(value: Any) -> str:
    if isinstance(value, slice):
        parts = ["" if p is None else str(p) for p in (value.start, value.stop, value.step)]
        return ":".join(parts[:2] if value.step is None else parts)
    if value is Ellipsis:
        return "..."
    if isinstance(value, tuple):
        inner = ", ".join(_format_param(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, list):
        return "[" + ", ".join(_format_param(v) for v in value) + "]"
    if isinstance(value, np.dtype):
        return value.name
    if isinstance(value, (np.ndarray, np.generic)):
        return format_constant(value)
    if isinstance(value, type) and issubclass(value, np.generic):
        return np.dtype(value).name
    return repr(value)


def format_params(params: dict) -> str:
    """``axis=(0,) keepdims=True``; parameters that are ``None`` or ``False`` are left out."""
    return " ".join(
        f"{key}={_format_param(value)}"
        for key, value in params.items()
        if value is not None and value is not False
    )


def format_operand(x: Any) -> str:
    """A value's name (a ``Node``), or a constant's short rendering (a ``Const``)."""
    return x.label if _is_var(x) else format_constant(x.value)


def format_node(node: Node) -> str:
    """One listing line without indentation: ``c: f64[25] = mul 2.0 b``."""
    outs = ", ".join(f"{v.label}: {v.type}" for v in node.outputs)
    parts = [node.name, *(format_operand(x) for x in node.inputs)]
    params = format_params(node.params)
    if params:
        parts.append(params)
    line = f"{outs} = {' '.join(parts)}"
    return line + "  # no_grad" if node.no_grad else line


def format_graph(graph: Graph) -> str:
    """The whole listing: header with the inputs, one node a line, the returned values."""
    header = ", ".join(f"{v.label}: {v.type}" for v in graph.inputs)
    lines = [f"graph({header}) {{"]
    lines += [f"  {format_node(node)}" for node in graph.nodes]
    lines.append("  return " + ", ".join(format_operand(x) for x in graph.outputs))
    lines.append("}")
    return "\n".join(lines)


# ----------------------------------------------------------------------------- drawings


def _quote(text: str) -> str:
    """A DOT string literal; ``\\n`` in ``text`` stays a DOT line break."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _node_label(node: Node) -> str:
    types = ", ".join(f"{v.label}: {v.type}" for v in node.outputs)
    params = format_params(node.params)
    lines = [node.name, types] + ([params] if params else [])
    if node.no_grad:
        lines.append("(no_grad)")
    return "\n".join(lines)


def to_dot(graph: Graph) -> str:
    """Return Graphviz DOT text for ``graph``.

    DOT ids: ``in0, in1, ...`` for inputs, ``n0, n1, ...`` for nodes (in execution order),
    ``k0, k1, ...`` for constant operands and ``out0, ...`` for outputs that are not produced
    by a node (an input or a constant returned as is).

    >>> import numpy as np
    >>> from functional_ad.graph import make_graph
    >>> dot = to_dot(make_graph(np.sin)(np.zeros(2)))
    >>> dot.splitlines()[0], "in0 -> n0" in dot
    ('digraph "sin" {', True)
    """
    lines = [
        f"digraph {_quote(graph.name)} {{",
        "  rankdir=TB;",
        '  node [fontname="Helvetica", fontsize=10];',
        '  edge [fontname="Helvetica", fontsize=9];',
    ]
    source: dict[Node, str] = {}
    returned = {id(x) for x in graph.outputs}
    for i, var in enumerate(graph.inputs):
        source[var] = f"in{i}"
        lines.append(
            f"  in{i} [label={_quote(f'input {var.label}' + chr(10) + var.type)}, {_INPUT_STYLE}];"
        )
    constants = 0
    for i, node in enumerate(graph.nodes):
        node_id = f"n{i}"
        is_output = any(id(v) in returned for v in node.outputs)
        style = _OUTPUT_STYLE if is_output else (_NO_GRAD_STYLE if node.no_grad else _NODE_STYLE)
        lines.append(f"  {node_id} [label={_quote(_node_label(node))}, {style}];")
        for position, x in enumerate(node.inputs):
            label = f"{x.label}" if _is_var(x) else ""
            if len(node.inputs) > 1:
                label = f"{label} (arg {position})" if label else f"arg {position}"
            if _is_var(x):
                lines.append(f"  {source[x]} -> {node_id} [label={_quote(label)}];")
            else:
                const_id = f"k{constants}"
                constants += 1
                lines.append(
                    f"  {const_id} [label={_quote(format_constant(x.value))}, {_CONST_STYLE}];"
                )
                lines.append(f"  {const_id} -> {node_id} [label={_quote(label)}, style=dashed];")
        for var in node.outputs:
            source[var] = node_id
    lines.extend(_loose_outputs(graph, source))
    lines.append("}")
    return "\n".join(lines) + "\n"


def _loose_outputs(graph: Graph, source: dict[Node, str]) -> list[str]:
    """Outputs that no node produced (an input or a constant returned as is) get a node too."""
    lines = []
    for i, x in enumerate(graph.outputs):
        if _is_var(x) and x.node is not None:
            continue
        text = f"output {i}\n" + (x.type if _is_var(x) else format_constant(x.value))
        lines.append(f"  out{i} [label={_quote(text)}, {_OUTPUT_STYLE}];")
        if _is_var(x):
            lines.append(f"  {source[x]} -> out{i} [label={_quote(x.label)}];")
    return lines


def render(graph: Graph, path: str | Path, format: str | None = None) -> str:
    """Write an image of ``graph`` to ``path`` (format from its suffix: svg, png, pdf...).

    Args:
        graph: the graph to draw.
        path: the file to write, e.g. ``"graph.svg"``.
        format: an explicit Graphviz output format, overriding the suffix.

    Returns:
        The path written, as a string.

    Raises:
        ImportError: the ``graphviz`` package or the ``dot`` program is missing; the message
            says what to install.
    """
    try:
        import graphviz
    except ImportError as error:
        raise ImportError(
            f"Graph.render needs Graphviz: {VIZ_HINT}. Graph.to_dot() gives the "
            "DOT text without it."
        ) from error
    path = Path(path)
    fmt = format or path.suffix.lstrip(".") or "svg"
    try:
        data = graphviz.Source(to_dot(graph)).pipe(format=fmt)
    except graphviz.ExecutableNotFound as error:
        raise ImportError(
            f"Graph.render found the graphviz package but not the `dot` program: {VIZ_HINT}"
        ) from error
    path.write_bytes(data)
    return str(path)


def to_svg(graph: Graph) -> str:
    """Return the graph drawn by Graphviz as SVG text.

    Raises:
        ImportError: the ``graphviz`` package or the ``dot`` program is missing.
    """
    try:
        import graphviz
    except ImportError as error:
        raise ImportError(f"drawing a Graph needs Graphviz: {VIZ_HINT}") from error
    try:
        return graphviz.Source(to_dot(graph)).pipe(format="svg").decode("utf-8")
    except graphviz.ExecutableNotFound as error:
        raise ImportError(
            f"drawing a Graph found the graphviz package but not the `dot` program: {VIZ_HINT}"
        ) from error


def text_svg(text: str) -> str:
    """The lines of ``text`` as an SVG image in a monospace font (no Graphviz needed)."""
    lines = text.splitlines() or [""]
    height = 18 * len(lines) + 12
    width = 8 * max(len(line) for line in lines) + 16
    body = "".join(
        f'<text x="8" y="{18 * (i + 1)}" xml:space="preserve">{html.escape(line)}</text>'
        for i, line in enumerate(lines)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'font-family="monospace" font-size="13">{body}</svg>'
    )


def repr_svg(graph: Graph) -> str:
    """The notebook image of a graph: Graphviz's drawing, or its listing when Graphviz is
    missing."""
    try:
        return to_svg(graph)
    except ImportError:
        return text_svg(str(graph))


def repr_html(graph: Graph) -> str:
    """The notebook view of a graph: the drawing (when Graphviz is installed) above the
    listing, which is also what ``print(graph)`` shows."""
    listing = f"<pre>{html.escape(str(graph))}</pre>"
    try:
        drawing = to_svg(graph)
    except ImportError:
        return listing + f"<p><small>(install Graphviz to see it drawn: {VIZ_HINT})</small></p>"
    drawing = drawing[drawing.find("<svg") :]  # no XML prolog inside HTML
    return f"<div>{drawing}</div><details><summary>listing</summary>{listing}</details>"
