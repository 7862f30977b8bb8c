"""Losses: hand-computed values, closed-form gradients, extreme inputs, the maximum-likelihood
identities (checked against scipy.stats), scalar Value models, errors."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import special, stats

import autodiff as ad
import nn
from nn import functional as F


def t(data, grad=True):
    return ad.Tensor(np.asarray(data, dtype=np.float64), requires_grad=grad)


# ------------------------------------------------------------------------------ regression
def test_mse_l1_huber_hand_values_and_reductions():
    y, target = t([1.0, 2.0, 5.0]), np.array([0.0, 2.5, 2.0])
    assert F.mse_loss(y, target).item() == pytest.approx((1 + 0.25 + 9) / 3)
    assert F.mse_loss(y, target, reduction="sum").item() == pytest.approx(10.25)
    np.testing.assert_allclose(F.mse_loss(y, target, reduction="none").data, [1, 0.25, 9])
    assert F.l1_loss(y, target).item() == pytest.approx((1 + 0.5 + 3) / 3)
    # Huber, delta=1: 0.5*1^2 (|d| = 1 is on the linear side: 1*(1-0.5) = 0.5 too), 0.125, 2.5
    np.testing.assert_allclose(F.huber_loss(y, target, reduction="none").data, [0.5, 0.125, 2.5])
    np.testing.assert_allclose(F.huber_loss(y, target, reduction="none", delta=2.0).data,
                               [0.5, 0.125, 2 * (3 - 1)])
    F.mse_loss(y, target).backward()
    np.testing.assert_allclose(y.grad, 2 * (y.data - target) / 3)  # closed form
    y.grad = None
    F.huber_loss(y, target, reduction="sum").backward()
    np.testing.assert_allclose(y.grad, np.clip(y.data - target, -1, 1))


def test_modules_equal_functions_and_validate_reduction():
    y, target = t(np.linspace(-1, 1, 6).reshape(2, 3)), np.ones((2, 3))
    assert nn.MSELoss()(y, target).item() == F.mse_loss(y, target).item()
    assert nn.L1Loss(reduction="sum")(y, target).item() == F.l1_loss(y, target, "sum").item()
    assert nn.HuberLoss(delta=0.5)(y, target).item() == F.huber_loss(y, target,
                                                                      delta=0.5).item()
    with pytest.raises(ValueError, match="reduction"):
        nn.MSELoss(reduction="avg")
    with pytest.raises(ValueError, match="HuberLoss: delta must be a finite number > 0"):
        nn.HuberLoss(delta=-1.0)  # at construction, not at the first call
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(3,\)"):
        F.mse_loss(y, np.ones(3))


# ------------------------------------------------------------------------------ binary
def test_bce_hand_values_clamp_and_errors():
    p = t([0.9, 0.2])
    loss = F.binary_cross_entropy(p, np.array([1.0, 0.0]))
    assert loss.item() == pytest.approx(-(math.log(0.9) + math.log(0.8)) / 2)
    loss.backward()
    np.testing.assert_allclose(p.grad, [-1 / 0.9 / 2, 1 / 0.8 / 2])
    # log clamped at -100, like PyTorch: p = 0 for a positive costs 100, not inf
    p = t([0.0, 1.0, 1.0, 0.0])
    loss = nn.BCELoss(reduction="none")(p, np.array([1.0, 0.0, 1.0, 0.0]))
    np.testing.assert_allclose(loss.data, [100.0, 100.0, 0.0, 0.0])
    loss.sum().backward()
    assert np.all(np.isfinite(p.grad))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        F.binary_cross_entropy(t([1.5]), np.array([1.0]))


def test_bce_with_logits_matches_bce_of_sigmoid_and_is_stable():
    z = t([-3.0, -0.5, 0.0, 0.7, 4.0])
    y = np.array([0.0, 1.0, 1.0, 0.0, 1.0])
    expected = F.binary_cross_entropy(t(special.expit(z.data), False), y).item()
    loss = F.binary_cross_entropy_with_logits(z, y)
    assert loss.item() == pytest.approx(expected, rel=1e-12)
    loss.backward()
    np.testing.assert_allclose(z.grad, (special.expit(z.data) - y) / 5, atol=1e-15)
    big = t([1000.0, -1000.0, 1000.0, -1000.0])
    yb = np.array([0.0, 1.0, 1.0, 0.0])
    loss = nn.BCEWithLogitsLoss(reduction="none")(big, yb)
    np.testing.assert_allclose(loss.data, [1000.0, 1000.0, 0.0, 0.0])
    loss.sum().backward()
    np.testing.assert_allclose(big.grad, [1.0, -1.0, 0.0, 0.0])
    # pos_weight multiplies the positive term
    pw = F.binary_cross_entropy_with_logits(t([0.3], False), np.array([1.0]), pos_weight=3.0)
    assert pw.item() == pytest.approx(3 * math.log1p(math.exp(-0.3)))


# ------------------------------------------------------------------------------ categorical
def test_cross_entropy_hand_value_and_gradient_softmax_minus_onehot():
    z = t([[1.0, 2.0, 3.0], [1.0, 0.0, -1.0]])
    y = np.array([2, 1])
    loss = F.cross_entropy(z, y)
    lse = np.log(np.exp(z.data).sum(1))
    assert loss.item() == pytest.approx(((lse[0] - 3.0) + (lse[1] - 0.0)) / 2)
    loss.backward()
    np.testing.assert_allclose(z.grad, (special.softmax(z.data, 1) - np.eye(3)[y]) / 2)
    assert nn.CrossEntropyLoss()(z, y).item() == loss.item()
    # unbatched (C,) input with a 0-d target
    assert F.cross_entropy(t([1.0, 2.0, 3.0]), np.array(2)).item() == pytest.approx(
        lse[0] - 3.0)


def test_cross_entropy_extreme_logits_are_finite():
    z = t([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 1000.0]])
    loss = F.cross_entropy(z, np.array([1, 2]), reduction="none")
    np.testing.assert_allclose(loss.data, [2000.0, math.log(2)])
    loss.sum().backward()
    np.testing.assert_allclose(z.grad, [[1, -1, 0], [0, 0.5, -0.5]], atol=1e-12)
    zp = t([[1000.0, -1000.0]])
    F.cross_entropy(zp, np.array([[0.25, 0.75]])).backward()
    assert np.all(np.isfinite(zp.grad))


def test_cross_entropy_weights_ignore_index_label_smoothing():
    rng = np.random.default_rng(0)
    z = t(rng.normal(size=(5, 4)))
    y = np.array([0, 3, -100, 2, 3])
    w = np.array([1.0, 2.0, 0.5, 3.0])
    logp = z.data - special.logsumexp(z.data, axis=1, keepdims=True)
    keep = y != -100
    wy = w[np.where(keep, y, 0)] * keep
    nll = -logp[np.arange(5), np.where(keep, y, 0)]
    assert F.cross_entropy(z, y, weight=w).item() == pytest.approx((wy * nll).sum() / wy.sum())
    eps = 0.2
    smooth = -(logp * w).sum(1) * keep
    per = (1 - eps) * wy * nll + eps / 4 * smooth
    np.testing.assert_allclose(
        F.cross_entropy(z, y, weight=w, label_smoothing=eps, reduction="none").data, per)
    assert F.cross_entropy(z, y, weight=w, label_smoothing=eps).item() == pytest.approx(
        per.sum() / wy.sum())
    # ignored rows get no gradient
    F.cross_entropy(z, y).backward()
    np.testing.assert_array_equal(z.grad[2], 0.0)


def test_cross_entropy_probability_targets_and_k_dim_input():
    rng = np.random.default_rng(1)
    z = t(rng.normal(size=(3, 4)))
    p = special.softmax(rng.normal(size=(3, 4)), axis=1)
    logq = z.data - special.logsumexp(z.data, axis=1, keepdims=True)
    assert F.cross_entropy(z, p).item() == pytest.approx(-(p * logq).sum(1).mean())
    eps = 0.1
    ps = p * (1 - eps) + eps / 4
    assert F.cross_entropy(z, p, label_smoothing=eps).item() == pytest.approx(
        -(ps * logq).sum(1).mean())
    # one-hot probabilities give the same loss as class indices
    y = np.array([1, 0, 3])
    assert F.cross_entropy(z, np.eye(4)[y]).item() == pytest.approx(F.cross_entropy(z, y).item())
    # (N, C, d) input equals the flattened (N*d, C) problem
    z3 = rng.normal(size=(2, 4, 3))
    y3 = rng.integers(0, 4, size=(2, 3))
    flat = F.cross_entropy(t(z3.transpose(0, 2, 1).reshape(6, 4)), y3.reshape(6))
    assert F.cross_entropy(t(z3), y3).item() == pytest.approx(flat.item())
    assert F.cross_entropy(t(z3), y3, reduction="none").shape == (2, 3)


def test_cross_entropy_bad_targets_raise_clear_errors():
    z = t(np.zeros((3, 4)))
    with pytest.raises(ValueError, match=r"-1 is out of range for 4 classes; valid: 0..3"):
        F.cross_entropy(z, np.array([0, -1, 2]))  # numpy would silently wrap -1
    with pytest.raises(ValueError, match="4 is out of range"):
        F.cross_entropy(z, np.array([0, 4, 2]))
    with pytest.raises(TypeError, match="integer dtype"):
        F.cross_entropy(z, np.array([0.0, 1.0, 2.0]))
    with pytest.raises(ValueError, match="target shape"):
        F.cross_entropy(z, np.array([0, 1]))
    with pytest.raises(ValueError, match="out of range"):
        F.nll_loss(z, np.array([0, 1, -2]))


def test_nll_loss_equals_cross_entropy_of_log_softmax():
    rng = np.random.default_rng(2)
    z = t(rng.normal(size=(4, 3)))
    y = np.array([2, 0, 1, 1])
    w = np.array([0.2, 1.0, 3.0])
    a = nn.NLLLoss(weight=w)(F.log_softmax(z, dim=1), y)
    b = nn.CrossEntropyLoss(weight=w)(z, y)
    assert a.item() == pytest.approx(b.item(), rel=1e-13)
    assert F.nll_loss(t([[-1.0, -2.0]]), np.array([1]), reduction="sum").item() == 2.0


# ------------------------------------------------------------------------------ Gaussian NLL
def test_gaussian_nll_hand_values_shapes_and_errors():
    mu, target, var = t([[1.0, 2.0]]), np.array([[0.0, 4.0]]), t([[0.5, 2.0]])
    per = 0.5 * (np.log([0.5, 2.0]) + np.array([1.0, 4.0]) / [0.5, 2.0])
    loss = nn.GaussianNLLLoss(reduction="none")(mu, target, var)
    np.testing.assert_allclose(loss.data, [per])
    full = F.gaussian_nll_loss(mu, target, var, full=True, reduction="sum")
    assert full.item() == pytest.approx(per.sum() + math.log(2 * math.pi))
    full.backward()
    np.testing.assert_allclose(var.grad, [0.5 * (1 / np.array([0.5, 2.0])
                                                 - np.array([1.0, 4.0]) / np.array([0.25, 4.0]))])
    # one variance per row: shape (N,) or (N, 1)
    shared = F.gaussian_nll_loss(mu, target, np.array([1.0]), reduction="sum").item()
    assert shared == pytest.approx(F.gaussian_nll_loss(mu, target, np.ones((1, 1)),
                                                       reduction="sum").item())
    with pytest.raises(ValueError, match="negative"):
        F.gaussian_nll_loss(mu, target, np.array([[-1.0, 1.0]]))
    with pytest.raises(ValueError, match="var shape"):
        F.gaussian_nll_loss(mu, target, np.ones((3,)))


# ------------------------------------------------------------------------------ ML identities
def test_mse_is_gaussian_nll_with_fixed_variance():
    rng = np.random.default_rng(3)
    y, target, sigma = rng.normal(size=50), rng.normal(size=50), 0.7
    nll = -stats.norm.logpdf(target, loc=y, scale=sigma).sum()
    mse = F.mse_loss(t(y, False), target).item()
    n = len(y)
    assert nll == pytest.approx(n * mse / (2 * sigma**2) + n * math.log(sigma)
                                + n / 2 * math.log(2 * math.pi), rel=1e-12)
    g = F.gaussian_nll_loss(t(y, False), target, np.full(50, sigma**2), full=True,
                            reduction="sum")
    assert g.item() == pytest.approx(nll, rel=1e-12)
    # same minimiser: the gradients are proportional
    a, b = t(y), t(y)
    F.mse_loss(a, target).backward()
    F.gaussian_nll_loss(b, target, np.ones(50), reduction="sum").backward()
    np.testing.assert_allclose(b.grad, a.grad * n / 2)


def test_l1_is_laplace_nll_with_fixed_scale():
    rng = np.random.default_rng(4)
    y, target, scale = rng.normal(size=40), rng.normal(size=40), 1.3
    nll = -stats.laplace.logpdf(target, loc=y, scale=scale).sum()
    l1 = F.l1_loss(t(y, False), target, reduction="sum").item()
    assert nll == pytest.approx(l1 / scale + 40 * math.log(2 * scale), rel=1e-12)


def test_cross_entropy_is_categorical_nll_and_bce_is_bernoulli_nll():
    rng = np.random.default_rng(5)
    z, y = rng.normal(size=(20, 5)), rng.integers(0, 5, size=20)
    probs = special.softmax(z, axis=1)
    likelihood = stats.multinomial.pmf(np.eye(5)[y], n=1, p=probs)  # p(y_i | x_i)
    ce = F.cross_entropy(t(z, False), y, reduction="sum").item()
    assert ce == pytest.approx(-np.log(likelihood).sum(), rel=1e-10)
    # probability targets: cross-entropy H(p, q) = KL(p || q) + H(p)
    p = special.softmax(rng.normal(size=(20, 5)), axis=1)
    h = F.cross_entropy(t(z, False), p, reduction="none").data
    np.testing.assert_allclose(h, stats.entropy(p, probs, axis=1) + stats.entropy(p, axis=1))
    q, b = rng.uniform(0.01, 0.99, size=30), rng.integers(0, 2, size=30).astype(float)
    bce = F.binary_cross_entropy(t(q, False), b, reduction="sum").item()
    assert bce == pytest.approx(-stats.bernoulli.logpmf(b, q).sum(), rel=1e-12)


# ------------------------------------------------------------------------------ scalar models
def test_losses_on_scalar_values_match_tensors():
    preds, targets = [0.3, -1.2, 2.0], [0.0, -1.0, 3.0]
    for fn, tensor_fn, inputs in [
        (nn.MSELoss(), F.mse_loss, preds),
        (nn.L1Loss(), F.l1_loss, preds),
        (nn.HuberLoss(), F.huber_loss, preds),
        (nn.BCEWithLogitsLoss(), F.binary_cross_entropy_with_logits, preds),
        (nn.BCELoss(), F.binary_cross_entropy, [0.2, 0.7, 0.99]),
    ]:
        tg = targets if fn.__class__ not in (nn.BCELoss, nn.BCEWithLogitsLoss) else [0, 1, 1]
        vs = [ad.Value(v) for v in inputs]
        loss = fn(vs, tg)
        loss.backward()
        xt = t(inputs)
        ref = tensor_fn(xt, np.asarray(tg, dtype=float))
        ref.backward()
        assert loss.data == pytest.approx(ref.item(), rel=1e-12), type(fn).__name__
        np.testing.assert_allclose([v.grad for v in vs], xt.grad, rtol=1e-10)


def test_cross_entropy_on_scalar_values():
    rows = [[1.0, 2.0, 3.0], [1000.0, -1000.0, 0.0]]
    y = [0, 1]
    vs = [[ad.Value(v) for v in r] for r in rows]
    loss = F.cross_entropy(vs, y)
    loss.backward()
    zt = t(rows)
    ref = F.cross_entropy(zt, np.array(y))
    ref.backward()
    assert loss.data == pytest.approx(ref.item(), rel=1e-12)
    np.testing.assert_allclose([[v.grad for v in r] for r in vs], zt.grad, atol=1e-12)
    smooth = F.cross_entropy(vs, y, label_smoothing=0.1).data
    assert smooth == pytest.approx(F.cross_entropy(zt, np.array(y), label_smoothing=0.1).item())
    single = F.cross_entropy([ad.Value(0.0), ad.Value(0.0)], 1)
    assert single.data == pytest.approx(math.log(2))
    with pytest.raises(ValueError, match="out of range"):
        F.cross_entropy(vs, [0, -1])


def test_scalar_extreme_logits_are_finite():
    z = [ad.Value(1000.0), ad.Value(-1000.0)]
    loss = F.binary_cross_entropy_with_logits(z, [0, 1], reduction="sum")
    loss.backward()
    assert loss.data == pytest.approx(2000.0)
    assert [v.grad for v in z] == pytest.approx([1.0, -1.0])


# ------------------------------------------------------------------------------ second order
def test_loss_hessians_match_closed_forms():
    """Losses are built from differentiable ops, so Newton-type optimizers get exact Hessians."""
    z = ad.tensor([0.5, -1.0, 2.0])
    p = special.softmax(z.data)
    h = ad.hessian(lambda v: F.cross_entropy(v, np.array(1)), z)
    np.testing.assert_allclose(h.data, np.diag(p) - np.outer(p, p), atol=1e-14)
    s = special.expit(z.data)
    h = ad.hessian(lambda v: F.binary_cross_entropy_with_logits(v, np.array([1.0, 0.0, 1.0]),
                                                                reduction="sum"), z)
    np.testing.assert_allclose(h.data, np.diag(s * (1 - s)), atol=1e-14)
    h = ad.hessian(lambda v: F.mse_loss(v, np.zeros(3)), z)
    np.testing.assert_allclose(h.data, 2 / 3 * np.eye(3), atol=1e-14)


@settings(max_examples=50, deadline=None)
@given(z=hnp.arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(2, 5)),
                    elements=st.floats(-1000, 1000)),
       seed=st.integers(0, 2**16))
def test_cross_entropy_property_finite_with_gradient_softmax_minus_onehot(z, seed):
    y = np.random.default_rng(seed).integers(0, z.shape[1], size=z.shape[0])
    zt = t(z)
    loss = F.cross_entropy(zt, y, reduction="sum")
    loss.backward()
    assert np.isfinite(loss.item()) and loss.item() >= -1e-9
    assert loss.item() == pytest.approx((special.logsumexp(z, axis=1) - z[np.arange(len(y)), y])
                                        .sum(), rel=1e-9, abs=1e-9)
    np.testing.assert_allclose(zt.grad, special.softmax(z, axis=1) - np.eye(z.shape[1])[y],
                               atol=1e-12)
