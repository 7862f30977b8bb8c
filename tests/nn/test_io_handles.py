"""``nn.load`` closes the file on every way out: a truncated, corrupted, foreign or
pickle-bearing file raises CheckpointError without leaving an open handle behind."""

from __future__ import annotations

import gc
import os
import warnings
from pathlib import Path

import numpy as np
import pytest

import nn


def _saved(tmp_path: Path) -> tuple[Path, bytes]:
    path = tmp_path / "model.npz"
    nn.save(nn.Linear(20, 30, rng=0), path)
    return path, path.read_bytes()


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else -1


@pytest.mark.parametrize("keep", [0.5, 0.99, 30, 100])
def test_a_truncated_file_leaves_no_open_handle(tmp_path: Path, keep: float) -> None:
    path, data = _saved(tmp_path)
    path.write_bytes(data[: int(keep * len(data)) if keep < 1 else int(keep)])
    before = _open_fds()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(nn.CheckpointError, match="truncated or corrupted"):
            nn.load(path)
        assert _open_fds() == before  # closed at once, not left to the garbage collector
        gc.collect()  # a handle left open would be closed here with a ResourceWarning
    assert [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)] == []


def test_a_corrupted_member_and_a_pickle_file_leave_no_open_handle(tmp_path: Path) -> None:
    path, data = _saved(tmp_path)
    at = data.find(b"weight.npy") + 200
    path.write_bytes(data[:at] + bytes(b ^ 0xFF for b in data[at:at + 40]) + data[at + 40:])
    pickled = tmp_path / "objects.npz"
    np.savez(pickled, a=np.array([{"x": 1}], dtype=object))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for bad in (path, pickled):
            with pytest.raises(nn.CheckpointError):
                nn.load(bad)
        gc.collect()
    assert [w for w in caught if issubclass(w.category, ResourceWarning)] == []
