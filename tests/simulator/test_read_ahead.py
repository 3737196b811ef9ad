"""`vcplan plan` reads vCenter in a child process it forks (docs/performance.md#overlap): the
plan is the one a read in a thread gives, tags included, and no session is left behind."""

from __future__ import annotations

import json

import pytest

from tests.support.vcenter import open_si


@pytest.fixture(scope="module")
def sim(make_module_vcsim):
    return make_module_vcsim("-cluster", "2", "-host", "1", "-vm", "6")


def _plan(run_cli, sim, config, **env: str) -> dict:
    result = run_cli("plan", str(config), "--format", "json", env=sim.env() | env)
    assert result.code == 0, result.stderr
    plan = json.loads(result.stdout)
    plan.pop("created_at")
    return plan


def test_a_plan_read_in_a_child_process_is_the_plan_read_in_a_thread(run_cli, sim, tmp_path):
    config = tmp_path / "config"
    assert run_cli("generate", "-w", "ws", "-o", str(config), env=sim.env()).code == 0
    forked = _plan(run_cli, sim, config)
    assert forked == _plan(run_cli, sim, config, VCPLAN_READ_AHEAD="thread")
    assert len(forked["changes"]) == 18  # 2 clusters and a standalone host, 6 VMs each


def test_the_child_and_the_tag_read_after_it_leave_no_session(run_cli, sim, tmp_path):
    """A configuration naming tags is known to need them only once evaluated: the tags are
    then read on a session of the parent's own, after the child's inventory."""
    config = tmp_path / "tagged"
    config.mkdir()
    (config / "main.hcl").write_text(
        'vcplan {\n  workspace = "ws"\n}\n'
        'tag_category "env" {\n  cardinality = "single"\n  tags = ["prod"]\n}\n'
        'datacenter "DC0" {\n  cluster "DC0_C0" {\n    vm "DC0_C0_RP0_VM0" {\n'
        '      tags = { env = "prod" }\n    }\n  }\n}\n'
    )
    plan = _plan(run_cli, sim, config)
    assert plan == _plan(run_cli, sim, config, VCPLAN_READ_AHEAD="thread")
    with open_si(sim) as si:
        sessions = si.content.sessionManager.sessionList
        assert [s.key for s in sessions] == [si.content.sessionManager.currentSession.key]
