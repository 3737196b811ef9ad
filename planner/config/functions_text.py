"""The string functions of the configuration language (Terraform's names and behaviour)."""

from __future__ import annotations

import json
import re
from typing import Any

from planner.config.function_table import fn, whole
from planner.config.functions_regex import regex_replace
from planner.config.limits import MAX_FORMAT_WIDTH, check_size, check_text
from planner.config.values import ConversionError, show, to_bool, to_list, to_number, to_string

_FORMAT_VERB = re.compile(r"%(?:\[(\d+)\])?([-+# 0]*)(\d+)?(?:\.(\d+))?([a-zA-Z%])")


@fn("format(spec, values...)", 1, None, builds_text=True)
def _format(spec: Any, *values: Any) -> str:
    spec = to_string(spec)
    out: list[str] = []
    index = 0
    pos = 0
    for m in _FORMAT_VERB.finditer(spec):
        out.append(spec[pos : m.start()])
        pos = m.end()
        explicit, flags, width, precision, verb = m.groups()
        for what, number in (("width", width), ("precision", precision)):
            if number is not None and (len(number) > 6 or int(number) > MAX_FORMAT_WIDTH):
                raise ConversionError(
                    f"the {what} in {m.group(0)[:24]!r} is larger than {MAX_FORMAT_WIDTH}",
                    f"give a {what} of at most {MAX_FORMAT_WIDTH}",
                )
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


@fn("formatlist(spec, lists...)", 1, None, builds_text=True)
def _formatlist(spec: Any, *lists: Any) -> list[str]:
    lengths = {len(to_list(v)) for v in lists if isinstance(v, list | frozenset)}
    if len(lengths) > 1:
        raise ConversionError("all list arguments must have the same length")
    n = lengths.pop() if lengths else 1
    rows = []
    for i in range(n):
        row = [to_list(v)[i] if isinstance(v, list | frozenset) else v for v in lists]
        rows.append(check_text(_format(spec, *row)))  # charged as built: n rows add up
    return rows


@fn("lower(string)", 1)
def _lower(s: Any) -> str:
    return to_string(s).lower()


@fn("upper(string)", 1)
def _upper(s: Any) -> str:
    return to_string(s).upper()


@fn("title(string)", 1)
def _title(s: Any) -> str:
    return re.sub(r"\b([a-z])", lambda m: m.group(1).upper(), to_string(s))


@fn("trimspace(string)", 1)
def _trimspace(s: Any) -> str:
    return to_string(s).strip()


@fn("trim(string, chars)", 2)
def _trim(s: Any, chars: Any) -> str:
    return to_string(s).strip(to_string(chars))


@fn("trimprefix(string, prefix)", 2)
def _trimprefix(s: Any, prefix: Any) -> str:
    return to_string(s).removeprefix(to_string(prefix))


@fn("trimsuffix(string, suffix)", 2)
def _trimsuffix(s: Any, suffix: Any) -> str:
    return to_string(s).removesuffix(to_string(suffix))


@fn("startswith(string, prefix)", 2)
def _startswith(s: Any, prefix: Any) -> bool:
    return to_string(s).startswith(to_string(prefix))


@fn("endswith(string, suffix)", 2)
def _endswith(s: Any, suffix: Any) -> bool:
    return to_string(s).endswith(to_string(suffix))


@fn("join(separator, list)", 2, builds_text=True)
def _join(sep: Any, items: Any) -> str:
    return to_string(sep).join(to_string(i) for i in to_list(items))


@fn("split(separator, string)", 2)
def _split(sep: Any, s: Any) -> list[str]:
    sep, s = to_string(sep), to_string(s)
    if sep == "":
        return list(s)
    return s.split(sep)


@fn("replace(string, substring, replacement)", 3)
def _replace(s: Any, old: Any, new: Any) -> str:
    s, old, new = to_string(s), to_string(old), to_string(new)
    if len(old) > 1 and old.startswith("/") and old.endswith("/"):
        return regex_replace(s, old[1:-1], new)
    occurrences = s.count(old) if old else len(s) + 1
    check_size(len(s) + occurrences * (len(new) - len(old)))
    return s.replace(old, new)


@fn("substr(string, offset, length)", 3)
def _substr(s: Any, offset: Any, length: Any) -> str:
    s = to_string(s)
    start, n = whole(offset), whole(length)
    if start < 0:
        start += len(s)
    return s[start:] if n < 0 else s[start : start + n]


@fn("strrev(string)", 1)
def _strrev(s: Any) -> str:
    return to_string(s)[::-1]
