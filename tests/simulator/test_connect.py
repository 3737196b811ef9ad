"""Connecting (docs/connecting.md): every failure is one line, exit 1, no traceback or password."""

from __future__ import annotations

import json

import pytest

from tests.support.vcenter import open_si


def _assert_one_clean_error(result, password: str, *fragments: str) -> None:
    assert result.code == 1
    assert "Traceback" not in result.output
    assert password not in result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    for fragment in fragments:
        assert fragment in lines[0]


def test_wrong_password_is_one_line_naming_the_user(run_cli, readonly_vcsim):
    env = readonly_vcsim.env() | {"VCPLAN_PASSWORD": "not-the-password-123"}
    result = run_cli("inventory", env=env)
    _assert_one_clean_error(result, "not-the-password-123", "login refused", readonly_vcsim.user)
    assert readonly_vcsim.password not in result.output


def test_unreachable_host_is_one_line(run_cli, readonly_vcsim):
    result = run_cli("inventory", "--url", "vpx://127.0.0.1:1", env=readonly_vcsim.env())
    _assert_one_clean_error(result, readonly_vcsim.password, "cannot reach 127.0.0.1:1")


def test_unresolvable_host_is_one_line(run_cli, readonly_vcsim):
    result = run_cli("inventory", "--url", "vpx://vc.invalid", env=readonly_vcsim.env())
    _assert_one_clean_error(result, readonly_vcsim.password, "cannot resolve host")


def test_untrusted_certificate_is_refused_by_default(run_cli, readonly_vcsim):
    env = readonly_vcsim.env()
    del env["VCPLAN_CA_FILE"]
    result = run_cli("inventory", env=env)
    _assert_one_clean_error(result, readonly_vcsim.password, "not trusted", "--ca-file")


def test_ca_file_flag_trusts_the_servers_ca(run_cli, readonly_vcsim):
    env = readonly_vcsim.env()
    ca = env.pop("VCPLAN_CA_FILE")
    result = run_cli("inventory", "--ca-file", ca, "--format", "json", env=env)
    assert result.code == 0, result.stderr
    assert len(json.loads(result.stdout)) == 12


def test_insecure_connects_and_warns_on_stderr(run_cli, readonly_vcsim):
    env = readonly_vcsim.env()
    del env["VCPLAN_CA_FILE"]
    result = run_cli("inventory", "--insecure", "--format", "json", env=env)
    assert result.code == 0
    assert "warning: TLS certificate verification is off" in result.stderr
    assert len(json.loads(result.stdout)) == 12


def test_insecure_from_environment(run_cli, readonly_vcsim):
    env = readonly_vcsim.env() | {"VCPLAN_INSECURE": "1"}
    del env["VCPLAN_CA_FILE"]
    result = run_cli("inventory", "--format", "json", env=env)
    assert result.code == 0
    assert "warning" in result.stderr


@pytest.mark.parametrize(
    ("path", "fragment"),
    [
        ("/DC7", "datacenter 'DC7' not found"),
        ("/DC0/NoSuchCluster", "cluster or host 'NoSuchCluster' not found in datacenter 'DC0'"),
        ("/DC0/DC0_C0/NoSuchHost", "host 'NoSuchHost' not found in cluster DC0/DC0_C0"),
    ],
)
def test_unknown_path_in_url_is_one_line_listing_what_exists(
    run_cli, readonly_vcsim, path, fragment
):
    result = run_cli("inventory", "--url", readonly_vcsim.vpx_url + path, env=readonly_vcsim.env())
    _assert_one_clean_error(result, readonly_vcsim.password, fragment)


def test_password_in_url_is_refused_without_showing_it(run_cli, readonly_vcsim):
    url = f"vpx://admin:Secr3tPassw0rd@{readonly_vcsim.host}:{readonly_vcsim.port}"
    result = run_cli("inventory", "--url", url, env=readonly_vcsim.env())
    _assert_one_clean_error(result, "Secr3tPassw0rd", "password is not accepted", "VCPLAN_PASSWORD")


def test_user_from_url_wins_over_environment(run_cli, readonly_vcsim):
    url = f"vpx://someone-else@{readonly_vcsim.host}:{readonly_vcsim.port}"
    result = run_cli("inventory", "--url", url, env=readonly_vcsim.env())
    _assert_one_clean_error(result, readonly_vcsim.password, "'someone-else'")


def test_no_password_and_no_terminal_is_an_error(run_cli, readonly_vcsim):
    env = readonly_vcsim.env()
    del env["VCPLAN_PASSWORD"]
    result = run_cli("inventory", env=env)
    _assert_one_clean_error(result, readonly_vcsim.password, "VCPLAN_PASSWORD")


def test_no_url_anywhere_is_an_error(run_cli, readonly_vcsim):
    env = readonly_vcsim.env()
    del env["VCPLAN_URL"]
    result = run_cli("inventory", env=env)
    _assert_one_clean_error(result, readonly_vcsim.password, "no vCenter URL", "--url")


def test_session_is_logged_out_at_exit(run_cli, make_vcsim):
    sim = make_vcsim("-cluster", "1", "-host", "1", "-vm", "1")
    assert run_cli("inventory", env=sim.env()).code == 0
    assert run_cli("inventory", env=sim.env() | {"VCPLAN_PASSWORD": "bad"}).code == 1
    with open_si(sim) as si:
        sessions = si.content.sessionManager.sessionList
        assert [s.key for s in sessions] == [si.content.sessionManager.currentSession.key]


def _broken_config(tmp_path):
    (tmp_path / "main.hcl").write_text(
        'vcplan {\n  workspace = "t"\n}\n'
        'datacenter "DC0" {\n  cluster "DC0_C0" {\n    vm "a" {\n      cpus = 0\n    }\n  }\n}\n'
    )
    return tmp_path


def test_plan_reports_a_broken_vm_block_alone_and_logs_out_the_read_it_started(
    run_cli, make_vcsim, tmp_path
):
    """plan starts reading vCenter before the VMs are evaluated (docs/performance.md#overlap):
    a VM's error is still the only output, and that read's session is closed."""
    sim = make_vcsim("-cluster", "1", "-host", "1", "-vm", "1")
    result = run_cli("plan", str(_broken_config(tmp_path)), env=sim.env())
    assert result.code == 1
    lines = [line for line in result.stderr.splitlines() if "error" in line]
    assert len(lines) == 1 and "main.hcl:7:14: error: cpus must be at least 1" in lines[0]
    with open_si(sim) as si:
        sessions = si.content.sessionManager.sessionList
        assert [s.key for s in sessions] == [si.content.sessionManager.currentSession.key]


def test_plan_with_a_wrong_password_is_one_line_after_a_valid_configuration(
    run_cli, readonly_vcsim, tmp_path
):
    (tmp_path / "main.hcl").write_text('vcplan {\n  workspace = "t"\n}\n')
    env = readonly_vcsim.env() | {"VCPLAN_PASSWORD": "not-the-password-123"}
    result = run_cli("plan", str(tmp_path), env=env)
    _assert_one_clean_error(result, "not-the-password-123", "login refused", readonly_vcsim.user)
