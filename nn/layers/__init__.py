"""Tensor layers, one room per kind; each layer's function (``nn.functional.xxx``) lives
beside its Module.

``linear`` (Linear), ``activation`` (ReLU, LeakyReLU, PReLU, Sigmoid, Tanh, Softmax,
LogSoftmax), ``normalization`` (BatchNorm1d), ``dropout`` (Dropout), ``conv`` (Conv2d,
MaxPool2d, im2col/col2im), ``container`` (Sequential, Identity), ``shape`` (Flatten).
Names, arguments and defaults follow ``torch.nn``. A layer imports ``nn.module``,
``nn.inputs``, ``nn.init`` and the engine, never ``nn.functional`` (which re-exports it).
"""

from .activation import LeakyReLU, LogSoftmax, PReLU, ReLU, Sigmoid, Softmax, Tanh
from .container import Identity, Sequential
from .conv import Conv2d, MaxPool2d
from .dropout import Dropout
from .linear import Linear
from .normalization import BatchNorm1d
from .shape import Flatten

__all__ = ["Linear", "Sequential", "ReLU", "LeakyReLU", "PReLU", "Sigmoid", "Tanh", "Softmax",
           "LogSoftmax", "Dropout", "BatchNorm1d", "Flatten", "Identity", "Conv2d", "MaxPool2d"]
