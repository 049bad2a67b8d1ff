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


def AlexNet(num_classes: int = 10, in_channels: int = 1) -> nn.Sequential:
    """d2l's AlexNet for 224 x 224 inputs: five convolutions (96 11x11 stride 4, 256 5x5, then
    384, 384, 256 3x3), max pooling 3/2 after the first, second and fifth, ReLU after every
    convolution, then dense layers 6400 -> 4096 -> 4096 -> classes with ReLU and dropout 0.5.

    Before the flatten, an adaptive average pool to 5 x 5 (as torchvision's AlexNet has one to
    6 x 6): an identity at 224, and it lets the same network, with the same parameters, run on
    smaller images. 46,764,746 parameters for 1 channel and 10 classes.
    """
    return nn.Sequential(
        nn.Conv2d(in_channels, 96, kernel_size=11, stride=4, padding=1), nn.ReLU(),
        nn.MaxPool2d(kernel_size=3, stride=2),
        nn.Conv2d(96, 256, kernel_size=5, padding=2), nn.ReLU(),
        nn.MaxPool2d(kernel_size=3, stride=2),
        nn.Conv2d(256, 384, kernel_size=3, padding=1), nn.ReLU(),
        nn.Conv2d(384, 384, kernel_size=3, padding=1), nn.ReLU(),
        nn.Conv2d(384, 256, kernel_size=3, padding=1), nn.ReLU(),
        nn.MaxPool2d(kernel_size=3, stride=2),
        nn.AdaptiveAvgPool2d((5, 5)),
        nn.Flatten(),
        nn.Linear(256 * 5 * 5, 4096), nn.ReLU(), nn.Dropout(p=0.5),
        nn.Linear(4096, 4096), nn.ReLU(), nn.Dropout(p=0.5),
        nn.Linear(4096, num_classes),
    )  # fmt: skip


def vgg_block(num_convs: int, in_channels: int, out_channels: int) -> nn.Sequential:
    """``num_convs`` 3x3 convolutions with padding 1 and ReLU, then 2x2 max pooling with stride 2:
    ``(N, in_channels, H, W) -> (N, out_channels, H/2, W/2)``."""
    layers = []
    for _ in range(num_convs):
        layers += [nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1), nn.ReLU()]
        in_channels = out_channels
    layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
    return nn.Sequential(*layers)


VGG11_ARCH = ((1, 64), (1, 128), (2, 256), (2, 512), (2, 512))
VGG11_SLIM_ARCH = tuple((num_convs, channels // 4) for num_convs, channels in VGG11_ARCH)


def vgg(conv_arch, in_channels: int = 1, num_classes: int = 10) -> nn.Sequential:
    """VGG: one :func:`vgg_block` per ``(num_convs, out_channels)`` in ``conv_arch``, an adaptive
    average pool to 7 x 7 (an identity at 224 with five blocks), then dense layers
    ``out_channels * 7 * 7 -> 4096 -> 4096 -> num_classes`` with ReLU and dropout 0.5."""
    blocks = []
    for num_convs, out_channels in conv_arch:
        blocks.append(vgg_block(num_convs, in_channels, out_channels))
        in_channels = out_channels
    return nn.Sequential(
        *blocks,
        nn.AdaptiveAvgPool2d((7, 7)),
        nn.Flatten(),
        nn.Linear(in_channels * 7 * 7, 4096), nn.ReLU(), nn.Dropout(p=0.5),
        nn.Linear(4096, 4096), nn.ReLU(), nn.Dropout(p=0.5),
        nn.Linear(4096, num_classes),
    )  # fmt: skip
