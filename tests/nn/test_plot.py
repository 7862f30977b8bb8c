"""nn.plot writes real image files and names the extra when matplotlib is missing."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from nn import plot
from nn.train.history import History

pytest.importorskip("matplotlib")

PNG = b"\x89PNG\r\n\x1a\n"


def _is_png(path: str) -> bool:
    return Path(path).read_bytes()[:8] == PNG


def test_loss_curves_from_history_and_mapping(tmp_path: Path) -> None:
    h = History()
    for e, (a, b) in enumerate([(1.0, 1.2), (0.5, 0.7), (0.2, 0.4)], start=1):
        h.record(e, {"train_loss": a, "val_loss": b, "epoch_time": 0.01}, 0.03)
    p = plot.loss_curves(h, tmp_path / "a" / "loss.png", hlines={"noise floor": 0.01})
    assert _is_png(p) and p.endswith("loss.png")
    assert _is_png(plot.loss_curves({"sgd": [3, 2, 1], "adam": [3, 1, 0.5]}, tmp_path / "b.png"))
    svg = plot.loss_curves({"x": [1, 2]}, tmp_path / "c.svg")
    assert Path(svg).read_text().lstrip().startswith("<?xml")
    with pytest.raises(TypeError, match="loss_curves"):
        plot.loss_curves(object(), tmp_path / "d.png")


def test_loss_curves_puts_a_long_legend_beside_the_axes(tmp_path: Path) -> None:
    def width(path: str) -> int:
        return int.from_bytes(Path(path).read_bytes()[16:20], "big")  # the PNG header

    few = plot.loss_curves({f"m{i}": [3, 2, 1] for i in range(5)}, tmp_path / "few.png")
    many = plot.loss_curves({f"m{i}": [3, 2, 1] for i in range(6)}, tmp_path / "many.png")
    assert width(few) == 600 and width(many) == 900  # a wider figure holds the legend


def test_predicted_vs_true_decision_boundary_trajectories(tmp_path: Path) -> None:
    t = np.linspace(0, 1, 20)
    assert _is_png(plot.predicted_vs_true(t, {"a": t + 0.1, "b": t}, tmp_path / "p.png",
                                          noise_std=0.05))
    with pytest.raises(ValueError, match="predicted_vs_true"):
        plot.predicted_vs_true(t, t[:5], tmp_path / "bad.png")
    X = np.random.default_rng(0).normal(size=(30, 2))
    y = (X[:, 0] > 0).astype(int)
    assert _is_png(plot.decision_boundary(lambda g: g[:, 0], X, y, tmp_path / "d.png",
                                          resolution=30))
    with pytest.raises(ValueError, match=r"\(n, 2\)"):
        plot.decision_boundary(lambda g: g[:, 0], np.zeros((3, 3)), [0, 1, 0], tmp_path / "e.png")

    def rosen(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return (1 - x) ** 2 + 100 * (y - x**2) ** 2

    path = np.array([[-1.0, 1.0], [0.0, 0.5], [1.0, 1.0]])
    assert _is_png(plot.optimizer_trajectories(rosen, {"gd": path}, tmp_path / "t.png"))
    assert _is_png(plot.confusion_matrix(np.array([[3, 1], [0, 4]]), tmp_path / "cm.png"))


def test_missing_matplotlib_names_the_extra(monkeypatch: pytest.MonkeyPatch,
                                            tmp_path: Path) -> None:
    for mod in ("matplotlib", "matplotlib.figure", "matplotlib.backends.backend_agg"):
        monkeypatch.setitem(sys.modules, mod, None)
    with pytest.raises(ImportError, match="plot"):
        plot.loss_curves({"x": [1.0]}, tmp_path / "x.png")


def test_decision_boundary_of_a_module(tmp_path: Path) -> None:
    import nn

    X = np.random.default_rng(1).normal(size=(20, 2))
    y = (X[:, 1] > 0).astype(int)
    model = nn.Sequential(nn.Linear(2, 4, rng=0), nn.ReLU(), nn.Linear(4, 2, rng=1))
    assert _is_png(plot.decision_boundary(model, X, y, tmp_path / "m.png", resolution=20))
    scalar = nn.MLP(2, [3, 1], rng=0)  # one output: thresholded at 0
    assert _is_png(plot.decision_boundary(scalar, X, y, tmp_path / "s.png", resolution=10))
