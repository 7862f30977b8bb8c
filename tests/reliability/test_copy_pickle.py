"""Models, optimizers, Tensors and Values survive ``copy.deepcopy`` and ``pickle``.

joblib and Dask ship them between processes. The rule (README, "Choices"): a copied
Tensor or Value keeps its data, gradient, requires_grad and name, and drops the graph
that made it, so a copy is a leaf and a graph of any depth copies at once.
"""

from __future__ import annotations

import copy
import inspect
import pickle
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import autodiff as ad
import nn
import nn.optim as optim

RNG = np.random.default_rng(11)
X2 = RNG.normal(size=(4, 3))
IMAGES = RNG.normal(size=(2, 1, 5, 5))
LABELS = np.array([0, 2, 1, 2])


def pickle_round_trip(obj: Any) -> Any:
    return pickle.loads(pickle.dumps(obj))


COPIES: dict[str, Callable[[Any], Any]] = {"deepcopy": copy.deepcopy, "pickle": pickle_round_trip}

# every Module class nn exports: how to make one, and one call of it
MODULES: dict[str, tuple[Callable[[], Any], Callable[[Any], Any]]] = {
    "Linear": (lambda: nn.Linear(3, 2, rng=0), lambda m: m(X2)),
    "Conv2d": (lambda: nn.Conv2d(1, 2, 3, rng=0), lambda m: m(IMAGES)),
    "MaxPool2d": (lambda: nn.MaxPool2d(2), lambda m: m(IMAGES)),
    "BatchNorm1d": (lambda: nn.BatchNorm1d(3), lambda m: m(X2)),
    "Dropout": (lambda: nn.Dropout(0.5, rng=0), lambda m: m(X2)),  # train mode: a draw
    "Flatten": (nn.Flatten, lambda m: m(IMAGES)),
    "Identity": (nn.Identity, lambda m: m(X2)),
    "ReLU": (nn.ReLU, lambda m: m(X2)),
    "LeakyReLU": (nn.LeakyReLU, lambda m: m(X2)),
    "PReLU": (nn.PReLU, lambda m: m(X2)),
    "Sigmoid": (nn.Sigmoid, lambda m: m(X2)),
    "Tanh": (nn.Tanh, lambda m: m(X2)),
    "Softmax": (nn.Softmax, lambda m: m(X2)),
    "LogSoftmax": (nn.LogSoftmax, lambda m: m(X2)),
    "Sequential": (lambda: nn.Sequential(nn.Linear(3, 4, rng=1), nn.ReLU(),
                                         nn.Dropout(0.3, rng=2), nn.Linear(4, 3, rng=3)),
                   lambda m: m(X2)),
    "MSELoss": (nn.MSELoss, lambda m: m(ad.tensor(X2), ad.tensor(X2 * 0.5))),
    "L1Loss": (nn.L1Loss, lambda m: m(ad.tensor(X2), ad.tensor(X2 * 0.5))),
    "HuberLoss": (nn.HuberLoss, lambda m: m(ad.tensor(X2), ad.tensor(X2 * 0.5))),
    "GaussianNLLLoss": (nn.GaussianNLLLoss,
                        lambda m: m(ad.tensor(X2), ad.tensor(X2 * 0.5), ad.tensor(X2 ** 2 + 1))),
    "CrossEntropyLoss": (nn.CrossEntropyLoss, lambda m: m(ad.tensor(X2), LABELS)),
    "NLLLoss": (nn.NLLLoss, lambda m: m(ad.tensor(X2).log_softmax(axis=1), LABELS)),
    "BCELoss": (nn.BCELoss, lambda m: m(ad.tensor(X2).sigmoid(), ad.tensor(X2 > 0) * 1.0)),
    "BCEWithLogitsLoss": (nn.BCEWithLogitsLoss,
                          lambda m: m(ad.tensor(X2), ad.tensor(X2 > 0) * 1.0)),
    "Neuron": (lambda: nn.Neuron(3, rng=0), lambda m: m(X2[0].tolist())),
    "Layer": (lambda: nn.Layer(3, 2, rng=0), lambda m: m(X2[0].tolist())),
    "MLP": (lambda: nn.MLP(3, [4, 1], rng=0), lambda m: m(X2[0].tolist())),
}


def numbers(out: Any) -> np.ndarray:
    """A call's result as an array: a Tensor, a Value or a list of Values."""
    if isinstance(out, ad.Tensor):
        return out.data
    if isinstance(out, ad.Value):
        return np.array([out.data])
    return np.array([v.data for v in out])


def test_every_module_class_is_covered() -> None:
    exported = {name for name, obj in vars(nn).items()
                if inspect.isclass(obj) and issubclass(obj, nn.Module) and obj is not nn.Module}
    assert exported == set(MODULES), exported ^ set(MODULES)


@pytest.mark.parametrize("how", COPIES)
@pytest.mark.parametrize("name", MODULES)
def test_module_copies_compute_the_same_and_are_independent(name: str, how: str) -> None:
    make, call = MODULES[name]
    original = make()
    copied = COPIES[how](original)
    assert type(copied) is type(original)
    state, copied_state = original.state_dict(), copied.state_dict()
    assert list(state) == list(copied_state)
    for key in state:
        np.testing.assert_array_equal(np.asarray(copied_state[key]), np.asarray(state[key]))
    # the same call gives the same numbers (Dropout: the generator's state came along)
    np.testing.assert_array_equal(numbers(call(copied)), numbers(call(original)))
    for p, q in zip(original.parameters(), copied.parameters()):
        assert p is not q
        if isinstance(p, ad.Tensor):
            assert not np.shares_memory(p.data, q.data) and q.requires_grad
            q.data += 1.0
            assert not np.array_equal(p.data, q.data)


FACTORIES: dict[str, Callable[[list[ad.Tensor]], Any]] = {
    "SGD": lambda p: optim.SGD(p, lr=0.1, momentum=0.9),
    "Adagrad": lambda p: optim.Adagrad(p, lr=0.1),
    "RMSprop": lambda p: optim.RMSprop(p, lr=0.01, centered=True),
    "Adam": lambda p: optim.Adam(p, lr=0.05, amsgrad=True),
    "AdamW": lambda p: optim.AdamW(p, lr=0.05),
    "LBFGS": lambda p: optim.LBFGS(p, max_iter=3, history_size=4),
    "BFGS": lambda p: optim.BFGS(p, max_iter=2),
    "ConjugateGradient": lambda p: optim.ConjugateGradient(p, max_iter=2),
    "Newton": lambda p: optim.Newton(p, max_iter=1, damping=0.1),
}


def _step(model: nn.Module, opt: Any) -> None:
    def closure() -> ad.Tensor:
        opt.zero_grad()
        loss = ((model(X2) - 1.0) ** 2).mean()
        loss.backward()
        return loss

    if isinstance(opt, optim.ClosureOptimizer):
        opt.step(closure)
    else:
        closure()
        opt.step()


def test_every_optimizer_class_is_covered() -> None:
    exported = {name for name, obj in vars(optim).items()
                if inspect.isclass(obj) and issubclass(obj, optim.Optimizer)
                and not inspect.isabstract(obj) and obj.__module__ != "nn.optim.optimizer"
                and name not in ("ClosureOptimizer",)}
    # LevenbergMarquardt holds the user's residual function, which copies by reference
    assert exported - {"LevenbergMarquardt"} == set(FACTORIES), exported ^ set(FACTORIES)


@pytest.mark.parametrize("how", COPIES)
@pytest.mark.parametrize("name", FACTORIES)
def test_model_and_optimizer_copied_together_go_on_identically(name: str, how: str) -> None:
    model = nn.Sequential(nn.Linear(3, 4, rng=0), nn.Tanh(), nn.Linear(4, 1, rng=1))
    opt = FACTORIES[name](model.parameters())
    _step(model, opt)
    model_copy, opt_copy = COPIES[how]((model, opt))
    assert [id(p) for p in opt_copy.param_groups[0]["params"]] == \
        [id(p) for p in model_copy.parameters()]  # the copy steps the copied model
    for _ in range(2):
        _step(model, opt)
        _step(model_copy, opt_copy)
    for p, q in zip(model.parameters(), model_copy.parameters()):
        np.testing.assert_array_equal(p.data, q.data)


@pytest.mark.parametrize("how", COPIES)
def test_a_value_graph_of_100_000_nodes_copies_as_a_leaf(how: str) -> None:
    x = ad.Value(1.5, label="x")
    y = x
    for _ in range(100_000):
        y = y * 1.0
    y.backward()
    copied = COPIES[how](y)
    assert (copied.data, copied.grad, copied._prev, copied._op) == (1.5, 1.0, (), "")
    copied.grad = 0.0
    copied.backward()  # a leaf: nothing flows back to the original graph
    assert copied.grad == 1.0 and x.grad == 1.0


@pytest.mark.parametrize("how", COPIES)
def test_a_tensor_graph_of_100_000_nodes_copies_as_a_leaf(how: str) -> None:
    x = ad.tensor([1.0, 2.0], requires_grad=True, name="x")
    y = x
    for _ in range(100_000):
        y = y * 1.0
    x_copy, y_copy = COPIES[how]((x, y))
    assert y_copy.is_leaf and y_copy.requires_grad
    np.testing.assert_array_equal(y_copy.data, [1.0, 2.0])
    assert x_copy.name == "x" and x_copy.requires_grad


@pytest.mark.parametrize("how", COPIES)
def test_tensor_copies_keep_grad_dtype_and_name(how: str) -> None:
    x = ad.tensor(np.array([1.0, 2.0], dtype=np.float32), requires_grad=True, name="w")
    (x * x).sum().backward()
    c = COPIES[how](x)
    assert c.dtype == np.float32 and c.name == "w" and c.requires_grad
    np.testing.assert_array_equal(c.grad, [2.0, 4.0])
    assert not np.shares_memory(c.grad, x.grad)
    constant = COPIES[how](ad.tensor([3.0]))
    assert not constant.requires_grad and constant.grad is None
