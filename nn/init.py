"""Weight initializers: uniform, normal, Xavier (Glorot), Kaiming (He), zeros, ones.

Each initializer comes in two forms, following PyTorch's ``torch.nn.init``:

* ``kaiming_uniform(shape, ...)`` returns a new float64 numpy array;
* ``kaiming_uniform_(t, ...)`` fills an existing array or Tensor (its ``.data``) in place
  and returns it.

Fans follow PyTorch: for a weight of shape ``(out, in, *kernel)`` the fan-in is
``in * prod(kernel)`` and the fan-out ``out * prod(kernel)``; a 1-D array has
fan-in = fan-out = its length. Every random initializer takes ``rng``: a
``numpy.random.Generator``, an int seed, or ``None`` for the process-wide default
generator of ``autodiff.random`` (re-seed it with :func:`manual_seed`, the same function
as ``ad.manual_seed``, to make a whole model reproducible).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from autodiff.random import manual_seed, resolve_rng

__all__ = [
    "calculate_gain", "calculate_fan_in_and_fan_out", "manual_seed", "get_rng",
    "uniform", "normal", "constant", "zeros", "ones",
    "xavier_uniform", "xavier_normal", "kaiming_uniform", "kaiming_normal",
    "glorot_uniform", "glorot_normal", "he_uniform", "he_normal",
    "uniform_", "normal_", "constant_", "zeros_", "ones_",
    "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_",
]

RngLike = np.random.Generator | int | None
Shape = int | Sequence[int]

def get_rng(rng: RngLike = None) -> np.random.Generator:
    """Turn ``rng`` (Generator, int seed or None) into a ``numpy.random.Generator``; None is
    the default generator that :func:`manual_seed` seeds.

    Raises TypeError for anything else (a float, a legacy ``RandomState``...).
    """
    return resolve_rng(rng, "init")


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain for a nonlinearity, as in ``torch.nn.init.calculate_gain``.

    linear/conv*/sigmoid: 1, tanh: 5/3, relu: sqrt(2), leaky_relu: sqrt(2 / (1 + slope^2))
    (slope ``param``, default 0.01), selu: 3/4. Raises ValueError for other names.
    """
    linear = {"linear", "identity", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
              "conv_transpose2d", "conv_transpose3d", "sigmoid"}
    if nonlinearity in linear:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3.0
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        if isinstance(slope, bool) or not isinstance(slope, (int, float)):
            raise ValueError(f"calculate_gain: negative_slope {slope!r} is not a number")
        return math.sqrt(2.0 / (1.0 + slope**2))
    if nonlinearity == "selu":
        return 0.75
    raise ValueError(
        f"calculate_gain: unsupported nonlinearity {nonlinearity!r}; valid: linear, conv1d, "
        "conv2d, conv3d, sigmoid, tanh, relu, leaky_relu, selu"
    )


def _shape_of(target: Any) -> tuple[int, ...]:
    if isinstance(target, (int, np.integer)):
        return (int(target),)
    if isinstance(target, (tuple, list)):
        return tuple(int(s) for s in target)
    return tuple(_array_of(target).shape)


def calculate_fan_in_and_fan_out(shape: Any) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight shape (or array/Tensor), PyTorch's convention.

    Raises ValueError for a 0-d shape, whose fans are undefined.
    """
    shape = _shape_of(shape)
    if len(shape) == 0:
        raise ValueError("init: fan in and fan out cannot be computed for a 0-d (scalar) weight")
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive = int(np.prod(shape[2:])) if len(shape) > 2 else 1
    return shape[1] * receptive, shape[0] * receptive


def _fan(shape: tuple[int, ...], mode: str) -> int:
    fan_in, fan_out = calculate_fan_in_and_fan_out(shape)
    if mode == "fan_in":
        return fan_in
    if mode == "fan_out":
        return fan_out
    raise ValueError(f"init: mode must be 'fan_in' or 'fan_out', got {mode!r}")


# ---------------------------------------------------------------- array-returning forms
def uniform(shape: Shape, a: float = 0.0, b: float = 1.0, rng: RngLike = None) -> np.ndarray:
    """A float64 array of ``shape`` drawn from U(a, b). Raises ValueError if a > b."""
    if a > b:
        raise ValueError(f"init.uniform: lower bound a={a} exceeds upper bound b={b}")
    return get_rng(rng).uniform(a, b, size=_shape_of(shape))


def normal(shape: Shape, mean: float = 0.0, std: float = 1.0, rng: RngLike = None) -> np.ndarray:
    """A float64 array of ``shape`` drawn from N(mean, std^2). Raises ValueError if std < 0."""
    if std < 0:
        raise ValueError(f"init.normal: std must be >= 0, got {std}")
    return get_rng(rng).normal(mean, std, size=_shape_of(shape))


def constant(shape: Shape, val: float) -> np.ndarray:
    """A float64 array of ``shape`` filled with ``val``."""
    return np.full(_shape_of(shape), float(val))


def zeros(shape: Shape) -> np.ndarray:
    """A float64 array of zeros."""
    return constant(shape, 0.0)


def ones(shape: Shape) -> np.ndarray:
    """A float64 array of ones."""
    return constant(shape, 1.0)


def xavier_uniform(shape: Shape, gain: float = 1.0, rng: RngLike = None) -> np.ndarray:
    """Glorot uniform: U(-b, b) with b = gain * sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = calculate_fan_in_and_fan_out(shape)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform(shape, -bound, bound, rng)


def xavier_normal(shape: Shape, gain: float = 1.0, rng: RngLike = None) -> np.ndarray:
    """Glorot normal: N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = calculate_fan_in_and_fan_out(shape)
    return normal(shape, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), rng)


def kaiming_uniform(shape: Shape, a: float = 0.0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu", rng: RngLike = None) -> np.ndarray:
    """He uniform: U(-b, b) with b = gain * sqrt(3 / fan), gain = calculate_gain(nonlinearity, a).

    With ``a=sqrt(5)`` (PyTorch's Linear/Conv2d default) the bound is 1/sqrt(fan_in).
    """
    gain = calculate_gain(nonlinearity, a)
    bound = gain * math.sqrt(3.0 / _fan(_shape_of(shape), mode))
    return uniform(shape, -bound, bound, rng)


def kaiming_normal(shape: Shape, a: float = 0.0, mode: str = "fan_in",
                   nonlinearity: str = "leaky_relu", rng: RngLike = None) -> np.ndarray:
    """He normal: N(0, std^2) with std = gain / sqrt(fan)."""
    gain = calculate_gain(nonlinearity, a)
    return normal(shape, 0.0, gain / math.sqrt(_fan(_shape_of(shape), mode)), rng)


glorot_uniform = xavier_uniform
glorot_normal = xavier_normal
he_uniform = kaiming_uniform
he_normal = kaiming_normal


# ---------------------------------------------------------------- in-place forms
def _array_of(target: Any) -> np.ndarray:
    data = target if isinstance(target, np.ndarray) else getattr(target, "data", None)
    if not isinstance(data, np.ndarray):
        raise TypeError(
            f"init: expected a numpy array or a Tensor to fill, got {type(target).__name__}"
        )
    return data


def _fill(target: Any, values: np.ndarray) -> Any:
    data = _array_of(target)
    data[...] = values.astype(data.dtype, copy=False)
    return target


def uniform_(t: Any, a: float = 0.0, b: float = 1.0, rng: RngLike = None) -> Any:
    """Fill array/Tensor ``t`` in place from U(a, b); return ``t``."""
    return _fill(t, uniform(_shape_of(t), a, b, rng))


def normal_(t: Any, mean: float = 0.0, std: float = 1.0, rng: RngLike = None) -> Any:
    """Fill ``t`` in place from N(mean, std^2); return ``t``."""
    return _fill(t, normal(_shape_of(t), mean, std, rng))


def constant_(t: Any, val: float) -> Any:
    """Fill ``t`` in place with ``val``; return ``t``."""
    return _fill(t, constant(_shape_of(t), val))


def zeros_(t: Any) -> Any:
    """Fill ``t`` in place with zeros; return ``t``."""
    return constant_(t, 0.0)


def ones_(t: Any) -> Any:
    """Fill ``t`` in place with ones; return ``t``."""
    return constant_(t, 1.0)


def xavier_uniform_(t: Any, gain: float = 1.0, rng: RngLike = None) -> Any:
    """Fill ``t`` in place with Glorot-uniform values; return ``t``."""
    return _fill(t, xavier_uniform(_shape_of(t), gain, rng))


def xavier_normal_(t: Any, gain: float = 1.0, rng: RngLike = None) -> Any:
    """Fill ``t`` in place with Glorot-normal values; return ``t``."""
    return _fill(t, xavier_normal(_shape_of(t), gain, rng))


def kaiming_uniform_(t: Any, a: float = 0.0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu", rng: RngLike = None) -> Any:
    """Fill ``t`` in place with He-uniform values; return ``t``."""
    return _fill(t, kaiming_uniform(_shape_of(t), a, mode, nonlinearity, rng))


def kaiming_normal_(t: Any, a: float = 0.0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu", rng: RngLike = None) -> Any:
    """Fill ``t`` in place with He-normal values; return ``t``."""
    return _fill(t, kaiming_normal(_shape_of(t), a, mode, nonlinearity, rng))
