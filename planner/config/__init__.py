"""The configuration language: a directory of HCL files -> the checked desired model.

`load_config` is the stage's one entry point; `format_source` (fmt.py) is the formatter.
Must not import pyVmomi, rich or typer.
"""

from planner.config.files import config_files
from planner.config.loader import load_config

__all__ = ["config_files", "load_config"]
