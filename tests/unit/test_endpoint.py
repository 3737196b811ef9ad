"""URL forms and the precedence of flags, environment and config (docs/connecting.md), offline."""

from __future__ import annotations

import pytest

from planner.config.endpoint import URL_FORMS, parse_url, resolve_endpoint
from planner.model import Pos, Scope, VCenterSettings
from planner.model.diagnostics import DiagnosticError

ENV = {"VCPLAN_PASSWORD": "pw"}


def test_vpx_url_with_full_path_scopes_to_a_host():
    parsed = parse_url("vpx://admin@vc.example.com:8443/DC1/Cluster-A/esx-01")
    assert (parsed.kind, parsed.host, parsed.port, parsed.user) == (
        "vpx",
        "vc.example.com",
        8443,
        "admin",
    )
    assert parsed.scope == Scope("DC1", "Cluster-A", "esx-01")


def test_vpx_url_without_path_means_all_datacenters():
    assert parse_url("vpx://vc").scope == Scope()


def test_https_sdk_url_is_a_vcenter_on_its_port():
    parsed = parse_url("https://vc:9443/sdk")
    assert (parsed.kind, parsed.port, parsed.scope) == ("vpx", 9443, Scope())


def test_esx_url_scopes_to_ha_datacenter():
    parsed = parse_url("esx://root@esx-01")
    assert (parsed.kind, parsed.scope) == ("esx", Scope("ha-datacenter"))


def test_url_path_segments_are_unquoted():
    assert parse_url("vpx://vc/My%20DC").scope == Scope("My DC")


@pytest.mark.parametrize(
    "url", ["ftp://vc", "vpx://", "esx://host/dc", "https://vc/other", "vpx://vc/a/b/c/d"]
)
def test_malformed_urls_are_diagnostics(url):
    with pytest.raises(DiagnosticError):
        parse_url(url)


def test_flag_url_wins_over_environment_and_config():
    endpoint = resolve_endpoint(
        "vpx://u@flag", None, False, VCenterSettings(url="vpx://u@cfg"),
        ENV | {"VCPLAN_URL": "vpx://u@env"}, None,
    )  # fmt: skip
    assert endpoint.host == "flag"


def test_environment_url_wins_over_config():
    endpoint = resolve_endpoint(
        None, None, False, VCenterSettings(url="vpx://u@cfg"),
        ENV | {"VCPLAN_URL": "vpx://u@env"}, None,
    )  # fmt: skip
    assert endpoint.host == "env"


def test_user_comes_from_url_then_environment_then_config():
    settings = VCenterSettings(url="vpx://vc", user="cfg-user")
    assert resolve_endpoint(None, None, False, settings, ENV, None).user == "cfg-user"
    env = ENV | {"VCPLAN_USER": "env-user"}
    assert resolve_endpoint(None, None, False, settings, env, None).user == "env-user"
    assert resolve_endpoint("vpx://url-user@vc", None, False, settings, env, None).user == (
        "url-user"
    )


def test_password_in_config_url_is_refused_naming_where_it_came_from():
    settings = VCenterSettings(url="vpx://u:hunter2@vc", pos=Pos("main.hcl", 3, 1))
    with pytest.raises(DiagnosticError) as caught:
        resolve_endpoint(None, None, False, settings, ENV, None)
    text = str(caught.value)
    assert "main.hcl:3:1" in text and "VCPLAN_PASSWORD" in text and "hunter2" not in text


def test_password_is_prompted_when_not_in_environment():
    endpoint = resolve_endpoint("vpx://u@vc", None, False, None, {}, lambda _label: "typed")
    assert endpoint.password == "typed"


def test_display_url_never_carries_user_or_password():
    endpoint = resolve_endpoint("vpx://u@vc/DC0", None, False, None, ENV, None)
    assert endpoint.display_url == "vpx://vc/DC0"
    assert "pw" not in repr(endpoint)


def test_ca_file_and_insecure_come_from_environment_or_config():
    env = ENV | {"VCPLAN_CA_FILE": "/ca.pem", "VCPLAN_INSECURE": "1"}
    endpoint = resolve_endpoint("vpx://u@vc", None, False, None, env, None)
    assert (endpoint.ca_file, endpoint.insecure) == ("/ca.pem", True)
    settings = VCenterSettings(ca_file="cfg.pem", insecure=True)
    endpoint = resolve_endpoint("vpx://u@vc", None, False, settings, ENV, None)
    assert (endpoint.ca_file, endpoint.insecure) == ("cfg.pem", True)


def test_user_with_an_at_sign_in_the_url_keeps_its_domain():
    parsed = parse_url("vpx://svc-vcplan@vsphere.local@vc.example.com/DC1")
    assert (parsed.user, parsed.host) == ("svc-vcplan@vsphere.local", "vc.example.com")


@pytest.mark.parametrize(
    "url", ["https://[::1/sdk", "vpx://[fe80::1", "vpx://::1]", "vpx://fe80::1/DC1"]
)
def test_an_ipv6_url_with_a_missing_bracket_names_the_form_expected(url):
    with pytest.raises(DiagnosticError) as caught:
        parse_url(url)
    assert caught.value.diagnostics[0].headline() == (
        f"error: malformed URL {url!r}: an IPv6 address goes inside [ and ]; "
        "e.g. vpx://[fe80::1]/DC1 or https://[2001:db8::5]:443/sdk"
    )


def test_an_ipv6_url_in_brackets_is_accepted_and_shown_with_them():
    endpoint = resolve_endpoint("vpx://u@[fe80::1]:8443/DC1", None, False, None, ENV, None)
    assert (endpoint.host, endpoint.port) == ("fe80::1", 8443)
    assert endpoint.display_url == "vpx://[fe80::1]:8443/DC1"


@pytest.mark.parametrize(
    ("url", "what"),
    [
        ("vpx://vc/DC1?x=1", "a query (?...)"),
        ("vpx://vc/DC1?", "a query (?...)"),
        ("vpx://vc#frag", "a fragment (#...)"),
        ("https://vc/sdk?insecure=1", "a query (?...)"),
    ],
)
def test_a_query_or_fragment_in_the_url_is_refused_with_the_fix(url, what):
    with pytest.raises(DiagnosticError) as caught:
        resolve_endpoint(url, None, False, None, ENV | {"VCPLAN_USER": "u"}, None)
    assert caught.value.diagnostics[0].headline() == (
        f"error: URL {url!r} has {what}, which vcplan would ignore (from --url); remove it; "
        f"the URL forms are {URL_FORMS}"
    )


def test_a_bad_url_names_where_it_came_from():
    with pytest.raises(DiagnosticError, match=r"\(from VCPLAN_URL\)"):
        resolve_endpoint(None, None, False, None, ENV | {"VCPLAN_URL": "vpx://vc?x"}, None)


def test_a_password_in_a_malformed_url_is_not_shown():
    with pytest.raises(DiagnosticError) as caught:
        parse_url("vpx://admin:s3cret@[::1")
    assert "s3cret" not in str(caught.value)
    assert "vpx://admin:***@[::1" in str(caught.value)


def test_a_malformed_url_on_the_command_line_is_one_line_and_exit_1():
    from tests.support.cli import run_vcplan

    result = run_vcplan("inventory", "--url", "vpx://u@[fe80::1", env={"VCPLAN_PASSWORD": "x"})
    assert result.code == 1
    assert result.stderr.count("\n") == 1
    assert "internal error" not in result.output and "Traceback" not in result.output


def test_an_at_sign_in_the_url_path_is_a_name_not_a_password_to_mask():
    with pytest.raises(DiagnosticError) as caught:
        parse_url("vpx://vc:443/D@C/a/b/c")
    assert "'vpx://vc:443/D@C/a/b/c'" in caught.value.diagnostics[0].message


def test_a_password_without_a_scheme_is_masked_in_the_error():
    with pytest.raises(DiagnosticError) as caught:
        parse_url("admin:hunter22@vc")
    assert "hunter22" not in caught.value.diagnostics[0].message


@pytest.mark.parametrize("url", ["vpx://vc:0", "vpx://[::1]:44a", "vpx://vc:70000"])
def test_a_bad_port_is_named_as_the_bad_port(url):
    with pytest.raises(DiagnosticError) as caught:
        parse_url(url)
    assert caught.value.diagnostics[0].message == f"invalid port in URL {url!r}"


def test_a_bracketed_ipv6_url_without_a_port_gets_the_default_port():
    assert parse_url("vpx://[::1]").port == 443
