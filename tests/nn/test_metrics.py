"""Metrics against hand-computed values and scikit-learn's definitions."""

from __future__ import annotations

import numpy as np
import pytest

from nn import metrics


def test_regression_metrics_by_hand() -> None:
    pred = np.array([1.0, 2.0, 4.0])
    true = np.array([1.0, 3.0, 2.0])
    assert metrics.mse(pred, true) == pytest.approx((0 + 1 + 4) / 3)
    assert metrics.rmse(pred, true) == pytest.approx(np.sqrt(5 / 3))
    assert metrics.mae(pred, true) == pytest.approx(1.0)
    # SS_tot = (1-2)^2 + (3-2)^2 + (2-2)^2 = 2; SS_res = 5
    assert metrics.r2(pred, true) == pytest.approx(1 - 5 / 2)


def test_column_predictions_and_lists() -> None:
    assert metrics.mse(np.array([[1.0], [2.0]]), [1.0, 4.0]) == pytest.approx(2.0)
    assert metrics.r2([1.0, 2.0, 3.0], [1.0, 2.0, 3.0]) == 1.0
    assert metrics.r2([1.0, 1.0], [1.0, 1.0]) == 1.0
    with pytest.raises(ValueError, match="mse"):
        metrics.mse(np.zeros(3), np.zeros(4))


def test_r2_matches_scikit_learn() -> None:
    sk = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(0)
    t, p = rng.normal(size=50), rng.normal(size=50)
    assert metrics.r2(p, t) == pytest.approx(sk.r2_score(t, p))


def test_accuracy_from_labels_logits_probabilities_and_one_hot() -> None:
    assert metrics.accuracy([0, 1, 2, 2], [0, 1, 1, 2]) == 0.75
    logits = np.array([[2.0, 0.1], [0.0, 3.0], [1.0, 0.0]])
    assert metrics.accuracy(logits, [0, 1, 1]) == pytest.approx(2 / 3)
    assert metrics.accuracy(np.array([0.9, 0.2, 0.7]), [1, 0, 0]) == pytest.approx(2 / 3)
    assert metrics.accuracy(logits, np.eye(2)[[0, 1, 0]]) == 1.0


def test_confusion_matrix() -> None:
    cm = metrics.confusion_matrix([0, 1, 1, 2, 2, 2], [0, 1, 2, 2, 2, 0], num_classes=3)
    np.testing.assert_array_equal(cm, [[1, 0, 1], [0, 1, 0], [0, 1, 2]])
    assert cm.sum() == 6
    with pytest.raises(ValueError, match="confusion_matrix"):
        metrics.confusion_matrix([0, 3], [0, 1], num_classes=3)


def test_get() -> None:
    assert metrics.get("mae") is metrics.mae
    assert metrics.get(len) is len  # callables pass through
    with pytest.raises(ValueError, match="valid names"):
        metrics.get("f1")
