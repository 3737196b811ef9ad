"""The pipeline's boundaries (STYLE.md): only providers/ talks to vCenter."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VCENTER_IMPORT = re.compile(r"^\s*(import|from)\s+(pyVmomi|pyVim)\b", re.MULTILINE)
RICH_IMPORT = re.compile(r"^\s*(import|from)\s+(rich|typer)\b", re.MULTILINE)


def test_planner_never_imports_pyvmomi():
    offenders = [
        str(p.relative_to(ROOT))
        for p in (ROOT / "planner").rglob("*.py")
        if VCENTER_IMPORT.search(p.read_text())
    ]
    assert offenders == []


def test_executor_and_diff_do_not_import_rich_or_typer():
    core = ["executor.py", "steps.py", "diff.py", "plan.py", "model.py"]
    offenders = [
        name
        for name in core
        if (ROOT / "planner" / name).exists()
        and RICH_IMPORT.search((ROOT / "planner" / name).read_text())
    ]
    assert offenders == []
