"""vSphere tags against the simulator, through the CLI: apply creates the declared categories and
tags, attaches them on create and on update, replaces a "single" category's tag; a tag detached
behind vcplan's back is drift; an unknown tag is an error that changes nothing; the plan right
after every apply is empty. vCenter is read independently with the REST tagging client."""

from __future__ import annotations

import json
import re
import textwrap
import traceback
from pathlib import Path
from typing import Any

import pytest

from planner.config.endpoint import resolve_endpoint
from providers.vsphere.tag_ops import TagOps
from providers.vsphere.tags import TagClient
from tests.support.apply import SMALL
from tests.support.inprocess import run_inprocess
from tests.support.vcenter import end_every_session, find_vm, open_si

pytestmark = pytest.mark.simulator

VM = "DC0_C0_RP0_VM0"
CATEGORIES = """
tag_category "env" {
  cardinality = "single"
  description = "where the VM runs"
  tags        = ["prod", "staging"]
}
tag_category "team" {
  cardinality = "multiple"
  tags        = ["web", "ops", "db"]
}
"""


def _config(directory: Path, vms: str, categories: str = CATEGORIES) -> Path:
    text = f"""
vcplan {{
  workspace = "tg"
}}
{categories}
datacenter "DC0" {{
  cluster "DC0_C0" {{
{textwrap.indent(textwrap.dedent(vms), "    ")}
  }}
}}
"""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "main.hcl").write_text(text)
    return directory


def _vm(name: str, tags: str, extra: str = "") -> str:
    return f'vm "{name}" {{\n  power = "off"\n  tags = {tags}\n{extra}}}\n'


def _client(sim: Any) -> TagClient:
    return TagClient(resolve_endpoint(None, None, False, None, sim.env(), None))


def _moref(sim: Any, name: str) -> str:
    with open_si(sim) as si:
        return str(find_vm(si, name)._moId)


def _tags_of(sim: Any, name: str) -> dict[str, list[str]]:
    moref = _moref(sim, name)
    with _client(sim) as client:
        return client.catalog().by_category(client.attached([moref])[moref])


def _categories(sim: Any) -> dict[str, tuple[str, list[str]]]:
    with _client(sim) as client:
        catalog = client.catalog()
    out = {c.name: (c.cardinality, []) for c in catalog.categories.values()}
    for tag in catalog.tags.values():
        out[catalog.categories[tag.category_id].name][1].append(tag.name)
    return {k: (card, sorted(names)) for k, (card, names) in out.items()}


def _apply(run_cli: Any, sim: Any, directory: Path) -> str:
    result = run_cli("apply", str(directory), "--auto-approve", env=sim.env())
    assert result.code == 0, result.output
    return result.output


def _assert_plan_empty(run_cli: Any, sim: Any, directory: Path) -> None:
    result = run_cli("plan", str(directory), "--detailed-exitcode", env=sim.env())
    assert result.code == 0, result.output


def test_apply_creates_the_declared_categories_and_tags(make_vcsim, run_cli, tmp_path):
    sim = make_vcsim(*SMALL)
    config = _config(tmp_path, _vm(VM, '{ env = "prod" }'))
    _apply(run_cli, sim, config)
    assert _categories(sim) == {
        "env": ("SINGLE", ["prod", "staging"]),
        "team": ("MULTIPLE", ["db", "ops", "web"]),
    }
    _assert_plan_empty(run_cli, sim, config)


def test_apply_attaches_tags_to_an_existing_vm(make_vcsim, run_cli, tmp_path):
    sim = make_vcsim(*SMALL)
    config = _config(tmp_path, _vm(VM, '{ env = "prod", team = ["web", "ops"] }'))
    _apply(run_cli, sim, config)
    assert _tags_of(sim, VM) == {"env": ["prod"], "team": ["ops", "web"]}
    _assert_plan_empty(run_cli, sim, config)


def test_apply_attaches_tags_to_a_vm_it_creates(make_vcsim, run_cli, tmp_path):
    sim = make_vcsim(*SMALL)
    config = _config(tmp_path, _vm("tagged-new", '{ env = "staging", team = "db" }'))
    _apply(run_cli, sim, config)
    assert _tags_of(sim, "tagged-new") == {"env": ["staging"], "team": ["db"]}
    _assert_plan_empty(run_cli, sim, config)


def test_a_new_tag_in_a_single_category_replaces_the_old_one(make_vcsim, run_cli, tmp_path):
    sim = make_vcsim(*SMALL)
    _apply(run_cli, sim, _config(tmp_path, _vm(VM, '{ env = "prod", team = "web" }')))
    config = _config(tmp_path, _vm(VM, '{ env = "staging" }'))
    plan = run_cli("plan", str(config), "--format", "json", env=sim.env())
    (change,) = [c for c in json.loads(plan.stdout)["changes"] if c["action"] != "noop"]
    assert change["diffs"][0]["attribute"] == "tags"
    assert change["restart"] is False
    _apply(run_cli, sim, config)
    assert _tags_of(sim, VM) == {"env": ["staging"], "team": ["web"]}  # team is not managed
    _assert_plan_empty(run_cli, sim, config)


def test_the_tags_step_reads_no_vms_tags_the_wave_read_already_read(
    make_vcsim, run_cli, tmp_path, monkeypatch
):
    sim = make_vcsim(*SMALL[:-1], "3")
    names = [f"DC0_C0_RP0_VM{i}" for i in range(3)]
    vms = "".join(_vm(n, '{ env = "prod", team = "web" }') for n in names)
    _apply(run_cli, sim, _config(tmp_path, vms))
    readers: list[list[str]] = []
    attached = TagClient.attached

    def spy(self: TagClient, morefs: Any) -> dict[str, list[str]]:
        readers.append([frame.name for frame in traceback.extract_stack()])
        return attached(self, morefs)

    monkeypatch.setattr(TagClient, "attached", spy)
    vms = "".join(_vm(n, '{ env = "staging" }') for n in names)
    result = run_inprocess("apply", str(_config(tmp_path, vms)), "--auto-approve", env=sim.env())
    assert result.code == 0, result.output
    assert readers  # the plan's and the waves' reads
    assert not [stack for stack in readers if "set_tags" in stack]
    monkeypatch.undo()
    assert {n: _tags_of(sim, n) for n in names} == {
        n: {"env": ["staging"], "team": ["web"]} for n in names
    }


def test_apply_logs_in_again_when_the_tagging_session_ends_during_the_tags_step(
    make_vcsim, run_cli, tmp_path, monkeypatch
):
    sim = make_vcsim(*SMALL)
    set_tags = TagOps.set_tags
    ended: list[str] = []

    def vcenter_restarts_first(self: TagOps, *args: Any, **kw: Any) -> Any:
        if not ended:
            ended.append(args[0])
            end_every_session(sim)
        return set_tags(self, *args, **kw)

    monkeypatch.setattr(TagOps, "set_tags", vcenter_restarts_first)
    config = _config(tmp_path, _vm(VM, '{ env = "prod" }'))
    result = run_inprocess("apply", str(config), "--auto-approve", env=sim.env())
    assert result.code == 0, result.output
    assert ended and "logged in again 1x" in result.stdout
    monkeypatch.undo()
    assert _tags_of(sim, VM) == {"env": ["prod"]}


def test_a_tag_detached_behind_vcplans_back_is_drift(make_vcsim, run_cli, tmp_path):
    sim = make_vcsim(*SMALL)
    config = _config(tmp_path, _vm(VM, '{ team = ["web", "ops"] }'))
    _apply(run_cli, sim, config)
    moref = _moref(sim, VM)
    with _client(sim) as client:
        web = client.catalog().tag_named("team", "web")
        assert web is not None
        client.detach(moref, [web.id])
    result = run_cli("drift", str(config), "--format", "json", "--detailed-exitcode", env=sim.env())
    assert result.code == 2, result.output
    assert '"tags"' in result.stdout and "web" in result.stdout


def test_an_unknown_tag_is_one_error_line_with_a_did_you_mean_and_nothing_changes(
    make_vcsim, run_cli, tmp_path
):
    sim = make_vcsim(*SMALL)
    config = _config(tmp_path, _vm(VM, '{ env = "prdo" }'))
    before = _categories(sim)
    result = run_cli("apply", str(config), "--auto-approve", env=sim.env())
    assert result.code == 1
    (line,) = [x for x in result.stderr.splitlines() if "error:" in x]  # then the source line
    assert line.startswith(f"{config}/main.hcl:")
    assert 'tag "prdo" does not exist in category "env"' in line
    assert line.endswith('did you mean "prod"?')
    assert "Traceback" not in result.output
    assert _categories(sim) == before  # not even the declared categories were created
    assert _tags_of(sim, VM) == {}


def test_an_unknown_category_names_the_category(make_vcsim, run_cli, tmp_path):
    sim = make_vcsim(*SMALL)
    config = _config(tmp_path, _vm(VM, '{ tema = "web" }'))
    result = run_cli("plan", str(config), env=sim.env())
    assert result.code == 1
    assert 'tag category "tema" does not exist in vCenter' in result.stderr
    assert 'did you mean "team"?' in result.stderr


def test_inventory_json_shows_each_vms_tags(make_vcsim, run_cli, tmp_path):
    sim = make_vcsim(*SMALL)
    _apply(run_cli, sim, _config(tmp_path, _vm(VM, '{ env = "prod" }')))
    result = run_cli("inventory", "--format", "json", env=sim.env())
    records = {r["name"]: r for r in json.loads(result.stdout)}
    assert records[VM]["tags"] == {"env": ["prod"]}


def test_generate_writes_tags_and_their_categories_and_plan_proposes_no_tag_change(
    make_vcsim, run_cli, tmp_path
):
    sim = make_vcsim(*SMALL)
    _apply(
        run_cli, sim, _config(tmp_path / "src", _vm(VM, '{ env = "prod", team = ["web", "ops"] }'))
    )
    out = tmp_path / "generated"
    result = run_cli("generate", "--workspace", "tg", "--out", str(out), env=sim.env())
    assert result.code == 0, result.output
    text = "".join(p.read_text() for p in sorted(out.glob("*.hcl")))
    assert 'env  = "prod"' in text and 'team = ["ops", "web"]' in text
    assert 'tag_category "env"' in text and 'cardinality = "single"' in text
    plan = run_cli("plan", str(out), "--format", "json", env=sim.env())
    assert plan.code == 0, plan.output
    doc = json.loads(plan.stdout)
    assert doc["tag_categories"] == []
    assert all(d["attribute"] != "tags" for c in doc["changes"] for d in c["diffs"])


def test_generate_writes_a_categorys_description_as_vcenter_has_it(make_vcsim, run_cli, tmp_path):
    sim = make_vcsim(*SMALL)
    _apply(run_cli, sim, _config(tmp_path / "src", _vm(VM, '{ env = "prod" }')))
    out = tmp_path / "generated"
    result = run_cli("generate", "--workspace", "tg", "--out", str(out), env=sim.env())
    assert result.code == 0, result.output
    text = "".join(p.read_text() for p in sorted(out.glob("*.hcl")))
    assert 'description = "where the VM runs"' in text


def test_the_plan_text_lists_the_tag_categories_it_creates_and_each_changed_category(
    make_vcsim, run_cli, tmp_path
):
    sim = make_vcsim(*SMALL)
    config = _config(tmp_path, _vm(VM, '{ env = "prod" }'))
    result = run_cli("plan", str(config), env=sim.env())
    assert '+ tag category "env" (single) will be created' in result.stdout
    assert 'tags: "prod", "staging"' in result.stdout
    assert re.search(r'tags\.env: +\[\] → \["prod"\]', result.stdout)
    assert "2 tag categories to set up." in result.stdout
