"""The old path of the convolution layers; they live in ``nn.layers.conv`` now.

Kept so that ``from nn.conv import Conv2d`` keeps working; new code imports from
``nn.layers.conv`` (or takes ``nn.Conv2d`` / ``nn.functional.conv2d``).
"""

from .layers.conv import Conv2d, MaxPool2d, col2im, conv2d, im2col, max_pool2d
from .layers.conv import IntPair as IntPair

__all__ = ["conv2d", "max_pool2d", "im2col", "col2im", "Conv2d", "MaxPool2d"]
