"""The gradient checker: numerical derivatives, gradient checks and locating a wrong backward.

``numerical_grad`` takes central differences; ``gradcheck``/``gradgradcheck`` compare the
analytic Jacobian (first or second derivatives) with the numerical one; ``gradcheck_report``
returns the :class:`GradcheckReport` instead of raising; ``diagnose`` names the first op whose
backward disagrees with its own forward. The top-level ``autodiff`` package re-exports the
functions users call most (``ad.gradcheck``, ``ad.diagnose``, ...).

Modules: ``numeric`` (central differences, the one place an input is nudged), ``slots`` (what
is differentiated, and its working copies), ``outputs`` (f's outputs and their analytic
Jacobian), ``compare`` (the full and fast checks), ``report`` (the report and its hints),
``checks`` (the public check functions), ``diagnosis`` (``diagnose``, and its Tensor-graph
half), ``diagnosis_value`` (its Value-graph half), ``diagnosis_report`` (what it reports). No
module is named after a function it defines, so ``autodiff.check.<module>`` always names the
module.
"""

from .checks import GradcheckError, gradcheck, gradcheck_report, gradgradcheck, numerical_grad
from .diagnosis import DiagnoseReport, Finding, diagnose
from .report import Entry, GradcheckReport, PairSummary

__all__ = [
    "DiagnoseReport",
    "Entry",
    "Finding",
    "GradcheckError",
    "GradcheckReport",
    "PairSummary",
    "diagnose",
    "gradcheck",
    "gradcheck_report",
    "gradgradcheck",
    "numerical_grad",
]
