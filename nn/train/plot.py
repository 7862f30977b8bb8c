"""Figures for training runs: loss curves, predictions, decision boundaries, trajectories.

Needs matplotlib (the ``plot`` extra: ``pip install 'autodiff-nn[plot]'``); every function
raises ImportError naming the extra when it is missing. Figures are drawn on matplotlib's
non-interactive Agg canvas (no window, no global backend change) and written to ``path``
(PNG, SVG or PDF by extension); each function returns the path it wrote.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from ..inputs import as_array
from .evaluation import predict

__all__ = [
    "loss_curves",
    "predicted_vs_true",
    "decision_boundary",
    "optimizer_trajectories",
    "confusion_matrix",
]


def _figure(width: float = 6.0, height: float = 4.5) -> Any:
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise ImportError(
            "nn.plot needs matplotlib; install the 'plot' extra: pip install 'autodiff-nn[plot]' "
            "(in a checkout: pip install -e '.[plot]'), or pip install matplotlib"
        ) from exc
    fig = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(fig)
    return fig


def _save(fig: Any, path: str | os.PathLike[str]) -> str:
    path = os.fspath(path)
    parent = os.path.dirname(path)
    if parent:
        os.makedirs(parent, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path)
    return path


def _series(history: Any) -> dict[str, list[float]]:
    if isinstance(history, Mapping):
        return {str(k): list(map(float, v)) for k, v in history.items() if v is not None}
    out: dict[str, list[float]] = {}
    for name in ("train_loss", "val_loss"):
        values = getattr(history, name, None)
        if values and not all(v is None for v in values):
            out[name.replace("_", " ")] = [float("nan") if v is None else v for v in values]
    if not out:
        raise TypeError(
            "loss_curves: expected a History (train_loss/val_loss) or a mapping "
            f"name -> list of losses, got {type(history).__name__}"
        )
    return out


def loss_curves(
    history: Any,
    path: str | os.PathLike[str],
    title: str = "Loss per epoch",
    log_y: bool = True,
    hlines: Mapping[str, float] | None = None,
    xlabel: str = "epoch",
) -> str:
    """Plot loss curves: a ``nn.History`` (train and validation loss) or a mapping
    ``label -> sequence of losses``. ``hlines`` adds labelled horizontal reference
    lines (e.g. the noise floor); with more than five lines the legend goes to the right of
    the axes, off the curves. Returns ``path``."""
    series = _series(history)
    outside = len(series) + len(hlines or {}) > 5
    fig = _figure(width=9.0 if outside else 6.0)
    ax = fig.add_subplot()
    for label, values in series.items():
        ax.plot(np.arange(1, len(values) + 1), values, label=label)
    for k, (label, value) in enumerate((hlines or {}).items()):
        ax.axhline(value, linestyle="--", color=f"C{len(series) + k}", label=label)
    if log_y:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("loss")
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    if outside:
        ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize="small")
    else:
        ax.legend()
    return _save(fig, path)


def predicted_vs_true(
    y_true: Any,
    y_pred: Any | Mapping[str, Any],
    path: str | os.PathLike[str],
    title: str = "Predicted vs true",
    noise_std: float | None = None,
    unit: str = "",
) -> str:
    """Scatter predictions against targets with the identity line. ``y_pred`` may be
    one array or a mapping ``label -> predictions`` (e.g. network vs linear baseline).
    ``noise_std`` draws a +-2 sigma band around the identity. Returns ``path``."""
    t = np.asarray(as_array(y_true), dtype=float).reshape(-1)
    preds = y_pred if isinstance(y_pred, Mapping) else {"prediction": y_pred}
    fig = _figure(5.5, 5.0)
    ax = fig.add_subplot()
    lo, hi = float(t.min()), float(t.max())
    for label, p in preds.items():
        p = np.asarray(as_array(p), dtype=float).reshape(-1)
        if p.shape != t.shape:
            raise ValueError(f"predicted_vs_true: {label!r} has {p.size} values, targets {t.size}")
        ax.scatter(t, p, s=10, alpha=0.6, label=label)
        lo, hi = min(lo, float(p.min())), max(hi, float(p.max()))
    line = np.array([lo, hi])
    ax.plot(line, line, color="k", linewidth=1, label="perfect")
    if noise_std is not None:
        ax.fill_between(line, line - 2 * noise_std, line + 2 * noise_std, color="k", alpha=0.1,
                        label="noise +-2 sigma")
    suffix = f" ({unit})" if unit else ""
    ax.set_xlabel("true" + suffix)
    ax.set_ylabel("predicted" + suffix)
    ax.set_title(title)
    ax.set_aspect("equal", adjustable="datalim")
    ax.legend()
    return _save(fig, path)


def decision_boundary(
    model: Any,
    X: Any,
    y: Any,
    path: str | os.PathLike[str],
    title: str = "Decision boundary",
    resolution: int = 200,
) -> str:
    """Colour the plane by the class a 2-D classifier predicts and overlay the data.

    ``model`` is a Module (tensor or scalar; called on the grid points) or any callable
    mapping an (m, 2) array to scores (m, k), or to one logit or probability (m,) / (m, 1)
    for two classes. ``X`` has shape (n, 2), ``y`` holds labels (n,). Returns ``path``.
    """
    pts = np.asarray(as_array(X), dtype=float)
    labels = np.asarray(as_array(y)).reshape(-1)
    if pts.ndim != 2 or pts.shape[1] != 2:
        raise ValueError(f"decision_boundary: X must have shape (n, 2), got {pts.shape}")
    pad = 0.1 * (pts.max(axis=0) - pts.min(axis=0)) + 1e-9
    lo, hi = pts.min(axis=0) - pad, pts.max(axis=0) + pad
    gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], resolution),
                         np.linspace(lo[1], hi[1], resolution))
    grid = np.column_stack([gx.ravel(), gy.ravel()])
    scores = predict(model, grid) if hasattr(model, "parameters") else model(grid)
    s = np.asarray(as_array(scores), dtype=float)
    if s.ndim == 2 and s.shape[1] > 1:
        cls = s.argmax(axis=1)
    else:
        s = s.reshape(-1)
        threshold = 0.5 if (s.min() >= 0 and s.max() <= 1) else 0.0
        cls = (s > threshold).astype(int)
    fig = _figure(5.5, 5.0)
    ax = fig.add_subplot()
    k = int(max(cls.max(), labels.max())) + 1
    ax.contourf(gx, gy, cls.reshape(gx.shape), levels=np.arange(k + 1) - 0.5, alpha=0.3,
                cmap="tab10", vmin=0, vmax=9)
    ax.scatter(pts[:, 0], pts[:, 1], c=labels, s=12, cmap="tab10", vmin=0, vmax=9,
               edgecolors="k", linewidths=0.3)
    ax.set_title(title)
    return _save(fig, path)


def optimizer_trajectories(
    f: Callable[[np.ndarray, np.ndarray], np.ndarray],
    trajectories: Mapping[str, Any],
    path: str | os.PathLike[str],
    xlim: Sequence[float] = (-2.0, 2.0),
    ylim: Sequence[float] = (-1.0, 3.0),
    title: str = "Optimizer trajectories",
    levels: int = 30,
    log_levels: bool = True,
) -> str:
    """Draw the contours of ``f(X, Y)`` (vectorised over grids) and each optimizer's
    path, a mapping ``label -> points`` of shape (steps, 2). Returns ``path``."""
    gx, gy = np.meshgrid(np.linspace(*xlim, 300), np.linspace(*ylim, 300))
    z = np.asarray(f(gx, gy), dtype=float)
    fig = _figure(6.0, 5.0)
    ax = fig.add_subplot()
    if log_levels:
        zmin = float(np.nanmin(z))
        ax.contour(gx, gy, np.log1p(z - zmin), levels=levels, cmap="viridis", linewidths=0.7)
    else:
        ax.contour(gx, gy, z, levels=levels, cmap="viridis", linewidths=0.7)
    for k, (label, pts) in enumerate(trajectories.items()):
        p = np.asarray(as_array(pts), dtype=float)
        if p.ndim != 2 or p.shape[1] != 2:
            raise ValueError(
                f"optimizer_trajectories: {label!r} must have shape (steps, 2), got {p.shape}"
            )
        ax.plot(p[:, 0], p[:, 1], "-o", markersize=2, linewidth=1.2, color=f"C{k}",
                label=f"{label} ({len(p) - 1} steps)")
        ax.plot(p[-1, 0], p[-1, 1], "*", markersize=10, color=f"C{k}")
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_title(title)
    ax.legend(fontsize=8)
    return _save(fig, path)


def confusion_matrix(
    cm: Any, path: str | os.PathLike[str], labels: Sequence[str] | None = None,
    title: str = "Confusion matrix",
) -> str:
    """Draw a (k, k) confusion matrix (rows: true class, columns: predicted) with counts."""
    m = np.asarray(as_array(cm))
    if m.ndim != 2 or m.shape[0] != m.shape[1]:
        raise ValueError(f"confusion_matrix: expected a square matrix, got shape {m.shape}")
    k = m.shape[0]
    names = list(labels) if labels is not None else [str(i) for i in range(k)]
    fig = _figure(0.5 * k + 3, 0.5 * k + 2.5)
    ax = fig.add_subplot()
    ax.imshow(m, cmap="Blues")
    for i in range(k):
        for j in range(k):
            ax.text(j, i, str(int(m[i, j])), ha="center", va="center", fontsize=8,
                    color="white" if m[i, j] > m.max() / 2 else "black")
    ax.set_xticks(range(k), names)
    ax.set_yticks(range(k), names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    return _save(fig, path)
