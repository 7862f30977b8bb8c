"""Call the public API with garbage arguments and count what comes back (not part of the suite).

Each target is a call that works with its valid arguments; each of its arguments in turn
is replaced by each garbage value (None, strings, bytes, NaN, infinities, huge and
negative ints, complex numbers, bools, empty containers, an object), the others kept
valid. Every call runs under a time limit (SIGALRM) and an address-space limit, and its
outcome is one of:

* clear: TypeError or ValueError (or a project error) whose message names the function;
* vague: TypeError or ValueError whose message does not name the function;
* crash: any other exception (OverflowError, AttributeError, MemoryError, ...);
* hang: ran past the time limit;
* accepted: returned, though the value is clearly wrong for the argument's kind (a
  string for a number, a float for an int, NaN, a complex number, ...).

Run: ``PYTHONPATH=. python scripts/fuzz_public_api.py [--seed 0] [--show crash,hang]``.
The extra garbage values drawn from ``--seed`` (random ints and floats) make the run
reproducible; exit status 1 when anything but "clear" or a harmless "returned" is found.
"""

from __future__ import annotations

import argparse
import math
import resource
import signal
import sys
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import autodiff as ad
import nn
from nn import init, metrics, optim
from nn import losses as L
from nn.data import DataLoader, Standardizer, TensorDataset, one_hot, train_val_test_split

TIME_LIMIT_S = 3
MEMORY_LIMIT = 6 * 2**30


class Hang(BaseException):
    """Raised by the alarm: the call ran past the time limit."""


@dataclass
class Target:
    """``call(**args)`` works; each key of ``args`` gets every garbage value in turn."""

    name: str              # how the report names it; a fragment the messages must contain
    call: Callable[..., Any]
    args: dict[str, Any]
    says: str = ""         # the fragment messages must contain, when not ``name``'s last part
    nullable: tuple[str, ...] = ()   # arguments for which None is valid
    skip: dict[str, tuple[str, ...]] = field(default_factory=dict)  # garbage valid there


def T(*shape: int) -> ad.Tensor:  # noqa: N802
    return ad.randn(*shape, rng=0, requires_grad=True)


def _loader() -> DataLoader:
    return DataLoader(TensorDataset(np.zeros((4, 2)), np.zeros((4, 1))), batch_size=2)


def _model() -> nn.Module:
    return nn.Linear(2, 1, rng=0)


def _custom_op(forward_out: Any, vjp_out: Any) -> ad.Tensor:
    """A user's op whose forward returns ``forward_out`` and whose VJP returns ``vjp_out``."""
    op = ad.Op("custom", forward=lambda x: forward_out, vjps=(lambda g, out, x: vjp_out,))
    y = op(T(2))
    y.sum().backward()
    return y


def _fit(model: Any = None, loss_fn: Any = L.mse_loss, optimizer: Any = None,
         train_loader: Any = None, **kw: Any) -> Any:
    optimizer = optimizer if optimizer is not None else optim.SGD(
        (model if isinstance(model, nn.Module) else _model()).parameters(), lr=0.1)
    model = model if model is not None else _model()
    return nn.fit(model, loss_fn, optimizer, train_loader or _loader(), progress=False, **kw)


def _sched(cls: type, **kw: Any) -> Any:
    return cls(optim.SGD([T(2)], lr=0.1), **kw)


def targets() -> list[Target]:
    """Every public function and class, with arguments that work."""
    x23, cls = ad.randn(2, 3, rng=0), np.array([0, 1])
    return [
        # ---------------------------------------------------------------- constructors
        Target("zeros", lambda a, b, **k: ad.zeros(a, b, **k), dict(a=2, b=3, requires_grad=False)),
        Target("ones", lambda a, b, **k: ad.ones(a, b, **k), dict(a=2, b=3)),
        # NaN and inf are valid fills (masks, sentinels), as in numpy
        Target("full", ad.full, dict(shape=(2, 3), fill_value=1.0, requires_grad=False),
               skip={"fill_value": ("nan",)}),
        Target("eye", ad.eye, dict(n=3, m=2), nullable=("m",)),
        Target("arange", ad.arange, dict(start=0.0, stop=5.0, step=1.0), nullable=("stop",)),
        Target("randn", lambda a, **k: ad.randn(a, 3, **k), dict(a=2, rng=0), nullable=("rng",)),
        Target("rand", lambda a, **k: ad.rand(a, 3, **k), dict(a=2, rng=0), nullable=("rng",)),
        Target("uniform", ad.uniform, dict(low=0.0, high=1.0, shape=(2, 3), rng=0),
               nullable=("rng",)),
        # any string is a valid name or label
        Target("tensor", ad.tensor, dict(data=[1.0, 2.0], requires_grad=True, name="x"),
               skip={"name": ("str", "digit str")}),
        Target("Tensor", ad.Tensor, dict(data=np.ones(2), requires_grad=True, name="x"),
               skip={"name": ("str", "digit str")}),
        Target("zeros_like", ad.zeros_like, dict(t=x23, requires_grad=False)),
        Target("concatenate", ad.concatenate, dict(tensors=[T(2), T(2)], axis=0),
               nullable=("axis",)),
        Target("stack", ad.stack, dict(tensors=[T(2), T(2)], axis=0), nullable=("axis",)),
        Target("split", ad.split, dict(t=T(4), indices_or_sections=2, axis=0),
               nullable=("axis",)),
        Target("pad", ad.pad, dict(t=T(2), pad_width=1, value=0.0), skip={"value": ("nan",)}),
        Target("where", ad.where, dict(condition=np.array([True, False]), a=T(2), b=T(2))),
        Target("maximum", ad.maximum, dict(a=T(2), b=T(2))),
        Target("manual_seed", ad.manual_seed, dict(seed=0)),
        # ---------------------------------------------------------------- tensor methods
        *[Target(f"Tensor.{m}", lambda m=m, **k: getattr(T(2, 3), m)(**k),
                 dict(axis=0, keepdims=False), says=m, nullable=("axis", "keepdims"))
          for m in ("sum", "mean", "max", "min", "prod", "logsumexp")],
        *[Target(f"Tensor.{m}", lambda m=m, **k: getattr(T(2, 3), m)(**k),
                 dict(axis=0, ddof=0, keepdims=False), says=m,
                 nullable=("axis", "keepdims"))
          for m in ("var", "std")],
        *[Target(f"Tensor.{m}", lambda m=m, **k: getattr(T(2, 3), m)(**k), dict(axis=0),
                 says=m, nullable=("axis",)) for m in ("softmax", "log_softmax")],
        Target("Tensor.reshape", lambda a, **k: T(2, 3).reshape(a, 2), dict(a=3), says="reshape"),
        Target("Tensor.flatten", lambda **k: T(2, 3, 1).flatten(**k),
               dict(start_dim=0, end_dim=-1), says="flatten"),
        Target("Tensor.transpose", lambda a, b: T(2, 3).transpose(a, b), dict(a=0, b=1),
               says="transpose"),
        Target("Tensor.permute", lambda a, b: T(2, 3).permute(a, b), dict(a=1, b=0),
               says="permute"),
        Target("Tensor.swapaxes", lambda **k: T(2, 3).swapaxes(**k), dict(axis1=0, axis2=1),
               says="swapaxes"),
        Target("Tensor.squeeze", lambda **k: T(2, 1).squeeze(**k), dict(axis=1), says="squeeze",
               nullable=("axis",)),
        Target("Tensor.unsqueeze", lambda **k: T(2, 3).unsqueeze(**k), dict(axis=0),
               says="unsqueeze"),
        Target("Tensor.broadcast_to", lambda **k: T(3).broadcast_to(**k), dict(shape=(2, 3)),
               says="broadcast_to"),
        Target("Tensor.clip", lambda **k: T(3).clip(**k), dict(min=-1.0, max=1.0), says="clip",
               nullable=("min", "max")),
        Target("Tensor.leaky_relu", lambda **k: T(3).leaky_relu(**k),
               dict(negative_slope=0.1), says="leaky_relu"),
        Target("Tensor.astype", lambda **k: T(3).astype(**k), dict(dtype=np.float32),
               says="astype"),
        Target("Tensor.backward", lambda **k: (T(3) * 2).backward(**k),
               dict(grad=np.ones(3), create_graph=False), says="backward"),
        Target("Tensor.requires_grad_", lambda **k: ad.tensor([1.0]).requires_grad_(**k),
               dict(requires_grad=True), says="requires_grad"),
        # ---------------------------------------------------------------- derivatives, checks
        Target("grad", ad.grad, dict(outputs=(T(2) * 2).sum(), inputs=[T(2)],
                                     allow_unused=True), nullable=()),
        Target("jacobian", ad.jacobian, dict(f=lambda x: x * 2, inputs=T(2))),
        Target("hessian", ad.hessian, dict(f=lambda x: (x * x).sum(), inputs=T(2))),
        Target("hvp", ad.hvp, dict(f=lambda x: (x * x).sum(), inputs=T(2), v=np.ones(2))),
        Target("gradcheck", ad.gradcheck, dict(f=lambda x: x * 2, inputs=[T(2)], eps=1e-6,
                                               atol=1e-5, rtol=1e-3)),
        Target("diagnose", ad.diagnose, dict(f=lambda x: x.sum(), inputs=[T(2)], eps=1e-6,
                                             atol=1e-5, rtol=1e-3, seed=0, max_elements=10),
               skip={"inputs": ("mixed list",)}),  # two arguments for f(x): f's own error
        Target("to_dot", ad.to_dot, dict(root=T(2).sum(), rankdir="LR", max_nodes=100,
                                         show_data=True, diagnosis=None, title="t"),
               nullable=("diagnosis", "title", "max_nodes", "rankdir"),
               skip={"title": ("str", "digit str")}),  # any caption is valid
        Target("Op", lambda **k: ad.Op(**k)(T(2)), dict(name="op", forward=lambda x: x * 2,
                                                        vjps=(lambda g, out, x: g * 2,)),
               skip={"name": ("str", "digit str")}),
        # an integer result is a valid op without a gradient; backward then says so
        Target("custom", _custom_op, dict(forward_out=np.ones(2), vjp_out=None),
               nullable=("vjp_out",),
               skip={"forward_out": ("-1", "2**33", "random int", "True", "huge int",
                                     "-huge int")}),
        Target("set_grad_enabled", lambda mode: ad.set_grad_enabled(mode).__enter__(),
               dict(mode=True)),
        # a Value holds any float (NaN included: anomaly mode reports it), and a bool as micrograd
        Target("Value", ad.Value, dict(data=1.0, label="v"),
               skip={"label": ("str", "digit str"), "data": ("nan", "True")}),
        # ---------------------------------------------------------------- layers
        Target("Linear", nn.Linear, dict(in_features=2, out_features=3, bias=True, rng=0),
               nullable=("rng",)),
        Target("Conv2d", nn.Conv2d, dict(in_channels=1, out_channels=2, kernel_size=3,
                                         stride=1, padding=0, dilation=1, bias=True)),
        Target("MaxPool2d", nn.MaxPool2d, dict(kernel_size=2, stride=2, padding=0,
                                               dilation=1), nullable=("stride",)),
        Target("BatchNorm1d", nn.BatchNorm1d, dict(num_features=3, eps=1e-5, momentum=0.1,
                                                   affine=True, track_running_stats=True),
               nullable=("momentum",)),
        Target("Dropout", nn.Dropout, dict(p=0.5, rng=0), nullable=("rng",)),
        Target("Flatten", nn.Flatten, dict(start_dim=1, end_dim=-1)),
        Target("LeakyReLU", nn.LeakyReLU, dict(negative_slope=0.01)),
        Target("PReLU", nn.PReLU, dict(num_parameters=1, init=0.25)),
        Target("ReLU", nn.ReLU, dict(inplace=False)),
        Target("Softmax", nn.Softmax, dict(dim=-1)),
        Target("LogSoftmax", nn.LogSoftmax, dict(dim=-1), says="Softmax"),
        # a random size (up to 10**6) is valid for a scalar network, and slow to build
        Target("MLP", nn.MLP, dict(nin=2, nouts=[3, 1], activation="relu",
                                   output_activation="linear", rng=0), nullable=("rng",),
               skip={"nin": ("random int",)}),
        Target("Neuron", nn.Neuron, dict(nin=2, activation="relu", rng=0), nullable=("rng",)),
        Target("Layer", nn.Layer, dict(nin=2, nout=2, activation="relu", rng=0),
               nullable=("rng",), skip={"nin": ("random int",), "nout": ("random int",)}),
        Target("Module.train", lambda mode: _model().train(mode), dict(mode=True), says="train"),
        # ---------------------------------------------------------------- losses
        Target("mse_loss", L.mse_loss, dict(input=T(2), target=np.zeros(2), reduction="mean")),
        Target("l1_loss", L.l1_loss, dict(input=T(2), target=np.zeros(2), reduction="mean")),
        Target("huber_loss", L.huber_loss, dict(input=T(2), target=np.zeros(2),
                                                reduction="mean", delta=1.0)),
        Target("cross_entropy", L.cross_entropy, dict(input=T(2, 3), target=cls,
                                                      ignore_index=-100, reduction="mean",
                                                      label_smoothing=0.1)),
        Target("nll_loss", L.nll_loss, dict(input=T(2, 3), target=cls, ignore_index=-100,
                                            reduction="mean")),
        Target("binary_cross_entropy", L.binary_cross_entropy,
               dict(input=ad.tensor([0.2, 0.7]), target=np.array([0.0, 1.0]),
                    reduction="mean")),
        Target("binary_cross_entropy_with_logits", L.binary_cross_entropy_with_logits,
               dict(input=T(2), target=np.array([0.0, 1.0]), reduction="mean")),
        Target("gaussian_nll_loss", L.gaussian_nll_loss,
               dict(input=T(2), target=np.zeros(2), var=1.0, full=False, eps=1e-6,
                    reduction="mean")),
        Target("HuberLoss", nn.HuberLoss, dict(reduction="mean", delta=1.0)),
        Target("CrossEntropyLoss", nn.CrossEntropyLoss, dict(ignore_index=-100,
                                                             reduction="mean",
                                                             label_smoothing=0.0)),
        Target("GaussianNLLLoss", nn.GaussianNLLLoss, dict(full=False, eps=1e-6,
                                                           reduction="mean")),
        Target("MSELoss", nn.MSELoss, dict(reduction="mean")),
        # ---------------------------------------------------------------- optimizers
        Target("SGD", optim.SGD, dict(params=[T(2)], lr=0.1, momentum=0.9, dampening=0.0,
                                      weight_decay=0.0, nesterov=False, maximize=False)),
        Target("Adam", optim.Adam, dict(params=[T(2)], lr=1e-3, betas=(0.9, 0.999), eps=1e-8,
                                        weight_decay=0.0, amsgrad=False)),
        Target("AdamW", optim.AdamW, dict(params=[T(2)], lr=1e-3, weight_decay=0.01)),
        Target("RMSprop", optim.RMSprop, dict(params=[T(2)], lr=1e-2, alpha=0.99, eps=1e-8,
                                              momentum=0.0, centered=False)),
        Target("Adagrad", optim.Adagrad, dict(params=[T(2)], lr=1e-2, lr_decay=0.0,
                                              initial_accumulator_value=0.0, eps=1e-10)),
        Target("LBFGS", optim.LBFGS, dict(params=[T(2)], lr=1.0, max_iter=20,
                                          history_size=10)),
        Target("BFGS", optim.BFGS, dict(params=[T(2)], lr=1.0)),
        Target("ConjugateGradient", optim.ConjugateGradient, dict(params=[T(2)], lr=1.0)),
        Target("Newton", optim.Newton, dict(params=[T(2)], lr=1.0)),
        Target("LevenbergMarquardt", optim.LevenbergMarquardt, dict(params=[T(2)])),
        Target("StepLR", lambda **k: _sched(optim.StepLR, **k), dict(step_size=2, gamma=0.5)),
        Target("ExponentialLR", lambda **k: _sched(optim.ExponentialLR, **k), dict(gamma=0.9)),
        Target("CosineAnnealingLR", lambda **k: _sched(optim.CosineAnnealingLR, **k),
               dict(T_max=10, eta_min=0.0)),
        Target("ReduceLROnPlateau", lambda **k: _sched(optim.ReduceLROnPlateau, **k),
               dict(mode="min", factor=0.1, patience=10, threshold=1e-4,
                    threshold_mode="rel", cooldown=0, min_lr=0.0, eps=1e-8)),
        # ---------------------------------------------------------------- data
        Target("TensorDataset", lambda a, b: TensorDataset(a, b),
               dict(a=np.zeros((4, 2)), b=np.zeros(4))),
        Target("DataLoader", lambda **k: DataLoader(TensorDataset(np.zeros((4, 2))), **k),
               dict(batch_size=2, shuffle=True, drop_last=False, rng=0, output="tensor"),
               nullable=("batch_size", "rng")),
        Target("train_val_test_split", lambda **k: train_val_test_split(np.zeros((10, 2)),
                                                                          **k),
               dict(fractions=(0.6, 0.2, 0.2), seed=0, shuffle=True), nullable=("seed",)),
        Target("Standardizer", lambda **k: Standardizer(**k).fit(np.zeros((3, 2))),
               dict(columns=[0]), nullable=("columns",)),
        Target("one_hot", one_hot, dict(labels=np.array([0, 1]), num_classes=3),
               nullable=("num_classes",)),
        Target("moons", nn.datasets.moons, dict(n=20, noise=0.1, seed=0), nullable=("seed",)),
        Target("house_prices", nn.datasets.house_prices, dict(n=20, seed=0, noise_std=0.1),
               nullable=("seed",)),
        # ---------------------------------------------------------------- init, metrics, utils
        Target("init.uniform", init.uniform, dict(shape=(2, 3), a=0.0, b=1.0, rng=0),
               says="init", nullable=("rng",)),
        Target("init.normal", init.normal, dict(shape=(2, 3), mean=0.0, std=1.0, rng=0),
               says="init", nullable=("rng",)),
        Target("init.constant", init.constant, dict(shape=(2, 3), val=1.0), says="init"),
        Target("init.xavier_uniform", init.xavier_uniform, dict(shape=(2, 3), gain=1.0),
               says="init"),
        Target("init.kaiming_uniform", init.kaiming_uniform,
               dict(shape=(2, 3), a=0.0, mode="fan_in", nonlinearity="leaky_relu"),
               says="init"),
        Target("calculate_gain", init.calculate_gain, dict(nonlinearity="leaky_relu",
                                                           param=0.2), nullable=("param",)),
        Target("accuracy", metrics.accuracy, dict(pred=np.array([0, 1]), target=cls)),
        Target("confusion_matrix", metrics.confusion_matrix,
               dict(pred=np.array([0, 1]), target=cls, num_classes=2),
               nullable=("num_classes",)),
        Target("mse", metrics.mse, dict(pred=np.zeros(2), target=np.zeros(2))),
        Target("clip_grad_norm_", nn.clip_grad_norm_, dict(parameters=[T(2)], max_norm=1.0,
                                                          norm_type=2.0)),
        Target("clip_grad_value_", nn.clip_grad_value_, dict(parameters=[T(2)],
                                                            clip_value=1.0)),
        # ---------------------------------------------------------------- training
        Target("fit", _fit, dict(model=None, loss_fn=L.mse_loss, optimizer=None,
                                 train_loader=None, epochs=1, log_every=None,
                                 early_stopping=None, checkpoint_every=1),
               nullable=("model", "optimizer", "train_loader", "log_every", "early_stopping"),
               # epochs is any count: a huge or random one is valid, and runs that long
               skip={"epochs": ("huge int", "2**33", "random int")}),
        Target("EarlyStopping", nn.EarlyStopping, dict(patience=3, min_delta=0.0,
                                                       monitor="val_loss", mode="min",
                                                       restore_best=True),
               skip={"monitor": ("str", "digit str")}),  # any logged name is valid here
        Target("evaluate", lambda **k: nn.evaluate(_model(), _loader(), **k),
               dict(metrics=["mse"]), nullable=("metrics",)),
    ]


def garbage(seed: int) -> list[tuple[str, Any]]:
    """(label, value) pairs: the fixed garbage and a few values drawn from ``seed``."""
    rng = np.random.default_rng(seed)
    fixed = [
        ("None", None), ("str", "abc"), ("digit str", "1"), ("bytes", b"xy"),
        ("half", 0.5), ("-1", -1), ("huge int", 10**100), ("-huge int", -10**100),
        ("2**33", 2**33), ("inf", math.inf), ("-inf", -math.inf), ("nan", math.nan),
        ("complex", 1j), ("np complex", np.complex128(1 + 1j)), ("True", True),
        ("empty list", []), ("empty tuple", ()), ("dict", {"a": 1}), ("object", object()),
        ("mixed list", [1, "a"]), ("1e300", 1e300),
    ]
    drawn = [("random int", int(rng.integers(-10**6, 10**6))),
             ("random float", float(rng.normal() * 1e3))]
    return fixed + drawn


#: garbage labels that no argument of the kind of a valid value accepts
WRONG_FOR = {
    "int": {"str", "digit str", "bytes", "half", "inf", "-inf", "nan", "complex", "np complex",
            "True", "dict", "object", "mixed list", "1e300", "random float", "None"},
    "float": {"str", "digit str", "bytes", "nan", "complex", "np complex", "True", "dict",
              "object", "mixed list", "None", "empty list", "empty tuple"},
    "bool": {"str", "digit str", "bytes", "half", "nan", "complex", "np complex", "dict",
             "object", "mixed list", "None", "huge int", "inf", "1e300", "random float"},
    "str": {"bytes", "half", "huge int", "nan", "complex", "np complex", "True", "dict",
            "object", "None", "inf", "str", "digit str"},
    "callable": {"str", "bytes", "half", "huge int", "nan", "complex", "True", "dict",
                 "object", "None", "inf"},
}


def kind(value: Any) -> str:
    """The kind of a valid argument value, for judging what garbage it must refuse."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "str"
    if callable(value) and not isinstance(value, type):
        return "callable"
    return "other"


ACCEPTED_ERRORS = (TypeError, ValueError, ad.GradcheckError, ad.AnomalyError, nn.CheckpointError)


def classify(target: Target, arg: str, label: str, value: Any) -> tuple[str, str]:
    """(outcome, detail) of one call with ``arg`` replaced by ``value``."""
    args = {**target.args, arg: value}
    signal.alarm(TIME_LIMIT_S)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            target.call(**args)
    except Hang:
        return "hang", ""
    except ACCEPTED_ERRORS as error:
        fragment = (target.says or target.name.rsplit(".", 1)[-1]).lower()
        if fragment not in str(error).lower():
            return "vague", f"{type(error).__name__}: {str(error)[:100]}"
        return "clear", ""
    except IndexError as error:  # an index out of range: as numpy and PyTorch
        return "crash", f"IndexError: {str(error)[:100]}"
    except Exception as error:  # noqa: BLE001 - counting them is the point
        return "crash", f"{type(error).__name__}: {str(error)[:100]}"
    finally:
        signal.alarm(0)
    valid_none = value is None and (arg in target.nullable or target.args[arg] is None)
    wrong = label in WRONG_FOR.get(kind(target.args[arg]), set()) and not valid_none
    wrong = wrong and label not in target.skip.get(arg, ())
    return ("accepted", "") if wrong else ("returned", "")


def main(argv: list[str] | None = None) -> int:
    """Run the fuzz; print the counts and the calls of the outcomes asked for."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--show", default="crash,hang,vague,accepted",
                        help="outcomes whose calls to list (comma-separated)")
    parser.add_argument("--only", default="",
                        help="fuzz only the targets whose name starts with one of these "
                             "(comma-separated), e.g. Conv2d,init.")
    options = parser.parse_args(argv)
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))

    def on_alarm(signum: int, frame: Any) -> None:
        raise Hang

    signal.signal(signal.SIGALRM, on_alarm)
    ad.manual_seed(options.seed)
    counts: Counter[str] = Counter()
    shown = set(options.show.split(","))
    pairs: dict[str, set[tuple[str, str]]] = {}
    only = tuple(filter(None, options.only.split(",")))
    for target in targets():
        if only and not target.name.startswith(only):
            continue
        for arg in target.args:
            for label, value in garbage(options.seed):
                if label in target.skip.get(arg, ()):
                    continue
                outcome, detail = classify(target, arg, label, value)
                counts[outcome] += 1
                pairs.setdefault(outcome, set()).add((target.name, arg))
                if outcome in shown:
                    print(f"{outcome:8s} {target.name}({arg}={label}) {detail}")
    total = sum(counts.values())
    print(f"\n{total} calls: " + ", ".join(f"{k} {counts[k]}" for k in
                                              ("clear", "returned", "vague", "crash", "hang",
                                               "accepted")))
    print("(function, argument) pairs: " + ", ".join(
        f"{k} {len(pairs.get(k, ()))}" for k in ("vague", "crash", "hang", "accepted")))
    return 1 if counts["crash"] or counts["hang"] or counts["accepted"] or counts["vague"] else 0


if __name__ == "__main__":
    sys.exit(main())
