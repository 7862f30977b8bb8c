"""Resume after faults: ``nn.fit(resume=True)`` continues a killed run to the very numbers of
the run that was never interrupted, with a learning-rate scheduler and early stopping.

The kill tests start the training in a child process, SIGKILL it at seeded random
moments, start it again with ``resume=True`` until it finishes, and compare the final
weights, history and best epoch bit for bit with an uninterrupted child run.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import autodiff as ad
import nn
from nn.data import DataLoader, TensorDataset
from nn.optim import SGD, Adam, ReduceLROnPlateau, StepLR

ROOT = Path(__file__).resolve().parents[2]

# One training run: BatchNorm, Dropout, Adam and a StepLR schedule. Each epoch says so on
# stdout and sleeps a little; the parent kills a seeded random moment after one of those
# lines, so kills land at many different points (in an epoch, in a save).
TRAINING = textwrap.dedent("""
    import json, sys, time
    import numpy as np
    import autodiff as ad, nn
    from nn.data import DataLoader, TensorDataset
    from nn.optim import Adam, StepLR

    path, out, resume, patience = sys.argv[1], sys.argv[2], sys.argv[3] == "1", sys.argv[4]
    ad.manual_seed(7)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3)).astype(np.float64)
    y = (x @ np.array([[1.0], [-2.0], [0.5]]) + 0.1 * rng.normal(size=(64, 1)))
    model = nn.Sequential(nn.Linear(3, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(0.2),
                          nn.Linear(16, 1))
    opt = Adam(model.parameters(), lr=0.05)
    sched = StepLR(opt, step_size=3, gamma=0.5)
    train = DataLoader(TensorDataset(x[:48], y[:48]), batch_size=8, shuffle=True)
    val = DataLoader(TensorDataset(x[48:], y[48:]), batch_size=16)

    def slow(epoch, logs):
        print("epoch", epoch, flush=True)
        time.sleep(0.02)

    history = nn.fit(model, nn.MSELoss(), opt, train, val, epochs=14, scheduler=sched,
                     checkpoint_path=path, resume=resume, progress=False, callbacks=[slow],
                     early_stopping=None if patience == "none" else int(patience))
    np.savez(out + ".npz", **model.state_dict())
    with open(out + ".json", "w") as f:
        json.dump(history.as_dict() | {"lr_now": opt.param_groups[0]["lr"]}, f)
    print("finished", flush=True)
""")


def _run_child(args: list[str], kill: tuple[int, float] | None) -> int:
    """Run the training child; with ``kill = (epoch, delay)``, SIGKILL it ``delay`` seconds
    after it reports that epoch (if it gets there). Its return code."""
    proc = subprocess.Popen([sys.executable, "-c", TRAINING, *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    if kill is not None:
        for line in proc.stdout:
            if line.split() == ["epoch", str(kill[0])]:
                time.sleep(kill[1])
                proc.send_signal(signal.SIGKILL)
                break
    _, err = proc.communicate(timeout=120)
    assert proc.returncode in (0, -signal.SIGKILL), err
    return proc.returncode


def _results(out: Path) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    with np.load(f"{out}.npz") as weights:
        state = {k: weights[k] for k in weights.files}
    history = json.loads(Path(f"{out}.json").read_text())
    return state, history


def _same_run(a: tuple[dict, dict], b: tuple[dict, dict]) -> None:
    (state_a, hist_a), (state_b, hist_b) = a, b
    assert state_a.keys() == state_b.keys()
    for key in state_a:
        np.testing.assert_array_equal(state_a[key], state_b[key], err_msg=key)
    for key in ("train_loss", "val_loss", "metrics", "epoch", "best_epoch", "best_value",
                "stopped_early", "lr_now"):
        assert hist_a[key] == hist_b[key], key


def _killed_and_resumed(tmp_path: Path, name: str, patience: str, seed: int,
                        last_epoch: int = 14) -> tuple:
    """Kill the run at seeded random moments (up to 4 times), resume until it finishes."""
    ckpt, out = tmp_path / f"{name}.npz", tmp_path / name
    moments = np.random.default_rng(seed)
    kills, resume = 0, "0"
    while True:
        kill = (int(moments.integers(1, last_epoch)), float(moments.uniform(0.0, 0.04)))
        code = _run_child([str(ckpt), str(out), resume, patience], kill if kills < 4 else None)
        if code == 0:
            break
        kills += 1
        resume = "1" if ckpt.exists() else "0"
    assert kills >= 1, "no kill landed: the run finished before the first one"
    return _results(out)


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple]:
    """The reference runs, never interrupted: without and with early stopping."""
    base = tmp_path_factory.mktemp("straight")
    runs = {}
    for patience in ("none", "2"):
        out = base / f"run{patience}"
        assert _run_child([str(base / f"c{patience}.npz"), str(out), "0", patience], None) == 0
        runs[patience] = _results(out)
    return runs


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_kill_9_at_random_moments_then_resume_is_bit_exact_with_a_scheduler(
        tmp_path: Path, uninterrupted: dict[str, tuple], seed: int) -> None:
    _same_run(_killed_and_resumed(tmp_path, "killed", "none", seed), uninterrupted["none"])


def test_kill_9_with_early_stopping_stops_at_the_same_epoch(
        tmp_path: Path, uninterrupted: dict[str, tuple]) -> None:
    straight = uninterrupted["2"]
    assert straight[1]["stopped_early"], "the reference run must stop early to test this"
    _same_run(_killed_and_resumed(tmp_path, "early", "2", seed=5,
                                  last_epoch=len(straight[1]["epoch"])), straight)


# ---------------------------------------------------------------- in-process resume rules
def _data() -> tuple[DataLoader, DataLoader]:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(40, 2))
    y = x @ np.array([[2.0], [-1.0]]) + 0.5 * rng.normal(size=(40, 1))
    return (DataLoader(TensorDataset(x[:30], y[:30]), batch_size=10, shuffle=True, rng=3),
            DataLoader(TensorDataset(x[30:], y[30:]), batch_size=10))


def _fit(path: Path, epochs: int, *, optimizer: str = "sgd", scheduler: bool = True,
         resume: bool = False, **kwargs: Any) -> tuple[nn.Module, nn.History]:
    ad.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1))
    opt = SGD(model.parameters(), lr=0.1) if optimizer == "sgd" else Adam(model.parameters())
    sched = StepLR(opt, step_size=2, gamma=0.5) if scheduler else None
    train, val = _data()
    history = nn.fit(model, nn.MSELoss(), opt, train, val, epochs=epochs, scheduler=sched,
                     checkpoint_path=path, resume=resume, progress=False, **kwargs)
    return model, history


def test_the_scheduler_steps_once_per_epoch_and_its_lr_is_logged(tmp_path: Path) -> None:
    _, history = _fit(tmp_path / "c.npz", 5)
    assert history["lr"] == [0.1, 0.1, 0.05, 0.05, 0.025]


def test_reduce_lr_on_plateau_is_given_the_monitored_value(tmp_path: Path) -> None:
    ad.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 1))
    opt = SGD(model.parameters(), lr=0.0)  # lr 0: the validation loss never improves
    seen: list[float] = []
    plateau = ReduceLROnPlateau(opt, patience=0, factor=0.5)
    original = plateau.step
    plateau.step = lambda metrics: (seen.append(metrics), original(metrics))[1]
    train, val = _data()
    history = nn.fit(model, nn.MSELoss(), opt, train, val, epochs=3, scheduler=plateau,
                     progress=False)
    assert seen == history.val_loss


def test_a_resumed_early_stopped_run_is_finished_with_the_best_weights(tmp_path: Path) -> None:
    path = tmp_path / "stop.npz"
    model, first = _fit(path, 60, scheduler=False, early_stopping=1)
    assert first.stopped_early and first.epochs < 60
    again, resumed = _fit(path, 60, scheduler=False, early_stopping=1, resume=True)
    assert resumed.epochs == first.epochs and resumed.train_loss == first.train_loss
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(again.state_dict()[key], value)


def test_resume_refuses_fewer_epochs_than_the_checkpoint_has_run(tmp_path: Path) -> None:
    path = tmp_path / "c.npz"
    _fit(path, 6)
    with pytest.raises(ValueError, match=r"already run 6 epochs.*epochs=3.*epochs >= 6"):
        _fit(path, 3, resume=True)


def test_resume_refuses_another_optimizer_class(tmp_path: Path) -> None:
    path = tmp_path / "c.npz"
    _fit(path, 2, scheduler=False)
    with pytest.raises(ValueError, match=r"optimizer SGD; this run has Adam"):
        _fit(path, 4, optimizer="adam", scheduler=False, resume=True)


@pytest.mark.parametrize("first, second", [(True, False), (False, True)])
def test_resume_refuses_a_scheduler_mismatch(tmp_path: Path, first: bool, second: bool) -> None:
    path = tmp_path / "c.npz"
    _fit(path, 2, scheduler=first)
    with pytest.raises(ValueError, match=r"scheduler; this run has .* scheduler"):
        _fit(path, 4, scheduler=second, resume=True)


def test_a_scheduler_of_another_optimizer_is_refused() -> None:
    model = nn.Linear(2, 1)
    other = SGD(nn.Linear(2, 1).parameters(), lr=0.1)
    train, _ = _data()
    with pytest.raises(ValueError, match="another optimizer"):
        nn.fit(model, nn.MSELoss(), SGD(model.parameters(), lr=0.1), train, epochs=1,
               scheduler=StepLR(other, step_size=1), progress=False)


def test_a_failed_checkpoint_write_keeps_the_history(tmp_path: Path) -> None:
    blocker = tmp_path / "not_a_dir"
    blocker.write_text("a file where the checkpoint's folder should be")
    with pytest.raises(OSError) as caught:
        _fit(blocker / "c.npz", 3, checkpoint_every=2)
    history = caught.value.history
    assert isinstance(history, nn.History) and history.epochs == 2

