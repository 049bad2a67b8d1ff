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
