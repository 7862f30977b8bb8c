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
from autodiff.validation import check_real, check_shape, describe

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

def get_rng(rng: RngLike = None, where: str = "init") -> np.random.Generator:
    """Turn ``rng`` (Generator, int seed or None) into a ``numpy.random.Generator``; None is
    the default generator that :func:`manual_seed` seeds.

    Raises TypeError for anything else (a float, a legacy ``RandomState``...), naming
    ``where`` (the caller).
    """
    return resolve_rng(rng, where)


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain for a nonlinearity, as in ``torch.nn.init.calculate_gain``.

    linear/conv*/sigmoid: 1, tanh: 5/3, relu: sqrt(2), leaky_relu: sqrt(2 / (1 + slope^2))
    (slope ``param``, default 0.01), selu: 3/4. Raises TypeError for a name that is not a
    string or a slope that is not a number, ValueError for other names.
    """
    return _gain(nonlinearity, param, "calculate_gain")


def _gain(nonlinearity: str, param: float | None, where: str) -> float:
    linear = {"linear", "identity", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
              "conv_transpose2d", "conv_transpose3d", "sigmoid"}
    if not isinstance(nonlinearity, str):
        raise TypeError(f"{where}: nonlinearity must be a name such as 'relu' or "
                        f"'tanh', got {describe(nonlinearity)}")
    if nonlinearity in linear:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3.0
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else check_real(
            param, name="param (the negative slope)", where=where,
            minimum=-1e150, maximum=1e150)
        return math.sqrt(2.0 / (1.0 + slope**2))
    if nonlinearity == "selu":
        return 0.75
    raise ValueError(
        f"{where}: unsupported nonlinearity {nonlinearity!r}; valid: linear, conv1d, "
        "conv2d, conv3d, sigmoid, tanh, relu, leaky_relu, selu"
    )


def _shape_of(target: Any, where: str = "init") -> tuple[int, ...]:
    """The shape of ``target`` (an int, a sequence of ints, an array or a Tensor), checked:
    TypeError for what is not integers, ValueError for negative sizes or an array of
    float64 that would not fit in memory."""
    if isinstance(target, int | np.integer | tuple | list) and not isinstance(target, bool):
        return check_shape(target, where=where, itemsize=8)
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
    receptive = math.prod(shape[2:]) if len(shape) > 2 else 1
    return shape[1] * receptive, shape[0] * receptive


def _fan(shape: tuple[int, ...], mode: str) -> int:
    fan_in, fan_out = calculate_fan_in_and_fan_out(shape)
    if mode == "fan_in":
        return fan_in
    if mode == "fan_out":
        return fan_out
    raise ValueError(f"init: mode must be 'fan_in' or 'fan_out', got {describe(mode)}")


# ---------------------------------------------------------------- array-returning forms
def uniform(shape: Shape, a: float = 0.0, b: float = 1.0, rng: RngLike = None) -> np.ndarray:
    """A float64 array of ``shape`` drawn from U(a, b).

    Raises TypeError for bounds that are not real numbers, ValueError if a > b or a bound
    is not finite (or the two are more than the float range apart)."""
    a = check_real(a, name="a", where="init.uniform")
    b = check_real(b, name="b", where="init.uniform")
    if a > b:
        raise ValueError(f"init.uniform: lower bound a={a} exceeds upper bound b={b}")
    if not math.isfinite(b - a):
        raise ValueError(f"init.uniform: b - a must be a finite number, got b={b}, a={a}")
    return get_rng(rng).uniform(a, b, size=_shape_of(shape, "init.uniform"))


def normal(shape: Shape, mean: float = 0.0, std: float = 1.0, rng: RngLike = None) -> np.ndarray:
    """A float64 array of ``shape`` drawn from N(mean, std^2).

    Raises TypeError for a mean or std that is not a real number, ValueError if std < 0 or
    either is not finite."""
    mean = check_real(mean, name="mean", where="init.normal")
    std = check_real(std, name="std", where="init.normal", minimum=0.0)
    return get_rng(rng).normal(mean, std, size=_shape_of(shape, "init.normal"))


def constant(shape: Shape, val: float) -> np.ndarray:
    """A float64 array of ``shape`` filled with ``val``, a finite real number (TypeError
    for anything else, ValueError for NaN or an infinity: no weight starts there)."""
    val = check_real(val, name="val", where="init.constant")
    return np.full(_shape_of(shape, "init.constant"), val)


def zeros(shape: Shape) -> np.ndarray:
    """A float64 array of zeros."""
    return constant(shape, 0.0)


def ones(shape: Shape) -> np.ndarray:
    """A float64 array of ones."""
    return constant(shape, 1.0)


def xavier_uniform(shape: Shape, gain: float = 1.0, rng: RngLike = None) -> np.ndarray:
    """Glorot uniform: U(-b, b) with b = gain * sqrt(6 / (fan_in + fan_out))."""
    gain = check_real(gain, name="gain", where="init.xavier_uniform", minimum=0.0)
    fan_in, fan_out = calculate_fan_in_and_fan_out(_shape_of(shape, "init.xavier_uniform"))
    if fan_in + fan_out == 0:  # a zero-size weight: nothing to draw
        return np.zeros(_shape_of(shape))
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform(shape, -bound, bound, rng)


def xavier_normal(shape: Shape, gain: float = 1.0, rng: RngLike = None) -> np.ndarray:
    """Glorot normal: N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    gain = check_real(gain, name="gain", where="init.xavier_normal", minimum=0.0)
    fan_in, fan_out = calculate_fan_in_and_fan_out(_shape_of(shape, "init.xavier_normal"))
    if fan_in + fan_out == 0:
        return np.zeros(_shape_of(shape))
    return normal(shape, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), rng)


def kaiming_uniform(shape: Shape, a: float = 0.0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu", rng: RngLike = None) -> np.ndarray:
    """He uniform: U(-b, b) with b = gain * sqrt(3 / fan), gain = calculate_gain(nonlinearity, a).

    With ``a=sqrt(5)`` (PyTorch's Linear/Conv2d default) the bound is 1/sqrt(fan_in).
    """
    a = check_real(a, name="a (the negative slope)", where="init.kaiming_uniform")
    gain = _gain(nonlinearity, a, "init.kaiming_uniform")
    fan = _fan(_shape_of(shape, "init.kaiming_uniform"), mode)
    if fan == 0:  # a zero-size weight: nothing to draw
        return np.zeros(_shape_of(shape))
    bound = gain * math.sqrt(3.0 / fan)
    return uniform(shape, -bound, bound, rng)


def kaiming_normal(shape: Shape, a: float = 0.0, mode: str = "fan_in",
                   nonlinearity: str = "leaky_relu", rng: RngLike = None) -> np.ndarray:
    """He normal: N(0, std^2) with std = gain / sqrt(fan)."""
    a = check_real(a, name="a (the negative slope)", where="init.kaiming_normal")
    gain = _gain(nonlinearity, a, "init.kaiming_normal")
    fan = _fan(_shape_of(shape, "init.kaiming_normal"), mode)
    if fan == 0:
        return np.zeros(_shape_of(shape))
    return normal(shape, 0.0, gain / math.sqrt(fan), rng)


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
    return _fill(t, uniform(_array_of(t).shape, a, b, rng))


def normal_(t: Any, mean: float = 0.0, std: float = 1.0, rng: RngLike = None) -> Any:
    """Fill ``t`` in place from N(mean, std^2); return ``t``."""
    return _fill(t, normal(_array_of(t).shape, mean, std, rng))


def constant_(t: Any, val: float) -> Any:
    """Fill ``t`` in place with ``val``; return ``t``."""
    return _fill(t, constant(_array_of(t).shape, val))


def zeros_(t: Any) -> Any:
    """Fill ``t`` in place with zeros; return ``t``."""
    return constant_(t, 0.0)


def ones_(t: Any) -> Any:
    """Fill ``t`` in place with ones; return ``t``."""
    return constant_(t, 1.0)


def xavier_uniform_(t: Any, gain: float = 1.0, rng: RngLike = None) -> Any:
    """Fill ``t`` in place with Glorot-uniform values; return ``t``."""
    return _fill(t, xavier_uniform(_array_of(t).shape, gain, rng))


def xavier_normal_(t: Any, gain: float = 1.0, rng: RngLike = None) -> Any:
    """Fill ``t`` in place with Glorot-normal values; return ``t``."""
    return _fill(t, xavier_normal(_array_of(t).shape, gain, rng))


def kaiming_uniform_(t: Any, a: float = 0.0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu", rng: RngLike = None) -> Any:
    """Fill ``t`` in place with He-uniform values; return ``t``."""
    return _fill(t, kaiming_uniform(_array_of(t).shape, a, mode, nonlinearity, rng))


def kaiming_normal_(t: Any, a: float = 0.0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu", rng: RngLike = None) -> Any:
    """Fill ``t`` in place with He-normal values; return ``t``."""
    return _fill(t, kaiming_normal(_array_of(t).shape, a, mode, nonlinearity, rng))
