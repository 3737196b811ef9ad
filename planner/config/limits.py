"""How much the configuration language may compute (docs/language.md#limits): every bound is
here.

A width in format(), a join of a long list or a template loop could otherwise build gigabytes
(and send them to vCenter as a VM's notes). Every string a function or a template produces is
checked here (check_text); the functions that join many strings check their inputs first,
before building. Many strings each under the limit (formatlist over a long list, a for
expression of templates) are bounded by one budget per evaluation: every string built is
charged to it.
"""

from __future__ import annotations

from contextvars import ContextVar, Token
from typing import Any

from planner.config.values import ConversionError

# Large enough for base64encode() of the largest file() (4 MiB -> 5.4 MiB), small enough that no
# intermediate string costs real memory.
MAX_STRING = 8 << 20
MAX_FORMAT_WIDTH = 1024  # a format() width or precision past this is a typo, not a layout

# What one expression (an attribute, a local, a variable's default) may build in all its
# strings together: eight of the largest strings.
MAX_BUILT = 64 << 20
MAX_ITEMS = 100_000  # a for expression or template loop over more than this is a mistake
MAX_RANGE = 1024  # range()'s elements
MAX_FILE_BYTES = 4 << 20  # file(), templatefile(): guest data travels in extraConfig
MAX_INSTANCES = 10_000  # count: a VM block repeated more often than this is a mistake

_HINT = "vcplan builds strings of at most 8 MiB; no VM setting holds more"
_built: ContextVar[list[int] | None] = ContextVar("vcplan_built", default=None)


class EvaluationBudget:
    """One budget of MAX_BUILT characters for an evaluation; one nested in another (a local
    evaluated on first use) shares the outer one. A class, not a @contextmanager: a fleet's
    configuration enters one per attribute, and a generator costs three times as much."""

    __slots__ = ("_token",)

    def __enter__(self) -> None:
        self._token: Token[list[int] | None] | None = (
            _built.set([0]) if _built.get() is None else None
        )

    def __exit__(self, *exc: object) -> None:
        if self._token is not None:
            _built.reset(self._token)


def check_size(size: int) -> None:
    if size > MAX_STRING:
        raise ConversionError(
            f"the result would be {size:,} characters, more than the limit of {MAX_STRING:,}",
            _HINT,
        )


def check_text(text: str) -> str:
    """A string just built: within the limit, and charged to the evaluation's budget."""
    charge(len(text))
    return text


def charge(size: int) -> None:
    """A string of `size` characters is being built: within the per-string limit and, with all
    this evaluation built before, within MAX_BUILT."""
    check_size(size)
    built = _built.get()
    if built is None:
        return
    built[0] += size
    if built[0] > MAX_BUILT:
        raise ConversionError(
            f"this expression builds more than {MAX_BUILT:,} characters of strings in total",
            "vcplan builds at most 64 MiB of strings per expression; build fewer or shorter ones",
        )


def text_size(value: Any, limit: int = MAX_STRING) -> int:
    """The characters of the strings in `value` (a list may hold one string many times), counted
    until past `limit`: enough to refuse a join before it is built."""
    total = 0
    stack = [value]
    while stack and total <= limit:
        item = stack.pop()
        if isinstance(item, str):
            total += len(item)
        elif isinstance(item, dict):
            total += sum(len(k) for k in item)
            stack.extend(item.values())
        elif isinstance(item, list | tuple | frozenset):
            total += len(item)  # a separator each, at least
            stack.extend(item)
        else:
            total += 8  # a number or bool written as text
    return total
