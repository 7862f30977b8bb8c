"""IEEE results come silently (as in PyTorch): no numpy RuntimeWarning from the engine's own
calls, forward or backward, while numpy calls in the user's code still warn."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = """
import numpy as np
import autodiff as ad
x = ad.tensor([0.0, 1000.0, -1.0], requires_grad=True)
y = x.log() + x.exp() + 1.0 / x + x.sqrt() + x ** 0.5 + (x * 1e308) * 10.0
y.sum().backward()
(g,) = ad.grad((x.log() * x).sum(), x, create_graph=True)
ad.hessian(lambda t: (t.log() * t).sum(), x)
print("engine done", flush=True)
np.log(np.array([0.0]))
"""


ROOT = Path(__file__).resolve().parents[2]


def _run(*options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *options, "-c", SCRIPT], capture_output=True,
                          text=True, timeout=120, cwd=ROOT)


def test_engine_ops_do_not_warn_but_user_numpy_calls_do() -> None:
    done = _run()  # Python's default warning filters: each warning shown once
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "engine done"
    warnings = [line for line in done.stderr.splitlines() if "RuntimeWarning" in line]
    assert len(warnings) == 1 and warnings[0].startswith("<string>:10:"), done.stderr


def test_a_users_own_warning_filter_still_wins() -> None:
    """-W error::RuntimeWarning (set before import) turns the engine's first one into an error."""
    done = _run("-W", "error::RuntimeWarning")
    assert done.returncode != 0 and "RuntimeWarning" in done.stderr
    assert "engine done" not in done.stdout
