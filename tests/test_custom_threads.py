"""custom_vjp and custom_jvp called from several threads at once: each call keeps its own
residuals, so concurrent gradients never mix."""

import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import functional_ad as fad


@fad.custom_vjp
def scaled_sin(x, scale):
    return scale * np.sin(x)


def _fwd(x, scale):
    time.sleep(0)  # let another thread run between fwd and bwd
    return scale * np.sin(x), (np.cos(x), scale, np.sin(x))


def _bwd(residuals, g):
    cos_x, scale, sin_x = residuals
    time.sleep(0)
    return g * scale * cos_x, np.sum(g * sin_x)


scaled_sin.defvjp(_fwd, _bwd)


@fad.custom_jvp
def cube(x):
    return x**3


@cube.defjvp
def _cube_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    time.sleep(0)
    return x**3, 3 * x**2 * t


def _work(i):
    rng = np.random.default_rng(i)
    x = rng.normal(size=5)
    scale = float(i + 1)
    gx, gs = fad.grad(lambda x, s: np.sum(scaled_sin(x, s) ** 2), argnums=(0, 1))(x, scale)
    h = fad.hessian(lambda x: np.sum(scaled_sin(x, scale)))(x)
    _, tangent = fad.jvp(lambda x: scaled_sin(x, scale), (x,), (np.ones(5),))
    gc = fad.grad(lambda x: np.sum(cube(x)))(x)
    return i, x, scale, gx, gs, h, tangent, gc


@pytest.fixture
def fast_switching():
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(old)


def test_concurrent_gradients_never_mix(fast_switching):
    seen_threads = set()

    def work(i):
        seen_threads.add(threading.get_ident())
        return _work(i)

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(work, range(400)))
    assert len(seen_threads) > 1
    for i, x, scale, gx, gs, h, tangent, gc in results:
        y = scale * np.sin(x)
        np.testing.assert_allclose(gx, 2 * y * scale * np.cos(x), rtol=1e-13, err_msg=str(i))
        np.testing.assert_allclose(gs, np.sum(2 * y * np.sin(x)), rtol=1e-13, err_msg=str(i))
        np.testing.assert_allclose(h, np.diag(-scale * np.sin(x)), atol=1e-13, err_msg=str(i))
        np.testing.assert_allclose(tangent, scale * np.cos(x), rtol=1e-13, err_msg=str(i))
        np.testing.assert_allclose(gc, 3 * x**2, rtol=1e-13, err_msg=str(i))


def test_one_pullback_shared_by_threads(fast_switching):
    # pullbacks made in one thread and called in others keep their own residuals
    pullbacks = []
    points = [np.full(3, 0.1 * i) for i in range(20)]
    for x in points:
        _, pullback = fad.vjp(lambda x: scaled_sin(x, 2.0), x)
        pullbacks.append(pullback)

    def run(k):
        return pullbacks[k % 20](np.ones(3))[0]

    with ThreadPoolExecutor(max_workers=8) as pool:
        out = list(pool.map(run, range(200)))
    for k, g in enumerate(out):
        np.testing.assert_allclose(g, 2.0 * np.cos(points[k % 20]), rtol=1e-13)
