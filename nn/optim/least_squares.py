"""Levenberg-Marquardt for least-squares losses ``0.5 * ||r(x)||^2``.

The residual closure returns the residual vector ``r`` (a Tensor of any shape, flattened;
or a list of scalar Tensors or Values) built from the parameters; it does not call
``backward``. The Jacobian ``J = dr/dx`` comes from the engine: one reverse pass per
residual (``autodiff.grad`` with a unit ``grad_outputs`` for Tensors; ``Value.backward``
from each residual for scalar models, whose interior gradients are reset on every pass).

Each iteration solves ``(J^T J + mu D) delta = -J^T r`` (as the least-squares problem
``[J; sqrt(mu D)] delta = [-r; 0]``) with Marquardt's scaling ``D = diag(J^T J)`` (its
running maximum, as MINPACK). The gain ratio
``rho = (cost - cost_new) / (predicted decrease)`` decides: a step that lowers the cost is
accepted and ``mu *= max(1/3, 1 - (2 rho - 1)^3)`` (Nielsen's rule); a step that would raise
it is rejected (the parameters are put back), ``mu *= nu`` and ``nu *= 2``. The cost never
increases. The first ``mu`` is ``damping`` (relative to the scaling ``D``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

import autodiff as ad

from .closure import ClosureOptimizer
from .optimizer import check_nonneg, enable_grad

__all__ = ["LevenbergMarquardt"]

ResidualClosure = Callable[[], Any]


def _cost(r: np.ndarray) -> float:
    """``0.5 * ||r||^2``; inf (no overflow warning) for residuals too large to square."""
    with np.errstate(over="ignore"):
        return 0.5 * float(r.dot(r))


class LevenbergMarquardt(ClosureOptimizer):
    """Levenberg-Marquardt with adaptive damping and the accept/reject rule.

    ``step()`` runs up to ``max_iter`` accepted iterations (one Jacobian each) and returns
    the cost ``0.5 * ||r||^2`` before them. It stops when ``max|J^T r| <= tolerance_grad``,
    when an accepted step lowers the cost by at most ``tolerance_change * cost`` or moves
    ``x`` by at most ``tolerance_change * (||x|| + tolerance_change)``, or after
    ``max_reject`` rejected trials in a row (the damping is then put back to its value
    before them). ``self.state[0]`` holds ``mu``, ``nu``, the
    scaling ``diag``, ``n_iter``, ``func_evals`` (residual evaluations), ``jac_evals`` and
    ``cost``. ``residual_closure`` is optional: ``step(closure)`` uses ``closure`` as the
    residual closure for that call, which is how ``nn.fit`` hands it each batch's residuals
    (``closure_returns = "residuals"`` tells training loops so); either must return
    residuals, not a loss.
    Raises ValueError for a negative damping or tolerance, max_iter or max_reject < 1;
    TypeError for a residual_closure that is not callable, a ``step()`` with no residual
    closure at all, or residuals that are not a Tensor or a list of Tensors/Values.
    """

    closure_returns = "residuals"

    def __init__(
        self,
        params: Any,
        residual_closure: ResidualClosure | None = None,
        damping: float = 1e-3,
        max_iter: int = 20,
        tolerance_grad: float = 1e-10,
        tolerance_change: float = 1e-12,
        max_reject: int = 30,
    ):
        if residual_closure is not None and not callable(residual_closure):
            raise TypeError(
                "LevenbergMarquardt: residual_closure must be a callable returning the "
                f"residuals, got {type(residual_closure).__name__}"
            )
        self.residual_closure = residual_closure
        defaults = dict(
            damping=damping, max_iter=max_iter, tolerance_grad=tolerance_grad,
            tolerance_change=tolerance_change, max_reject=max_reject,
        )
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        check_nonneg("LevenbergMarquardt", "damping", group["damping"])
        m = group["max_reject"]
        if not isinstance(m, (int, np.integer)) or isinstance(m, bool) or m < 1:
            raise ValueError(f"LevenbergMarquardt: max_reject must be an int >= 1, got {m!r}")

    # ------------------------------------------------------------------ residuals, Jacobian
    def _residuals(self, closure: ResidualClosure) -> tuple[Any, np.ndarray]:
        """Call the residual closure; return the graph object(s) and the values (float64)."""
        self._global_state()["func_evals"] += 1
        with enable_grad():
            r = closure()
        if isinstance(r, (list, tuple)):
            values = np.array([float(getattr(v, "data", v)) for v in r], dtype=np.float64)
            return list(r), values
        data = getattr(r, "data", None)
        if not isinstance(data, np.ndarray):
            raise TypeError(
                "LevenbergMarquardt: the residual closure must return a Tensor or a list of "
                f"scalar Tensors/Values, got {type(r).__name__}"
            )
        return r, np.array(data, dtype=np.float64).ravel()

    def _jacobian(self, r: Any, m: int) -> np.ndarray:
        """``dr/dx`` as an (m, n) array: one reverse pass per residual."""
        self._global_state()["jac_evals"] += 1
        J = np.zeros((m, self._numel))
        if isinstance(r, list) and r and not hasattr(getattr(r[0], "data", None), "shape"):
            for i, ri in enumerate(r):  # scalar Values
                if not hasattr(ri, "backward"):
                    continue
                for p in self._params:
                    p.grad = 0.0
                ri.backward()
                J[i] = [float(p.grad) for p in self._params]
            for p in self._params:
                p.grad = 0.0
            return J
        outs = r if isinstance(r, list) else [r]
        row = 0
        for out in outs:
            size = int(np.size(out.data))
            for k in range(size):
                if out.requires_grad:
                    seed = np.zeros(out.shape)
                    seed.flat[k] = 1.0
                    grads = ad.grad(out, self._params, grad_outputs=seed, allow_unused=True)
                    J[row] = np.concatenate([
                        np.zeros(p.data.size) if g is None else np.ravel(g.data)
                        for g, p in zip(grads, self._params)
                    ])
                row += 1
        return J

    # ------------------------------------------------------------------ the iteration
    def step(self, closure: Callable[[], Any] | None = None) -> Any:  # noqa: C901
        """Run up to ``max_iter`` accepted LM iterations; return the cost before them.

        ``closure``, when given, replaces ``residual_closure`` for this call.
        """
        residual_closure = closure if closure is not None else self.residual_closure
        if residual_closure is None:
            raise TypeError(
                "LevenbergMarquardt.step needs residuals: pass residual_closure to the "
                "constructor or a closure returning the residual vector to step(closure)"
            )
        group = self.param_groups[0]
        state = self._global_state()
        for key in ("func_evals", "jac_evals", "n_iter"):
            state.setdefault(key, 0)
        r_obj, r = self._residuals(residual_closure)
        cost = _cost(r)
        start_cost = cost
        tol = group["tolerance_change"]
        for _ in range(group["max_iter"]):
            J = self._jacobian(r_obj, r.size)
            g = J.T @ r
            if float(np.max(np.abs(g), initial=0.0)) <= group["tolerance_grad"]:
                break
            col_sq = np.einsum("ij,ij->j", J, J)
            diag = np.maximum(state.get("diag", col_sq), col_sq)
            diag = np.where(diag > 0, diag, 1.0)
            state["diag"] = diag
            if "mu" not in state:
                state["mu"], state["nu"] = group["damping"], 2.0
            x = self._get_flat().astype(np.float64)
            x_norm = float(np.linalg.norm(x))
            mu_start, nu_start = state["mu"], state["nu"]
            accepted = False
            for _reject in range(group["max_reject"]):
                mu = state["mu"]
                A = np.vstack([J, np.diag(np.sqrt(mu * diag))])
                b = np.concatenate([-r, np.zeros(self._numel)])
                delta = np.linalg.lstsq(A, b, rcond=None)[0]
                if float(np.linalg.norm(delta)) <= 1e-15 * (x_norm + 1e-15):
                    break  # no representable step is left: converged to rounding
                self._set_flat(x + delta)
                r_obj_new, r_new = self._residuals(residual_closure)
                cost_new = _cost(r_new)
                predicted = 0.5 * float(delta.dot(mu * diag * delta - g))
                if math.isfinite(cost_new) and cost_new < cost and predicted > 0:
                    rho = (cost - cost_new) / predicted
                    state["mu"] = mu * max(1.0 / 3.0, 1.0 - (2.0 * rho - 1.0) ** 3)
                    state["nu"] = 2.0
                    accepted = True
                    break
                self._set_flat(x)
                state["mu"], state["nu"] = mu * state["nu"], state["nu"] * 2.0
            if not accepted:  # stalled: put the damping back so a later step can retry
                state["mu"], state["nu"] = mu_start, nu_start
                break
            state["n_iter"] += 1
            small_f = cost - cost_new <= tol * cost
            small_x = float(np.linalg.norm(delta)) <= tol * (float(np.linalg.norm(x)) + tol)
            r_obj, r, cost = r_obj_new, r_new, cost_new
            if small_f or small_x:
                break
        state["cost"] = cost
        return start_cost
