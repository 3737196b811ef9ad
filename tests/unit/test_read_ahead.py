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
