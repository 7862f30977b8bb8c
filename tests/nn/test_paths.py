"""nn's public names and module paths keep working after the code moved into rooms."""

from __future__ import annotations

import importlib

import pytest

import nn
from nn import functional as F

# old or public path -> where the code lives now
MOVED = {
    "nn.conv": "nn.layers.conv",
    "nn.training": "nn.train",
    "nn.evaluation": "nn.train.evaluation",
    "nn.history": "nn.train.history",
    "nn.checkpoint": "nn.train.checkpoint",
    "nn.metrics": "nn.train.metrics",
    "nn.plot": "nn.train.plot",
    "nn.datasets": "nn.data.datasets",
}

# every name ``import nn`` gave before the move (exports and the modules it loaded)
NN_NAMES = """
    data datasets functional init metrics optim io module scalar utils layers losses conv
    training evaluation history
    Conv2d MaxPool2d CheckpointError load save BatchNorm1d Dropout Flatten Identity LeakyReLU
    Linear LogSoftmax PReLU ReLU Sequential Sigmoid Softmax Tanh BCELoss BCEWithLogitsLoss
    CrossEntropyLoss GaussianNLLLoss HuberLoss L1Loss MSELoss NLLLoss Module MLP Layer Neuron
    EarlyStopping History evaluate fit clip_grad_norm_ clip_grad_value_ parameters_to_vector
    vector_to_parameters
""".split()

NN_DATA_NAMES = ["Dataset", "TensorDataset", "DataLoader", "train_val_test_split",
                 "Standardizer", "one_hot", "as_array", "check_finite", "Output"]


@pytest.mark.parametrize("old, new", MOVED.items())
def test_a_moved_module_keeps_its_path_and_gives_the_same_objects(old: str, new: str) -> None:
    before, now = importlib.import_module(old), importlib.import_module(new)
    assert before.__all__ and new in (before.__doc__ or "")
    for name in before.__all__:
        assert getattr(before, name) is getattr(now, name), f"{old}.{name}"


def test_every_name_of_nn_is_still_there() -> None:
    assert [n for n in NN_NAMES if not hasattr(nn, n)] == []


def test_every_name_of_nn_data_is_still_there() -> None:
    import nn.data

    assert [n for n in NN_DATA_NAMES if not hasattr(nn.data, n)] == []


def test_functional_re_exports_the_functions_beside_their_modules() -> None:
    from nn.layers import activation, conv, linear, normalization
    from nn.losses import classification, regression

    assert F.relu is activation.relu and F.linear is linear.linear
    assert F.batch_norm is normalization.batch_norm and F.conv2d is conv.conv2d
    assert F.cross_entropy is classification.cross_entropy and F.mse_loss is regression.mse_loss
    assert all(callable(getattr(F, name)) for name in F.__all__)


def test_the_old_demo_command_runs_the_example_script() -> None:
    """``python -m nn.demo`` (the old command) is ``python examples/house_prices.py``."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    old = subprocess.run([sys.executable, "-m", "nn.demo", "--help"], cwd=root,
                         capture_output=True, text=True, timeout=120)
    new = subprocess.run([sys.executable, "examples/house_prices.py", "--help"], cwd=root,
                         capture_output=True, text=True, timeout=120)
    assert old.returncode == new.returncode == 0, old.stderr + new.stderr
    assert old.stdout == new.stdout and "house-price network" in old.stdout
