"""What a trained network gets right: its predictions, its accuracy and its confusion matrix.

predicted, true = predict(net, test_iter)      # (N,) labels each, on the CPU
evaluate_accuracy(net, test_iter)              # 0.912
confusion_matrix(predicted, true)              # (10, 10): row = true class, column = predicted
"""

from __future__ import annotations

import torch
from torch import nn

from . import args
from .devices import as_device, device_of


def predict(net: nn.Module, data_iter, device=None) -> tuple[torch.Tensor, torch.Tensor]:
    """``(predicted, true)`` labels, each ``(N,)`` on the CPU, for every example of
    ``data_iter`` (batches ``X: (B, ...)``, ``y: (B,)``), in evaluation mode and without
    gradients, on ``device`` (default: where ``net`` is). The network's mode is restored
    afterwards, also when interrupted."""
    device = as_device(device) if device is not None else device_of(net)
    was_training = net.training
    net.eval()
    predicted, true = [], []
    try:
        with torch.no_grad():
            for X, y in data_iter:
                predicted.append(net(X.to(device)).argmax(dim=1).cpu())
                true.append(y.cpu())
    finally:
        net.train(was_training)
    if not true:
        raise ValueError("data_iter must yield at least one batch, got none")
    return torch.cat(predicted), torch.cat(true)


def evaluate_accuracy(net: nn.Module, data_iter, device=None) -> float:
    """Share of correctly classified examples in ``data_iter``, in evaluation mode."""
    predicted, true = predict(net, data_iter, device)
    return (predicted == true).sum().item() / len(true)


def labels(name: str, value) -> torch.Tensor:
    """``value`` (a tensor or a sequence of ints) as an int64 tensor of class labels."""
    if not isinstance(value, torch.Tensor):
        try:
            value = torch.as_tensor(value)
        except (TypeError, ValueError, RuntimeError) as exc:
            raise TypeError(f"{name} must be a tensor or sequence of ints, got {value!r}") from exc
    if value.dtype == torch.bool or value.is_floating_point() or value.is_complex():
        raise TypeError(f"{name} must hold integer labels, got dtype {value.dtype}")
    return value.long()


def confusion_matrix(predicted, true, num_classes: int = 10) -> torch.Tensor:
    """``M[i, j]``: how many examples of class ``i`` were predicted as ``j``.

    ``predicted``, ``true``: ``(N,)`` integer labels in ``0..num_classes - 1`` ->
    ``M``: ``(num_classes, num_classes)`` int64, whose entries sum to ``N``."""
    args.integer("num_classes", num_classes, 1)
    predicted, true = labels("predicted", predicted), labels("true", true)
    if predicted.shape != true.shape:
        shapes = f"{tuple(predicted.shape)} and {tuple(true.shape)}"
        raise ValueError(f"predicted and true must have the same shape, got {shapes}")
    predicted, true = predicted.reshape(-1), true.reshape(-1)
    for name, values in (("predicted", predicted), ("true", true)):
        outside = values[(values < 0) | (values >= num_classes)]
        if len(outside):
            found = sorted(set(outside.tolist()))
            raise ValueError(
                f"{name} must hold labels in 0..{num_classes - 1} (num_classes={num_classes}), "
                f"got {found[:10]}{' ...' if len(found) > 10 else ''}"
            )
    index = true * num_classes + predicted
    return torch.bincount(index, minlength=num_classes**2).reshape(num_classes, num_classes)
