"""The loss functions' hyperparameters, checked the same way by the functions and modules.

Each returns the value (as the type the loss uses) or raises TypeError / ValueError naming
``where`` (the function or module), the option, the value given and what is valid.
"""

from __future__ import annotations

from typing import Any

from autodiff.validation import check_bool, check_int, check_real

__all__ = ["delta_option", "eps_option", "full_option", "ignore_index_option",
           "label_smoothing_option"]


def ignore_index_option(value: Any, where: str) -> int:
    """The class index whose targets are skipped: any int (PyTorch's default is -100)."""
    return check_int(value, name="ignore_index", where=where)


def label_smoothing_option(value: Any, where: str) -> float:
    """The share of the uniform distribution mixed into the targets: a number in [0, 1]."""
    return check_real(value, name="label_smoothing", where=where, minimum=0.0, maximum=1.0)


def delta_option(value: Any, where: str) -> float:
    """Huber's threshold between the quadratic and the linear part: a finite number > 0."""
    return check_real(value, name="delta", where=where, minimum=0.0, min_open=True)


def eps_option(value: Any, where: str) -> float:
    """The smallest variance a Gaussian NLL divides by: a finite number > 0."""
    return check_real(value, name="eps", where=where, minimum=0.0, min_open=True)


def full_option(value: Any, where: str) -> bool:
    """Whether the Gaussian NLL adds its constant 0.5 log(2 pi): a bool."""
    return check_bool(value, name="full", where=where)
