# ruff: noqa: E501  (expected diagnostics are clearer on one line)
"""Every *.hcl file is read or the run fails naming the file and the reason (docs/language.md#files):
a skipped file would make its VMs look deleted."""

from __future__ import annotations

import os

import pytest

from planner.config import load_config
from tests.config.helpers import HEADER, errors, write

VM = 'datacenter "DC0" {\n  cluster "C0" {\n    vm "a" {\n    }\n  }\n}\n'


@pytest.fixture
def directory(tmp_path):
    write(tmp_path, VM, "vms.hcl")
    return tmp_path


def test_a_dangling_symlink_is_an_error_naming_it(directory):
    os.symlink(directory / "gone.hcl", directory / "more.hcl")
    assert errors(directory, HEADER) == [
        "error: cannot read more.hcl: it is a symbolic link to gone.hcl, which does not exist; fix or remove the link"
    ]


def test_a_symlink_loop_is_an_error_naming_it(directory):
    os.symlink(directory / "loop.hcl", directory / "loop.hcl")
    assert errors(directory, HEADER) == [
        "error: cannot read loop.hcl: it is a symbolic link loop; fix or remove the link"
    ]


def test_a_fifo_is_refused_without_being_opened(directory):
    os.mkfifo(directory / "pipe.hcl")  # opening it would block: the test would hang
    assert errors(directory, HEADER) == [
        "error: cannot read pipe.hcl: it is not a regular file (a FIFO, socket or device); it was not opened; configuration files must be regular files"
    ]


def test_a_directory_named_hcl_is_an_error(directory):
    (directory / "x.hcl").mkdir()
    assert errors(directory, HEADER) == [
        "error: cannot read x.hcl: it is a directory; rename it: every *.hcl in the directory is read as configuration"
    ]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_file_is_an_error(directory):
    path = write(directory, VM.replace('"a"', '"b"'), "locked.hcl")
    path.chmod(0)
    assert errors(directory, HEADER) == ["error: cannot read locked.hcl: Permission denied"]


def test_a_file_that_is_not_utf8_is_an_error(directory):
    (directory / "latin.hcl").write_bytes(b"# caf\xe9\n")
    assert errors(directory, HEADER) == [
        "error: cannot read latin.hcl: it is not UTF-8 text (byte 0xe9 at offset 5); save the file as UTF-8"
    ]


def test_a_utf8_byte_order_mark_is_accepted(directory):
    (directory / "main.hcl").write_text("\ufeff" + HEADER, encoding="utf-8")
    assert [vm.name for vm in load_config(directory, (), (), {}).vms] == ["a"]
