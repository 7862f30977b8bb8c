"""Cases where the project follows PyTorch's own numbers, recorded from torch 2.13.0 (CPU,
float64). PyTorch is not needed to run these: the numbers are the reference."""

from __future__ import annotations

import numpy as np
import pytest

import autodiff as ad
import nn
from nn.functional import gaussian_nll_loss

# ------------------------------------------------------------------ L-BFGS's max_eval budget
# (max_iter, max_eval) -> torch's closure calls and final point from (-1.2, 1) on Rosenbrock
LBFGS_TORCH = {
    (1, None): (2, [-1.2, 1.0]),
    (3, None): (3, [-1.0245319303460325, 1.0716196202669255]),
    (2, 3): (3, [-1.0245319303460325, 1.0716196202669255]),
    (5, 6): (6, [-1.0276177663827242, 1.0584120782656612]),
}


@pytest.mark.parametrize("budget", sorted(LBFGS_TORCH, key=str), ids=str)
def test_lbfgs_line_search_keeps_to_what_is_left_of_max_eval(budget: tuple) -> None:
    """PyTorch passes max_ls = max_eval - evaluations so far to the strong-Wolfe search."""
    max_iter, max_eval = budget
    x = ad.tensor([-1.2, 1.0], requires_grad=True)
    opt = nn.optim.LBFGS([x], lr=1, max_iter=max_iter, max_eval=max_eval,
                         line_search_fn="strong_wolfe")
    calls = []

    def closure() -> ad.Tensor:
        calls.append(1)
        opt.zero_grad()
        loss = (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2
        loss.backward()
        return loss

    opt.step(closure)
    expected_calls, expected_x = LBFGS_TORCH[budget]
    assert len(calls) == expected_calls
    np.testing.assert_allclose(x.data, expected_x, rtol=1e-12)


# ------------------------------------------------------------------ GaussianNLLLoss's var
X = np.array([[2.040919, -2.555665, 0.418099, -0.56777], [-0.452649, -0.215597, -2.019986,
              -0.231932], [-0.865213, 3.323, 0.225787, -0.352631]])
T = np.array([[-0.281287, -0.668046, -1.055151, -0.390801], [0.481945, -0.238554, 0.957759,
              -0.199802], [0.02426, 1.545821, 0.545106, -0.505229]])
GAUSSIAN_TORCH = {
    "a float": (0.7, 1.308227918792717, [
        [0.276453095238095, -0.224716547619048, 0.175386904761905, -0.021067738095238],
        [-0.11126119047619, 0.002732976190476, -0.354493452380952, -0.003825],
        [-0.105889642857143, 0.211568928571429, -0.038014166666667, 0.018166428571429]], None),
    "(1, 4)": (np.array([[1.837567, 1.377744, 1.206964, 1.659916]]), 0.9522342020546594, [
        [0.105311624918529, -0.114173303119689, 0.101718720138574, -0.008884435517621],
        [-0.04238367000133, 0.001388562267978, -0.205594712573587, -0.001613033430607],
        [-0.040337440757262, 0.107493300642209, -0.022046984555187, 0.007660929830184]],
        [[-0.019059407188816657, -0.05682565484861185, -0.21504607962531047,
          0.07446366593144785]]),
    "(3, 1)": (np.array([[0.545519], [1.560448], [1.061366]]), 1.255389936223614, [
        [0.354739553831611, -0.288352162497243, 0.22505326731669, -0.027033736069077],
        [-0.049910559873404, 0.001225983392803, -0.159021906956635, -0.001715853395948],
        [-0.069837124987987, 0.139535513668235, -0.025071385993773, 0.011981258114543]],
        [[-1.2566820467713877], [-0.05989393432589073], [0.006313291401639248]]),
}


@pytest.mark.parametrize("case", sorted(GAUSSIAN_TORCH))
def test_gaussian_nll_accepts_the_var_shapes_pytorch_accepts(case: str) -> None:
    var, loss_ref, grad_x_ref, grad_var_ref = GAUSSIAN_TORCH[case]
    x = ad.tensor(X, requires_grad=True)
    v = var if isinstance(var, float) else ad.tensor(var, requires_grad=True)
    loss = gaussian_nll_loss(x, T, v)
    loss.backward()
    np.testing.assert_allclose(loss.item(), loss_ref, rtol=1e-12)
    np.testing.assert_allclose(x.grad, grad_x_ref, rtol=1e-9, atol=1e-14)
    if grad_var_ref is not None:
        np.testing.assert_allclose(v.grad, grad_var_ref, rtol=1e-9)


@pytest.mark.parametrize("var", [np.ones((2, 4)), np.ones((1, 1)), -0.5])
def test_gaussian_nll_still_refuses_what_pytorch_refuses(var: object) -> None:
    with pytest.raises(ValueError, match="var"):
        gaussian_nll_loss(ad.tensor(X), T, var)


# ------------------------------------------------------------------ BCELoss where p saturates
P_EDGE = np.array([0.0, 1e-15, 1e-13, 0.3, 1 - 1e-13, 1.0, 1.0, 0.0])
T_EDGE = np.array([1.0, 0.0, 1.0, 0.6, 0.0, 1.0, 0.0, 0.5])
BCE_SUM_TORCH = 310.7319551811624  # binary_cross_entropy(P_EDGE, T_EDGE, reduction="sum")


def _bce_grad_torch_rule(p: np.ndarray, t: np.ndarray) -> np.ndarray:
    """PyTorch's BCE backward: (p - t) / max(p (1 - p), 1e-12)."""
    return (p - t) / np.maximum(p * (1 - p), 1e-12)


def test_bce_gradient_follows_pytorch_where_p_saturates() -> None:
    x = ad.tensor(P_EDGE, requires_grad=True)
    loss = nn.functional.binary_cross_entropy(x, T_EDGE, reduction="sum")
    loss.backward()
    np.testing.assert_allclose(loss.item(), BCE_SUM_TORCH, rtol=1e-13)
    np.testing.assert_allclose(x.grad, _bce_grad_torch_rule(P_EDGE, T_EDGE), rtol=1e-9)


def test_bce_on_values_follows_the_same_rule() -> None:
    values = [ad.Value(float(p)) for p in P_EDGE]
    loss = nn.functional.binary_cross_entropy(values, list(T_EDGE), reduction="sum")
    loss.backward()
    np.testing.assert_allclose(loss.data, BCE_SUM_TORCH, rtol=1e-13)
    np.testing.assert_allclose([v.grad for v in values], _bce_grad_torch_rule(P_EDGE, T_EDGE),
                               rtol=1e-9)
