"""The built-in functions of the configuration language (Terraform's names and behaviour).

Each takes evaluated values and returns a value, or raises ConversionError with a message the
evaluator puts at the call's position. Pure.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from planner.config.values import (
    ConversionError,
    equal,
    normalize_number,
    show,
    sorted_set,
    to_bool,
    to_list,
    to_map,
    to_number,
    to_set,
    to_string,
    type_name,
)


@dataclass(frozen=True, slots=True)
class Function:
    impl: Callable[..., Any]
    min_args: int
    max_args: int | None  # None: variadic
    signature: str


FUNCTIONS: dict[str, Function] = {}


def _fn(signature: str, min_args: int, max_args: int | None = -1) -> Callable[..., Any]:
    def register(impl: Callable[..., Any]) -> Callable[..., Any]:
        name = signature.split("(")[0]
        FUNCTIONS[name] = Function(
            impl, min_args, min_args if max_args == -1 else max_args, signature
        )
        return impl

    return register


def call_function(name: str, args: list[Any]) -> Any:
    """Check the arity, then call; errors are ConversionError with a one-line message."""
    fn = FUNCTIONS[name]
    if len(args) < fn.min_args or (fn.max_args is not None and len(args) > fn.max_args):
        raise ConversionError(f"wrong number of arguments ({len(args)}); usage: {fn.signature}")
    return fn.impl(*args)


# --- strings ---

_FORMAT_VERB = re.compile(r"%(?:\[(\d+)\])?([-+# 0]*)(\d+)?(?:\.(\d+))?([a-zA-Z%])")


@_fn("format(spec, values...)", 1, None)
def _format(spec: Any, *values: Any) -> str:
    spec = to_string(spec)
    out: list[str] = []
    index = 0
    pos = 0
    for m in _FORMAT_VERB.finditer(spec):
        out.append(spec[pos : m.start()])
        pos = m.end()
        explicit, flags, width, precision, verb = m.groups()
        if verb == "%":
            out.append("%")
            continue
        if explicit:
            index = int(explicit) - 1
        if index >= len(values):
            raise ConversionError(f"not enough values for the format {spec!r}")
        value = values[index]
        index += 1
        out.append(_format_one(value, flags, width, precision, verb))
    out.append(spec[pos:])
    return "".join(out)


def _format_one(value: Any, flags: str, width: str | None, precision: str | None, verb: str) -> str:
    if verb == "s":
        text = to_string(value)
    elif verb == "v":
        text = to_string(value) if not isinstance(value, list | dict | frozenset) else show(value)
    elif verb == "q":
        text = json.dumps(to_string(value))
    elif verb == "d":
        number = to_number(value)
        if not isinstance(number, int):
            raise ConversionError(f"%d needs a whole number, got {show(value)}")
        text = str(number)
    elif verb in "fFeEgG":
        number = to_number(value)
        text = format(float(number), f".{precision or 6}{verb}")
    elif verb == "t":
        text = "true" if to_bool(value) else "false"
    elif verb in "xXob":
        number = to_number(value)
        if not isinstance(number, int):
            raise ConversionError(f"%{verb} needs a whole number")
        text = format(number, verb)
    else:
        raise ConversionError(f"unsupported format verb %{verb}")
    if width:
        pad = "0" if "0" in flags and verb not in "sqv" else " "
        text = text.ljust(int(width)) if "-" in flags else text.rjust(int(width), pad)
    if "+" in flags and verb in "dfeg" and not text.lstrip().startswith("-"):
        text = "+" + text
    return text


@_fn("formatlist(spec, lists...)", 1, None)
def _formatlist(spec: Any, *lists: Any) -> list[str]:
    lengths = {len(to_list(v)) for v in lists if isinstance(v, list | frozenset)}
    if len(lengths) > 1:
        raise ConversionError("all list arguments must have the same length")
    n = lengths.pop() if lengths else 1
    rows = []
    for i in range(n):
        row = [to_list(v)[i] if isinstance(v, list | frozenset) else v for v in lists]
        rows.append(_format(spec, *row))
    return rows


@_fn("lower(string)", 1)
def _lower(s: Any) -> str:
    return to_string(s).lower()


@_fn("upper(string)", 1)
def _upper(s: Any) -> str:
    return to_string(s).upper()


@_fn("title(string)", 1)
def _title(s: Any) -> str:
    return re.sub(r"\b([a-z])", lambda m: m.group(1).upper(), to_string(s))


@_fn("trimspace(string)", 1)
def _trimspace(s: Any) -> str:
    return to_string(s).strip()


@_fn("trim(string, chars)", 2)
def _trim(s: Any, chars: Any) -> str:
    return to_string(s).strip(to_string(chars))


@_fn("trimprefix(string, prefix)", 2)
def _trimprefix(s: Any, prefix: Any) -> str:
    return to_string(s).removeprefix(to_string(prefix))


@_fn("trimsuffix(string, suffix)", 2)
def _trimsuffix(s: Any, suffix: Any) -> str:
    return to_string(s).removesuffix(to_string(suffix))


@_fn("startswith(string, prefix)", 2)
def _startswith(s: Any, prefix: Any) -> bool:
    return to_string(s).startswith(to_string(prefix))


@_fn("endswith(string, suffix)", 2)
def _endswith(s: Any, suffix: Any) -> bool:
    return to_string(s).endswith(to_string(suffix))


@_fn("join(separator, list)", 2)
def _join(sep: Any, items: Any) -> str:
    return to_string(sep).join(to_string(i) for i in to_list(items))


@_fn("split(separator, string)", 2)
def _split(sep: Any, s: Any) -> list[str]:
    sep, s = to_string(sep), to_string(s)
    if sep == "":
        return list(s)
    return s.split(sep)


@_fn("replace(string, substring, replacement)", 3)
def _replace(s: Any, old: Any, new: Any) -> str:
    s, old, new = to_string(s), to_string(old), to_string(new)
    if len(old) > 1 and old.startswith("/") and old.endswith("/"):
        try:
            return re.sub(old[1:-1], re.sub(r"\$(\d+)", r"\\\1", new), s)
        except re.error as exc:
            raise ConversionError(f"invalid regular expression: {exc}") from None
    return s.replace(old, new)


@_fn("substr(string, offset, length)", 3)
def _substr(s: Any, offset: Any, length: Any) -> str:
    s = to_string(s)
    start, n = _whole(offset), _whole(length)
    if start < 0:
        start += len(s)
    return s[start:] if n < 0 else s[start : start + n]


@_fn("strrev(string)", 1)
def _strrev(s: Any) -> str:
    return to_string(s)[::-1]


@_fn("regex(pattern, string)", 2)
def _regex(pattern: Any, s: Any) -> Any:
    try:
        m = re.search(to_string(pattern), to_string(s))
    except re.error as exc:
        raise ConversionError(f"invalid regular expression: {exc}") from None
    if m is None:
        raise ConversionError("the pattern did not match")
    if m.groupdict():
        return dict(m.groupdict())
    return list(m.groups()) if m.groups() else m.group(0)


# --- collections ---


@_fn("length(value)", 1)
def _length(v: Any) -> int:
    if isinstance(v, str | list | dict | frozenset):
        return len(v)
    raise ConversionError(f"length() needs a string, list, map or set, got a {type_name(v)}")


@_fn("concat(lists...)", 1, None)
def _concat(*lists: Any) -> list[Any]:
    out: list[Any] = []
    for item in lists:
        out.extend(to_list(item))
    return out


@_fn("merge(maps...)", 0, None)
def _merge(*maps: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in maps:
        if item is not None:
            out.update(to_map(item))
    return out


@_fn("keys(map)", 1)
def _keys(m: Any) -> list[str]:
    return sorted(to_map(m))


@_fn("values(map)", 1)
def _values(m: Any) -> list[Any]:
    m = to_map(m)
    return [m[k] for k in sorted(m)]


@_fn("lookup(map, key, default)", 2, 3)
def _lookup(m: Any, key: Any, *default: Any) -> Any:
    m, key = to_map(m), to_string(key)
    if key in m:
        return m[key]
    if default:
        return default[0]
    raise ConversionError(f"no key {show(key)} in the map, and no default given")


@_fn("contains(list, value)", 2)
def _contains(items: Any, value: Any) -> bool:
    return any(equal(i, value) for i in to_list(items))


@_fn("range(start?, limit, step?)", 1, 3)
def _range(*args: Any) -> list[int | float]:
    numbers = [to_number(a) for a in args]
    start: int | float = 0
    step: int | float = 1
    if len(numbers) == 1:
        limit = numbers[0]
    elif len(numbers) == 2:
        start, limit = numbers
    else:
        start, limit, step = numbers
    if step == 0:
        raise ConversionError("the step must not be 0")
    count = max(0, math.ceil((limit - start) / step))
    if count > 1024:
        raise ConversionError("would produce more than 1024 elements")
    return [normalize_number(start + i * step) for i in range(count)]


@_fn("min(numbers...)", 1, None)
def _min(*numbers: Any) -> int | float:
    return min(to_number(n) for n in numbers)


@_fn("max(numbers...)", 1, None)
def _max(*numbers: Any) -> int | float:
    return max(to_number(n) for n in numbers)


@_fn("sum(list)", 1)
def _sum(items: Any) -> int | float:
    return normalize_number(sum(to_number(i) for i in to_list(items)))


@_fn("abs(number)", 1)
def _abs(n: Any) -> int | float:
    return abs(to_number(n))


@_fn("ceil(number)", 1)
def _ceil(n: Any) -> int:
    return math.ceil(to_number(n))


@_fn("floor(number)", 1)
def _floor(n: Any) -> int:
    return math.floor(to_number(n))


@_fn("coalesce(values...)", 1, None)
def _coalesce(*values: Any) -> Any:
    for v in values:
        if v is not None and v != "":
            return v
    raise ConversionError("all arguments are null or empty strings")


@_fn("coalescelist(lists...)", 1, None)
def _coalescelist(*lists: Any) -> list[Any]:
    for v in lists:
        if to_list(v):
            return to_list(v)
    return []


@_fn("compact(list)", 1)
def _compact(items: Any) -> list[Any]:
    return [i for i in to_list(items) if i is not None and i != ""]


@_fn("distinct(list)", 1)
def _distinct(items: Any) -> list[Any]:
    out: list[Any] = []
    for item in to_list(items):
        if not any(equal(item, o) for o in out):
            out.append(item)
    return out


@_fn("element(list, index)", 2)
def _element(items: Any, index: Any) -> Any:
    items = to_list(items)
    if not items:
        raise ConversionError("element() of an empty list")
    return items[_whole(index) % len(items)]


@_fn("index(list, value)", 2)
def _index(items: Any, value: Any) -> int:
    for i, item in enumerate(to_list(items)):
        if equal(item, value):
            return i
    raise ConversionError(f"{show(value)} is not in the list")


@_fn("reverse(list)", 1)
def _reverse(items: Any) -> list[Any]:
    return list(reversed(to_list(items)))


@_fn("sort(list)", 1)
def _sort(items: Any) -> list[str]:
    return sorted(to_string(i) for i in to_list(items))


@_fn("slice(list, start, end)", 3)
def _slice(items: Any, start: Any, end: Any) -> list[Any]:
    items = to_list(items)
    s, e = _whole(start), _whole(end)
    if not 0 <= s <= e <= len(items):
        raise ConversionError(f"slice bounds [{s}:{e}] are outside a list of {len(items)}")
    return items[s:e]


@_fn("flatten(list)", 1)
def _flatten(items: Any) -> list[Any]:
    out: list[Any] = []
    for item in to_list(items):
        if isinstance(item, list | frozenset):
            out.extend(_flatten(item))
        else:
            out.append(item)
    return out


@_fn("zipmap(keys, values)", 2)
def _zipmap(keys: Any, values: Any) -> dict[str, Any]:
    keys, values = to_list(keys), to_list(values)
    if len(keys) != len(values):
        raise ConversionError("zipmap() needs two lists of the same length")
    return {to_string(k): v for k, v in zip(keys, values, strict=True)}


@_fn("chunklist(list, size)", 2)
def _chunklist(items: Any, size: Any) -> list[list[Any]]:
    items, n = to_list(items), _whole(size)
    if n <= 0:
        return [items]
    return [items[i : i + n] for i in range(0, len(items), n)]


@_fn("setunion(sets...)", 1, None)
def _setunion(*sets: Any) -> frozenset[Any]:
    return frozenset().union(*(to_set(s) for s in sets))


@_fn("setintersection(sets...)", 1, None)
def _setintersection(*sets: Any) -> frozenset[Any]:
    first, *rest = (to_set(s) for s in sets)
    return first.intersection(*rest)


@_fn("setsubtract(a, b)", 2)
def _setsubtract(a: Any, b: Any) -> frozenset[Any]:
    return to_set(a) - to_set(b)


@_fn("one(list)", 1)
def _one(items: Any) -> Any:
    items = to_list(items)
    if len(items) > 1:
        raise ConversionError(f"one() needs at most one element, got {len(items)}")
    return items[0] if items else None


# --- conversions ---


@_fn("tostring(value)", 1)
def _tostring(v: Any) -> str | None:
    return None if v is None else to_string(v)


@_fn("tonumber(value)", 1)
def _tonumber(v: Any) -> int | float | None:
    return None if v is None else to_number(v)


@_fn("tobool(value)", 1)
def _tobool(v: Any) -> bool | None:
    return None if v is None else to_bool(v)


@_fn("tolist(value)", 1)
def _tolist(v: Any) -> list[Any]:
    return to_list(v)


@_fn("toset(value)", 1)
def _toset(v: Any) -> frozenset[Any]:
    return to_set(v)


@_fn("tomap(value)", 1)
def _tomap(v: Any) -> dict[str, Any]:
    return to_map(v)


@_fn("jsonencode(value)", 1)
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


@_fn("jsondecode(string)", 1)
def _jsondecode(s: Any) -> Any:
    try:
        value = json.loads(to_string(s))
    except json.JSONDecodeError as exc:
        raise ConversionError(f"invalid JSON: {exc.msg}") from None
    return value


def _whole(value: Any) -> int:
    number = to_number(value)
    if not isinstance(number, int):
        raise ConversionError(f"expected a whole number, got {show(value)}")
    return number
