"""regex(), regexall() and replace()'s `/re/` form, on RE2 (docs/language.md#regular-expressions).

RE2 matches in time linear in the input, so no pattern can hang `validate` (Python's `re`
backtracks: `^(a+)+$` on forty a's and a `!` never ends), and its syntax is Go's, which is the
syntax Terraform's regex functions take. Errors are ConversionErrors the evaluator puts at the call.
"""

from __future__ import annotations

import re
from typing import Any

import re2

from planner.config.function_table import fn
from planner.config.limits import check_size
from planner.config.values import ConversionError, show, to_string

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # RE2 would log the error to stderr too; ours is the one-line message

# What Python's (and PCRE's) syntax has and RE2's lacks; named in the error so the fix is clear.
_UNSUPPORTED = ("invalid escape sequence: \\", "invalid perl operator: (?")
_SYNTAX_HINT = (
    "patterns are RE2 syntax, as in Terraform: no backreferences (\\1) or lookaround "
    "((?=...), (?<=...)); see docs/language.md#regular-expressions"
)


def compile_pattern(pattern: Any) -> Any:
    text = to_string(pattern)
    try:
        return re2.compile(text, _OPTIONS)
    except re2.error as exc:
        reason = exc.args[0].decode() if isinstance(exc.args[0], bytes) else str(exc.args[0])
        hint = _SYNTAX_HINT if reason.startswith(_UNSUPPORTED) else None
        raise ConversionError(f"invalid regular expression {show(text)}: {reason}", hint) from None


def _captures(m: Any, compiled: Any) -> Any:
    """Terraform's result shape: the match without groups, a map with named groups, else a list."""
    if compiled.groupindex:
        return {name: m.group(name) for name in compiled.groupindex}
    return list(m.groups()) if compiled.groups else m.group(0)


@fn("regex(pattern, string)", 2)
def _regex(pattern: Any, s: Any) -> Any:
    compiled = compile_pattern(pattern)
    m = compiled.search(to_string(s))
    if m is None:
        raise ConversionError("the pattern did not match", "use can(regex(...)) to test a match")
    return _captures(m, compiled)


@fn("regexall(pattern, string)", 2)
def _regexall(pattern: Any, s: Any) -> list[Any]:
    compiled = compile_pattern(pattern)
    return [_captures(m, compiled) for m in compiled.finditer(to_string(s))]


_GROUP_REF = re.compile(r"\$(\$|\d+|\{(\w+)\})")


def regex_replace(s: str, pattern: str, replacement: str) -> str:
    """replace(s, "/re/", new): `$1`, `${1}` and `${name}` in `new` are the groups (Go's Expand),
    `$$` a dollar; the result is bounded as it grows, so an empty match cannot blow it up."""
    compiled = compile_pattern(pattern)
    size = len(s)

    def expand(m: Any) -> str:
        nonlocal size

        def group(ref: re.Match[str]) -> str:
            if ref.group(1) == "$":
                return "$"
            name = ref.group(2) or ref.group(1)
            try:
                key: int | str = int(name)
            except ValueError:
                key = name
            try:
                return m.group(key) or ""
            except (IndexError, KeyError):
                return ""  # Go's Expand: an unknown group is empty

        text = _GROUP_REF.sub(group, replacement)
        size += len(text) - (m.end() - m.start())
        check_size(size)
        return text

    return compiled.sub(expand, s)  # call_function checks the result
