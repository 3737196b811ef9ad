"""The machine stream (`--json`, `--log`): one versioned JSON object per line
(docs/plan-format.md, "The machine stream")."""

from __future__ import annotations

import json

from planner.apply.executor import Executor
from planner.apply.steps import build_steps
from planner.cli.app import app
from planner.cli.errors import run_guarded
from planner.report.apply import ApplyReport
from planner.report.stream import STREAM_VERSION, plan_records, summary_record
from tests.builders import create, plan, update
from tests.executor.fake_provider import FakeProvider


def test_plan_records_are_the_changes_then_the_summary():
    p = plan(create("a"), update("b", {"cpus": (1, 2)}, restart=True))
    records = plan_records(p)
    assert [r["type"] for r in records] == ["planned_change", "planned_change", "plan_summary"]
    assert records[1] == {
        "type": "planned_change",
        "version": STREAM_VERSION,
        "address": "DC0/b",
        "action": "update",
        "attributes": ["cpus"],
        "restart": True,
        "moves": False,
    }
    assert records[2]["summary"]["create"] == 1


def test_apply_summary_counts_vms_by_action_and_lists_failures():
    p = plan(create("a"), update("b", {"cpus": (1, 2)}))
    provider = FakeProvider(fail={("reconfigure", "vm-b")})
    graph = build_steps(p)
    result = Executor(provider, p, graph, 2, wait_timeout=1.0).run()
    record = summary_record(ApplyReport(result, p, graph))
    assert record["type"] == "apply_summary" and record["version"] == 1
    assert (record["outcome"], record["created"], record["failed"]) == ("failed", 1, ["DC0/b"])
    assert record["exit_code"] == 1


def test_plan_json_reports_a_configuration_error_as_an_error_object(tmp_path, capsys):
    (tmp_path / "main.hcl").write_text("vcplan {\n  workspace = \n}\n")
    assert run_guarded(app, ["plan", str(tmp_path), "--json"]) == 1
    out = capsys.readouterr().out.splitlines()
    record = json.loads(out[-1])
    assert record["type"] == "error" and record["version"] == 1
    assert "main.hcl:" in record["location"]


def test_apply_json_without_auto_approve_is_refused_before_anything_runs(tmp_path, capsys):
    assert run_guarded(app, ["apply", str(tmp_path), "--json"]) == 1
    assert "--json needs --auto-approve" in capsys.readouterr().err
