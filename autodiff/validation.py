"""Argument checks for the public boundary: one call per argument, one style of message.

Each check raises ``TypeError`` for a value of the wrong kind and ``ValueError`` for one
of the right kind out of range, with a message that names the function (``where``), the
argument (``name``), the value given and what would be valid::

    "BatchNorm1d: eps must be a finite number > 0, got float -1.0"

``bool`` is not accepted where an int or a number is asked for (``True`` is almost
always a mistake there), nor are complex numbers. Checks return the value converted
(``int`` for ints, ``float`` for reals) and cost a type test on their fast path, so they
sit on hot paths too. Allocations are checked against the memory available before numpy
is asked for them (:func:`check_size_fits_memory`).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

try:
    import resource
except ImportError:  # Windows has no address-space limit to read
    resource = None  # type: ignore[assignment]

from .errors import AllocationError, OpIndexError

__all__ = ["describe", "check_int", "check_real", "check_bool", "check_choice",
           "check_callable", "check_dtype", "check_shape", "check_axis", "check_size_fits_memory",
           "available_memory", "MAX_DIMS", "CHECKED_BYTES"]

#: numpy's limit on the number of axes of an array
MAX_DIMS = 64
#: allocations below this many bytes are not checked against the available memory
CHECKED_BYTES = 64 * 2**20
_INT64_MAX = 2**63 - 1


def describe(value: Any, limit: int = 60) -> str:
    """``type value``, the value's repr cut to ``limit`` characters: ``"float 0.5"``."""
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - a broken __repr__ must not hide the real error
        text = f"<{type(value).__name__} object>"
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return f"{type(value).__name__} {text}"


def _is_int(value: Any) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool | np.bool_)


def _is_real(value: Any) -> bool:
    return (isinstance(value, int | float | np.integer | np.floating)
            and not isinstance(value, bool | np.bool_))


def _bounds(minimum: Any, maximum: Any, min_open: bool, max_open: bool) -> str:
    if minimum is not None and maximum is not None:
        return (f" in {'(' if min_open else '['}{minimum}, {maximum}"
                f"{')' if max_open else ']'}")
    if minimum is not None:
        return f" {'>' if min_open else '>='} {minimum}"
    if maximum is not None:
        return f" {'<' if max_open else '<='} {maximum}"
    return ""


def _in_bounds(value: Any, minimum: Any, maximum: Any, min_open: bool, max_open: bool) -> bool:
    if minimum is not None and (value <= minimum if min_open else value < minimum):
        return False
    return not (maximum is not None and (value >= maximum if max_open else value > maximum))


def check_int(value: Any, *, name: str, where: str, minimum: int | None = None,
              maximum: int | None = None, allow_none: bool = False) -> int | None:
    """``value`` as an int; TypeError unless it is an int (numpy ints too; not a bool, a
    float or a string), ValueError outside ``[minimum, maximum]``. None passes when
    ``allow_none``."""
    if type(value) is not int:
        if value is None and allow_none:
            return None
        if not _is_int(value):
            none = " or None" if allow_none else ""
            raise TypeError(f"{where}: {name} must be an int"
                            f"{_bounds(minimum, maximum, False, False)}{none}, got "
                            f"{describe(value)}")
        value = int(value)
    if not _in_bounds(value, minimum, maximum, False, False):
        raise ValueError(f"{where}: {name} must be an int"
                         f"{_bounds(minimum, maximum, False, False)}, got {value}")
    return value


def check_real(value: Any, *, name: str, where: str, finite: bool = True,
               minimum: float | None = None, maximum: float | None = None,
               min_open: bool = False, max_open: bool = False,
               allow_none: bool = False, allow_nan: bool = False) -> float | None:
    """``value`` as a float; TypeError unless it is a real number (int or float, numpy's
    too; not a bool, a complex or a string), ValueError for NaN (unless ``allow_nan``), for
    an infinity when ``finite``, and outside the bounds (``min_open`` / ``max_open``
    exclude the bound itself). None passes when ``allow_none``."""
    what = f"{'a finite' if finite else 'a'} number{_bounds(minimum, maximum, min_open, max_open)}"
    if type(value) is not float:
        if value is None and allow_none:
            return None
        if not _is_real(value):
            none = " or None" if allow_none else ""
            raise TypeError(f"{where}: {name} must be {what}{none}, got {describe(value)}")
        try:
            value = float(value)
        except OverflowError:  # an int beyond float range
            raise ValueError(f"{where}: {name} must be {what}, got {describe(value)}") from None
    if value != value:
        if allow_nan:
            return value
        raise ValueError(f"{where}: {name} must be {what}, got {value}")
    if finite and value in (math.inf, -math.inf):
        raise ValueError(f"{where}: {name} must be {what}, got {value}")
    if not _in_bounds(value, minimum, maximum, min_open, max_open):
        raise ValueError(f"{where}: {name} must be {what}, got {value}")
    return value


def check_bool(value: Any, *, name: str, where: str) -> bool:
    """``value`` as a bool; TypeError unless it is True or False (numpy's bool too)."""
    if value is True or value is False:
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    raise TypeError(f"{where}: {name} must be True or False, got {describe(value)}")


def check_choice(value: Any, choices: Sequence[Any], *, name: str, where: str) -> Any:
    """``value`` if it is one of ``choices`` (compared by type and equality), else
    ValueError (TypeError for a value of another type than every choice)."""
    for choice in choices:
        if type(value) is type(choice) and value == choice:
            return value
    valid = ", ".join(repr(c) for c in choices)
    if not any(isinstance(value, type(c)) for c in choices):
        raise TypeError(f"{where}: {name} must be one of {valid}, got {describe(value)}")
    raise ValueError(f"{where}: {name} must be one of {valid}, got {value!r}")


def check_dtype(dtype: Any, *, where: str, name: str = "dtype",
                kinds: str = "biufc") -> np.dtype:
    """``dtype`` as a numpy dtype; TypeError for what numpy cannot read as one, or a dtype
    whose kind (``np.dtype.kind``) is not in ``kinds`` (numbers and bool by default)."""
    if type(dtype) is type and dtype in _NUMERIC_TYPES:
        return np.dtype(dtype)
    valid = "a numpy dtype such as np.float64 or 'float32'"
    if isinstance(dtype, bool | int | float | complex | list | tuple | dict | bytes):
        raise TypeError(f"{where}: {name} must be {valid}, got {describe(dtype)}")
    try:
        result = np.dtype(dtype)
    except (TypeError, ValueError):
        raise TypeError(f"{where}: {name} must be {valid}, got {describe(dtype)}") from None
    if result.kind not in kinds:
        raise TypeError(f"{where}: {name} must be a numeric dtype, got {result}")
    return result


_NUMERIC_TYPES = frozenset({float, int, bool, complex, np.float16, np.float32, np.float64,
                            np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16,
                            np.uint32, np.uint64, np.bool_, np.complex64, np.complex128})


def check_callable(value: Any, *, name: str, where: str, what: str = "a callable") -> Callable:
    """``value`` if it is callable, else TypeError (``what`` says what kind is expected)."""
    if not callable(value):
        raise TypeError(f"{where}: {name} must be {what}, got {describe(value)}")
    return value


def check_shape(shape: Any, *, where: str, name: str = "shape",
                itemsize: int | None = None, allow_unknown: bool = False) -> tuple[int, ...]:
    """A shape as a tuple of ints >= 0.

    ``shape`` is an int, a sequence of ints, or the ``*shape`` arguments of a constructor
    (a tuple of ints, or a tuple holding one sequence). TypeError for anything but ints
    (floats, strings, bytes), ValueError for a negative size, more than 64 axes or more
    elements than an array can hold; with ``itemsize`` (bytes per element), also
    :func:`check_size_fits_memory` (an ``AllocationError``, a ValueError). With
    ``allow_unknown`` (a reshape's target) negative entries are left for the reshape to judge.
    """
    given = shape
    if type(shape) is int:
        shape = (shape,)
    elif isinstance(shape, tuple) and len(shape) == 1 and not _is_int(shape[0]):
        shape = shape[0]  # f(*shape) called with one sequence: f((2, 3))
    if _is_int(shape):
        shape = (shape,)
    if isinstance(shape, str | bytes) or not isinstance(shape, Iterable):
        raise TypeError(f"{where}: {name} must be integers (one per axis, or a sequence of "
                        f"them), got {describe(given)}")
    shape = tuple(shape)
    for n in shape:
        if type(n) is not int and not _is_int(n):
            raise TypeError(f"{where}: {name} must be integers (one per axis, or a sequence "
                            f"of them), got {given!r}")
    result = tuple(int(n) for n in shape)
    if allow_unknown:
        return result
    if any(n < 0 for n in result):
        raise ValueError(f"{where}: {name} must not have negative sizes, got {result}")
    if len(result) > MAX_DIMS:
        raise ValueError(f"{where}: {name} has {len(result)} axes; at most {MAX_DIMS} are "
                         "valid")
    count = math.prod(result)
    if count > _INT64_MAX or any(n > _INT64_MAX for n in result):
        raise ValueError(f"{where}: {name} {_short(result)} holds {count:.3g} elements, more "
                         "than an array can hold (2**63 - 1)")
    if itemsize is not None:
        check_size_fits_memory(count * itemsize, where, what=f"{name} {_short(result)}")
    return result


def _short(shape: tuple[int, ...]) -> str:
    text = str(shape)
    return text if len(text) <= 80 else text[:77] + "..."


def check_axis(axis: Any, ndim: int | None, *, where: str, name: str = "axis",
               allow_none: bool = True, allow_sequence: bool = True) -> Any:
    """``axis`` as an int (or a tuple of ints, or None), checked against ``ndim`` axes.

    TypeError for anything but an int (floats, strings, bools), a sequence of ints when
    ``allow_sequence``, or None when ``allow_none``; ``OpIndexError`` (an IndexError and a
    ValueError) for an axis outside ``-ndim..ndim-1``. ``ndim=None`` checks the type only.
    """
    if type(axis) is int:
        if ndim is not None and not -ndim <= axis < ndim:
            raise _axis_range(where, name, axis, ndim)
        return axis
    if axis is None and allow_none:
        return None
    if _is_int(axis):
        return check_axis(int(axis), ndim, where=where, name=name)
    if (allow_sequence and isinstance(axis, tuple | list)
            and all(_is_int(a) for a in axis)):
        return tuple(check_axis(int(a), ndim, where=where, name=name) for a in axis)
    kinds = ["an int"] + (["a tuple of ints"] if allow_sequence else []) + (
        ["None"] if allow_none else [])
    what = ", ".join(kinds[:-1]) + " or " + kinds[-1] if len(kinds) > 1 else kinds[0]
    raise TypeError(f"{where}: {name} must be {what}, got {describe(axis)}")


def _axis_range(where: str, name: str, axis: int, ndim: int) -> OpIndexError:
    shown = axis if abs(axis) < 10**12 else f"{axis:.3g}"
    if ndim == 0:
        return OpIndexError(f"{where}: {name} {shown} is out of range for a 0-d tensor, "
                            "which has no axes")
    return OpIndexError(f"{where}: {name} {shown} is out of range for {ndim} axes; valid "
                        f"axes are {-ndim}..{ndim - 1}")


# ------------------------------------------------------------------ memory
def _meminfo_available() -> int | None:
    try:
        with open("/proc/meminfo", "rb") as f:
            for line in f:
                if line.startswith(b"MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def _sysconf_available() -> int | None:
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, OSError, ValueError):
        return None


def _cgroup_available() -> int | None:
    try:
        with open("/sys/fs/cgroup/memory.max", "rb") as f:
            limit = f.read().strip()
        if limit == b"max":
            return None
        with open("/sys/fs/cgroup/memory.current", "rb") as f:
            return max(int(limit) - int(f.read().strip()), 0)
    except (OSError, ValueError):
        return None


def _address_space_available() -> int | None:
    if resource is None:
        return None
    try:
        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
        if soft == resource.RLIM_INFINITY:
            return None
        with open("/proc/self/statm", "rb") as f:
            mapped = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        return max(soft - mapped, 0)
    except (OSError, ValueError, IndexError, AttributeError):
        return None


def available_memory() -> int | None:
    """Bytes this process can allocate now, or None when the system does not say.

    The smallest of: the system's available memory (``MemAvailable`` of ``/proc/meminfo``
    on Linux, free physical pages from ``os.sysconf`` elsewhere), the cgroup's memory limit
    less its usage (containers), and the address-space limit (``ulimit -v``) less what the
    process has mapped.
    """
    system = _meminfo_available()
    if system is None:
        system = _sysconf_available()
    known = [m for m in (system, _cgroup_available(), _address_space_available())
             if m is not None]
    return min(known) if known else None


def _bytes(n: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if n < 1024 or unit == "PiB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    raise AssertionError("unreachable")


def check_size_fits_memory(nbytes: int, where: str, *, what: str = "the result") -> None:
    """Raise ``AllocationError`` (a ValueError and a MemoryError) before allocating
    ``nbytes`` when that is more than :func:`available_memory`.

    Allocations under ``CHECKED_BYTES`` (64 MiB) are not checked, so small arrays cost one
    comparison; when the system does not report its memory nothing is refused.
    """
    if nbytes < CHECKED_BYTES:
        return
    available = available_memory()
    if available is not None and nbytes > available:
        raise AllocationError(
            f"{where}: {what} needs {_bytes(nbytes)}, more than the {_bytes(available)} of "
            "memory available; valid sizes fit in the available memory (use a smaller size "
            "or dtype)"
        )
