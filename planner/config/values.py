"""What HCL values look like in Python, and the conversions every stage shares.

null is None, bool is bool, a number is int (when whole) or float, a string is str, a list or tuple
is list, a map or object is dict, a set is frozenset. Pure; imports nothing of vcplan's stages.
"""

from __future__ import annotations

import math
from typing import Any


class ConversionError(ValueError):
    """A value has the wrong type; the message says what was expected and what came, the hint
    (when there is one) how to fix it."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.hint = hint


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if is_number(value):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "map"
    if isinstance(value, frozenset):
        return "set"
    return type(value).__name__


def normalize_number(value: float | int) -> int | float:
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise ConversionError("the result is not a finite number")
        if value.is_integer() and abs(value) < 2**63:
            return int(value)
    return value


def show(value: Any) -> str:
    """A value as a user would write it in HCL, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        return f'"{escaped}"'
    if is_number(value):
        return number_to_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(show(v) for v in value) + "]"
    if isinstance(value, frozenset):
        return "toset([" + ", ".join(show(v) for v in sorted_set(value)) + "])"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {show(v)}" for k, v in value.items()) + "}"
    return repr(value)


def number_to_string(value: int | float) -> str:
    value = normalize_number(value)
    if isinstance(value, int):
        return str(value)
    text = repr(value)
    return text


def sorted_set(values: frozenset[Any]) -> list[Any]:
    """Sets iterate in a stable order: by type, then value (as Terraform orders set elements)."""
    return sorted(values, key=lambda v: (type_name(v), v if not isinstance(v, bool) else int(v)))


def to_string(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if is_number(value):
        return number_to_string(value)
    if value is None:
        raise ConversionError("expected a string, got null")
    raise ConversionError(f"expected a string, got a {type_name(value)}")


def to_number(value: Any) -> int | float:
    if is_number(value):
        return normalize_number(value)
    if isinstance(value, str):
        try:
            number = float(value.strip()) if value.strip() else None
        except ValueError:
            number = None
        if number is not None and math.isfinite(number):
            return normalize_number(number)
        raise ConversionError(f"expected a number, got {show(value)}")
    raise ConversionError(f"expected a number, got {_article(value)}")


def to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise ConversionError(f"expected true or false, got {_describe(value)}")


def to_list(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    if isinstance(value, frozenset):
        return sorted_set(value)
    raise ConversionError(f"expected a list, got {_describe(value)}")


def to_map(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    raise ConversionError(f"expected a map, got {_describe(value)}")


def to_set(value: Any) -> frozenset[Any]:
    if isinstance(value, frozenset):
        return value
    if isinstance(value, list):
        items = []
        for item in value:
            if isinstance(item, list | dict | frozenset):
                raise ConversionError("a set can hold only strings, numbers and bools")
            if item is None:
                raise ConversionError("a set cannot hold null")
            items.append(item)
        return frozenset(items)
    raise ConversionError(f"expected a list or set, got {_describe(value)}")


def _article(value: Any) -> str:
    name = type_name(value)
    return "null" if value is None else f"a {name}"


def _describe(value: Any) -> str:
    if isinstance(value, str | bool) or is_number(value):
        return show(value)
    return _article(value)


def describe(value: Any) -> str:
    """`"abc"`, `12`, `a list`: short enough for one error line."""
    return _describe(value)


def equal(a: Any, b: Any) -> bool:
    """HCL equality: types must agree (true is not 1), numbers compare by value."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if is_number(a) and is_number(b):
        return bool(a == b)
    if type_name(a) != type_name(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(equal(a[k], b[k]) for k in a)
    return bool(a == b)
