"""The parse cache (docs/performance.md#parse-cache): a file parsed once is read back from the
user's cache directory; it never changes a result or a message, and a bad entry is a miss."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from planner.config import parse_cache
from planner.config.parse_cache import cache_directory, parse_body_cached
from planner.model.diagnostics import DiagnosticError
from tests.config.helpers import HEADER, write

TEXT = (
    HEADER
    + """\
datacenter "DC0" {
  cluster "C0" {
    vm "web" {
      cpus      = 2
      memory_mb = var.memory * 2
      tags      = { role = "web-${count.index}" }
    }
  }
}
"""
)


def entries() -> list[Path]:
    """The cache's entries now (the test's XDG_CACHE_HOME: tests/conftest.py)."""
    return sorted((Path(os.environ["XDG_CACHE_HOME"]) / "vcplan" / "parse").glob("*.pickle"))


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files actually parsed (not read from the cache), in order."""
    calls: list[str] = []
    real = parse_cache.parse_body

    def counting(text: str, file: str) -> parse_cache.Body:
        calls.append(file)
        return real(text, file)

    monkeypatch.setattr(parse_cache, "parse_body", counting)
    return calls


def test_a_file_parsed_twice_is_read_from_the_cache_the_second_time_as_an_equal_tree(
    tmp_path: Path, parses: list[str]
) -> None:
    path = str(write(tmp_path, TEXT))
    cold = parse_body_cached(TEXT, path)
    warm = parse_body_cached(TEXT, path)
    assert warm == cold
    assert warm is not cold
    assert parses == [path]


def test_the_cache_lives_under_xdg_cache_home(private_cache_home: Path) -> None:
    assert cache_directory(os.environ) == private_cache_home / "vcplan" / "parse"


def test_without_xdg_cache_home_the_cache_is_under_home_dot_cache() -> None:
    assert cache_directory({"HOME": "/home/u"}) == Path("/home/u/.cache/vcplan/parse")


def test_a_relative_xdg_cache_home_is_ignored_as_the_xdg_spec_says() -> None:
    env = {"HOME": "/home/u", "XDG_CACHE_HOME": "cache"}
    assert cache_directory(env) == Path("/home/u/.cache/vcplan/parse")


def test_vcplan_no_cache_parses_every_time_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parses: list[str]
) -> None:
    monkeypatch.setenv("VCPLAN_NO_CACHE", "1")
    path = str(write(tmp_path, TEXT))
    parse_body_cached(TEXT, path)
    parse_body_cached(TEXT, path)
    assert parses == [path, path]
    assert entries() == []


def test_positions_carry_the_name_the_file_was_read_by_not_the_name_it_was_cached_under(
    tmp_path: Path,
) -> None:
    first = parse_body_cached(TEXT, str(tmp_path / "a.hcl"))
    second = parse_body_cached(TEXT, str(tmp_path / "b.hcl"))
    assert first.blocks[0].pos.file == str(tmp_path / "a.hcl")
    assert second.blocks[0].pos.file == str(tmp_path / "b.hcl")


def test_an_edited_file_replaces_its_entry(tmp_path: Path) -> None:
    path = str(tmp_path / "main.hcl")
    parse_body_cached(TEXT, path)
    before = entries()
    parse_body_cached(TEXT.replace("cpus      = 2", "cpus      = 3"), path)
    after = entries()
    assert len(before) == len(after) == 1
    assert before != after


def test_a_corrupt_entry_is_parsed_again_silently_and_rewritten(
    tmp_path: Path, parses: list[str]
) -> None:
    path = str(tmp_path / "main.hcl")
    cold = parse_body_cached(TEXT, path)
    (entry,) = entries()
    entry.write_bytes(b"\x80\x05not a pickle")
    assert parse_body_cached(TEXT, path) == cold
    assert parses == [path, path]
    assert parse_body_cached(TEXT, path) == cold
    assert parses == [path, path]  # the rewritten entry is good again


def test_an_entry_another_user_could_have_written_is_not_trusted(
    tmp_path: Path, parses: list[str]
) -> None:
    path = str(tmp_path / "main.hcl")
    parse_body_cached(TEXT, path)
    (entry,) = entries()
    entry.chmod(0o666)
    parse_body_cached(TEXT, path)
    assert parses == [path, path]


def test_an_unwritable_cache_directory_only_costs_the_parse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parses: list[str]
) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    path = str(tmp_path / "main.hcl")
    first = parse_body_cached(TEXT, path)
    assert parse_body_cached(TEXT, path) == first
    assert parses == [path, path]


def test_a_syntax_error_is_never_stored_and_reads_the_same_each_time(tmp_path: Path) -> None:
    path = str(tmp_path / "main.hcl")
    broken = HEADER + 'datacenter "DC0" {\n  cpus = \n}\n'
    messages = []
    for _ in range(2):
        with pytest.raises(DiagnosticError) as exc:
            parse_body_cached(broken, path)
        messages.append([d.headline() for d in exc.value.diagnostics])
    assert messages[0] == messages[1]
    assert messages[0][0].startswith(f"{path}:5:")
    assert entries() == []


def test_functions_that_read_files_read_them_at_every_load_not_from_the_cache(
    tmp_path: Path,
) -> None:
    from planner.config import load_config

    config_dir = tmp_path / "config"
    config_dir.mkdir()
    (config_dir / "note.txt").write_text("first")
    write(
        config_dir,
        HEADER
        + 'datacenter "DC0" {\n  cluster "C0" {\n    vm "a" {\n'
        + '      annotation = file("note.txt")\n    }\n  }\n}\n',
    )
    assert load_config(config_dir, (), (), {}).vms[0].annotation == "first"
    (config_dir / "note.txt").write_text("second")
    assert load_config(config_dir, (), (), {}).vms[0].annotation == "second"


def test_a_new_parser_version_replaces_the_old_versions_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = str(tmp_path / "main.hcl")
    parse_body_cached(TEXT, path)
    before = entries()
    monkeypatch.setattr(parse_cache, "_parser_version", lambda: b"an upgraded parser")
    parse_body_cached(TEXT, path)
    after = entries()
    assert len(before) == len(after) == 1
    assert before != after
