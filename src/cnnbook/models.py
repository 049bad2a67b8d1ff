"""The networks of the book, shaped like torchvision's: ``features`` (convolutions and pooling),
``avgpool`` where the network adapts to the image size, and ``classifier`` (dense layers).

LeNet()               (N, C, 28, 28)   -> (N, 10)   LeCun et al. 1998, as in d2l
LeNetModern()         (N, C, 28, 28)   -> (N, 10)   ReLU, max pooling, batch normalisation
AlexNet()             (N, C, 224, 224) -> (N, 10)   Krizhevsky et al. 2012, as in d2l
VGG(VGG11_SLIM_ARCH)  (N, C, 224, 224) -> (N, 10)   Simonyan and Zisserman 2014, as in d2l

Every constructor takes ``in_channels=1`` (Fashion-MNIST is grey) and ``num_classes=10``.
"""

from __future__ import annotations

from functools import partial

import torch
from torch import nn

from . import args, conv, pool


class LeNet(nn.Module):
    """LeNet-5 (LeCun et al. 1998) as in d2l: two 5x5 convolutions (6 and 16 channels, the first
    padded by 2), each followed by a sigmoid and 2x2 average pooling, then dense layers
    400 -> 120 -> 84 -> classes with a sigmoid after each hidden one. 61,706 parameters for one
    channel and 10 classes.

    ``features``: ``(N, C, 28, 28) -> (N, 16, 5, 5)``; ``classifier``: ``(N, 400) -> (N, classes)``.

    ``from_scratch=True`` builds the same network from this book's own :class:`conv.Conv2d` and
    :class:`pool.AvgPool2d` (same parameters, same initialisation for the same seed).
    """

    def __init__(self, in_channels: int = 1, num_classes: int = 10, from_scratch: bool = False):
        super().__init__()
        args.integer("in_channels", in_channels, 1)
        args.integer("num_classes", num_classes, 1)
        args.flag("from_scratch", from_scratch)
        Conv2d = conv.Conv2d if from_scratch else nn.Conv2d
        AvgPool2d = pool.AvgPool2d if from_scratch else nn.AvgPool2d
        self.features = nn.Sequential(
            Conv2d(in_channels, 6, kernel_size=5, padding=2),
            nn.Sigmoid(),
            AvgPool2d(kernel_size=2, stride=2),
            Conv2d(6, 16, kernel_size=5),
            nn.Sigmoid(),
            AvgPool2d(kernel_size=2, stride=2),
        )
        self.classifier = nn.Sequential(
            nn.Linear(16 * 5 * 5, 120),
            nn.Sigmoid(),
            nn.Linear(120, 84),
            nn.Sigmoid(),
            nn.Linear(84, num_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.features(x)
        x = torch.flatten(x, 1)
        x = self.classifier(x)
        return x


class LeNetModern(nn.Module):
    """LeNet's layout with today's parts: ReLU instead of sigmoid (gradients do not vanish), max
    instead of average pooling (keeps the strongest response), and batch normalisation after
    every convolution and hidden dense layer (keeps activations well scaled, so larger learning
    rates work). 62,158 parameters for one channel and 10 classes.

    ``features``: ``(N, C, 28, 28) -> (N, 16, 5, 5)``; ``classifier``: ``(N, 400) -> (N, classes)``.
    """

    def __init__(self, in_channels: int = 1, num_classes: int = 10):
        super().__init__()
        args.integer("in_channels", in_channels, 1)
        args.integer("num_classes", num_classes, 1)
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 6, kernel_size=5, padding=2),
            nn.BatchNorm2d(6),
            nn.ReLU(),
            nn.MaxPool2d(kernel_size=2, stride=2),
            nn.Conv2d(6, 16, kernel_size=5),
            nn.BatchNorm2d(16),
            nn.ReLU(),
            nn.MaxPool2d(kernel_size=2, stride=2),
        )
        self.classifier = nn.Sequential(
            nn.Linear(16 * 5 * 5, 120),
            nn.BatchNorm1d(120),
            nn.ReLU(),
            nn.Linear(120, 84),
            nn.BatchNorm1d(84),
            nn.ReLU(),
            nn.Linear(84, num_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.features(x)
        x = torch.flatten(x, 1)
        x = self.classifier(x)
        return x


class AlexNet(nn.Module):
    """AlexNet (Krizhevsky et al. 2012) in d2l's one-GPU form for 224 x 224 inputs: five
    convolutions (96 11x11 stride 4, 256 5x5, then 384, 384, 256 3x3), max pooling 3/2 after the
    first, second and fifth, ReLU after every convolution, then dense layers
    6400 -> 4096 -> 4096 -> classes with ReLU and dropout 0.5. 46,764,746 parameters for one
    channel and 10 classes.

    ``features``: ``(N, C, 224, 224) -> (N, 256, 5, 5)``; ``avgpool``, an adaptive average pool
    to 5 x 5 as in torchvision's AlexNet (which pools to 6 x 6): an identity at 224, and it lets
    the same network, with the same parameters, run on images down to 65 x 65 (features
    ``(N, 256, 1, 1)``, repeated to 5 x 5); ``classifier``: ``(N, 6400) -> (N, classes)``.
    """

    def __init__(self, in_channels: int = 1, num_classes: int = 10):
        super().__init__()
        args.integer("in_channels", in_channels, 1)
        args.integer("num_classes", num_classes, 1)
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 96, kernel_size=11, stride=4, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(96, 256, kernel_size=5, padding=2),
            nn.ReLU(),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(256, 384, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.Conv2d(384, 384, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.Conv2d(384, 256, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(kernel_size=3, stride=2),
        )
        self.avgpool = nn.AdaptiveAvgPool2d((5, 5))
        self.classifier = nn.Sequential(
            nn.Linear(256 * 5 * 5, 4096),
            nn.ReLU(),
            nn.Dropout(p=0.5),
            nn.Linear(4096, 4096),
            nn.ReLU(),
            nn.Dropout(p=0.5),
            nn.Linear(4096, num_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.features(x)
        x = self.avgpool(x)
        x = torch.flatten(x, 1)
        x = self.classifier(x)
        return x


# VGG's architectures: one (number of 3x3 convolutions, output channels) pair per block. VGG-11 is
# configuration "A" of Simonyan and Zisserman (2014); the slim one has a quarter of the channels.
VGG11_ARCH = ((1, 64), (1, 128), (2, 256), (2, 512), (2, 512))
VGG11_SLIM_ARCH = tuple((num_convs, channels // 4) for num_convs, channels in VGG11_ARCH)


def vgg_block(num_convs: int, in_channels: int, out_channels: int) -> nn.Sequential:
    """``num_convs`` 3x3 convolutions with padding 1 and ReLU, then 2x2 max pooling with stride 2:
    ``(N, in_channels, H, W) -> (N, out_channels, H // 2, W // 2)``."""
    args.integer("num_convs", num_convs, 1)
    args.integer("in_channels", in_channels, 1)
    args.integer("out_channels", out_channels, 1)
    layers = []
    for _ in range(num_convs):
        layers.append(nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1))
        layers.append(nn.ReLU())
        in_channels = out_channels
    layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
    return nn.Sequential(*layers)


def validate_arch(conv_arch) -> None:
    expected = "a non-empty sequence of (num_convs, out_channels) pairs such as VGG11_ARCH"
    if isinstance(conv_arch, (str, bytes)) or not hasattr(conv_arch, "__len__"):
        raise TypeError(f"conv_arch must be {expected}, got {conv_arch!r}")
    if len(conv_arch) == 0:
        raise ValueError(f"conv_arch must be {expected}, got {conv_arch!r}")
    for block in conv_arch:
        if isinstance(block, (str, bytes)) or not hasattr(block, "__len__"):
            raise TypeError(f"conv_arch must be {expected}, got the entry {block!r}")
        if len(block) != 2:
            raise ValueError(f"conv_arch must be {expected}, got the entry {block!r}")
        args.integer("num_convs in conv_arch", block[0], 1)
        args.integer("out_channels in conv_arch", block[1], 1)


class VGG(nn.Module):
    """VGG (Simonyan and Zisserman 2014) as in d2l, with torchvision's adaptive pool.

    ``features``: one :func:`vgg_block` per ``(num_convs, out_channels)`` in ``conv_arch``,
    ``(N, C, H, W) -> (N, out_channels, H / 2^blocks, W / 2^blocks)`` (7 x 7 at 224 with five
    blocks); ``avgpool``: an adaptive average pool to 7 x 7, an identity at 224 with five blocks,
    so smaller images (down to 32 x 32 with five blocks) run through the same parameters;
    ``classifier``: dense layers ``out_channels * 7 * 7 -> 4096 -> 4096 -> num_classes`` with ReLU
    and dropout 0.5. 128,806,154 parameters for VGG11_ARCH, one channel and 10 classes.
    """

    def __init__(self, conv_arch, in_channels: int = 1, num_classes: int = 10):
        super().__init__()
        validate_arch(conv_arch)
        args.integer("in_channels", in_channels, 1)
        args.integer("num_classes", num_classes, 1)
        blocks = []
        for num_convs, out_channels in conv_arch:
            blocks.append(vgg_block(num_convs, in_channels, out_channels))
            in_channels = out_channels
        self.features = nn.Sequential(*blocks)
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        self.classifier = nn.Sequential(
            nn.Linear(in_channels * 7 * 7, 4096),
            nn.ReLU(),
            nn.Dropout(p=0.5),
            nn.Linear(4096, 4096),
            nn.ReLU(),
            nn.Dropout(p=0.5),
            nn.Linear(4096, num_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.features(x)
        x = self.avgpool(x)
        x = torch.flatten(x, 1)
        x = self.classifier(x)
        return x


# The book's models by name (1 input channel, 10 classes), as the recipes and the self-checks
# build them: name -> a function returning a fresh network.
MODELS = {
    "lenet": LeNet,
    "lenet-modern": LeNetModern,
    "lenet-scratch": partial(LeNet, from_scratch=True),
    "alexnet": AlexNet,
    "vgg": partial(VGG, VGG11_SLIM_ARCH),
}


def build(name: str) -> nn.Module:
    """A fresh network of model ``name``, a key of :data:`MODELS` (e.g. ``"alexnet"``)."""
    return MODELS[args.choice("name", name, tuple(MODELS))]()
