"""Nothing waits forever: an endpoint that accepts TCP and never answers is an error after
--timeout, and the timeout itself is checked (docs/connecting.md#timeouts)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from planner.config.endpoint import DEFAULT_TIMEOUT_S, resolve_endpoint
from planner.model.diagnostics import DiagnosticError
from tests.support.cli import run_vcplan


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A local server that accepts every connection and never sends a byte."""
    server = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    server.close()


def test_an_endpoint_that_never_answers_is_an_error_after_the_timeout(silent_port):
    url = f"vpx://u@127.0.0.1:{silent_port}"
    result = run_vcplan(
        "inventory", "--url", url, "--timeout", "2", env={"VCPLAN_PASSWORD": "x"}, timeout=60
    )
    assert result.code == 1
    assert "vCenter did not answer within 2 s" in result.stderr
    assert "Traceback" not in result.output


def test_the_timeout_comes_from_the_flag_then_vcplan_timeout_then_60_seconds():
    env = {"VCPLAN_PASSWORD": "x", "VCPLAN_TIMEOUT": "15"}
    url = "vpx://u@vc"
    assert resolve_endpoint(url, None, False, None, env, None, 5).timeout == 5
    assert resolve_endpoint(url, None, False, None, env, None).timeout == 15
    no_env = {"VCPLAN_PASSWORD": "x"}
    assert resolve_endpoint(url, None, False, None, no_env, None).timeout == DEFAULT_TIMEOUT_S


@pytest.mark.parametrize(("flag", "env"), [(0, None), (-1, None), (None, "soon"), (None, "1e9")])
def test_a_timeout_that_is_not_a_positive_number_of_seconds_is_refused(flag, env):
    environ = {"VCPLAN_PASSWORD": "x", **({"VCPLAN_TIMEOUT": env} if env else {})}
    with pytest.raises(DiagnosticError, match="timeout|TIMEOUT"):
        resolve_endpoint("vpx://u@vc", None, False, None, environ, None, flag)


@pytest.mark.parametrize("content", [None, "not a certificate\n"])
def test_a_missing_or_garbage_ca_file_is_named_before_connecting(tmp_path, silent_port, content):
    ca = tmp_path / "ca.pem"
    if content is not None:
        ca.write_text(content)
    url = f"vpx://u@127.0.0.1:{silent_port}"
    result = run_vcplan(
        "inventory", "--url", url, "--ca-file", str(ca), env={"VCPLAN_PASSWORD": "x"}, timeout=60
    )
    assert result.code == 1
    assert f"cannot read CA file {ca}" in result.stderr
    assert "vSphere API endpoint" not in result.output
