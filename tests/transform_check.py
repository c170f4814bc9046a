"""Check a NumPy program under every transform against plain NumPy and central differences.

``check_program(f, x)`` runs ``f`` (a function of one float64 array written with plain NumPy
calls, views and in-place updates included) on plain arrays, then under ``jvp``, ``vjp``,
``grad``, ``jacfwd``, ``jacrev``, ``hessian``, ``hvp``, ``vmap`` and ``compile``, and
compares every value with NumPy's and every derivative with central differences of the plain
NumPy program. The argument must never change.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

import functional_ad as fad

TRANSFORMS = ("jvp", "vjp", "grad", "jacfwd", "jacrev", "hessian", "hvp", "vmap", "compile")


def central_jacobian(f: Callable, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """The Jacobian of plain ``f`` by central differences, shape ``out.shape + x.shape``."""
    out_shape = np.shape(f(x.copy()))
    columns = []
    for i in range(x.size):
        step = np.zeros(x.size)
        step[i] = eps
        step = step.reshape(x.shape)
        columns.append((np.asarray(f(x + step)) - np.asarray(f(x - step))) / (2 * eps))
    return np.stack(columns, axis=-1).reshape(out_shape + x.shape)


def central_hessian(g: Callable, x: np.ndarray, eps: float = 1e-4) -> np.ndarray:
    """The Hessian of plain scalar ``g`` by second central differences."""
    n = x.size
    flat = x.ravel()
    h = np.zeros((n, n))

    def at(di: int, si: float, dj: int, sj: float) -> float:
        y = flat.copy()
        y[di] += si
        y[dj] += sj
        return float(g(y.reshape(x.shape)))

    for i in range(n):
        for j in range(n):
            plus = at(i, eps, j, eps) + at(i, -eps, j, -eps)
            minus = at(i, eps, j, -eps) + at(i, -eps, j, eps)
            h[i, j] = (plus - minus) / (4 * eps * eps)
    return h.reshape(x.shape + x.shape)


def check_program(
    f: Callable, x: np.ndarray, transforms: tuple[str, ...] = TRANSFORMS, rtol: float = 1e-6
) -> None:
    """Assert that ``f`` means under every transform what it means in NumPy."""
    x = np.asarray(x, dtype=np.float64)
    original = x.copy()
    want = np.asarray(f(x.copy()))
    rng = np.random.default_rng(0)
    v = rng.standard_normal(x.shape)
    u = rng.standard_normal(want.shape)
    jac = central_jacobian(f, x)
    jac_flat = jac.reshape(want.size, x.size)
    atol = 1e-6 * (1 + np.max(np.abs(jac), initial=0.0))

    def scalar(z):  # a smooth scalar of the output, for the second-order transforms
        return np.sum(np.sin(f(z)) * u)

    def same_value(got, what):
        np.testing.assert_allclose(np.asarray(got), want, rtol=1e-12, atol=1e-12, err_msg=what)

    if "jvp" in transforms:
        out, tangent = fad.jvp(f, (x,), (v,))
        same_value(out, "jvp value")
        np.testing.assert_allclose(
            np.ravel(tangent), jac_flat @ v.ravel(), rtol=rtol, atol=atol, err_msg="jvp"
        )
    if "vjp" in transforms:
        out, pullback = fad.vjp(f, x)
        same_value(out, "vjp value")
        (cotangent,) = pullback(u)
        np.testing.assert_allclose(
            np.ravel(cotangent), u.ravel() @ jac_flat, rtol=rtol, atol=atol, err_msg="vjp"
        )
    if "grad" in transforms:
        value, g = fad.value_and_grad(lambda z: np.sum(f(z) * u))(x)
        np.testing.assert_allclose(value, np.sum(want * u), rtol=1e-12, err_msg="grad value")
        np.testing.assert_allclose(
            np.ravel(g), u.ravel() @ jac_flat, rtol=rtol, atol=atol, err_msg="grad"
        )
    for name, jacobian in (("jacfwd", fad.jacfwd), ("jacrev", fad.jacrev)):
        if name in transforms:
            np.testing.assert_allclose(jacobian(f)(x), jac, rtol=rtol, atol=atol, err_msg=name)
    if "hessian" in transforms or "hvp" in transforms:
        h = central_hessian(scalar, x)
        h_flat = h.reshape(x.size, x.size)
        h_atol = 1e-4 * (1 + np.max(np.abs(h), initial=0.0))
        if "hessian" in transforms:
            np.testing.assert_allclose(
                fad.hessian(scalar)(x), h, rtol=1e-4, atol=h_atol, err_msg="hessian"
            )
        if "hvp" in transforms:
            _, hv = fad.hvp(scalar, (x,), (v,))
            np.testing.assert_allclose(
                np.ravel(hv), h_flat @ v.ravel(), rtol=1e-4, atol=h_atol, err_msg="hvp"
            )
    if "vmap" in transforms:
        batch = np.stack([x, x + 0.25, x - 0.5])
        looped = np.stack([np.asarray(f(b.copy())) for b in batch])
        np.testing.assert_allclose(fad.vmap(f)(batch), looped, rtol=1e-12, err_msg="vmap")
        np.testing.assert_array_equal(batch[0], x)
    if "compile" in transforms:
        compiled = fad.compile(f)
        np.testing.assert_allclose(compiled(x), want, rtol=1e-12, err_msg="compile")
        other = x + 0.125
        np.testing.assert_allclose(
            compiled(other), f(other.copy()), rtol=1e-12, err_msg="compile, new input"
        )
    np.testing.assert_array_equal(x, original, err_msg="the argument was changed")
