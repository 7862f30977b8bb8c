"""First-order optimizers: SGD (with momentum / Nesterov), Adagrad, RMSprop, Adam, AdamW.

Each class follows ``torch.optim`` of the same name: the same defaults and the same
arithmetic, written out in its ``step()``. Every update reads only ``p.grad``, so these work
for Tensor and Value parameters alike. ``g`` below is the gradient; parameters without a
gradient (``grad is None``) are skipped, as in PyTorch.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .optimizer import Closure, Optimizer, check_nonneg, check_range, enable_grad

__all__ = ["SGD", "Adagrad", "RMSprop", "Adam", "AdamW"]


def _call(closure: Closure | None) -> Any:
    if closure is None:
        return None
    with enable_grad():
        return closure()


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum, dampening, Nesterov and L2 decay.

    ``g += weight_decay * p``; with momentum ``b = g`` on the first step, then
    ``b = momentum * b + (1 - dampening) * g``; ``g = g + momentum * b`` (Nesterov) or
    ``g = b``; finally ``p -= lr * g``. Defaults as torch 2.x (``lr=1e-3``).
    Raises ValueError for a negative lr, momentum or weight_decay, and for Nesterov without
    momentum or with dampening.
    """

    def __init__(
        self,
        params: Any,
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
    ):
        defaults = dict(
            lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
            nesterov=nesterov, maximize=maximize,
        )
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        for key in ("momentum", "dampening", "weight_decay"):
            check_nonneg("SGD", key, group[key])
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError("SGD: nesterov=True requires momentum > 0 and dampening = 0")

    def step(self, closure: Closure | None = None) -> Any:
        """One update of every parameter with a gradient; returns ``closure()`` if given."""
        loss = _call(closure)
        for i, group, p in self._params_with_index():
            g = self._grad(p)
            if g is None:
                continue
            lr, mu = group["lr"], group["momentum"]
            g = -g if group["maximize"] else g
            x = self._value(p)
            if group["weight_decay"] != 0:
                g = g + group["weight_decay"] * x
            if mu != 0:
                state = self.state.setdefault(i, {})
                if "momentum_buffer" not in state:
                    buf = np.array(g, copy=True)
                else:
                    buf = mu * state["momentum_buffer"] + (1 - group["dampening"]) * g
                state["momentum_buffer"] = buf
                g = g + mu * buf if group["nesterov"] else buf
            self._assign(p, x - lr * g)
        return loss


class Adagrad(Optimizer):
    """AdaGrad: per-coordinate step sizes from the running sum of squared gradients.

    ``clr = lr / (1 + (t - 1) * lr_decay)``; ``g += weight_decay * p``; ``sum += g**2``
    (starting at ``initial_accumulator_value``); ``p -= clr * g / (sqrt(sum) + eps)``.
    Raises ValueError for negative lr, lr_decay, weight_decay, initial_accumulator_value or eps.
    """

    def __init__(
        self,
        params: Any,
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
        *,
        maximize: bool = False,
    ):
        defaults = dict(
            lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value, eps=eps, maximize=maximize,
        )
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        for key in ("lr_decay", "weight_decay", "initial_accumulator_value", "eps"):
            check_nonneg("Adagrad", key, group[key])

    def step(self, closure: Closure | None = None) -> Any:
        """One AdaGrad update; returns ``closure()`` if given."""
        loss = _call(closure)
        for i, group, p in self._params_with_index():
            g = self._grad(p)
            if g is None:
                continue
            x = self._value(p)
            state = self.state.setdefault(i, {})
            if not state:
                state["step"] = 0
                state["sum"] = np.full_like(x, group["initial_accumulator_value"])
            state["step"] += 1
            g = -g if group["maximize"] else g
            if group["weight_decay"] != 0:
                g = g + group["weight_decay"] * x
            clr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
            state["sum"] = state["sum"] + g * g
            self._assign(p, x - clr * g / (np.sqrt(state["sum"]) + group["eps"]))
        return loss


class RMSprop(Optimizer):
    """RMSprop (Hinton), optionally centered and with momentum, as ``torch.optim.RMSprop``.

    ``g += weight_decay * p``; ``v = alpha * v + (1 - alpha) * g**2``; centered:
    ``gbar = alpha * gbar + (1 - alpha) * g`` and the denominator uses ``v - gbar**2``;
    ``avg = sqrt(.) + eps`` (eps after the square root); with momentum
    ``b = momentum * b + g / avg`` and ``p -= lr * b``, otherwise ``p -= lr * g / avg``.
    Raises ValueError for negative lr, eps, momentum, weight_decay or alpha.
    """

    def __init__(
        self,
        params: Any,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
        *,
        maximize: bool = False,
    ):
        defaults = dict(
            lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
            centered=centered, maximize=maximize,
        )
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        for key in ("alpha", "eps", "weight_decay", "momentum"):
            check_nonneg("RMSprop", key, group[key])

    def step(self, closure: Closure | None = None) -> Any:
        """One RMSprop update; returns ``closure()`` if given."""
        loss = _call(closure)
        for i, group, p in self._params_with_index():
            g = self._grad(p)
            if g is None:
                continue
            x = self._value(p)
            alpha = group["alpha"]
            state = self.state.setdefault(i, {})
            if not state:
                state["step"] = 0
                state["square_avg"] = np.zeros_like(x)
                if group["momentum"] > 0:
                    state["momentum_buffer"] = np.zeros_like(x)
                if group["centered"]:
                    state["grad_avg"] = np.zeros_like(x)
            state["step"] += 1
            g = -g if group["maximize"] else g
            if group["weight_decay"] != 0:
                g = g + group["weight_decay"] * x
            state["square_avg"] = alpha * state["square_avg"] + (1 - alpha) * g * g
            if group["centered"]:
                state["grad_avg"] = alpha * state["grad_avg"] + (1 - alpha) * g
                avg = np.sqrt(state["square_avg"] - state["grad_avg"] ** 2) + group["eps"]
            else:
                avg = np.sqrt(state["square_avg"]) + group["eps"]
            if group["momentum"] > 0:
                state["momentum_buffer"] = group["momentum"] * state["momentum_buffer"] + g / avg
                self._assign(p, x - group["lr"] * state["momentum_buffer"])
            else:
                self._assign(p, x - group["lr"] * g / avg)
        return loss


class Adam(Optimizer):
    """Adam (Kingma & Ba), with optional L2 weight decay and AMSGrad, as ``torch.optim.Adam``.

    ``g += weight_decay * p``; ``m = b1*m + (1-b1)*g``; ``v = b2*v + (1-b2)*g**2``;
    ``denom = sqrt(v) / sqrt(1 - b2**t) + eps`` (AMSGrad: ``v_max = max(v_max, v)`` replaces
    ``v``); ``p -= lr / (1 - b1**t) * m / denom``.
    Raises ValueError for negative lr, eps or weight_decay and betas outside [0, 1).
    """

    _decoupled = False

    def __init__(
        self,
        params: Any,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ):
        defaults = dict(
            lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        name = type(self).__name__
        super()._check_group(group)
        check_nonneg(name, "eps", group["eps"])
        check_nonneg(name, "weight_decay", group["weight_decay"])
        betas = group["betas"]
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"{name}: betas must be a pair (beta1, beta2), got {betas!r}")
        group["betas"] = tuple(betas)
        check_range(name, "beta1", betas[0], 0.0, 1.0, hi_open=True)
        check_range(name, "beta2", betas[1], 0.0, 1.0, hi_open=True)

    def step(self, closure: Closure | None = None) -> Any:
        """One Adam (or AdamW) update; returns ``closure()`` if given."""
        loss = _call(closure)
        for i, group, p in self._params_with_index():
            g = self._grad(p)
            if g is None:
                continue
            x = self._value(p)
            lr, (beta1, beta2), wd = group["lr"], group["betas"], group["weight_decay"]
            state = self.state.setdefault(i, {})
            if not state:
                state["step"] = 0
                state["exp_avg"] = np.zeros_like(x)
                state["exp_avg_sq"] = np.zeros_like(x)
                if group["amsgrad"]:
                    state["max_exp_avg_sq"] = np.zeros_like(x)
            state["step"] += 1
            t = state["step"]
            g = -g if group["maximize"] else g
            if wd != 0:
                if self._decoupled:
                    x = x * (1 - lr * wd)
                else:
                    g = g + wd * x
            state["exp_avg"] = beta1 * state["exp_avg"] + (1 - beta1) * g
            state["exp_avg_sq"] = beta2 * state["exp_avg_sq"] + (1 - beta2) * g * g
            bias_correction1 = 1 - beta1**t
            bias_correction2_sqrt = np.sqrt(1 - beta2**t)
            v = state["exp_avg_sq"]
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = np.maximum(state["max_exp_avg_sq"], v)
                v = state["max_exp_avg_sq"]
            denom = np.sqrt(v) / bias_correction2_sqrt + group["eps"]
            self._assign(p, x - (lr / bias_correction1) * state["exp_avg"] / denom)
        return loss


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter), as ``torch.optim.AdamW``.

    First ``p *= 1 - lr * weight_decay``, then the Adam step with no L2 term in ``g``.
    Same defaults as Adam except ``weight_decay=1e-2``.
    """

    _decoupled = True

    def __init__(
        self,
        params: Any,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize)
