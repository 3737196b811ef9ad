"""Output files (--out, --log): checked before any work, so a typo in a path is a one-line error
naming the path and the cause before vCenter is read or changed (docs/apply.md#output-files).
"""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import IO

from planner.model.diagnostics import DiagnosticError, error


def output_path(value: str | None, flag: str) -> Path | None:
    """The path an option names; "" is refused (it is no file, and Path("") would be ".")."""
    if value is None:
        return None
    if not value.strip():
        raise error(f"{flag} needs a file name (got an empty string)", hint=f"e.g. {flag} FILE")
    return Path(value)


def check_writable(path: Path, flag: str) -> None:
    """What can be known without writing: the directory exists, the path is not a directory, and
    the file can be opened for writing (probed without truncating it; a file the probe created is
    removed). A full disk (or /dev/full) shows only when written: see write_error."""
    if path.is_dir():
        raise _is_a_directory(path, flag)
    if not path.parent.is_dir():
        raise write_error(path, flag, FileNotFoundError(errno.ENOENT, "no directory"))
    flags = os.O_WRONLY | os.O_NONBLOCK  # a FIFO without a reader must not block the run
    try:
        try:
            fd = os.open(path, flags | os.O_CREAT | os.O_EXCL, 0o644)
            created = True
        except FileExistsError:
            fd = os.open(path, flags)
            created = False
    except OSError as exc:
        raise write_error(path, flag, exc) from None
    os.close(fd)
    if created:
        path.unlink()


def write_error(path: Path, flag: str, exc: OSError) -> DiagnosticError:
    """The one-line error for a failed open or write of an output file."""
    if exc.errno == errno.EISDIR:
        return _is_a_directory(path, flag)
    if exc.errno == errno.ENOENT and not path.parent.is_dir():
        return error(
            f"cannot write {flag} {path}: directory {path.parent} does not exist",
            hint="create it first, or choose another path",
        )
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return error(
            f"cannot write {flag} {path}: {exc.strerror}", hint="choose a path you can write"
        )
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return error(
            f"cannot write {flag} {path}: {exc.strerror}",
            hint="free some space, or choose another disk",
        )
    if exc.errno == errno.ENXIO:
        return error(f"cannot write {flag} {path}: it is a pipe or device nobody reads")
    return error(f"cannot write {flag} {path}: {exc.strerror or exc}")


def open_append(path: Path, flag: str) -> IO[str]:
    """A log opened up front, so that a bad path fails before anything is done."""
    check_writable(path, flag)
    try:
        return path.open("a", encoding="utf-8")
    except OSError as exc:
        raise write_error(path, flag, exc) from None


def write_file(path: Path, flag: str, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise write_error(path, flag, exc) from None


def _is_a_directory(path: Path, flag: str) -> DiagnosticError:
    return error(
        f"cannot write {flag} {path}: it is a directory",
        hint=f"give the name of a file, e.g. {flag} {path / 'vcplan.out'}",
    )


class GuardedLog:
    """A log file whose write errors (a full disk, /dev/full) are kept, not raised: a log that
    fails in the middle of an apply must not stop the apply or lose its summary. The caller
    asks `failure` when it matters (docs/apply.md#output-files)."""

    def __init__(self, stream: IO[str], path: Path, flag: str = "--log"):
        self.stream = stream
        self.path = path
        self.flag = flag
        self.failure: OSError | None = None

    def write(self, text: str) -> None:
        if self.failure is None:
            try:
                self.stream.write(text)
            except OSError as exc:
                self.failure = exc

    def flush(self) -> None:
        if self.failure is None:
            try:
                self.stream.flush()
            except OSError as exc:
                self.failure = exc

    def close(self) -> None:
        try:
            self.stream.close()
        except OSError as exc:
            self.failure = self.failure or exc

    def error(self, consequence: str) -> DiagnosticError:
        assert self.failure is not None
        base = write_error(self.path, self.flag, self.failure).diagnostics[0]
        return error(f"{base.message}; {consequence}", hint=base.hint)
