"""`plan`'s early vCenter read (docs/performance.md#overlap): a configuration error is reported
without waiting for the read, whose thread ends on its own."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from planner.cli import read_ahead
from planner.model.diagnostics import DiagnosticError
from tests.config.helpers import HEADER, write


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


def test_a_configuration_error_is_raised_while_the_read_of_a_silent_vcenter_still_runs(
    tmp_path: Path,
    silent_server: tuple[int, Callable[[], None]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    port, hang_up = silent_server
    monkeypatch.setenv("VCPLAN_PASSWORD", "pw")
    write(
        tmp_path,
        HEADER
        + f'vcenter {{\n  url = "vpx://u@127.0.0.1:{port}"\n  insecure = true\n}}\n'
        + 'datacenter "DC0" {\n  cluster "C0" {\n    vm "a" {\n'
        + "      annotation = local.missing\n    }\n  }\n}\n",
    )
    made: list[read_ahead._Read] = []

    class Recorded(read_ahead._Read):
        def __init__(self, endpoint: read_ahead.Endpoint) -> None:
            made.append(self)
            super().__init__(endpoint)

    monkeypatch.setattr(read_ahead, "_Read", Recorded)
    with pytest.raises(DiagnosticError, match="missing"):
        read_ahead.config_and_inventory(tmp_path, (), (), None, None, False, 600.0)
    (read,) = made  # begun once the vcenter block named the endpoint
    assert read.thread.is_alive()  # the error did not wait for the read
    assert read.abandoned
    hang_up()  # the silent vCenter hangs up: the abandoned read ends by itself
    read.thread.join(timeout=300)
    assert not read.thread.is_alive()
    assert read.provider is None


def recorded_reads(monkeypatch: pytest.MonkeyPatch) -> list[read_ahead.Endpoint]:
    """The endpoints of the reads begun, none of which goes further than its start."""
    begun: list[read_ahead.Endpoint] = []

    class Recorded(read_ahead._Read):
        def __init__(self, endpoint: read_ahead.Endpoint) -> None:
            begun.append(endpoint)
            self.endpoint, self.abandoned = endpoint, False

        def abandon(self) -> None:
            self.abandoned = True

    monkeypatch.setattr(read_ahead, "_Read", Recorded)
    return begun


def test_an_endpoint_named_by_the_environment_is_read_before_the_configuration(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("VCPLAN_URL", "vpx://u@vc.example.com")
    monkeypatch.setenv("VCPLAN_PASSWORD", "pw")
    begun = recorded_reads(monkeypatch)
    ahead = read_ahead._ReadAhead(None, None, False, None)
    ahead.start(None)
    assert [e.host for e in begun] == ["vc.example.com"]
    ahead.start(read_ahead.VCenterSettings(url="vpx://other.example.com"))  # the env wins
    assert len(begun) == 1 and ahead.read is not None and not ahead.read.abandoned


def test_a_vcenter_block_that_changes_the_endpoint_reads_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("VCPLAN_URL", "vpx://u@vc.example.com")
    monkeypatch.setenv("VCPLAN_PASSWORD", "pw")
    monkeypatch.delenv("VCPLAN_INSECURE", raising=False)
    begun = recorded_reads(monkeypatch)
    ahead = read_ahead._ReadAhead(None, None, False, None)
    ahead.start(None)
    early = ahead.read
    ahead.start(read_ahead.VCenterSettings(insecure=True))  # not set by flag or environment
    assert early is not None and early.abandoned
    assert [e.insecure for e in begun] == [False, True]


def test_without_a_url_in_flags_or_environment_nothing_is_read_before_the_configuration(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("VCPLAN_URL", raising=False)
    monkeypatch.setenv("VCPLAN_PASSWORD", "pw")
    begun = recorded_reads(monkeypatch)
    ahead = read_ahead._ReadAhead(None, None, False, None)
    ahead.start(None)
    assert begun == [] and ahead.read is None
