"""Drawing a ``Graph``: Graphviz DOT text, and images through the optional ``graphviz`` package.

Each primitive call is a box labelled with its primitive and output type; graph inputs are
filled blue ellipses, outputs are green boxes with a double border, constants are small grey
notes. Edges carry the name of the value that flows along them, so the drawing and the
printed listing use the same names.
"""

from __future__ import annotations

import html
from pathlib import Path

from .graph import Graph, GraphNode, Var, format_constant, format_params

VIZ_HINT = (
    "pip install functional_ad[viz] (the graphviz Python package) and the Graphviz programs "
    "(the `dot` binary: apt install graphviz, brew install graphviz, conda install graphviz)"
)

_INPUT_STYLE = 'shape=ellipse, style=filled, fillcolor="#cfe2ff"'
_NODE_STYLE = 'shape=box, style="rounded,filled", fillcolor="#f8f9fa"'
_OUTPUT_STYLE = 'shape=box, style="rounded,filled,bold", peripheries=2, fillcolor="#d1e7dd"'
_NO_GRAD_STYLE = 'shape=box, style="rounded,filled,dashed", fillcolor="#eeeeee"'
_CONST_STYLE = 'shape=note, style=filled, fillcolor="#f1f1f1", fontsize=9, fontcolor="#555555"'


def _quote(text: str) -> str:
    """A DOT string literal; ``\\n`` in ``text`` stays a DOT line break."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _node_label(node: GraphNode) -> str:
    types = ", ".join(f"{v.name}: {v.type}" for v in node.outputs)
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
    source: dict[Var, str] = {}
    returned = {id(x) for x in graph.outputs}
    for i, var in enumerate(graph.inputs):
        source[var] = f"in{i}"
        lines.append(
            f"  in{i} [label={_quote(f'input {var.name}' + chr(10) + var.type)}, {_INPUT_STYLE}];"
        )
    constants = 0
    for i, node in enumerate(graph.nodes):
        node_id = f"n{i}"
        is_output = any(id(v) in returned for v in node.outputs)
        style = _OUTPUT_STYLE if is_output else (_NO_GRAD_STYLE if node.no_grad else _NODE_STYLE)
        lines.append(f"  {node_id} [label={_quote(_node_label(node))}, {style}];")
        for position, x in enumerate(node.inputs):
            label = f"{x.name}" if type(x) is Var else ""
            if len(node.inputs) > 1:
                label = f"{label} (arg {position})" if label else f"arg {position}"
            if type(x) is Var:
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


def _loose_outputs(graph: Graph, source: dict[Var, str]) -> list[str]:
    """Outputs that no node produced (an input or a constant returned as is) get a node too."""
    lines = []
    for i, x in enumerate(graph.outputs):
        if type(x) is Var and x.node is not None:
            continue
        text = f"output {i}\n" + (x.type if type(x) is Var else format_constant(x.value))
        lines.append(f"  out{i} [label={_quote(text)}, {_OUTPUT_STYLE}];")
        if type(x) is Var:
            lines.append(f"  {source[x]} -> out{i} [label={_quote(x.name)}];")
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
