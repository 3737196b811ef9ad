"""The configuration language: a directory of HCL files -> the checked desired model.

`load_config` is the stage's one entry point; `format_source` (fmt.py) is the formatter.
Must not import pyVmomi, rich or typer.
"""

from planner.config.loader import config_files, load_config

__all__ = ["config_files", "load_config"]
