"""Where a computation runs: the device, how a result names it, whether it computes bfloat16
natively, and the machine a measurement ran on.

    device = as_device(None)      # the fastest device here: CUDA, Apple's MPS, else the CPU
    device_name(device)           # 'cpu (2 threads)' or 'NVIDIA H200 (cuda)'
    bf16_native(device)           # True where bf16 autocast makes training faster
    machine_info(device)          # 'AMD EPYC ..., 2 threads of 2 cores; torch ..., Python ...'
"""

from __future__ import annotations

import functools
import os
import platform

import torch
from torch import nn

from . import args


def default_device() -> torch.device:
    """The fastest device here: CUDA, then Apple's MPS, then the CPU."""
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def as_device(device) -> torch.device:
    """``device`` (``"cpu"``, ``"cuda"``, an int for that CUDA device, a ``torch.device``) as a
    checked ``torch.device``; ``None`` gives :func:`default_device`."""
    return default_device() if device is None else args.device("device", device)


def device_of(net: nn.Module) -> torch.device:
    """The device of ``net``'s first parameter (the CPU for a network without parameters)."""
    parameter = next(net.parameters(), None)
    return parameter.device if parameter is not None else torch.device("cpu")


def device_name(device: torch.device) -> str:
    """How a result names its device, e.g. ``cpu (2 threads)`` or ``NVIDIA H200 (cuda)``."""
    if device.type == "cuda":
        return f"{torch.cuda.get_device_name(device)} (cuda)"
    if device.type == "cpu":
        return f"cpu ({torch.get_num_threads()} threads)"
    return device.type


@functools.lru_cache(maxsize=1)
def cpu_info() -> dict[str, str]:
    """The first processor's entries of ``/proc/cpuinfo`` (``model name``, ``flags``, ...);
    empty where that file does not exist."""
    info = {}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if not line.strip():
                    break  # the end of the first processor's entries
                key, _, value = line.partition(":")
                info[key.strip()] = value.strip()
    except OSError:
        pass
    return info


def cpu_name() -> str:
    """The processor's model name, as the OS reports it."""
    return cpu_info().get("model name") or platform.processor() or platform.machine()


def bf16_native(device: torch.device) -> bool:
    """Whether ``device`` computes in bfloat16 natively, so that bf16 autocast makes training
    faster rather than slower: a CUDA GPU with bfloat16 arithmetic (Ampere or newer; not a T4,
    where it is emulated), or a CPU with AVX-512 BF16 or AMX instructions (read from
    ``/proc/cpuinfo``; False where that file is missing) that PyTorch is allowed to use: not
    where ``ATEN_CPU_CAPABILITY`` holds ATen below AVX-512 or ``ONEDNN_MAX_CPU_ISA`` holds
    oneDNN below AVX-512 BF16 (the settings that make this machine compute like most
    laptops)."""
    if device.type == "cuda":
        try:
            return torch.cuda.is_bf16_supported(including_emulation=False)
        except TypeError:  # an older torch, which counts no emulation
            return torch.cuda.is_bf16_supported()
    if device.type != "cpu":
        return False
    flags = cpu_info().get("flags", "").split()
    if not ("avx512_bf16" in flags or "amx_bf16" in flags):
        return False
    if torch.backends.cpu.get_cpu_capability() in ("DEFAULT", "AVX2", "ZVECTOR", "VSX"):
        return False
    onednn = os.environ.get("ONEDNN_MAX_CPU_ISA", "ALL").upper()
    return onednn == "ALL" or "BF16" in onednn or "AMX" in onednn or "AVX10" in onednn


def machine_info(device: torch.device | None = None) -> str:
    """One line naming the hardware and software a measurement ran on."""
    device = device or torch.device("cpu")
    if device.type == "cuda":
        hardware = device_name(device)
    else:
        hardware = f"{cpu_name()}, {torch.get_num_threads()} threads of {os.cpu_count()} cores"
    return f"{hardware}; torch {torch.__version__}, Python {platform.python_version()}"
