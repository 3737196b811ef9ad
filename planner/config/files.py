"""Finding and reading configuration files: every `*.hcl` is read, or the run fails naming the
file and why. A file skipped silently would make its VMs look deleted (docs/language.md#files)."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from planner.model.diagnostics import Diagnostic

BOM = "\ufeff"


def config_files(directory: Path) -> list[Path]:
    """Every *.hcl of the directory except *.vars.hcl, whatever kind of file it is: the reader
    refuses the ones that are not regular files."""
    return sorted(p for p in directory.glob("*.hcl") if not p.name.endswith(".vars.hcl"))


def read_config_file(path: Path, what: str = "") -> str | Diagnostic:
    """The file's text (a leading UTF-8 byte order mark dropped, as Terraform does), or a
    Diagnostic naming the file and the reason. A FIFO or device is never opened: opening a
    FIFO blocks until a writer comes."""
    name = f"{what}{path}"
    try:
        info = os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            return Diagnostic(
                f"cannot read {name}: it is a symbolic link to {os.readlink(path)}, which does "
                "not exist",
                hint="fix or remove the link",
            )
        return Diagnostic(f"cannot read {name}: it does not exist")
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return Diagnostic(
                f"cannot read {name}: it is a symbolic link loop", hint="fix or remove the link"
            )
        return Diagnostic(f"cannot read {name}: {exc.strerror or exc}")
    if stat.S_ISDIR(info.st_mode):
        return Diagnostic(
            f"cannot read {name}: it is a directory",
            hint="rename it: every *.hcl in the directory is read as configuration",
        )
    if not stat.S_ISREG(info.st_mode):
        return Diagnostic(
            f"cannot read {name}: it is not a regular file (a FIFO, socket or device); "
            "it was not opened",
            hint="configuration files must be regular files",
        )
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        return Diagnostic(
            f"cannot read {name}: it is not UTF-8 text (byte {exc.object[exc.start]:#04x} "
            f"at offset {exc.start})",
            hint="save the file as UTF-8",
        )
    except OSError as exc:
        return Diagnostic(f"cannot read {name}: {exc.strerror or exc}")
    return text.removeprefix(BOM)
