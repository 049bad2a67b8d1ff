"""Reading a student's answer: numbers, sizes and tensors of the kinds a check accepts, calls of a
student's function that report instead of raising, comparisons at the precision of the answer,
and a record of the operations a function calls."""

from __future__ import annotations

import contextlib
import sys
from numbers import Integral, Real

import torch
from torch.overrides import TorchFunctionMode

from .verdict import not_yet


def is_int(value) -> bool:
    return isinstance(value, Integral) and not isinstance(value, bool)


def as_int(value):
    """``value`` as a Python int if it is an integer (an int, a NumPy integer, a one-element
    integer tensor), else None."""
    if isinstance(value, torch.Tensor):
        if value.numel() != 1 or value.is_floating_point() or value.is_complex():
            return None
        if value.dtype == torch.bool or value.is_meta:
            return None
        value = value.item()
    return int(value) if is_int(value) else None


def as_int_tuple(value):
    """``value`` as a tuple of Python ints (a tuple, list, ``torch.Size``), else None."""
    if isinstance(value, (tuple, list, torch.Size)):
        items = [as_int(v) for v in value]
        return tuple(items) if all(v is not None for v in items) else None
    return None


def as_side(value):
    """A square's side given as a positive int or as an equal ``(h, w)`` pair, as an int; else
    None."""
    side = as_int(value)
    pair = as_int_tuple(value)
    if side is None and pair is not None and len(pair) == 2 and pair[0] == pair[1]:
        side = pair[0]
    return side if side is not None and side > 0 else None


def as_float(value):
    """``value`` as a finite Python float if it is a real number (not a bool; a one-element real
    tensor counts), else None."""
    if isinstance(value, torch.Tensor):
        if value.numel() != 1 or value.is_complex() or value.dtype == torch.bool or value.is_meta:
            return None
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, Real):
        return None
    value = float(value)
    return value if value == value and abs(value) != float("inf") else None


def describe(value) -> str:
    """A short account of ``value`` for a message: a tensor by its shape and dtype."""
    if isinstance(value, torch.Tensor):
        return f"a tensor of shape {tuple(value.shape)} and dtype {value.dtype}"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def real_tensor(value) -> bool:
    """True if ``value`` is a tensor of real numbers with values (not bool, complex or meta)."""
    return (
        isinstance(value, torch.Tensor)
        and value.dtype != torch.bool
        and not value.is_complex()
        and not value.is_meta
    )


def call(function, *args):
    """``(result, None)`` from ``function(*args)``, or ``(None, a Verdict)`` saying what went
    wrong: not a function, it raised, or it returned None."""
    if not callable(function) or isinstance(function, type):
        return None, not_yet(f"expected a function, got {describe(function)}")
    try:
        result = function(*args)
    except Exception as exc:  # the student's code: report it, never crash the check
        shown = ", ".join(describe(a) for a in args)
        return None, not_yet(f"your function raised {type(exc).__name__}: {exc} "
                             f"(called with {shown})")  # fmt: skip
    if result is None:
        return None, not_yet(f"your function returned None (called with {len(args)} "
                             "argument(s)); expected it to return its result",
                             "end it with return and the result")  # fmt: skip
    return result, None


def tolerance(dtype: torch.dtype) -> float:
    """How far, relative to the size of the terms, a result computed in ``dtype`` may be from
    the exact one: a few units in the last place for floating point, nothing for integers."""
    return 16 * torch.finfo(dtype).eps if dtype.is_floating_point else 0.0


def agrees(got: torch.Tensor, expected: torch.Tensor, scale: torch.Tensor) -> bool:
    """True if ``got`` equals ``expected`` (exact, in float64) at the precision of ``got``'s
    dtype, where ``scale`` is the size of the terms each entry was computed from."""
    error = (got.detach().cpu().double() - expected.double()).abs()
    return bool((error <= tolerance(got.dtype) * (scale.double().abs() + 1e-300)).all())


@contextlib.contextmanager
def recording_ops():
    """Record the names of the operations called inside the ``with`` block: every torch function
    (``conv2d``, ``relu``, ``max_pool2d``, ``amax``, ...) and every function of the book's own
    ``cnnbook.conv`` and ``cnnbook.pool`` (``conv2d``, ``corr2d``, ``max_pool2d``, ...)."""
    names: set[str] = set()

    class Record(TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):
            names.add(getattr(func, "__name__", type(func).__name__))
            return func(*args, **(kwargs or {}))

    def profile(frame, event, arg):
        if event == "call" and frame.f_globals.get("__name__") in ("cnnbook.conv", "cnnbook.pool"):
            names.add(frame.f_code.co_name)

    previous = sys.getprofile()
    sys.setprofile(profile)
    try:
        with Record():
            yield names
    finally:
        sys.setprofile(previous)
