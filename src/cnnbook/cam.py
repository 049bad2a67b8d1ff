"""Grad-CAM (Selvaraju et al. 2017): where in the image a network finds the evidence for a class.

    maps = grad_cam(net, X, net.features[3])       # X (N, C, H, W) -> maps (N, H, W) in [0, 1]
    fig = show_cam(X, maps, titles)

The feature maps ``A (K, h, w)`` of a convolution, each weighted by how much the class score
grows with it on average (``alpha_k``, the mean of the score's gradient over map ``k``), summed,
kept where positive, upsampled to the image and scaled so that its largest value is 1.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from torch import nn

from . import args
from .alttext import describe_figure
from .plot import figure

CMAP = "turbo"  # 0 (no evidence) blue, 1 (the strongest) red
ALPHA = 0.75  # opacity of the colour where a map is 1; it fades to 0 with the map


def target_layer_of(net, X, target_layer) -> nn.Module:
    """The layer ``target_layer`` names (a layer of ``net`` or its name), after checking the
    arguments of :func:`grad_cam`."""
    args.module("net", net)
    args.tensor("X", X, 4, "(N, C, H, W)")
    if 0 in X.shape:
        raise ValueError(
            f"X must have shape (N, C, H, W) with no empty dimension, got {tuple(X.shape)}"
        )
    if torch.is_inference_mode_enabled():
        raise RuntimeError(
            "grad_cam needs gradients, and torch.inference_mode() turns them off: call it outside "
            "the `with torch.inference_mode():` block (torch.no_grad() is fine)"
        )
    if isinstance(target_layer, str):
        layers = dict(net.named_modules())
        if target_layer not in layers:
            raise ValueError(f"target_layer must name a layer of net, got {target_layer!r}")
        return layers[target_layer]
    if not isinstance(target_layer, nn.Module):
        raise TypeError(f"target_layer must be a layer of net or its name, got {target_layer!r}")
    if not any(layer is target_layer for layer in net.modules()):
        raise ValueError(
            f"target_layer must be a layer of net, got a {type(target_layer).__name__} that is not"
        )
    return target_layer


def _classes(class_idx, logits: torch.Tensor) -> torch.Tensor:
    """One class per example: the predicted one (None), one int for all, or one int each."""
    N, num_classes = logits.shape
    if class_idx is None:
        return logits.argmax(1)
    if isinstance(class_idx, bool) or not isinstance(class_idx, (int, list, tuple, torch.Tensor)):
        raise TypeError(f"class_idx must be None, an int or {N} ints, got {class_idx!r}")
    idx = torch.as_tensor(class_idx, device=logits.device)
    if idx.is_floating_point() or idx.dtype == torch.bool:
        raise TypeError(f"class_idx must be None, an int or {N} ints, got {class_idx!r}")
    idx = idx.long().expand(N) if idx.dim() == 0 else idx.long()
    if idx.shape != (N,) or idx.min() < 0 or idx.max() >= num_classes:
        raise ValueError(f"class_idx must be {N} classes in [0, {num_classes}), got {class_idx!r}")
    return idx


def grad_cam(net: nn.Module, X: torch.Tensor, target_layer, class_idx=None) -> torch.Tensor:
    """Grad-CAM maps of ``X (N, C, H, W)`` for ``class_idx`` (None: each example's predicted
    class; an int: that class for all; N ints: one each), from the output of ``target_layer`` (a
    layer of ``net`` or its name, e.g. ``net.features[3]``, the last convolution of LeNet):
    ``(N, H, W)``, each map scaled to [0, 1] (all 0 where no feature map speaks for the class).

    A forward hook keeps the layer's output; its gradient is taken with ``torch.autograd.grad``,
    so no ``.grad`` is left on the parameters. The network runs in eval mode; its hooks and
    modes are as before afterwards, whatever happens.
    """
    layer = target_layer_of(net, X, target_layer)
    kept = []

    def keep(module, inputs, output):
        # Keep the layer's own output and pass a copy on: a layer after it that works in place
        # (nn.ReLU(inplace=True), as in torchvision's models) then changes the copy, not the maps.
        kept.append(output)
        return output.clone() if isinstance(output, torch.Tensor) else output

    handle = layer.register_forward_hook(keep)
    modes = {m: m.training for m in net.modules()}
    try:
        net.eval()
        with torch.enable_grad():
            # An input that needs a gradient: the graph reaches the layer even if no parameter
            # requires one (a frozen network) or the caller is inside torch.no_grad().
            logits = net(X.detach().clone().requires_grad_(True))
            shapes = [tuple(t.shape) if isinstance(t, torch.Tensor) else type(t) for t in kept]
            if len(kept) != 1 or not isinstance(kept[0], torch.Tensor) or kept[0].dim() != 4:
                raise ValueError(
                    "target_layer must run once in the forward pass and output (N, K, h, w), "
                    f"got {len(kept)} calls with outputs {shapes}"
                )
            if logits.dim() != 2:
                raise ValueError(f"net must output (N, classes), got {tuple(logits.shape)}")
            classes = _classes(class_idx, logits)
            scores = logits.gather(1, classes[:, None]).sum()  # examples are independent
            try:
                (grads,) = torch.autograd.grad(scores, kept[0])
            except RuntimeError as exc:  # the layer's output is not used to compute the scores
                raise ValueError(
                    "target_layer must lie on the path from X to the class scores: the scores do "
                    f"not depend on its output ({exc})"
                ) from exc
    finally:
        handle.remove()
        for module, training in modes.items():
            module.training = training
    A = kept[0].detach()
    alpha = grads.mean(dim=(2, 3), keepdim=True)  # (N, K, 1, 1): each map's weight
    cam = F.relu((alpha * A).sum(1, keepdim=True))  # (N, 1, h, w)
    cam = F.interpolate(cam, size=X.shape[2:], mode="bilinear", align_corners=False)[:, 0]
    peak = cam.flatten(1).max(1).values.clamp_min(torch.finfo(cam.dtype).tiny)
    return (cam / peak[:, None, None]).clamp(0, 1)


def _image(img) -> torch.Tensor:
    """An image as ``(H, W)`` (grey) or ``(H, W, 3)`` (colour) for ``imshow``."""
    img = torch.as_tensor(img).detach().cpu().float()
    if img.dim() == 3 and img.shape[0] in (1, 3):
        img = img[0] if img.shape[0] == 1 else img.permute(1, 2, 0)
    if img.dim() == 3 and img.shape[2] == 3:  # colours scaled to [0, 1]
        img = (img - img.min()) / (img.max() - img.min()).clamp_min(1e-12)
    return img


def show_cam(images, maps, titles=None, scale: float = 1.6):
    """Each image (top row) and its Grad-CAM map laid over it (bottom row), with a colour bar
    saying what the colours mean; return the figure. ``images``: ``(N, H, W)``,
    ``(N, 1, H, W)`` or ``(N, 3, H, W)``; ``maps``: ``(N, H, W)`` in [0, 1], as
    :func:`grad_cam` returns them; ``titles``: N strings or None. Each panel ``scale`` inches."""
    if not isinstance(maps, torch.Tensor) or maps.dim() != 3:
        shape = tuple(maps.shape) if isinstance(maps, torch.Tensor) else type(maps).__name__
        raise ValueError(f"maps must be a tensor (N, H, W), got {shape}")
    images = [_image(img) for img in images]
    if len(images) != len(maps) or len(maps) == 0:
        raise ValueError(
            f"images and maps must hold as many (at least 1), got {len(images)} and {len(maps)}"
        )
    for n, img in enumerate(images):
        if tuple(img.shape[:2]) != tuple(maps.shape[1:]):
            raise ValueError(
                f"image {n} is {tuple(img.shape[:2])} but its map {tuple(maps.shape[1:])}: "
                "they must have the same height and width"
            )
    if titles is not None and len(titles) != len(images):
        raise ValueError(f"titles has {len(titles)} entries for {len(images)} images")
    N = len(images)
    fig = figure(N * scale + 0.9, 2 * scale + 0.5)
    axes = fig.subplots(2, N + 1, squeeze=False, width_ratios=[1] * N + [0.08])
    for n, img in enumerate(images):
        grey = img.dim() == 2
        for ax in axes[:, n]:
            ax.imshow(img.numpy(), cmap="gray_r" if grey else None)
            ax.set_xticks([])
            ax.set_yticks([])
        m = maps[n].detach().cpu().float().clamp(0, 1)
        # The more evidence, the more colour: where the map is 0 the image shows unchanged.
        axes[1, n].imshow(m.numpy(), cmap=CMAP, vmin=0, vmax=1, alpha=(ALPHA * m).numpy())
        if titles is not None:
            axes[0, n].set_title(titles[n], fontsize=8)
    axes[0, 0].set_ylabel("image", fontsize=8)
    axes[1, 0].set_ylabel("Grad-CAM", fontsize=8)
    axes[0, N].axis("off")
    bar = fig.colorbar(ScalarMappable(Normalize(0, 1), CMAP), cax=axes[1, N])
    bar.set_label("evidence for the class\n(0 none, 1 strongest)", fontsize=7)
    bar.ax.tick_params(labelsize=7)
    fig.tight_layout(pad=0.4)
    return describe_figure(fig, _cam_words(maps, titles))


def _cam_words(maps, titles) -> str:
    """The alt text of :func:`show_cam`: per image, its title and where its map is strongest."""
    each = []
    rows, cols = ("top", "middle", "bottom"), ("left", "centre", "right")
    for n, m in enumerate(maps.detach().cpu().float()):
        name = f"image {n}" + (
            f" ({' '.join(str(titles[n]).split())})" if titles is not None else ""
        )
        if not m.max() > 0:
            each.append(f"{name}: no evidence anywhere")
            continue
        (h, w), (i, j) = m.shape, divmod(int(m.argmax()), m.shape[1])
        where = f"{rows[3 * i // h]} {cols[3 * j // w]}".replace("middle centre", "centre")
        share = float((m >= 0.5 * m.max()).float().mean())
        each.append(
            f"{name}: strongest at the {where}, {share:.0%} of the image at half that or more"
        )
    return (
        f"Grad-CAM of {len(each)} images: the images in the top row, below each its map over it in"
        " colour from blue (little evidence for the class) to red (the strongest), fading to"
        " transparent where there is none, with a colour bar. " + "; ".join(each) + "."
    )
