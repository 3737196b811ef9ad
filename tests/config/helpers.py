# ruff: noqa: E501  (expected diagnostics are clearer on one line)
"""Build a configuration directory from text and load it; diagnostics as `main.hcl:L:C: ...` lines."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path

from planner.config import load_config
from planner.model import DesiredConfig, DesiredVM
from planner.model.diagnostics import DiagnosticError

HEADER = 'vcplan {\n  workspace = "test"\n}\n'


def write(directory: Path, text: str, name: str = "main.hcl") -> Path:
    path = directory / name
    path.write_text(textwrap.dedent(text).lstrip("\n"))
    return path


def load(
    directory: Path,
    text: str,
    var_args: Sequence[str] = (),
    var_files: Sequence[Path] = (),
    env: Mapping[str, str] | None = None,
) -> DesiredConfig:
    write(directory, text)
    return load_config(directory, var_args, var_files, env or {})


def vms(directory: Path, body: str, **kwargs: object) -> dict[str, DesiredVM]:
    """Load HEADER + a datacenter "DC0" / cluster "C0" wrapper around `body` (vm blocks)."""
    text = (
        HEADER
        + 'datacenter "DC0" {\n  cluster "C0" {\n'
        + textwrap.indent(textwrap.dedent(body), "    ")
        + "  }\n}\n"
    )
    config = load(directory, text, **kwargs)  # type: ignore[arg-type]
    return {vm.name: vm for vm in config.vms}


def errors(
    directory: Path,
    text: str,
    var_args: Sequence[str] = (),
    var_files: Sequence[Path] = (),
    env: Mapping[str, str] | None = None,
) -> list[str]:
    """The headlines of the run's diagnostics, with paths relative to `directory`."""
    try:
        load(directory, text, var_args, var_files, env)
    except DiagnosticError as exc:
        return [d.headline().replace(f"{directory}/", "") for d in exc.diagnostics]
    raise AssertionError("the configuration loaded without errors")
