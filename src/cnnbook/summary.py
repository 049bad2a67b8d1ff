"""``layer_summary``: what each layer of a network outputs, holds and computes.

print(layer_summary(LeNet(), (1, 1, 28, 28)))
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import chain

import torch
from torch import nn


@dataclass
class Row:
    """One call of a layer without sub-layers: its name in the network (``features.0``), its
    class, the shape of its output (the first tensor, for a layer that returns several; None if
    it returns none), its own parameters and its multiply-adds per example."""

    name: str
    layer: str
    output_shape: tuple | None
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
        labels = [f"{r.name} {r.layer}".strip() for r in self.rows]
        width = max([22, *(len(label) + 1 for label in labels)])
        lines = [
            f"{'layer':<{width}} {'output shape':<20} {'parameters':>12} {'multiply-adds':>15}"
        ]
        lines.append(f"{'input':<{width}} {str(self.input_shape):<20} {'':>12} {'':>15}")
        for label, r in zip(labels, self.rows):
            lines.append(
                f"{label:<{width}} {str(r.output_shape):<20} {r.parameters:>12,} {r.macs:>15,}"
            )
        total = f"{'total':<{width}} {'':<20} {self.total_parameters:>12,} {self.total_macs:>15,}"
        lines.append(total)
        for name, parameters in self.unused:
            lines.append(f"never called: {name} ({parameters:,} parameters)")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)


def _first_tensor(value):
    """The first tensor in a layer's input or output (a tensor, or tuples, lists and dicts of
    them, like ``nn.LSTM``'s ``(output, (h, c))``); None if there is none."""
    if isinstance(value, torch.Tensor):
        return value
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (tuple, list)):
        for item in value:
            found = _first_tensor(item)
            if found is not None:
                return found
    return None


def shape_of(value) -> tuple | None:
    tensor = _first_tensor(value)
    return None if tensor is None else tuple(tensor.shape)


def _macs(module: nn.Module, output) -> int:
    """Multiply-adds of one layer for one example: convolutions and dense layers only (pooling,
    activations and normalisation are cheap element-wise work and count as 0). An output with
    no batch dimension (an unbatched input) is one example."""
    weight = getattr(module, "weight", None)
    if not isinstance(weight, torch.Tensor) or not isinstance(output, torch.Tensor):
        return 0
    convolution = hasattr(module, "stride") and not getattr(module, "transposed", False)
    if isinstance(module, nn.Linear):  # weight (out, in): `in` multiply-adds per output value
        per_output, example_dims = weight.shape[1], 1
    elif convolution and weight.dim() >= 3:  # weight (C_out, C_in / groups, *kernel)
        per_output, example_dims = weight[0].numel(), weight.dim() - 1
    else:
        return 0
    examples = output.shape[0] if output.dim() > example_dims else 1
    return output.numel() // examples * per_output


def _count(parameters) -> int:
    """How many numbers ``parameters`` hold (a lazy layer's not yet shaped ones count as 0)."""
    return sum(
        p.numel() for p in parameters if not isinstance(p, nn.parameter.UninitializedParameter)
    )


def as_input_shape(input_shape) -> tuple:
    expected = "a shape of positive ints such as (1, 1, 28, 28)"
    if not isinstance(input_shape, (tuple, list, torch.Size)):
        raise TypeError(f"input_shape must be {expected}, got {type(input_shape).__name__}")
    if any(isinstance(d, bool) or not isinstance(d, int) for d in input_shape):
        raise TypeError(f"input_shape must be {expected}, got {input_shape!r}")
    if len(input_shape) == 0 or any(d < 1 for d in input_shape):
        raise ValueError(f"input_shape must be {expected}, got {tuple(input_shape)}")
    return tuple(input_shape)


def _where(name: str, module: nn.Module) -> str:
    """Which module failed: a layer, or a module's own code between its sub-layers."""
    kind = type(module).__name__
    where = f"layer {name} ({kind})" if name else f"the network ({kind})"
    if next(module.children(), None) is None:
        return where
    return where + (", outside its sub-layers," if name else ", outside its layers,")


def layer_summary(net: nn.Module, input_shape) -> Summary:
    """Run one batch of zeros of ``input_shape`` through ``net`` in eval mode and record, for
    every call of a layer without sub-layers, its output shape, its own parameters and its
    multiply-adds per example.

    ``input_shape`` is taken literally: ``(N, C, H, W)`` for a batch, or ``(C, H, W)`` for one
    unbatched example if the network accepts it. The zeros take the dtype and device of the
    network's first floating-point parameter or buffer (float32 on the CPU if it has none).
    Raises ``ValueError`` naming the innermost layer that failed and the shape of its input;
    the network's hooks and train/eval modes are left as they were, whatever happens.
    """
    if not isinstance(net, nn.Module):
        raise TypeError(f"net must be a torch.nn.Module, got {type(net).__name__}")
    input_shape = as_input_shape(input_shape)
    tensors = chain(net.parameters(), net.buffers())
    first = next((t for t in tensors if t.is_floating_point()), None)
    device, dtype = (first.device, first.dtype) if first is not None else ("cpu", torch.float32)

    modules = dict(net.named_modules())
    leaves = {name: m for name, m in modules.items() if next(m.children(), None) is None}
    rows, running = [], []  # running: (name, input shape) of each module started, not finished

    def start(name):
        def hook(module, inputs):
            running.append((name, shape_of(inputs)))

        return hook

    def finish(name):
        def hook(module, inputs, output):
            while running and running.pop()[0] != name:
                pass  # a sub-layer whose error the module caught itself
            if name in leaves:
                params = _count(module.parameters(recurse=False))
                rows.append(
                    Row(
                        name, type(module).__name__, shape_of(output), params, _macs(module, output)
                    )
                )

        return hook

    modes = {module: module.training for module in modules.values()}
    handles = []
    try:
        for name, module in modules.items():
            handles.append(module.register_forward_pre_hook(start(name)))
            handles.append(module.register_forward_hook(finish(name)))
        net.eval()
        with torch.no_grad():
            net(torch.zeros(input_shape, device=device, dtype=dtype))
    except Exception as exc:
        if not running:
            raise
        name, shape = running[-1]
        so_far = Summary(rows, input_shape, _count(net.parameters()))
        hint = ""
        if len(input_shape) == 3:  # the layers may have taken it as one unbatched example
            hint = (
                f"\n(input_shape {input_shape} has no batch dimension: if it is one image of "
                f"{input_shape[0]} channel(s), pass (1, *input_shape) = {(1, *input_shape)})"
            )
        raise ValueError(
            f"{_where(name, modules[name])} fails on its input of shape {shape}: {exc}{hint}\n"
            f"the layers that ran before it:\n{so_far}"
        ) from exc
    finally:
        for handle in handles:
            handle.remove()
        for module, training in modes.items():
            module.training = training
    ran = {r.name for r in rows}
    unused = [
        (name, _count(m.parameters(recurse=False)))
        for name, m in leaves.items()
        if name not in ran and _count(m.parameters(recurse=False)) > 0
    ]
    return Summary(rows, input_shape, _count(net.parameters()), unused)
