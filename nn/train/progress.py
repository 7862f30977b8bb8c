"""What ``fit`` shows while it runs: a tqdm bar with the running loss, summary lines.

tqdm is imported when a bar is wanted (on a terminal), not when ``nn`` is imported.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["progress_bar", "show_epoch", "print_line"]


def progress_bar(enabled: bool, total: int, initial: int) -> Any:
    """A tqdm bar over ``total`` batches starting at ``initial``; None when not ``enabled``
    or when tqdm cannot be imported."""
    if not enabled:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:  # tqdm is a dependency, but the loop must not need it
        return None
    return tqdm(total=total, initial=initial, unit="batch", dynamic_ncols=True, leave=True)


def show_epoch(bar: Any, epoch: int, logs: Mapping[str, Any]) -> None:
    """Put the epoch's training (and validation) loss on the bar, if there is one."""
    if bar is not None:
        val = f" val {logs['val_loss']:.4g}" if "val_loss" in logs else ""
        bar.set_postfix_str(f"epoch {epoch} loss {logs['train_loss']:.4g}{val}")


def print_line(epoch: int, epochs: int, logs: Mapping[str, Any], bar: Any) -> None:
    """Print one summary line of the epoch's logs (through the bar when there is one)."""
    parts = [f"epoch {epoch:>{len(str(epochs))}}/{epochs}"]
    parts += [f"{k} {v:.4g}" for k, v in logs.items() if k != "epoch_time"]
    parts.append(f"({logs['epoch_time'] * 1000:.0f} ms)")
    line = "  ".join(parts)
    if bar is not None:
        bar.write(line)
    else:
        print(line, flush=True)
