"""`vcplan plan` reads vCenter while it evaluates the configuration (docs/performance.md#overlap):
a configuration that names tags is known to need them only once evaluated, and they are then
read on the early read's session, which is closed with the rest."""

from __future__ import annotations

import json

from tests.support.vcenter import open_si


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
