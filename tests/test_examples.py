"""Every example runs (small sizes: AUTODIFF_QUICK=1 / --quick) and shows what it claims.

Each script runs in a fresh interpreter (the venv's Python) inside a temporary folder, so
its ``out/`` files land there; the assertions read its printed results and output files.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"

CHAPTER_SCRIPTS = [
    "house_prices.py", "parameters_vs_hyperparameters.py", "backprop_by_hand.py",
    "losses_from_mle.py", "batch_units.py", "optimizers.py", "local_minima_restarts.py",
    "classification.py", "gradcheck.py", "render_graph.py",
]


#: the arguments each script's smoke test runs it with (the repeat test uses the same)
ARGS: dict[str, tuple[str, ...]] = {"house_prices.py": ("--quick",)}
#: stdout of each script's first run in this session, by (name, args): the repeat test
#: compares a second run against it instead of running every script twice more
FIRST_RUNS: dict[tuple[str, tuple[str, ...]], str] = {}
#: printed wall-clock times, which differ between runs: "(15 ms)", "in 1.147 s", "12.3s"
TIMES = re.compile(r"\d+(?:\.\d+)?\s?(?:ms|s)\b")
#: timings printed without a unit, per script: batch_units.py's ms/epoch column
UNITLESS_TIMES = {
    "batch_units.py": re.compile(r"^((?:full batch|mini-batch \d+|stochastic \(1\))\s+\d+\s+\d+)"
                                 r"\s+[\d.]+", flags=re.M),
}


def run_example(name: str, cwd: Path, *args: str) -> str:
    """Run ``examples/<name>`` with small sizes; return its stdout (fails on a non-zero exit)."""
    env = {**os.environ, "AUTODIFF_QUICK": "1", "MPLBACKEND": "Agg", "PYTHONHASHSEED": "0"}
    proc = subprocess.run([sys.executable, str(EXAMPLES / name), *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"{name} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    FIRST_RUNS.setdefault((name, args), proc.stdout)
    return proc.stdout


def without_timings(name: str, out: str) -> str:
    """``out`` with its wall-clock times replaced by ``<time>``; every other character kept."""
    if name in UNITLESS_TIMES:
        out = UNITLESS_TIMES[name].sub(r"\1 <time>", out)
    return TIMES.sub("<time>", out)


def _png(path: Path) -> bool:
    return path.is_file() and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_every_chapter_script_exists_and_is_listed_in_the_readme() -> None:
    present = {p.name for p in EXAMPLES.glob("*.py") if not p.name.startswith("_")}
    missing = [s for s in CHAPTER_SCRIPTS if s not in present]
    assert not missing, f"examples missing: {missing}"
    readme = (EXAMPLES / "README.md").read_text()
    unlisted = [s for s in sorted(present) if s not in readme]
    assert not unlisted, f"examples/README.md does not list {unlisted}"
    untested = present - set(CHAPTER_SCRIPTS)
    assert not untested, f"add a smoke test for {sorted(untested)}"


def test_house_prices_demo(tmp_path: Path) -> None:
    out = run_example("house_prices.py", tmp_path, *ARGS["house_prices.py"])
    net = re.search(r"two-layer ReLU network\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)", out)
    lin = re.search(r"linear regression\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)", out)
    assert net and lin, out
    assert float(net.group(3)) < float(lin.group(3))  # test MSE: network beats the baseline
    assert "noise floor" in out and "gradcheck" in out and "passed" in out
    assert "max prediction difference 0" in out
    o = tmp_path / "out"
    assert _png(o / "loss_curve.png") and _png(o / "predictions.png")
    assert (o / "house_price_model.npz").is_file()
    graphs = sorted(p.name for p in o.iterdir() if p.suffix in (".svg", ".dot"))
    assert any(g.startswith("network_graph") for g in graphs)
    assert "neuron.svg" in graphs or "neuron.dot" in graphs
    report = (o / "report.md").read_text()
    assert "Test error" in report and "Hyperparameters" in report
    for key in ("loss_curve", "predictions", "report", "model"):
        assert key in out  # every path is printed


def test_house_price_network_beats_the_linear_baseline(tmp_path: Path) -> None:
    from examples.house_prices import Config, run

    r = run(Config(), out=str(tmp_path), progress=False)
    assert r["mse"]["test"] < 0.5 * r["baseline"]["test"]
    assert r["mse"]["test"] < 1.5 * r["noise_floor"]  # close to the best achievable
    assert r["gradcheck"] and r["reload_max_diff"] == 0.0


def test_parameters_vs_hyperparameters(tmp_path: Path) -> None:
    out = run_example("parameters_vs_hyperparameters.py", tmp_path)
    assert "total 162" in out and "running_mean" in out and "learning rate" in out
    assert re.search(r"PReLU slope a: 0.25 -> (?!0.2500)", out)
    assert "Conv2d(1,  8, kernel_size=3):   80 parameters" in out  # 8 * 3 * 3 + 8
    assert "Conv2d(1, 16, kernel_size=5):  416 parameters" in out  # 16 * 5 * 5 + 16
    assert (tmp_path / "out" / "parameters_state.npz").is_file()


def test_backprop_by_hand() -> None:
    out = run_example("backprop_by_hand.py", ROOT)
    assert "max |by hand - engine| = 0.00e+00" in out
    m = re.search(r"loss ([\d.]+) -> ([\d.]+)", out)
    assert m and float(m.group(2)) < float(m.group(1))


def test_losses_from_mle(tmp_path: Path) -> None:
    out = run_example("losses_from_mle.py", tmp_path)
    m = re.search(r"argmin_w MSE = ([\d.]+), argmin_w Gaussian NLL = ([\d.]+)", out)
    assert m and m.group(1) == m.group(2)
    ce = re.search(r"log softmax\(z\) = ([\d.]+); nn.CrossEntropyLoss = ([\d.]+)", out)
    assert ce and ce.group(1) == ce.group(2)
    kl = re.search(r"CE\(t, y\) = H\(t\) \+ KL\(t \|\| y\): ([\d.]+) = ([\d.]+) \+ ([\d.]+)", out)
    assert kl and float(kl.group(3)) > 0
    assert abs(float(kl.group(1)) - float(kl.group(2)) - float(kl.group(3))) < 2e-6
    assert _png(tmp_path / "out" / "losses_from_mle.png")


def test_batch_units(tmp_path: Path) -> None:
    out = run_example("batch_units.py", tmp_path)
    rows = dict(re.findall(r"^(full batch|mini-batch 32|stochastic \(1\))\s+\d+\s+(\d+)", out,
                           flags=re.M))
    assert rows == {"full batch": "1", "mini-batch 32": "7", "stochastic (1)": "210"}
    assert _png(tmp_path / "out" / "batch_units.png")


def test_local_minima_restarts(tmp_path: Path) -> None:
    out = run_example("local_minima_restarts.py", tmp_path)
    finals = [float(v) for v in re.findall(r"-> \([^)]*\)\s+f = ([+-][\d.]+)", out)]
    assert len(finals) == 8 and len({round(v, 3) for v in finals}) > 1  # different minima
    best = re.search(r"best of 8: .* f = ([+-][\d.]+)", out)
    assert best and float(best.group(1)) == min(finals)
    assert "keep the best" in out
    assert _png(tmp_path / "out" / "local_minima_restarts.png")


def test_classification(tmp_path: Path) -> None:
    out = run_example("classification.py", tmp_path)
    accs = [float(a) for a in re.findall(r"test accuracy ([\d.]+)", out)]
    assert accs and accs[0] > 0.8  # spirals: far above chance (1/3)
    assert "confusion matrix" in out
    assert _png(tmp_path / "out" / "spirals_boundary.png")
    if "digits skipped" not in out:
        assert len(accs) == 2 and accs[1] > 0.5  # 10 classes, a few epochs
        assert _png(tmp_path / "out" / "digits_confusion.png")


def test_optimizers(tmp_path: Path) -> None:
    out = run_example("optimizers.py", tmp_path)
    for name in ("SGD", "Adam", "Newton"):
        assert name in out
    newton = re.search(r"^Newton\s+2\s+\d+\s+([\d.e+-]+)", out, flags=re.M)
    assert newton and float(newton.group(1)) < 1e-6  # Newton reaches Rosenbrock's minimum
    rows = re.findall(r"^  (.+?)\s+([\d.]+)\s+([\d.]+)\s+\d+$", out, flags=re.M)
    assert len(rows) == 9, out  # train and validation MSE of every method on house prices
    curvature = [(float(tr), float(va)) for name, tr, va in rows if "full batch" in name]
    assert len(curvature) == 4 and all(tr < 0.05 and va < 0.2 for tr, va in curvature)
    assert list((tmp_path / "out").glob("*.png")), "optimizers.py wrote no figure"


def test_gradcheck_example(tmp_path: Path) -> None:
    out = run_example("gradcheck.py", tmp_path)
    assert re.search(r"gradcheck.*True", out), out  # the correct network passes
    assert "fail" in out  # the planted bug is caught
    assert "swish" in out  # ... and located at the op whose VJP is wrong


def test_render_graph(tmp_path: Path, require_dot: str) -> None:
    out = run_example("render_graph.py", tmp_path)
    svgs = list((tmp_path / "out").rglob("*.svg"))
    assert svgs and all(p.stat().st_size > 0 for p in svgs)
    assert ".svg" in out  # the paths are printed


def test_timing_mask_hides_times_only() -> None:
    out = "epoch 3/30  loss 0.0503  (15 ms)\ngradcheck: True in 1.147 s\n4 epochs, lr 0.02\n"
    assert without_timings("x.py", out) == ("epoch 3/30  loss 0.0503  (<time>)\n"
                                            "gradcheck: True in <time>\n4 epochs, lr 0.02\n")
    row = "mini-batch 32       32              7      23.9    0.0890\n"
    assert without_timings("batch_units.py", row) == ("mini-batch 32       32              7 "
                                                      "<time>    0.0890\n")


@pytest.mark.parametrize("name", CHAPTER_SCRIPTS)
def test_two_runs_print_identical_numbers(name: str, tmp_path: Path) -> None:
    """Every example is reproducible: a second run in a fresh interpreter (fresh OS entropy
    for any generator nobody seeded) prints the very same numbers as the first, timings
    aside. The first run is the smoke test's when it ran in this session."""
    args = ARGS.get(name, ())
    first = FIRST_RUNS.get((name, args))
    if first is None:
        (tmp_path / "first").mkdir()
        first = run_example(name, tmp_path / "first", *args)
    (tmp_path / "second").mkdir()
    second = run_example(name, tmp_path / "second", *args)
    assert re.search(r"\d\.\d", first), f"{name} printed no numbers to compare:\n{first}"
    a, b = without_timings(name, first).splitlines(), without_timings(name, second).splitlines()
    differ = [(x, y) for x, y in zip(a, b, strict=False) if x != y]
    assert len(a) == len(b) and not differ, f"{name}: two runs differ, first lines {differ[:3]}"
