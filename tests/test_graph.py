"""Graphs: the printed listing, walking back to the leaves, replay, transforms of a graph, DOT."""

import re
import shutil
import sys

import numpy as np
import pytest

import functional_ad as fad
from functional_ad.graph import Const, Graph, Node
from functional_ad.graph_text import format_type

RNG = np.random.default_rng(0)


def tutorial(a):
    """The tutorial's computation: d = 2 sin(a) + 1, summed."""
    b = np.sin(a)
    c = 2.0 * b
    d = c + 1.0
    return np.sum(d)


TUTORIAL_LISTING = """\
graph(a: f64[25]) {
  b: f64[25] = sin a
  c: f64[25] = mul 2.0 b
  d: f64[25] = add c 1.0
  e: f64[] = sum d
  return e
}"""


@pytest.fixture
def a():
    return np.linspace(0.0, 2.0 * np.pi, 25)


@pytest.fixture
def graph(a):
    return fad.make_graph(tutorial)(a)


# ---------------------------------------------------------------------------- the listing


def test_printed_graph_of_the_tutorial_matches(graph):
    assert str(graph) == TUTORIAL_LISTING
    assert isinstance(graph, Graph)
    assert repr(graph) == "<Graph tutorial: 1 inputs, 4 nodes, 1 outputs>"


def test_listing_shows_params_comparisons_and_several_outputs():
    def f(x):
        y = np.where(x > 0, x, 0.0)
        z = np.reshape(y, (2, 3)).sum(axis=0, keepdims=True)
        return z.T[0:2], np.floor(x)

    expected = """\
graph(a: f64[6]) {
  b: bool[6] = greater a 0
  c: f64[6] = where b a 0.0
  d: f64[2,3] = reshape c shape=(2, 3)
  e: f64[1,3] = sum d axis=(0,) keepdims=True
  f: f64[3,1] = transpose e axes=(1, 0)
  g: f64[2,1] = getitem f index=(0:2,)
  h: f64[6] = floor a
  return g, h
}"""
    assert str(fad.make_graph(f)(np.arange(6.0) - 2)) == expected


def test_listing_of_float32_multi_result_and_constant_operands():
    def f(m):
        sign, logdet = np.linalg.slogdet(m)
        return logdet * np.array([1.0, 2.0], np.float32) + np.ones((2, 2), np.float32)

    listing = str(fad.make_graph(f)(np.eye(2, dtype=np.float32)))
    assert listing.splitlines()[:2] == ["graph(a: f32[2,2]) {", "  b: f32[], c: f32[] = slogdet a"]
    assert "mul c [1.0, 2.0]" in listing  # short constants inline
    assert "add d f32[2,2]" in listing  # larger ones by type


def test_names_continue_after_z():
    def chain(x):
        for _ in range(30):
            x = x * 1.5
        return x

    graph = fad.make_graph(chain)(1.0)
    names = [node.output.label for node in graph.nodes]
    assert names[:2] == ["b", "c"] and names[24:27] == ["z", "aa", "ab"]


def test_format_type():
    assert format_type(np.float64, ()) == "f64[]"
    assert format_type(np.complex64, (2, 3)) == "c64[2,3]"
    assert format_type(np.int32, (4,)) == "i32[4]"
    assert format_type(np.bool_, (1,)) == "bool[1]"


# ---------------------------------------------------------------------------- walking back


def test_walk_back_from_the_output_to_the_leaf(graph):
    """The counterpart of following grad_fn.next_functions in the tutorial."""
    value = graph.outputs[0]
    assert isinstance(value, Node) and value.label == "e" and not value.is_leaf
    seen = []
    node = value.node
    while node is not None:
        assert isinstance(node, Node)
        seen.append(node.primitive.name)
        variables = [x for x in node.inputs if isinstance(x, Node)]
        assert len(variables) == 1
        leaf_or_next = variables[0]
        node = leaf_or_next.node
    assert seen == ["sum", "add", "mul", "sin"]
    assert leaf_or_next is graph.inputs[0] and leaf_or_next.is_leaf
    np.testing.assert_allclose(leaf_or_next.value, np.linspace(0.0, 2.0 * np.pi, 25))


def test_next_nodes_and_walk_back_list(graph):
    add_node = graph.outputs[0].node.next_nodes[0]
    assert add_node.name == "add"
    assert isinstance(add_node.inputs[1], Const) and add_node.inputs[1].value == 1.0
    assert add_node.next_nodes == (graph.nodes[1], None)  # mul, and the constant
    assert [n.name for n in graph.walk_back()] == ["sum", "add", "mul", "sin"]
    assert graph.walk_back(graph.nodes[0].output) == [graph.nodes[0]]


def test_walk_back_skips_nodes_an_output_does_not_need():
    graph = fad.make_graph(lambda x, y: (np.sin(x), np.cos(y) * 2.0))(1.0, 2.0)
    assert [n.name for n in graph.walk_back(0)] == ["sin"]
    assert [n.name for n in graph.walk_back(1)] == ["mul", "cos"]


def test_recorded_values_are_kept(graph, a):
    np.testing.assert_allclose(graph.nodes[1].output.value, 2 * np.sin(a))
    assert graph.outputs[0].shape == () and graph.outputs[0].dtype == np.float64


# ---------------------------------------------------------------------------- replay


def test_replay_and_grad_of_graph_equal_direct_results(graph):
    x = RNG.uniform(-3, 3, 25)
    np.testing.assert_allclose(graph(x), tutorial(x))
    np.testing.assert_allclose(fad.grad(graph)(x), fad.grad(tutorial)(x))
    np.testing.assert_allclose(fad.grad(graph)(x), 2 * np.cos(x))
    v = RNG.standard_normal(25)
    np.testing.assert_allclose(fad.jvp(graph, (x,), (v,))[1], fad.jvp(tutorial, (x,), (v,))[1])
    assert fad.grad(graph).__name__ == "grad_of_graph_of_tutorial"


def test_hessian_of_replayed_graph():
    def f(x):
        return np.sum(np.exp(x) * np.sin(x[::-1]))

    x = RNG.standard_normal(4)
    graph = fad.make_graph(f)(x)
    x2 = RNG.standard_normal(4)
    np.testing.assert_allclose(fad.hessian(graph)(x2), fad.hessian(f)(x2))


def test_argnums_pytrees_in_and_out():
    def model(params, inputs, scale=1.0):
        hidden = np.tanh(inputs @ params["w"] + params["b"])
        return {"loss": np.sum(hidden**2) * scale, "hidden": hidden}

    params = {"w": RNG.standard_normal((3, 2)), "b": np.zeros(2)}
    inputs = RNG.standard_normal((4, 3))
    graph = fad.make_graph(model, argnums=0)(params, inputs, scale=0.5)
    assert str(graph).startswith("graph(a: f64[2], b: f64[3,2]) {")  # dict leaves sorted by key
    new_params = {"w": RNG.standard_normal((3, 2)), "b": RNG.standard_normal(2)}
    replayed = graph(new_params)
    direct = model(new_params, inputs, scale=0.5)
    assert set(replayed) == {"loss", "hidden"}
    np.testing.assert_allclose(replayed["loss"], direct["loss"])
    np.testing.assert_allclose(replayed["hidden"], direct["hidden"])
    g_graph = fad.grad(lambda p: graph(p)["loss"])(new_params)
    g_direct = fad.grad(lambda p: model(p, inputs, scale=0.5)["loss"])(new_params)
    for key in params:
        np.testing.assert_allclose(g_graph[key], g_direct[key])


def test_replay_recomputes_comparisons_but_keeps_python_branches():
    def relu_sum(x):
        return np.sum(np.where(x > 0, x, 0.0))

    def branchy(x):
        if np.sum(x) > 0:  # Python control flow: fixed at recording time
            return np.sum(x * 2.0)
        return np.sum(x * -1.0)

    x, y = np.array([1.0, -2.0, 3.0]), np.array([-1.0, 2.0, -3.0])
    relu = fad.make_graph(relu_sum)(x)
    assert relu(y) == relu_sum(y) == 2.0
    np.testing.assert_allclose(fad.grad(relu)(y), [0.0, 1.0, 0.0])
    branch = fad.make_graph(branchy)(x)
    assert branch(y) == -4.0  # the recorded branch, not branchy(y) == 2.0
    assert branchy(y) == 2.0


def test_replay_checks_structure_shapes_and_dtypes(graph):
    with pytest.raises(ValueError, match="recorded as f64\\[25\\] but f64\\[3\\] was given"):
        graph(np.zeros(3))
    with pytest.raises(ValueError, match="f32\\[25\\]"):
        graph(np.zeros(25, np.float32))
    with pytest.raises(ValueError, match="structured as"):
        graph(np.zeros(25), np.zeros(25))
    scalar = fad.make_graph(np.sin)(0.5)
    assert scalar(1) == np.sin(1.0)  # Python numbers take the recorded dtype


def test_identity_and_constant_outputs():
    graph = fad.make_graph(lambda x: (x, 3.0))(np.ones(2))
    assert str(graph) == "graph(a: f64[2]) {\n  return a, 3.0\n}"
    out, const = graph(np.zeros(2))
    np.testing.assert_array_equal(out, np.zeros(2))
    assert const == 3.0


def test_item_assignment_is_recorded_and_replayed():
    def f(x):
        y = np.zeros(3, like=x)
        y[0] = x[0] ** 2
        y[1:] = np.sin(x[:2])
        return y

    x = RNG.standard_normal(3)
    graph = fad.make_graph(f)(x)
    assert [n.name for n in graph.nodes].count("scatter_set") == 2
    x2 = RNG.standard_normal(3)
    np.testing.assert_allclose(graph(x2), f(x2))
    np.testing.assert_allclose(fad.jacobian(graph)(x2), fad.jacobian(f)(x2))


# ---------------------------------------------------------------------------- graph of a gradient


def test_graph_of_grad_shows_forward_and_backward():
    def f(x):
        return np.sum(np.sin(x) * x)

    x = RNG.standard_normal(3)
    graph = fad.make_graph(fad.grad(f))(x)
    names = [n.name for n in graph.nodes]
    assert names[:3] == ["sin", "mul", "sum"]  # the forward pass
    assert "cos" in names[3:]  # sin's vjp rule, recorded by the outer trace
    x2 = RNG.standard_normal(3)
    np.testing.assert_allclose(graph(x2), fad.grad(f)(x2))
    np.testing.assert_allclose(graph(x2), np.sin(x2) + x2 * np.cos(x2))
    np.testing.assert_allclose(fad.jacobian(graph)(x2), fad.hessian(f)(x2))


# ---------------------------------------------------------------------------- gradient control


def test_stop_gradient_is_a_node_and_replays():
    def f(x):
        return np.sum(x * fad.stop_gradient(np.sin(x)))

    x = RNG.standard_normal(3)
    graph = fad.make_graph(f)(x)
    assert "stop_gradient b" in str(graph)
    np.testing.assert_allclose(fad.grad(graph)(x), np.sin(x))


def test_no_grad_nodes_are_marked_and_replayed_as_constants():
    def f(x):
        with fad.no_grad():
            scale = np.sin(x)
            with fad.enable_grad():
                square = x * x
        return np.sum(x * scale + square)

    x = RNG.standard_normal(3)
    graph = fad.make_graph(f)(x)
    lines = str(graph).splitlines()
    assert lines[1] == "  b: f64[3] = sin a  # no_grad"
    assert lines[2] == "  c: f64[3] = mul a a"
    assert [n.no_grad for n in graph.nodes] == [True, False, False, False, False]
    x2 = RNG.standard_normal(3)
    np.testing.assert_allclose(graph(x2), f(x2))
    np.testing.assert_allclose(fad.grad(graph)(x2), fad.grad(f)(x2))
    np.testing.assert_allclose(fad.grad(graph)(x2), np.sin(x2) + 2 * x2)


def test_graph_of_grad_with_no_grad_inside_keeps_the_semantics():
    def f(x):
        with fad.no_grad():
            weight = np.exp(-x * x)
        return np.sum(weight * np.sin(x))

    x = RNG.standard_normal(3)
    graph = fad.make_graph(fad.grad(f))(x)
    assert sum(node.no_grad for node in graph.nodes) == 3  # neg, mul, exp
    x2 = RNG.standard_normal(3)
    np.testing.assert_allclose(graph(x2), np.exp(-x2 * x2) * np.cos(x2))
    np.testing.assert_allclose(fad.jacobian(graph)(x2), fad.hessian(f)(x2))


def test_graph_recorded_inside_no_grad_is_not_marked():
    """A transform started inside a no_grad block works normally; make_graph too."""
    with fad.no_grad():
        graph = fad.make_graph(tutorial)(np.zeros(25))
    assert not any(node.no_grad for node in graph.nodes)
    assert str(graph) == TUTORIAL_LISTING


# ---------------------------------------------------------------------------- DOT and images

DOT_NODE = re.compile(r"^\s+(\w+) \[label=\"((?:[^\"\\]|\\.)*)\", (.*)\];$")
DOT_EDGE = re.compile(r"^\s+(\w+) -> (\w+) \[label=\"((?:[^\"\\]|\\.)*)\"(.*)\];$")


def parse_dot(text):
    """Return ({id: (label, attributes)}, [(tail, head, label)]) of our DOT output."""
    nodes, edges = {}, []
    for line in text.splitlines()[1:-1]:
        if match := DOT_EDGE.match(line):
            edges.append(match.groups()[:3])
        elif match := DOT_NODE.match(line):
            nodes[match.group(1)] = (match.group(2), match.group(3))
    return nodes, edges


def test_dot_output_structure(graph):
    dot = graph.to_dot()
    lines = dot.strip().splitlines()
    assert lines[0] == 'digraph "tutorial" {' and lines[-1] == "}"
    nodes, edges = parse_dot(dot)
    assert set(nodes) == {"in0", "n0", "n1", "n2", "n3", "k0", "k1"}
    assert nodes["in0"][0] == "input a\\nf64[25]" and "fillcolor" in nodes["in0"][1]
    assert nodes["n0"][0] == "sin\\nb: f64[25]"
    assert nodes["n3"][0] == "sum\\ne: f64[]"
    assert "peripheries=2" in nodes["n3"][1]  # the output stands out
    assert all("peripheries=2" not in nodes[f"n{i}"][1] for i in range(3))
    assert nodes["k0"][0] == "2.0" and nodes["k1"][0] == "1.0"
    assert ("in0", "n0", "a") in edges
    assert ("k0", "n1", "arg 0") in edges and ("n0", "n1", "b (arg 1)") in edges
    assert ("n2", "n3", "d") in edges
    assert len(edges) == 6
    for tail, head, _ in edges:  # every edge joins declared nodes
        assert tail in nodes and head in nodes


def test_dot_marks_returned_inputs_and_no_grad_nodes():
    def f(x):
        with fad.no_grad():
            y = np.exp(x)
        return x, y

    nodes, edges = parse_dot(fad.make_graph(f)(np.ones(2)).to_dot())
    assert "(no_grad)" in nodes["n0"][0]
    assert nodes["out0"][0] == "output 0\\nf64[2]" and ("in0", "out0", "a") in edges


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot program not installed")
def test_dot_output_is_accepted_by_graphviz(graph, tmp_path):
    import subprocess

    result = subprocess.run(
        ["dot", "-Tsvg"], input=graph.to_dot(), capture_output=True, text=True, check=True
    )
    assert "<svg" in result.stdout


def test_render_without_graphviz_names_the_extra(graph, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "graphviz", None)  # import graphviz now fails
    with pytest.raises(ImportError, match=re.escape("pip install functional_ad[viz]")):
        graph.render(str(tmp_path / "g.svg"))


def test_render_writes_an_image(graph, tmp_path):
    pytest.importorskip("graphviz")
    if shutil.which("dot") is None:
        with pytest.raises(ImportError, match="`dot` program"):
            graph.render(tmp_path / "g.svg")
        return
    svg = graph.render(tmp_path / "g.svg")
    assert "<svg" in (tmp_path / "g.svg").read_text() and svg.endswith("g.svg")
    graph.render(tmp_path / "g.png")
    assert (tmp_path / "g.png").read_bytes()[:4] == b"\x89PNG"


def test_indices_read_from_values_replay_with_the_new_values():
    g = fad.make_graph(lambda x: x[np.argmax(x)] * 2.0)(np.array([1.0, 3.0, 2.0]))
    assert [node.primitive.name for node in g.nodes] == ["argmax", "take", "mul"]
    assert float(g(np.array([5.0, 1.0, 2.0]))) == 10.0
    np.testing.assert_allclose(fad.grad(g)(np.array([5.0, 1.0, 2.0])), [2.0, 0.0, 0.0])


# ---------------------------------------------------------------------------- one graph type


def test_the_graph_holds_the_recorded_nodes_themselves():
    """make_graph wraps what the recording trace recorded: the same objects, not copies."""
    seen = []

    def f(x):
        y = np.sin(x)
        seen.append(y)
        return np.sum(y * 2.0)

    graph = fad.make_graph(f)(np.ones(3))
    assert seen[0]._node is graph.nodes[0]
    assert all(type(node) is Node for node in graph.tape)
    assert graph.outputs[0].next_nodes[0].inputs[0] is graph.nodes[0]


def test_reverse_mode_records_the_same_node_type_a_graph_prints():
    seen = []

    def f(x):
        y = np.cos(np.sin(x))
        seen.append(y)
        return np.sum(y)

    fad.grad(f)(np.ones(2))
    node = seen[0]._node
    assert type(node) is Node and node.name == "cos"
    assert node.next_nodes[0].name == "sin" and node.next_nodes[0].next_nodes == (None,)
    assert node.inputs[0].inputs[0].is_leaf


def test_compiled_graph_is_made_of_nodes_and_replays_like_the_program():
    def f(x):
        w, v = np.linalg.eigh(x)
        return np.sum(w * 1.0) + np.sum(v**2)

    x = np.array([[2.0, 0.5], [0.5, 1.0]])
    compiled = fad.compile(f)
    expected = f(x)
    assert compiled(x) == pytest.approx(expected)
    graph = compiled.graph
    assert all(type(node) is Node for node in graph.tape)
    assert "mul" not in [node.name for node in graph.nodes]  # x * 1.0 simplified away
    assert graph(x) == pytest.approx(expected)  # the same graph replays by binding
    assert fad.grad(graph)(x) == pytest.approx(fad.grad(f)(x))


def test_a_read_only_plain_array_is_recorded_as_it_is_a_writable_one_is_copied():
    matrix = np.arange(6.0).reshape(2, 3)
    graph = fad.make_graph(lambda x: matrix @ x)(np.ones(3))
    recorded = graph.nodes[0].inputs[0].value
    assert recorded is not matrix and np.array_equal(recorded, matrix)  # a copy
    matrix.setflags(write=False)
    graph = fad.make_graph(lambda x: matrix @ x)(np.ones(3))
    assert graph.nodes[0].inputs[0].value is matrix  # used as it is
