"""Every command explains itself: `--help` works for the app and each command."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer

from planner.cli.app import app
from planner.cli.errors import run_guarded

ROOT = Path(__file__).resolve().parents[2]
COMMANDS = sorted(typer.main.get_command(app).commands)  # type: ignore[attr-defined]


def test_app_help_lists_every_command(capsys):
    assert run_guarded(app, ["--help"]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_command_help_exits_zero(command, capsys):
    assert run_guarded(app, [command, "--help"]) == 0
    assert "Usage:" in capsys.readouterr().out


def test_unknown_option_is_a_usage_error_with_exit_1(capsys):
    assert run_guarded(app, ["inventory", "--no-such-flag"]) == 1
    assert "No such option" in capsys.readouterr().err


def _params():
    root = typer.main.get_command(app)
    yield "vcplan", root, root.params
    for name, command in sorted(root.commands.items()):  # type: ignore[attr-defined]
        yield f"vcplan {name}", command, command.params


def _takes_a_value(param) -> bool:
    return param.param_type_name == "option" and not param.is_flag


def test_every_option_has_a_help_line_and_every_value_a_metavar_a_person_reads():
    missing = []
    for where, _command, params in _params():
        for param in params:
            label = f"{where} {param.opts[0] if param.opts else param.name}"
            if not param.help:
                missing.append(f"{label}: no help")
            needs_metavar = param.param_type_name == "argument" or _takes_a_value(param)
            if needs_metavar and (not param.metavar or param.metavar.startswith("<")):
                missing.append(f"{label}: metavar {param.metavar!r}")
    assert missing == []


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_help_shows_an_example(command, capsys):
    run_guarded(app, [command, "--help"])
    assert f"vcplan {command}" in capsys.readouterr().out.split("Example", 1)[-1]


def test_help_shows_no_python_types_for_options(capsys):
    for command in COMMANDS:
        run_guarded(app, [command, "--help"])
    lines = capsys.readouterr().out.splitlines()
    typed = [line for line in lines if re.match(r"\s+(-\w, )?--[\w-]+ <", line)]
    assert typed == []


def test_docs_cli_md_is_generated_from_the_app():
    from planner.cli.docs import render

    current = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert render() == current, "docs/cli.md is out of date: run `make docs` and commit it"


def test_version_names_vcplan_python_and_pyvmomi(capsys):
    assert run_guarded(app, ["--version"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("vcplan ") and "\nPython " in out and "\npyVmomi " in out
    assert run_guarded(app, ["version"]) == 0
    assert capsys.readouterr().out == out
