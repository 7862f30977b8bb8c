"""Backpropagation is the chain rule (chapter 3.3): a tiny network differentiated by hand.

Network: 2 inputs -> 2 ReLU hidden units -> 1 identity output, squared error on one
sample. Every local derivative is written out and multiplied along the graph, then
compared with ``Value.backward()`` (scalar engine) and ``Tensor.backward()`` (tensor
engine). One gradient-descent step ``theta <- theta - lr * dL/dtheta`` lowers the loss.

    python examples/backprop_by_hand.py
"""

from __future__ import annotations

import numpy as np

import autodiff as ad

x = np.array([1.0, -2.0])
t = 3.0  # target
W1 = np.array([[0.5, -0.3], [-0.8, 0.6]])  # hidden unit 1 is switched off by ReLU (z < 0)
b1 = np.array([0.1, 0.2])
w2 = np.array([1.2, -0.7])
b2 = 0.05


def by_hand() -> dict[str, np.ndarray]:
    """Forward pass, then the chain rule from the loss back to every parameter."""
    z1 = W1 @ x + b1                 # hidden pre-activations
    h = np.maximum(z1, 0.0)          # ReLU
    y = w2 @ h + b2                  # identity output
    L = (y - t) ** 2                 # squared error
    print(f"forward:  z1 = {z1}, h = relu(z1) = {h}, y = {y:.4f}, L = (y - t)^2 = {L:.6f}")
    dL_dy = 2 * (y - t)              # d/dy (y - t)^2
    dL_dw2 = dL_dy * h               # y = w2 . h + b2
    dL_db2 = dL_dy
    dL_dh = dL_dy * w2
    dL_dz1 = dL_dh * (z1 > 0)        # ReLU passes the gradient only where z1 > 0
    dL_dW1 = np.outer(dL_dz1, x)     # z1 = W1 x + b1
    dL_db1 = dL_dz1
    print(f"backward: dL/dy = 2(y - t) = {dL_dy:.4f}; dL/dh = dL/dy * w2 = {dL_dh}; "
          f"dL/dz1 = dL/dh * [z1 > 0] = {dL_dz1}")
    return {"W1": dL_dW1, "b1": dL_db1, "w2": dL_dw2, "b2": np.array(dL_db2), "L": np.array(L)}


def with_values() -> dict[str, np.ndarray]:
    """The same network from scalar Values: every + and * is a node."""
    V = ad.Value
    W = [[V(W1[i, j], label=f"W1[{i},{j}]") for j in range(2)] for i in range(2)]
    b = [V(b1[i], label=f"b1[{i}]") for i in range(2)]
    w = [V(w2[i], label=f"w2[{i}]") for i in range(2)]
    c = V(b2, label="b2")
    h = [(W[i][0] * x[0] + W[i][1] * x[1] + b[i]).relu() for i in range(2)]
    y = w[0] * h[0] + w[1] * h[1] + c
    L = (y - t) ** 2
    L.backward()
    return {"W1": np.array([[W[i][j].grad for j in range(2)] for i in range(2)]),
            "b1": np.array([v.grad for v in b]), "w2": np.array([v.grad for v in w]),
            "b2": np.array(c.grad), "L": np.array(L.data)}


def with_tensors() -> dict[str, np.ndarray]:
    """The same network as matrix operations on Tensors."""
    params = {k: ad.Tensor(np.array(v, dtype=float), requires_grad=True)
              for k, v in (("W1", W1), ("b1", b1), ("w2", w2), ("b2", b2))}
    h = (params["W1"] @ ad.Tensor(x) + params["b1"]).relu()
    L = ((params["w2"] * h).sum() + params["b2"] - t) ** 2
    L.backward()
    out = {k: p.grad for k, p in params.items()}
    out["L"] = L.data
    return out


def main() -> None:
    ad.manual_seed(0)  # every default generator: initializers, Dropout, shuffles
    hand = by_hand()
    value, tensor = with_values(), with_tensors()
    print(f"\n{'gradient':<8} {'by hand':>28} {'Value.backward()':>28} {'Tensor.backward()':>28}")
    worst = 0.0
    for k in ("W1", "b1", "w2", "b2"):
        row = [np.array2string(np.ravel(g) + 0.0, precision=4)
               for g in (hand[k], value[k], tensor[k])]
        print(f"dL/d{k:<4} {row[0]:>28} {row[1]:>28} {row[2]:>28}")
        worst = max(worst, float(np.max(np.abs(hand[k] - value[k]))),
                    float(np.max(np.abs(hand[k] - tensor[k]))))
    print(f"max |by hand - engine| = {worst:.2e}")
    print("hidden unit 1 has z < 0: ReLU blocks it, so W1[1, :] and b1[1] get zero gradient")

    lr = 0.05
    new = {"W1": W1 - lr * hand["W1"], "b1": b1 - lr * hand["b1"],
           "w2": w2 - lr * hand["w2"], "b2": b2 - lr * hand["b2"]}
    h = np.maximum(new["W1"] @ x + new["b1"], 0)
    L_new = (new["w2"] @ h + new["b2"] - t) ** 2
    print(f"one gradient-descent step (lr {lr}): loss {float(hand['L']):.6f} -> {float(L_new):.6f}")
    assert worst < 1e-12 and L_new < hand["L"]


if __name__ == "__main__":
    main()
