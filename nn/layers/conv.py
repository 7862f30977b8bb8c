"""2-D convolution and max pooling, vectorized with im2col (no Python loop over pixels).

``conv2d`` pads the input, unfolds every receptive field into a column (``im2col``), and
multiplies the flattened kernels (C_out, C_in*kH*kW) by each image's columns
(C_in*kH*kW, H_out*W_out): one batched matrix product, no transposes. ``im2col`` and its
adjoint ``col2im`` are registered ops of the engine (``autodiff/ops/window.py``), each
the other's VJP, so convolutions are differentiable any number of times. The batched
product also keeps BLAS away from the tall-skinny (N*L, k) products that a single 2-D
product would need.

``max_pool2d`` finds each window's first maximal element with numpy, then gathers exactly
those input elements (one integer-array index), so the gradient reaches only the chosen
element (PyTorch's rule).
Shapes follow PyTorch: input (N, C, H, W) or unbatched (C, H, W), weight
(out_channels, in_channels, kH, kW), output size
``floor((H + 2*padding - dilation*(kH - 1) - 1) / stride) + 1``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import autodiff as ad
from autodiff.ops import col2im, im2col
from autodiff.ops.window import im2col_forward
from autodiff.validation import check_bool, check_shape, describe

from .. import init
from ..dtypes import warn_if_promoted
from ..inputs import RngLike, as_tensor, positive_int
from ..module import Module

__all__ = ["conv2d", "max_pool2d", "im2col", "col2im", "Conv2d", "MaxPool2d"]

IntPair = int | tuple[int, int]


def _pair(value: Any, name: str, where: str, minimum: int) -> tuple[int, int]:
    if isinstance(value, int | np.integer):
        pair: tuple[Any, ...] = (value, value)
    elif isinstance(value, tuple | list):
        pair = tuple(value)
    else:
        raise TypeError(f"{where}: {name} must be an int >= {minimum} or a pair of them, got "
                        f"{describe(value)}")
    if (len(pair) != 2 or any(isinstance(v, bool) or not isinstance(v, (int, np.integer))
                              for v in pair) or min(pair) < minimum):
        raise ValueError(
            f"{where}: {name} must be an int >= {minimum} or a pair of them, got "
            f"{describe(value)}"
        )
    return int(pair[0]), int(pair[1])


def _check_image(x: ad.Tensor, where: str, channels: int | None,
                 channel_name: str) -> tuple[ad.Tensor, bool]:
    if x.ndim not in (3, 4):
        raise ValueError(
            f"{where}: expected input of shape (N, C, H, W) or (C, H, W), got {x.shape}"
        )
    unbatched = x.ndim == 3
    if unbatched:
        x = x.reshape(1, *x.shape)
    if channels is not None and x.shape[1] != channels:
        raise ValueError(
            f"{where}: input has {x.shape[1]} channels (shape {x.shape}) but {channel_name}="
            f"{channels}; expected input of shape (N, {channels}, H, W)"
        )
    return x, unbatched


def _padding(padding: Any, kernel: tuple[int, int], stride: tuple[int, int],
             dilation: tuple[int, int], where: str) -> tuple[tuple[int, int], tuple[int, int]]:
    """((top, bottom), (left, right)) from an int, a pair, 'valid' or 'same'."""
    if padding == "valid":
        return (0, 0), (0, 0)
    if padding == "same":
        if stride != (1, 1):
            raise ValueError(f"{where}: padding='same' needs stride=1, got stride={stride}")
        total = [d * (k - 1) for k, d in zip(kernel, dilation, strict=True)]
        return (total[0] // 2, total[0] - total[0] // 2), (total[1] // 2, total[1] - total[1] // 2)
    ph, pw = _pair(padding, "padding", where, 0)
    return (ph, ph), (pw, pw)


def conv2d(x: ad.Tensor, weight: ad.Tensor, bias: ad.Tensor | None = None,
           stride: IntPair = 1, padding: IntPair | str = 0, dilation: IntPair = 1) -> ad.Tensor:
    """2-D cross-correlation (PyTorch's conv2d) of ``x`` with ``weight``, plus ``bias``.

    x: (N, C_in, H, W) or (C_in, H, W); weight: (C_out, C_in, kH, kW); bias: (C_out,).
    ``padding`` is an int, a pair, 'valid' or 'same' (zeros). Returns (N, C_out, H_out, W_out)
    (or (C_out, H_out, W_out) for unbatched input). Raises ValueError for mismatched
    channels, bad hyperparameters, or a kernel larger than the padded input.
    """
    where = "conv2d"
    x = as_tensor(x, where)
    weight = as_tensor(weight, where)
    if weight.ndim != 4:
        raise ValueError(f"{where}: weight must have shape (C_out, C_in, kH, kW), got "
                         f"{weight.shape}")
    c_out, c_in, kh, kw = weight.shape
    x, unbatched = _check_image(x, where, c_in, "in_channels")
    stride_ = _pair(stride, "stride", where, 1)
    dilation_ = _pair(dilation, "dilation", where, 1)
    (pt, pb), (pl, pr) = _padding(padding, (kh, kw), stride_, dilation_, where)
    n, _, h, w = x.shape
    hp, wp = h + pt + pb, w + pl + pr
    if hp < dilation_[0] * (kh - 1) + 1 or wp < dilation_[1] * (kw - 1) + 1:
        raise ValueError(
            f"{where}: kernel {(kh, kw)} (dilation {dilation_}) is larger than the padded "
            f"input {(hp, wp)} of input shape {x.shape}"
        )
    if bias is not None and tuple(bias.shape) != (c_out,):
        raise ValueError(f"{where}: bias must have shape ({c_out},), got {bias.shape}")
    if pt or pb or pl or pr:
        x = ad.pad(x, ((0, 0), (0, 0), (pt, pb), (pl, pr)))
    cols = im2col(x, kernel=(kh, kw), stride=stride_, dilation=dilation_)  # (N, C, kH, kW, ...)
    oh, ow = cols.shape[-2:]
    cols = cols.reshape(n, c_in * kh * kw, oh * ow)
    out = weight.reshape(c_out, c_in * kh * kw) @ cols            # (N, C_out, L), batched
    if bias is not None:
        out = out + bias.reshape(c_out, 1)
    return out.reshape(c_out, oh, ow) if unbatched else out.reshape(n, c_out, oh, ow)


def max_pool2d(x: ad.Tensor, kernel_size: IntPair, stride: IntPair | None = None,
               padding: IntPair = 0, dilation: IntPair = 1) -> ad.Tensor:
    """Maximum over each kernel_size window (stride defaults to kernel_size).

    x: (N, C, H, W) or (C, H, W), float, integer or bool; padding counts as -inf (the
    lowest value of an integer dtype) and may be at most half the kernel, so it is never
    the result. The gradient goes to the first maximal element of each window; a NaN
    wins the window.
    Raises ValueError for bad hyperparameters or a window larger than the padded input.
    """
    where = "max_pool2d"
    x = as_tensor(x, where)
    kernel = _pair(kernel_size, "kernel_size", where, 1)
    stride_ = kernel if stride is None else _pair(stride, "stride", where, 1)
    dilation_ = _pair(dilation, "dilation", where, 1)
    ph, pw = _pair(padding, "padding", where, 0)
    if ph > kernel[0] // 2 or pw > kernel[1] // 2:
        raise ValueError(f"{where}: padding {(ph, pw)} must be at most half of kernel_size "
                         f"{kernel}")
    x, unbatched = _check_image(x, where, None, "")
    n, c, h, w = x.shape
    hp, wp = h + 2 * ph, w + 2 * pw
    if hp < dilation_[0] * (kernel[0] - 1) + 1 or wp < dilation_[1] * (kernel[1] - 1) + 1:
        raise ValueError(f"{where}: kernel_size {kernel} is larger than the padded input "
                         f"{(hp, wp)} of input shape {x.shape}")
    pads = ((0, 0), (0, 0), (ph, ph), (pw, pw))
    xp = np.pad(x.data, pads, constant_values=_lowest(x.data.dtype))
    windows = im2col_forward(xp, kernel, stride_, dilation_)     # (N, C, kH, kW, oh, ow)
    oh, ow = windows.shape[-2:]
    best = np.argmax(windows.reshape(n, c, kernel[0] * kernel[1], oh * ow), axis=2)
    if ph or pw:  # a window whose real entries are all -inf may pick a padded one: take
        # its first real entry instead (every window holds one: padding <= kernel / 2)
        real = im2col_forward(np.pad(np.ones((1, 1, h, w), bool), pads), kernel, stride_,
                              dilation_).reshape(kernel[0] * kernel[1], oh * ow)
        picked_real = real[best, np.arange(oh * ow)]
        best = np.where(picked_real, best, np.argmax(real, axis=0))
    ki, kj = np.divmod(best, kernel[1])                            # first max (NaN wins)
    oi, oj = np.divmod(np.arange(oh * ow), ow)
    r = oi * stride_[0] + ki * dilation_[0] - ph                   # in the unpadded plane
    q = oj * stride_[1] + kj * dilation_[1] - pw
    flat = r * w + q
    rows = np.arange(n * c)[:, None]
    out = x.reshape(n * c, h * w)[rows, flat.reshape(n * c, oh * ow)]
    out = out.reshape(n, c, oh, ow)
    return out.reshape(c, oh, ow) if unbatched else out


def _lowest(dtype: np.dtype) -> Any:
    """The padding value of max pooling: no real entry is below it."""
    if dtype.kind == "f":
        return -np.inf
    if dtype.kind in "iu":
        return np.iinfo(dtype).min
    return False  # bool


class Conv2d(Module):
    """2-D convolution layer with learnable ``weight`` (C_out, C_in, kH, kW) and ``bias``.

    Defaults follow PyTorch: weight ~ kaiming_uniform(a=sqrt(5)), i.e. U(-b, b) with
    b = 1/sqrt(C_in*kH*kW), and bias ~ U(-b, b). ``rng`` (Generator, seed or None) seeds
    the initial values; ``dtype`` (float64 by default) is the parameters' dtype (a float32
    input through float64 parameters warns ``DtypePromotionWarning``, once per module).
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: IntPair,
                 stride: IntPair = 1, padding: IntPair | str = 0, dilation: IntPair = 1,
                 bias: bool = True, rng: RngLike = None,
                 dtype: Any = np.float64) -> None:
        super().__init__()
        where = "Conv2d"
        self.in_channels = positive_int(in_channels, "in_channels", where)
        self.out_channels = positive_int(out_channels, "out_channels", where)
        self.kernel_size = _pair(kernel_size, "kernel_size", where, 1)
        self.stride = _pair(stride, "stride", where, 1)
        self.dilation = _pair(dilation, "dilation", where, 1)
        if isinstance(padding, str):
            if padding not in ("valid", "same"):
                raise ValueError(f"{where}: padding must be an int, a pair, 'valid' or 'same', "
                                 f"got {padding!r}")
            _padding(padding, self.kernel_size, self.stride, self.dilation, where)
            self.padding: Any = padding
        else:
            self.padding = _pair(padding, "padding", where, 0)
        bias = check_bool(bias, name="bias", where=where)
        shape = check_shape((self.out_channels, self.in_channels, *self.kernel_size),
                            where=where, name="weight shape", itemsize=8)
        gen = init.get_rng(rng, where)
        self.weight = ad.Tensor(init.kaiming_uniform(shape, a=math.sqrt(5), rng=gen),
                                requires_grad=True, name="weight", dtype=dtype)
        if bias:
            bound = 1.0 / math.sqrt(init.calculate_fan_in_and_fan_out(shape)[0])
            self.bias = ad.Tensor(init.uniform((self.out_channels,), -bound, bound, gen),
                                  requires_grad=True, name="bias", dtype=dtype)
        else:
            self.bias = None

    def forward(self, x: ad.Tensor) -> ad.Tensor:
        """Convolve (N, C_in, H, W) -> (N, C_out, H_out, W_out)."""
        if getattr(x, "ndim", None) in (3, 4) and x.shape[-3] != self.in_channels:
            raise ValueError(
                f"Conv2d: input has {x.shape[-3]} channels (shape {x.shape}) but in_channels="
                f"{self.in_channels}; expected (N, {self.in_channels}, H, W)"
            )
        warn_if_promoted(self, x, self.weight)
        return conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation)

    def extra_repr(self) -> str:
        """Hyperparameters shown in the repr tree."""
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, padding={self.padding}, bias={self.bias is not None}")


class MaxPool2d(Module):
    """Max pooling over kernel_size windows (stride defaults to kernel_size); no parameters."""

    def __init__(self, kernel_size: IntPair, stride: IntPair | None = None,
                 padding: IntPair = 0, dilation: IntPair = 1) -> None:
        super().__init__()
        self.kernel_size = _pair(kernel_size, "kernel_size", "MaxPool2d", 1)
        self.stride = self.kernel_size if stride is None else _pair(stride, "stride",
                                                                    "MaxPool2d", 1)
        self.padding = _pair(padding, "padding", "MaxPool2d", 0)
        self.dilation = _pair(dilation, "dilation", "MaxPool2d", 1)

    def forward(self, x: ad.Tensor) -> ad.Tensor:
        """Pool (N, C, H, W) -> (N, C, H_out, W_out)."""
        return max_pool2d(x, self.kernel_size, self.stride, self.padding, self.dilation)

    def extra_repr(self) -> str:
        """Hyperparameters shown in the repr tree."""
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"
