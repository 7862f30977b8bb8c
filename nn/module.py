"""Module: the base class of every network, scalar (Value) or tensor (Tensor).

A Module owns *parameters* (learned: weights, biases), *buffers* (state that is saved but
not trained, e.g. BatchNorm's running statistics) and child Modules. They are registered
when assigned as attributes, in insertion order:

* a parameter is a ``Value``, a Tensor with ``requires_grad=True`` (at assignment time),
  or a list/tuple of those (a Neuron's weights ``w`` give the names ``w.0``, ``w.1``, ...).
  A Tensor with ``requires_grad=False`` is a plain attribute (like a plain ``torch.Tensor``),
  unless it replaces a Tensor parameter of the same name or is given to
  ``register_parameter``: then it is a *frozen* parameter (PyTorch's
  ``nn.Parameter(t, requires_grad=False)``), as is a parameter whose ``requires_grad``
  is switched off after registration;
* a child is a Module, or a list/tuple of Modules (``layers.0``, ``layers.1``, ...);
* a buffer is declared with ``register_buffer(name, array)``.

Names are dotted paths, e.g. ``layers.0.neurons.3.w.1``. ``state_dict()`` maps each name
to a numpy copy; ``load_state_dict()`` checks names and shapes before it changes anything.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from typing import Any, NamedTuple

import numpy as np

from autodiff.nodes import is_array_node, is_value
from autodiff.validation import check_bool
from autodiff.value import Value

from .dtypes import cast_module

__all__ = ["Module", "IncompatibleKeys"]

_STATE = ("_parameters", "_buffers", "_modules", "training")


class IncompatibleKeys(NamedTuple):
    """Keys ``load_state_dict(strict=False)`` skipped."""

    missing_keys: list[str]
    unexpected_keys: list[str]


def _is_tensor(x: Any) -> bool:
    """A Tensor, duck-typed: an ndarray ``.data`` and a ``.requires_grad`` flag."""
    if isinstance(x, (Module, Value, np.ndarray, list, tuple, int, float, str)):
        return False
    return hasattr(x, "requires_grad") and isinstance(getattr(x, "data", None), np.ndarray)


def _is_tensor_param(x: Any) -> bool:
    """A Tensor that requires grad: registered as a parameter when assigned."""
    return _is_tensor(x) and x.requires_grad is True


def _is_param(x: Any) -> bool:
    return is_value(x) or _is_tensor_param(x)


def _is_param_seq(x: Any) -> bool:
    return isinstance(x, (list, tuple)) and len(x) > 0 and all(_is_param(p) for p in x)


def _is_module_seq(x: Any) -> bool:
    return isinstance(x, (list, tuple)) and len(x) > 0 and all(isinstance(m, Module) for m in x)


def _shape(p: Any) -> tuple[int, ...]:
    return () if is_value(p) else tuple(np.shape(p.data))


def _to_array(p: Any) -> np.ndarray:
    if is_value(p):
        return np.array(p.data, dtype=np.float64)
    data = p.data if is_array_node(p) else p
    return np.array(data, copy=True)


class Module:
    """Base class: subclass it, assign parameters and children in ``__init__``, and
    write ``forward``. Calling the module calls ``forward``.

    Subclasses should call ``super().__init__()`` first (it is done for them on the
    first attribute assignment if they forget).
    """

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_buffers", {})
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "training", True)

    # ------------------------------------------------------------ registration
    def _ensure_state(self) -> None:
        if "_parameters" not in self.__dict__:
            Module.__init__(self)

    def __setattr__(self, name: str, value: Any) -> None:
        self._ensure_state()
        if name in _STATE:
            if name == "training":
                object.__setattr__(self, name, bool(value))
                return
            raise AttributeError(f"{type(self).__name__}.{name} is internal; do not assign it")
        params, bufs, mods = self._parameters, self._buffers, self._modules
        if name in bufs and not (_is_param(value) or isinstance(value, Module)):
            bufs[name] = value  # reassigning a buffer keeps it a buffer
        elif name in params and _is_tensor(value) and _is_tensor(params[name]):
            params[name] = value  # a Tensor replacing a Tensor parameter stays a parameter
        else:
            params.pop(name, None)
            bufs.pop(name, None)
            mods.pop(name, None)
            if _is_param(value) or _is_param_seq(value):
                params[name] = value
            elif isinstance(value, Module) or _is_module_seq(value):
                mods[name] = value
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        self._ensure_state()
        for reg in (self._parameters, self._buffers, self._modules):
            reg.pop(name, None)
        object.__delattr__(self, name)

    def __getattr__(self, name: str) -> Any:
        # only called when normal lookup fails: a typo or a missing super().__init__()
        if name in _STATE:
            self._ensure_state()
            return self.__dict__[name]
        hint = ""
        if not name.startswith("_"):
            known = [k for k in dir(self) if not k.startswith("_")]
            close = difflib.get_close_matches(name, known, n=3)
            hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise AttributeError(f"{type(self).__name__} has no attribute {name!r}{hint}")

    def register_parameter(self, name: str, value: Any) -> None:
        """Register ``value`` (a Value, a Tensor, or a list of them) as the parameter ``name``.

        Unlike plain assignment, this also registers a Tensor with ``requires_grad=False``
        (a frozen parameter: saved in ``state_dict``, listed by ``parameters()``, left alone
        by optimizers since it gets no gradient). Raises TypeError for anything else."""
        self._ensure_state()
        if not (_is_param(value) or _is_param_seq(value) or _is_tensor(value)):
            raise TypeError(
                f"{type(self).__name__}.register_parameter({name!r}): expected a Value, a Tensor "
                f"or a list of them, got {type(value).__name__}"
            )
        if not isinstance(name, str) or not name or "." in name:
            raise ValueError(f"register_parameter: name must be a non-empty str without '.', "
                             f"got {name!r}")
        self._buffers.pop(name, None)
        self._modules.pop(name, None)
        self._parameters[name] = value
        object.__setattr__(self, name, value)

    def register_buffer(self, name: str, value: Any) -> None:
        """Register ``value`` (an ndarray, a Tensor or None) as the buffer ``name``: saved in
        ``state_dict`` but not a parameter. Raises TypeError for other values."""
        self._ensure_state()
        if not isinstance(name, str) or not name or "." in name:
            raise ValueError(f"register_buffer: name must be a non-empty str without '.', "
                             f"got {name!r}")
        if value is not None and not isinstance(value, np.ndarray) and not hasattr(value, "data"):
            raise TypeError(
                f"{type(self).__name__}.register_buffer({name!r}): expected a numpy array, a "
                f"Tensor or None, got {type(value).__name__}"
            )
        self._parameters.pop(name, None)
        self._modules.pop(name, None)
        self._buffers[name] = value
        object.__setattr__(self, name, value)

    # ---------------------------------------------------------------- walking
    def named_children(self) -> Iterator[tuple[str, Module]]:
        """Direct children as (name, module); a list of modules ``layers`` gives
        ``layers.0``, ``layers.1``, ..."""
        self._ensure_state()
        for name, m in self._modules.items():
            if isinstance(m, Module):
                yield name, m
            else:
                for i, sub in enumerate(m):
                    yield f"{name}.{i}", sub

    def children(self) -> Iterator[Module]:
        """Direct child modules."""
        for _, m in self.named_children():
            yield m

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """This module (name ``prefix``, "" by default) and every descendant, depth first,
        each once."""
        seen: set[int] = set()
        stack: list[tuple[str, Module]] = [(prefix, self)]
        while stack:
            name, m = stack.pop()
            if id(m) in seen:
                continue
            seen.add(id(m))
            yield name, m
            kids = [(f"{name}.{n}" if name else n, c) for n, c in m.named_children()]
            stack.extend(reversed(kids))

    def modules(self) -> Iterator[Module]:
        """This module and every descendant."""
        for _, m in self.named_modules():
            yield m

    def _named_local_params(self) -> Iterator[tuple[str, Any]]:
        for name, p in self._parameters.items():
            if isinstance(p, (list, tuple)):
                for i, q in enumerate(p):
                    yield f"{name}.{i}", q
            else:
                yield name, p

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Any]]:
        """Every parameter as (dotted name, parameter), each object once."""
        seen: set[int] = set()
        for mname, m in self.named_modules(prefix):
            for pname, p in m._named_local_params():
                if id(p) not in seen:
                    seen.add(id(p))
                    yield (f"{mname}.{pname}" if mname else pname), p

    def parameters(self) -> list[Any]:
        """Every parameter (Values or Tensors), as a list, in registration order."""
        return [p for _, p in self.named_parameters()]

    def named_buffers(self, prefix: str = "") -> Iterator[tuple[str, Any]]:
        """Every buffer that is not None as (dotted name, value)."""
        for mname, m in self.named_modules(prefix):
            for bname, b in m._buffers.items():
                if b is not None:
                    yield (f"{mname}.{bname}" if mname else bname), b

    def buffers(self) -> list[Any]:
        """Every buffer that is not None, as a list."""
        return [b for _, b in self.named_buffers()]

    def num_parameters(self) -> int:
        """Number of scalars in all parameters (a Value counts 1, a Tensor its size)."""
        return sum(1 if is_value(p) else int(np.size(p.data)) for p in self.parameters())

    # ------------------------------------------------------------------ modes
    def train(self, mode: bool = True) -> Module:
        """Set training mode on this module and every descendant; returns self."""
        mode = check_bool(mode, name="mode", where=f"{type(self).__name__}.train")
        for m in self.modules():
            object.__setattr__(m, "training", mode)
        return self

    def eval(self) -> Module:
        """Set evaluation mode (``train(False)``); returns self."""
        return self.train(False)

    def zero_grad(self) -> None:
        """Reset gradients: ``0.0`` for Values, ``None`` for Tensors."""
        for p in self.parameters():
            p.grad = 0.0 if is_value(p) else None

    # ------------------------------------------------------------------ state
    def state_dict(self) -> dict[str, np.ndarray]:
        """Parameters then buffers as {dotted name: numpy copy} (a Value gives a 0-d array)."""
        out = {name: _to_array(p) for name, p in self.named_parameters()}
        for name, b in self.named_buffers():
            out[name] = _to_array(b)
        return out

    def load_state_dict(self, state_dict: dict[str, Any], strict: bool = True) -> IncompatibleKeys:
        """Copy values from ``state_dict`` into the parameters and buffers, in place.

        Every key and shape is checked before anything changes. Raises ValueError naming
        the missing, unexpected (``strict=True``) and mis-shaped keys, TypeError for a
        non-mapping or a non-numeric value. Returns the skipped keys.
        """
        name = type(self).__name__
        if not hasattr(state_dict, "keys"):
            raise TypeError(f"{name}.load_state_dict: expected a dict of arrays, "
                            f"got {type(state_dict).__name__}")
        targets: dict[str, tuple[Any, Module, str, bool]] = {}
        for mname, m in self.named_modules():
            for pname, p in m._named_local_params():
                targets.setdefault(f"{mname}.{pname}" if mname else pname, (p, m, pname, True))
            for bname, b in m._buffers.items():
                if b is not None:
                    targets[f"{mname}.{bname}" if mname else bname] = (b, m, bname, False)
        missing = [k for k in targets if k not in state_dict]
        unexpected = [k for k in state_dict if k not in targets]
        arrays: dict[str, np.ndarray] = {}
        bad: list[str] = []
        for key, (obj, _, _, is_param) in targets.items():
            if key not in state_dict:
                continue
            dtype = np.float64 if is_param and is_value(obj) else None
            try:
                arr = np.asarray(state_dict[key], dtype=dtype)
            except (TypeError, ValueError) as e:
                raise TypeError(f"{name}.load_state_dict: value for {key!r} is not numeric "
                                f"({e})") from None
            if arr.dtype.kind not in "biuf":
                raise TypeError(f"{name}.load_state_dict: value for {key!r} has dtype "
                                f"{arr.dtype}, expected a numeric array")
            want = _shape(obj) if is_param else tuple(np.shape(_to_array(obj)))
            if arr.shape != want:
                bad.append(f"{key} (expected shape {want}, got {arr.shape})")
            arrays[key] = arr
        problems = []
        if strict and missing:
            problems.append("missing keys: " + ", ".join(missing))
        if strict and unexpected:
            problems.append("unexpected keys: " + ", ".join(map(str, unexpected)))
        if bad:
            problems.append("shape mismatch: " + "; ".join(bad))
        if problems:
            raise ValueError(f"{name}.load_state_dict: " + "; ".join(problems))
        for key, arr in arrays.items():
            obj = targets[key][0]
            if is_value(obj):
                obj.data = float(arr)
            elif isinstance(obj, np.ndarray):
                obj[...] = arr
            else:  # a Tensor (parameter or buffer)
                obj.data[...] = arr
        return IncompatibleKeys(missing, unexpected)

    # ------------------------------------------------------------------ dtype
    def to(self, dtype: Any) -> Module:
        """Cast every float parameter and buffer to ``dtype`` (float16/32/64), in place;
        returns self. ValueError naming ``dtype`` and the valid ones otherwise."""
        return cast_module(self, dtype, f"{type(self).__name__}.to")

    def float(self) -> Module:
        """Cast every float parameter and buffer to float32 (``to(np.float32)``); returns self."""
        return cast_module(self, np.float32, f"{type(self).__name__}.float")

    def double(self) -> Module:
        """Cast every float parameter and buffer to float64 (``to(np.float64)``); returns self."""
        return cast_module(self, np.float64, f"{type(self).__name__}.double")

    # ---------------------------------------------------------------- calling
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The computation; subclasses override it."""
        raise NotImplementedError(f"{type(self).__name__}.forward is not implemented")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    # ------------------------------------------------------------------- repr
    def extra_repr(self) -> str:
        """Arguments shown in ``repr`` after the class name; subclasses override it."""
        return ""

    def _line(self) -> str:
        n = self.num_parameters()
        return f"{type(self).__name__}({self.extra_repr()}) [{n} parameter{'s' * (n != 1)}]"

    def __repr__(self) -> str:
        lines = [self._line()]
        self._repr_children(lines, "  ")
        return "\n".join(lines)

    def _repr_children(self, lines: list[str], indent: str) -> None:
        kids = list(self.named_children())
        i = 0
        while i < len(kids):
            name, m = kids[i]
            j = i + 1
            text = repr(m)
            # collapse runs of identical leaf siblings of one list: (neurons.0-15): 16 x ...
            base = name.rsplit(".", 1)[0]
            if not list(m.children()):
                while (j < len(kids) and kids[j][0].rsplit(".", 1)[0] == base
                       and "." in name and repr(kids[j][1]) == text):
                    j += 1
            if j - i > 1:
                label = f"{name}-{kids[j - 1][0].rsplit('.', 1)[1]}"
                lines.append(f"{indent}({label}): {j - i} x {m._line()}")
            else:
                lines.append(f"{indent}({name}): {m._line()}")
                m._repr_children(lines, indent + "  ")
            i = j
