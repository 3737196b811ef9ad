# ruff: noqa: E501  (the cases read best on one line each)
"""No password in any output (docs/security.md#secrets): every error path of a configuration
that holds one prints the source line with the secret replaced by ***."""

from __future__ import annotations

import pytest

from planner.cli.app import app
from planner.cli.errors import run_guarded
from planner.report.redact import redact, secrets_in
from tests.config.helpers import HEADER, write

PASSWORD = "Hunter2-s3cr@t"

CASES = {
    "password attribute": f'vcenter {{\n  password = "{PASSWORD}"\n}}\n',
    "password in the url": f'vcenter {{\n  url = "vpx://admin:{PASSWORD}@vc.example.com"\n}}\n',
    "password in a url that is also wrong": f'vcenter {{\n  url = "vpx://admin:{PASSWORD}@"\n  insecure = "x"\n}}\n',
    "password next to a syntax error": f'vcenter {{\n  password = "{PASSWORD}" ]\n}}\n',
    "password in a vm attribute": f'datacenter "DC0" {{\n  cluster "C0" {{\n    vm "a" {{\n      annotation = "vpx://u:{PASSWORD}@h" + 1\n    }}\n  }}\n}}\n',
}


@pytest.mark.parametrize("text", CASES.values(), ids=CASES.keys())
@pytest.mark.parametrize("command", ["validate", "plan"])
def test_no_error_output_shows_the_password(tmp_path, capsys, command, text):
    write(tmp_path, HEADER + text)
    code = run_guarded(app, [command, str(tmp_path)])
    out = capsys.readouterr()
    assert code == 1
    assert "***" in out.err
    assert PASSWORD not in out.out + out.err
    assert "s3cr" not in out.out + out.err


def test_a_masked_line_keeps_everything_but_the_secret():
    line = f'  url = "vpx://admin:{PASSWORD}@vc.example.com/DC0"'
    assert redact(line, secrets_in(line)) == '  url = "vpx://admin:***@vc.example.com/DC0"'


def test_password_quoted_from_a_plan_file_is_masked_in_the_error(tmp_path, capsys, monkeypatch):
    """A schema error quotes the bad value; when that value is the password it is masked."""
    import json

    from planner.model.plan import Plan
    from planner.plan.files import plan_to_dict
    from tests.builders import create

    doc = plan_to_dict(Plan("ws", "vpx://vc", "2024-01-01T00:00:00Z", (create("new"),)))
    doc["changes"][0]["after"]["cpus"] = PASSWORD
    (tmp_path / "edited.plan").write_text(json.dumps(doc))
    monkeypatch.setenv("VCPLAN_PASSWORD", PASSWORD)
    code = run_guarded(app, ["apply", str(tmp_path / "edited.plan"), "--auto-approve"])
    out = capsys.readouterr()
    assert code == 1 and "after.cpus: '***' is not a whole number" in out.err
    assert PASSWORD not in out.out + out.err
