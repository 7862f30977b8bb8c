"""fit / evaluate / predict: the loop learns, stops early, survives Ctrl-C, resumes exactly."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import autodiff as ad
from nn.data import DataLoader, TensorDataset
from nn.module import Module
from nn.scalar import MLP
from nn.train import EarlyStopping, History, evaluate, fit, predict


class Affine(Module):
    """y = x @ w + b, parameters seeded."""

    def __init__(self, nin: int, nout: int = 1, seed: int = 0) -> None:
        super().__init__()
        rng = np.random.default_rng(seed)
        self.w = ad.Tensor(rng.normal(0, 0.5, (nin, nout)), requires_grad=True)
        self.b = ad.Tensor(np.zeros(nout), requires_grad=True)

    def forward(self, x: Any) -> Any:
        return x @ self.w + self.b


class TinySGD:
    """Minimal first-order optimizer with the torch interface (step(closure=None))."""

    def __init__(self, params: Any, lr: float) -> None:
        self.params, self.lr = list(params), lr
        self.steps = 0

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None if isinstance(p.data, np.ndarray) else 0.0

    def step(self, closure: Any = None) -> Any:
        loss = closure() if closure is not None else None
        for p in self.params:
            if p.grad is not None:
                p.data = p.data - self.lr * p.grad
        self.steps += 1
        return loss

    def state_dict(self) -> dict[str, Any]:
        return {"steps": self.steps}

    def load_state_dict(self, sd: dict[str, Any]) -> None:
        self.steps = sd["steps"]


class ClosureOnly:
    """A closure-based method (like L-BFGS): calls the closure several times per step."""

    requires_closure = True

    def __init__(self, params: Any, lr: float) -> None:
        self.inner = TinySGD(params, lr)
        self.calls = 0

    def zero_grad(self) -> None:
        self.inner.zero_grad()

    def step(self, closure: Any) -> Any:
        first = closure()
        self.calls += 1
        for _ in range(2):  # two gradient steps, re-evaluating in between
            self.inner.step()
            closure()
            self.calls += 1
        return first


def mse(pred: Any, target: Any) -> Any:
    return ((pred - target) ** 2).mean()


def _problem(n: int = 64, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    y = X @ np.array([1.5, -2.0, 0.5]) + 0.3
    return X, y


def _loaders(seed: int = 0, bs: int = 16) -> tuple[DataLoader, DataLoader]:
    X, y = _problem()
    tr = DataLoader(TensorDataset(X[:48], y[:48]), batch_size=bs, shuffle=True, rng=seed)
    va = DataLoader(TensorDataset(X[48:], y[48:]), batch_size=16)
    return tr, va


def test_fit_reduces_the_loss_and_records_history() -> None:
    model = Affine(3)
    tr, va = _loaders()
    hist = fit(model, mse, TinySGD(model.parameters(), 0.1), tr, va, epochs=30,
               metrics=["mse", "r2"], progress=False)
    assert isinstance(hist, History) and hist.epochs == 30
    assert hist.train_loss[-1] < 0.01 * hist.train_loss[0]
    assert hist.val_loss[-1] < 1e-3
    assert hist.metrics["val_r2"][-1] > 0.999
    assert hist["val_mse"][-1] == pytest.approx(hist.val_loss[-1])  # MSE loss == mse metric
    assert len(hist.epoch_time) == 30 and hist.wall_time > 0
    np.testing.assert_allclose(model.w.data.ravel(), [1.5, -2.0, 0.5], atol=0.02)


def test_closure_based_optimizer_is_driven_by_the_same_loop() -> None:
    model = Affine(3)
    tr, va = _loaders()
    opt = ClosureOnly(model.parameters(), 0.05)
    hist = fit(model, mse, opt, tr, va, epochs=15, progress=False)
    assert opt.calls == 15 * len(tr) * 3
    assert hist.val_loss[-1] < 1e-3


def test_evaluate_and_predict() -> None:
    model = Affine(3)
    model.w.data = np.array([[1.5], [-2.0], [0.5]])
    model.b.data = np.array([0.3])
    _, va = _loaders()
    res = evaluate(model, va, metrics=["mse", "mae", "r2"], loss_fn=mse)
    assert res["loss"] == pytest.approx(0.0, abs=1e-20) and res["r2"] == pytest.approx(1.0)
    X, y = _problem()
    np.testing.assert_allclose(predict(model, X).ravel(), y)
    with pytest.raises(ValueError, match="no samples"):
        evaluate(model, [], loss_fn=mse)


def test_early_stopping_restores_the_best_weights() -> None:
    model = Affine(3)
    tr, va = _loaders()
    seen: list[dict[str, np.ndarray]] = []

    def spy(epoch: int, logs: dict[str, Any]) -> None:
        seen.append(model.state_dict())

    # a learning rate that diverges after the first epochs: the best epoch is early
    hist = fit(model, mse, TinySGD(model.parameters(), 0.45), tr, va, epochs=200,
               callbacks=[spy], early_stopping=EarlyStopping(patience=3), progress=False)
    assert hist.stopped_early and hist.epochs < 200
    best = int(np.nanargmin(np.array(hist.val_loss, dtype=float))) + 1
    assert hist.best_epoch == best
    assert hist.epochs == best + 3  # patience 3
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v, seen[best - 1][k])
    assert evaluate(model, va, loss_fn=mse)["loss"] == pytest.approx(hist.best_value)


def test_ctrl_c_stops_cleanly_and_keeps_the_best_weights() -> None:
    model = Affine(3)
    tr, va = _loaders()
    snapshots: list[dict[str, np.ndarray]] = []

    def interrupt(epoch: int, logs: dict[str, Any]) -> None:
        snapshots.append(model.state_dict())
        if epoch == 4:
            raise KeyboardInterrupt

    hist = fit(model, mse, TinySGD(model.parameters(), 0.1), tr, va, epochs=50,
               callbacks=[interrupt], progress=False)
    assert hist.interrupted and hist.epochs == 4
    best = hist.best_epoch
    assert best is not None
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v, snapshots[best - 1][k])


def test_callback_returning_true_stops() -> None:
    model = Affine(3)
    tr, _ = _loaders()
    hist = fit(model, mse, TinySGD(model.parameters(), 0.1), tr, epochs=50,
               callbacks=[lambda e, logs: e == 3], progress=False)
    assert hist.epochs == 3 and hist.monitor == "train_loss" and hist.val_loss == [None] * 3


def test_checkpoint_resume_reproduces_the_uninterrupted_run(tmp_path: Any) -> None:
    def run(epochs: int, resume: bool, path: Any) -> tuple[Affine, History]:
        model = Affine(3, seed=0)
        tr, va = _loaders(seed=7, bs=8)
        opt = TinySGD(model.parameters(), 0.05)
        hist = fit(model, mse, opt, tr, va, epochs=epochs, checkpoint_path=path,
                   checkpoint_every=2, resume=resume, progress=False)
        return model, hist

    straight, h_straight = run(7, False, None)
    path = tmp_path / "run.npz"
    run(4, False, path)  # "killed" after epoch 4 (checkpoint written at epoch 4)
    resumed, h_resumed = run(7, True, path)
    for k, v in straight.state_dict().items():
        np.testing.assert_array_equal(resumed.state_dict()[k], v)
    assert h_resumed.train_loss == h_straight.train_loss
    assert h_resumed.val_loss == h_straight.val_loss


def test_resume_reproduces_dropout_masks(tmp_path: Any) -> None:
    """Dropout's own generator and nn.init's default one are checkpointed and restored."""
    import nn
    import nn.optim as optim

    X, y = _problem()

    def run(epochs: int, resume: bool) -> Any:
        nn.init.manual_seed(5)  # the default generator, drawn by Dropout(rng=None)
        model = nn.Sequential(nn.Linear(3, 16, rng=0), nn.ReLU(), nn.Dropout(0.3, rng=1),
                              nn.Dropout(0.2), nn.Linear(16, 1, rng=2))
        tr = DataLoader(TensorDataset(X, y.reshape(-1, 1)), batch_size=16, shuffle=True, rng=4)
        fit(model, mse, optim.SGD(model.parameters(), lr=0.05), tr, epochs=epochs,
            checkpoint_path=tmp_path / "drop.npz", resume=resume, progress=False)
        return model

    run(3, False)
    resumed = run(6, True)
    (tmp_path / "drop.npz").unlink()
    straight = run(6, False)
    for k, v in straight.state_dict().items():
        np.testing.assert_array_equal(resumed.state_dict()[k], v)


def test_scalar_model_with_python_batches() -> None:
    X, y = _problem(40)
    X = X[:, :2]
    y = X[:, 0] - 0.5 * X[:, 1]
    model = MLP(2, [4, 1], rng=0)
    loader = DataLoader(TensorDataset(X, y), batch_size=8, shuffle=True, rng=0, output="python")

    def scalar_mse(preds: list[Any], targets: list[float]) -> Any:
        return sum((p - t) ** 2 for p, t in zip(preds, targets, strict=True)) * (1 / len(preds))

    first = evaluate(model, loader, loss_fn=scalar_mse)["loss"]
    hist = fit(model, scalar_mse, TinySGD(model.parameters(), 0.05), loader, epochs=25,
               progress=False)
    assert hist.train_loss[-1] < 0.3 * first
    assert predict(model, X).shape[0] == 40


def test_bad_arguments() -> None:
    model = Affine(3)
    tr, _ = _loaders()
    opt = TinySGD(model.parameters(), 0.1)
    with pytest.raises(ValueError, match="epochs"):
        fit(model, mse, opt, tr, epochs=-1)
    with pytest.raises(ValueError, match="checkpoint_path"):
        fit(model, mse, opt, tr, epochs=1, resume=True)
    with pytest.raises(TypeError, match="early_stopping"):
        fit(model, mse, opt, tr, epochs=1, early_stopping="yes")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="monitors"):
        fit(model, mse, opt, tr, epochs=1, progress=False,
            early_stopping=EarlyStopping(monitor="val_accuracy"))


def test_real_optimizers_first_order_lbfgs_and_levenberg_marquardt() -> None:
    import nn.optim as optim

    results = {}
    for name in ("SGD", "LBFGS", "LevenbergMarquardt"):
        model = Affine(3)
        tr, va = _loaders(bs=48)  # full batch
        params = model.parameters()
        if name == "SGD":
            opt = optim.SGD(params, lr=0.1)
        elif name == "LBFGS":
            opt = optim.LBFGS(params, max_iter=10)
        else:  # no residual closure: fit hands it one on every step
            opt = optim.LevenbergMarquardt(params, max_iter=5)
        hist = fit(model, mse, opt, tr, va, epochs=3, progress=False)
        results[name] = hist.val_loss[-1]
    # an exact linear least-squares problem: the curvature methods solve it in a few steps
    assert results["LBFGS"] < 1e-8 and results["LevenbergMarquardt"] < 1e-8
    assert results["SGD"] > results["LBFGS"]


def test_fit_reads_the_optimizers_closure_flags() -> None:
    """requires_closure decides step() vs step(closure), even when step accepts a closure;
    closure_returns == "residuals" gets residuals instead of a loss."""
    calls: list[Any] = []

    class Recorder(TinySGD):
        requires_closure = False

        def step(self, closure: Any = None) -> Any:
            calls.append(closure)
            return super().step(closure)

    class Residuals(TinySGD):
        requires_closure = True
        closure_returns = "residuals"

        def step(self, closure: Any = None) -> Any:
            r = closure()
            calls.append(r.shape)
            return r

    model = Affine(3)
    tr, _ = _loaders(bs=48)
    fit(model, mse, Recorder(model.parameters(), 0.1), tr, epochs=2, progress=False)
    assert calls == [None, None]  # one step per batch, no closure passed
    calls.clear()
    fit(model, mse, Residuals(model.parameters(), 0.1), tr, epochs=1, progress=False)
    assert calls == [(48,)]  # one residual per sample, flattened


def test_resume_with_adam_state(tmp_path: Any) -> None:
    import nn.optim as optim

    def run(epochs: int, resume: bool) -> Affine:
        model = Affine(3, seed=1)
        tr, va = _loaders(seed=3, bs=8)
        fit(model, mse, optim.Adam(model.parameters(), lr=0.01), tr, va, epochs=epochs,
            checkpoint_path=tmp_path / "adam.npz", checkpoint_every=3, resume=resume,
            progress=False)
        return model

    run(3, False)
    resumed = run(6, True)
    (tmp_path / "adam.npz").unlink()
    straight = run(6, False)
    np.testing.assert_array_equal(resumed.w.data, straight.w.data)


def test_progress_bar_only_on_a_terminal(capsys: pytest.CaptureFixture[str],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    model = Affine(3)
    tr, va = _loaders()
    fit(model, mse, TinySGD(model.parameters(), 0.1), tr, va, epochs=2)  # captured: no tty
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""
    monkeypatch.setattr("sys.stdout.isatty", lambda: True)
    fit(model, mse, TinySGD(model.parameters(), 0.1), tr, va, epochs=2)
    err = capsys.readouterr().err
    assert "loss" in err and "batch" in err  # tqdm's bar with the running loss


def test_log_every_prints_summary_lines(capsys: pytest.CaptureFixture[str]) -> None:
    model = Affine(3)
    tr, va = _loaders()
    fit(model, mse, TinySGD(model.parameters(), 0.1), tr, va, epochs=4, log_every=2)
    lines = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("epoch")]
    assert [ln.split()[1] for ln in lines] == ["2/4", "4/4"]
    assert all("val_loss" in ln for ln in lines)
