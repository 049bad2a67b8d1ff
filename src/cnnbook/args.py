"""Checks of the arguments of the package's public functions: one signature, one message style.

Every helper takes the argument's ``name`` first, then its ``value``, then what is allowed; it
returns the value in the form the caller works with (``size_pair`` turns ``3`` into ``(3, 3)``)
and raises ``TypeError`` for a value of the wrong kind or ``ValueError`` for a wrong value, with
one message style: ``"{name} must be {what is expected}, got {value!r}"``.

    integer(name, value, low=None, high=None)     an int (not a bool) in [low, high]
    real(name, value, low=None, high=None, ...)    a finite real number in a range
    flag(name, value)                              True or False
    choice(name, value, choices)                   one of ``choices``
    size_pair(name, value, low=0)                  an int, or one or two ints -> (int, int)
    tensor(name, value, dims, shape)               a tensor with one of ``dims`` dimensions
    module(name, value)                            a torch.nn.Module
    device(name, value)                            None, a str, an int or a torch.device

Each argument is checked once, where it enters the package: a public function checks what it is
given and passes checked values on.
"""

from __future__ import annotations

import functools
import math
from numbers import Real

import torch
from torch import nn


def _range(low, high, low_open: bool = False, high_open: bool = False) -> str:
    if low is not None and high is not None:
        if not (low_open or high_open):
            return f" in {low}..{high}"
        return f" in {'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
    if low is not None:
        return f" > {low}" if low_open else f" >= {low}"
    if high is not None:
        return f" < {high}" if high_open else f" <= {high}"
    return ""


def integer(name: str, value, low: int | None = None, high: int | None = None) -> int:
    """``value`` if it is an int (not a bool) in ``low..high`` (each bound optional)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int{_range(low, high)}, got {value!r}")
    if (low is not None and value < low) or (high is not None and value > high):
        if high is None:
            raise ValueError(f"{name} must be at least {low}, got {value!r}")
        raise ValueError(f"{name} must be an int{_range(low, high)}, got {value!r}")
    return value


def real(name: str, value, low=None, high=None, *, low_open=False, high_open=False) -> float:
    """``value`` as a float if it is a finite real number (not a bool) between ``low`` and
    ``high`` (each optional; ``low_open``/``high_open`` exclude the bound itself)."""
    expected = f"a finite number{_range(low, high, low_open, high_open)}"
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be {expected}, got {value!r}")
    value = float(value)
    too_low = low is not None and (value <= low if low_open else value < low)
    too_high = high is not None and (value >= high if high_open else value > high)
    if not math.isfinite(value) or too_low or too_high:
        raise ValueError(f"{name} must be {expected}, got {value!r}")
    return value


def flag(name: str, value) -> bool:
    """``value`` if it is True or False (not 0, 1 or a string)."""
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return value


def choice(name: str, value, choices: tuple):
    """``value`` if it is one of ``choices`` (strings, and possibly None)."""
    if value is not None and not isinstance(value, str):
        raise TypeError(f"{name} must be one of {choices}, got {value!r}")
    if value not in choices:
        raise ValueError(f"{name} must be one of {choices}, got {value!r}")
    return value


def size_pair(name: str, value, low: int = 0) -> tuple[int, int]:
    """``value`` (an int, or a tuple or list of one or two ints, each at least ``low``) as a pair
    ``(h, w)``; ``(2,)`` means ``(2, 2)``, as in PyTorch."""
    values = (value, value) if isinstance(value, int) else value
    if isinstance(values, (tuple, list, torch.Size)) and len(values) == 1:
        values = (values[0], values[0])
    if (
        not isinstance(values, (tuple, list, torch.Size))
        or len(values) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in values)
    ):
        raise TypeError(f"{name} must be an int or a pair of ints, got {value!r}")
    if min(values) < low:
        raise ValueError(f"{name} must be at least {low}, got {value!r}")
    return (values[0], values[1])


def tensor(name: str, value, dims, shape: str) -> torch.Tensor:
    """``value`` if it is a tensor with ``dims`` dimensions (an int or a tuple of the numbers
    allowed); ``shape`` says in words what is expected, e.g. ``"(N, C, H, W)"``."""
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    if not isinstance(value, torch.Tensor):
        raise TypeError(
            f"{name} must be a torch.Tensor of shape {shape}, got {type(value).__name__}"
        )
    if value.dim() not in dims:
        raise ValueError(f"{name} must have shape {shape}, got {tuple(value.shape)}")
    return value


def module(name: str, value) -> nn.Module:
    """``value`` if it is a ``torch.nn.Module``."""
    if not isinstance(value, nn.Module):
        raise TypeError(f"{name} must be a torch.nn.Module, got {type(value).__name__}")
    return value


def device(name: str, value) -> torch.device | None:
    """``value`` as a ``torch.device`` (``"cpu"``, ``"cuda"``, ``"cuda:1"``, an int for that
    CUDA device, or a ``torch.device``), checked to be usable here; None stays None."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, torch.device)):
        raise TypeError(
            f"{name} must be None, a str, an int or a torch.device such as 'cpu' or 'cuda', "
            f"got {value!r}"
        )
    try:
        checked = torch.device(value)
    except (RuntimeError, ValueError) as exc:
        raise ValueError(
            f"{name} must name a device such as 'cpu' or 'cuda', got {value!r}"
        ) from exc
    problem = unusable(checked)
    if problem:
        raise ValueError(f"{name} must be a device this machine has, got {value!r}: {problem}")
    return checked


@functools.cache
def unusable(device: torch.device) -> str:
    """Why ``device`` cannot hold a tensor here ("" if it can); asked once per device and
    process, so a device passed on from function to function costs one probe."""
    try:
        torch.empty(0, device=device)
    except (RuntimeError, AssertionError, ValueError) as exc:
        return str(exc)
    return ""
