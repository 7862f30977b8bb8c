"""nn.Module: registration, names, modes, state_dict round trips and their errors."""

from __future__ import annotations

import numpy as np
import pytest

import nn
from autodiff import Value


class FakeTensor:
    """Duck-typed stand-in for a Tensor leaf (data ndarray, grad, requires_grad)."""

    def __init__(self, array: np.ndarray, requires_grad: bool = True) -> None:
        self.data = np.asarray(array, dtype=np.float64)
        self.grad = np.ones_like(self.data)
        self.requires_grad = requires_grad


class Affine(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.weight = FakeTensor(np.arange(6.0).reshape(2, 3))
        self.bias = FakeTensor(np.zeros(2))
        self.const = FakeTensor(np.ones(2), requires_grad=False)  # not a parameter
        self.register_buffer("running_mean", np.zeros(2))
        self.scale = 3.0

    def forward(self, x: np.ndarray) -> np.ndarray:
        return self.weight.data @ x + self.bias.data


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.affine = Affine()
        self.blocks = [nn.Neuron(2, rng=0), nn.Neuron(2, rng=1)]
        self.alpha = Value(0.25)

    def forward(self, x):
        return self.affine(x)


def test_named_parameters_use_dotted_paths_in_registration_order() -> None:
    names = [n for n, _ in Net().named_parameters()]
    assert names == ["alpha", "affine.weight", "affine.bias",
                     "blocks.0.w.0", "blocks.0.w.1", "blocks.0.b",
                     "blocks.1.w.0", "blocks.1.w.1", "blocks.1.b"]
    mlp = nn.MLP(2, [4, 1], rng=0)
    assert "layers.0.neurons.3.w.1" in dict(mlp.named_parameters())


def test_children_modules_and_buffers() -> None:
    net = Net()
    assert [n for n, _ in net.named_children()] == ["affine", "blocks.0", "blocks.1"]
    assert list(net.children())[0] is net.affine
    assert [n for n, _ in net.named_modules()] == ["", "affine", "blocks.0", "blocks.1"]
    assert len(list(net.modules())) == 4
    assert [n for n, _ in net.named_buffers()] == ["affine.running_mean"]
    assert net.buffers()[0] is net.affine.running_mean
    net.affine.running_mean = np.full(2, 5.0)  # reassigning keeps it a buffer
    np.testing.assert_array_equal(net.state_dict()["affine.running_mean"], [5.0, 5.0])


def test_num_parameters_counts_scalars() -> None:
    assert Net().num_parameters() == 1 + 6 + 2 + 3 + 3


def test_train_eval_set_the_flag_everywhere() -> None:
    net = Net()
    assert net.training and net.affine.training
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())


def test_zero_grad_resets_values_to_zero_and_tensors_to_none() -> None:
    net = Net()
    net.alpha.grad = 3.0
    net.zero_grad()
    assert net.alpha.grad == 0.0
    assert net.affine.weight.grad is None


def test_state_dict_round_trip_is_bit_identical() -> None:
    a, b = nn.MLP(3, [5, 2], rng=0), nn.MLP(3, [5, 2], rng=1)
    x = [0.3, -0.2, 0.9]
    assert [v.data for v in a(x)] != [v.data for v in b(x)]
    sd = a.state_dict()
    assert all(isinstance(v, np.ndarray) for v in sd.values())
    assert sd["layers.0.neurons.0.w.0"].shape == ()
    result = b.load_state_dict(sd)
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert [v.data for v in a(x)] == [v.data for v in b(x)]
    sd["layers.0.neurons.0.b"][...] = 42.0  # a copy: the model is unchanged
    assert a.layers[0].neurons[0].b.data == 0.0


def test_tensor_state_round_trip_in_place() -> None:
    src, dst = Net(), Net()
    src.affine.weight.data += 1.0
    src.affine.running_mean[:] = 7.0
    weight = dst.affine.weight.data
    dst.load_state_dict(src.state_dict())
    assert dst.affine.weight.data is weight  # loaded in place
    np.testing.assert_array_equal(weight, src.affine.weight.data)
    np.testing.assert_array_equal(dst.affine.running_mean, [7.0, 7.0])


def test_load_state_dict_errors_name_missing_unexpected_and_misshaped_keys() -> None:
    net = Net()
    sd = net.state_dict()
    del sd["alpha"]
    sd["extra.weight"] = np.zeros(1)
    sd["affine.weight"] = np.zeros((3, 2))
    before = net.affine.bias.data.copy()
    sd["affine.bias"] = before + 1.0
    with pytest.raises(ValueError) as info:
        net.load_state_dict(sd)
    msg = str(info.value)
    assert "missing keys: alpha" in msg
    assert "unexpected keys: extra.weight" in msg
    assert "affine.weight (expected shape (2, 3), got (3, 2))" in msg
    np.testing.assert_array_equal(net.affine.bias.data, before)  # nothing changed
    with pytest.raises(ValueError, match="shape mismatch"):
        net.load_state_dict(sd, strict=False)
    sd["affine.weight"] = np.zeros((2, 3))
    result = net.load_state_dict(sd, strict=False)
    assert result.missing_keys == ["alpha"] and result.unexpected_keys == ["extra.weight"]
    np.testing.assert_array_equal(net.affine.bias.data, before + 1.0)


def test_load_state_dict_rejects_non_numeric_values() -> None:
    net = nn.Neuron(1, rng=0)
    with pytest.raises(TypeError, match="w.0"):
        net.load_state_dict({"w.0": "abc", "b": 0.0})
    with pytest.raises(TypeError, match="dict"):
        net.load_state_dict([1, 2])


def test_attribute_typos_raise_attribute_error_with_a_hint() -> None:
    net = Net()
    with pytest.raises(AttributeError, match="did you mean 'affine'"):
        net.afine  # noqa: B018
    with pytest.raises(AttributeError):
        net.affine.wieght  # noqa: B018


def test_call_runs_forward_and_base_forward_is_abstract() -> None:
    np.testing.assert_array_equal(Net()(np.ones(3)), [3.0, 12.0])
    with pytest.raises(NotImplementedError, match="Module.forward"):
        nn.Module()(1)


def test_reassignment_and_deletion_update_the_registry() -> None:
    net = Net()
    net.alpha = 5.0  # no longer a parameter
    assert "alpha" not in dict(net.named_parameters())
    del net.affine
    assert [n for n, _ in net.named_children()] == ["blocks.0", "blocks.1"]
    with pytest.raises(TypeError, match="register_parameter"):
        net.register_parameter("p", "not a parameter")
    net.register_parameter("p", [Value(1.0), Value(2.0)])
    assert ["p.0", "p.1"] == [n for n, _ in net.named_parameters()][:2]


def test_shared_parameter_is_listed_once() -> None:
    class Tied(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.a = nn.Neuron(2, rng=0)
            self.b = nn.Neuron(2, rng=0)
            self.b.w = self.a.w

    assert len(Tied().parameters()) == 2 + 1 + 1


def test_subclass_without_super_init_still_registers() -> None:
    class Lazy(nn.Module):
        def __init__(self) -> None:
            self.v = Value(1.0)

    assert Lazy().parameters()[0].data == 1.0


def test_works_with_the_real_tensor() -> None:
    import autodiff as ad

    class M(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.w = ad.Tensor(np.ones((2, 2)), requires_grad=True)
            self.c = ad.Tensor(np.ones(2))

    m = M()
    assert [n for n, _ in m.named_parameters()] == ["w"]
    m.w.grad = np.ones((2, 2))
    m.zero_grad()
    assert m.w.grad is None
    m.load_state_dict({"w": np.full((2, 2), 2.0)})
    np.testing.assert_array_equal(m.w.data, np.full((2, 2), 2.0))


def test_frozen_tensor_parameters_stay_registered() -> None:
    # A Tensor requiring grad plays nn.Parameter's part; a plain Tensor is an attribute.
    lin = nn.Linear(3, 2, rng=0)
    lin.weight.requires_grad = False  # freezing keeps the parameter and its state
    assert [n for n, _ in lin.named_parameters()] == ["weight", "bias"]
    assert list(lin.state_dict()) == ["weight", "bias"]
    lin.weight = FakeTensor(np.zeros((2, 3)), requires_grad=False)  # replacing: still one
    assert [n for n, _ in lin.named_parameters()] == ["weight", "bias"]
    np.testing.assert_array_equal(lin.state_dict()["weight"], np.zeros((2, 3)))
    lin.register_parameter("scale", FakeTensor(np.ones(2), requires_grad=False))
    assert "scale" in dict(lin.named_parameters()) and lin.num_parameters() == 10
    lin.plain = FakeTensor(np.ones(2), requires_grad=False)  # a plain Tensor: not registered
    assert "plain" not in lin.state_dict()
    with pytest.raises(ValueError, match="register_parameter"):
        lin.register_parameter("a.b", Value(1.0))


def test_deepcopy_and_pickle_give_independent_equal_models() -> None:
    import copy
    import pickle

    m = nn.MLP(2, [3, 1], rng=0)
    for clone in (copy.deepcopy(m), pickle.loads(pickle.dumps(m))):
        assert clone([1.0, 2.0]).data == m([1.0, 2.0]).data
        assert clone.parameters()[0] is not m.parameters()[0]
        assert [n for n, _ in clone.named_parameters()] == [n for n, _ in m.named_parameters()]


def test_register_buffer_validates_its_arguments() -> None:
    m = nn.Module()
    with pytest.raises(ValueError, match="name"):
        m.register_buffer("a.b", np.zeros(1))
    with pytest.raises(TypeError, match="register_buffer"):
        m.register_buffer("a", "text")
    m.register_buffer("none", None)
    assert m.buffers() == [] and m.state_dict() == {}
