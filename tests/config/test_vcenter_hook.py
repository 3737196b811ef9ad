"""load_config's on_vcenter hook: `plan` starts reading vCenter from it while the VMs are still
being evaluated (docs/performance.md#overlap)."""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.config import load_config
from planner.model import VCenterSettings
from planner.model.diagnostics import DiagnosticError
from tests.config.helpers import HEADER, write

VCENTER = 'vcenter {\n  url = "vpx://vc.example.com"\n}\n'


def _vm(annotation: str) -> str:
    return (
        'datacenter "DC0" {\n  cluster "C0" {\n    vm "a" {\n'
        f"      annotation = {annotation}\n    }}\n  }}\n}}\n"
    )


def test_on_vcenter_gets_the_settings_before_any_vm_is_evaluated(tmp_path: Path) -> None:
    """The hook writes the file a VM reads with file(): the VM sees what the hook wrote."""
    write(tmp_path, HEADER + VCENTER + _vm('file("note.txt")'))
    seen: list[VCenterSettings] = []

    def hook(settings: VCenterSettings) -> None:
        seen.append(settings)
        (tmp_path / "note.txt").write_text("written by the hook")

    config = load_config(tmp_path, (), (), {}, on_vcenter=hook)
    assert [s.url for s in seen] == ["vpx://vc.example.com"]
    assert config.vms[0].annotation == "written by the hook"


def test_on_vcenter_is_not_called_once_the_configuration_has_failed(tmp_path: Path) -> None:
    write(tmp_path, HEADER + VCENTER + "oops = 1\n" + _vm('"x"'))
    seen: list[VCenterSettings] = []
    with pytest.raises(DiagnosticError):
        load_config(tmp_path, (), (), {}, on_vcenter=seen.append)
    assert seen == []


def test_on_vcenter_is_called_without_a_vcenter_block_with_empty_settings(tmp_path: Path) -> None:
    write(tmp_path, HEADER + _vm('"x"'))
    seen: list[VCenterSettings] = []
    load_config(tmp_path, (), (), {}, on_vcenter=seen.append)
    assert seen == [VCenterSettings()]
