"""autodiff: a small, readable automatic-differentiation engine (scalar Value, numpy Tensor)."""

import warnings as _warnings

__version__ = "0.2.0"

from . import numpy_api  # Tensor's numpy functions (registers them)
from .accumulation import GradAccumulationWarning
from .anomaly import AnomalyError, detect_anomaly, is_anomaly_enabled, set_detect_anomaly
from .check import GradcheckError, diagnose, gradcheck, gradgradcheck, numerical_grad
from .creation import (
    arange,
    concatenate,
    eye,
    full,
    maximum,
    minimum,
    ones,
    ones_like,
    pad,
    rand,
    randn,
    split,
    stack,
    tensor,
    uniform,
    where,
    zeros,
    zeros_like,
)
from .errors import OpIndexError
from .functional import grad, hessian, hvp, jacobian, jvp, vjp
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .op import Op, OpError
from .random import manual_seed
from .tensor import Tensor
from .value import Value
from .viz import draw_dot, render, to_dot

__all__ = [
    "__version__", "AnomalyError", "GradAccumulationWarning", "GradcheckError", "Op", "OpError",
    "OpIndexError", "Tensor", "Value", "arange", "concatenate", "detect_anomaly", "diagnose",
    "draw_dot",
    "enable_grad", "eye", "full", "grad", "gradcheck", "gradgradcheck", "hessian", "hvp",
    "is_anomaly_enabled", "is_grad_enabled", "jacobian", "jvp", "manual_seed", "maximum",
    "minimum", "no_grad", "numerical_grad", "ones", "ones_like", "pad", "rand", "randn",
    "render", "set_detect_anomaly", "set_grad_enabled", "split", "stack", "tensor", "to_dot",
    "uniform", "vjp", "where", "zeros", "zeros_like",
]

# IEEE results come silently, as in PyTorch: numpy's RuntimeWarnings (log(0), exp(1000),
# 1/0) raised by the engine's own calls are not shown. A filter by module costs nothing
# until a warning occurs (np.errstate around every op would cost ~1 us each); numpy
# calls in the user's code warn as before, filters the user set (-W error::RuntimeWarning)
# still win, and anomaly mode reports NaN and inf.
_warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"autodiff(\.|$)",
                         append=True)  # after the user's own -W / PYTHONWARNINGS filters
