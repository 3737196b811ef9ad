"""`vcplan plan` reads vCenter while it evaluates the configuration (docs/performance.md#overlap):
a configuration that names tags is known to need them only once evaluated, and they are then
read on the early read's session, which is closed with the rest."""

from __future__ import annotations

import json
import time

from tests.support.vcenter import open_si

SLOW_READ = "RetrievePropertiesEx=3000"  # each read of the inventory takes 3 s


def test_the_early_read_and_the_tags_read_after_it_leave_no_session(run_cli, make_vcsim, tmp_path):
    sim = make_vcsim("-cluster", "1", "-host", "1", "-vm", "2")
    (tmp_path / "main.hcl").write_text(
        'vcplan {\n  workspace = "ws"\n}\n'
        'tag_category "env" {\n  cardinality = "single"\n  tags = ["prod"]\n}\n'
        'datacenter "DC0" {\n  cluster "DC0_C0" {\n    vm "DC0_C0_RP0_VM0" {\n'
        '      tags = { env = "prod" }\n    }\n  }\n}\n'
    )
    result = run_cli("plan", str(tmp_path), "--format", "json", env=sim.env())
    assert result.code == 0, result.stderr
    (change,) = json.loads(result.stdout)["changes"]
    assert change["after"]["tags"] == {"env": ["prod"]}
    with open_si(sim) as si:
        sessions = si.content.sessionManager.sessionList
        assert [s.key for s in sessions] == [si.content.sessionManager.currentSession.key]


def test_an_abandoned_read_is_logged_out_at_once_not_when_it_would_have_ended(make_vcsim):
    """A read dropped for another endpoint must not go on reading the whole fleet beside the
    read that replaces it."""
    from planner.cli.read_ahead import _Read
    from planner.config.endpoint import resolve_endpoint

    sim = make_vcsim("-cluster", "1", "-host", "1", "-vm", "2", "-method-delay", SLOW_READ)
    read = _Read(resolve_endpoint(None, None, False, None, sim.env(), None))
    deadline = time.monotonic() + 30
    while read.provider is None and read.thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)  # until it is logged in and reading
    read.abandon()
    with open_si(sim) as si:
        manager = si.content.sessionManager
        others = [s.key for s in manager.sessionList if s.key != manager.currentSession.key]
    assert read.thread.is_alive()  # still in its first, slow, answer
    assert others == []  # and its session already gone
    read.thread.join(30)
    assert not read.thread.is_alive()
