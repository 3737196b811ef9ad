"""Golden files: expected output kept beside the tests, reviewed in diffs.

`make golden` (VCPLAN_UPDATE_GOLDEN=1) rewrites them from the current output; otherwise a
difference fails with the diff. Timings and vCenter task ids are normalised first, so a
golden file changes only when the words do.
"""

from __future__ import annotations

import difflib
import os
import re
from pathlib import Path

_SECONDS = re.compile(r"\b\d+ min \d+ s\b|\b\d+(\.\d+)? s\b")
_TASK = re.compile(r"\btask-\d+\b")
_PORT = re.compile(r"127\.0\.0\.1:\d+")


def normalise(text: str) -> str:
    text = _SECONDS.sub("<t> s", text)
    text = _TASK.sub("task-<n>", text)
    return _PORT.sub("127.0.0.1:<port>", text)


def check_golden(path: Path, actual: str) -> None:
    actual = normalise(actual)
    if os.environ.get("VCPLAN_UPDATE_GOLDEN"):
        path.write_text(actual, encoding="utf-8")
        return
    expected = path.read_text(encoding="utf-8") if path.exists() else ""
    if actual != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True),
                actual.splitlines(keepends=True),
                str(path),
                "actual",
            )
        )
        raise AssertionError(f"output differs from {path}; run `make golden` and review:\n{diff}")
