"""What the fuzz suite feeds vcplan (docs/security.md): hypothesis strategies for configurations
(structured HCL with right and wrong values), mutations of the examples and of a saved plan, and
the properties every run must keep.

The settings are fixed (derandomized, no example database, a modest number of examples) so that
CI runs the same cases each time, in bounded time (FUZZ_SCALE for a longer hunt).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from tests.support.cli import CliResult

PASSWORD = "S3cr3t-Pa55!"
ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(p for p in (ROOT / "examples").glob("*/*.hcl"))


def fuzz_settings(max_examples: int) -> settings:
    """Fixed for CI; FUZZ_SCALE=N runs N times as many random (not derandomized) examples, for
    a longer hunt by hand: `FUZZ_SCALE=20 .venv/bin/pytest -q tests/config/test_fuzz_config.py`."""
    scale = int(os.environ.get("FUZZ_SCALE", "1"))
    return settings(
        max_examples=max_examples * scale,
        deadline=None,
        derandomize=scale == 1,
        database=None,
        print_blob=False,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


# --- properties ------------------------------------------------------------------------------


def check_output(result: CliResult, *files: Path) -> None:
    """No traceback, no internal error, a known exit code, the password nowhere."""
    texts = [result.stdout, result.stderr]
    texts += [f.read_text(errors="replace") for f in files if f.is_file()]
    everything = "\n".join(texts)
    assert "Traceback" not in everything, everything[-3000:]
    assert "internal error" not in everything, everything[-3000:]
    assert result.code in (0, 1, 2), (result.code, everything[-3000:])
    for secret in secret_forms(PASSWORD):
        assert secret not in everything, f"the password ({secret!r}) was printed"


def secret_forms(password: str) -> list[str]:
    """The password as it could leak: plain, URL-encoded, base64, JSON-escaped."""
    import base64
    from urllib.parse import quote, quote_plus

    forms = {
        password,
        quote(password, safe=""),
        quote_plus(password),
        base64.b64encode(password.encode()).decode().rstrip("="),
        json.dumps(password)[1:-1],
    }
    return sorted(forms)


# --- values ----------------------------------------------------------------------------------

NASTY_TEXT = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from(list("\x00\x01\x07\x1b\t\r\n\u2028\ufeff\u202e/\\%$\"'{}[]")),
    ),
    max_size=30,
)
HUGE = st.sampled_from([10**30, -(10**30), 2**63, -(2**63) - 1, 10**400, 0, -1, 1.5, 1e308])


def hcl_string(text: str, raw: bool) -> str:
    """A string literal: escaped properly, or (raw) as it comes, escapes and all."""
    if raw:
        return '"' + text.replace("\n", "\\n") + '"'
    escaped = (
        text.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\t", "\\t")
        .replace("${", "$${")
        .replace("%{", "%%{")
    )
    return '"' + escaped + '"'


@st.composite
def strings(draw: st.DrawFn) -> str:
    return hcl_string(draw(NASTY_TEXT), draw(st.booleans()))


def _scalars() -> st.SearchStrategy[str]:
    return st.one_of(
        st.integers(-5, 5000).map(str),
        HUGE.map(str),
        st.sampled_from(["true", "false", "null", '"on"', '"off"', '"suspended"', '"DC0_C0"']),
        strings(),
        st.sampled_from(
            [
                # the input limits (docs/language.md#limits): a 1 GB width, a catastrophic regex
                'format("%999999999d", 1)',
                'format("%9999d", 1)',
                'regex("^(a+)+$", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!")',
                '"a\\qb"',
                "var.missing",
                "local.missing",
                "count.index",
                '"${1 + }"',
                "1 / 0",
                'base64encode("x")',
                '"a\\qb"',
                "[for x in [1, 2] : x]",
                "{ a = 1 }.b",
            ]
        ),
    )


def values(depth: int = 3) -> st.SearchStrategy[str]:
    """Any HCL expression: scalars, lists and maps, nested up to `depth`, or very deep."""
    leaf = _scalars()
    deep = st.integers(50, 400).map(lambda n: "[" * n + "1" + "]" * n)
    return st.one_of(
        st.recursive(
            leaf,
            lambda inner: st.one_of(
                st.lists(inner, max_size=4).map(lambda xs: "[" + ", ".join(xs) + "]"),
                st.dictionaries(
                    st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True), inner, max_size=3
                ).map(lambda d: "{ " + ", ".join(f"{k} = {v}" for k, v in d.items()) + " }"),
            ),
            max_leaves=depth * 3,
        ),
        deep,
    )


VM_ATTRIBUTES = [  # with a few that do not exist
    "cpus",
    "cores_per_socket",
    "memory_mb",
    "power",
    "annotation",
    "folder",
    "resource_pool",
    "datastore",
    "template",
    "host",
    "attributes",
    "extra_config",
    "depends_on",
    "shutdown_timeout",
    "name",
    "count",
    "for_each",
    "nonsense",
]
GOOD = {
    "cpus": st.sampled_from(["1", "2"]),
    "memory_mb": st.sampled_from(["64", "128"]),
    "power": st.sampled_from(['"on"', '"off"']),
    "annotation": strings(),
    "folder": st.sampled_from(['"fuzz"', '"fuzz/a"']),
}


@st.composite
def vm_block(draw: st.DrawFn) -> str:
    name = draw(st.one_of(st.from_regex(r"fz-[a-z0-9]{1,6}", fullmatch=True), strings()))
    if not name.startswith('"'):
        name = f'"{name}"'
    lines = []
    for attr in draw(st.lists(st.sampled_from(VM_ATTRIBUTES), max_size=6, unique=True)):
        good = GOOD.get(attr)
        value = draw(good if good is not None and draw(st.integers(0, 4)) < 3 else values())
        lines.append(f"  {attr} = {value}")
    for block in draw(
        st.lists(st.sampled_from(["disk", "network_interface", "lifecycle"]), max_size=3)
    ):
        inner = {
            "disk": "size_gb",
            "network_interface": "network",
            "lifecycle": draw(
                st.sampled_from(["prevent_destroy", "ignore_changes", "restart_timeout"])
            ),
        }[block]
        lines.append(f"  {block} {{\n    {inner} = {draw(values(2))}\n  }}")
    return f"vm {name} {{\n" + "\n".join(lines) + "\n}\n"


@st.composite
def configurations(draw: st.DrawFn) -> str:
    """A whole configuration: a vcplan block, maybe a vcenter block (a password in it, or in its
    URL, sometimes), a datacenter with a cluster or host and random VMs."""
    parts = []
    workspace = '"fuzz"' if draw(st.integers(0, 9)) < 7 else draw(st.one_of(strings(), values(1)))
    parts.append(f"vcplan {{\n  workspace = {workspace}\n}}\n")
    if draw(st.integers(0, 9)) < 3:
        attrs = draw(
            st.lists(
                st.sampled_from(
                    [
                        f'password = "{PASSWORD}"',
                        f'url = "vpx://admin:{PASSWORD}@127.0.0.1:1"',
                        'url = "vpx://127.0.0.1:1"',
                        f'url = "vpx://[::1:{PASSWORD}@x"',
                        "insecure = true",
                        'ca_file = "missing.pem"',
                        'user = "fuzz"',
                        f"user = {draw(strings())}",
                    ]
                ),
                max_size=3,
                unique=True,
            )
        )
        parts.append("vcenter {\n" + "".join(f"  {a}\n" for a in attrs) + "}\n")
    if draw(st.booleans()):
        parts.append(f'variable "v" {{\n  default = {draw(values())}\n}}\n')
    if draw(st.booleans()):
        parts.append(f"locals {{\n  l = {draw(values())}\n}}\n")
    container = draw(st.sampled_from(['cluster "DC0_C0"', 'host "DC0_H0"', 'cluster "nope"']))
    datacenter = draw(st.sampled_from(['"DC0"', '"DC0"', '"DC9"']))
    vms = draw(st.lists(vm_block(), min_size=0, max_size=3))
    body = "".join("    " + line + "\n" for vm in vms for line in vm.splitlines())
    parts.append(f"datacenter {datacenter} {{\n  {container} {{\n{body}  }}\n}}\n")
    return "".join(parts)


# --- mutations of real files -----------------------------------------------------------------


@st.composite
def mutated_bytes(draw: st.DrawFn, data: bytes) -> bytes:
    """`data` with a few byte flips, deletions, duplicated lines or inserted bytes."""
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "delete", "duplicate", "insert", "truncate"]))
        if not out:
            out += b"\x00"
        at = draw(st.integers(0, len(out) - 1))
        if kind == "flip":
            out[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "delete":
            del out[at : at + draw(st.integers(1, 40))]
        elif kind == "duplicate":
            lines = bytes(out).splitlines(keepends=True)
            i = draw(st.integers(0, len(lines) - 1))
            lines.insert(i, lines[i] * draw(st.integers(1, 3)))
            out = bytearray(b"".join(lines))
        elif kind == "insert":
            out[at:at] = draw(
                st.sampled_from([b"{", b"}", b'"', b"\\", b"${", b"\xff", b"\x00", b"\r"])
            )
        else:
            del out[at:]
    return bytes(out)


JSON_SWAPS = st.one_of(
    st.none(),
    st.booleans(),
    st.sampled_from([-1, 0, 10**30, -(10**30), 2**63, 10**400, 1.5, 1e308, "", "x" * 300]),
    st.sampled_from([float("inf"), float("-inf"), float("nan")]),  # Python's JSON reads these
    st.sampled_from(["DC0/a\nb", "DC0/\x00", "DC0/", "/x", "vm-", "vm-99999999999999999999"]),
    st.text(max_size=10),
    st.just([]),
    st.just({}),
    st.sampled_from(["create", "delete", "update", "noop", "restart", "explode", "DELETE"]),
    st.integers(1, 60).map(lambda n: json.loads("[" * n + "]" * n)),
)


def _paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(doc, dict):
        for key, value in doc.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(doc, list):
        for i, value in enumerate(doc):
            found += _paths(value, (*prefix, i))
    return found


@st.composite
def mutated_plan(draw: st.DrawFn, doc: dict[str, Any]) -> str:
    """A saved plan edited: a value swapped for another type or a huge/negative number, a key
    deleted, an element duplicated, an action changed, a value nested very deep; or the text
    itself cut."""
    doc = json.loads(json.dumps(doc))
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(doc) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = doc
        for key in path[:-1]:
            parent = parent[key]
        key = path[-1]
        kind = draw(st.sampled_from(["swap", "swap", "delete", "duplicate", "deep"]))
        if kind == "swap":
            parent[key] = draw(JSON_SWAPS)
        elif kind == "delete":
            del parent[key]
        elif kind == "duplicate" and isinstance(parent, list):
            parent.insert(key, json.loads(json.dumps(parent[key])))
        elif kind == "deep":
            n = draw(st.integers(30, 3000))
            parent[key] = json.loads("[" * min(n, 900) + "]" * min(n, 900))
    text = json.dumps(doc, indent=1)
    if draw(st.integers(0, 9)) == 0:
        text = text[: draw(st.integers(0, len(text)))]
    return text
