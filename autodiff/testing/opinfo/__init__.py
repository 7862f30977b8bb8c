"""The op catalogue: one ``OpSpec`` per registered op, the single list every test reads.

``SPECS`` maps each op's ``ops.REGISTRY`` name to its spec. The entries live beside the
op table's own split (``arithmetic``, ``elementwise``, ``reduce``, ``shape``, ``index``,
``window``):
an op added to ``autodiff/ops/<kind>.py`` gets its spec in ``opinfo/<kind>.py``, and
``register_spec`` adds one at run time (for ops defined outside the package).
``catalogue_gaps()`` names the registered ops without a spec and the specs without an op.
"""

from __future__ import annotations

from ...ops import REGISTRY
from ..spec import OpSpec
from . import arithmetic, elementwise, index, reduce, shape, window

__all__ = ["SPECS", "OpSpec", "catalogue_gaps", "differentiable_specs", "register_spec",
           "smooth_ops"]

SPECS: dict[str, OpSpec] = {}


def register_spec(spec: OpSpec) -> OpSpec:
    """Add ``spec`` to the catalogue; raise ValueError if its op already has one."""
    if spec.name in SPECS:
        raise ValueError(f"register_spec: op {spec.name!r} already has a spec")
    SPECS[spec.name] = spec
    return spec


for _module in (arithmetic, elementwise, reduce, shape, index, window):
    for _spec in _module.SPECS:
        register_spec(_spec)


def catalogue_gaps() -> tuple[list[str], list[str]]:
    """(registered ops with no spec, specs naming no registered op), sorted."""
    missing = sorted(n for n in REGISTRY if n not in SPECS)
    unknown = sorted(n for n in SPECS if n not in REGISTRY)
    return missing, unknown


def differentiable_specs() -> list[str]:
    """Names of the catalogue's ops that have a gradient (what the gradient tests check)."""
    return sorted(n for n in SPECS if n in REGISTRY and REGISTRY[n].differentiable)


def smooth_ops() -> list[str]:
    """Names of the smooth ops that have an expression form (what ``graphs()`` draws)."""
    return [n for n, s in SPECS.items() if s.smooth and s.expression is not None]
