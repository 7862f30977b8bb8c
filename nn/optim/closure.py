"""``ClosureOptimizer``: the shared base of the methods that work on the flat parameter vector.

As with ``torch.optim.LBFGS``, ``step(closure)`` needs a closure that zeroes the gradients,
computes the loss, calls ``backward()`` and returns the loss; one ``step`` runs up to
``max_iter`` iterations. All parameters form one vector ``x`` (``nn.utils.parameters_to_vector``
order), so only one parameter group is allowed. The global state (history, inverse Hessian,
damping, counters) is kept in ``self.state[0]``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from autodiff.nodes import is_array_node

from ..utils import grads_to_vector, parameters_to_vector, vector_to_parameters
from .optimizer import Closure, Optimizer, check_nonneg, enable_grad, loss_value

__all__ = ["ClosureOptimizer"]


class ClosureOptimizer(Optimizer):
    """Base for methods on the flat parameter vector: evaluation helpers, one group only.

    Raises ValueError when given several parameter groups or a bad ``max_iter``,
    ``max_eval`` or tolerance.
    """

    requires_closure = True

    def __init__(self, params: Any, defaults: dict[str, Any]):
        super().__init__(params, defaults)
        self._params: list[Any] = self.param_groups[0]["params"]
        # the number of scalar entries in all parameters (the length of ``x``)
        self._numel = sum(p.data.size if is_array_node(p) else 1 for p in self._params)

    def add_param_group(self, group: dict[str, Any]) -> None:
        """Only one group is allowed: all parameters are optimized as one vector."""
        if self.param_groups:
            raise ValueError(
                f"{type(self).__name__} doesn't support per-parameter options "
                "(parameter groups): pass all parameters in one group"
            )
        super().add_param_group(group)

    def _check_group(self, group: dict[str, Any]) -> None:
        name = type(self).__name__
        if "lr" in group:
            check_nonneg(name, "lr", group["lr"])
        for key in ("max_iter", "max_eval"):
            if key in group and group[key] is not None:
                v = group[key]
                if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < 1:
                    raise ValueError(f"{name}: {key} must be an integer >= 1, got {v!r}")
        for key in ("tolerance_grad", "tolerance_change"):
            if key in group:
                check_nonneg(name, key, group[key])

    def _global_state(self) -> dict[str, Any]:
        return self.state.setdefault(0, {})

    def _get_flat(self) -> np.ndarray:
        return parameters_to_vector(self._params)

    def _set_flat(self, x: np.ndarray) -> None:
        vector_to_parameters(x, self._params)

    def _gather_flat_grad(self) -> np.ndarray:
        return grads_to_vector(self._params)

    def _evaluate(self, closure: Closure) -> tuple[Any, float]:
        """Call the closure (with gradients enabled); return ``(loss, float(loss))``."""
        with enable_grad():
            loss = closure()
        return loss, loss_value(loss)

    def _directional_evaluate(
        self, closure: Closure, x: np.ndarray, t: float, d: np.ndarray
    ) -> tuple[float, np.ndarray]:
        """Loss and flat gradient at ``x + t * d``; the parameters are put back to ``x``."""
        self._set_flat(x + t * d)
        _, f = self._evaluate(closure)
        g = self._gather_flat_grad()
        self._set_flat(x)
        return f, g

    def _require_closure(self, closure: Callable[[], Any] | None) -> Callable[[], Any]:
        if closure is None:
            raise TypeError(
                f"{type(self).__name__}.step needs a closure that zeroes the gradients, "
                "computes the loss, calls backward() and returns the loss"
            )
        return closure
