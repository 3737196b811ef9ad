# ruff: noqa: E501  (expected diagnostics are clearer on one line)
"""A `vcenter { url }` that cannot be used is a validate error at its file:line:col
(docs/connecting.md#url-forms), not a surprise at the first plan."""

from __future__ import annotations

import pytest

from planner.config import load_config
from tests.config.helpers import HEADER, errors, write


@pytest.mark.parametrize(
    ("url", "why"),
    [
        (
            "vpx://[fe80::1/DC1",
            "malformed URL 'vpx://[fe80::1/DC1': an IPv6 address goes inside [ and ]; e.g. vpx://[fe80::1]/DC1 or https://[2001:db8::5]:443/sdk",
        ),
        (
            "vpx://vc/DC1?x=1",
            "URL 'vpx://vc/DC1?x=1' has a query (?...), which vcplan would ignore; remove it; the URL forms are vpx://[user@]vcenter[:port][/datacenter[/cluster[/host]]], esx://host or https://host/sdk",
        ),
        (
            "vpx://vc#frag",
            "URL 'vpx://vc#frag' has a fragment (#...), which vcplan would ignore; remove it; the URL forms are vpx://[user@]vcenter[:port][/datacenter[/cluster[/host]]], esx://host or https://host/sdk",
        ),
        (
            "ftp://vc",
            "unsupported URL 'ftp://vc'; use vpx://[user@]vcenter[:port][/datacenter[/cluster[/host]]], esx://host or https://host/sdk",
        ),
    ],
    ids=["ipv6 bracket", "query", "fragment", "scheme"],
)
def test_an_unusable_config_url_is_refused_at_its_position(tmp_path, url, why):
    assert errors(tmp_path, HEADER + f'vcenter {{\n  url = "{url}"\n}}\n') == [
        f"main.hcl:5:9: error: {why}"
    ]


def test_a_usable_config_url_validates(tmp_path):
    write(tmp_path, HEADER + 'vcenter {\n  url = "vpx://[fe80::1]:8443/DC1"\n}\n')
    assert load_config(tmp_path, (), (), {}).vcenter.url == "vpx://[fe80::1]:8443/DC1"
