"""Durations as people write them: `600`, `"90s"`, `"10m"`, `"1h30m"` -> whole seconds. Pure."""

from __future__ import annotations

import re

_PART = re.compile(r"(\d+)([smhd])")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86_400}


def duration_seconds(value: object) -> int | None:
    """Whole seconds, or None when `value` is not a duration. A bare number is seconds; a string
    is one or more `<n><unit>` parts (s, m, h, d), like Go's and Terraform's "1h30m"."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if not isinstance(value, str):
        return None
    text = value.strip().lower()
    if text.isdigit():
        return int(text)
    parts = _PART.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        return None
    return sum(int(n) * _UNIT[u] for n, u in parts)
