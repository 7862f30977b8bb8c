"""Line searches along a direction ``d`` for the closure-based optimizers.

``strong_wolfe`` is PyTorch's port of minFunc's bracketing / zoom search with cubic
interpolation (``torch/optim/lbfgs.py``); ``backtracking`` is an Armijo search that tries
the full step first and shrinks it by safeguarded quadratic interpolation.

``obj(t)`` evaluates the objective at ``x + t * d`` and returns ``(f, g)`` with ``g`` the
flat gradient there (an ndarray).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

__all__ = ["cubic_interpolate", "strong_wolfe", "backtracking"]

Objective = Callable[[float], tuple[float, np.ndarray]]


def cubic_interpolate(
    x1: float, f1: float, g1: float, x2: float, f2: float, g2: float,
    bounds: tuple[float, float] | None = None,
) -> float:
    """Minimizer of the cubic through ``(x1, f1, g1)`` and ``(x2, f2, g2)``, clipped to bounds.

    Falls back to the middle of the bounds when the cubic has no minimizer.
    """
    if bounds is not None:
        xmin_bound, xmax_bound = bounds
    else:
        xmin_bound, xmax_bound = (x1, x2) if x1 <= x2 else (x2, x1)
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1**2 - g1 * g2
    if d2_square >= 0:
        d2 = math.sqrt(d2_square)
        if x1 <= x2:
            min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
        else:
            min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
        return float(min(max(min_pos, xmin_bound), xmax_bound))
    return (xmin_bound + xmax_bound) / 2.0


def strong_wolfe(
    obj: Objective, t: float, d: np.ndarray, f: float, g: np.ndarray, gtd: float,
    c1: float = 1e-4, c2: float = 0.9, tolerance_change: float = 1e-9, max_ls: int = 25,
) -> tuple[float, np.ndarray, float, int]:
    """Find a step ``t`` satisfying the strong Wolfe conditions (PyTorch's algorithm).

    ``f``, ``g``, ``gtd`` are the value, gradient and directional derivative at ``t = 0``;
    ``t`` is the first trial step. Returns ``(f_new, g_new, t, n_evals)``.
    """
    d_norm = float(np.max(np.abs(d)))
    g = g.copy()
    f_new, g_new = obj(t)
    ls_func_evals = 1
    gtd_new = float(g_new.dot(d))

    t_prev, f_prev, g_prev, gtd_prev = 0.0, f, g, gtd
    done = False
    ls_iter = 0
    bracket_gtd: list[float] = []
    while ls_iter < max_ls:
        if f_new > (f + c1 * t * gtd) or (ls_iter > 1 and f_new >= f_prev):
            bracket = [t_prev, t]
            bracket_f = [f_prev, f_new]
            bracket_g = [g_prev, g_new.copy()]
            bracket_gtd = [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, bracket_f, bracket_g = [t], [f_new], [g_new]
            done = True
            break
        if gtd_new >= 0:
            bracket = [t_prev, t]
            bracket_f = [f_prev, f_new]
            bracket_g = [g_prev, g_new.copy()]
            bracket_gtd = [gtd_prev, gtd_new]
            break
        # extrapolate
        min_step = t + 0.01 * (t - t_prev)
        max_step = t * 10
        tmp = t
        t = cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new, (min_step, max_step))
        t_prev, f_prev, g_prev, gtd_prev = tmp, f_new, g_new.copy(), gtd_new
        f_new, g_new = obj(t)
        ls_func_evals += 1
        gtd_new = float(g_new.dot(d))
        ls_iter += 1

    if ls_iter == max_ls:
        bracket, bracket_f, bracket_g = [0.0, t], [f, f_new], [g, g_new]

    # zoom: shrink the bracket until a point satisfies the conditions
    insuf_progress = False
    low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = cubic_interpolate(
            bracket[0], bracket_f[0], bracket_gtd[0], bracket[1], bracket_f[1], bracket_gtd[1]
        )
        # keep the trial point at least 10% of the bracket away from its ends
        eps = 0.1 * (max(bracket) - min(bracket))
        if min(max(bracket) - t, t - min(bracket)) < eps:
            if insuf_progress or t >= max(bracket) or t <= min(bracket):
                if abs(t - max(bracket)) < abs(t - min(bracket)):
                    t = max(bracket) - eps
                else:
                    t = min(bracket) + eps
                insuf_progress = False
            else:
                insuf_progress = True
        else:
            insuf_progress = False

        f_new, g_new = obj(t)
        ls_func_evals += 1
        gtd_new = float(g_new.dot(d))
        ls_iter += 1

        if f_new > (f + c1 * t * gtd) or f_new >= bracket_f[low_pos]:
            bracket[high_pos] = t
            bracket_f[high_pos] = f_new
            bracket_g[high_pos] = g_new.copy()
            bracket_gtd[high_pos] = gtd_new
            low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high_pos] - bracket[low_pos]) >= 0:
                bracket[high_pos] = bracket[low_pos]
                bracket_f[high_pos] = bracket_f[low_pos]
                bracket_g[high_pos] = bracket_g[low_pos]
                bracket_gtd[high_pos] = bracket_gtd[low_pos]
            bracket[low_pos] = t
            bracket_f[low_pos] = f_new
            bracket_g[low_pos] = g_new.copy()
            bracket_gtd[low_pos] = gtd_new

    return bracket_f[low_pos], bracket_g[low_pos], bracket[low_pos], ls_func_evals


def backtracking(
    obj: Callable[[float], float], t: float, f: float, gtd: float,
    c1: float = 1e-4, shrink: float = 0.5, max_ls: int = 30,
) -> tuple[float, float, int]:
    """Armijo backtracking: the first ``t`` (starting from the given one) with sufficient decrease.

    ``obj(t)`` returns the objective at ``x + t * d``; ``gtd < 0`` is the slope at ``t = 0``.
    Each failed trial is replaced by the minimizer of the quadratic through ``f``, ``gtd``
    and the trial value, kept within ``[0.1 t, shrink t]``. Returns ``(f_new, t, n_evals)``;
    ``t = 0`` (and ``f``) when no step in ``max_ls`` trials decreases the objective enough.
    """
    for n in range(1, max_ls + 1):
        f_new = obj(t)
        if math.isfinite(f_new) and f_new <= f + c1 * t * gtd:
            return f_new, t, n
        if math.isfinite(f_new):
            denom = 2.0 * (f_new - f - gtd * t)
            t_q = -gtd * t * t / denom if denom > 0 else shrink * t
            t = min(max(t_q, 0.1 * t), shrink * t)
        else:
            t = 0.1 * t
    return f, 0.0, max_ls
