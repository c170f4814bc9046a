"""The functions the benchmarks differentiate, and their derivatives written out by hand.

Each function is written once for a NumPy-like module ``xp`` (``numpy`` for functional_ad and
the plain forward pass, ``autograd.numpy`` for HIPS autograd). The hand-written derivatives are
the references every result is checked against before it is timed.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

# ---------------------------------------------------------------------------
# Elementwise chain (workloads 1 and 2)
# ---------------------------------------------------------------------------


def elementwise_step(xp, x, step_index: int):
    """Apply one elementwise primitive, cycling through five kinds that keep values bounded."""
    kind = step_index % 5
    if kind == 0:
        return xp.sin(x)
    if kind == 1:
        return x * 1.5
    if kind == 2:
        return x + 0.25
    if kind == 3:
        return xp.tanh(x)
    return xp.exp(x)


def make_chain(xp, n_ops: int) -> Callable:
    """Return f(x) = sum(step_n o ... o step_1 (x)): n_ops elementwise primitives, then a sum."""

    def chain(x):
        for step_index in range(n_ops):
            x = elementwise_step(xp, x, step_index)
        return xp.sum(x)

    chain.__name__ = f"chain_{n_ops}"
    return chain


def chain_gradient(x: np.ndarray, n_ops: int) -> np.ndarray:
    """Return the gradient of ``make_chain(np, n_ops)`` by the chain rule, step by step."""
    value, slope = x, np.ones_like(x)
    for step_index in range(n_ops):
        kind = step_index % 5
        if kind == 0:
            slope = slope * np.cos(value)
        elif kind == 1:
            slope = slope * 1.5
        elif kind == 3:
            slope = slope * (1.0 - np.tanh(value) ** 2)
        elif kind == 4:
            slope = slope * np.exp(value)
        value = elementwise_step(np, value, step_index)
    return slope


# ---------------------------------------------------------------------------
# Tanh MLP with softmax cross-entropy (workloads 3 and 9)
# ---------------------------------------------------------------------------


def init_mlp(rng: np.random.Generator, sizes: tuple[int, int, int]) -> dict[str, np.ndarray]:
    """Return the parameters of a one-hidden-layer MLP with layer sizes (input, hidden, output)."""
    n_in, n_hidden, n_out = sizes
    return {
        "W1": rng.standard_normal((n_in, n_hidden)) / np.sqrt(n_in),
        "b1": 0.1 * rng.standard_normal(n_hidden),
        "W2": rng.standard_normal((n_hidden, n_out)) / np.sqrt(n_hidden),
        "b2": 0.1 * rng.standard_normal(n_out),
    }


def mlp_data(rng: np.random.Generator, batch: int, n_in: int, n_out: int):
    """Return random inputs of shape (batch, n_in) and one-hot targets of shape (batch, n_out)."""
    inputs = rng.standard_normal((batch, n_in))
    targets = np.eye(n_out)[rng.integers(0, n_out, size=batch)]
    return inputs, targets


def mlp_log_probs(xp, params, inputs):
    """Return the log-softmax of a tanh MLP's logits, over the last axis."""
    hidden = xp.tanh(inputs @ params["W1"] + params["b1"])
    logits = hidden @ params["W2"] + params["b2"]
    shifted = logits - xp.max(logits, axis=-1, keepdims=True)  # stable; the shift cancels
    return shifted - xp.log(xp.sum(xp.exp(shifted), axis=-1, keepdims=True))


def make_batch_loss(xp) -> Callable:
    """Return loss(params, inputs, targets): mean softmax cross-entropy over a batch."""

    def batch_loss(params, inputs, targets):
        return -xp.sum(targets * mlp_log_probs(xp, params, inputs)) / inputs.shape[0]

    return batch_loss


def make_example_loss(xp) -> Callable:
    """Return loss(params, x, target): softmax cross-entropy of one example (1-d x and target)."""

    def example_loss(params, x, target):
        return -xp.sum(target * mlp_log_probs(xp, params, x))

    return example_loss


def mlp_gradient(params, inputs, targets) -> dict[str, np.ndarray]:
    """Return the gradient of ``make_batch_loss(np)`` by hand-written backpropagation."""
    hidden = np.tanh(inputs @ params["W1"] + params["b1"])
    logits = hidden @ params["W2"] + params["b2"]
    probs = np.exp(logits - logits.max(axis=1, keepdims=True))
    probs /= probs.sum(axis=1, keepdims=True)
    logits_bar = (probs * targets.sum(axis=1, keepdims=True) - targets) / inputs.shape[0]
    pre_hidden_bar = (logits_bar @ params["W2"].T) * (1.0 - hidden**2)
    return {
        "W1": inputs.T @ pre_hidden_bar,
        "b1": pre_hidden_bar.sum(axis=0),
        "W2": hidden.T @ logits_bar,
        "b2": logits_bar.sum(axis=0),
    }


def per_example_gradients(params, inputs, targets) -> dict[str, np.ndarray]:
    """Return the gradient of ``make_example_loss(np)`` for each example, stacked on axis 0."""
    rows = [mlp_gradient(params, inputs[i : i + 1], targets[i : i + 1]) for i in range(len(inputs))]
    return stack_trees(rows)


def stack_trees(trees: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Stack a list of dicts of arrays into one dict of arrays with a leading axis."""
    return {key: np.stack([tree[key] for tree in trees]) for key in trees[0]}


# ---------------------------------------------------------------------------
# Jacobian and Hessian test functions (workloads 4 and 5)
# ---------------------------------------------------------------------------


def make_tanh_layer(xp, weights: np.ndarray) -> Callable:
    """Return f(x) = tanh(W x) + sin(x)."""

    def tanh_layer(x):
        return xp.tanh(weights @ x) + xp.sin(x)

    return tanh_layer


def tanh_layer_jacobian(weights: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Return the Jacobian of ``make_tanh_layer``: diag(1 - tanh²(W x)) W + diag(cos x)."""
    slope = 1.0 - np.tanh(weights @ x) ** 2
    return slope[:, None] * weights + np.diag(np.cos(x))


def make_softplus_objective(xp, matrix: np.ndarray) -> Callable:
    """Return f(x) = sum(log(1 + exp(A x))) + ½‖x‖²."""

    def softplus_objective(x):
        return xp.sum(xp.log(1.0 + xp.exp(matrix @ x))) + 0.5 * xp.sum(x * x)

    return softplus_objective


def softplus_objective_hessian(matrix: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Return the Hessian of ``make_softplus_objective``: Aᵀ diag(s(1 - s)) A + I, s = σ(A x)."""
    sigmoid = 1.0 / (1.0 + np.exp(-(matrix @ x)))
    return matrix.T @ ((sigmoid * (1.0 - sigmoid))[:, None] * matrix) + np.eye(len(x))


# ---------------------------------------------------------------------------
# Rosenbrock (workload 6)
# ---------------------------------------------------------------------------


def make_rosenbrock(xp) -> Callable:
    """Return f(x) = sum_i 100 (x[i+1] - x[i]^2)^2 + (1 - x[i])^2."""

    def rosenbrock(x):
        return xp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)

    return rosenbrock


def rosenbrock_gradient(x: np.ndarray) -> np.ndarray:
    """Return the gradient of the Rosenbrock function."""
    residual = x[1:] - x[:-1] ** 2
    gradient = np.zeros_like(x)
    gradient[:-1] = -400.0 * x[:-1] * residual - 2.0 * (1.0 - x[:-1])
    gradient[1:] += 200.0 * residual
    return gradient


def rosenbrock_hvp(x: np.ndarray, direction: np.ndarray) -> np.ndarray:
    """Return H(x) v for the Rosenbrock function; H is tridiagonal."""
    diagonal = np.zeros_like(x)
    diagonal[:-1] = 1200.0 * x[:-1] ** 2 - 400.0 * x[1:] + 2.0
    diagonal[1:] += 200.0
    off_diagonal = -400.0 * x[:-1]  # H[i, i+1] = H[i+1, i]
    product = diagonal * direction
    product[:-1] += off_diagonal * direction[1:]
    product[1:] += off_diagonal * direction[:-1]
    return product


# ---------------------------------------------------------------------------
# Scalar functions (workloads 7 and 8)
# ---------------------------------------------------------------------------


def make_scalar_loop(xp, n_steps: int) -> Callable:
    """Return f(x) = the result of ``n_steps`` iterations of x <- sin(x) * 0.999 + 0.001."""

    def scalar_loop(x):
        for _ in range(n_steps):
            x = xp.sin(x) * 0.999 + 0.001
        return x

    return scalar_loop


def scalar_loop_derivative(x: float, n_steps: int) -> float:
    """Return the derivative of ``make_scalar_loop`` by the chain rule."""
    slope = 1.0
    for _ in range(n_steps):
        slope *= np.cos(x) * 0.999
        x = np.sin(x) * 0.999 + 0.001
    return slope


def tanh_fourth_derivative(x: float) -> float:
    """Return d⁴/dx⁴ tanh(x) = 16 t s² - 8 t³ s, with t = tanh x and s = 1 - t²."""
    t = np.tanh(x)
    s = 1.0 - t * t
    return 16.0 * t * s * s - 8.0 * t**3 * s


# ---------------------------------------------------------------------------
# Student-t log-likelihood (workload 10)
# ---------------------------------------------------------------------------


def make_t_negative_log_likelihood(logpdf: Callable, x: np.ndarray) -> Callable:
    """Return ``theta -> -sum(logpdf(x, df, loc, scale))`` with ``theta = (loc, scale, df)``."""

    def negative_log_likelihood(theta):
        return -logpdf(x, theta[2], theta[0], theta[1]).sum()

    return negative_log_likelihood


def t_negative_log_likelihood_gradient(x: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """The gradient of the Student-t negative log-likelihood in (loc, scale, df), by hand.

    With ``z = (x - loc)/scale`` and ``ν = df``: ``∂/∂loc = -Σ (ν+1) z / (σ (ν + z²))``,
    ``∂/∂σ = Σ [1/σ - (ν+1) z² / (σ (ν + z²))]`` and ``∂/∂ν = -Σ [ψ((ν+1)/2)/2 - ψ(ν/2)/2
    - 1/(2ν) - log(1 + z²/ν)/2 + (ν+1) z² / (2ν (ν + z²))]``.
    """
    from scipy.special import digamma

    loc, scale, df = theta
    z = (x - loc) / scale
    d_loc = -np.sum((df + 1) * z / (scale * (df + z * z)))
    d_scale = np.sum(1 / scale - (df + 1) * z * z / (scale * (df + z * z)))
    d_df = -np.sum(
        0.5 * digamma((df + 1) / 2)
        - 0.5 * digamma(df / 2)
        - 0.5 / df
        - 0.5 * np.log1p(z * z / df)
        + (df + 1) * z * z / (2 * df * (df + z * z))
    )
    return np.array([d_loc, d_scale, d_df])
