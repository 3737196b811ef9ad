"""The collection and number functions of the configuration language (Terraform's names)."""

from __future__ import annotations

import math
from typing import Any

from planner.config.function_table import fn, whole
from planner.config.limits import MAX_RANGE
from planner.config.values import (
    ConversionError,
    equal,
    normalize_number,
    show,
    to_list,
    to_map,
    to_number,
    to_set,
    to_string,
    type_name,
)


@fn("length(value)", 1)
def _length(v: Any) -> int:
    if isinstance(v, str | list | dict | frozenset):
        return len(v)
    raise ConversionError(f"length() needs a string, list, map or set, got a {type_name(v)}")


@fn("concat(lists...)", 1, None)
def _concat(*lists: Any) -> list[Any]:
    out: list[Any] = []
    for item in lists:
        out.extend(to_list(item))
    return out


@fn("merge(maps...)", 0, None)
def _merge(*maps: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in maps:
        if item is not None:
            out.update(to_map(item))
    return out


@fn("keys(map)", 1)
def _keys(m: Any) -> list[str]:
    return sorted(to_map(m))


@fn("values(map)", 1)
def _values(m: Any) -> list[Any]:
    m = to_map(m)
    return [m[k] for k in sorted(m)]


@fn("lookup(map, key, default)", 2, 3)
def _lookup(m: Any, key: Any, *default: Any) -> Any:
    m, key = to_map(m), to_string(key)
    if key in m:
        return m[key]
    if default:
        return default[0]
    raise ConversionError(f"no key {show(key)} in the map, and no default given")


@fn("contains(list, value)", 2)
def _contains(items: Any, value: Any) -> bool:
    return any(equal(i, value) for i in to_list(items))


@fn("range(start?, limit, step?)", 1, 3)
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
    if count > MAX_RANGE:
        raise ConversionError(f"would produce more than {MAX_RANGE} elements")
    return [normalize_number(start + i * step) for i in range(count)]


@fn("min(numbers...)", 1, None)
def _min(*numbers: Any) -> int | float:
    return min(to_number(n) for n in numbers)


@fn("max(numbers...)", 1, None)
def _max(*numbers: Any) -> int | float:
    return max(to_number(n) for n in numbers)


@fn("sum(list)", 1)
def _sum(items: Any) -> int | float:
    return normalize_number(sum(to_number(i) for i in to_list(items)))


@fn("abs(number)", 1)
def _abs(n: Any) -> int | float:
    return abs(to_number(n))


@fn("ceil(number)", 1)
def _ceil(n: Any) -> int:
    return math.ceil(to_number(n))


@fn("floor(number)", 1)
def _floor(n: Any) -> int:
    return math.floor(to_number(n))


@fn("coalesce(values...)", 1, None)
def _coalesce(*values: Any) -> Any:
    for v in values:
        if v is not None and v != "":
            return v
    raise ConversionError("all arguments are null or empty strings")


@fn("coalescelist(lists...)", 1, None)
def _coalescelist(*lists: Any) -> list[Any]:
    for v in lists:
        if to_list(v):
            return to_list(v)
    return []


@fn("compact(list)", 1)
def _compact(items: Any) -> list[Any]:
    return [i for i in to_list(items) if i is not None and i != ""]


@fn("distinct(list)", 1)
def _distinct(items: Any) -> list[Any]:
    out: list[Any] = []
    for item in to_list(items):
        if not any(equal(item, o) for o in out):
            out.append(item)
    return out


@fn("element(list, index)", 2)
def _element(items: Any, index: Any) -> Any:
    items = to_list(items)
    if not items:
        raise ConversionError("element() of an empty list")
    return items[whole(index) % len(items)]


@fn("index(list, value)", 2)
def _index(items: Any, value: Any) -> int:
    for i, item in enumerate(to_list(items)):
        if equal(item, value):
            return i
    raise ConversionError(f"{show(value)} is not in the list")


@fn("reverse(list)", 1)
def _reverse(items: Any) -> list[Any]:
    return list(reversed(to_list(items)))


@fn("sort(list)", 1)
def _sort(items: Any) -> list[str]:
    return sorted(to_string(i) for i in to_list(items))


@fn("slice(list, start, end)", 3)
def _slice(items: Any, start: Any, end: Any) -> list[Any]:
    items = to_list(items)
    s, e = whole(start), whole(end)
    if not 0 <= s <= e <= len(items):
        raise ConversionError(f"slice bounds [{s}:{e}] are outside a list of {len(items)}")
    return items[s:e]


@fn("flatten(list)", 1)
def _flatten(items: Any) -> list[Any]:
    out: list[Any] = []
    for item in to_list(items):
        if isinstance(item, list | frozenset):
            out.extend(_flatten(item))
        else:
            out.append(item)
    return out


@fn("zipmap(keys, values)", 2)
def _zipmap(keys: Any, values: Any) -> dict[str, Any]:
    keys, values = to_list(keys), to_list(values)
    if len(keys) != len(values):
        raise ConversionError("zipmap() needs two lists of the same length")
    return {to_string(k): v for k, v in zip(keys, values, strict=True)}


@fn("chunklist(list, size)", 2)
def _chunklist(items: Any, size: Any) -> list[list[Any]]:
    items, n = to_list(items), whole(size)
    if n <= 0:
        return [items]
    return [items[i : i + n] for i in range(0, len(items), n)]


@fn("setunion(sets...)", 1, None)
def _setunion(*sets: Any) -> frozenset[Any]:
    return frozenset().union(*(to_set(s) for s in sets))


@fn("setintersection(sets...)", 1, None)
def _setintersection(*sets: Any) -> frozenset[Any]:
    first, *rest = (to_set(s) for s in sets)
    return first.intersection(*rest)


@fn("setsubtract(a, b)", 2)
def _setsubtract(a: Any, b: Any) -> frozenset[Any]:
    return to_set(a) - to_set(b)


@fn("one(list)", 1)
def _one(items: Any) -> Any:
    items = to_list(items)
    if len(items) > 1:
        raise ConversionError(f"one() needs at most one element, got {len(items)}")
    return items[0] if items else None
