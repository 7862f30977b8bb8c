"""``nn.datasets``: the chapter's data sets, by their public path; the code lives in
``nn.data.datasets``.

``nn.datasets.house_prices(n, seed)`` and the other generators are re-exported here, so
``import nn.datasets`` keeps working.
"""

from .data.datasets import HOUSE_PRICE_RULE as HOUSE_PRICE_RULE
from .data.datasets import HOUSE_TYPES as HOUSE_TYPES
from .data.datasets import NOISE_STD as NOISE_STD
from .data.datasets import HousePrices, blobs, digits, house_prices, moons, spirals

__all__ = ["HousePrices", "house_prices", "moons", "spirals", "blobs", "digits"]
