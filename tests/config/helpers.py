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
    """Loads twice: cold, then with the parse cache the first load filled. The two must agree
    to the last diagnostic and position (the cache may only ever make a load faster), so every
    test of this folder checks the cache too."""
    write(directory, text)
    cold = _outcome(directory, var_args, var_files, env)
    warm = _outcome(directory, var_args, var_files, env)
    assert warm == cold, "a load from the parse cache differs from a fresh parse"
    if isinstance(warm, DiagnosticError):
        raise warm
    return warm


def _outcome(
    directory: Path,
    var_args: Sequence[str],
    var_files: Sequence[Path],
    env: Mapping[str, str] | None,
) -> DesiredConfig | DiagnosticError:
    try:
        return load_config(directory, var_args, var_files, env or {})
    except DiagnosticError as exc:
        return _ComparableError(exc.diagnostics)


class _ComparableError(DiagnosticError):
    def __eq__(self, other: object) -> bool:
        return isinstance(other, DiagnosticError) and self.diagnostics == other.diagnostics

    __hash__ = None  # type: ignore[assignment]


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
