"""``layer_summary``: what each layer of a network outputs, holds and computes.

print(layer_summary(LeNet(), (1, 1, 28, 28)))
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn


@dataclass
class Row:
    name: str
    layer: str
    output_shape: tuple
    parameters: int
    macs: int


class Summary:
    """One row per layer (output shape, parameters, multiply-adds per example) and totals."""

    def __init__(self, rows: list[Row], input_shape: tuple, total_parameters: int, unused=()):
        self.rows, self.input_shape = rows, input_shape
        self.total_parameters = total_parameters
        self.total_macs = sum(r.macs for r in rows)
        self.unused = list(unused)  # (name, parameters) of layers the forward pass never called

    def __str__(self) -> str:
        lines = [f"{'layer':<22} {'output shape':<20} {'parameters':>12} {'multiply-adds':>15}"]
        lines.append(f"{'input':<22} {str(self.input_shape):<20} {'':>12} {'':>15}")
        for r in self.rows:
            lines.append(
                f"{r.name + ' ' + r.layer:<22} {str(r.output_shape):<20} "
                f"{r.parameters:>12,} {r.macs:>15,}"
            )
        lines.append(f"{'total':<22} {'':<20} {self.total_parameters:>12,} {self.total_macs:>15,}")
        for name, parameters in self.unused:
            lines.append(f"never called: {name} ({parameters:,} parameters)")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)


def _macs(module: nn.Module, inputs, output) -> int:
    """Multiply-adds of one layer for one example: convolutions and dense layers only (pooling,
    activations and normalisation are cheap element-wise work and count as 0)."""
    if isinstance(getattr(module, "weight", None), torch.Tensor):
        weight = module.weight
        if weight.dim() == 4:  # convolution: (C_out, C_in/groups, kh, kw)
            return output[0].numel() * weight[0].numel()
        if weight.dim() == 2 and isinstance(module, nn.Linear):
            return weight.numel()
    return 0


def layer_summary(net: nn.Module, input_shape) -> Summary:
    """Run one batch of zeros of ``input_shape`` (``(N, C, H, W)``) through ``net`` and record,
    for every layer without sub-layers, its output shape, its own parameters and its multiply-adds
    per example. Raises ``ValueError`` naming the layer that fails on that input."""
    input_shape = tuple(input_shape)
    if len(input_shape) < 2 or not all(isinstance(d, int) and d >= 1 for d in input_shape):
        raise ValueError(f"input_shape must be (N, C, H, W) of positive ints, got {input_shape}")
    rows, hooks, started = [], [], []
    leaves = [(n, m) for n, m in net.named_modules() if not list(m.children())]

    def hook(name):
        def record(module, inputs, output):
            rows.append(
                Row(name, type(module).__name__, tuple(output.shape),
                    sum(p.numel() for p in module.parameters(recurse=False)),
                    _macs(module, inputs, output))
            )  # fmt: skip

        return record

    for name, module in leaves:
        hooks.append(module.register_forward_pre_hook(lambda m, i, name=name: started.append(name)))
        hooks.append(module.register_forward_hook(hook(name)))
    was_training = net.training
    net.eval()
    device = next(net.parameters()).device
    try:
        with torch.no_grad():
            net(torch.zeros(input_shape, device=device))
    except RuntimeError as exc:
        name = started[-1] if started else "?"
        module = dict(leaves).get(name)
        shape = rows[-1].output_shape if rows else input_shape
        so_far = Summary(rows, input_shape, sum(p.numel() for p in net.parameters()))
        raise ValueError(
            f"layer {name} ({type(module).__name__}) fails on its input of shape {shape}: {exc}\n"
            f"the layers that ran before it:\n{so_far}"
        ) from exc
    finally:
        for h in hooks:
            h.remove()
        net.train(was_training)
    ran = {r.name for r in rows}
    unused = [
        (n, sum(p.numel() for p in m.parameters(recurse=False)))
        for n, m in leaves
        if n not in ran and any(True for _ in m.parameters(recurse=False))
    ]
    return Summary(rows, input_shape, sum(p.numel() for p in net.parameters()), unused)
