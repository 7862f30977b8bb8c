"""Files: saves are atomic and survive a killed process; loads refuse anything suspicious.

The crash tests run a child Python process and SIGKILL it. To make the kill land in the
middle of a save every time, the child replaces ``nn.io._write_npz`` (the step that writes
the archive into the temporary file) by one that writes part of the bytes, says so on
stdout, and waits to be killed.
"""

from __future__ import annotations

import json
import os
import pickle
import signal
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

import nn
from nn import io as nn_io
from nn.io import CheckpointError

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")


def _state(value: float, n: int = 1000) -> dict:
    return {"layer.weight": np.full((n,), value), "layer.bias": np.array([value]), "step": 3}


def _assert_state(loaded: dict, value: float, n: int = 1000) -> None:
    assert loaded["step"] == 3
    np.testing.assert_array_equal(loaded["layer.weight"], np.full((n,), value))


def _child(code: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for(proc: subprocess.Popen, word: str) -> None:
    for line in proc.stdout:
        if line.strip() == word:
            return
    raise AssertionError(f"child exited before printing {word!r}: {proc.stderr.read()}")


def _kill(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    proc.stdout.close()
    proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL


# ------------------------------------------------------------------------------ atomic save
def test_save_writes_temp_then_fsyncs_then_renames(tmp_path: Path, monkeypatch) -> None:
    events: list[tuple] = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(os, "fsync", lambda fd: (events.append(("fsync", fd)), real_fsync(fd)))
    monkeypatch.setattr(os, "replace",
                        lambda a, b: (events.append(("replace", a, b)), real_replace(a, b)))
    target = tmp_path / "model.npz"
    nn.save(_state(1.0), target)
    kinds = [e[0] for e in events]
    assert kinds[0] == "fsync" and "replace" in kinds, kinds  # data synced before the rename
    (_, src, dst) = next(e for e in events if e[0] == "replace")
    assert Path(dst) == target and Path(src).parent == tmp_path and Path(src) != target
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.npz"]  # no temp left
    _assert_state(nn.load(target), 1.0)


def test_error_during_save_keeps_previous_file(tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "model.npz"
    nn.save(_state(1.0), target)

    def broken(f, arrays):
        f.write(b"PK\x03\x04 half an archive")
        raise OSError("disk full")

    monkeypatch.setattr(nn_io, "_write_npz", broken)
    with pytest.raises(OSError, match="disk full"):
        nn.save(_state(2.0), target)
    _assert_state(nn.load(target), 1.0)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.npz"]


def test_unsaveable_state_raises_before_touching_the_file(tmp_path: Path) -> None:
    target = tmp_path / "model.npz"
    nn.save(_state(1.0), target)
    with pytest.raises(TypeError, match="object"):
        nn.save({"w": np.array([object()], dtype=object)}, target)
    _assert_state(nn.load(target), 1.0)


KILLED_MID_WRITE = """
    import sys, time
    import numpy as np
    import nn
    from nn import io

    path = sys.argv[1]
    nn.save({"layer.weight": np.full((1000,), 1.0), "layer.bias": np.array([1.0]), "step": 3},
            path)
    real = io._write_npz

    def stalled(f, arrays):
        import io as stdio
        buffer = stdio.BytesIO()
        real(buffer, arrays)
        data = buffer.getvalue()
        f.write(data[: len(data) // 2])
        f.flush()
        print("writing", flush=True)
        time.sleep(60)

    io._write_npz = stalled
    nn.save({"layer.weight": np.full((1000,), 2.0), "layer.bias": np.array([2.0]), "step": 3},
            path)
"""


def test_sigkill_in_the_middle_of_a_save_keeps_the_previous_file(tmp_path: Path) -> None:
    target = tmp_path / "model.npz"
    proc = _child(KILLED_MID_WRITE, str(target))
    _wait_for(proc, "writing")
    half_written = [p for p in tmp_path.iterdir() if p.name != "model.npz"]
    assert half_written and half_written[0].stat().st_size > 0  # the kill lands mid-write
    _kill(proc)
    _assert_state(nn.load(target), 1.0)


SAVE_LOOP = """
    import sys
    import numpy as np
    import nn

    path = sys.argv[1]
    for i in range(10_000):
        value = float(i % 2)
        nn.save({"layer.weight": np.full((400_000,), value), "layer.bias": np.array([value]),
                 "step": 3}, path)
        if i == 2:
            print("saving", flush=True)
"""


def test_sigkill_during_a_save_loop_always_leaves_a_loadable_file(tmp_path: Path) -> None:
    target = tmp_path / "model.npz"
    for delay in (0.0, 0.01, 0.05):
        proc = _child(SAVE_LOOP, str(target))
        _wait_for(proc, "saving")
        time.sleep(delay)
        _kill(proc)
        loaded = nn.load(target)
        value = loaded["layer.bias"][0]
        assert value in (0.0, 1.0)
        _assert_state(loaded, value, n=400_000)


# ------------------------------------------------------------------------------ refusing to load
def test_refuses_a_pickle(tmp_path: Path) -> None:
    path = tmp_path / "model.pt"
    with open(path, "wb") as f:
        pickle.dump({"weight": np.ones(3)}, f)
    with pytest.raises(CheckpointError, match=r"pickle.*refusing.*nn\.save"):
        nn.load(path)


def test_refuses_pickled_object_arrays_inside_an_npz(tmp_path: Path) -> None:
    path = tmp_path / "model.npz"
    np.savez(path, weight=np.array([{"a": 1}], dtype=object))
    with pytest.raises(CheckpointError, match="pickle"):
        nn.load(path)


@pytest.mark.parametrize("fraction", [0.0, 0.1, 0.5, 0.9, 0.999])
def test_refuses_a_truncated_file(tmp_path: Path, fraction: float) -> None:
    path = tmp_path / "model.npz"
    nn.save(_state(1.0), path)
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * fraction)])
    with pytest.raises(CheckpointError) as info:
        nn.load(path)
    message = str(info.value)
    assert str(path) in message or repr(str(path)) in message
    assert any(w in message for w in ("truncated", "corrupted", "not a zip", "not an .npz"))


@pytest.mark.parametrize("content, expected", [
    (b"weight,bias\n1.0,2.0\n", "not a zip archive"),
    (b"\x93NUMPY\x01\x00" + b"\x00" * 120, "a .npy array"),
])
def test_refuses_other_formats(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "model.npz"
    path.write_bytes(content)
    with pytest.raises(CheckpointError, match=expected):
        nn.load(path)


def test_refuses_an_npz_not_written_by_save(tmp_path: Path) -> None:
    path = tmp_path / "model.npz"
    np.savez(path, weight=np.ones(3))
    with pytest.raises(CheckpointError, match=r"not written by nn\.save.*weight"):
        nn.load(path)


def test_refuses_a_zip_that_is_not_an_npz(tmp_path: Path) -> None:
    path = tmp_path / "model.npz"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("readme.txt", "hello")
    with pytest.raises(CheckpointError):
        nn.load(path)


def _rewrite_manifest(path: Path, **changes: object) -> None:
    with np.load(path, allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    manifest = json.loads(str(arrays["__autodiff__"][()]))
    manifest.update(changes)
    arrays["__autodiff__"] = np.array(json.dumps(manifest))
    np.savez(path, **arrays)


def test_refuses_a_newer_format_version(tmp_path: Path) -> None:
    path = tmp_path / "model.npz"
    nn.save(_state(1.0), path)
    _rewrite_manifest(path, version=nn_io.FORMAT_VERSION + 1)
    with pytest.raises(CheckpointError) as info:
        nn.load(path)
    message = str(info.value)
    assert f"version {nn_io.FORMAT_VERSION + 1}" in message and "newer" in message
    assert f"up to {nn_io.FORMAT_VERSION}" in message


def test_refuses_a_foreign_manifest(tmp_path: Path) -> None:
    path = tmp_path / "model.npz"
    nn.save(_state(1.0), path)
    _rewrite_manifest(path, format="someone.else")
    with pytest.raises(CheckpointError, match="unknown format"):
        nn.load(path)


def test_missing_file_is_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        nn.load(tmp_path / "nope.npz")


def test_checkpoint_error_is_a_value_error() -> None:
    assert issubclass(CheckpointError, ValueError)


# ------------------------------------------------------------------------------ fit resume
FIT_SCRIPT = """
    import sys, time
    import numpy as np
    import autodiff as ad
    import nn
    from nn.data import DataLoader, TensorDataset
    from nn.module import Module
    from nn.optim import Adam

    class Affine(Module):
        def __init__(self):
            super().__init__()
            rng = np.random.default_rng(0)
            self.w = ad.Tensor(rng.normal(0, 0.5, (3, 1)), requires_grad=True)
            self.b = ad.Tensor(np.zeros(1), requires_grad=True)

        def forward(self, x):
            return x @ self.w + self.b

    def mse(pred, target):
        return ((pred - target) ** 2).mean()

    def run(epochs, path, resume, kill_at=None):
        rng = np.random.default_rng(5)
        x = rng.normal(size=(64, 3))
        y = x @ np.array([[1.0], [-2.0], [0.5]]) + 0.1 * rng.normal(size=(64, 1))
        loader = DataLoader(TensorDataset(x, y), batch_size=8, shuffle=True, rng=11)
        model = Affine()
        opt = Adam(model.parameters(), lr=0.05)
        ran = []

        def stall(epoch, logs):
            ran.append(epoch)
            if epoch == kill_at:
                print("stalled", flush=True)
                time.sleep(60)

        hist = nn.fit(model, mse, opt, loader, epochs=epochs, checkpoint_path=path,
                      checkpoint_every=2, resume=resume, progress=False, callbacks=[stall])
        return model, hist, ran

    if __name__ == "__main__":
        run(8, sys.argv[1], False, kill_at=5)
"""


def test_fit_killed_mid_run_resumes_to_identical_results(tmp_path: Path) -> None:
    script = tmp_path / "train.py"
    script.write_text(textwrap.dedent(FIT_SCRIPT))
    checkpoint = tmp_path / "run.npz"
    proc = subprocess.Popen([sys.executable, str(script), str(checkpoint)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _wait_for(proc, "stalled")
    _kill(proc)
    assert checkpoint.exists()

    sys.path.insert(0, str(tmp_path))
    try:
        import train  # the same script, imported: same model, data and loader seeds
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("train", None)
    assert nn.load(checkpoint)["epoch"] == 4  # the last checkpoint before the kill
    straight, h_straight, _ = train.run(8, None, False)
    resumed, h_resumed, ran = train.run(8, checkpoint, True)
    assert ran == [5, 6, 7, 8]  # it continued; it did not start over
    np.testing.assert_array_equal(resumed.w.data, straight.w.data)
    np.testing.assert_array_equal(resumed.b.data, straight.b.data)
    assert h_resumed.train_loss == h_straight.train_loss
    assert len(h_resumed.train_loss) == 8
