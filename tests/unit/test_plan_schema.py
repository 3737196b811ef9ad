"""A saved plan is checked whole before apply acts on it: each edit a careless or hostile hand
could make is one line naming the JSON path, and nothing is done (docs/security.md#saved-plans)."""

from __future__ import annotations

import json

import pytest

from planner.model.diagnostics import DiagnosticError
from planner.model.plan import Action, Plan, VMChange
from planner.plan.files import load_plan, plan_to_dict
from planner.plan.schema import MAX_BYTES
from tests.builders import create, delete, update

GOOD = Plan(
    workspace="test-ws",
    url="vpx://vc",
    created_at="2024-01-01T00:00:00Z",
    changes=(create("new"), update("web", {"cpus": (1, 2)}), delete("old")),
)


def edited(tmp_path, edit):
    doc = json.loads(json.dumps(plan_to_dict(GOOD)))
    edit(doc)
    path = tmp_path / "edited.plan"
    path.write_text(json.dumps(doc))
    return path


def refusal(path) -> str:
    with pytest.raises(DiagnosticError) as caught:
        load_plan(path)
    message = str(caught.value)
    assert "\n" not in message and "Traceback" not in message
    return message


def test_an_unedited_plan_loads(tmp_path):
    assert load_plan(edited(tmp_path, lambda d: None)) == GOOD


@pytest.mark.parametrize(
    ("edit", "where"),
    [
        (lambda d: d.update(format_version=99), "format_version"),
        (lambda d: d.update(format_version=True), "format_version"),
        (lambda d: d.update(workspace="a\nb"), "workspace"),
        (lambda d: d.update(workspace=""), "workspace"),
        (lambda d: d.update(workspace=7), "workspace"),
        (lambda d: d.update(changes={}), "changes"),
        (lambda d: d["changes"][0].update(address="no-slash"), "changes[0].address"),
        (lambda d: d["changes"][0].update(address="DC0/a/b"), "changes[0].address"),
        (lambda d: d["changes"][0].update(address=["DC0", "x"]), "changes[0].address"),
        (lambda d: d["changes"][0].update(action="destroy"), "changes[0].action"),
        (lambda d: d["changes"][0].update(moref="vm-9"), "changes[0].moref"),
        (lambda d: d["changes"][0]["after"].update(cpus=-4), "changes[0].after.cpus"),
        (lambda d: d["changes"][0]["after"].update(cpus="4"), "changes[0].after.cpus"),
        (lambda d: d["changes"][0]["after"].update(memory_mb=1), "changes[0].after.memory_mb"),
        (lambda d: d["changes"][0]["after"].update(disk=[{"size_gb": 0}]), "after.disk"),
        (lambda d: d["changes"][0]["after"].update(power="maybe"), "changes[0].after.power"),
        (lambda d: d["changes"][0]["after"].update(folder="../../x"), "after.folder"),
        (lambda d: d["changes"][0]["after"].update(workspace="other"), "after.workspace"),
        (lambda d: d["changes"][0]["after"].update(rm_rf=True), "changes[0].after.rm_rf"),
        (lambda d: d["changes"][0].update(after=None), "changes[0].after"),
        (lambda d: d["changes"][1].update(fingerprint=None), "changes[1].fingerprint"),
        (lambda d: d["changes"][1].update(moref=None), "changes[1].moref"),
        (lambda d: d["changes"][1].update(moref="vm-1'; x"), "changes[1].moref"),
        (lambda d: d["changes"][1].update(restart="yes"), "changes[1].restart"),
        (lambda d: d["changes"][1].update(diffs=[{"attribute": 1}]), "changes[1].diffs[0]"),
        (lambda d: d["changes"][2].update(fingerprint=None), "changes[2].fingerprint"),
        (lambda d: d["changes"][2].update(after={"cpus": 1}), "changes[2].after"),
        (lambda d: d["changes"][2].update(depends_on=["DC0"]), "changes[2].depends_on"),
        (lambda d: d["changes"].append(d["changes"][0]), "changes[3].address"),
    ],
)
def test_an_edited_plan_is_refused_naming_the_json_path(tmp_path, edit, where):
    message = refusal(edited(tmp_path, edit))
    assert f": {where}" in message or f".{where}" in message
    assert "nothing was done" in message


def test_a_restart_change_is_a_known_action(tmp_path):
    path = edited(tmp_path, lambda d: d["changes"][1].update(action="restart"))
    try:
        plan = load_plan(path)
    except DiagnosticError as exc:  # a vcplan without restarts names the action, not the schema
        assert "restart" in str(exc)
    else:
        assert plan.changes[1].action.value == "restart"


def test_a_plan_nested_100000_deep_is_one_clean_error(tmp_path):
    path = tmp_path / "deep.plan"
    path.write_text("[" * 100_000 + "]" * 100_000)
    assert "nests too deeply" in refusal(path)


def test_a_plan_nested_deeper_than_a_plan_ever_is_refused(tmp_path):
    deep: object = "x"
    for _ in range(200):
        deep = [deep]
    path = edited(tmp_path, lambda d: d["changes"][0]["after"].update(attributes={"a": deep}))
    assert "nests deeper than" in refusal(path)


def test_a_plan_file_larger_than_the_limit_is_refused_before_parsing(tmp_path):
    path = tmp_path / "big.plan"
    with path.open("wb") as f:
        f.truncate(MAX_BYTES + 1)
    assert "larger than 64 MiB" in refusal(path)


def test_a_plan_that_is_not_utf8_is_one_clean_error(tmp_path):
    path = tmp_path / "latin1.plan"
    path.write_bytes(b'{"workspace": "\xe9"}')
    assert "not a vcplan plan" in refusal(path)


def test_a_noop_change_needs_no_moref(tmp_path):
    noop = VMChange("DC0/same", Action.NOOP, {"cpus": 1}, {"cpus": 1})
    path = tmp_path / "noop.plan"
    path.write_text(json.dumps(plan_to_dict(Plan("ws", "vpx://vc", "t", (noop,)))))
    assert load_plan(path).changes == (noop,)


@pytest.mark.parametrize("variable", ["VCPLAN_PASSWORD", "vcplan_password", "A;B", ""])
def test_an_edited_plan_cannot_point_the_domain_join_at_another_secret(tmp_path, variable):
    windows = {"computer_name": "app", "join_domain": "corp", "domain_admin": "adm"}

    def edit(d):
        windows["domain_password_env"] = variable
        d["changes"][0]["after"]["customize"] = {"hostname": "app", "windows": windows}

    assert "changes[0].after.customize" in refusal(edited(tmp_path, edit))


def test_password_in_a_plan_files_url_is_refused_and_not_echoed(tmp_path):
    path = edited(tmp_path, lambda doc: doc.update(url="vpx://admin:Hunter2-pw@vc"))
    message = refusal(path)
    assert "url: holds a password" in message and "Hunter2" not in message


@pytest.mark.parametrize("action", [[], {}, ["delete"]], ids=["empty list", "map", "list"])
def test_an_action_that_is_a_list_or_a_map_is_refused_not_an_internal_error(tmp_path, action):
    """Found by the fuzz suite: an unhashable action crashed the membership test."""
    path = edited(tmp_path, lambda doc: doc["changes"][1].update(action=action))
    assert "changes[1].action" in refusal(path)


def test_a_plan_url_with_a_password_but_no_scheme_is_refused_and_not_echoed(tmp_path):
    path = edited(tmp_path, lambda doc: doc.update(url="admin:hunter22@vc"))
    message = refusal(path)
    assert "url: is not a vCenter URL" in message and "hunter22" not in message


def test_a_tag_category_with_a_control_character_is_refused_not_printed(tmp_path):
    category = {"name": "env\x1b[2J", "action": "create", "cardinality": "single", "tags": []}
    message = refusal(edited(tmp_path, lambda doc: doc.update(tag_categories=[category])))
    assert "tag_categories[0].name" in message and "\x1b" not in message


def test_a_vms_tag_with_a_control_character_is_refused_not_printed(tmp_path):
    def edit(doc):
        doc["changes"][0]["after"]["tags"] = {"env": ["prod\x9b"]}

    message = refusal(edited(tmp_path, edit))
    assert "changes[0].after.tags" in message and "\x9b" not in message


def test_a_resource_pool_the_configuration_would_refuse_is_refused(tmp_path):
    def edit(doc):
        doc["changes"][0]["after"]["resource_pool"] = "prod/../web"

    assert "changes[0].after.resource_pool" in refusal(edited(tmp_path, edit))


def test_an_annotation_longer_than_vsphere_holds_is_refused(tmp_path):
    def edit(doc):
        doc["changes"][0]["after"]["annotation"] = "x" * 2001

    assert "changes[0].after.annotation" in refusal(edited(tmp_path, edit))


def test_an_address_whose_datacenter_holds_a_c1_control_character_is_refused(tmp_path):
    message = refusal(edited(tmp_path, lambda doc: doc["changes"][0].update(address="D\x9bC/a")))
    assert "changes[0].address" in message and "\x9b" not in message
