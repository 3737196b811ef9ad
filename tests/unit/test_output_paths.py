# ruff: noqa: E501  (expected messages are clearer on one line)
"""Output files (docs/apply.md#output-files): a --out or --log that cannot be written is one line
naming the path and the cause, exit 1, found before vCenter is even contacted; a log that fails
in the middle of an apply keeps the summary and makes the exit code 1."""

from __future__ import annotations

import errno
import io
import os
from pathlib import Path

import pytest

from planner.apply.steps import build_steps
from planner.cli.output import RunOutput
from planner.cli.paths import GuardedLog, check_writable
from planner.model.diagnostics import DiagnosticError
from tests.builders import plan, update
from tests.executor.fake_provider import FakeProvider
from tests.support.cli import run_vcplan

CONFIG = 'vcplan {\n  workspace = "w"\n}\ndatacenter "DC0" {\n  cluster "C0" {\n    vm "a" {\n    }\n  }\n}\n'
# Nothing listens here: an error about the path proves the path was checked before connecting.
NOWHERE = ["--url", "vpx://u@127.0.0.1:9"]
ENV = {"VCPLAN_PASSWORD": "x"}

COMMANDS = {
    "plan --out": ("plan", "--out"),
    "apply --log": ("apply", "--log"),
    "drift --out": ("drift", "--out"),
}


@pytest.fixture
def config(tmp_path: Path) -> Path:
    directory = tmp_path / "config"
    directory.mkdir()
    (directory / "main.hcl").write_text(CONFIG)
    return directory


def run(config: Path, which: str, path: str):
    command, flag = COMMANDS[which]
    extra = ["--auto-approve"] if command == "apply" else []
    return run_vcplan(command, str(config), flag, path, *extra, *NOWHERE, env=ENV)


def assert_one_line_error(result, expected: str) -> None:
    assert result.code == 1
    assert result.stderr == f"error: {expected}\n"
    assert "internal error" not in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("which", COMMANDS)
def test_a_path_in_a_missing_directory_is_refused_before_connecting(config, tmp_path, which):
    path = tmp_path / "no" / "such" / "out.json"
    flag = COMMANDS[which][1]
    assert_one_line_error(
        run(config, which, str(path)),
        f"cannot write {flag} {path}: directory {path.parent} does not exist; create it first, or choose another path",
    )


@pytest.mark.parametrize("which", COMMANDS)
def test_a_path_that_is_a_directory_is_refused(config, tmp_path, which):
    flag = COMMANDS[which][1]
    assert_one_line_error(
        run(config, which, str(tmp_path)),
        f"cannot write {flag} {tmp_path}: it is a directory; give the name of a file, e.g. {flag} {tmp_path}/vcplan.out",
    )


@pytest.mark.parametrize("which", COMMANDS)
def test_an_empty_path_is_refused(config, which):
    flag = COMMANDS[which][1]
    assert_one_line_error(
        run(config, which, ""), f"{flag} needs a file name (got an empty string); e.g. {flag} FILE"
    )


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only directory")
@pytest.mark.parametrize("which", COMMANDS)
def test_a_path_in_a_read_only_directory_is_refused(config, tmp_path, which):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    flag = COMMANDS[which][1]
    assert_one_line_error(
        run(config, which, str(locked / "out")),
        f"cannot write {flag} {locked}/out: Permission denied; choose a path you can write",
    )


@pytest.mark.skipif(not os.path.isdir("/sys/kernel"), reason="needs sysfs")
@pytest.mark.parametrize("which", COMMANDS)
def test_a_path_nobody_may_create_is_refused_even_for_root(config, which):
    # sysfs refuses new files to every user, root included: what a read-only directory is to others
    flag = COMMANDS[which][1]
    assert_one_line_error(
        run(config, which, "/sys/kernel/vcplan.out"),
        f"cannot write {flag} /sys/kernel/vcplan.out: Permission denied; choose a path you can write",
    )


def test_the_probe_leaves_no_file_behind(config, tmp_path):
    path = tmp_path / "web.plan"
    result = run(config, "plan --out", str(path))
    assert "cannot reach" in result.stderr  # the path was fine; the (absent) vCenter was not
    assert not path.exists()


def test_the_probe_does_not_truncate_an_existing_file(config, tmp_path):
    path = tmp_path / "web.plan"
    path.write_text("the previous plan")
    run(config, "plan --out", str(path))
    assert path.read_text() == "the previous plan"


class FailingFile(io.StringIO):
    """A file whose writes fail once `full` is set, as /dev/full or a full disk does."""

    full = False

    def write(self, text: str) -> int:
        if self.full:
            raise OSError(errno.ENOSPC, "No space left on device")
        return super().write(text)


def test_a_log_that_fails_during_the_apply_keeps_the_summary_and_exits_1(capsys):
    p = plan(update("a", {"cpus": (1, 2)}))
    stream = FailingFile()
    log = GuardedLog(stream, Path("apply.log"))
    output = RunOutput(False, log)
    output.planned(p)
    stream.full = True
    code = output.execute(FakeProvider(), p, build_steps(p), 10)
    out = capsys.readouterr()
    assert code == 1
    assert out.out.splitlines()[-1].startswith("Apply complete: 0 created, 1 updated, 0 deleted")
    assert out.err == (
        "error: cannot write --log apply.log: No space left on device; the summary above is complete, "
        "the log is not; free some space, or choose another disk\n"
    )


def test_a_log_that_fails_before_any_change_stops_the_apply():
    stream = FailingFile()
    stream.full = True
    output = RunOutput(False, GuardedLog(stream, Path("/dev/full")))
    with pytest.raises(
        Exception,
        match=r"cannot write --log /dev/full: No space left on device; nothing was changed",
    ):
        output.planned(plan(update("a", {"cpus": (1, 2)})))


def test_a_dangling_symlink_in_an_existing_directory_is_reported_with_the_os_message(tmp_path):
    link = tmp_path / "out.json"
    link.symlink_to(tmp_path / "no" / "such" / "target.json")
    with pytest.raises(DiagnosticError) as caught:
        check_writable(link, "--out")
    message = caught.value.diagnostics[0].message
    assert message == f"cannot write --out {link}: No such file or directory"


def test_generate_refuses_an_empty_out_before_connecting(tmp_path):
    result = run_vcplan("generate", "--out", "", *NOWHERE, env=ENV)
    assert_one_line_error(result, "--out needs a file name (got an empty string); e.g. --out FILE")


def test_generate_refuses_a_workspace_name_the_workspace_rules_refuse(tmp_path):
    result = run_vcplan(
        "generate", "--workspace", " prod", "--out", str(tmp_path / "g"), *NOWHERE, env=ENV
    )
    assert_one_line_error(
        result,
        "--workspace ' prod': a workspace name cannot start or end with a space; remove the space",
    )
