"""Optimizers, by the order of derivative they use, and learning-rate schedules.

First order (``first_order.py``): SGD (momentum, Nesterov), Adagrad, RMSprop, Adam, AdamW,
with ``torch.optim``'s defaults and update rules. "1.5 order" (``quasi_newton.py``,
``least_squares.py``): ConjugateGradient, BFGS, LBFGS, LevenbergMarquardt. Second order
(``newton.py``): Newton with the exact Hessian. Schedules (``schedule.py``): StepLR,
ExponentialLR, CosineAnnealingLR, ReduceLROnPlateau. Every optimizer works on Tensor and on
scalar Value parameters.
"""

from .closure import ClosureOptimizer
from .first_order import SGD, Adagrad, Adam, AdamW, RMSprop
from .least_squares import LevenbergMarquardt
from .newton import Newton
from .optimizer import Optimizer
from .quasi_newton import BFGS, LBFGS, ConjugateGradient
from .schedule import CosineAnnealingLR, ExponentialLR, LRScheduler, ReduceLROnPlateau, StepLR

__all__ = [
    "Optimizer", "ClosureOptimizer", "SGD", "Adagrad", "RMSprop", "Adam", "AdamW",
    "ConjugateGradient", "BFGS", "LBFGS", "Newton", "LevenbergMarquardt",
    "LRScheduler", "StepLR", "ExponentialLR", "CosineAnnealingLR", "ReduceLROnPlateau",
]
