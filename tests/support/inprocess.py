"""Running the CLI inside the test process (for the fuzz suite: a subprocess per example would
cost a Python start-up each). Same entry point as the console script (run_guarded), the same
clean environment as tests/support/cli.py, stdout and stderr captured, stdin empty."""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import Iterator, Mapping

from planner.cli.app import app
from planner.cli.errors import run_guarded
from tests.support.cli import CliResult, cli_env


@contextlib.contextmanager
def _environment(env: Mapping[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update({**cli_env(), **env})
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def run_inprocess(*args: str, env: Mapping[str, str] | None = None) -> CliResult:
    """`vcplan ARGS` as the console script runs it; never raises (a raise is a finding)."""
    out, err = io.StringIO(), io.StringIO()
    stdin = sys.stdin
    sys.stdin = io.StringIO("")
    try:
        with (
            _environment(env or {}),
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(err),
        ):
            try:
                code = run_guarded(app, list(args))
            except BaseException as exc:  # noqa: BLE001  a finding, reported as a traceback
                import traceback

                err.write("Traceback (raised out of run_guarded)\n" + traceback.format_exc())
                code = -1 if not isinstance(exc, SystemExit) else int(exc.code or 0)
    finally:
        sys.stdin = stdin
    return CliResult(code, out.getvalue(), err.getvalue())
