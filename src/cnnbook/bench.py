"""Timing helpers shared by the chapters and ``make bench``: same code, same numbers."""

from __future__ import annotations

import os
import platform
import statistics
import time

import torch


def cpu_name() -> str:
    """The processor's model name, as the OS reports it."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_info(device=None) -> str:
    """One line naming the hardware and software a measurement ran on."""
    device = torch.device(device) if device is not None else torch.device("cpu")
    if device.type == "cuda":
        hw = f"{torch.cuda.get_device_name(device)} (cuda)"
    else:
        hw = f"{cpu_name()}, {torch.get_num_threads()} threads of {os.cpu_count()} cores"
    return f"{hw}; torch {torch.__version__}, Python {platform.python_version()}"


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
    from . import data

    data._DECODED.clear()
    start = time.perf_counter()
    data.read_fashion_mnist(root)
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


def _row(name: str, seconds: float, reference: float) -> str:
    return f"  {name:<44} {seconds * 1e3:10.1f} ms   {seconds / reference:8.1f}x"


def bench_data() -> None:
    print(f"\nData: decode the four files once: {decode_time():.2f} s")
    print("One training epoch of 60,000 images in batches of 256, no model (time, x ours):")
    times = compare_data_pipelines(num_workers=(0, min(4, os.cpu_count() or 1)))
    for name, seconds in times.items():
        print(_row(name, seconds, times["cnnbook"]))


SECTIONS = {"data": bench_data}


def main(argv=None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description="The book's benchmarks, as ratios.")
    parser.add_argument("sections", nargs="*", help=f"any of {', '.join(SECTIONS)} (default: all)")
    args = parser.parse_args(argv)
    unknown = [name for name in args.sections if name not in SECTIONS]
    if unknown:
        parser.error(f"unknown section(s) {unknown}; choose from {list(SECTIONS)}")
    print(f"cnnbook benchmarks on {machine_info()}")
    for name in args.sections or SECTIONS:
        SECTIONS[name]()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
