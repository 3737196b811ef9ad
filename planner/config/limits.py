"""How large a string the configuration language may build (docs/language.md#limits).

A width in format(), a join of a long list or a template loop could otherwise build gigabytes
(and send them to vCenter as a VM's notes). Every string a function or a template produces is
checked here; the functions that join many strings check their inputs first, before building.
"""

from __future__ import annotations

from typing import Any

from planner.config.values import ConversionError

# Large enough for base64encode() of the largest file() (4 MiB -> 5.4 MiB), small enough that no
# intermediate string costs real memory.
MAX_STRING = 8 << 20
MAX_FORMAT_WIDTH = 1024  # a format() width or precision past this is a typo, not a layout

_HINT = "vcplan builds strings of at most 8 MiB; no VM setting holds more"


def check_size(size: int) -> None:
    if size > MAX_STRING:
        raise ConversionError(
            f"the result would be {size:,} characters, more than the limit of {MAX_STRING:,}",
            _HINT,
        )


def check_text(text: str) -> str:
    check_size(len(text))
    return text


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
