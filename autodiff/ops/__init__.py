"""Every tensor op, each forward beside its vector-Jacobian products, in one table.

A VJP takes the upstream gradient ``g`` (a Tensor shaped like the result), the
result node ``out`` and the op's inputs, and returns the input's gradient. VJPs
use Tensor operations, so the backward pass is itself differentiable; numpy
arrays that appear in them (masks, counts) are constants. Gradients shaped like
a broadcast of the input are summed back by the engine, never here.

The table is split by kind: ``arithmetic``, ``elementwise``, ``reduce``, ``shape``,
``index``, ``window``. ``REGISTRY`` maps each name to its ``Op``; every op is also a name here
(``ops.add``, ``ops.where``), which is how Tensor's methods reach them.
"""

from .arithmetic import add, div, matmul, mul, neg, pow, sub
from .base import REGISTRY, register
from .elementwise import (
    abs,
    astype,
    astype_forward,
    clip,
    cos,
    equal,
    exp,
    expm1,
    greater,
    greater_equal,
    leaky_relu,
    less,
    less_equal,
    log,
    log1p,
    maximum,
    minimum,
    not_equal,
    relu,
    sigmoid,
    sin,
    softplus,
    sqrt,
    tanh,
    where,
)
from .index import getitem, scatter
from .reduce import amax, amin, log_softmax, logsumexp, mean, prod, softmax, std, sum, var
from .shape import broadcast_to, concatenate, pad, reshape, stack, sum_to, swapaxes, transpose
from .window import col2im, im2col
