"""The chapter's running example (3.1-3.3): a house-price network, end to end.

Same as ``python -m nn.demo`` / ``make demo``: generate the data (rooms, floor area,
house type, distance to the station), split train/val/test, standardize with training
statistics, train a two-layer ReLU network with gradient descent on MSE, compare with a
linear baseline and the noise floor, render graphs, check gradients, save and reload.

    python examples/house_prices.py [--quick] [--out DIR]
"""

from __future__ import annotations

import sys

from nn.demo import main

if __name__ == "__main__":
    sys.exit(main())
