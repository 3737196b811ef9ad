"""A cache of parsed configuration files: one file's syntax tree (the Body that parse_body
returns), pickled in the user's cache directory and reused while the file, its path and the
parser are unchanged (docs/performance.md#parse-cache).

Only the parse is cached, never evaluation: file() and templatefile() read their files when an
expression is evaluated. The cache is an optimisation and nothing more: a missing, unreadable,
corrupt or foreign entry is parsed again, a failed write is ignored, a syntax error is never
stored (the parse raises it again, word for word). `VCPLAN_NO_CACHE=1` turns it off.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import pickle
import stat
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

import hcl2
import lark

from planner.config import build, heredoc, nodes, syntax, syntax_errors
from planner.config.syntax import Body, parse_body
from planner.model import vm

DISABLE = "VCPLAN_NO_CACHE"
PROTOCOL = 5
SUFFIX = ".pickle"
# Whatever shapes a parsed tree: change any of them and every entry is parsed again.
_SYNTAX_MODULES = (syntax, build, heredoc, nodes, syntax_errors, vm)


def cache_directory(env: Mapping[str, str]) -> Path | None:
    """$XDG_CACHE_HOME/vcplan/parse (an absolute XDG_CACHE_HOME only, as the XDG spec says),
    else ~/.cache/vcplan/parse; None when the cache is off or there is no home."""
    if env.get(DISABLE, "") not in ("", "0"):
        return None
    base = env.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):
        home = env.get("HOME") or os.path.expanduser("~")
        if not os.path.isabs(home):
            return None
        base = os.path.join(home, ".cache")
    return Path(base) / "vcplan" / "parse"


@functools.cache
def _parser_version() -> bytes:
    """python-hcl2's and lark's versions, Python's, and the source of our syntax modules."""
    digest = hashlib.sha256()
    for part in (hcl2.__version__, lark.__version__, sys.version, str(PROTOCOL)):
        digest.update(part.encode() + b"\0")
    for module in (*_SYNTAX_MODULES, sys.modules[__name__]):
        digest.update(Path(module.__file__ or "").read_bytes() + b"\0")
    return digest.digest()


def entry_name(text: str, file: str) -> str:
    """<where>-<what>.pickle: `where` is the file's absolute path only (one live entry per file,
    so an edited file, or the same file under an upgraded parser, replaces its entry), `what`
    its text, the name its positions carry and the parser version."""
    version = _parser_version()
    where = hashlib.sha256(os.path.abspath(file).encode()).hexdigest()[:32]
    what = hashlib.sha256(version + file.encode() + b"\0" + text.encode("utf-8", "surrogatepass"))
    return f"{where}-{what.hexdigest()}{SUFFIX}"


def parse_body_cached(text: str, file: str, env: Mapping[str, str] | None = None) -> Body:
    """parse_body(text, file), from the cache when this text was parsed before under this name
    by this parser; raises exactly what parse_body raises."""
    directory = cache_directory(os.environ if env is None else env)
    if directory is None:
        return parse_body(text, file)
    try:
        name = entry_name(text, file)
    except (OSError, UnicodeError):
        return parse_body(text, file)
    body = _load(directory / name)
    if body is None:
        body = parse_body(text, file)
        _store(directory, name, body)
    return body


def _load(entry: Path) -> Body | None:
    """The cached Body, or None for anything else: no entry, someone else's, or unreadable."""
    try:
        with open(entry, "rb") as fh:
            info = os.fstat(fh.fileno())
            if info.st_uid != os.geteuid() or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
                return None  # only ever unpickle what this user wrote
            body = pickle.load(fh)
    except Exception:  # noqa: BLE001 - a corrupt entry is a cache miss, never an error
        return None
    return body if isinstance(body, Body) else None


def _store(directory: Path, name: str, body: Body) -> None:
    """Write atomically (a temporary file renamed over the entry, so a concurrent run reads the
    old entry or the new one, never half of one), then drop this file's older entries."""
    tmp = None
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        data = pickle.dumps(body, protocol=PROTOCOL)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=SUFFIX)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, directory / name)
        tmp = None
        where = name.split("-", 1)[0] + "-"
        for old in os.scandir(directory):
            if old.name.startswith(where) and old.name != name:
                _unlink(old.path)
    except Exception:  # noqa: BLE001 - a cache that cannot be written is only slower
        pass
    finally:
        if tmp is not None:
            _unlink(tmp)


def _unlink(path: str) -> None:
    with contextlib.suppress(OSError):  # a concurrent run removed it first
        os.unlink(path)
