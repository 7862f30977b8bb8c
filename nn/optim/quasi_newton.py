"""Gradient-only methods with a line search: ConjugateGradient, BFGS and LBFGS.

They share one iteration loop, PyTorch's ``LBFGS.step`` (``torch/optim/lbfgs.py``): a
direction ``d`` from the gradient history, a first trial step ``t``, a strong-Wolfe line
search along ``d``, and the same stopping tests (``max|g| <= tolerance_grad``,
``g.d > -tolerance_change``, ``max|t d| <= tolerance_change``,
``|loss change| < tolerance_change``, ``max_iter`` iterations or ``max_eval`` evaluations in
one ``step``). Only the direction differs: nonlinear conjugate gradients, a dense BFGS
inverse Hessian, or L-BFGS's two-loop recursion over the last ``history_size`` pairs.
"""

from __future__ import annotations

import abc
from typing import Any

import numpy as np

from .closure import ClosureOptimizer
from .line_search import strong_wolfe
from .optimizer import Closure

__all__ = ["ConjugateGradient", "BFGS", "LBFGS"]


class _LineSearchMethod(ClosureOptimizer):
    """The shared loop; subclasses define ``_reset``, ``_direction`` and ``_initial_step``."""

    _c2 = 0.9  # curvature constant of the strong Wolfe conditions

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        fn = group.get("line_search_fn")
        if fn not in (None, "strong_wolfe"):
            raise ValueError(
                f"{type(self).__name__}: line_search_fn must be 'strong_wolfe' or None, "
                f"got {fn!r}"
            )

    def _reset(self, state: dict[str, Any]) -> None:
        """Forget the curvature memory (the first iteration)."""

    @abc.abstractmethod
    def _direction(
        self, state: dict[str, Any], g: np.ndarray, prev_g: np.ndarray, d: np.ndarray, t: float
    ) -> np.ndarray:
        """The next search direction from gradient ``g``."""

    def _initial_step(
        self, state: dict[str, Any], g: np.ndarray, gtd: float, lr: float,
        f: float, f_prev: float | None,
    ) -> float:
        """PyTorch's rule: ``min(1, 1/||g||_1) * lr`` on the very first iteration, then ``lr``."""
        if state["n_iter"] == 1:
            return min(1.0, 1.0 / float(np.abs(g).sum())) * lr
        return lr

    def step(self, closure: Closure | None = None) -> Any:  # noqa: C901 - one readable loop
        """Run up to ``max_iter`` iterations; return the loss from the first closure call.

        Raises TypeError without a closure.
        """
        closure = self._require_closure(closure)
        group = self.param_groups[0]
        lr, max_iter = group["lr"], group["max_iter"]
        max_eval = group["max_eval"] if group["max_eval"] is not None else max_iter * 5 // 4
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        line_search_fn = group["line_search_fn"]
        state = self._global_state()
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        orig_loss, loss = self._evaluate(closure)
        current_evals = 1
        state["func_evals"] += 1
        flat_grad = self._gather_flat_grad()
        if float(np.max(np.abs(flat_grad))) <= tolerance_grad:
            return orig_loss

        d, t = state.get("d"), state.get("t")
        prev_flat_grad, prev_loss = state.get("prev_flat_grad"), state.get("prev_loss")
        opt_cond = False
        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                self._reset(state)
                d = -flat_grad
            else:
                d = self._direction(state, flat_grad, prev_flat_grad, d, t)
            f_prev = prev_loss if state["n_iter"] > 1 else None
            prev_flat_grad, prev_loss = flat_grad.copy(), loss

            gtd = float(flat_grad.dot(d))
            t = self._initial_step(state, flat_grad, gtd, lr, loss, f_prev)
            if gtd > -tolerance_change:
                break

            ls_func_evals = 0
            if line_search_fn is not None:
                x_init = self._get_flat()

                def obj(s: float, x_init: np.ndarray = x_init, d: np.ndarray = d) -> Any:
                    return self._directional_evaluate(closure, x_init, s, d)

                # the search may spend what is left of max_eval, no more (as PyTorch)
                loss, flat_grad, t, ls_func_evals = strong_wolfe(
                    obj, t, d, loss, flat_grad, gtd, c2=self._c2,
                    max_ls=max_eval - current_evals,
                )
                self._set_flat(x_init + t * d)
                opt_cond = float(np.max(np.abs(flat_grad))) <= tolerance_grad
            else:
                self._set_flat(self._get_flat() + t * d)
                if n_iter != max_iter:
                    _, loss = self._evaluate(closure)
                    flat_grad = self._gather_flat_grad()
                    opt_cond = float(np.max(np.abs(flat_grad))) <= tolerance_grad
                    ls_func_evals = 1
            current_evals += ls_func_evals
            state["func_evals"] += ls_func_evals

            if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                break
            if float(np.max(np.abs(d * t))) <= tolerance_change:
                break
            if abs(loss - prev_loss) < tolerance_change:
                break

        state["d"], state["t"] = d, t
        state["prev_flat_grad"], state["prev_loss"] = prev_flat_grad, prev_loss
        return orig_loss


class LBFGS(_LineSearchMethod):
    """Limited-memory BFGS, a port of ``torch.optim.LBFGS`` (same defaults and semantics).

    The direction is the two-loop recursion over the last ``history_size`` pairs
    ``(s, y)`` (a pair is kept only when ``y.s > 1e-10``), scaled by ``H_diag = s.y / y.y``.
    Without a line search each iteration takes the fixed step ``lr`` (the first
    ``min(1, 1/||g||_1) * lr``); with ``line_search_fn="strong_wolfe"`` the step satisfies
    the strong Wolfe conditions (c1=1e-4, c2=0.9, at most 25 evaluations).

    Tolerances: PyTorch's defaults (``tolerance_change=1e-9``) stop it about 4e-5 away
    from Rosenbrock's minimum (the loss stops changing by more than 1e-9); with
    ``tolerance_change=1e-14`` and ``tolerance_grad=1e-12`` (and the strong Wolfe search) it
    reaches ``||x - (1, 1)|| < 1e-6`` from (-1.2, 1).
    Raises ValueError for a negative lr or tolerance, a max_iter/history_size < 1 or an
    unknown ``line_search_fn``; TypeError when ``step`` is called without a closure.
    """

    def __init__(
        self,
        params: Any,
        lr: float = 1.0,
        max_iter: int = 20,
        max_eval: int | None = None,
        tolerance_grad: float = 1e-7,
        tolerance_change: float = 1e-9,
        history_size: int = 100,
        line_search_fn: str | None = None,
    ):
        if max_eval is None and isinstance(max_iter, int):
            max_eval = max_iter * 5 // 4
        defaults = dict(
            lr=lr, max_iter=max_iter, max_eval=max_eval, tolerance_grad=tolerance_grad,
            tolerance_change=tolerance_change, history_size=history_size,
            line_search_fn=line_search_fn,
        )
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        h = group["history_size"]
        if not isinstance(h, (int, np.integer)) or isinstance(h, bool) or h < 1:
            raise ValueError(f"LBFGS: history_size must be an integer >= 1, got {h!r}")

    def _reset(self, state: dict[str, Any]) -> None:
        state["old_dirs"], state["old_stps"], state["ro"] = [], [], []
        state["H_diag"] = 1.0

    def _direction(
        self, state: dict[str, Any], g: np.ndarray, prev_g: np.ndarray, d: np.ndarray, t: float
    ) -> np.ndarray:
        old_dirs, old_stps, ro = state["old_dirs"], state["old_stps"], state["ro"]
        y = g - prev_g
        s = d * t
        ys = float(y.dot(s))
        if ys > 1e-10:
            if len(old_dirs) == self.param_groups[0]["history_size"]:
                old_dirs.pop(0)
                old_stps.pop(0)
                ro.pop(0)
            old_dirs.append(y)
            old_stps.append(s)
            ro.append(1.0 / ys)
            state["H_diag"] = ys / float(y.dot(y))
        # two-loop recursion: q = -g, then r = H q
        num_old = len(old_dirs)
        al = [0.0] * num_old
        q = -g
        for i in range(num_old - 1, -1, -1):
            al[i] = float(old_stps[i].dot(q)) * ro[i]
            q = q - al[i] * old_dirs[i]
        r = q * state["H_diag"]
        for i in range(num_old):
            be_i = float(old_dirs[i].dot(r)) * ro[i]
            r = r + (al[i] - be_i) * old_stps[i]
        return r


class BFGS(_LineSearchMethod):
    """BFGS with a dense inverse-Hessian approximation ``H`` (n x n memory) and strong Wolfe.

    ``H`` starts as the identity; before the first update it is scaled to
    ``(y.s / y.y) I`` (Nocedal & Wright, eq. 6.20), then
    ``H <- (I - rho s y^T) H (I - rho y s^T) + rho s s^T`` with ``rho = 1 / y.s``, skipped
    when ``y.s <= 1e-10``. Iteration loop, first step and tolerances as :class:`LBFGS`; it
    reaches ``||x - (1, 1)|| < 1e-6`` on Rosenbrock with ``tolerance_change=1e-14``.
    Raises ValueError for a negative lr or tolerance, or max_iter < 1.
    """

    def __init__(
        self,
        params: Any,
        lr: float = 1.0,
        max_iter: int = 20,
        max_eval: int | None = None,
        tolerance_grad: float = 1e-7,
        tolerance_change: float = 1e-9,
        line_search_fn: str | None = "strong_wolfe",
    ):
        if max_eval is None and isinstance(max_iter, int):
            max_eval = max_iter * 5 // 4
        defaults = dict(
            lr=lr, max_iter=max_iter, max_eval=max_eval, tolerance_grad=tolerance_grad,
            tolerance_change=tolerance_change, line_search_fn=line_search_fn,
        )
        super().__init__(params, defaults)

    def _reset(self, state: dict[str, Any]) -> None:
        state["H"] = None

    def _direction(
        self, state: dict[str, Any], g: np.ndarray, prev_g: np.ndarray, d: np.ndarray, t: float
    ) -> np.ndarray:
        y = g - prev_g
        s = d * t
        ys = float(y.dot(s))
        H = state["H"]
        if ys > 1e-10:
            if H is None:
                H = np.eye(g.size, dtype=g.dtype) * (ys / float(y.dot(y)))
            rho = 1.0 / ys
            Hy = H @ y
            H = H - rho * (np.outer(s, Hy) + np.outer(Hy, s)) + (
                rho * rho * float(y.dot(Hy)) + rho
            ) * np.outer(s, s)
            state["H"] = H
        return -g if H is None else -(H @ g)


class ConjugateGradient(_LineSearchMethod):
    """Nonlinear conjugate gradients with a strong Wolfe line search and automatic restarts.

    ``d = -g + beta d_prev`` with ``beta = g.g / g_prev.g_prev`` (``"fletcher-reeves"``) or
    ``beta = max(0, g.(g - g_prev) / g_prev.g_prev)`` (``"polak-ribiere"``, PR+, the default,
    as scipy's ``CG``). It restarts along ``-g`` (``beta = 0``) when consecutive gradients
    are far from orthogonal (``|g.g_prev| >= 0.2 g.g``, Powell's test), every ``restart``
    iterations when ``restart`` is set, and whenever ``d`` is not a descent direction.
    After the first iteration the trial step is ``min(1, 2.02 (f - f_prev) / g.d) * lr``
    (scipy's choice). The line search uses ``c2 = 0.4`` (scipy's value for CG). Loop and
    tolerances as :class:`LBFGS`. Raises ValueError for an unknown variant, a negative lr
    or tolerance, or ``restart < 1``.
    """

    _c2 = 0.4
    VARIANTS = ("polak-ribiere", "fletcher-reeves")

    def __init__(
        self,
        params: Any,
        variant: str = "polak-ribiere",
        lr: float = 1.0,
        max_iter: int = 20,
        max_eval: int | None = None,
        tolerance_grad: float = 1e-7,
        tolerance_change: float = 1e-9,
        restart: int | None = None,
    ):
        if max_eval is None and isinstance(max_iter, int):
            max_eval = max_iter * 5 // 4
        defaults = dict(
            variant=variant, lr=lr, max_iter=max_iter, max_eval=max_eval,
            tolerance_grad=tolerance_grad, tolerance_change=tolerance_change, restart=restart,
            line_search_fn="strong_wolfe",
        )
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        if group["variant"] not in self.VARIANTS:
            raise ValueError(
                f"ConjugateGradient: variant must be one of {self.VARIANTS}, "
                f"got {group['variant']!r}"
            )
        r = group["restart"]
        if r is not None and (not isinstance(r, (int, np.integer)) or isinstance(r, bool) or r < 1):
            raise ValueError(f"ConjugateGradient: restart must be None or an int >= 1, got {r!r}")
        if group["line_search_fn"] != "strong_wolfe":
            raise ValueError("ConjugateGradient: line_search_fn must be 'strong_wolfe'")

    def _reset(self, state: dict[str, Any]) -> None:
        state["restarts"] = 0

    def _direction(
        self, state: dict[str, Any], g: np.ndarray, prev_g: np.ndarray, d: np.ndarray, t: float
    ) -> np.ndarray:
        group = self.param_groups[0]
        gg, gg_prev = float(g.dot(g)), float(prev_g.dot(prev_g))
        if group["variant"] == "fletcher-reeves":
            beta = gg / gg_prev
        else:
            beta = max(0.0, float(g.dot(g - prev_g)) / gg_prev)
        every = group["restart"]
        if abs(float(g.dot(prev_g))) >= 0.2 * gg or (
            every is not None and (state["n_iter"] - 1) % every == 0
        ):
            beta = 0.0
        d_new = -g + beta * d
        if beta == 0.0 or float(g.dot(d_new)) >= 0.0:
            state["restarts"] += 1
            return -g
        return d_new

    def _initial_step(
        self, state: dict[str, Any], g: np.ndarray, gtd: float, lr: float,
        f: float, f_prev: float | None,
    ) -> float:
        if f_prev is None or state["n_iter"] == 1:
            return super()._initial_step(state, g, gtd, lr, f, f_prev)
        guess = 2.02 * (f - f_prev) / gtd if gtd != 0 else 1.0
        return (min(1.0, guess) if guess > 0 else 1.0) * lr
