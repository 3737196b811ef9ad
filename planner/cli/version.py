"""`vcplan --version` and `vcplan version`: which vcplan, Python and pyVmomi, for bug reports.

Reads the installed distributions' metadata and never imports pyVmomi, so it answers offline
and at once.
"""

from __future__ import annotations

import platform


def _installed(distribution: str) -> str:
    from importlib import metadata  # only when asked: it costs `vcplan --help` 10 ms

    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"


def version_text() -> str:
    return (
        f"vcplan {_installed('vcplan')}\n"
        f"Python {platform.python_version()} ({platform.python_implementation()})\n"
        f"pyVmomi {_installed('pyvmomi')}"
    )


def version() -> None:
    """Show vcplan's version, Python's and pyVmomi's (for bug reports); works offline.

    \b
    Example:
      vcplan version
    """
    print(version_text())
