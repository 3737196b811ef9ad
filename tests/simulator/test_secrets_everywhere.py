"""No secret in any output (docs/security.md#secrets): each error path, and the successful ones
that write files, run with a known password; stdout, stderr, the --log file, the plan file and
the drift reports are searched for it (plain, URL-encoded, base64, JSON-escaped) and for the
session cookie vCenter gave the run."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import providers.vsphere.session as session_module
from tests.support.cli import CliResult
from tests.support.fuzz import PASSWORD, secret_forms
from tests.support.inprocess import run_inprocess
from tests.vcsim import harness

CONFIG = """
vcplan {
  workspace = "secrets"
}

datacenter "DC0" {
  cluster "DC0_C0" {
    vm "DC0_C0_RP0_VM0" {
      cpus       = 2
      annotation = "drifts"
    }
    vm "sec-new" {
      cpus      = 1
      memory_mb = 64
      power     = "off"
    }
  }
}
"""


@pytest.fixture
def sim(certs) -> Any:
    started = harness.start([], certs, password=PASSWORD)
    yield started
    started.stop()


@pytest.fixture
def cookies(monkeypatch) -> list[str]:
    """The session cookie of every login the CLI makes in this test."""
    seen: list[str] = []
    login = session_module._login

    def recording(endpoint: Any) -> Any:
        si = login(endpoint)
        cookie = si._stub.cookie or ""
        seen.append(cookie.split("=", 1)[-1].split(";", 1)[0].strip('"'))
        return si

    monkeypatch.setattr(session_module, "_login", recording)
    return seen


def _config(tmp_path: Path, extra: str = "") -> Path:
    directory = tmp_path / "cfg"
    directory.mkdir(exist_ok=True)
    (directory / "main.hcl").write_text(textwrap.dedent(CONFIG) + extra)
    return directory


def _vcplan(sim: Any, *args: str, **env: str) -> CliResult:
    return run_inprocess(*args, env={**sim.env(), "VCPLAN_TIMEOUT": "20", **env})


# each case: (sim, tmp_path) -> (the run, the files it wrote, the exit code expected)
Case = Callable[[Any, Path], tuple[CliResult, list[Path], int]]


def password_in_the_vcenter_block(sim, tmp):
    directory = _config(tmp, f'vcenter {{\n  password = "{PASSWORD}"\n}}\n')
    return _vcplan(sim, "plan", str(directory)), [], 1


def password_in_a_url_in_the_config(sim, tmp):
    url = f'vcenter {{\n  url = "vpx://admin:{PASSWORD}@vc.example.com"\n}}\n'
    directory = _config(tmp, url)
    return run_inprocess("plan", str(directory), env={"VCPLAN_PASSWORD": PASSWORD}), [], 1


def password_in_the_url_flag(sim, tmp):
    url = sim.vpx_url.replace("://", f"://admin:{PASSWORD}@", 1)
    return _vcplan(sim, "inventory", "--url", url), [], 1


def password_url_encoded_in_the_url(sim, tmp):
    from urllib.parse import quote

    url = sim.vpx_url.replace("://", f"://admin:{quote(PASSWORD, safe='')}@", 1)
    return _vcplan(sim, "inventory", "--url", url), [], 1


def wrong_password(sim, tmp):
    # the sim's password is PASSWORD; the one typed is another secret
    wrong = PASSWORD[::-1]
    result = _vcplan(sim, "plan", str(_config(tmp)), VCPLAN_PASSWORD=wrong)
    assert wrong not in result.output
    return result, [], 1


def unreachable_host(sim, tmp):
    return _vcplan(sim, "inventory", "--url", "vpx://127.0.0.1:1"), [], 1


def bad_plan_file(sim, tmp):
    planned = tmp / "saved.plan"
    assert _vcplan(sim, "plan", str(_config(tmp)), "--out", str(planned)).code == 0
    doc = json.loads(planned.read_text())
    doc["url"] = f"vpx://admin:{PASSWORD}@vc.example.com"
    doc["changes"][0]["after"]["cpus"] = PASSWORD
    planned.write_text(json.dumps(doc))
    log = tmp / "apply.log"
    return _vcplan(sim, "apply", str(planned), "--auto-approve", "--log", str(log)), [log], 1


def password_in_a_plan_files_url(sim, tmp):
    planned = tmp / "saved.plan"
    assert _vcplan(sim, "plan", str(_config(tmp)), "--out", str(planned)).code == 0
    doc = json.loads(planned.read_text())
    doc["url"] = sim.vpx_url.replace("://", f"://admin:{PASSWORD}@", 1)
    planned.write_text(json.dumps(doc))
    log = tmp / "apply.log"
    result = _vcplan(sim, "apply", str(planned), "--auto-approve", "--log", str(log))
    assert "url: holds a password" in result.stderr
    return result, [log], 1


def apply_failing_mid_run(sim, tmp):
    planned = tmp / "saved.plan"
    assert _vcplan(sim, "plan", str(_config(tmp)), "--out", str(planned)).code == 0
    doc = json.loads(planned.read_text())
    for change in doc["changes"]:  # the adoption edited into a delete: refused at its step
        if change["action"] == "update":
            change.update(action="delete", after=None, diffs=[])
    planned.write_text(json.dumps(doc))
    log = tmp / "apply.log"
    result = _vcplan(sim, "apply", str(planned), "--auto-approve", "--log", str(log))
    assert "does not carry the marker" in result.output
    return result, [log, planned], 1


def successful_apply_with_log_and_plan_file(sim, tmp):
    planned, log = tmp / "saved.plan", tmp / "apply.log"
    assert _vcplan(sim, "plan", str(_config(tmp)), "--out", str(planned)).code == 0
    result = _vcplan(sim, "apply", str(planned), "--auto-approve", "--log", str(log))
    return result, [planned, log], 0


def plan_json_stream(sim, tmp):
    return _vcplan(sim, "plan", str(_config(tmp)), "--json"), [], 0


def drift_reports(sim, tmp):
    directory = _config(tmp)
    html, js = tmp / "drift.html", tmp / "drift.json"
    assert _vcplan(sim, "drift", str(directory), "--format", "html", "--out", str(html)).code == 0
    result = _vcplan(sim, "drift", str(directory), "--format", "json", "--out", str(js))
    text = _vcplan(sim, "drift", str(directory))
    return (
        CliResult(result.code, result.stdout + text.stdout, result.stderr + text.stderr),
        [
            html,
            js,
        ],
        0,
    )


CASES: dict[str, Case] = {
    case.__name__.replace("_", " "): case
    for case in (
        password_in_the_vcenter_block,
        password_in_a_url_in_the_config,
        password_in_the_url_flag,
        password_url_encoded_in_the_url,
        wrong_password,
        unreachable_host,
        bad_plan_file,
        password_in_a_plan_files_url,
        apply_failing_mid_run,
        successful_apply_with_log_and_plan_file,
        plan_json_stream,
        drift_reports,
    )
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_no_output_of_this_path_holds_the_password_or_the_session_cookie(
    sim, cookies, tmp_path, case
):
    result, files, code = case(sim, tmp_path)
    assert result.code == code, result.output
    outputs = {"stdout": result.stdout, "stderr": result.stderr}
    for path in files:
        assert path.is_file(), f"{path.name} was not written"
        outputs[path.name] = path.read_text(errors="replace")
    assert "Traceback" not in result.output
    secrets = secret_forms(PASSWORD) + [c for c in cookies if len(c) >= 8]
    for name, text in outputs.items():
        for secret in secrets:
            assert secret not in text, f"{secret!r} in {name}"
        assert "vmware_soap_session" not in text, name
