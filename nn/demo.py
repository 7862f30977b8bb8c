"""The old command ``python -m nn.demo``; the demo is ``examples/house_prices.py`` now.

Kept so that the old command keeps working from a checkout: it runs the example script
with the same arguments. New instructions say ``python examples/house_prices.py``.
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "examples" / "house_prices.py"


def main() -> None:
    """Run ``examples/house_prices.py`` as ``__main__``; SystemExit if it is not there."""
    if not SCRIPT.is_file():
        raise SystemExit(f"nn.demo: the demo moved to examples/house_prices.py, which is not at "
                         f"{SCRIPT} (it ships with the source checkout, not the wheel)")
    sys.argv[0] = str(SCRIPT)
    runpy.run_path(str(SCRIPT), run_name="__main__")


if __name__ == "__main__":
    main()
