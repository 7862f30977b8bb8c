"""Parts of the house-price demo that describe the model: the parameter/hyperparameter
table, the rendered graphs, and ``out/report.md``."""

from __future__ import annotations

import os
from dataclasses import asdict
from typing import Any

import autodiff as ad
from nn.scalar import Neuron


def parameter_table(model: Any, cfg: Any, history: Any) -> tuple[list[tuple[str, str, int]],
                                                                  dict[str, Any]]:
    """Print and return the model parameters (learned) and the hyperparameters (chosen)."""
    params = [(name, "x".join(map(str, p.shape)), int(p.size))
              for name, p in model.named_parameters()]
    total = sum(c for *_, c in params)
    print(f"\nmodel parameters (learned from the data; {total} numbers, saved as the model):")
    for name, shape, count in params:
        kind = "weight" if name.endswith("weight") else "bias"
        print(f"  {name:<12} {kind:<7} shape {shape:<6} {count:>5}")
    n_in = model[0].in_features if hasattr(model, "__getitem__") else "?"
    print(f"  = ({n_in} x {cfg.hidden} + {cfg.hidden}) + ({cfg.hidden} x 1 + 1) = {total}")
    hypers = {k: v for k, v in asdict(cfg).items() if k not in ("n", "seed")}
    hypers["depth"] = "2 layers (1 hidden)"
    hypers["epochs run"] = f"{history.epochs} (best epoch {history.best_epoch})"
    print("hyperparameters (chosen before training, not learned):")
    for k, v in hypers.items():
        print(f"  {k:<12} {v}")
    return params, hypers


def _render(root: Any, path: str, **options: Any) -> str:
    from autodiff.viz import DotNotFoundError, render

    try:
        return str(render(root, path, **options))
    except DotNotFoundError as exc:
        dot_path = os.path.splitext(path)[0] + ".dot"
        print(f"graphviz 'dot' not found ({exc}); wrote the DOT source instead")
        return str(render(root, dot_path, **options))


def graphs(model: Any, loss_fn: Any, split: Any, out: str,
           feature_names: tuple[str, ...] = ()) -> dict[str, str]:
    """Render the network's graph (grouped by module) and one hidden neuron's graph."""
    xb = ad.Tensor(split.X["test"][:4])
    yb = ad.Tensor(split.y["test"][:4].reshape(-1, 1))
    model.zero_grad()
    loss = loss_fn(model(xb), yb)
    loss.backward()
    net = _render(loss, os.path.join(out, "network_graph.svg"), group_by_module=model,
                  title="house-price network: MSE on 4 houses")
    model.zero_grad()

    # The first hidden unit, rebuilt from scalar Values with the trained weights.
    first = model[0]
    neuron = Neuron(first.in_features, activation="relu")
    for wi, v in zip(neuron.w, first.weight.data[0], strict=True):
        wi.data = float(v)
    neuron.b.data = float(first.bias.data[0])
    names = list(feature_names) or [f"x{i}" for i in range(first.in_features)]
    x = [ad.Value(float(v), label=names[i]) for i, v in enumerate(split.X["test"][0])]
    out_value = neuron(x)
    out_value.backward()
    with ad.no_grad():
        hidden = model[1](first(ad.Tensor(split.X["test"][:1]))).data[0, 0]
    print(f"\nhidden neuron 0 rebuilt from Values: output {out_value.data:.6f}, the network's "
          f"hidden unit 0 gives {hidden:.6f}")
    one = _render(out_value, os.path.join(out, "neuron.svg"),
                  title="hidden neuron 0 on one house: relu(b + sum w_i x_i)")
    print(f"rendered the network graph ({net}) and hidden neuron 0's graph ({one})")
    return {"network_graph": net, "neuron_graph": one}


def write_report(path: str, data: Any, cfg: Any, r: dict[str, Any],
                 paths: dict[str, str]) -> str:
    """Write the short markdown report of a demo run; return its path."""
    mse, base = r["mse"], r["baseline"]
    rows = "\n".join(
        f"| {name} | {a['train']:.4f} | {a['val']:.4f} | {a['test']:.4f} |"
        for name, a in (("two-layer ReLU network", mse), ("linear regression", base)))
    params = "\n".join(f"| `{n}` | {s} | {c} |" for n, s, c in r["params"])
    hypers = "\n".join(f"| {k} | {v} |" for k, v in r["hypers"].items())
    base_dir = os.path.dirname(path)
    files = "\n".join(f"- {k}: `{os.path.relpath(p, base_dir)}`" for k, p in paths.items())
    images = "\n\n".join(f"![{k}]({os.path.relpath(p, base_dir)})" for k, p in paths.items()
                         if p.endswith((".png", ".svg")))
    text = f"""# House-price demo report

Data: {len(data)} synthetic houses (seed {cfg.seed}); features {', '.join(data.feature_names)};
target {data.target_name}. Rule:

```
{data.rule}
```

## Test error

| model | train MSE | val MSE | test MSE |
|---|---|---|---|
{rows}

Noise floor (noise variance): **{r['noise_floor']:.4f}**; the noise-free rule scores
{r['rule_test']:.4f} on this test split. The network gets
{mse['test'] / r['noise_floor']:.2f}x the floor, the linear baseline
{base['test'] / r['noise_floor']:.2f}x.

Training: {r['epochs']} epochs (best epoch {r['best_epoch']}, weights restored from it).
Gradient check of the trained network: {'passed' if r['gradcheck'] else 'FAILED'}.
Save / reload: max prediction difference {r['reload_max_diff']:.3g}.
Run time: {r['seconds']:.1f} s.

## Model parameters (learned) — {sum(c for *_, c in r['params'])} numbers

| name | shape | count |
|---|---|---|
{params}

## Hyperparameters (chosen)

| name | value |
|---|---|
{hypers}

## Files

{files}

{images}
"""
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path



