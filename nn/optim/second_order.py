"""Closure-based optimizers: conjugate gradient, quasi-Newton, Newton, Levenberg-Marquardt.

The chapter's "1.5 order" methods (ConjugateGradient, BFGS, LBFGS, LevenbergMarquardt)
approximate curvature from gradients; Newton uses the exact Hessian. Each lives in its own
module (``quasi_newton.py``, ``newton.py``, ``least_squares.py``) on the shared base in
``closure.py``; this module gathers them.
"""

from .closure import ClosureOptimizer
from .least_squares import LevenbergMarquardt
from .newton import Newton
from .quasi_newton import BFGS, LBFGS, ConjugateGradient

__all__ = [
    "ClosureOptimizer",
    "ConjugateGradient",
    "BFGS",
    "LBFGS",
    "Newton",
    "LevenbergMarquardt",
]
