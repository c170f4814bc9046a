"""State that outlives a call is per context, and restored whatever interrupts it."""

import asyncio
import importlib
import threading

import numpy as np
import pytest

import functional_ad as fad
from functional_ad import core


def test_one_no_grad_object_shared_by_asyncio_tasks():
    shared = fad.no_grad()
    seen = []

    async def task(i):
        with shared:
            seen.append(("in", i, fad.is_grad_enabled()))
            await asyncio.sleep(0.01 * (2 - i))  # the first to enter leaves last
            seen.append(("inside", i, fad.is_grad_enabled()))
        seen.append(("out", i, fad.is_grad_enabled()))

    async def main():
        await asyncio.gather(task(0), task(1))

    asyncio.run(main())
    assert {(where, on) for where, _, on in seen} == {
        ("in", False),
        ("inside", False),
        ("out", True),
    }
    assert fad.is_grad_enabled()


def test_one_no_grad_object_shared_by_threads():
    shared = fad.no_grad()
    barrier = threading.Barrier(4)
    results = []

    def work(k):
        x = np.full(3, float(k + 1))
        with shared:
            barrier.wait()
            inside = fad.grad(lambda z: np.sum(z**2))(x)  # a transform inside: it works
        outside = fad.grad(lambda z: np.sum(z**3))(x)
        results.append((k, inside, outside))

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 4
    for k, inside, outside in results:
        np.testing.assert_allclose(inside, 2 * (k + 1))
        np.testing.assert_allclose(outside, 3 * (k + 1) ** 2)


def test_profiler_restores_everything_on_keyboard_interrupt():
    vjp_module = importlib.import_module("functional_ad.transforms.reverse")
    bind, backward = core.bind, vjp_module.backward_pass
    with pytest.raises(KeyboardInterrupt), fad.profile():
        fad.grad(lambda x: np.sum(np.sin(x)))(np.ones(2))
        raise KeyboardInterrupt
    assert core.bind is bind and vjp_module.backward_pass is backward
    with fad.profile() as prof:
        fad.grad(lambda x: np.sum(np.sin(x)))(np.ones(2))
    assert prof.events
