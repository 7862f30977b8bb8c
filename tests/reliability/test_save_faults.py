"""``nn.save`` under faults: killed writers leave nothing behind, live ones are left alone,
permissions follow the umask, links are followed, long names fit, errors name the path."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

import nn
from nn import atomic_file, io

ROOT = Path(__file__).resolve().parents[2]

WRITER = textwrap.dedent("""
    import sys
    import numpy as np
    import nn
    state = {"w": np.random.default_rng(0).normal(size=2_500_000)}   # 20 MB
    print("ready", flush=True)
    while True:
        nn.save(state, sys.argv[1])
""")


def temporaries(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


def start_writer(target: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(target)], env=env,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    return proc


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs kill -9 (POSIX)")
def test_writers_killed_mid_write_leave_no_temporary_files_after_one_clean_save(
        tmp_path: Path) -> None:
    target = tmp_path / "model.npz"
    nn.save({"w": np.zeros(3)}, target)
    rng = np.random.default_rng(5)
    left = 0
    for _ in range(6):
        proc = start_writer(target)
        time.sleep(float(rng.uniform(0.05, 0.4)))  # somewhere in a write, most times
        proc.kill()
        proc.wait()
        left = max(left, len(temporaries(tmp_path)))
        assert nn.load(target)["w"].shape in [(3,), (2_500_000,)]  # the old file or a whole one
    assert left >= 1, "no kill landed mid-write: the test proved nothing"
    nn.save({"w": np.ones(3)}, target)
    assert temporaries(tmp_path) == []
    np.testing.assert_array_equal(nn.load(target)["w"], np.ones(3))


def test_a_live_writers_temporary_file_is_left_alone(tmp_path: Path) -> None:
    target = tmp_path / "model.npz"
    holder = textwrap.dedent(f"""
        import fcntl, os, sys, time
        name = os.path.join({str(tmp_path)!r}, ".model.npz." + str(os.getpid()) + ".ab12.tmp")
        fd = os.open(name, os.O_WRONLY | os.O_CREAT, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        print(name, flush=True)
        time.sleep(60)
    """)
    pytest.importorskip("fcntl")
    proc = subprocess.Popen([sys.executable, "-c", holder], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        name = Path(proc.stdout.readline().strip())
        os.utime(name, (time.time() - 60, time.time() - 60))
        nn.save({"w": np.zeros(2)}, target)
        assert name.exists(), "a live writer's temporary file was removed"
    finally:
        proc.kill()
        proc.wait()
    nn.save({"w": np.zeros(2)}, target)
    assert not name.exists() and temporaries(tmp_path) == []


def test_an_unlocked_old_file_of_a_reused_pid_is_reclaimed(tmp_path: Path) -> None:
    pytest.importorskip("fcntl")
    target = tmp_path / "model.npz"
    parent_pid = os.getppid()  # alive, but not writing: as if a dead writer's pid came back
    stale = tmp_path / f".model.npz.{parent_pid}.cd34.tmp"
    young = tmp_path / f".model.npz.{parent_pid}.ef56.tmp"
    other = tmp_path / f".other.npz.{parent_pid}.0000.tmp"
    for p in (stale, young, other):
        p.write_bytes(b"partial")
    os.utime(stale, (time.time() - 60, time.time() - 60))
    os.utime(other, (time.time() - 60, time.time() - 60))
    nn.save({"w": np.zeros(2)}, target)
    assert not stale.exists()
    assert young.exists()  # may be a writer between creating its file and locking it
    assert other.exists()  # another target's files are its own writers' business


def test_new_files_follow_the_umask_and_existing_ones_keep_their_mode(tmp_path: Path) -> None:
    old = os.umask(0o077)
    try:
        nn.save({"w": np.zeros(2)}, tmp_path / "private.npz")
    finally:
        os.umask(old)
    assert (tmp_path / "private.npz").stat().st_mode & 0o777 == 0o600
    shared = tmp_path / "shared.npz"
    nn.save({"w": np.zeros(2)}, shared)
    os.chmod(shared, 0o640)
    nn.save({"w": np.ones(2)}, shared)
    assert shared.stat().st_mode & 0o777 == 0o640


def test_saving_through_a_symlink_replaces_its_target_and_keeps_the_link(
        tmp_path: Path) -> None:
    real = tmp_path / "runs" / "model.npz"
    real.parent.mkdir()
    nn.save({"w": np.zeros(2)}, real)
    link = tmp_path / "latest.npz"
    link.symlink_to(real)
    nn.save({"w": np.ones(2)}, link)
    assert link.is_symlink() and os.readlink(link) == str(real)
    np.testing.assert_array_equal(nn.load(real)["w"], np.ones(2))


def test_a_255_byte_file_name_can_be_saved(tmp_path: Path) -> None:
    target = tmp_path / ("m" * 251 + ".npz")
    nn.save({"w": np.arange(3.0)}, target)
    np.testing.assert_array_equal(nn.load(target)["w"], np.arange(3.0))
    assert temporaries(tmp_path) == []


def test_a_full_disk_names_nn_save_and_the_path_and_keeps_the_old_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "model.npz"
    nn.save({"w": np.zeros(2)}, target)

    def full(f: object, arrays: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(io, "_write_npz", full)
    with pytest.raises(OSError, match=r"nn\.save: writing .*model\.npz.* failed \(No space") as e:
        nn.save({"w": np.ones(2)}, target)
    assert e.value.errno == errno.ENOSPC
    monkeypatch.undo()
    np.testing.assert_array_equal(nn.load(target)["w"], np.zeros(2))
    assert temporaries(tmp_path) == []


def test_an_unwritable_directory_names_the_directory_not_a_temporary_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_open = os.open

    def refuse_temporaries(name: str, flags: int, mode: int = 0o777) -> int:
        if str(name).endswith(".tmp"):
            raise PermissionError(errno.EACCES, "Permission denied", name)
        return real_open(name, flags, mode)

    monkeypatch.setattr(atomic_file.os, "open", refuse_temporaries)
    with pytest.raises(PermissionError, match=r"nn\.save: cannot write to .*locked'") as e:
        (tmp_path / "locked").mkdir()
        nn.save({"w": np.zeros(2)}, tmp_path / "locked" / "model.npz")
    assert ".tmp" not in str(e.value) and "model.npz' is unchanged" in str(e.value)


def test_temporary_names_start_with_the_targets_name_cut_to_fit() -> None:
    assert atomic_file.temporary_prefix("/a/model.npz") == ".model.npz."
    assert len(atomic_file.temporary_prefix("x" * 255)) == atomic_file.MAX_PREFIX + 2
