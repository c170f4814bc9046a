"""The profiler: events and phases, the table, Chrome trace JSON, and a clean engine afterwards."""

import json
import re
import sys

import numpy as np
import pytest

import functional_ad as fad
from functional_ad.core import installed_observer
from functional_ad.ops.registry import PRIMITIVES
from functional_ad.tools.profiler import profile
from functional_ad.transforms.forward import JVPTrace

X = np.array([0.1, 0.2, 0.3])
PRIMITIVE_FIELDS = ("impl", "jvp", "jvp_joint", "vjp", "vjp_joint")


def loss(x):
    return np.sum(np.sin(x) * x)


def snapshot():
    """Everything the profiler swaps, to check that it is all put back."""
    fields = {(name, f): getattr(p, f) for name, p in PRIMITIVES.items() for f in PRIMITIVE_FIELDS}
    modules = {
        (name, attr): vars(m)[attr]
        for name, m in list(sys.modules.items())
        if name.startswith("functional_ad") and m is not None
        for attr in ("backward_pass", "new_trace", "bind")
        if attr in vars(m)
    }
    return fields, modules, JVPTrace.__dict__["process"]


def table_rows(table):
    """The data rows of a table as lists of cells (columns are separated by 2+ spaces)."""
    lines = table.splitlines()
    assert set(lines[1]) <= {"-", " "}
    return [re.split(r"\s{2,}", line.strip()) for line in lines[2:-1]]


def phases(prof):
    return {(e.name, e.phase) for e in prof.events}


# ---------------------------------------------------------------------------- events and phases


def test_grad_records_forward_and_vjp_rule_calls():
    with profile() as prof:
        fad.grad(loss)(X)
    assert phases(prof) == {
        ("sin", "forward"),
        ("mul", "forward"),
        ("sum", "forward"),
        ("sum", "vjp rule"),
        ("mul", "vjp rule"),
        ("sin", "vjp rule"),
    }
    calls = [(e.name, e.phase) for e in prof.events]
    assert calls.count(("mul", "vjp rule")) == 2  # one rule per differentiated argument
    assert all(e.duration_ns >= e.self_ns >= 0 for e in prof.events)
    assert all(e.shapes is None for e in prof.events)


def test_jvp_records_jvp_rule_calls():
    with profile() as prof:
        fad.jvp(loss, (X,), (np.ones(3),))
    assert phases(prof) == {
        ("sin", "forward"),
        ("mul", "forward"),
        ("sum", "forward"),
        ("sin", "jvp rule"),
        ("mul", "jvp rule"),
        ("sum", "jvp rule"),
    }


def test_nested_phases_in_jvp_of_grad():
    """Forward over reverse: the reverse pass runs under forward mode, so the vjp rules'
    primitives are evaluated in the vjp phase and their tangents are jvp rule calls."""
    with profile() as prof:
        fad.jvp(fad.grad(loss), (X,), (np.ones(3),))
    found = phases(prof)
    assert {("sin", "forward"), ("sin", "jvp rule"), ("sin", "vjp rule")} <= found
    assert ("cos", "vjp rule") in found  # sin's vjp rule evaluates cos on traced values
    assert ("cos", "jvp rule") in found  # ... and forward mode differentiates it
    events = prof.events
    sin_rule = next(e for e in events if (e.name, e.phase) == ("sin", "vjp rule"))
    inside = [
        e
        for e in events
        if e is not sin_rule
        and sin_rule.start_ns <= e.start_ns <= sin_rule.start_ns + sin_rule.duration_ns
    ]
    assert {e.name for e in inside} >= {"cos", "mul"}  # the rule's own primitive calls
    assert sin_rule.self_ns < sin_rule.duration_ns


def test_phases_in_hvp():
    """hvp is reverse over forward: forward mode's rules run while the gradient records, so
    the primitives they call (cos, for sin) have their vjp rules run by the reverse pass."""
    with profile() as prof:
        fad.hvp(loss, (X,), (np.ones(3),))
    found = phases(prof)
    assert {("sin", "forward"), ("sin", "jvp rule"), ("sin", "vjp rule")} <= found
    assert {("cos", "jvp rule"), ("cos", "vjp rule")} <= found


def test_self_times_partition_the_timed_time():
    """Self times add up to the time of the outermost events: nothing is counted twice."""
    with profile() as prof:
        fad.hessian(loss)(X)
    events = prof.events

    def contains(outer, inner):
        return (
            outer is not inner
            and outer.start_ns <= inner.start_ns
            and (inner.start_ns + inner.duration_ns <= outer.start_ns + outer.duration_ns)
        )

    outermost = [e for e in events if not any(contains(o, e) for o in events)]
    assert len(outermost) < len(events)  # hessian nests rules and primitive calls
    assert sum(e.self_ns for e in events) == sum(e.duration_ns for e in outermost)


def test_counts_follow_the_computation():
    def chain(x):
        for _ in range(5):
            x = np.sin(x)
        return np.sum(x)

    with profile() as prof:
        fad.grad(chain)(X)
        fad.grad(chain)(X)
    stats = {(s.op, s.phase): s.calls for s in prof.summary()}
    assert stats[("sin", "forward")] == 10
    assert stats[("sin", "vjp rule")] == 10
    assert stats[("sum", "forward")] == 2


def test_spans_for_transforms_and_backward_passes():
    with profile() as prof:
        fad.grad(loss)(X)
        fad.jvp(loss, (X,), (np.ones(3),))
    names = [s.name for s in prof.spans]
    assert names == ["grad: forward", "backward", "jvp: forward mode"]
    backward = prof.spans[1]
    for event in prof.events:
        inside = backward.start_ns <= event.start_ns <= backward.start_ns + backward.duration_ns
        if event.phase == "vjp rule":
            assert inside


def test_custom_jvp_primitives_are_timed_too():
    @fad.custom_jvp
    def soft(x):
        return np.log1p(np.exp(x))

    soft.defjvp(
        lambda primals, tangents: (soft(primals[0]), tangents[0] / (1 + np.exp(-primals[0])))
    )
    with profile() as prof:
        fad.grad(lambda x: np.sum(soft(x)))(X)
    assert {("custom_jvp[soft]", "forward"), ("custom_jvp[soft]", "vjp rule")} <= phases(prof)


def test_record_shapes():
    with profile(record_shapes=True) as prof:
        fad.grad(lambda m: np.sum(m @ m.T))(np.ones((2, 3)))
    shapes = {(e.name, e.phase): e.shapes for e in prof.events}
    assert shapes[("matmul", "forward")] == ((2, 3), (3, 2))
    assert shapes[("sum", "forward")] == ((2, 2),)
    assert shapes[("matmul", "vjp rule")] == ((2, 3), (3, 2))  # the primal inputs of the rule


# ---------------------------------------------------------------------------- the table


def test_table_columns_and_content():
    with profile() as prof:
        fad.grad(loss)(X)
    table = prof.table()
    assert re.split(r"\s+", table.splitlines()[0]) == [
        "op",
        "phase",
        "calls",
        "total",
        "mean",
        "share",
    ]
    rows = table_rows(table)
    assert {(r[0], r[1]) for r in rows} == phases(prof)
    assert all(re.fullmatch(r"[\d.]+ (ns|us|ms|s)", r[3]) for r in rows)
    shares = [float(r[5].rstrip("%")) for r in rows]
    assert sum(shares) == pytest.approx(100.0, abs=0.5)
    totals = [s.total_ns for s in sorted(prof.summary(), key=lambda s: -s.total_ns)]
    assert totals == sorted(totals, reverse=True)
    assert "6 of 6 rows; 7 timed calls took" in table.splitlines()[-1]
    assert str(prof) == table


def test_table_sorting_top_and_grouping_by_shape():
    def f(x):
        return np.sum(np.sin(x)) + np.sum(np.sin(np.ones((2, 2)) * x[0]))

    with profile(record_shapes=True) as prof:
        fad.grad(f)(X)
    rows = table_rows(prof.table(sort_by="calls"))
    calls = [int(r[2]) for r in rows]
    assert calls == sorted(calls, reverse=True)
    assert [r[0] for r in table_rows(prof.table(sort_by="op", top=None))] == sorted(
        r[0] for r in rows
    )
    assert len(table_rows(prof.table(top=2))) == 2
    grouped = prof.table(group_by_shape=True, top=None)
    assert grouped.splitlines()[0].endswith("input shapes")
    sin_forward = [r for r in table_rows(grouped) if r[:2] == ["sin", "forward"]]
    assert sorted(r[6] for r in sin_forward) == ["[2,2]", "[3]"]


def test_table_argument_errors():
    with profile() as prof:
        fad.grad(loss)(X)
    with pytest.raises(ValueError, match="sort_by must be one of"):
        prof.table(sort_by="fastest")
    with pytest.raises(ValueError, match="record_shapes=True"):
        prof.table(group_by_shape=True)


def test_empty_profile():
    with profile() as prof:
        np.sin(X)  # plain NumPy never reaches functional_ad
    assert prof.events == [] and table_rows(prof.table()) == []


# ---------------------------------------------------------------------------- Chrome trace


def test_chrome_trace_is_valid_json_with_complete_events(tmp_path):
    with profile(record_shapes=True) as prof:
        fad.grad(loss)(X)
        fad.hvp(loss, (X,), (np.ones(3),))
    path = tmp_path / "trace.json"
    prof.export_chrome_trace(str(path))
    trace = json.loads(path.read_text())
    events = [e for e in trace["traceEvents"] if e["ph"] == "X"]
    assert len(events) == len(prof.events) + len(prof.spans)
    for event in events:
        assert {"name", "ph", "ts", "dur", "pid", "tid", "cat"} <= set(event)
        assert isinstance(event["ts"], (int, float)) and event["ts"] >= 0
        assert isinstance(event["dur"], (int, float)) and event["dur"] >= 0
    categories = {e["cat"] for e in events}
    assert categories == {"forward", "jvp rule", "vjp rule", "transform", "backward"}
    primitive = next(e for e in events if e["name"] == "sin" and e["cat"] == "forward")
    assert primitive["args"] == {"phase": "forward", "input_shapes": [[3]]}
    # spans enclose the events that ran inside them (same thread, nested in time)
    backward = next(e for e in events if e["name"] == "backward")
    rules = [
        e
        for e in events
        if e["cat"] == "vjp rule"
        and e["ts"] < backward["ts"] + backward["dur"]
        and e["ts"] >= backward["ts"]
    ]
    assert rules and all(
        e["ts"] + e["dur"] <= backward["ts"] + backward["dur"] + 1e-3 for e in rules
    )
    assert any(e["ph"] == "M" for e in trace["traceEvents"])  # the process name


# ---------------------------------------------------------------------------- off by default


def test_profiling_is_off_outside_the_block_and_restores_everything():
    before = snapshot()
    assert installed_observer() is None
    with profile():
        assert installed_observer() is not None  # an observer, not instrumented primitives
        assert snapshot() == before
        fad.grad(loss)(X)
        assert snapshot() == before
    assert installed_observer() is None
    assert snapshot() == before

    def fails(x):
        np.sin(x)
        raise ZeroDivisionError("inside the transform")

    with pytest.raises(ZeroDivisionError), profile():
        fad.grad(fails)(1.0)
    assert snapshot() == before
    assert installed_observer() is None


def test_nested_profiles_see_their_own_calls():
    with profile() as outer:
        fad.grad(loss)(X)
        with profile(record_shapes=True) as inner:
            fad.jvp(loss, (X,), (np.ones(3),))
        fad.grad(loss)(X)
    # jvp: 3 evaluations and 3 rule calls (mul's tangent d(x z) = dx z + x dz is one rule)
    assert len(inner.events) == 6 and all(e.shapes is not None for e in inner.events)
    assert len(outer.events) == 7 + 6 + 7
    assert {e.phase for e in inner.events} == {"forward", "jvp rule"}


def test_results_do_not_change_while_profiling():
    with profile():
        inside = (fad.grad(loss)(X), fad.hessian(loss)(X), fad.make_graph(loss)(X)(X))
    outside = (fad.grad(loss)(X), fad.hessian(loss)(X), fad.make_graph(loss)(X)(X))
    for a, b in zip(inside, outside, strict=True):
        np.testing.assert_array_equal(a, b)


def test_a_vjp_function_called_inside_the_block_is_profiled():
    _, vjp_fn = fad.vjp(loss, X)  # recorded before the block
    with profile() as prof:
        vjp_fn(1.0)
    assert phases(prof) == {("sum", "vjp rule"), ("mul", "vjp rule"), ("sin", "vjp rule")}
    assert [s.name for s in prof.spans] == ["backward"]


def test_vmap_primitive_calls_are_timed_once_each():
    with profile(record_shapes=True) as prof:
        fad.vmap(lambda x: np.sum(np.sin(x)))(np.ones((2, 3)))
    assert [(e.name, e.phase, e.shapes) for e in prof.events] == [
        ("sin", "forward", ((2, 3),)),
        ("sum", "forward", ((2, 3),)),
    ]
    assert [s.name for s in prof.spans] == ["vmap: batching"]
