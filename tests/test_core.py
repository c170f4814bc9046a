"""The engine alone: toy primitives on Python floats (and arrays), no NumPy dispatch involved."""

from __future__ import annotations

import math
import threading

import numpy as np
import pytest

from functional_ad.core import Primitive, Tracer, TracerLeakError, active_traces, bind, concrete
from functional_ad.transforms import grad, jvp, vjp

# toy primitives: their rules are written with the toy primitives, so they nest
mul_rules = (lambda t, y, a, b: mul(t, b), lambda t, y, a, b: mul(a, t))
mul = Primitive("toy_mul", lambda x, y: x * y, jvp=mul_rules, vjp=mul_rules)
sin_rule = lambda t, y, x: mul(t, cos(x))
sin = Primitive("toy_sin", lambda x: math.sin(float(x)), jvp=sin_rule, vjp=sin_rule)
cos_rule = lambda t, y, x: mul(t, neg(sin(x)))
cos = Primitive("toy_cos", lambda x: math.cos(float(x)), jvp=cos_rule, vjp=cos_rule)
neg_rule = lambda t, y, x: neg(t)
neg = Primitive("toy_neg", lambda x: -x, jvp=neg_rule, vjp=neg_rule)


def f(x):
    return mul(sin(x), x)  # x sin x


def df(x):
    return math.sin(x) + x * math.cos(x)


def d2f(x):
    return 2 * math.cos(x) - x * math.sin(x)


def test_plain_call_runs_the_implementation():
    assert f(0.5) == pytest.approx(0.5 * math.sin(0.5))
    assert not isinstance(bind(mul, 2.0, 3.0), Tracer)


def test_forward_and_reverse_first_order():
    _, tangent = jvp(f, (0.5,), (1.0,))
    assert float(tangent) == pytest.approx(df(0.5))
    _, pullback = vjp(f, 0.5)
    assert float(pullback(1.0)[0]) == pytest.approx(df(0.5))


@pytest.mark.parametrize(
    "second",
    [
        lambda x: grad(grad(f))(x),
        lambda x: jvp(grad(f), (x,), (1.0,))[1],
        lambda x: grad(lambda y: jvp(f, (y,), (1.0,))[1])(x),
        lambda x: jvp(lambda y: jvp(f, (y,), (1.0,))[1], (x,), (1.0,))[1],
    ],
    ids=["rev-over-rev", "fwd-over-rev", "rev-over-fwd", "fwd-over-fwd"],
)
def test_second_order_in_every_mode_mix(second):
    assert float(second(0.5)) == pytest.approx(d2f(0.5))


def test_no_perturbation_confusion():
    # d/dx [x * d/dy (x * y)] at y = 1 is 2x, not x
    inner = lambda x: grad(lambda y: mul(x, y))(1.0)
    assert float(grad(lambda x: mul(x, inner(x)))(3.0)) == pytest.approx(6.0)


def test_levels_grow_and_traces_close():
    seen = []

    def probe(x):
        seen.append(active_traces())
        return mul(x, x)

    grad(lambda x: grad(probe)(x))(2.0)
    assert len(seen[0]) == 2 and seen[0][0].level < seen[0][1].level
    assert active_traces() == ()


def test_exception_leaves_no_trace_state():
    def boom(x):
        raise RuntimeError("inside")

    with pytest.raises(RuntimeError):
        grad(boom)(1.0)
    assert active_traces() == ()
    assert float(grad(f)(0.5)) == pytest.approx(df(0.5))


def test_leaked_tracer_names_the_transform():
    leaked = []

    def leak(x):
        leaked.append(x)
        return mul(x, x)

    grad(leak)(2.0)
    with pytest.raises(TracerLeakError, match="grad"):
        mul(leaked[0], 3.0)


def test_concrete_sees_through_nested_tracers():
    values = []
    grad(lambda x: grad(lambda y: (values.append(concrete(y)), mul(y, x))[1])(x))(2.0)
    assert float(values[0]) == 2.0


def test_threads_have_their_own_trace_stacks():
    results = {}

    def work(i):
        x = 0.1 * i
        results[i] = float(grad(grad(f))(x)) - d2f(x)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(abs(r) < 1e-12 for r in results.values())


# ---------------------------------------------------------------------------
# forward mode runs the tangent rules of each call at once, whatever the sizes
# ---------------------------------------------------------------------------


def counted_double(calls: list) -> Primitive:
    """A toy doubling primitive whose jvp rule appends to ``calls`` each time it runs."""

    def rule(t, y, x):
        calls.append(x)
        return mul(2.0, t)

    return Primitive("toy_double", lambda x: 2.0 * x, jvp=rule, vjp=lambda g, y, x: mul(2.0, g))


BIG = np.full(10_000, 1.5)  # 80 kB, above graph.KEEP_BELOW
ONES = np.ones_like(BIG)


def test_forward_mode_runs_rules_at_once_on_small_and_large_values():
    calls = []
    double = counted_double(calls)
    seen = []

    def g(y):
        z = double(y)
        seen.append(len(calls))  # how many times the rule has run when the call returns
        return z

    assert float(jvp(g, (1.0,), (1.0,))[1]) == 2.0
    assert np.all(jvp(g, (BIG,), (ONES,))[1] == 2.0)
    assert seen == [1, 2]


def test_forward_mode_reads_a_large_buffer_before_it_is_written():
    """The tangent of ``buffer * x`` is ``buffer * x_dot`` with the buffer's values at the
    time of the product, even when the buffer is written afterwards."""

    def f(x):
        buffer = np.full(10_000, 3.0)  # large: 80 kB
        y = np.multiply(buffer, x)
        buffer[:] = -1.0  # written after use
        return y

    import functional_ad as fad  # (the NumPy front end: np.multiply on a tracer)

    _, tangent = fad.jvp(f, (BIG,), (ONES,))
    np.testing.assert_array_equal(tangent, np.full(10_000, 3.0))


def test_rules_cannot_be_assigned_after_declaration():
    p = Primitive("toy_late", lambda x: x)
    with pytest.raises(TypeError, match="complete when declared"):
        p.vjp = (lambda g, y, x: g,)


def test_jvp_and_vjp_rule_counts_must_agree():
    with pytest.raises(TypeError, match="2 jvp rules but 1 vjp"):
        Primitive("toy_bad", lambda x, y: x, jvp=(neg_rule, neg_rule), vjp=(neg_rule,))


def test_a_missing_rule_for_one_argument_raises_when_needed():
    half = Primitive(
        "toy_half", lambda x, y: x * y, jvp=(mul_rules[0], None), vjp=(mul_rules[0], None)
    )
    assert grad(lambda x: half(x, 2.0))(3.0) == 2.0  # the missing rule is not needed
    with pytest.raises(NotImplementedError, match="vjp rule for argument 1 of primitive"):
        grad(lambda y: half(2.0, y))(3.0)
    with pytest.raises(NotImplementedError, match="jvp rule for argument 1 of primitive"):
        jvp(lambda y: half(2.0, y), (3.0,), (1.0,))


def test_a_rule_count_that_does_not_fit_the_call_raises():
    one = Primitive("toy_one", lambda x, y: x * y, jvp=(neg_rule,), vjp=(neg_rule,))
    with pytest.raises(TypeError, match="1 vjp rules but was called with 2"):
        grad(lambda x: one(x, x))(3.0)
