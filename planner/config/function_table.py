"""The table of built-in functions: each registers itself with its signature and arity, and
`call_function` checks the arity before calling. Pure."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from planner.config.limits import check_size, check_text, text_size
from planner.config.values import ConversionError, show, to_number


@dataclass(frozen=True, slots=True)
class Function:
    impl: Callable[..., Any]
    min_args: int
    max_args: int | None  # None: variadic
    signature: str
    builds_text: bool = False  # joins its arguments' strings: their size is checked first


FUNCTIONS: dict[str, Function] = {}


def fn(
    signature: str, min_args: int, max_args: int | None = -1, builds_text: bool = False
) -> Callable[..., Any]:
    def register(impl: Callable[..., Any]) -> Callable[..., Any]:
        name = signature.split("(")[0]
        FUNCTIONS[name] = Function(
            impl, min_args, min_args if max_args == -1 else max_args, signature, builds_text
        )
        return impl

    return register


def call_function(name: str, args: list[Any]) -> Any:
    """Check the arity, then call; errors are ConversionError with a one-line message. A string
    result is bounded (docs/language.md#limits), and so are the inputs of a function that joins
    them, before it builds anything."""
    fn = FUNCTIONS[name]
    if len(args) < fn.min_args or (fn.max_args is not None and len(args) > fn.max_args):
        raise ConversionError(f"wrong number of arguments ({len(args)}); usage: {fn.signature}")
    if fn.builds_text:
        check_size(text_size(args))
    result = fn.impl(*args)
    return check_text(result) if isinstance(result, str) else result


def whole(value: Any) -> int:
    number = to_number(value)
    if not isinstance(number, int):
        raise ConversionError(f"expected a whole number, got {show(value)}")
    return number
