"""The configuration language: a directory of HCL files -> the checked desired model.

`load_config` is the stage's one entry point; `format_source` (fmt.py) is the formatter.
Must not import pyVmomi, rich or typer.

The two names below are loaded on first use: commands that only need planner.config.endpoint
(`inventory`, `generate`) must not pay for the parser (python-hcl2, lark) at start-up
(docs/performance.md#start-up-of-the-commands-that-read-vcenter).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from planner.config.files import config_files
    from planner.config.loader import load_config

__all__ = ["config_files", "load_config"]


def __getattr__(name: str) -> Any:
    if name == "load_config":
        from planner.config.loader import load_config

        return load_config
    if name == "config_files":
        from planner.config.files import config_files

        return config_files
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
