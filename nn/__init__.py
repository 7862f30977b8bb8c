"""nn: neural networks on top of the autodiff engine."""

from . import data, datasets, metrics
from .module import Module
from .scalar import MLP, Layer, Neuron
from .training import EarlyStopping, History, evaluate, fit
