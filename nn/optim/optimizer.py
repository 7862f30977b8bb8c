"""``Optimizer``: the base class every optimizer in ``nn.optim`` builds on (as ``torch.optim``).

Parameters are Tensor leaves (``.data`` an ndarray updated in place, ``.grad`` an ndarray or
None) or scalar ``Value`` objects (``.data`` and ``.grad`` floats), from a tensor or a scalar
model alike. They are passed as an iterable, or as a list of dicts ("parameter groups", each
with ``"params"`` and its own options, e.g. its own ``lr``).

State layout (``state_dict()``), torch-like, saveable by ``nn.save``::

    {"state": {index: {name: ndarray | int | float | list, ...}, ...},
     "param_groups": [{"lr": ..., <other options>, "params": [index, ...]}, ...]}

``index`` counts the parameters over all groups in order (0, 1, ...). ``self.state`` uses
the same integer keys, so ``opt.state[0]["exp_avg"]`` is the first parameter's first moment.
Closure-based methods keep their global state (history, inverse Hessian, damping) under
index 0, as ``torch.optim.LBFGS`` does.
"""

from __future__ import annotations

import abc
import copy
import math
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np

from autodiff import enable_grad
from autodiff.nodes import is_array_node, is_tensor

__all__ = ["Optimizer", "check_nonneg", "check_range", "loss_value", "enable_grad"]

Closure = Callable[[], Any]


def check_nonneg(cls: str, name: str, value: Any) -> None:
    """Raise ValueError unless ``value`` is a number >= 0."""
    if not isinstance(value, (int, float, np.number)) or isinstance(value, bool):
        raise ValueError(f"{cls}: {name} must be a number >= 0, got {value!r}")
    if not value >= 0 or math.isnan(value):
        raise ValueError(f"{cls}: invalid {name} {value!r}; it must be >= 0")


def check_range(cls: str, name: str, value: Any, lo: float, hi: float, hi_open: bool) -> None:
    """Raise ValueError unless ``lo <= value < hi`` (or ``<= hi`` when ``hi_open`` is False)."""
    ok = isinstance(value, (int, float, np.number)) and not isinstance(value, bool)
    ok = ok and lo <= value and (value < hi if hi_open else value <= hi)
    if not ok:
        bracket = ")" if hi_open else "]"
        raise ValueError(f"{cls}: invalid {name} {value!r}; it must be in [{lo}, {hi}{bracket}")


def loss_value(loss: Any) -> float:
    """The float value of a loss returned by a closure: a Tensor, a Value or a number."""
    if hasattr(loss, "item"):
        return float(loss.item())
    data = getattr(loss, "data", loss)
    return float(data)


class Optimizer(abc.ABC):
    """Base class: holds parameter groups, per-parameter state and the update loop helpers.

    Subclasses pass their default options in ``defaults``, validate them in
    ``_check_group(group)`` and implement ``step(closure=None)``. ``requires_closure`` says
    whether ``step`` must be given a closure (training loops such as ``nn.fit`` read it);
    ``closure_returns`` what that closure returns: ``"loss"`` (after calling ``backward``),
    or ``"residuals"`` for least-squares methods (Levenberg-Marquardt).
    Raises ValueError for an empty parameter list or a parameter given twice, TypeError for
    an object that is not a parameter.
    """

    requires_closure = False
    closure_returns = "loss"

    def __init__(self, params: Iterable[Any] | Iterable[dict[str, Any]], defaults: dict[str, Any]):
        self.defaults = dict(defaults)
        self.param_groups: list[dict[str, Any]] = []
        self.state: dict[int, dict[str, Any]] = {}
        name = type(self).__name__
        if callable(params) and getattr(params, "__name__", "") == "parameters":
            raise TypeError(f"{name}: params is the method {params.__qualname__} itself, not "
                            "the parameters; call it: model.parameters()")
        if hasattr(params, "data") and hasattr(params, "grad"):
            raise TypeError(
                f"{name}: params must be an iterable of parameters (e.g. model.parameters()), "
                "got a single parameter; wrap it in a list"
            )
        if isinstance(params, dict):
            params = [params]
        groups = list(params)
        if not groups:
            raise ValueError(
                f"{name}: got an empty parameter list; pass model.parameters() or a non-empty "
                "list of Tensors (requires_grad=True) or Values (a generator can be used only "
                "once: make a list of it to share it)"
            )
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    # ------------------------------------------------------------------ groups and params
    def add_param_group(self, group: dict[str, Any]) -> None:
        """Add a group of parameters (a dict with ``"params"`` and optional options)."""
        name = type(self).__name__
        if not isinstance(group, dict) or "params" not in group:
            raise TypeError(f"{name}: a parameter group is a dict with a 'params' entry")
        params = group["params"]
        if hasattr(params, "data") and hasattr(params, "grad"):
            params = [params]
        params = list(params)
        if not params:
            raise ValueError(f"{name}: a parameter group has no parameters")
        for p in params:
            if not (hasattr(p, "data") and hasattr(p, "grad")):
                raise TypeError(
                    f"{name}: {type(p).__name__} is not a parameter; expected a Tensor "
                    "(requires_grad=True) or a Value"
                )
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        ids = [id(p) for p in params]
        if len(set(ids)) != len(ids) or seen.intersection(ids):
            raise ValueError(f"{name}: some parameters appear more than once")
        unknown = set(group) - set(self.defaults) - {"params", "initial_lr"}
        if unknown:
            raise ValueError(
                f"{name}: unknown option(s) {sorted(unknown)}; valid: {sorted(self.defaults)}"
            )
        full = {**self.defaults, **group, "params": params}
        self._check_group(full)
        self.param_groups.append(full)

    def _check_group(self, group: dict[str, Any]) -> None:
        """Validate a group's options; subclasses raise ValueError for bad hyperparameters."""
        check_nonneg(type(self).__name__, "lr", group["lr"])

    def _params_with_index(self) -> Iterator[tuple[int, dict[str, Any], Any]]:
        """Yield ``(index, group, param)`` for every parameter, in state-dict order."""
        i = 0
        for group in self.param_groups:
            for p in group["params"]:
                yield i, group, p
                i += 1

    @property
    def lr(self) -> float:
        """The learning rate of the first group; setting it sets every group's ``lr``."""
        return self.param_groups[0]["lr"]

    @lr.setter
    def lr(self, value: float) -> None:
        check_nonneg(type(self).__name__, "lr", value)
        for group in self.param_groups:
            group["lr"] = value

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every parameter's gradient: None (or zeros) for Tensors, 0.0 for Values."""
        for group in self.param_groups:
            for p in group["params"]:
                if not is_array_node(p):
                    p.grad = 0.0
                elif set_to_none:
                    p.grad = None
                elif p.grad is not None:
                    p.grad = np.zeros_like(p.data)

    @abc.abstractmethod
    def step(self, closure: Closure | None = None) -> Any:
        """Update the parameters once; see each subclass."""

    # ------------------------------------------------------------------ per-parameter io
    @staticmethod
    def _grad(p: Any) -> np.ndarray | None:
        """The gradient as an ndarray (0-d for a Value), None when the parameter has none.

        A Tensor ``.grad`` (left by ``backward(create_graph=True)``) gives its array."""
        g = p.grad
        if g is None:
            return None
        if is_tensor(g):
            return g.data
        return g if isinstance(g, np.ndarray) else np.asarray(float(g))

    @staticmethod
    def _value(p: Any) -> np.ndarray:
        """The parameter's value as an ndarray (the Tensor's own array; a 0-d copy for a Value)."""
        return p.data if is_array_node(p) else np.asarray(float(p.data))

    @staticmethod
    def _assign(p: Any, new: np.ndarray) -> None:
        """Write ``new`` into the parameter in place (a Tensor keeps its array object)."""
        if is_array_node(p):
            p.data[...] = new
        else:
            p.data = float(new)

    # ------------------------------------------------------------------ state dict
    def state_dict(self) -> dict[str, Any]:
        """A deep copy of the state: ``{"state": {i: {...}}, "param_groups": [{...}]}``.

        Holds only dicts, lists, tuples, numbers, strings, None and ndarrays, so
        ``nn.save(optimizer, path)`` can store it without pickle.
        """
        groups = []
        i = 0
        for group in self.param_groups:
            entry = {k: copy.deepcopy(v) for k, v in group.items() if k != "params"}
            entry["params"] = list(range(i, i + len(group["params"])))
            i += len(group["params"])
            groups.append(entry)
        state = {int(k): {n: copy.deepcopy(v) for n, v in s.items()} for k, s in self.state.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a ``state_dict()``; the groups must hold the same numbers of parameters.

        Raises ValueError when the structure does not match this optimizer's parameters.
        """
        name = type(self).__name__
        if not isinstance(state_dict, dict) or set(state_dict) != {"state", "param_groups"}:
            raise ValueError(
                f"{name}.load_state_dict: expected a dict with 'state' and 'param_groups'"
            )
        saved = list(state_dict["param_groups"])
        if len(saved) != len(self.param_groups):
            raise ValueError(
                f"{name}.load_state_dict: the state has {len(saved)} parameter groups, "
                f"this optimizer {len(self.param_groups)}"
            )
        for mine, theirs in zip(self.param_groups, saved):
            if len(theirs["params"]) != len(mine["params"]):
                raise ValueError(
                    f"{name}.load_state_dict: a group has {len(theirs['params'])} parameters "
                    f"in the state but {len(mine['params'])} here"
                )
        n = sum(len(g["params"]) for g in self.param_groups)
        state = {int(k): v for k, v in dict(state_dict["state"]).items()}
        if any(not 0 <= k < n for k in state):
            raise ValueError(f"{name}.load_state_dict: state indices must be in [0, {n})")
        for mine, theirs in zip(self.param_groups, saved):
            for k, v in theirs.items():
                if k != "params":
                    mine[k] = copy.deepcopy(v)
        self.state = {k: {s: copy.deepcopy(v) for s, v in st.items()} for k, st in state.items()}

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for k in sorted(group):
                if k != "params":
                    lines.append(f"    {k}: {group[k]}")
        lines.append(")")
        return "\n".join(lines)
