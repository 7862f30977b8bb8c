"""autodiff: a small, readable automatic-differentiation engine (scalar Value, numpy Tensor)."""

from .value import Value
