"""`plan`'s early vCenter read (docs/performance.md#overlap): a configuration error is reported
without waiting for the read, which ends on its own, in a thread or in a child process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from planner.cli import read_ahead
from planner.model.diagnostics import DiagnosticError
from tests.config.helpers import HEADER, write
from tests.support.cli import VCPLAN, cli_env


@pytest.fixture
def silent_server() -> Iterator[tuple[int, Callable[[], None]]]:
    """A local port that accepts connections and never answers, and a hang-up after which every
    connection, open or new, is closed at once."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    hung_up = threading.Event()
    accepted: list[socket.socket] = []
    lock = threading.Lock()

    def accept() -> None:
        while True:
            try:
                conn = listener.accept()[0]
            except OSError:  # the listener closed at the end of the test
                return
            with lock:
                if hung_up.is_set():
                    conn.close()
                else:
                    accepted.append(conn)

    def hang_up() -> None:
        with lock:
            hung_up.set()
            for conn in accepted:
                conn.close()

    threading.Thread(target=accept, daemon=True).start()
    yield listener.getsockname()[1], hang_up
    hang_up()
    listener.close()


def broken_config(directory: Path, port: int) -> None:
    """A configuration whose vcenter block is fine and whose VM has an error."""
    write(
        directory,
        HEADER
        + f'vcenter {{\n  url = "vpx://u@127.0.0.1:{port}"\n  insecure = true\n}}\n'
        + 'datacenter "DC0" {\n  cluster "C0" {\n    vm "a" {\n'
        + "      annotation = local.missing\n    }\n  }\n}\n",
    )


def test_a_configuration_error_is_raised_while_the_read_of_a_silent_vcenter_still_runs(
    tmp_path: Path,
    silent_server: tuple[int, Callable[[], None]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    port, hang_up = silent_server
    monkeypatch.setenv("VCPLAN_PASSWORD", "pw")
    monkeypatch.setenv("VCPLAN_READ_AHEAD", "thread")
    broken_config(tmp_path, port)
    made: list[read_ahead._ReadAhead] = []

    class Recorded(read_ahead._ReadAhead):
        def start(self, vcenter: read_ahead.VCenterSettings) -> None:
            made.append(self)
            super().start(vcenter)

    monkeypatch.setattr(read_ahead, "_ReadAhead", Recorded)
    with pytest.raises(DiagnosticError, match="missing"):
        read_ahead.config_and_inventory(tmp_path, (), (), None, None, False, 600.0)
    thread = made[0].thread
    assert thread is not None and thread.is_alive()  # the error did not wait for the read
    assert made[0].abandoned
    hang_up()  # the silent vCenter hangs up: the abandoned read ends by itself
    thread.join(timeout=300)
    assert not thread.is_alive()
    assert made[0].provider is None


def test_a_configuration_error_does_not_wait_for_the_child_reading_a_silent_vcenter(
    tmp_path: Path, silent_server: tuple[int, Callable[[], None]]
) -> None:
    """`vcplan plan` as a user runs it (one thread: the read is forked off): the error comes
    while vCenter is still silent, and the child, told to stop, is gone once vCenter hangs up
    at the latest."""
    port, hang_up = silent_server
    broken_config(tmp_path, port)
    env = cli_env() | {"VCPLAN_PASSWORD": "pw", "VCPLAN_TIMEOUT": "600"}
    proc = subprocess.Popen(
        [str(VCPLAN), "plan", str(tmp_path)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    _, stderr = proc.communicate(timeout=120)  # far below --timeout: no wait for the read
    assert proc.returncode == 1
    assert "local.missing" in stderr and "Traceback" not in stderr
    hang_up()
    assert _group_ends(proc.pid, within=120)


def _group_ends(pgid: int, within: float) -> bool:
    """Whether every process of the group is gone (the child is the plan's only one left)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


@pytest.mark.skipif(sys.platform != "linux", reason="the read is forked off on Linux only")
def test_a_plan_process_reads_vcenter_in_a_child_it_forks(tmp_path: Path) -> None:
    code = (
        "import os, sys\n"
        "from planner.cli import read_ahead\n"
        "print(read_ahead._may_fork())\n"
        "os.environ['VCPLAN_READ_AHEAD'] = 'thread'\n"
        "print(read_ahead._may_fork())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "False"]
