"""Timing helpers shared by the chapters and ``make bench``: same code, same numbers."""

from __future__ import annotations

import itertools
import os
import statistics
import time

import torch

from .devices import bf16_native, cpu_name, machine_info


def timeit(fn, repeat: int = 5, warmup: int = 1) -> float:
    """Median wall-clock seconds of ``fn()`` over ``repeat`` runs, after ``warmup`` runs."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def epoch_time(batches) -> tuple[float, int]:
    """Seconds to draw every batch of ``batches`` once, and the number of examples drawn."""
    start, n = time.perf_counter(), 0
    for X, _ in batches:
        n += X.shape[0]
    return time.perf_counter() - start, n


def decode_time(root=None) -> float:
    """Seconds to find, verify and decode the four Fashion-MNIST files from scratch."""
    from .data import clear_cache, read_fashion_mnist

    clear_cache()
    start = time.perf_counter()
    read_fashion_mnist(root)
    return time.perf_counter() - start


def compare_data_pipelines(batch_size=256, num_workers=(0,), root=None) -> dict[str, float]:
    """Seconds for one training epoch of batches (no model): cnnbook's in-memory batches versus
    ``torchvision.datasets.FashionMNIST`` + ``ToTensor`` + ``DataLoader`` with each number of
    worker processes in ``num_workers``. Ours is the median of 3 epochs, torchvision's one epoch.
    """
    from .data import load_fashion_mnist, torchvision_loader

    train_iter, _ = load_fashion_mnist(batch_size, root=root)
    times = {"cnnbook": timeit(lambda: epoch_time(train_iter), repeat=3, warmup=1)}
    for workers in num_workers:
        loader = torchvision_loader(batch_size, train=True, num_workers=workers, root=root)
        times[f"torchvision, {workers} workers"] = timeit(
            lambda loader=loader: epoch_time(loader), repeat=1, warmup=0
        )
    return times


def report(title: str, times: dict, reference: str, versus: str | None = None) -> None:
    """Print ``times`` as a table with each time also as a multiple of ``reference``'s, and
    with ``versus`` (another name in ``times``) a line saying which of the two was faster in
    this run, and by what factor, for each kind of time measured.

    ``times`` maps a name to seconds, or to ``{"forward": s, "forward+backward": s}``.
    """
    print(title)
    for name, value in times.items():
        cells = value if isinstance(value, dict) else {"time": value}
        row = "".join(
            f"   {what} {seconds * 1e3:9.2f} ms {seconds / _at(times[reference], what):7.1f}x"
            for what, seconds in cells.items()
        )
        print(f"  {name:<26}{row}")
    if versus is not None:
        print("  faster here:", ", ".join(faster(times, reference, versus)))


def faster(times: dict, a: str, b: str) -> list[str]:
    """For each kind of time in ``times``, which of ``a`` and ``b`` took less, by what factor:
    ``["forward F.conv2d by 3.2x", ...]`` (a measurement of this run, on this machine)."""
    kinds = times[a] if isinstance(times[a], dict) else {"time": None}
    verdicts = []
    for what in kinds:
        t_a, t_b = _at(times[a], what), _at(times[b], what)
        winner, factor = (a, t_b / t_a) if t_a <= t_b else (b, t_a / t_b)
        verdicts.append(f"{what} {winner} by {factor:.1f}x")
    return verdicts


def _at(value, what):
    return value[what] if isinstance(value, dict) else value


def _forward_backward(fn, inputs):
    """A callable running ``fn(*inputs)`` and back-propagating a fixed random gradient."""
    grad = torch.randn_like(fn(*inputs).detach())
    leaves = [t for t in inputs if isinstance(t, torch.Tensor) and t.requires_grad]

    def run():
        for t in leaves:
            t.grad = None
        fn(*inputs).backward(grad)

    return run


def conv_speed(batch=64, c_in=3, c_out=16, size=32, kernel=3, padding=1, loop=False, repeat=5):
    """Seconds for forward and forward+backward of ``F.conv2d``, cnnbook's ``conv2d`` and, with
    ``loop=True``, the loop version ``corr2d_multi_in_out`` applied example by example; all on
    the same random inputs (input, weight and bias all require gradients)."""
    import torch.nn.functional as F

    from .conv import conv2d, corr2d_multi_in_out

    g = torch.Generator().manual_seed(0)
    X = torch.randn(batch, c_in, size, size, generator=g).requires_grad_()
    W = torch.randn(c_out, c_in, kernel, kernel, generator=g).requires_grad_()
    b = torch.randn(c_out, generator=g).requires_grad_()

    def loop_conv(X, W, b):
        return torch.stack([corr2d_multi_in_out(x, W, 1, padding) for x in X]) + b.view(-1, 1, 1)

    fns = {"F.conv2d": lambda X, W, b: F.conv2d(X, W, b, 1, padding)}
    fns["cnnbook conv2d"] = lambda X, W, b: conv2d(X, W, b, 1, padding)
    if loop:
        fns["loop corr2d_multi_in_out"] = loop_conv
    times = {}
    for name, fn in fns.items():
        r = 1 if name.startswith("loop") else repeat
        times[name] = {
            "forward": timeit(lambda fn=fn: fn(X, W, b), repeat=r, warmup=2),
            "forward+backward": timeit(_forward_backward(fn, (X, W, b)), repeat=r, warmup=2),
        }
    return times


def pool_speed(shape, kernel, stride, mode="max", loop=False, repeat=5):
    """Seconds for forward and forward+backward of PyTorch's pooling, cnnbook's fast version and,
    with ``loop=True``, the loop version ``pool2d``; all on the same random input."""
    import torch.nn.functional as F

    from .pool import avg_pool2d, max_pool2d, pool2d

    X = torch.randn(shape, generator=torch.Generator().manual_seed(0)).requires_grad_()
    ours, theirs = (max_pool2d, F.max_pool2d) if mode == "max" else (avg_pool2d, F.avg_pool2d)
    fns = {f"F.{theirs.__name__}": theirs, f"cnnbook {ours.__name__}": ours}
    if loop:
        fns["loop pool2d"] = lambda X, k, s: pool2d(X, k, s, 0, mode)
    times = {}
    for name, fn in fns.items():
        r = 1 if name.startswith("loop") else repeat
        times[name] = {
            "forward": timeit(lambda fn=fn: fn(X, kernel, stride), repeat=r),
            "forward+backward": timeit(_forward_backward(fn, (X, kernel, stride)), repeat=r),
        }
    return times


def bench_data() -> None:
    print(f"\nData: decode the four files once: {decode_time():.2f} s")
    times = compare_data_pipelines(num_workers=(0, min(4, os.cpu_count() or 1)))
    report("One training epoch of 60,000 images in batches of 256, no model:", times, "cnnbook")


def bench_conv() -> None:
    print()
    report(
        "Convolution, one example, 3 -> 4 channels, 16x16, 3x3, padding 1:",
        conv_speed(batch=1, c_out=4, size=16, loop=True),
        "F.conv2d",
    )
    report(
        "Convolution, batch 64, 3 -> 16 channels, 32x32, 3x3, padding 1 (the goal: < 3x):",
        conv_speed(batch=64, repeat=20),
        "F.conv2d",
    )
    report(
        "Convolution, LeNet's second layer: batch 256, 6 -> 16 channels, 14x14, 5x5:",
        conv_speed(batch=256, c_in=6, c_out=16, size=14, kernel=5, padding=0, repeat=10),
        "F.conv2d",
    )


POOL_CASES = [
    ("LeNet, avg 2x2/2, (256, 6, 28, 28)", (256, 6, 28, 28), 2, 2, "avg"),
    ("LeNet, avg 2x2/2, (256, 16, 10, 10)", (256, 16, 10, 10), 2, 2, "avg"),
    ("LeNet (modern), max 2x2/2, (256, 6, 28, 28)", (256, 6, 28, 28), 2, 2, "max"),
    ("AlexNet, max 3x3/2, (128, 96, 54, 54)", (128, 96, 54, 54), 3, 2, "max"),
    ("AlexNet, max 3x3/2, (128, 256, 26, 26)", (128, 256, 26, 26), 3, 2, "max"),
    ("AlexNet, max 3x3/2, (128, 256, 12, 12)", (128, 256, 12, 12), 3, 2, "max"),
]


def bench_pool() -> None:
    print()
    report(
        "Pooling, loop version included: max 3x3/2 on (1, 4, 28, 28):",
        pool_speed((1, 4, 28, 28), 3, 2, loop=True),
        "F.max_pool2d",
    )
    for title, shape, k, s, mode in POOL_CASES:
        report(f"Pooling, {title} (the goal: < 3x):", pool_speed(shape, k, s, mode, repeat=3),
               f"F.{mode}_pool2d")  # fmt: skip


def training_throughput(batches, max_batches: int = 100, seed: int = 0) -> float:
    """Examples per second of LeNet training steps (forward, backward, SGD update, by
    ``train_epoch``) fed by ``batches``, over its first ``max_batches`` batches, data loading
    included."""
    from .models import LeNet
    from .train import train_epoch

    torch.manual_seed(seed)
    net = LeNet()
    opt = torch.optim.SGD(net.parameters(), lr=0.9)
    loss_fn = torch.nn.CrossEntropyLoss()
    start = time.perf_counter()
    result = train_epoch(net, itertools.islice(batches, max_batches), loss_fn, opt)
    return result.examples / (time.perf_counter() - start)


def bench_lenet() -> None:
    from .data import load_fashion_mnist, torchvision_loader

    train_iter, _ = load_fashion_mnist(256)
    speeds = {"cnnbook in-memory batches": training_throughput(train_iter)}
    for workers in (0, min(4, os.cpu_count() or 1)):
        loader = torchvision_loader(256, train=True, num_workers=workers)
        speeds[f"torchvision + DataLoader, {workers} workers"] = training_throughput(loader)
    ours = speeds["cnnbook in-memory batches"]
    print(
        "\nLeNet training, 100 steps of 256 examples (examples/sec, ours / theirs; goal >= 1.5x):"
    )
    for name, speed in speeds.items():
        print(f"  {name:<40} {speed:10,.0f} examples/sec   {ours / speed:5.2f}x")


def recipe_step_speed(name: str, budget: str = "cpu", device: str = "cpu", *,
                      batch_size: int | None = None, adam: str = "fused", layout: str = "plain",
                      bf16: bool | None = None, resize: int | None = None,
                      pre_resized: bool = False, steps: int = 6,
                      warmup: int = 2) -> float:  # fmt: skip
    """Examples per second of training steps (``train_epoch`` over ``steps`` batches, after
    ``warmup``) of model ``name`` (``"alexnet"`` or ``"vgg"``) with its recipe for ``budget`` on
    ``device``, on random 28 x 28 images resized per batch as the loader does (or once
    beforehand: ``pre_resized``). Changed alone from the recipe: ``batch_size``; ``resize``; an
    Adam recipe's ``adam``, ``"fused"``, ``"foreach"`` or ``"loop"`` (one tensor at a time);
    memory ``layout`` ``"plain"`` or ``"channels_last"``; ``bf16`` autocast (default: as the
    recipe, where native)."""
    import torch.nn.functional as F

    from .models import build
    from .recipes import recipe
    from .train import train_epoch

    settings, device = recipe(name, budget), torch.device(device)
    size, batch_size = resize or settings.resize, batch_size or settings.batch_size
    bf16 = settings.bf16 and bf16_native(device) if bf16 is None else bf16
    torch.manual_seed(0)
    memory = torch.channels_last if layout == "channels_last" else torch.contiguous_format
    net = build(name).to(device, memory_format=memory)
    if settings.optimizer == "sgd":
        opt = torch.optim.SGD(net.parameters(), lr=settings.lr)
    else:
        flags = {"fused": dict(fused=True), "foreach": dict(foreach=True),
                 "loop": dict(foreach=False)}  # fmt: skip
        opt = torch.optim.Adam(net.parameters(), lr=1e-4, **flags[adam])
    loss_fn = torch.nn.CrossEntropyLoss()
    small = torch.rand(batch_size, 1, 28, 28, device=device)
    y = torch.randint(0, 10, (batch_size,), device=device)

    def resized():
        X = F.interpolate(small, size=(size, size), mode="bilinear")
        return X.contiguous(memory_format=memory)

    ready = resized()

    def batches(count):
        for _ in range(count):
            yield (ready if pre_resized else resized()), y

    if warmup:
        train_epoch(net, batches(warmup), loss_fn, opt, device=device, bf16=bf16)
    start = time.perf_counter()
    train_epoch(net, batches(steps), loss_fn, opt, device=device, bf16=bf16)
    return steps * batch_size / (time.perf_counter() - start)


def recipe_variants(name: str) -> dict:
    """The speed-ups tried for the CPU recipe of ``name``, each changed alone from the recipe."""
    from .recipes import recipe

    r = recipe(name, "cpu")
    bf16 = r.bf16 and bf16_native(torch.device("cpu"))
    own = f"recipe: fused Adam, batch {r.batch_size}, {'bf16' if bf16 else 'float32'}"
    return {
        own: {},
        "float32" if bf16 else "bf16 autocast": dict(bf16=not bf16),
        "Adam one tensor at a time": dict(adam="loop"),
        "Adam foreach": dict(adam="foreach"),
        f"batch {r.batch_size // 2}": dict(batch_size=r.batch_size // 2),
        f"batch {2 * r.batch_size}": dict(batch_size=2 * r.batch_size),
        "channels_last": dict(layout="channels_last"),
        "images resized once beforehand": dict(pre_resized=True),
    }


def bench_recipes() -> None:
    from .recipes import recipe

    for name in ("alexnet", "vgg"):
        r = recipe(name, "cpu")
        print(f"\n{name} training steps at the CPU recipe's {r.resize} x {r.resize} px, on "
              f"{cpu_name()} (examples/sec; ratio to the recipe's own settings):")  # fmt: skip
        speeds = {label: recipe_step_speed(name, **change)
                  for label, change in recipe_variants(name).items()}  # fmt: skip
        ours = next(iter(speeds.values()))
        for label, speed in speeds.items():
            print(f"  {label:<42} {speed:8,.0f} examples/sec   {speed / ours:5.2f}x")


# Peak float32 throughput, TFLOP/s, dense, without TF32 or tensor cores, from the vendors'
# datasheets (H100/H200 SXM, A100, L4, T4): only to estimate one GPU's time from another's.
FP32_PEAK = {"H200": 67.0, "H100": 67.0, "A100": 19.5, "L4": 30.3, "T4": 8.1}


def bench_gpu() -> None:
    """The full and gpu recipes' training steps on this CUDA GPU, with TF32 and without (float32
    as a T4 computes it), and from the latter an estimate of a T4's epoch."""
    from .recipes import recipe

    if not torch.cuda.is_available():
        print("\nGPU: no CUDA device here")
        return
    gpu = torch.cuda.get_device_name()
    peak = next((value for key, value in FP32_PEAK.items() if key in gpu), None)
    print(f"\nTraining steps on {gpu} at 224 x 224 px, batch 128 (examples/sec; the T4 epoch is "
          f"an estimate: this GPU's float32 epoch x its float32 peak / the T4's):")  # fmt: skip
    tf32 = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
    for name in ("alexnet", "vgg"):
        for budget in ("full", "gpu"):
            speeds = {}
            for allow in (True, False):
                torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = allow
                speeds[allow] = recipe_step_speed(name, budget, "cuda", bf16=False, steps=40,
                                                  warmup=5)  # fmt: skip
            r = recipe(name, budget)
            epoch = 60_000 / speeds[False]
            t4 = f"{epoch * peak / FP32_PEAK['T4']:6.0f} s" if peak else "   (no peak known)"
            print(f"  {name:<8} {budget:<5} {r.optimizer:<5} TF32 {speeds[True]:8,.0f}, float32 "
                  f"{speeds[False]:8,.0f} examples/sec; a T4's epoch {t4} (estimate)")  # fmt: skip
    torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = tf32


SECTIONS = {"data": bench_data, "conv": bench_conv, "pool": bench_pool, "lenet": bench_lenet,
            "recipes": bench_recipes, "gpu": bench_gpu}  # fmt: skip


def measure(argv=None) -> int:
    """The command line: ``python -m cnnbook.bench [sections]``."""
    import argparse

    parser = argparse.ArgumentParser(description="The book's benchmarks, as ratios.")
    parser.add_argument("sections", nargs="*", help=f"any of {', '.join(SECTIONS)} (default: all)")
    options = parser.parse_args(argv)
    unknown = [name for name in options.sections if name not in SECTIONS]
    if unknown:
        parser.error(f"unknown section(s) {unknown}; choose from {list(SECTIONS)}")
    print(f"cnnbook benchmarks on {machine_info()}")
    for name in options.sections or SECTIONS:
        SECTIONS[name]()
    return 0


if __name__ == "__main__":
    raise SystemExit(measure())
