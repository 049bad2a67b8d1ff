"""What a self-check returns, and the one rule every self-check follows.

A :class:`Verdict` is right, not yet right (with a hint), or "no answer yet" (the student's cell
still holds the stub ``...``). :func:`self_check` wraps each check so that it never raises:
``...`` in place of an answer gives "no answer yet" and what to put there; any other answer is
judged by the check, which says what was expected when the answer is of the wrong kind.
"""

from __future__ import annotations

import functools
import inspect
from dataclasses import dataclass


@dataclass(frozen=True)
class Verdict:
    """The outcome of a self-check: ``ok``, what was found (``message``) and, when the answer is
    not right yet, a ``hint``; ``answered`` is False while the answer is still the stub ``...``.
    ``bool(verdict)`` is ``ok``; printed (or shown as a cell's result) it reads
    ``Right: ...``, ``Not yet: ... Hint: ...`` or ``No answer yet: ...``."""

    ok: bool
    message: str
    hint: str = ""
    answered: bool = True

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        if self.ok:
            return f"Right: {self.message}"
        if not self.answered:
            return f"No answer yet: {self.message}"
        return f"Not yet: {self.message}" + (f"\nHint: {self.hint}" if self.hint else "")

    __repr__ = __str__


def right(message: str) -> Verdict:
    return Verdict(True, message)


def not_yet(message: str, hint: str = "") -> Verdict:
    return Verdict(False, message, hint)


def no_answer(descriptions: list[str]) -> Verdict:
    """The verdict on a stub: which answers to put in place of ``...``."""
    wanted = " and ".join(descriptions)
    return Verdict(False, f"replace the ... in the cell above with {wanted}, then run this cell "
                          "again", answered=False)  # fmt: skip


def self_check(**expects: str):
    """Make a function a self-check: ``expects`` names each parameter that holds a student's
    answer and says in words what it must be (the student notebook's answer cell shows the same
    words). The decorated check returns "no answer yet" while such an argument is ``...``, a
    "not yet" naming its parameters when it is called with the wrong number of them, and never
    raises: should the check itself fail on an answer, the verdict says what was expected."""

    def decorate(check):
        signature = inspect.signature(check)
        unknown = set(expects) - set(signature.parameters)
        if unknown:
            raise TypeError(f"{check.__name__} has no parameter {sorted(unknown)}")

        @functools.wraps(check)
        def run(*args, **kwargs) -> Verdict:
            try:
                bound = signature.bind(*args, **kwargs)
            except TypeError as exc:
                return not_yet(f"expected {check.__name__}({', '.join(signature.parameters)}); "
                               f"these arguments do not fit: {exc}")  # fmt: skip
            stubs = [expects[n] for n in expects if bound.arguments.get(n) is Ellipsis]
            if stubs:
                return no_answer(stubs)
            try:
                return check(*bound.args, **bound.kwargs)
            except Exception as exc:  # a kind of answer the check did not foresee
                wanted = "; ".join(f"{n}: {expects[n]}" for n in expects)
                given = ", ".join(f"{n}={bound.arguments[n]!r:.60}" for n in expects)
                return not_yet(f"expected {wanted}; got {given}, which could not be checked "
                               f"({type(exc).__name__}: {exc})")  # fmt: skip

        run.expects = dict(expects)
        return run

    return decorate
