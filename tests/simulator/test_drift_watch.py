"""`vcplan drift --watch` against the simulator: it reports once, then each change as it
happens, with the user vCenter recorded; POSTs it to a webhook; survives its session being
terminated; exits 0 on SIGTERM. Waits are bounded reads on the watch's stdout pipe."""

from __future__ import annotations

import json
import queue
import signal
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
from pyVim.task import WaitForTask
from pyVmomi import vim

from tests.support.cli import VCPLAN, cli_env
from tests.support.vcenter import find_vm, set_custom_attribute

pytestmark = pytest.mark.simulator

WORLD = ["-dc", "1", "-cluster", "1", "-host", "1", "-standalone-host", "0", "-vm", "2"]
VM = "DC0_C0_RP0_VM0"
CONFIG = f"""
vcplan {{
  workspace = "ws"
}}
datacenter "DC0" {{
  cluster "DC0_C0" {{
    vm "{VM}" {{
      cpus = 1
    }}
  }}
}}
"""


class Watch:
    """The watch as a subprocess, its stdout read line by line with a deadline."""

    def __init__(self, args: list[str], env: dict[str, str]):
        self.proc = subprocess.Popen(
            [str(VCPLAN), *args],
            env={**cli_env(), **env},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self._lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._lines.put(line)
        self._lines.put("")  # end of output

    def line(self, within: float) -> str:
        """The next line of stdout, or a failure naming what the watch said on stderr."""
        try:
            line = self._lines.get(timeout=within)
        except queue.Empty:
            pytest.fail(f"no line within {within} s; stderr so far: {self._stderr()}")
        if not line:
            pytest.fail(f"the watch ended ({self.proc.wait(5)}): {self._stderr()}")
        return line

    def json_line(self, within: float) -> dict[str, Any]:
        return json.loads(self.line(within))

    def _stderr(self) -> str:
        if self.proc.poll() is None:
            return "(still running)"
        assert self.proc.stderr is not None
        return self.proc.stderr.read()

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise


@pytest.fixture
def world(make_vcsim, connect_si, tmp_path: Path):
    sim = make_vcsim(*WORLD, "-user", f"{ALICE}:{ALICE_PASSWORD}")  # a second user who may log in
    si = connect_si(sim)
    set_custom_attribute(si, VM, "vcplan.workspace", "ws")
    (tmp_path / "main.hcl").write_text(CONFIG)
    return sim, si, tmp_path


@pytest.fixture
def start_watch(world) -> Iterator[Any]:
    sim, _si, directory = world
    started: list[Watch] = []

    def _start(*extra: str) -> Watch:
        watch = Watch(["drift", str(directory), "--watch", *extra], sim.env())
        started.append(watch)
        return watch

    yield _start
    for watch in started:
        if watch.proc.poll() is None:
            watch.proc.kill()
            watch.proc.wait()


def _set_cpus(si: Any, cpus: int) -> None:
    WaitForTask(find_vm(si, VM).ReconfigVM_Task(spec=vim.vm.ConfigSpec(numCPUs=cpus)))


ALICE, ALICE_PASSWORD = "alice@vsphere.local", "alice-pw"


def _next_transition(watch: Watch, within: float = 10) -> dict[str, Any]:
    line = watch.json_line(within)
    assert line["type"] == "transition", line
    return line


def test_the_watch_reports_once_then_a_cpu_change_with_its_user_within_seconds(world, start_watch):
    sim, si, _dir = world
    watch = start_watch("--format", "json")
    first = watch.json_line(60)
    assert first["type"] == "report"
    assert first["summary"]["in_sync"] == 1
    _set_cpus(si, 3)
    change = _next_transition(watch)
    assert (change["kind"], change["address"]) == ("drifted", f"DC0/{VM}")
    (cpus,) = change["attributes"]
    assert (cpus["attribute"], cpus["expected"], cpus["actual"]) == ("cpus", 1, 3)
    assert cpus["changed_by"] == sim.user
    assert change["changed_by"] == sim.user


def test_a_vm_returning_to_the_configuration_is_reported_back_in_sync(world, start_watch):
    _sim, si, _dir = world
    watch = start_watch("--format", "json")
    watch.json_line(60)
    _set_cpus(si, 3)
    assert _next_transition(watch)["kind"] == "drifted"
    _set_cpus(si, 1)
    assert _next_transition(watch)["kind"] == "in_sync"


def test_text_lines_say_what_changed_and_who_changed_it(world, start_watch):
    sim, si, _dir = world
    watch = start_watch()
    while "Watching for changes" not in watch.line(60):
        pass
    _set_cpus(si, 3)
    line = watch.line(10)
    assert f"~ DC0/{VM} drifted: cpus expected 1, actual 3, changed by {sim.user}" in line


class _Hook(BaseHTTPRequestHandler):
    bodies: list[dict[str, Any]] = []
    received = threading.Event()

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        length = int(self.headers["Content-Length"])
        type(self).bodies.append(json.loads(self.rfile.read(length)))
        self.send_response(204)
        self.end_headers()
        type(self).received.set()

    def log_message(self, *args: Any) -> None:
        pass


def test_the_webhook_receives_each_transition_as_json(world, start_watch):
    sim, si, _dir = world
    server = HTTPServer(("127.0.0.1", 0), _Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/hook"
        watch = start_watch("--format", "json", "--webhook", url)
        watch.json_line(60)
        _set_cpus(si, 3)
        printed = _next_transition(watch)
        assert _Hook.received.wait(10)
        assert _Hook.bodies[0] == printed
        assert _Hook.bodies[0]["attributes"][0]["changed_by"] == sim.user
    finally:
        server.shutdown()


def test_a_failing_webhook_is_reported_on_stderr_and_the_watch_goes_on(world, start_watch):
    _sim, si, _dir = world
    watch = start_watch("--format", "json", "--webhook", "http://127.0.0.1:9/closed")
    watch.json_line(60)
    _set_cpus(si, 3)
    assert _next_transition(watch)["kind"] == "drifted"
    _set_cpus(si, 1)
    assert _next_transition(watch)["kind"] == "in_sync"
    assert watch.proc.poll() is None


def test_sigterm_ends_the_watch_with_exit_0(world, start_watch):
    watch = start_watch("--format", "json")
    watch.json_line(60)
    assert watch.stop() == 0


def test_the_watch_survives_its_session_being_terminated(world, start_watch):
    _sim, si, _dir = world
    watch = start_watch("--format", "json")
    watch.json_line(60)
    manager = si.content.sessionManager
    mine = manager.currentSession.key
    others = [s.key for s in manager.sessionList if s.key != mine]
    assert others  # the watch's
    manager.TerminateSession(sessionId=others)
    _set_cpus(si, 3)
    # the wait in flight may deliver it, or the reconnect's full read finds it
    change = _next_transition(watch, within=40)
    assert change["kind"] == "drifted"
    assert watch.proc.poll() is None


def test_webhook_without_watch_is_an_error(world, run_cli):
    sim, _si, directory = world
    result = run_cli("drift", str(directory), "--webhook", "http://x", env=sim.env())
    assert result.code == 1
    assert result.stderr.startswith("error: --webhook needs --watch")


def test_watch_refuses_html(world, run_cli):
    sim, _si, directory = world
    result = run_cli("drift", str(directory), "--watch", "--format", "html", env=sim.env())
    assert result.code == 1
    assert "--watch prints text or json lines" in result.stderr


def test_json_is_the_versioned_machine_stream_of_the_watch(world, start_watch):
    _sim, si, _dir = world
    watch = start_watch("--json")
    first = watch.json_line(60)
    assert (first["type"], first["version"]) == ("report", 1)
    _set_cpus(si, 4)
    change = _next_transition(watch)
    assert (change["version"], change["kind"]) == (1, "drifted")


def test_a_change_made_as_another_user_is_reported_with_that_users_name(world, start_watch):
    import ssl

    from pyVim.connect import Disconnect, SmartConnect

    sim, _si, _dir = world
    watch = start_watch("--format", "json")
    assert watch.json_line(60)["type"] == "report"
    ctx = ssl.create_default_context(cafile=str(sim.certs.ca_file))
    alice = SmartConnect(
        host=sim.host, port=sim.port, user=ALICE, pwd=ALICE_PASSWORD, sslContext=ctx
    )
    try:
        _set_cpus(alice, 5)
    finally:
        Disconnect(alice)
    change = _next_transition(watch)
    assert change["kind"] == "drifted" and change["changed_by"] == ALICE != sim.user
