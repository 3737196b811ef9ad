# ruff: noqa: E501  (expected diagnostics are clearer on one line)
"""`vcplan validate` and `vcplan fmt` through the CLI, on every example."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from planner.cli.app import app
from planner.cli.errors import run_guarded

EXAMPLES = sorted(  # configurations; examples/ci/ holds CI recipes (tests/unit/test_ci_recipes.py)
    p
    for p in (Path(__file__).resolve().parents[2] / "examples").iterdir()
    if p.is_dir() and any(p.glob("*.hcl"))
)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_every_example_validates(example, capsys):
    assert run_guarded(app, ["validate", str(example)]) == 0
    assert capsys.readouterr().out.startswith("The configuration is valid: ")


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_every_example_is_already_formatted(example, capsys):
    assert run_guarded(app, ["fmt", str(example), "--check"]) == 0
    assert capsys.readouterr().out == ""


def test_fleet_example_validates_with_its_staging_var_file(capsys):
    fleet = next(p for p in EXAMPLES if p.name == "fleet")
    args = [
        "validate",
        str(fleet),
        "--var-file",
        str(fleet / "staging.vars.hcl"),
        "--var",
        "web_count=2",
    ]
    assert run_guarded(app, args) == 0
    assert "4 VMs in workspace 'fleet-staging'" in capsys.readouterr().out


def test_validate_counts_vms_on_success(tmp_path, capsys):
    (tmp_path / "main.hcl").write_text(
        'vcplan {\n  workspace = "w"\n}\ndatacenter "D" {\n  cluster "C" {\n    vm "a" {\n    }\n  }\n}\n'
    )
    assert run_guarded(app, ["validate", str(tmp_path)]) == 0
    assert capsys.readouterr().out == "The configuration is valid: 1 VM in workspace 'w'.\n"


def test_validate_prints_compiler_style_diagnostics_and_exits_1(tmp_path, capsys):
    (tmp_path / "main.hcl").write_text(
        'vcplan {\n  workspace = "w"\n}\ndatacenter "D" {\n  cluster "C" {\n'
        '    vm "a" {\n      memory_mb = 1023\n    }\n  }\n}\n'
    )
    assert run_guarded(app, ["validate", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.splitlines()[:3] == [
        f"{tmp_path}/main.hcl:7:19: error: memory_mb must be a multiple of 4 (got 1023); try 1020 or 1024",
        "        memory_mb = 1023",
        "                    ^",
    ]


def test_validate_turns_a_syntax_error_into_a_diagnostic_not_a_traceback(tmp_path, capsys):
    (tmp_path / "main.hcl").write_text('vcplan {\n  workspace = "w\n')
    assert run_guarded(app, ["validate", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.startswith(f"{tmp_path}/main.hcl:")
    assert "syntax error" in err


def test_fmt_check_lists_files_that_would_change_and_exits_1(tmp_path, capsys):
    (tmp_path / "a.hcl").write_text('vcplan {\nworkspace="w"\n}\n')
    (tmp_path / "b.hcl").write_text("locals {\n  x = 1\n}\n")
    assert run_guarded(app, ["fmt", str(tmp_path), "--check"]) == 1
    assert capsys.readouterr().out == f"{tmp_path}/a.hcl\n"
    assert (tmp_path / "a.hcl").read_text() == 'vcplan {\nworkspace="w"\n}\n'


def test_fmt_rewrites_files_in_place_and_lists_them(tmp_path, capsys):
    (tmp_path / "a.hcl").write_text('vcplan {\nworkspace="w"\n}\n')
    assert run_guarded(app, ["fmt", str(tmp_path)]) == 0
    assert capsys.readouterr().out == f"{tmp_path}/a.hcl\n"
    assert (tmp_path / "a.hcl").read_text() == 'vcplan {\n  workspace = "w"\n}\n'
    assert run_guarded(app, ["fmt", str(tmp_path), "--check"]) == 0


def test_fmt_is_idempotent_on_a_messy_copy_of_every_example(tmp_path):
    for example in EXAMPLES:
        target = tmp_path / example.name
        shutil.copytree(example, target)
        for path in target.glob("*.hcl"):
            lines = path.read_text().splitlines()
            path.write_text("\n".join(line.strip().replace(" = ", "=") for line in lines) + "\n")
        assert run_guarded(app, ["fmt", str(target)]) == 0
        for path in target.glob("*.hcl"):
            assert path.read_text() == (example / path.name).read_text(), path.name


def test_vcplan_console_script_validates_an_example():
    import subprocess
    import sys

    exe = Path(sys.executable).parent / "vcplan"
    quickstart = next(p for p in EXAMPLES if p.name == "quickstart")
    done = subprocess.run([str(exe), "validate", str(quickstart)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "3 VMs" in done.stdout
