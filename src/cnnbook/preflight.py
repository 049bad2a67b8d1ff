"""What :func:`cnnbook.train.train_net` checks before the first step, so that a run fails at
once, with a message that says what to change, rather than minutes into training: the data
(re-iterable, not empty), batch normalisation against a last batch of one example, and the
network on the first batch (a failing layer named, images too small for it said so).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import torch
from torch import nn

from .summary import layer_summary


def count_batches(data_iter) -> int | None:
    try:
        return len(data_iter)
    except TypeError:
        return None


def validate_batches(name: str, data_iter):
    """``data_iter`` must be re-iterable (it is gone through once per epoch) and not empty."""
    if isinstance(data_iter, Iterator):
        raise TypeError(
            f"{name} must be re-iterable, got a one-shot iterator ({type(data_iter).__name__}): "
            "it is gone through once per epoch, so pass a list of (X, y) batches, a "
            "cnnbook.data.Batches or a torch DataLoader"
        )
    if not isinstance(data_iter, Iterable):
        raise TypeError(f"{name} must be an iterable of (X, y) batches, got {data_iter!r}")
    if count_batches(data_iter) == 0:
        raise ValueError(
            f"{name} must yield at least one batch, got an empty {type(data_iter).__name__}"
        )
    return data_iter


def last_batch_size(data_iter) -> int | None:
    """How many examples the last batch of ``data_iter`` holds, where that is known without
    going through it: a ``Batches``, a ``DataLoader`` over a sized dataset, or a list."""
    if hasattr(data_iter, "last_batch_size"):  # cnnbook.data.Batches
        return data_iter.last_batch_size
    batch_size, dataset = (
        getattr(data_iter, "batch_size", None),
        getattr(data_iter, "dataset", None),
    )
    if isinstance(batch_size, int) and hasattr(dataset, "__len__"):  # a DataLoader
        rest = len(dataset) % batch_size
        return batch_size if rest == 0 or getattr(data_iter, "drop_last", False) else rest
    if (
        isinstance(data_iter, (list, tuple))
        and data_iter
        and isinstance(data_iter[-1], (list, tuple))
    ):
        X = data_iter[-1][0]
        return X.shape[0] if isinstance(X, torch.Tensor) and X.dim() else None
    return None


def refuse_batch_of_one(net: nn.Module, train_iter) -> None:
    """Batch normalisation cannot learn from a batch of one example (one value per channel has
    no variance): refuse such a last batch before training rather than fail in its middle."""
    norms = [n for n, m in net.named_modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    if norms and last_batch_size(train_iter) == 1:
        raise ValueError(
            "train_iter must not end with a batch of a single example when net has batch "
            f"normalisation (layer {norms[0]}): one example has no variance to normalise by. "
            "Change the number of training examples or batch_size so that the last batch holds 2 "
            "or more (with fit: the Recipe's num_train or batch_size)"
        )


def first_forward(net: nn.Module, first, num_classes: int, loss_fn, device) -> float:
    """Run the first batch once through ``net`` in evaluation mode, without gradients: gives lazy
    layers their shapes, checks the output's shape, and returns the loss before training. Leaves
    no trace (batch norm's running statistics stay as they were)."""
    if not (isinstance(first, (tuple, list)) and len(first) == 2
            and all(isinstance(t, torch.Tensor) for t in first)):  # fmt: skip
        raise TypeError(
            f"train_iter must yield (X, y) pairs of tensors, got {type(first).__name__}"
        )
    X, y = first[0].to(device), first[1].to(device)
    was_training = net.training
    net.eval()
    try:
        with torch.no_grad():
            out = net(X)
    except Exception as exc:
        raise ValueError(
            f"net fails on the first batch of train_iter: {diagnose(net, X, exc)}"
        ) from exc
    finally:
        net.train(was_training)
    if out.dim() != 2 or out.shape != (X.shape[0], num_classes):
        raise ValueError(
            f"net must map a batch of {X.shape[0]} examples to ({X.shape[0]}, {num_classes}) "
            f"class scores, got output of shape {tuple(out.shape)}"
        )
    return loss_fn(out.float(), y).item()


def diagnose(net: nn.Module, X: torch.Tensor, error: Exception) -> str:
    """Which layer fails on ``X`` and why, from :func:`layer_summary`, with a hint when the
    images are too small for the network's windows."""
    try:
        layer_summary(net, tuple(X.shape))
        found = f"{type(error).__name__}: {error}"
    except ValueError as exc:
        found = str(exc).splitlines()[0]
    small = ("too small", "smaller than", "can't be greater", "cannot be greater")
    if X.dim() == 4 and any(words in found for words in small):
        found += (
            f". The images are {X.shape[2]} x {X.shape[3]} pixels, too small for this network: "
            "load them larger (load_fashion_mnist(..., resize=...), or a Recipe's resize)"
        )
    return found


class Resumed:
    """Epoch 1's batches: the one :func:`first_forward` looked at, then the rest of the same
    pass, so that the check costs the loader nothing (no batch lost, no extra shuffle drawn)."""

    def __init__(self, first, rest, loader):
        self.first, self.rest, self.loader = first, rest, loader

    def __iter__(self):
        yield self.first
        yield from self.rest

    def __len__(self) -> int:
        return len(self.loader)
