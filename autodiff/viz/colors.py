"""Colours of a drawing: |grad| bins on a log scale with their legend, and the fixed fills."""

from __future__ import annotations

import math

__all__ = ["GradScale", "PALETTE", "ZERO_COLOR", "BAD_COLOR", "PARAM_FILL", "PARAM_BORDER",
           "OUTPUT_FILL", "FLAG_FILL", "CLUSTER_FILLS"]

# viridis, dark (small |grad|) to bright (large |grad|)
PALETTE = ("#440154", "#46327e", "#365c8d", "#277f8e", "#1fa187", "#4ac16d", "#a0da39",
           "#fde725")
ZERO_COLOR = "#d9d9d9"
BAD_COLOR = "#ff00ff"
PARAM_FILL = "#dbe9f6"
PARAM_BORDER = "#1f4e79"
OUTPUT_FILL = "#fde2b8"
FLAG_FILL = "#ffcccc"
CLUSTER_FILLS = ("#fafafa", "#f1f5fb", "#f6f1fb", "#f1fbf4")


class GradScale:
    """Bins of |grad| on a log10 scale, at most ``len(PALETTE)`` of them, over the graph's range."""

    def __init__(self, magnitudes: list[float | None]) -> None:
        finite = [m for m in magnitudes if m is not None and 0.0 < m < math.inf]
        self.has_zero = any(m == 0.0 for m in magnitudes if m is not None)
        self.has_bad = any(m is not None and not (m < math.inf) for m in magnitudes)
        self.has_none = any(m is None for m in magnitudes)
        if finite:
            lo = math.floor(math.log10(min(finite)))
            hi = math.ceil(math.log10(max(finite)))
            hi = max(hi, lo + 1)
            self.width = max(1, math.ceil((hi - lo) / len(PALETTE)))
            self.lo = lo
            self.bins = math.ceil((hi - lo) / self.width)
        else:
            self.lo, self.width, self.bins = 0, 1, 0

    def _palette(self, k: int) -> str:
        if self.bins <= 1:
            return PALETTE[len(PALETTE) // 2]
        return PALETTE[round(k * (len(PALETTE) - 1) / (self.bins - 1))]

    def color(self, m: float | None) -> tuple[str, str] | None:
        """``(fillcolor, fontcolor)`` for a magnitude, or None for "no grad"."""
        if m is None:
            return None
        if not m < math.inf:
            return BAD_COLOR, "black"
        if m == 0.0:
            return ZERO_COLOR, "black"
        k = min(max(int((math.log10(m) - self.lo) // self.width), 0), self.bins - 1)
        fill = self._palette(k)
        return fill, ("white" if PALETTE.index(fill) < 4 else "black")

    def legend(self, with_flag: bool) -> str:
        """An HTML-like table label: one row per bin, largest first, plus special rows."""
        rows = ['<tr><td colspan="2"><b>|grad| (log scale)</b></td></tr>']
        for k in range(self.bins - 1, -1, -1):
            a, b = self.lo + k * self.width, self.lo + (k + 1) * self.width
            rows.append(f'<tr><td bgcolor="{self._palette(k)}" width="18"></td>'
                        f'<td align="left">1e{a} to 1e{b}</td></tr>')
        extra = [(self.has_zero, ZERO_COLOR, "0"), (self.has_bad, BAD_COLOR, "nan or inf"),
                 (self.has_none, "white", "no grad"), (with_flag, FLAG_FILL, "flagged")]
        for present, color, text in extra:
            if present:
                rows.append(f'<tr><td bgcolor="{color}" width="18"></td>'
                            f'<td align="left">{text}</td></tr>')
        return ('<<table border="0" cellborder="1" cellspacing="0" cellpadding="3">'
                + "".join(rows) + "</table>>")
