"""`vcplan generate` on any inventory: it writes `vcplan fmt`'s layout itself (fmt leaves every
file as it is) and the configuration plans to nothing but adoption. Inventories of odd names,
folders, pools, annotations, attributes, tags, disks and NICs, from tests/builders.py's LiveVM."""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.config import load_config
from planner.config.fmt import format_source
from planner.config.generate import generate_config, left_out
from planner.model import (
    ClusterInfo,
    Disk,
    HostInfo,
    Inventory,
    LiveTagCategory,
    LiveVM,
    Nic,
    Power,
    Scope,
)
from planner.model.plan import Action
from planner.plan.diff import plan_changes
from tests.builders import live_vm

SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
WORKSPACE = "gen"

# What trips a writer of HCL: quotes, backslashes, templates, keywords, digits first, non-ASCII.
ODD = [
    'web 1 "${x}"',
    "%{ if true }x%{ endif }",
    "$${already}",
    "ends in ${",
    "ends in %",
    'say "hi" {and} [so]',
    "# not a comment",
    "// nor this",
    "a = b",
    "true",
    "for",
    "in",
    "1st",
    "-dash",
    "a-b",
    "a.b",
    "é ✓ 名前",
    "x" * 80,
]
ANY_TEXT = st.one_of(
    st.sampled_from(ODD),
    st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40),
)
# A name as vCenter reads it back: no control character, nor `/`, `\` or `%`, which it
# stores escaped (planner/model/names.py).
VCENTER_TEXT = st.one_of(
    st.sampled_from([odd for odd in ODD if not set(odd) & set("/\\%")]),
    st.text(
        st.characters(
            codec="utf-8", exclude_categories=["Cc", "Cs", "Zl", "Zp"], exclude_characters="/\\%"
        ),
        max_size=12,
    ),
)


def names(text: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """A name vCenter could have given an object: never empty or padded with spaces."""
    return text.filter(lambda n: bool(n.strip()) and n == n.strip())


@st.composite
def inventories(draw: st.DrawFn, text: st.SearchStrategy[str] = VCENTER_TEXT) -> Inventory:
    """Datacenters of clusters and standalone hosts holding VMs with every field generate
    writes drawn odd; names and paths are made of `text`."""
    one_host = draw(st.booleans())  # a URL scoped to one host of a cluster
    dcs = draw(st.lists(names(text), min_size=1, max_size=1 if one_host else 3, unique=True))
    clusters = {dc: draw(st.lists(names(text), min_size=1, max_size=2, unique=True)) for dc in dcs}
    standalone = {
        dc: [] if one_host else draw(st.lists(names(text), max_size=2, unique=True)) for dc in dcs
    }
    for dc in dcs:  # a host's name is unique in its datacenter, a cluster's hosts included
        standalone[dc] = [h for h in standalone[dc] if h not in {f"{c}-host" for c in clusters[dc]}]
    folders = {dc: ["", *draw(st.lists(_paths(text), max_size=3))] for dc in dcs}
    pools = draw(st.lists(_paths(text), max_size=3))
    networks = {dc: ["VM Network", *draw(st.lists(names(text), max_size=2))] for dc in dcs}
    places: list[tuple[str, str | None, str]] = [
        (dc, c, f"{c}-host") for dc in dcs for c in clusters[dc]
    ]
    places += [(dc, None, h) for dc in dcs for h in standalone[dc]]
    if one_host:
        places = places[:1]
    read_tags = draw(st.booleans())
    one_vm = _vms(text, places, folders, pools, networks, read_tags)
    vms = draw(st.lists(one_vm, max_size=8, unique_by=lambda vm: vm.moref))
    dc, cluster, host = places[0]
    inventory = Inventory(
        vms=tuple(vms),
        datacenters=tuple(dcs),
        clusters=tuple(ClusterInfo(d, c, (f"{c}-host",)) for d in dcs for c in clusters[d]),
        hosts=tuple(
            [HostInfo(d, f"{c}-host", c) for d in dcs for c in clusters[d]]
            + [HostInfo(d, h, None) for d in dcs for h in standalone[d]]
        ),
        networks={d: frozenset(networks[d]) for d in dcs},
        datastores={d: frozenset({"ds0"}) for d in dcs},
        folders={d: frozenset(folders[d]) for d in dcs},
        resource_pools={(d, c or h): frozenset(["", *pools]) for d, c, h in places},
        scope=Scope(dc, cluster, host) if one_host else Scope(),
        tag_categories=_categories(draw, text, vms) if read_tags else None,
    )
    # A VM generate leaves out (a template, a name shared) is never this workspace's here: plan
    # would propose to delete it, as it does for any VM of the workspace the code leaves out.
    left = left_out(inventory, WORKSPACE)
    return replace(
        inventory,
        vms=tuple(
            replace(vm, workspace=None) if vm.moref in left and vm.workspace == WORKSPACE else vm
            for vm in vms
        ),
    )


def _paths(text: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.lists(names(text), min_size=1, max_size=3).map("/".join)


@st.composite
def _vms(
    draw: st.DrawFn,
    text: st.SearchStrategy[str],
    places: list[tuple[str, str | None, str]],
    folders: dict[str, list[str]],
    pools: list[str],
    networks: dict[str, list[str]],
    read_tags: bool,
) -> LiveVM:
    dc, cluster, host = draw(st.sampled_from(places))
    size = st.integers(min_value=-1, max_value=70_000)
    return live_vm(
        datacenter=dc,
        cluster=cluster,
        host=host,
        name=draw(st.one_of(names(text), st.sampled_from(["", " ", "x" * 81]))),
        moref=f"vm-{draw(st.integers(0, 10**6))}",
        template=draw(st.booleans()),
        workspace=draw(st.sampled_from([None, None, WORKSPACE, "other", "a ${b}"])),
        power=draw(st.sampled_from(Power)),
        cpus=draw(st.sampled_from([1, 2, 3, 4, 0, 1000])),
        cores_per_socket=draw(st.sampled_from([1, 2, 3, 0])),
        memory_mb=draw(st.sampled_from([4, 1024, 2048, 30, 0])),
        folder=draw(st.sampled_from(folders[dc] + ["gone", "a//b"])),
        resource_pool=draw(st.sampled_from(["", *pools, "gone"])),
        annotation=draw(ANY_TEXT),
        attributes=draw(st.dictionaries(st.one_of(text, st.just("vcplan.workspace")), ANY_TEXT)),
        disks=tuple(Disk(s) for s in draw(st.lists(size.map(lambda n: n % 3000), max_size=3))),
        nics=tuple(
            Nic(n) for n in draw(st.lists(st.sampled_from([*networks[dc], "", "gone"]), max_size=3))
        ),
        extra_config=draw(st.dictionaries(ANY_TEXT, ANY_TEXT, max_size=3)),
        tags=draw(
            st.dictionaries(
                names(text),
                st.lists(names(text), min_size=1, max_size=3, unique=True).map(
                    lambda t: tuple(sorted(t))
                ),
                max_size=3,
            )
        )
        if read_tags
        else None,
    )


def _categories(
    draw: st.DrawFn, text: st.SearchStrategy[str], vms: list[LiveVM]
) -> dict[str, LiveTagCategory]:
    """Every category the VMs' tags name, holding those tags and maybe more."""
    tags: dict[str, set[str]] = {}
    several: set[str] = set()
    for vm in vms:
        for category, names_ in (vm.tags or {}).items():
            tags.setdefault(category, set()).update(names_)
            if len(names_) > 1:
                several.add(category)
    return {
        category: LiveTagCategory(
            category,
            "multiple" if category in several else draw(st.sampled_from(["single", "multiple"])),
            frozenset(found | set(draw(st.lists(names(text), max_size=2)))),
            draw(st.one_of(st.just(""), ANY_TEXT)),
        )
        for category, found in tags.items()
    }


URLS = st.sampled_from([None, "vpx://vc.example.com", 'vpx://vc/D "${c}"'])


@SETTINGS
@given(inventories(ANY_TEXT), URLS)
def test_every_generated_file_is_already_in_fmt_layout(inventory, url):
    for text in generate_config(inventory, WORKSPACE, url=url).values():
        assert format_source(text) == text


@SETTINGS
@given(inventories())
def test_generated_configuration_of_any_inventory_plans_only_adoption_of_its_vms(inventory):
    with tempfile.TemporaryDirectory() as tmp:
        for name, text in generate_config(inventory, WORKSPACE).items():
            (Path(tmp) / name).write_text(text)
        config = load_config(Path(tmp), [], [], env={})
    plan = plan_changes(config, inventory)
    left = left_out(inventory, WORKSPACE)
    kept = {vm.address for vm in inventory.vms if vm.moref not in left}
    assert {change.address for change in plan.changes} == kept
    for change in plan.changes:
        assert change.action in (Action.UPDATE, Action.NOOP), change
        assert [d.attribute for d in change.diffs] in ([], ["workspace"]), change
