"""The engine's observer interface: which hooks each transform reports to, and when."""

import numpy as np
import pytest

import functional_ad as fad
from functional_ad.core import Observer, installed_observer, observe, set_observer

X = np.array([0.1, 0.2, 0.3])


def loss(x):
    return np.sum(np.sin(x) * x)


class Log(Observer):
    """Every hook call, with the phases entered around it (a real observer, no mocks)."""

    def __init__(self):
        self.calls = []
        self.phases = []
        self.traces = []

    def evaluate(self, prim, fn, args, params):
        self.calls.append(("evaluate", prim.name, tuple(self.phases)))
        return fn(*args, **params)

    def rule(self, prim, phase, fn, args, params):
        self.calls.append(("rule", prim.name, tuple(self.phases) + (phase,)))
        return fn(*args, **params)

    def rules(self, phase, fn, *args):
        self.phases.append(phase)
        try:
            return fn(*args)
        finally:
            self.phases.pop()

    def backward(self, fn, *args):
        self.phases.append("backward")
        try:
            return fn(*args)
        finally:
            self.phases.pop()

    def batch(self, prim, fn, args, params):
        self.calls.append(("batch", prim.name, tuple(self.phases)))
        return fn(*args, **params)

    def trace_opened(self, trace):
        self.traces.append(("open", trace.transform))

    def trace_closed(self, trace):
        self.traces.append(("close", trace.transform))


def test_grad_reports_evaluations_the_backward_pass_and_each_vjp_rule():
    with observe(Log()) as log:
        g = fad.grad(loss)(X)
    np.testing.assert_allclose(g, np.cos(X) * X + np.sin(X))
    assert log.calls == [
        ("evaluate", "sin", ()),
        ("evaluate", "mul", ()),
        ("evaluate", "sum", ()),
        ("rule", "sum", ("backward", "vjp rule")),
        ("rule", "mul", ("backward", "vjp rule")),
        ("rule", "mul", ("backward", "vjp rule")),
        ("rule", "sin", ("backward", "vjp rule")),
    ]
    assert log.traces == [("open", "grad"), ("close", "grad")]


def test_jvp_reports_each_rule_inside_the_jvp_phase():
    with observe(Log()) as log:
        y, t = fad.jvp(loss, (X,), (np.ones(3),))
    np.testing.assert_allclose(t, np.sum(np.cos(X) * X + np.sin(X)))
    jvp_rules = [c for c in log.calls if c[0] == "rule"]
    assert jvp_rules == [
        ("rule", "sin", ("jvp rule", "jvp rule")),
        ("rule", "mul", ("jvp rule", "jvp rule")),  # one rule for both tangents of x * sin(x)
        ("rule", "sum", ("jvp rule", "jvp rule")),
    ]


def test_jvp_of_grad_evaluates_the_vjp_rules_primitives_inside_the_backward_pass():
    with observe(Log()) as log:  # forward over reverse
        fad.jvp(fad.grad(loss), (X,), (np.ones(3),))
    assert ("evaluate", "cos", ("backward",)) in log.calls  # sin's rule, on forward-mode values
    assert ("rule", "cos", ("backward", "jvp rule", "jvp rule")) in log.calls


def test_vmap_reports_batch_rules_and_the_calls_they_make():
    with observe(Log()) as log:
        out = fad.vmap(np.sin)(np.ones((2, 3)))
    np.testing.assert_allclose(out, np.sin(np.ones((2, 3))))
    assert log.calls == [("batch", "sin", ()), ("evaluate", "sin", ())]
    assert log.traces == [("open", "vmap"), ("close", "vmap")]


def test_custom_rules_are_reported_like_any_primitive():
    @fad.custom_vjp
    def double(x):
        return 2 * x

    double.defvjp(lambda x: (2 * x, None), lambda res, g: (2 * g,))
    with observe(Log()) as log:
        np.testing.assert_allclose(fad.grad(lambda x: np.sum(double(x)))(X), 2.0)
    names = {(kind, name) for kind, name, _ in log.calls}
    assert {("evaluate", "custom_vjp[double]"), ("rule", "custom_vjp[double]")} <= names


def test_a_trace_reports_to_the_observer_it_opened_with():
    log = Log()

    def f(x):
        with observe(log):  # installed after grad's trace opened
            return np.sum(np.sin(x))

    fad.grad(f)(X)
    assert log.calls == [] and log.traces == []


def test_a_reverse_pass_reports_to_the_observer_installed_when_it_runs():
    _, vjp_fn = fad.vjp(loss, X)  # recorded with no observer
    with observe(Log()) as log:
        (bar,) = vjp_fn(1.0)
    np.testing.assert_allclose(bar, np.cos(X) * X + np.sin(X))
    assert [c[:2] for c in log.calls] == [
        ("rule", "sum"),
        ("rule", "mul"),
        ("rule", "mul"),
        ("rule", "sin"),
    ]
    with observe(Log()) as log:
        _, vjp_fn = fad.vjp(loss, X)
    vjp_fn(1.0)  # after the block: nothing more is reported
    assert all(kind == "evaluate" for kind, _, _ in log.calls)


def test_observe_restores_the_previous_observer_even_on_error():
    outer, inner = Log(), Log()
    assert installed_observer() is None
    with observe(outer):
        with pytest.raises(ZeroDivisionError), observe(inner):
            raise ZeroDivisionError
        assert installed_observer() is outer
    assert installed_observer() is None
    assert set_observer(None) is None


def test_the_default_observer_changes_nothing():
    with observe(Observer()):
        inside = (fad.grad(loss)(X), fad.hessian(loss)(X), fad.vmap(np.sin)(np.ones((2, 3))))
    outside = (fad.grad(loss)(X), fad.hessian(loss)(X), fad.vmap(np.sin)(np.ones((2, 3))))
    for a, b in zip(inside, outside, strict=True):
        np.testing.assert_array_equal(a, b)
