"""The REST tagging client against the simulator: one catalog read, every VM's tags in one bulk
call, categories and tags created, attached and detached per VM in bulk."""

from __future__ import annotations

from typing import Any

import pytest

from planner.apply.provider import OperationRefused, SessionExpired
from planner.config.endpoint import resolve_endpoint
from providers.vsphere.tags import TagClient
from tests.support.apply import SMALL, live_vms, provider_for
from tests.support.vcenter import end_every_session

pytestmark = pytest.mark.simulator


def _client(sim: Any) -> TagClient:
    return TagClient(resolve_endpoint(None, None, False, None, sim.env(), None))


def test_tags_created_and_attached_are_read_back_by_category_in_one_bulk_read(make_vcsim):
    sim = make_vcsim(*SMALL)
    vms = live_vms(provider_for(sim))
    moref = next(iter(vms.values())).moref
    with _client(sim) as client:
        env = client.create_category("env", "SINGLE")
        team = client.create_category("team", "MULTIPLE")
        prod = client.create_tag(env, "prod")
        tags = [client.create_tag(team, name) for name in ("web", "ops")]
        client.attach(moref, [prod, *tags])
        catalog = client.catalog()
        attached = client.attached(vm.moref for vm in vms.values())
    assert catalog.by_category(attached[moref]) == {"env": ["prod"], "team": ["ops", "web"]}
    assert all(not ids for m, ids in attached.items() if m != moref)


def test_a_detached_tag_is_no_longer_read(make_vcsim):
    sim = make_vcsim(*SMALL)
    moref = next(iter(live_vms(provider_for(sim)).values())).moref
    with _client(sim) as client:
        team = client.create_category("team", "MULTIPLE")
        web, ops = client.create_tag(team, "web"), client.create_tag(team, "ops")
        client.attach(moref, [web, ops])
        client.detach(moref, [web])
        assert client.catalog().by_category(client.attached([moref])[moref]) == {"team": ["ops"]}


def test_attaching_an_unknown_tag_is_refused_in_one_line_with_vcenters_reason(make_vcsim):
    sim = make_vcsim(*SMALL)
    moref = next(iter(live_vms(provider_for(sim)).values())).moref
    with _client(sim) as client, pytest.raises(OperationRefused) as caught:
        client.attach(moref, ["urn:vmomi:InventoryServiceTag:nope:GLOBAL"])
    assert str(caught.value).startswith(f"attach-multiple-tags-to-object on {moref}: ")
    assert "\n" not in str(caught.value)


def test_a_missing_category_is_refused_with_the_fault_type(make_vcsim):
    sim = make_vcsim(*SMALL)
    with _client(sim) as client, pytest.raises(OperationRefused) as caught:
        client._send("GET", "/tagging/category/id:urn:vmomi:InventoryServiceCategory:nope:GLOBAL")
    assert "not_found" in str(caught.value)


def test_an_ended_session_is_session_expired_so_apply_logs_in_again(make_vcsim):
    sim = make_vcsim(*SMALL)
    with _client(sim) as client:
        client.catalog()
        end_every_session(sim)
        with pytest.raises(SessionExpired):
            client.catalog()


def test_a_call_on_a_client_closed_under_it_is_session_expired(make_vcsim):
    sim = make_vcsim(*SMALL)
    client = _client(sim)
    client.close()
    with pytest.raises(SessionExpired):
        client.catalog()


def test_a_wrong_password_is_refused_not_an_expired_session(make_vcsim):
    sim = make_vcsim(*SMALL)
    env = {**sim.env(), "VCPLAN_PASSWORD": "wrong"}
    with pytest.raises(OperationRefused):
        TagClient(resolve_endpoint(None, None, False, None, env, None))
