# ruff: noqa: E501  (expected diagnostics are clearer on one line)
"""vSphere tags in the configuration: `tags` on a VM, `tag_category` blocks at the top level."""

from __future__ import annotations

from tests.config.helpers import HEADER, errors, load, vms
from tests.config.test_errors import vm_block

CATEGORIES = """
tag_category "env" {
  cardinality = "single"
  description = "where the VM runs"
  tags        = ["prod", "staging"]
}
tag_category "team" {
  cardinality = "multiple"
  tags        = ["web", "ops"]
}
"""


def test_tags_map_a_category_to_one_tag_or_a_list_of_tags(tmp_path):
    got = vms(tmp_path, 'vm "app" {\n  tags = { env = "prod", team = ["web", "ops"] }\n}\n')
    assert got["app"].tags == {"env": ("prod",), "team": ("ops", "web")}


def test_tags_left_out_are_not_managed(tmp_path):
    assert vms(tmp_path, 'vm "app" {\n}\n')["app"].tags is None


def test_tag_category_blocks_are_read_with_their_tags(tmp_path):
    config = load(tmp_path, HEADER + CATEGORIES)
    env, team = config.tag_categories
    assert (env.name, env.cardinality, env.tags, env.description) == (
        "env",
        "single",
        ("prod", "staging"),
        "where the VM runs",
    )
    assert (team.cardinality, team.associable_types) == ("multiple", ("VirtualMachine",))
    assert config.uses_tags


def test_a_configuration_without_tags_does_not_need_vcenters_tags(tmp_path):
    assert not load(tmp_path, HEADER).uses_tags


def test_a_single_category_given_two_tags_is_an_error_at_the_category(tmp_path):
    text = CATEGORIES + vm_block('tags = { env = ["prod", "staging"] }').replace(HEADER, "")
    got = errors(tmp_path, HEADER + text)
    assert got == [
        'main.hcl:17:22: error: DC0/a: tag category "env" is single, so a VM carries at most one of its tags (got "prod", "staging"); name one tag, or use a category of cardinality "multiple"'
    ]


def test_a_tag_named_twice_is_an_error(tmp_path):
    got = errors(tmp_path, vm_block('tags = { team = ["web", "web"] }'))
    assert got == ['main.hcl:7:14: error: tags["team"] names tag "web" twice']


def test_tags_that_are_not_a_map_are_an_error_with_an_example(tmp_path):
    got = errors(tmp_path, vm_block('tags = ["prod"]'))
    assert got == [
        'main.hcl:7:14: error: tags must be a map of category = tag or [tags] (got a list); e.g. { env = "prod", team = ["web", "ops"] }'
    ]


def test_a_tag_that_is_a_map_is_an_error(tmp_path):
    got = errors(tmp_path, vm_block("tags = { env = { a = 1 } }"))
    assert got[0].startswith('main.hcl:7:14: error: tags["env"] must be a tag name or a list')


def test_a_tag_category_needs_a_cardinality(tmp_path):
    got = errors(tmp_path, HEADER + 'tag_category "env" {\n  tags = ["prod"]\n}\n')
    assert got == [
        'main.hcl:4:1: error: a tag_category block needs cardinality; cardinality = "single" (one tag per VM) or "multiple"'
    ]


def test_a_misspelt_cardinality_is_an_error_with_a_did_you_mean(tmp_path):
    got = errors(tmp_path, HEADER + 'tag_category "env" {\n  cardinality = "singel"\n}\n')
    assert got == [
        'main.hcl:5:17: error: cardinality must be "single" or "multiple" (got "singel"); did you mean "single"?'
    ]


def test_a_tag_category_declared_twice_is_an_error_naming_the_first(tmp_path):
    block = 'tag_category "env" {\n  cardinality = "single"\n}\n'
    got = errors(tmp_path, HEADER + block + block)
    assert got == [
        'main.hcl:7:1: error: tag category "env" is declared twice; the first is at main.hcl:4:1'
    ]


def test_a_duplicate_tag_in_a_tag_category_is_an_error(tmp_path):
    text = 'tag_category "env" {\n  cardinality = "single"\n  tags = ["a", "a"]\n}\n'
    assert errors(tmp_path, HEADER + text) == ['main.hcl:6:10: error: tags names tag "a" twice']


def test_associable_types_must_include_virtual_machine(tmp_path):
    text = 'tag_category "env" {\n  cardinality = "single"\n  associable_types = ["Datastore"]\n}\n'
    got = errors(tmp_path, HEADER + text)
    assert got == [
        'main.hcl:6:22: error: associable_types must include "VirtualMachine": vcplan attaches these tags to VMs; e.g. associable_types = ["VirtualMachine"]'
    ]


def test_an_unknown_attribute_in_a_tag_category_has_a_did_you_mean(tmp_path):
    text = 'tag_category "env" {\n  cardinality = "single"\n  tag = ["a"]\n}\n'
    got = errors(tmp_path, HEADER + text)
    assert got == [
        'main.hcl:6:3: error: unknown attribute "tag" in a tag_category block; did you mean "tags"?'
    ]


def test_a_tag_name_with_a_control_character_is_refused(tmp_path):
    got = errors(tmp_path, vm_block('tags = { team = ["we\\u009bb"] }'))
    assert got == [
        "main.hcl:7:14: error: tags[\"team\"]: a tag name cannot contain a control character ('\\x9b'); write it on one line, without it"
    ]


def test_a_category_name_with_a_control_character_is_refused(tmp_path):
    got = errors(tmp_path, vm_block('tags = { "env\\u001b[2J" = "prod" }'))
    assert got == [
        "main.hcl:7:14: error: tags: a category name cannot contain a control character ('\\x1b'); write it on one line, without it"
    ]


def test_a_tag_category_block_named_beyond_the_length_limit_is_refused(tmp_path):
    long = "c" * 257
    got = errors(tmp_path, HEADER + f'tag_category "{long}" {{\n  cardinality = "single"\n}}\n')
    assert got == [
        f'main.hcl:4:14: error: tag_category "{long}": a category name is at most 256 characters (this one has 257)'
    ]


def test_tag_category_tags_given_a_map_says_it_got_a_map(tmp_path):
    got = errors(
        tmp_path, HEADER + 'tag_category "env" {\n  cardinality = "single"\n  tags = { a = 1 }\n}\n'
    )
    assert got == [
        "main.hcl:6:10: error: tags must be a tag name or a list of tag names (got a map)"
    ]
