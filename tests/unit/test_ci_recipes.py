"""The CI recipes under examples/ci/ (docs/ci.md) run vcplan commands that exist, with flags
that exist: each `vcplan ...` line of every job is checked against the Typer app."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import pytest
import typer.main
import yaml

from planner.cli.app import app

RECIPES = Path(__file__).resolve().parents[2] / "examples" / "ci"


def _scripts(node: Any) -> list[str]:
    """Every shell line of a workflow: GitHub's `run:` and GitLab's `script:` lists."""
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "run" and isinstance(value, str):
                found.append(value)
            elif key in ("script", "before_script", "after_script") and isinstance(value, list):
                found += [v for v in value if isinstance(v, str)]
            else:
                found += _scripts(value)
    elif isinstance(node, list):
        for item in node:
            found += _scripts(item)
    return found


def vcplan_commands(path: Path) -> list[list[str]]:
    commands = []
    for script in _scripts(yaml.safe_load(path.read_text())):
        script = script.replace("\\\n", " ")  # shell line continuations
        for line in script.replace("||", "\n").replace("&&", "\n").splitlines():
            words = shlex.split(line.split(">")[0], comments=True)
            if words[:1] == ["vcplan"]:
                commands.append(words[1:])
    return commands


def _check(words: list[str]) -> None:
    group = typer.main.get_command(app)  # a click group (typer may bring its own click)
    command = getattr(group, "commands", {}).get(words[0])
    assert command is not None, f"vcplan has no command {words[0]!r}"
    options = {name for p in command.params for name in (*p.opts, *p.secondary_opts)}
    for word in words[1:]:
        if word.startswith("-"):
            assert word.split("=")[0] in options, f"vcplan {words[0]} has no option {word}"


@pytest.mark.parametrize("recipe", ["github-actions.yml", "gitlab-ci.yml"])
def test_every_vcplan_command_in_the_recipe_exists_with_its_flags(recipe):
    commands = vcplan_commands(RECIPES / recipe)
    assert commands
    for words in commands:
        _check(words)


@pytest.mark.parametrize("recipe", ["github-actions.yml", "gitlab-ci.yml"])
def test_the_recipe_plans_posts_markdown_applies_the_saved_plan_and_checks_drift(recipe):
    lines = [" ".join(words) for words in vcplan_commands(RECIPES / recipe)]
    assert "plan infra/ --out plan.json" in lines
    assert "show plan.json --format markdown" in lines
    assert "apply plan.json --auto-approve" in lines
    assert any(
        line.startswith("drift")
        and "--detailed-exitcode" in line
        and "--format html" in line
        and "--out drift.html" in line
        for line in lines
    )


def test_a_flag_vcplan_does_not_have_is_caught():
    with pytest.raises(AssertionError, match="no option --colour"):
        _check(["plan", "--colour"])
