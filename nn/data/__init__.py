"""Data: the data sets, the loaders that batch them, and the splits and scaling before.

Rooms: ``datasets`` (house prices, moons, spirals, blobs, digits), ``loaders``
(``Dataset``, ``TensorDataset``, ``DataLoader``), ``transforms`` (``train_val_test_split``,
``Standardizer``, ``one_hot``). ``as_array`` and ``check_finite`` come from ``nn.inputs``.
Data imports numpy, the engine and ``nn.inputs``; nothing of the layers or of training.
"""

from ..inputs import as_array, check_finite
from .loaders import DataLoader, Dataset, Output, TensorDataset
from .transforms import Standardizer, one_hot, train_val_test_split

__all__ = [
    "Dataset",
    "TensorDataset",
    "DataLoader",
    "train_val_test_split",
    "Standardizer",
    "one_hot",
    "as_array",
]
