"""nn: neural networks on top of the autodiff engine.

Rooms: ``module`` (the Module base) and ``scalar`` (micrograd's Neuron, Layer, MLP);
``layers`` and ``losses`` (each function beside its Module; ``functional`` re-exports the
functions); ``optim``; ``data`` (data sets, loaders, splits and scaling); ``train`` (fit,
evaluate, history, checkpoints, metrics, plots); ``init``, ``io``, ``utils``, and
``inputs`` (the conversions every room shares).
"""

import os as _os

from autodiff import anomaly as _anomaly

from . import data, datasets, functional, init, metrics, optim
from .dtypes import DtypePromotionWarning
from .io import CheckpointError, load, save
from .layers import (
    BatchNorm1d,
    Conv2d,
    Dropout,
    Flatten,
    Identity,
    LeakyReLU,
    Linear,
    LogSoftmax,
    MaxPool2d,
    PReLU,
    ReLU,
    Sequential,
    Sigmoid,
    Softmax,
    Tanh,
)
from .losses import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    GaussianNLLLoss,
    HuberLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
)
from .module import Module
from .scalar import MLP, Layer, Neuron
from .train import EarlyStopping, History, evaluate, fit
from .utils import clip_grad_norm_, clip_grad_value_, parameters_to_vector, vector_to_parameters

# isort: split
# old module paths that ``import nn`` used to load stay attributes of nn for now; each
# module's docstring names its new path
from . import conv, evaluation, history, training

# nodes made inside nn's layers name the user's line that called them (anomaly mode)
_anomaly.skip_frames_in(_os.path.dirname(__file__))
