"""Parameter dtypes: casting a model (``Module.to`` / ``float`` / ``double``) and the warning
a layer gives when its input is silently promoted to its parameters' wider dtype.

Layers take ``dtype=`` (float64 by default) for their parameters. numpy promotes a float32
input meeting float64 parameters to float64: the result is right but computed and returned
in float64. ``warn_if_promoted`` emits :class:`DtypePromotionWarning` the first time that
happens in a module; ``cast_module`` casts every float parameter and buffer in place.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autodiff.anomaly import warn_user
from autodiff.nodes import is_value

__all__ = ["DtypePromotionWarning", "FLOAT_DTYPES", "cast_module", "float_dtype",
           "warn_if_promoted"]

#: the dtypes a model can be cast to
FLOAT_DTYPES = (np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64))
_WARNED = "_dtype_promotion_warned"


class DtypePromotionWarning(UserWarning):
    """A layer's input was promoted to its parameters' wider dtype (e.g. float32 to float64)."""


def float_dtype(dtype: Any, where: str) -> np.dtype:
    """``dtype`` as a numpy float dtype; ValueError naming it and the valid ones otherwise."""
    valid = ", ".join(d.name for d in FLOAT_DTYPES)
    try:
        resolved = np.dtype(dtype)
    except TypeError:
        raise ValueError(f"{where}: {dtype!r} is not a dtype; valid dtypes: {valid}") from None
    if resolved not in FLOAT_DTYPES:
        raise ValueError(f"{where}: dtype {resolved} is not a floating-point dtype a model "
                         f"can be cast to; valid dtypes: {valid}")
    return resolved


def _cast(array: Any, dtype: np.dtype) -> Any:
    """``array`` in ``dtype`` when it is a float ndarray, else unchanged."""
    if isinstance(array, np.ndarray) and array.dtype.kind == "f" and array.dtype != dtype:
        return array.astype(dtype)
    return array


def cast_module(module: Any, dtype: Any, where: str = "Module.to") -> Any:
    """Cast every float parameter (and its ``.grad``) and float buffer of ``module`` and its
    descendants to ``dtype``, in place; return ``module``.

    Tensor parameters keep their identity (an optimizer made before still holds them);
    integer buffers (BatchNorm's ``num_batches_tracked``) stay integer. Scalar ``Value``
    parameters hold Python floats, always float64: casting them to another dtype is a
    ValueError, raised before anything changes.
    """
    target = float_dtype(dtype, where)
    params = [(name, p) for name, p in module.named_parameters()]
    values = [name for name, p in params if is_value(p)]
    if values and target != np.float64:
        raise ValueError(f"{where}({target}): the scalar Value parameters ({', '.join(values[:3])}"
                         f"{', ...' if len(values) > 3 else ''}) hold Python floats, always "
                         "float64; only float64 is valid for a scalar model")
    for _, p in params:
        if not is_value(p):
            p.data = _cast(p.data, target)
            if isinstance(p.grad, np.ndarray):
                p.grad = _cast(p.grad, target)
    for m in module.modules():
        for name, b in m._buffers.items():
            if isinstance(b, np.ndarray):
                cast = _cast(b, target)
                m._buffers[name] = cast
                object.__setattr__(m, name, cast)
            elif b is not None and isinstance(getattr(b, "data", None), np.ndarray):
                b.data = _cast(b.data, target)
    return module


def warn_if_promoted(module: Any, x: Any, weight: Any) -> None:
    """Warn (once per module) when a float input of ``module`` is promoted by ``weight``'s
    wider float dtype, e.g. float32 data through float64 layers."""
    x_dtype = getattr(x, "dtype", None)
    w_dtype = getattr(weight, "dtype", None)
    if x_dtype == w_dtype or not (isinstance(x_dtype, np.dtype)
                                  and isinstance(w_dtype, np.dtype)):
        return
    if x_dtype.kind != "f" or w_dtype.kind != "f" or np.result_type(x_dtype, w_dtype) == x_dtype:
        return
    if module.__dict__.get(_WARNED):
        return
    object.__setattr__(module, _WARNED, True)
    warn_user(
        f"{type(module).__name__}: {x_dtype} input meets {w_dtype} parameters, so it is "
        f"computed and returned in {w_dtype}; cast the model with model.float() / "
        f"model.to(np.{x_dtype}), build the layers with dtype=np.{x_dtype}, or cast the input "
        f"to {w_dtype} (this warning is shown once per module)",
        DtypePromotionWarning,
    )
