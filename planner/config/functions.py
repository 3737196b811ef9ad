"""The built-in functions of the configuration language (Terraform's names and behaviour).

Each takes evaluated values and returns a value, or raises ConversionError with a message the
evaluator puts at the call's position. Pure.
"""

from __future__ import annotations

import json
from typing import Any

from planner.config import functions_lists, functions_regex, functions_text
from planner.config.function_table import FUNCTIONS, Function, call_function, fn
from planner.config.values import (
    ConversionError,
    sorted_set,
    to_bool,
    to_list,
    to_map,
    to_number,
    to_set,
    to_string,
)

# The string and collection functions register themselves in FUNCTIONS when imported.
__all__ = [
    "FUNCTIONS",
    "Function",
    "call_function",
    "functions_lists",
    "functions_regex",
    "functions_text",
]


# --- conversions ---


@fn("tostring(value)", 1)
def _tostring(v: Any) -> str | None:
    return None if v is None else to_string(v)


@fn("tonumber(value)", 1)
def _tonumber(v: Any) -> int | float | None:
    return None if v is None else to_number(v)


@fn("tobool(value)", 1)
def _tobool(v: Any) -> bool | None:
    return None if v is None else to_bool(v)


@fn("tolist(value)", 1)
def _tolist(v: Any) -> list[Any]:
    return to_list(v)


@fn("toset(value)", 1)
def _toset(v: Any) -> frozenset[Any]:
    return to_set(v)


@fn("tomap(value)", 1)
def _tomap(v: Any) -> dict[str, Any]:
    return to_map(v)


@fn("jsonencode(value)", 1, builds_text=True)
def _jsonencode(v: Any) -> str:
    def plain(x: Any) -> Any:
        if isinstance(x, frozenset):
            return [plain(i) for i in sorted_set(x)]
        if isinstance(x, list):
            return [plain(i) for i in x]
        if isinstance(x, dict):
            return {k: plain(i) for k, i in x.items()}
        return x

    return json.dumps(plain(v), separators=(",", ":"), sort_keys=True)


@fn("jsondecode(string)", 1)
def _jsondecode(s: Any) -> Any:
    try:
        value = json.loads(to_string(s))
    except json.JSONDecodeError as exc:
        raise ConversionError(f"invalid JSON: {exc.msg}") from None
    return value
