"""The networks of the book, each a readable ``nn.Sequential``.

LeNet()          (N, 1, 28, 28) -> (N, 10)   LeCun et al. 1998, as in d2l
LeNetModern()    (N, 1, 28, 28) -> (N, 10)   ReLU, max pooling, batch normalisation
"""

from __future__ import annotations

from torch import nn

from . import conv, pool


def LeNet(from_scratch: bool = False) -> nn.Sequential:
    """LeNet-5 as in d2l: two 5x5 convolutions (6 and 16 channels, the first padded by 2), each
    followed by a sigmoid and 2x2 average pooling, then dense layers 400 -> 120 -> 84 -> 10 with a
    sigmoid after each hidden one. 61,706 parameters.

    ``from_scratch=True`` builds the same network from this book's own ``conv.Conv2d`` and
    ``pool.AvgPool2d`` (same parameters, same initialisation for the same seed).
    """
    Conv2d = conv.Conv2d if from_scratch else nn.Conv2d
    AvgPool2d = pool.AvgPool2d if from_scratch else nn.AvgPool2d
    return nn.Sequential(
        Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(),
        AvgPool2d(kernel_size=2, stride=2),
        Conv2d(6, 16, kernel_size=5), nn.Sigmoid(),
        AvgPool2d(kernel_size=2, stride=2),
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), nn.Sigmoid(),
        nn.Linear(120, 84), nn.Sigmoid(),
        nn.Linear(84, 10),
    )  # fmt: skip


def LeNetModern() -> nn.Sequential:
    """LeNet's layout with today's parts: ReLU instead of sigmoid (gradients do not vanish), max
    instead of average pooling (keeps the strongest response), and batch normalisation after
    every convolution and hidden dense layer (keeps activations well scaled, so larger learning
    rates work). 62,158 parameters."""
    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.BatchNorm2d(6), nn.ReLU(),
        nn.MaxPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), nn.BatchNorm2d(16), nn.ReLU(),
        nn.MaxPool2d(kernel_size=2, stride=2),
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), nn.BatchNorm1d(120), nn.ReLU(),
        nn.Linear(120, 84), nn.BatchNorm1d(84), nn.ReLU(),
        nn.Linear(84, 10),
    )  # fmt: skip
