"""Central differences in float64 and the two gradient checks the op tests share.

``check_vjp`` compares the engine's vector-Jacobian product (through ``backward``)
with central differences of ``<u, f(x)>`` for a random upstream gradient ``u``.
``check_second_order`` compares the gradient of ``<w, grad <u, f(x)>>`` (taken with
``ad.grad(create_graph=True)``) with central differences of that first gradient.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

import autodiff as ad

Fn = Callable[..., ad.Tensor]


def central_grad(h: Callable[[list[np.ndarray]], float], arrays: list[np.ndarray],
                 eps: float) -> list[np.ndarray]:
    """Central-difference gradient of the scalar function ``h`` at ``arrays`` (float64)."""
    grads = []
    for a in arrays:
        g = np.zeros_like(a)
        for idx in np.ndindex(a.shape):
            orig = a[idx]
            a[idx] = orig + eps
            up = h(arrays)
            a[idx] = orig - eps
            down = h(arrays)
            a[idx] = orig
            g[idx] = (up - down) / (2 * eps)
        grads.append(g)
    return grads


def _forward(f: Fn, arrays: Sequence[np.ndarray]) -> np.ndarray:
    with ad.no_grad():
        return f(*[ad.Tensor(a) for a in arrays]).data


def _leaves(arrays: Sequence[np.ndarray]) -> list[ad.Tensor]:
    return [ad.Tensor(np.array(a, dtype=np.float64), requires_grad=True) for a in arrays]


def _assert_close(actual: Sequence[np.ndarray], expected: Sequence[np.ndarray], what: str,
                  rtol: float, atol: float) -> None:
    for i, (a, e) in enumerate(zip(actual, expected)):
        assert a.shape == e.shape, f"{what}: input {i}: shape {a.shape} != {e.shape}"
        scale = max(1.0, float(np.max(np.abs(e), initial=0.0)))
        np.testing.assert_allclose(a, e, rtol=rtol, atol=atol * scale,
                                   err_msg=f"{what}: input {i}")


def check_vjp(f: Fn, arrays: Sequence[np.ndarray], seed: int, eps: float = 1e-6,
              rtol: float = 1e-5, atol: float = 1e-6) -> None:
    """Assert that ``backward`` of ``f`` at ``arrays`` matches central differences.

    A random upstream gradient ``u`` (shaped like the output) is backpropagated;
    each leaf's ``.grad`` must equal the numerical gradient of ``sum(u * f(x))``,
    keep the leaf's shape and be float64.
    """
    arrays = [np.array(a, dtype=np.float64) for a in arrays]
    xs = _leaves(arrays)
    out = f(*xs)
    assert out.requires_grad, "the output must depend on the inputs"
    u = np.random.default_rng(seed).standard_normal(out.shape)
    out.backward(u)
    expected = central_grad(lambda arr: float(np.sum(u * _forward(f, arr))), arrays, eps)
    actual = []
    for x in xs:
        grad = np.zeros_like(x.data) if x.grad is None else x.grad
        assert isinstance(grad, np.ndarray) and grad.dtype == np.float64
        actual.append(grad)
    _assert_close(actual, expected, "first derivative", rtol, atol)


def _first_gradient(f: Fn, xs: list[ad.Tensor], u: np.ndarray,
                    create_graph: bool) -> list[ad.Tensor | None]:
    out = f(*xs)
    return list(ad.grad(out, xs, grad_outputs=u, create_graph=create_graph, allow_unused=True))


def check_second_order(f: Fn, arrays: Sequence[np.ndarray], seed: int, eps: float = 1e-5,
                       rtol: float = 1e-4, atol: float = 1e-6) -> None:
    """Assert that the gradient of a gradient of ``f`` matches central differences.

    With random ``u`` (output-shaped) and ``w_i`` (input-shaped), the scalar
    ``s(x) = sum_i <w_i, d<u, F(x)>/dx_i>`` is differentiated by the engine (its
    first gradient taken with ``create_graph=True``) and numerically (central
    differences of the engine's first gradient, itself checked by ``check_vjp``).
    ``F = sin o f``: the outer sine makes the upstream gradient reaching ``f``'s VJP
    depend on x, so a VJP that is not differentiable in ``g`` fails too.
    """
    inner = f

    def f(*xs: ad.Tensor) -> ad.Tensor:
        return inner(*xs).sin()

    arrays = [np.array(a, dtype=np.float64) for a in arrays]
    rng = np.random.default_rng(seed)
    with ad.no_grad():
        out_shape = f(*[ad.Tensor(a) for a in arrays]).shape
    u = rng.standard_normal(out_shape)
    ws = [rng.standard_normal(a.shape) for a in arrays]

    def s_numeric(arr: list[np.ndarray]) -> float:
        grads = _first_gradient(f, _leaves(arr), u, create_graph=False)
        return float(sum(np.sum(w * g.data) for w, g in zip(ws, grads) if g is not None))

    xs = _leaves(arrays)
    grads = _first_gradient(f, xs, u, create_graph=True)
    s = None
    for w, g in zip(ws, grads):
        if g is not None and g.requires_grad:
            term = (g * w).sum()
            s = term if s is None else s + term
    if s is None:  # the first gradient does not depend on x: f is linear in every input
        actual = [np.zeros_like(a) for a in arrays]
    else:
        second = ad.grad(s, xs, allow_unused=True)
        actual = [np.zeros_like(a) if g is None else g.data for g, a in zip(second, arrays)]
    expected = central_grad(s_numeric, arrays, eps)
    _assert_close(actual, expected, "second derivative", rtol, atol)
