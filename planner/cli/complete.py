"""Shell completion of VM addresses (`--target`, `--restart`) from the configuration in the
current directory (docs/cli.md, "Shell completion"). Fails silently: a half-written
configuration completes nothing rather than printing an error into the shell.
"""

from __future__ import annotations

import fnmatch
from pathlib import Path


def complete_address(incomplete: str) -> list[str]:
    """`<datacenter>/<name>` of every VM the configuration in `.` declares, matching what is
    typed so far (a prefix, or a glob)."""
    try:
        from planner.config import load_config

        config = load_config(Path("."), [], [])
        addresses = sorted(vm.address for vm in config.vms)
    except Exception:  # completion must never break the shell
        return []
    if any(ch in incomplete for ch in "*?["):
        return [a for a in addresses if fnmatch.fnmatchcase(a, incomplete)]
    return [a for a in addresses if a.startswith(incomplete)]
