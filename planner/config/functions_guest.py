"""Functions for guest data (cloud-init user data, guestinfo values): base64encode, base64decode,
yamlencode, and the file readers behind file() and templatefile().

The readers resolve a relative path against the configuration's directory and refuse one that
climbs out of it (an absolute path is taken as written), so a configuration reads the same files
wherever it is run from. Errors are ConversionErrors; the evaluator puts them at the call.
Importing this module registers the pure functions in FUNCTIONS.
"""

from __future__ import annotations

import base64
import binascii
from pathlib import Path
from typing import Any

import yaml

from planner.config.functions import FUNCTIONS, Function
from planner.config.limits import MAX_FILE_BYTES
from planner.config.values import ConversionError, sorted_set, to_string

# Evaluated by the evaluator itself: they need the configuration's directory (and templatefile
# evaluates a template), which a plain function does not see.
FILE_FUNCTIONS = {"file": "file(path)", "templatefile": "templatefile(path, vars)"}


def _base64encode(value: Any) -> str:
    return base64.b64encode(to_string(value).encode()).decode("ascii")


def _base64decode(value: Any) -> str:
    try:
        raw = base64.b64decode(to_string(value), validate=True)
    except (binascii.Error, ValueError):
        raise ConversionError("the argument is not valid base64") from None
    try:
        return raw.decode()
    except UnicodeDecodeError:
        raise ConversionError("the decoded bytes are not UTF-8 text") from None


def _plain(value: Any) -> Any:
    if isinstance(value, frozenset):
        return [_plain(v) for v in sorted_set(value)]
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _yamlencode(value: Any) -> str:
    """Block style, keys in order, strings quoted only where YAML needs it (as Terraform does)."""
    return str(
        yaml.safe_dump(
            _plain(value),
            default_flow_style=False,
            sort_keys=True,
            allow_unicode=True,
            width=1 << 16,
        )
    )


for _name, _impl, _signature in (
    ("base64encode", _base64encode, "base64encode(string)"),
    ("base64decode", _base64decode, "base64decode(string)"),
    ("yamlencode", _yamlencode, "yamlencode(value)"),
):
    FUNCTIONS[_name] = Function(_impl, 1, 1, _signature, builds_text=_name != "base64decode")


def read_config_file(directory: Path | None, path: Any) -> tuple[str, str]:
    """(the file's text, its path as errors name it). A relative path is under `directory`."""
    if directory is None:
        raise ConversionError("files can only be read in a configuration's blocks and locals")
    name = to_string(path)
    target = Path(name)
    shown = name if target.is_absolute() else str(directory / name)
    if not target.is_absolute():
        root = directory.resolve()
        target = (root / target).resolve()
        if not target.is_relative_to(root):
            raise ConversionError(
                f"{name!r} is outside the configuration's directory {directory}; "
                "use an absolute path to read a file elsewhere"
            )
    if not target.is_file():
        raise ConversionError(f"no file {name!r} (looked for {target})")
    if target.stat().st_size > MAX_FILE_BYTES:
        raise ConversionError(f"{name!r} is larger than {MAX_FILE_BYTES >> 20} MB")
    try:
        return target.read_text(encoding="utf-8"), shown
    except UnicodeDecodeError:
        raise ConversionError(f"{name!r} is not UTF-8 text") from None
    except OSError as exc:
        raise ConversionError(f"cannot read {name!r}: {exc.strerror}") from None


def template_vars(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConversionError(
            'the second argument must be a map of variables, e.g. { name = "app" }'
        )
    return value
