"""Newton's method with the exact Hessian from the engine, safeguarded to always descend.

Each iteration solves ``(H + tau I) d = -g`` and searches along ``d`` by Armijo
backtracking that tries the full step ``t = lr`` first. ``tau`` is ``damping`` (0 by default:
the pure Newton step) when ``H + damping I`` is positive definite; otherwise the smallest
shift found by doubling from ``max(1e-3, -min diag H + 1e-3)`` that makes a Cholesky
factorization succeed (Nocedal & Wright, Algorithm 3.3), so ``d`` is always a descent
direction. Where ``H`` is positive definite and the full step decreases the loss enough,
the full Newton step is taken: one iteration lands on the minimum of a convex quadratic.

How the Hessian is obtained (``hessian=``):

* ``"exact"`` (Tensor parameters): gradients of gradients. The closure's loss is
  differentiated with ``autodiff.grad(loss, params, create_graph=True)`` and each entry of
  that gradient again: n extra backward passes for n parameters.
* ``"hvp"`` (Tensor parameters, large models): no matrix; a truncated conjugate-gradient
  solve of ``(H + damping I) d = -g`` with Hessian-vector products
  ``grad(g . v)``, stopped at negative curvature (as scipy's Newton-CG).
* ``"fd"`` (any parameters; the only choice for scalar ``Value`` models, whose graphs are
  not twice differentiable): central differences of the closure's gradients,
  ``H[:, j] = (g(x + h e_j) - g(x - h e_j)) / 2h`` with ``h = fd_eps * max(1, |x_j|)``,
  then symmetrized: 2n closure calls per iteration.
* ``"auto"`` (default): ``"exact"`` for Tensor parameters up to ``max_exact`` entries,
  ``"hvp"`` above, ``"fd"`` for Values or when the closure's loss is not a Tensor.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import autodiff as ad
from autodiff.nodes import is_tensor

from .closure import ClosureOptimizer
from .line_search import backtracking
from .optimizer import Closure, check_nonneg

__all__ = ["Newton"]

_MODES = ("auto", "exact", "hvp", "fd")


def _shifted_cholesky_solve(
    H: np.ndarray, g: np.ndarray, damping: float
) -> tuple[np.ndarray, float]:
    """Solve ``(H + tau I) d = -g`` with the smallest tau >= damping (doubling) that is PD."""
    n = H.shape[0]
    eye = np.eye(n)
    beta = 1e-3
    min_diag = float(np.min(np.diag(H))) if n else 0.0
    tau = damping
    for attempt in range(80):
        try:
            L = np.linalg.cholesky(H + tau * eye)
        except np.linalg.LinAlgError:
            # first failure: jump past the most negative diagonal entry; then double
            tau = max(2.0 * tau, beta, -min_diag + beta if attempt == 0 else 0.0)
            continue
        z = np.linalg.solve(L, -g)
        return np.linalg.solve(L.T, z), tau
    return -g, math.inf


def _truncated_cg(hvp: Any, g: np.ndarray, damping: float, max_cg: int) -> np.ndarray:
    """Approximately solve ``(H + damping I) d = -g`` by CG; stop at negative curvature."""
    z = np.zeros_like(g)
    r = g.copy()
    p = -r
    gnorm = float(np.linalg.norm(g))
    tol = min(0.5, math.sqrt(gnorm)) * gnorm
    rr = float(r.dot(r))
    for k in range(max_cg):
        Hp = hvp(p) + damping * p
        curv = float(p.dot(Hp))
        if curv <= 1e-12 * float(p.dot(p)):
            return -g if k == 0 else z
        alpha = rr / curv
        z = z + alpha * p
        r = r + alpha * Hp
        rr_new = float(r.dot(r))
        if math.sqrt(rr_new) < tol:
            break
        p = -r + (rr_new / rr) * p
        rr = rr_new
    return z


class Newton(ClosureOptimizer):
    """Damped Newton's method with the exact Hessian (or HVP-CG, or finite differences).

    ``step(closure)`` runs up to ``max_iter`` iterations (default 20) and returns the first
    loss. The closure zeroes the grads, computes the loss, calls ``backward()`` and returns
    the loss; for ``hessian="exact"`` or ``"hvp"`` it must return the loss Tensor with its
    graph (do not ``detach`` it). Stops when ``max|g| <= tolerance_grad``, when the loss
    changes by less than ``tolerance_change`` or the step by at most ``tolerance_change``,
    or when no step along ``d`` decreases the loss. ``self.state[0]`` counts ``n_iter``,
    ``func_evals``, ``hess_evals`` (Hessians or Hessian-vector products) and keeps the last
    shift ``tau``. See the module docstring for the Hessian modes.
    Raises ValueError for a negative lr, damping, tolerance or fd_eps, an unknown mode or
    max_iter < 1; TypeError without a closure or, for exact modes, a closure whose loss is
    not a Tensor.
    """

    def __init__(
        self,
        params: Any,
        lr: float = 1.0,
        damping: float = 0.0,
        max_iter: int = 20,
        tolerance_grad: float = 1e-7,
        tolerance_change: float = 1e-9,
        hessian: str = "auto",
        max_exact: int = 1000,
        max_cg: int | None = None,
        fd_eps: float = 1e-5,
    ):
        defaults = dict(
            lr=lr, damping=damping, max_iter=max_iter, tolerance_grad=tolerance_grad,
            tolerance_change=tolerance_change, hessian=hessian, max_exact=max_exact,
            max_cg=max_cg, fd_eps=fd_eps,
        )
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        check_nonneg("Newton", "damping", group["damping"])
        check_nonneg("Newton", "fd_eps", group["fd_eps"])
        if group["hessian"] not in _MODES:
            raise ValueError(f"Newton: hessian must be one of {_MODES}, got {group['hessian']!r}")
        arrays = [hasattr(p.data, "shape") for p in group["params"]]
        if group["hessian"] in ("exact", "hvp") and not all(arrays):
            raise ValueError(
                f"Newton: hessian={group['hessian']!r} needs Tensor parameters; scalar Value "
                "graphs are not twice differentiable, use hessian='fd' (or 'auto')"
            )

    # ------------------------------------------------------------------ derivatives
    def _mode(self, loss: Any) -> str:
        mode = self.param_groups[0]["hessian"]
        if mode != "auto":
            return mode
        tensor_params = all(is_tensor(p) for p in self._params)
        if not tensor_params or not is_tensor(loss) or not loss.requires_grad:
            return "fd"
        return "exact" if self._numel <= self.param_groups[0]["max_exact"] else "hvp"

    def _graph_gradient(self, loss: Any) -> tuple[Any, np.ndarray]:
        """The flat gradient as a differentiable Tensor (create_graph) and as an ndarray."""
        if not is_tensor(loss) or not loss.requires_grad:
            raise TypeError(
                "Newton: hessian='exact'/'hvp' needs the closure to return the loss Tensor "
                f"with its graph, got {type(loss).__name__}"
            )
        grads = ad.grad(loss, self._params, create_graph=True, allow_unused=True)
        parts = [
            (g if g is not None else ad.zeros(p.shape)).reshape(-1)
            for g, p in zip(grads, self._params)
        ]
        flat = ad.concatenate(parts, 0)
        return flat, np.array(flat.data, dtype=np.float64)

    def _flat_grad_of(self, out: Any) -> np.ndarray:
        if not getattr(out, "requires_grad", False):
            return np.zeros(self._numel)
        grads = ad.grad(out, self._params, allow_unused=True)
        return np.concatenate([
            np.zeros(p.data.size) if g is None else np.ravel(g.data)
            for g, p in zip(grads, self._params)
        ])

    def _exact_hessian(self, flat_g: Any) -> np.ndarray:
        H = np.zeros((self._numel, self._numel))
        for i in range(self._numel):
            H[i] = self._flat_grad_of(flat_g[i])
        return 0.5 * (H + H.T)

    def _fd_hessian(self, closure: Closure, x: np.ndarray) -> np.ndarray:
        eps = self.param_groups[0]["fd_eps"]
        n = x.size
        H = np.zeros((n, n))
        for j in range(n):
            h = eps * max(1.0, abs(float(x[j])))
            e = np.zeros(n)
            e[j] = h
            _, g_plus = self._directional_evaluate(closure, x, 1.0, e)
            _, g_minus = self._directional_evaluate(closure, x, -1.0, e)
            H[:, j] = (g_plus - g_minus) / (2.0 * h)
        self._global_state()["func_evals"] += 2 * n
        return 0.5 * (H + H.T)

    # ------------------------------------------------------------------ the iteration
    def step(self, closure: Closure | None = None) -> Any:
        """Run up to ``max_iter`` damped Newton iterations; return the first loss."""
        closure = self._require_closure(closure)
        group = self.param_groups[0]
        state = self._global_state()
        for key in ("func_evals", "n_iter", "hess_evals"):
            state.setdefault(key, 0)
        orig_loss, f = self._evaluate(closure)
        state["func_evals"] += 1
        loss_obj = orig_loss
        for _ in range(group["max_iter"]):
            mode = self._mode(loss_obj)
            x = self._get_flat().astype(np.float64)
            if mode in ("exact", "hvp"):
                flat_g, g = self._graph_gradient(loss_obj)
            else:
                g = self._gather_flat_grad().astype(np.float64)
            if float(np.max(np.abs(g))) <= group["tolerance_grad"]:
                break
            state["n_iter"] += 1
            if mode == "hvp":
                max_cg = group["max_cg"] or 2 * self._numel

                def hvp(v: np.ndarray, flat_g: Any = flat_g) -> np.ndarray:
                    state["hess_evals"] += 1
                    return self._flat_grad_of((flat_g * ad.Tensor(v)).sum())

                d = _truncated_cg(hvp, g, group["damping"], max_cg)
                state["tau"] = group["damping"]
            else:
                if mode == "exact":
                    H = self._exact_hessian(flat_g)
                else:
                    H = self._fd_hessian(closure, x)
                state["hess_evals"] += 1
                if np.all(np.isfinite(H)):
                    d, state["tau"] = _shifted_cholesky_solve(H, g, group["damping"])
                else:
                    d, state["tau"] = -g, math.inf
            gtd = float(g.dot(d))
            if not gtd < 0:
                d, gtd = -g, -float(g.dot(g))
            trial: dict[str, Any] = {}

            def obj(t: float, x: np.ndarray = x, d: np.ndarray = d, trial: dict = trial) -> float:
                self._set_flat(x + t * d)
                trial["loss"], value = self._evaluate(closure)
                return value

            f_new, t, n_evals = backtracking(obj, group["lr"], f, gtd)
            state["func_evals"] += n_evals
            if t == 0.0:
                self._set_flat(x)
                break
            loss_obj = trial["loss"]  # the accepted point was evaluated last
            change, f = abs(f - f_new), f_new
            if change < group["tolerance_change"]:
                break
            if float(np.max(np.abs(t * d))) <= group["tolerance_change"]:
                break
        return orig_loss
