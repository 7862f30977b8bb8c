"""numpy functions on Tensors either run the Tensor op (recording the graph) or refuse."""

from __future__ import annotations

import numpy as np
import pytest

import autodiff as ad

A = np.array([[1.0, -2.0, 3.0], [0.5, 4.0, -1.0]])

# numpy call on a Tensor -> the same computation written with Tensor ops
DISPATCHED = {
    "concatenate": (lambda t: np.concatenate([t, t]), lambda t: ad.concatenate([t, t])),
    "concatenate axis=None": (lambda t: np.concatenate([t, t], axis=None),
                              lambda t: ad.concatenate([t.reshape(-1), t.reshape(-1)])),
    "stack": (lambda t: np.stack([t, t * 2.0], axis=1), lambda t: ad.stack([t, t * 2.0], 1)),
    "sum": (lambda t: np.sum(t, axis=1), lambda t: t.sum(axis=1)),
    "mean keepdims": (lambda t: np.mean(t, axis=0, keepdims=True),
                      lambda t: t.mean(axis=0, keepdims=True)),
    "prod": (lambda t: np.prod(t), lambda t: t.prod()),
    "max": (lambda t: np.max(t, axis=1), lambda t: t.max(axis=1)),
    "amin": (lambda t: np.amin(t, axis=0), lambda t: t.min(axis=0)),
    "var ddof": (lambda t: np.var(t, ddof=1), lambda t: t.var(ddof=1)),
    "std": (lambda t: np.std(t, axis=1), lambda t: t.std(axis=1)),
    "dot": (lambda t: np.dot(t, t.T), lambda t: t @ t.T),
    "dot vector": (lambda t: np.dot(t[0], t[1]), lambda t: t[0] @ t[1]),
    "where": (lambda t: np.where(A > 0, t, -t), lambda t: ad.where(A > 0, t, -t)),
    "clip": (lambda t: np.clip(t, -1.0, 2.0), lambda t: t.clip(-1.0, 2.0)),
    "reshape": (lambda t: np.reshape(t, (3, 2)), lambda t: t.reshape(3, 2)),
    "transpose": (lambda t: np.transpose(t), lambda t: t.T),
    "swapaxes": (lambda t: np.swapaxes(t, 0, 1), lambda t: t.swapaxes(0, 1)),
    "expand_dims": (lambda t: np.expand_dims(t, 0), lambda t: t.unsqueeze(0)),
    "squeeze": (lambda t: np.squeeze(np.expand_dims(t, 0)), lambda t: t),
    "broadcast_to": (lambda t: np.broadcast_to(t, (4, 2, 3)), lambda t: t.broadcast_to((4, 2, 3))),
    "pad": (lambda t: np.pad(t, 1, constant_values=0.5), lambda t: ad.pad(t, 1, value=0.5)),
    "split": (lambda t: np.split(t, 3, axis=1)[1], lambda t: ad.split(t, 3, axis=1)[1]),
}


@pytest.mark.parametrize("name", sorted(DISPATCHED))
def test_a_numpy_function_with_a_tensor_op_runs_it_and_keeps_the_graph(name: str) -> None:
    via_numpy, via_ops = DISPATCHED[name]
    x, y = ad.tensor(A, requires_grad=True), ad.tensor(A, requires_grad=True)
    out, expected = via_numpy(x), via_ops(y)
    assert isinstance(out, ad.Tensor) and out.requires_grad, type(out)
    np.testing.assert_allclose(out.data, expected.data)
    weights = np.random.default_rng(0).standard_normal(out.shape)
    (out * weights).sum().backward()
    (expected * weights).sum().backward()
    np.testing.assert_allclose(x.grad, y.grad)


def test_shape_ndim_and_size_answer_plainly() -> None:
    x = ad.tensor(A)
    assert (np.shape(x), np.ndim(x), np.size(x), np.size(x, 1)) == ((2, 3), 2, 6, 3)


REFUSED = {
    "cumsum": (lambda t: np.cumsum(t), "cumsum"),
    "einsum": (lambda t: np.einsum("ij->j", t), "einsum"),
    "outer": (lambda t: np.outer(t, t), "outer"),
    "argmax": (lambda t: np.argmax(t), "argmax"),
    "linalg.norm": (lambda t: np.linalg.norm(t), "norm"),
    "sum with dtype": (lambda t: np.sum(t, dtype=np.float32), "sum"),
    "dot of 3-d": (lambda t: np.dot(t.reshape(1, 2, 3), t.T), "dot"),
    "pad reflect": (lambda t: np.pad(t, 1, mode="reflect"), "pad"),
    "sort": (lambda t: np.sort(t), "sort"),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_any_other_numpy_function_refuses_naming_itself(name: str) -> None:
    call, function = REFUSED[name]
    with pytest.raises(TypeError, match=function):
        call(ad.tensor(A, requires_grad=True))


def test_plain_arrays_are_untouched() -> None:
    assert isinstance(np.concatenate([A, A]), np.ndarray)
