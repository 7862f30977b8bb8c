"""nn: neural networks on top of the autodiff engine."""

from .module import Module
from .scalar import MLP, Layer, Neuron
