"""Every command explains itself: `--help` works for the app and each command."""

from __future__ import annotations

import pytest
import typer

from planner.cli.app import app
from planner.cli.errors import run_guarded

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
