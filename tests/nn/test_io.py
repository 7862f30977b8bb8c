"""nn.save / nn.load: exact round trips, refusal of unsafe or broken files, atomic writes."""

import json
import os
import pickle
import zipfile

import numpy as np
import pytest

from nn import io as nnio


def _optimizer_like_state():
    return {
        "state": {
            0: {"step": 3, "exp_avg": np.arange(6.0).reshape(2, 3), "flag": True},
            1: {"step": np.int64(2), "exp_avg_sq": np.float32([1e-30, 3.5])},
        },
        "param_groups": [
            {"lr": 0.1, "betas": (0.9, 0.999), "eps": 1e-8, "params": [0, 1],
             "nesterov": False, "name": None, "tag": "a/b%c"},
        ],
        "weird floats": [float("inf"), -0.0, 0.1 + 0.2, 5e-324],
        "numpy scalars": [np.float32(1.5), np.bool_(True), np.int8(-3)],
    }


def _assert_same(a, b):
    assert type(a) is type(b), (a, b)
    if isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape
        assert a.tobytes() == b.tobytes()
    elif isinstance(a, dict):
        assert list(a.keys()) == list(b.keys())
        for k in a:
            _assert_same(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            _assert_same(x, y)
    elif isinstance(a, float):
        assert a.hex() == b.hex()
    else:
        assert a == b


def test_nested_state_round_trips_exactly(tmp_path):
    st = _optimizer_like_state()
    p = tmp_path / "opt.npz"
    nnio.save(st, p)
    _assert_same(nnio.load(p), st)
    # a plain numpy reader sees the arrays under readable names
    with np.load(p, allow_pickle=False) as z:
        assert "state/0/exp_avg" in z.files
        assert np.array_equal(z["state/0/exp_avg"], st["state"][0]["exp_avg"])


def test_nan_and_empty_values_round_trip(tmp_path):
    st = {"nan": float("nan"), "empty": np.zeros((0, 3)), "d": {}, "l": [], "s": ""}
    nnio.save(st, tmp_path / "x")
    out = nnio.load(tmp_path / "x")  # no suffix is added
    assert np.isnan(out["nan"]) and out["empty"].shape == (0, 3)
    assert out["d"] == {} and out["l"] == [] and out["s"] == ""


class _FakeOptimizer:
    def state_dict(self):
        return _optimizer_like_state()


def test_object_with_state_dict_is_saved_by_its_state(tmp_path):
    nnio.save(_FakeOptimizer(), tmp_path / "o.npz")
    _assert_same(nnio.load(tmp_path / "o.npz"), _optimizer_like_state())


def test_unsupported_value_raises_and_writes_nothing(tmp_path):
    p = tmp_path / "bad.npz"
    with pytest.raises(TypeError, match="cannot save set"):
        nnio.save({"a": {1, 2}}, p)
    with pytest.raises(TypeError, match="object"):
        nnio.save({"a": np.array([None, 1], dtype=object)}, p)
    with pytest.raises(TypeError, match="state_dict"):
        nnio.save(42, p)
    assert os.listdir(tmp_path) == []


def test_pickle_bearing_npz_is_refused(tmp_path):
    p = tmp_path / "evil.npz"
    np.savez(p, w=np.array([{"x": 1}], dtype=object))
    with pytest.raises(nnio.CheckpointError, match="pickle"):
        nnio.load(p)
    raw = tmp_path / "raw.pkl"
    raw.write_bytes(pickle.dumps({"w": 1}))
    with pytest.raises(nnio.CheckpointError, match="pickle"):
        nnio.load(raw)


def test_truncated_and_corrupted_files_raise_clear_errors(tmp_path):
    p = tmp_path / "ok.npz"
    nnio.save({"w": np.arange(1000.0)}, p)
    blob = p.read_bytes()
    for cut in (10, len(blob) // 2, len(blob) - 5):
        (tmp_path / "t.npz").write_bytes(blob[:cut])
        with pytest.raises(nnio.CheckpointError, match="truncated or corrupted|not"):
            nnio.load(tmp_path / "t.npz")
    # flip bytes inside the array data: the zip CRC catches it
    bad = bytearray(blob)
    i = blob.index(np.arange(1000.0)[500:501].tobytes())
    bad[i:i + 8] = b"\xff" * 8
    (tmp_path / "c.npz").write_bytes(bytes(bad))
    with pytest.raises(nnio.CheckpointError, match="corrupted"):
        nnio.load(tmp_path / "c.npz")


def test_foreign_files_raise_clear_errors(tmp_path):
    (tmp_path / "a.txt").write_text("hello")
    with pytest.raises(nnio.CheckpointError, match="not a zip"):
        nnio.load(tmp_path / "a.txt")
    np.save(tmp_path / "b.npy", np.zeros(3))
    with pytest.raises(nnio.CheckpointError, match=r"\.npy"):
        nnio.load(tmp_path / "b.npy")
    np.savez(tmp_path / "c.npz", w=np.zeros(3))
    with pytest.raises(nnio.CheckpointError, match="not written by nn.save"):
        nnio.load(tmp_path / "c.npz")
    with pytest.raises(FileNotFoundError):
        nnio.load(tmp_path / "missing.npz")
    with pytest.raises(FileNotFoundError, match="directory"):
        nnio.save({"w": np.zeros(1)}, tmp_path / "no_such_dir" / "m.npz")


def _rewrite_manifest(src, dst, change):
    with np.load(src, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    manifest = json.loads(str(arrays["__autodiff__"][()]))
    change(manifest, arrays)
    arrays["__autodiff__"] = np.array(json.dumps(manifest))
    np.savez(dst, **arrays)


def test_newer_format_version_is_refused(tmp_path):
    p = tmp_path / "ok.npz"
    nnio.save({"w": np.ones(2)}, p)
    _rewrite_manifest(p, tmp_path / "new.npz", lambda m, a: m.update(version=99))
    with pytest.raises(nnio.CheckpointError, match="version 99.*newer.*up to 1"):
        nnio.load(tmp_path / "new.npz")
    _rewrite_manifest(p, tmp_path / "m.npz", lambda m, a: a.pop("w"))
    with pytest.raises(nnio.CheckpointError, match="missing"):
        nnio.load(tmp_path / "m.npz")


def test_save_interrupted_by_exception_leaves_old_file_intact(tmp_path, monkeypatch):
    p = tmp_path / "model.npz"
    nnio.save({"w": np.arange(5.0)}, p)
    before = p.read_bytes()

    def crash_mid_write(f, arrays):
        with zipfile.ZipFile(f, "w") as z:  # part of an archive is written, then it dies
            z.writestr("w.npy", b"partial")
        raise KeyboardInterrupt("power cut")

    monkeypatch.setattr(nnio, "_write_npz", crash_mid_write)
    with pytest.raises(KeyboardInterrupt):
        nnio.save({"w": np.arange(7.0)}, p)
    assert p.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.npz"]  # the temporary file was removed
    assert np.array_equal(nnio.load(p)["w"], np.arange(5.0))


def test_overwrite_replaces_file_and_keeps_permissions(tmp_path):
    p = tmp_path / "m.npz"
    nnio.save({"w": np.zeros(2)}, p)
    os.chmod(p, 0o600)
    nnio.save({"w": np.ones(2)}, p)
    assert np.array_equal(nnio.load(p)["w"], np.ones(2))
    assert (os.stat(p).st_mode & 0o777) == 0o600


# ------------------------------------------------------------------------------ real modules
def _tensor_model(seed):
    import nn

    return nn.Sequential(nn.Linear(3, 8, rng=seed), nn.BatchNorm1d(8), nn.PReLU(8),
                         nn.Dropout(0.3), nn.Linear(8, 2, rng=seed + 1))


def test_tensor_module_state_round_trip_is_bit_identical(tmp_path):
    import autodiff as ad
    import nn

    model = _tensor_model(0)
    x = ad.tensor(np.random.default_rng(0).normal(size=(16, 3)))
    for _ in range(3):  # move the BatchNorm running statistics away from their init
        model(x)
    model.eval()
    before = model(x).data
    nn.save(model, tmp_path / "model.npz")
    clone = _tensor_model(99).eval()  # different initial weights
    assert not np.array_equal(clone(x).data, before)
    clone.load_state_dict(nn.load(tmp_path / "model.npz"))
    assert clone(x).data.tobytes() == before.tobytes()
    loaded = nn.load(tmp_path / "model.npz")
    assert list(loaded) == list(model.state_dict())
    tracked = loaded["1.num_batches_tracked"]
    assert tracked.dtype == np.int64 and tracked == 3


def test_scalar_module_state_round_trip(tmp_path):
    import autodiff as ad
    import nn

    mlp = nn.MLP(2, [4, 1], rng=0)
    nn.save(mlp, tmp_path / "mlp.npz")
    clone = nn.MLP(2, [4, 1], rng=1)
    clone.load_state_dict(nn.load(tmp_path / "mlp.npz"))
    x = [ad.Value(0.3), ad.Value(-1.2)]
    assert clone(x).data == mlp(x).data


def test_optimizer_state_round_trip(tmp_path):
    import autodiff as ad
    import nn
    import nn.optim

    model = nn.Linear(3, 1, rng=0)
    opt = nn.optim.Adam(model.parameters(), lr=0.01)
    x = ad.tensor(np.random.default_rng(1).normal(size=(8, 3)))
    for _ in range(2):
        opt.zero_grad()
        model(x).sum().backward()
        opt.step()
    nn.save(opt, tmp_path / "opt.npz")
    _assert_same(nn.load(tmp_path / "opt.npz"), opt.state_dict())
    fresh = nn.optim.Adam(nn.Linear(3, 1, rng=0).parameters(), lr=0.5)
    fresh.load_state_dict(nn.load(tmp_path / "opt.npz"))
    assert fresh.param_groups[0]["lr"] == 0.01
