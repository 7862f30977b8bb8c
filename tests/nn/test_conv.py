"""Conv2d and MaxPool2d against naive loop implementations; gradients against central
differences (float64); PyTorch's output sizes, default init and error messages."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nn_numeric import numgrad

import autodiff as ad
from nn import functional as F
from nn.layers import Flatten, Linear, ReLU, Sequential
from nn.layers.conv import Conv2d, MaxPool2d


def naive_conv2d(x, w, b, stride, pad, dil):
    """Direct loops over output pixels: out[n, o, i, j] = sum x_pad[n, c, ...] * w[o, c, ...]."""
    (sh, sw), (ph, pw), (dh, dw) = stride, pad, dil
    n, c, h, wd = x.shape
    o, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    oh = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    ow = (wd + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    out = np.zeros((n, o, oh, ow))
    for b_ in range(n):
        for oc in range(o):
            for i in range(oh):
                for j in range(ow):
                    s = 0.0
                    for ci in range(c):
                        for ki in range(kh):
                            for kj in range(kw):
                                s += xp[b_, ci, i * sh + ki * dh, j * sw + kj * dw] * w[oc, ci,
                                                                                      ki, kj]
                    out[b_, oc, i, j] = s + (0.0 if b is None else b[oc])
    return out


def naive_max_pool2d(x, k, stride, pad, grad_out=None):
    """Loops over windows; the gradient goes to the first maximal element of each window."""
    (kh, kw), (sh, sw), (ph, pw) = k, stride, pad
    n, c, h, w = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=-np.inf)
    oh, ow = (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1
    out = np.zeros((n, c, oh, ow))
    gx = np.zeros_like(xp)
    for b in range(n):
        for ch in range(c):
            for i in range(oh):
                for j in range(ow):
                    win = xp[b, ch, i * sh:i * sh + kh, j * sw:j * sw + kw]
                    a = np.unravel_index(np.argmax(win), win.shape)
                    out[b, ch, i, j] = win[a]
                    if grad_out is not None:
                        gx[b, ch, i * sh + a[0], j * sw + a[1]] += grad_out[b, ch, i, j]
    return out, gx[:, :, ph:ph + h, pw:pw + w]


CONFIGS = [  # (N, C, H, W, O, k, stride, padding, dilation)
    (2, 3, 6, 5, 4, (3, 3), (1, 1), (0, 0), (1, 1)),
    (1, 2, 7, 7, 3, (3, 2), (2, 1), (1, 2), (1, 1)),
    (2, 1, 8, 6, 2, (2, 2), (2, 2), (1, 0), (2, 1)),
    (1, 2, 5, 5, 2, (1, 1), (1, 1), (0, 0), (1, 1)),
]


@pytest.mark.parametrize("n, c, h, w, o, k, s, p, d", CONFIGS)
def test_conv2d_matches_naive_loops(n, c, h, w, o, k, s, p, d):
    rng = np.random.default_rng(0)
    x, wt, b = rng.normal(size=(n, c, h, w)), rng.normal(size=(o, c, *k)), rng.normal(size=o)
    out = F.conv2d(ad.tensor(x), ad.tensor(wt), ad.tensor(b), stride=s, padding=p, dilation=d)
    np.testing.assert_allclose(out.data, naive_conv2d(x, wt, b, s, p, d), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("n, c, h, w, o, k, s, p, d", CONFIGS[:3])
def test_conv2d_gradients_match_central_differences(n, c, h, w, o, k, s, p, d):
    rng = np.random.default_rng(1)
    x = ad.Tensor(rng.normal(size=(n, c, h, w)), requires_grad=True)
    wt = ad.Tensor(rng.normal(size=(o, c, *k)), requires_grad=True)
    b = ad.Tensor(rng.normal(size=o), requires_grad=True)
    out = F.conv2d(x, wt, b, s, p, d)
    r = rng.normal(size=out.shape)
    (out * r).sum().backward()

    def loss():  # the forward is checked against naive loops above
        with ad.no_grad():
            return float((F.conv2d(x, wt, b, s, p, d).data * r).sum())

    for t in (x, wt, b):
        np.testing.assert_allclose(t.grad, numgrad(loss, t.data), rtol=1e-6, atol=1e-7)


def test_conv2d_same_padding_unbatched_and_no_bias():
    rng = np.random.default_rng(2)
    x, wt = rng.normal(size=(2, 5, 6)), rng.normal(size=(3, 2, 4, 3))
    out = F.conv2d(ad.tensor(x), ad.tensor(wt), padding="same")
    assert out.shape == (3, 5, 6)
    # even kernel: PyTorch pads (k-1)//2 before and the rest after
    xp = np.pad(x, ((0, 0), (1, 2), (1, 1)))
    expected = naive_conv2d(xp[None], wt, None, (1, 1), (0, 0), (1, 1))[0]
    np.testing.assert_allclose(out.data, expected, atol=1e-12)
    assert F.conv2d(ad.tensor(x), ad.tensor(wt), padding="valid").shape == (3, 2, 4)


def test_conv2d_layer_default_init_and_shapes():
    conv = Conv2d(3, 8, kernel_size=3, padding=1, rng=0)
    bound = 1 / math.sqrt(3 * 3 * 3)
    assert conv.weight.shape == (8, 3, 3, 3) and conv.bias.shape == (8,)
    assert np.abs(conv.weight.data).max() <= bound and np.abs(conv.bias.data).max() <= bound
    assert [n for n, _ in conv.named_parameters()] == ["weight", "bias"]
    x = ad.tensor(np.random.default_rng(0).normal(size=(2, 3, 10, 9)))
    assert conv(x).shape == (2, 8, 10, 9)
    assert Conv2d(3, 4, 3, stride=2, rng=0)(x).shape == (2, 4, 4, 4)
    assert Conv2d(3, 4, (5, 3), bias=False, rng=0).bias is None


def test_conv2d_errors_name_the_problem():
    conv = Conv2d(3, 4, 3, rng=0)
    with pytest.raises(ValueError, match=r"\(2, 5, 8, 8\).*in_channels=3"):
        conv(ad.tensor(np.ones((2, 5, 8, 8))))
    with pytest.raises(ValueError, match=r"\(N, C, H, W\)"):
        conv(ad.tensor(np.ones((8, 8))))
    with pytest.raises(ValueError, match="larger than the padded input"):
        conv(ad.tensor(np.ones((1, 3, 2, 2))))
    with pytest.raises(ValueError, match="stride"):
        Conv2d(3, 4, 3, stride=0)
    with pytest.raises(ValueError, match="padding"):
        Conv2d(3, 4, 3, padding="full")
    with pytest.raises(ValueError, match="stride=1"):
        Conv2d(3, 4, 3, stride=2, padding="same")


@pytest.mark.parametrize("k, s, p", [((2, 2), (2, 2), (0, 0)), ((3, 3), (1, 1), (1, 1)),
                                     ((3, 2), (2, 1), (1, 0))])
def test_max_pool2d_matches_naive_loops_forward_and_backward(k, s, p):
    rng = np.random.default_rng(3)
    x = ad.Tensor(rng.normal(size=(2, 3, 7, 6)), requires_grad=True)
    out = MaxPool2d(k, s, p)(x)
    g = rng.normal(size=out.shape)
    out.backward(g)
    expected, gx = naive_max_pool2d(x.data, k, s, p, g)
    np.testing.assert_array_equal(out.data, expected)
    np.testing.assert_allclose(x.grad, gx, atol=1e-14)  # overlapping windows accumulate


def test_max_pool2d_ties_send_gradient_to_first_maximum():
    x = ad.Tensor(np.zeros((1, 1, 4, 4)), requires_grad=True)
    F.max_pool2d(x, 2).sum().backward()
    expected = np.zeros((4, 4))
    expected[::2, ::2] = 1.0
    np.testing.assert_array_equal(x.grad[0, 0], expected)


def test_max_pool2d_defaults_unbatched_and_errors():
    x = ad.tensor(np.arange(16.0).reshape(1, 4, 4))
    np.testing.assert_array_equal(F.max_pool2d(x, 2).data, [[[5.0, 7.0], [13.0, 15.0]]])
    with pytest.raises(ValueError, match="at most half"):
        MaxPool2d(2, padding=2)(x)
    with pytest.raises(ValueError, match="larger than the padded input"):
        MaxPool2d(5)(x)


def test_small_cnn_gradients_match_central_differences():
    rng = np.random.default_rng(4)
    model = Sequential(Conv2d(1, 2, 3, padding=1, rng=0), ReLU(), MaxPool2d(2), Flatten(),
                       Linear(2 * 3 * 3, 2, rng=1))
    x = ad.tensor(rng.normal(size=(2, 1, 6, 6)))
    target = np.array([0, 1])
    loss = F.cross_entropy(model(x), target)
    loss.backward()

    def f():
        with ad.no_grad():
            return F.cross_entropy(model(x), target).item()

    for name, p in model.named_parameters():
        np.testing.assert_allclose(p.grad, numgrad(f, p.data), rtol=1e-5, atol=1e-8,
                                   err_msg=name)


def test_conv2d_is_twice_differentiable():
    """f(w) = sum(conv2d(x, w)^2) is quadratic in w: its Hessian is 2 J^T J, J = d conv / d w."""
    rng = np.random.default_rng(5)
    x = rng.normal(size=(1, 2, 4, 4))
    w = ad.tensor(rng.normal(size=(2, 2, 2, 2)))
    h = ad.hessian(lambda v: (F.conv2d(ad.tensor(x), v, padding=1) ** 2).sum(), w)
    jac = np.stack([naive_conv2d(x, e.reshape(w.shape), None, (1, 1), (1, 1), (1, 1)).ravel()
                    for e in np.eye(w.size)], axis=1)
    np.testing.assert_allclose(h.data.reshape(w.size, w.size), 2 * jac.T @ jac, rtol=1e-10,
                               atol=1e-10)


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 2), c=st.integers(1, 3), h=st.integers(3, 7), w=st.integers(3, 7),
       o=st.integers(1, 3), kh=st.integers(1, 3), kw=st.integers(1, 3), s=st.integers(1, 3),
       p=st.integers(0, 2), d=st.integers(1, 2), seed=st.integers(0, 2**16))
def test_conv2d_property_matches_naive_loops(n, c, h, w, o, kh, kw, s, p, d, seed):
    if h + 2 * p < d * (kh - 1) + 1 or w + 2 * p < d * (kw - 1) + 1:
        return  # kernel larger than the padded input: covered by the error test
    rng = np.random.default_rng(seed)
    x, wt, b = rng.normal(size=(n, c, h, w)), rng.normal(size=(o, c, kh, kw)), rng.normal(size=o)
    out = F.conv2d(ad.tensor(x), ad.tensor(wt), ad.tensor(b), stride=s, padding=p, dilation=d)
    np.testing.assert_allclose(out.data, naive_conv2d(x, wt, b, (s, s), (p, p), (d, d)),
                               rtol=1e-10, atol=1e-10)


def test_conv2d_float32():
    conv = Conv2d(2, 3, 3, padding=1, rng=0, dtype=np.float32)
    x = ad.Tensor(np.ones((1, 2, 5, 5), dtype=np.float32), requires_grad=True)
    y = MaxPool2d(2)(conv(x))
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32 and conv.weight.grad.dtype == np.float32


def test_conv_and_pool_pass_autodiff_gradcheck_and_gradgradcheck():
    rng = np.random.default_rng(12)
    x = ad.Tensor(rng.normal(size=(1, 2, 5, 5)), requires_grad=True)
    w = ad.Tensor(rng.normal(size=(2, 2, 3, 3)), requires_grad=True)
    assert ad.gradcheck(lambda a, b: F.conv2d(a, b, stride=2, padding=1), [x, w])
    assert ad.gradgradcheck(lambda a, b: F.conv2d(a, b, padding=1), [x, w])
    assert ad.gradcheck(lambda a: F.max_pool2d(a, 3, stride=1, padding=1), [x])


def test_im2col_and_col2im_are_adjoint():
    """<im2col(x), c> = <x, col2im(c)>: col2im is the exact VJP of im2col (and vice versa)."""
    from nn.layers.conv import col2im, im2col

    rng = np.random.default_rng(13)
    x = rng.normal(size=(2, 3, 7, 6))
    kw = {"kernel": (3, 2), "stride": (2, 1), "dilation": (1, 2)}
    cols = im2col(ad.tensor(x), **kw)
    c = rng.normal(size=cols.shape)
    back = col2im(ad.tensor(c), shape=x.shape, **kw)
    assert np.vdot(cols.data, c) == pytest.approx(np.vdot(x, back.data), rel=1e-12)
    assert ad.gradgradcheck(lambda t: im2col(t, **kw), [ad.Tensor(x, requires_grad=True)])


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 2), c=st.integers(1, 2), h=st.integers(2, 7), w=st.integers(2, 7),
       kh=st.integers(1, 3), kw=st.integers(1, 3), s=st.integers(1, 3), p=st.integers(0, 1),
       seed=st.integers(0, 2**16))
def test_max_pool2d_property_matches_naive_loops(n, c, h, w, kh, kw, s, p, seed):
    p = min(p, kh // 2, kw // 2)
    if h + 2 * p < kh or w + 2 * p < kw:
        return
    rng = np.random.default_rng(seed)
    x = ad.Tensor(rng.integers(-3, 4, size=(n, c, h, w)).astype(float), requires_grad=True)
    out = F.max_pool2d(x, (kh, kw), s, p)  # small integers: many ties
    g = rng.normal(size=out.shape)
    out.backward(g)
    expected, gx = naive_max_pool2d(x.data, (kh, kw), (s, s), (p, p), g)
    np.testing.assert_array_equal(out.data, expected)
    np.testing.assert_allclose(x.grad, gx, atol=1e-12)
