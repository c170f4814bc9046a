"""Notebook views: Graph's SVG and HTML, the profile's HTML table and plot, plot_matrix."""

import builtins
import shutil
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import functional_ad as fad
from functional_ad import graph_text


def tutorial(a):
    return np.sum(2.0 * np.sin(a) + 1.0)


@pytest.fixture
def graph():
    return fad.make_graph(tutorial)(np.linspace(0.0, 1.0, 5))


def hide_module(monkeypatch, name):
    """Make ``import name`` fail, as on a machine without that optional package."""
    real_import = builtins.__import__

    def fake_import(module, *args, **kwargs):
        if module == name or module.startswith(name + "."):
            raise ImportError(f"No module named {module!r}")
        return real_import(module, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)


def test_graph_svg_is_the_listing_without_graphviz(graph, monkeypatch):
    hide_module(monkeypatch, "graphviz")
    svg = graph._repr_svg_()
    root = ET.fromstring(svg)  # well-formed SVG
    assert root.tag.endswith("svg")
    texts = [t.text for t in root.iter() if t.tag.endswith("text")]
    assert texts == str(graph).splitlines()
    page = graph._repr_html_()
    assert "<pre>" in page and "= sin a" in page and "functional_ad[viz]" in page


@pytest.mark.skipif(shutil.which("dot") is None, reason="needs the Graphviz dot program")
def test_graph_svg_is_drawn_by_graphviz(graph):
    pytest.importorskip("graphviz")
    svg = graph._repr_svg_()
    assert "<svg" in svg and 'class="graph"' in svg
    for name in ("sin", "mul", "add", "sum"):
        assert f">{name}</text>" in svg
    page = graph._repr_html_()
    assert page.startswith("<div><svg") and "<details>" in page and "= sin a" in page


def test_to_svg_names_the_extra_without_graphviz(graph, monkeypatch):
    hide_module(monkeypatch, "graphviz")
    with pytest.raises(ImportError, match=r"functional_ad\[viz\]"):
        graph_text.to_svg(graph)


def profiled():
    with fad.profile() as prof:
        fad.grad(lambda x: np.sum(np.sin(x) * x))(np.ones(3))
    return prof


def test_profile_html_table_has_a_row_per_op_and_phase():
    prof = profiled()
    page = prof._repr_html_()
    assert page.count("<tr>") == 1 + len(prof.summary())
    for stats in prof.summary():
        assert f">{stats.op}</td>" in page and f">{stats.phase}</td>" in page
    assert "wall time" in page


def test_profile_plot_and_plot_matrix_draw():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    prof = profiled()
    ax = prof.plot()
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert sorted(labels) == sorted({s.op for s in prof.summary()})
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["forward", "vjp rule"]
    widths = sum(p.get_width() for p in ax.patches)
    assert widths == pytest.approx(sum(s.total_ns for s in prof.summary()) / 1e3)
    plt.close(ax.figure)

    x = np.array([1.0, -2.0, 3.0])
    hess = fad.hessian(lambda x: np.sum(x**3))(x)
    ax = fad.plot_matrix(hess, title="H")
    image = ax.get_images()[0]
    np.testing.assert_array_equal(image.get_array(), np.diag(6 * x))
    assert image.get_clim() == (-18.0, 18.0)  # symmetric about zero
    plt.close(ax.figure)
    ax = fad.plot_matrix(np.ones((2, 3, 2, 3)))
    assert ax.get_images()[0].get_array().shape == (6, 6)
    plt.close(ax.figure)
    with pytest.raises(TypeError, match="np.abs"):
        fad.plot_matrix(np.ones((2, 2)) * 1j)


def test_plots_name_the_extra_without_matplotlib(monkeypatch):
    hide_module(monkeypatch, "matplotlib")
    with pytest.raises(ImportError, match=r"functional_ad\[plot\]"):
        fad.plot_matrix(np.eye(2))
    with pytest.raises(ImportError, match=r"functional_ad\[plot\]"):
        profiled().plot()
