"""Bad input, everywhere: one table of the mistakes users make, and what each must say.

Every case gives the exception type expected and fragments of its message: at least one
naming what was wrong (the op or function, the shapes or values) and one naming what
would be valid. Fragments are matched case-insensitively, as plain substrings.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import pytest

import autodiff as ad
import nn
from nn import layers
from nn import losses as L
from nn.data import DataLoader, Standardizer, TensorDataset, one_hot, train_val_test_split
from nn.functional import conv2d
from nn.optim import LBFGS, SGD, Adam


class Case(NamedTuple):
    name: str
    call: Callable[[], Any]
    error: type[BaseException]
    says: tuple[str, ...]  # fragments of the message (what was wrong, what would be valid)


def T(*shape: int) -> ad.Tensor:  # noqa: N802 - a short name keeps the table readable
    """A float64 Tensor of ``shape`` that requires grad (seeded)."""
    return ad.randn(*shape, rng=0, requires_grad=True)


def V(x: float) -> ad.Value:  # noqa: N802
    return ad.Value(x)


def _xy(n: int = 4, features: int = 2, targets: tuple = (1,)) -> TensorDataset:
    return TensorDataset(np.zeros((n, features)), np.zeros((n, *targets)))


def _backward_twice() -> None:
    y = T(3) * 2.0
    y.backward(np.ones(3))  # fine: an explicit upstream gradient
    y.backward()            # a non-scalar needs one every time


def _fit(**kwargs: Any) -> Any:
    model = layers.Linear(2, 1, rng=0)
    defaults = dict(model=model, loss_fn=L.mse_loss, optimizer=SGD(model.parameters(), lr=0.1),
                    train_loader=DataLoader(_xy(), batch_size=2), epochs=1, progress=False)
    return nn.fit(**{**defaults, **kwargs})


CASES = [
    # ------------------------------------------------------------------ a newcomer's traps
    Case("Value times a Tensor", lambda: ad.Value(2.0) * T(3), TypeError,
         ("mul", "Value, Tensor", "ad.tensor(v.data)")),
    Case("Tensor plus a Value", lambda: T(3) + ad.Value(1.0), TypeError,
         ("add", "Tensor, Value", "one engine")),
    Case("SGD given model.parameters uncalled",
         lambda: nn.optim.SGD(nn.Linear(2, 1).parameters, lr=0.1), TypeError,
         ("SGD", "method", "model.parameters()")),
    Case("Neuron given activation and nonlin", lambda: nn.Neuron(2, "tanh", nonlin=False),
         TypeError, ("Neuron", "activation=", "nonlin=")),
    Case("ReLU inplace not a bool", lambda: nn.ReLU(inplace="yes"), TypeError,
         ("ReLU", "inplace", "True or False")),
    # ------------------------------------------------------------------ shapes in ops
    Case("matmul inner sizes differ", lambda: T(2, 3) @ T(4, 5), ValueError,
         ("matmul", "(2, 3)", "(4, 5)", "must equal")),
    Case("matmul with a scalar", lambda: T(2) @ 3.0, ValueError,
         ("matmul", "at least one axis", "use * to multiply by a scalar")),
    Case("reshape to another size", lambda: T(2, 3).reshape(4, 2), ValueError,
         ("reshape", "(2, 3)", "(4, 2)", "same number of elements")),
    Case("sum over a missing axis", lambda: T(2, 3).sum(axis=2), ValueError,
         ("sum", "axis 2", "(2, 3)", "valid axes are -2..1")),
    Case("softmax over a missing axis", lambda: T(2, 3).softmax(axis=3), ValueError,
         ("softmax", "axis 3", "valid axes are -2..1")),
    Case("concatenate mismatched shapes", lambda: ad.concatenate([T(2, 3), T(2, 4)]), ValueError,
         ("concatenate", "(2, 3)", "(2, 4)", "must match")),
    Case("stack mismatched shapes", lambda: ad.stack([T(2, 3), T(3, 2)]), ValueError,
         ("stack", "(2, 3)", "(3, 2)", "same shape")),
    Case("index out of range", lambda: T(3)[5], ValueError,
         ("getitem", "index 5", "size 3")),
    Case("float index", lambda: T(3)[1.5], ValueError,
         ("getitem", "only integers, slices")),
    Case("where with a float condition", lambda: ad.where(np.array([1.0, 0.0]), T(2), T(2)),
         ValueError, ("where", "float64", "must be boolean")),
    # clip with min above max is valid (numpy and PyTorch give max everywhere)
    Case("truth value of a vector", lambda: bool(T(3)), ValueError,
         ("(3,)", "ambiguous", ".any() or .all()")),
    Case("item of a vector", lambda: T(3).item(), ValueError,
         ("item", "(3,)", "one-element")),
    Case("negative size", lambda: ad.zeros(-1, 2), ValueError,
         ("(-1, 2)", "must not have negative sizes")),
    Case("broadcast of (3,) and (4,)", lambda: T(3) + T(4), ValueError,
         ("add", "(3,)", "(4,)", "or one of them is 1")),
    Case("broadcast of (2, 3) and (3, 2)", lambda: T(2, 3) * T(3, 2), ValueError,
         ("mul", "(2, 3)", "(3, 2)", "or one of them is 1")),
    Case("broadcast_to an incompatible shape", lambda: T(3).broadcast_to((2, 4)), ValueError,
         ("broadcast_to", "(3,)", "(2, 4)", "or one of them is 1")),
    Case("tensor plus a string", lambda: T(2) + "1", TypeError,
         ("add", "str", "'1'", "a tensor, a number or a numeric array")),
    Case("tensor to the power of a string", lambda: T(2) ** "2", TypeError,
         ("pow", "str", "a tensor, a number or a numeric array")),
    Case("tensor matmul a string", lambda: T(2) @ "ab", TypeError,
         ("matmul", "str", "a tensor, a number or a numeric array")),
    Case("shape given as a string", lambda: ad.randn("3"), TypeError,
         ("shape", "'3'", "integers")),
    Case("ragged nested list", lambda: ad.tensor([[1.0, 2.0], [3.0]]), ValueError,
         ("tensor", "[[1.0, 2.0], [3.0]]", "same length")),
    Case("jacobian of something not callable", lambda: ad.jacobian(3, T(2)), TypeError,
         ("jacobian", "int", "callable")),
    Case("hessian of something not callable", lambda: ad.hessian("f", T(2)), TypeError,
         ("hessian", "str", "callable")),
    # ------------------------------------------------------------------ backward and grad
    Case("backward on a non-scalar", lambda: (T(3) * 2.0).backward(), ValueError,
         ("backward", "(3,)", "one-element", "pass grad=")),
    Case("backward twice on a non-scalar", _backward_twice, ValueError,
         ("backward", "(3,)", "pass grad=")),
    Case("backward with a mis-shaped grad", lambda: (T(3) * 2.0).backward(np.ones(4)),
         ValueError, ("backward", "(4,)", "(3,)")),
    Case("backward on a constant", lambda: ad.tensor([1.0]).backward(), ValueError,
         ("backward", "does not require grad", "requires_grad=True")),
    Case("grad of an unused input", lambda: ad.grad((T(2) * 2.0).sum(), [T(2)]), ValueError,
         ("grad", "input 0", "not used", "allow_unused=True")),
    Case("grad with mis-shaped grad_outputs",
         lambda: ad.grad(T(3) * 2.0, T(3), grad_outputs=np.ones(2)), ValueError,
         ("grad_outputs[0]", "(2,)", "(3,)")),
    Case("grad of a number", lambda: ad.grad((T(2) * 2.0).sum(), [3.0]), TypeError,
         ("grad", "input 0", "float", "expected a Tensor")),
    Case("integer tensor that requires grad",
         lambda: ad.Tensor(np.array([1, 2]), requires_grad=True), TypeError,
         ("requires_grad", "int64", "floating-point", ".astype(np.float64)")),
    # ------------------------------------------------------------------ losses and targets
    Case("mse target of another length",
         lambda: L.mse_loss(T(4, 1), ad.tensor(np.zeros((5, 1)))), ValueError,
         ("mse_loss", "(4, 1)", "(5, 1)", "must be equal")),
    Case("mse (N, 1) against (N,)", lambda: L.mse_loss(T(4, 1), ad.tensor(np.zeros(4))),
         ValueError, ("mse_loss", "(4, 1)", "(4,)", "must be equal")),
    Case("l1 target of another width", lambda: L.l1_loss(T(4, 2), ad.tensor(np.zeros((4, 3)))),
         ValueError, ("l1_loss", "(4, 2)", "(4, 3)", "must be equal")),
    Case("bce-with-logits target of another length",
         lambda: L.binary_cross_entropy_with_logits(T(4), ad.tensor(np.zeros(3))), ValueError,
         ("binary_cross_entropy_with_logits", "(4,)", "(3,)", "must be equal")),
    Case("bce probabilities above 1",
         lambda: L.binary_cross_entropy(ad.tensor([0.5, 1.5]), ad.tensor([0.0, 1.0])),
         ValueError, ("binary_cross_entropy", "1.5", "[0, 1]")),
    Case("scalar mse: more predictions than targets", lambda: L.mse_loss([V(1.0), V(2.0)], [1.0]),
         ValueError, ("mse_loss", "2 predictions", "1 targets")),
    Case("mse target is a string", lambda: L.mse_loss(T(2), "ab"), TypeError,
         ("mse_loss", "str", "tensor or numeric array")),
    Case("loss reduction misspelt", lambda: L.mse_loss(T(2), ad.tensor([0.0, 0.0]),
                                                       reduction="avg"),
         ValueError, ("reduction", "'avg'", "'mean', 'sum' or 'none'")),
    Case("huber delta of 0", lambda: L.huber_loss(T(2), ad.tensor([0.0, 0.0]), delta=0.0),
         ValueError, ("huber_loss", "delta", "0.0", "> 0")),
    Case("gaussian nll with a negative variance",
         lambda: L.gaussian_nll_loss(T(2), ad.tensor([0.0, 0.0]), ad.tensor([-1.0, 1.0])),
         ValueError, ("gaussian_nll_loss", "var", "negative", "-1.0")),
    Case("class index out of range", lambda: L.cross_entropy(T(4, 3), np.array([0, 1, 2, 3])),
         ValueError, ("cross_entropy", "index 3", "3 classes", "valid: 0..2")),
    Case("negative class index (numpy would wrap it)",
         lambda: L.cross_entropy(T(4, 3), np.array([0, 1, -1, 2])), ValueError,
         ("cross_entropy", "index -1", "valid: 0..2")),
    Case("nll class index out of range", lambda: L.nll_loss(T(4, 3), np.array([0, 1, 2, 5])),
         ValueError, ("nll_loss", "index 5", "valid: 0..2")),
    Case("nll negative class index", lambda: L.nll_loss(T(4, 3), np.array([0, -2, 2, 1])),
         ValueError, ("nll_loss", "index -2", "valid: 0..2")),
    Case("scalar cross entropy, class index out of range",
         lambda: L.cross_entropy([[V(1.0), V(2.0)]], [2]), ValueError,
         ("cross_entropy", "index 2", "valid: 0..1")),
    Case("scalar cross entropy, negative class index",
         lambda: L.cross_entropy([[V(1.0), V(2.0)]], [-1]), ValueError,
         ("cross_entropy", "index -1", "valid: 0..1")),
    Case("float targets where class indices belong",
         lambda: L.cross_entropy(T(4, 3), np.array([0.0, 1.0, 2.0, 1.0])), TypeError,
         ("cross_entropy", "float64", "integer dtype", ".astype(int)")),
    Case("boolean targets where class indices belong",
         lambda: L.cross_entropy(T(2, 3), np.array([True, False])), TypeError,
         ("cross_entropy", "bool", "integer dtype")),
    Case("string targets where class indices belong",
         lambda: L.cross_entropy(T(4, 3), ["a", "b", "c", "d"]), TypeError,
         ("cross_entropy", "<u1", "integer dtype")),
    Case("class targets of the wrong length",
         lambda: L.cross_entropy(T(4, 3), np.array([0, 1, 2])), ValueError,
         ("cross_entropy", "(3,)", "(4, 3)", "class indices of shape (4,)")),
    Case("one-hot targets given as indices",
         lambda: L.cross_entropy(T(4, 3), np.zeros((4, 3), dtype=int)), ValueError,
         ("cross_entropy", "(4, 3)", "class indices of shape (4,)")),
    Case("one_hot label out of range", lambda: one_hot(np.array([0, 3]), num_classes=3),
         ValueError, ("one_hot", "max 3", "[0, 3)")),
    Case("one_hot negative label", lambda: one_hot(np.array([0, -1]), num_classes=3),
         ValueError, ("one_hot", "min -1", "[0, 3)")),
    # ------------------------------------------------------------------ layers and models
    Case("Linear given the wrong number of features",
         lambda: layers.Linear(3, 2, rng=0)(ad.tensor(np.zeros((5, 4)))), ValueError,
         ("in_features=3", "(5, 4)", "(*, 3)")),
    Case("Linear given a flat vector of the wrong length",
         lambda: layers.Linear(3, 2, rng=0)(ad.tensor(np.zeros(4))), ValueError,
         ("in_features=3", "(4,)", "(*, 3)")),
    Case("Sequential model called with the wrong feature count",
         lambda: layers.Sequential(layers.Linear(3, 4, rng=0), layers.ReLU(),
                                   layers.Linear(4, 1, rng=0))(ad.tensor(np.zeros((5, 2)))),
         ValueError, ("in_features=3", "(5, 2)", "(*, 3)")),
    Case("Linear given a list of Values", lambda: layers.Linear(2, 1)([V(1.0), V(2.0)]),
         TypeError, ("linear", "list", "tensor or numeric array")),
    Case("scalar MLP called with the wrong feature count",
         lambda: nn.MLP(3, [4, 1], rng=0)([1.0, 2.0]), ValueError,
         ("expected 3 inputs", "got 2")),
    Case("BatchNorm1d given the wrong number of features",
         lambda: layers.BatchNorm1d(3)(ad.tensor(np.zeros((4, 5)))), ValueError,
         ("num_features=3", "(4, 5)", "(N, 3)")),
    Case("conv2d input with the wrong channel count", lambda: conv2d(T(1, 3, 5, 5), T(4, 2, 3, 3)),
         ValueError, ("conv2d", "3 channels", "in_channels=2", "(N, 2, H, W)")),
    Case("Softmax over a missing dim", lambda: layers.Softmax(dim=4)(T(2, 3)), ValueError,
         ("softmax", "axis 4", "valid axes are -2..1")),
    Case("Dropout probability above 1", lambda: layers.Dropout(1.5), ValueError,
         ("dropout", "1.5", "between 0 and 1")),
    Case("Sequential given a string", lambda: layers.Sequential(layers.Linear(2, 2), "relu"),
         TypeError, ("sequential", "str", "must be a module")),
    Case("state_dict of another architecture (shapes)",
         lambda: layers.Linear(3, 2, rng=0).load_state_dict(
             layers.Linear(4, 2, rng=0).state_dict()),
         ValueError, ("load_state_dict", "weight", "expected shape (2, 3)", "got (2, 4)")),
    Case("state_dict of another architecture (names)",
         lambda: layers.Sequential(layers.Linear(3, 2), layers.Linear(2, 1)).load_state_dict(
             layers.Linear(3, 2).state_dict()),
         ValueError, ("load_state_dict", "missing keys", "0.weight", "unexpected keys")),
    Case("scalar state_dict of another architecture",
         lambda: nn.MLP(3, [4, 1]).load_state_dict(nn.MLP(3, [5, 1]).state_dict()), ValueError,
         ("load_state_dict", "unexpected keys", "layers.0.neurons.4")),
    Case("state_dict holding a string",
         lambda: layers.Linear(2, 1).load_state_dict({"weight": "abc", "bias": np.zeros(1)}),
         TypeError, ("load_state_dict", "'weight'", "<u3", "numeric array")),
    Case("state_dict that is a list", lambda: layers.Linear(2, 1).load_state_dict([1, 2]),
         TypeError, ("load_state_dict", "list", "dict of arrays")),
    # ------------------------------------------------------------------ optimizers
    Case("SGD given no parameters", lambda: SGD([], lr=0.1), ValueError,
         ("sgd", "empty parameter list", "model.parameters()")),
    Case("Adam given no parameters", lambda: Adam([]), ValueError,
         ("adam", "empty parameter list", "model.parameters()")),
    Case("optimizer given a used-up generator",
         lambda: (lambda g: (SGD(g, lr=0.1), SGD(g, lr=0.1)))(iter([T(2)])), ValueError,
         ("sgd", "empty parameter list", "parameters()", "only once")),
    Case("optimizer given a string as a parameter", lambda: SGD(["w"], lr=0.1), TypeError,
         ("sgd", "str is not a parameter", "tensor (requires_grad=true) or a value")),
    Case("optimizer given a parameter twice", lambda: (lambda w: SGD([w, w], lr=0.1))(T(2)),
         ValueError, ("sgd", "more than once")),
    Case("negative learning rate", lambda: Adam([T(2)], lr=-1.0), ValueError,
         ("adam", "lr -1.0", ">= 0")),
    Case("learning rate as a string", lambda: SGD([T(2)], lr="0.1"), ValueError,
         ("sgd", "'0.1'", "a number >= 0")),
    Case("Adam beta2 of 1.5", lambda: Adam([T(2)], betas=(0.9, 1.5)), ValueError,
         ("adam", "beta2 1.5", "[0.0, 1.0)")),
    Case("negative momentum", lambda: SGD([T(2)], lr=0.1, momentum=-1), ValueError,
         ("sgd", "momentum -1", ">= 0")),
    Case("L-BFGS step without a closure", lambda: LBFGS([T(2)]).step(), TypeError,
         ("lbfgs", "needs a closure")),
    # ------------------------------------------------------------------ data and training
    Case("loader batch size of 0", lambda: DataLoader(_xy(), batch_size=0), ValueError,
         ("batch_size", "got 0", ">= 1")),
    Case("loader batch size negative", lambda: DataLoader(_xy(), batch_size=-3), ValueError,
         ("batch_size", "-3", ">= 1")),
    Case("loader batch size as a string", lambda: DataLoader(_xy(), batch_size="2"), TypeError,
         ("batch_size", "'2'", "positive int or none")),
    Case("loader output misspelt", lambda: DataLoader(_xy(), output="torch"), ValueError,
         ("output", "'torch'", "one of")),
    Case("dataset arrays of different lengths",
         lambda: TensorDataset(np.zeros((4, 2)), np.zeros(5)), ValueError,
         ("tensordataset", "(4, 2)", "(5,)", "same first dimension")),
    Case("split fractions that do not sum to 1",
         lambda: train_val_test_split(np.zeros((10, 2)), np.zeros(10), fractions=(0.8, 0.5, 0.1)),
         ValueError, ("train_val_test_split", "(0.8, 0.5, 0.1)", "summing to 1")),
    Case("fit with negative epochs", lambda: _fit(epochs=-1), ValueError,
         ("fit", "epochs", "-1", ">= 0")),
    Case("fit with an empty loader", lambda: _fit(train_loader=[]), ValueError,
         ("fit", "training loader", "no batches")),
    Case("fit resume without a checkpoint path", lambda: _fit(resume=True), ValueError,
         ("fit", "resume=true", "checkpoint_path")),
    Case("save something that has no state", lambda: nn.save(42, "unused.npz"), TypeError,
         ("nn.save", "int", "state_dict()")),
    Case("fit epochs as a string", lambda: _fit(epochs="3"), TypeError,
         ("fit", "epochs", "'3'", "int >= 0")),
    Case("NaN in the data", lambda: TensorDataset(np.array([[1.0, np.nan], [2.0, 3.0]]),
                                                  np.zeros(2)), ValueError,
         ("tensordataset", "array 0", "1 nan", "(0, 1)", "np.isnan")),
    Case("inf in the targets", lambda: TensorDataset(np.zeros((2, 2)), np.array([1.0, np.inf])),
         ValueError, ("tensordataset", "array 1", "1 inf", "(1,)")),
    Case("NaN when fitting a Standardizer",
         lambda: Standardizer().fit(np.array([[1.0, np.nan], [2.0, 3.0]])), ValueError,
         ("standardizer", "1 nan", "column 1", "np.isnan")),
    Case("split fractions as a string",
         lambda: train_val_test_split(np.zeros((10, 2)), np.zeros(10), fractions="abc"),
         TypeError, ("train_val_test_split", "'abc'", "three")),
    # ------------------------------------------------------------------ strings for numbers
    Case("tensor from a string", lambda: ad.tensor("1.5"), TypeError,
         ("tensor", "'1.5'", "a number, a list of numbers or an ndarray")),
    Case("tensor from None", lambda: ad.tensor(None), TypeError,
         ("tensor", "none", "a number, a list of numbers or an ndarray")),
    Case("tensor from a list of strings", lambda: ad.tensor(["a", "b"]), TypeError,
         ("tensor", "<u1", "expected numbers")),
    Case("tensor from a dict", lambda: ad.tensor({"a": 1}), TypeError,
         ("tensor", "object", "expected numbers")),
    Case("Value from a string", lambda: ad.Value("1.5"), TypeError,
         ("value", "str '1.5'", "real number")),
    Case("Value from None", lambda: ad.Value(None), TypeError,
         ("value", "none", "real number")),
    Case("Value from a list", lambda: ad.Value([1.0, 2.0]), TypeError,
         ("value", "list", "real number")),
    Case("Value compared with a string", lambda: V(1.0) < "a", TypeError,
         ("value <", "str 'a'", "real number")),
    Case("Linear size as a string", lambda: layers.Linear("3", 2), ValueError,
         ("linear", "in_features", "'3'", "positive int")),
    Case("MLP layer sizes as a string", lambda: nn.MLP(3, "4"), TypeError,
         ("mlp", "str '4'", "list of layer sizes")),
    Case("MLP layer size as a string", lambda: nn.MLP(3, ["4"]), ValueError,
         ("mlp", "'4'", "positive int")),
    Case("Value plus a string", lambda: V(1.0) + "1", TypeError,
         ("value +", "str '1'", "real number")),
    Case("Value to the power of a string", lambda: V(2.0) ** "2", TypeError,
         ("value **", "str '2'", "real number")),
    Case("string minus a Value", lambda: "1" - V(2.0), TypeError,
         ("value -", "str '1'", "real number")),
    Case("scalar MLP given strings", lambda: nn.MLP(2, [1], rng=0)(["a", "b"]), TypeError,
         ("str 'a'", "real number")),
    Case("scalar MLP given a Tensor", lambda: nn.MLP(2, [1], rng=0)(ad.tensor([1.0, 2.0])),
         TypeError, ("neuron", "tensor", "list of 2 numbers or values", "nn.linear")),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_raises_a_clear_error(case: Case, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # a case that wrongly succeeded in writing a file stays here
    with pytest.raises(case.error) as info:
        case.call()
    message = str(info.value).lower()
    missing = [s for s in case.says if s.lower() not in message]
    assert not missing, f"message {str(info.value)!r} does not mention {missing}"


def test_the_table_is_big_and_unique() -> None:
    names = [c.name for c in CASES]
    assert len(names) == len(set(names))
    assert len(CASES) >= 80
