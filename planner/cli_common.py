"""What every command shares: one-line errors instead of tracebacks, and the connection options."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import click
import typer

from planner.diagnostics import DiagnosticError, render_diagnostic

UrlOpt = Annotated[
    str | None,
    typer.Option(
        "--url",
        help="vpx://[user@]vcenter[:port][/datacenter[/cluster[/host]]], esx://[user@]host[:port] "
        "or https://host[:port]/sdk. Default: $VCPLAN_URL, then the config's vcenter block.",
        show_default=False,
    ),
]
CaFileOpt = Annotated[
    Path | None,
    typer.Option(
        "--ca-file",
        help="PEM CA bundle to trust besides the system store. Default: $VCPLAN_CA_FILE.",
        show_default=False,
    ),
]
InsecureOpt = Annotated[
    bool,
    typer.Option(
        "--insecure",
        help="Do not verify the server's TLS certificate (prints a warning). "
        "Also $VCPLAN_INSECURE=1.",
    ),
]


def print_diagnostics(exc: DiagnosticError) -> None:
    for diag in exc.diagnostics:
        print(render_diagnostic(diag), file=sys.stderr)


def run_guarded(app: typer.Typer, args: list[str] | None = None) -> int:
    """Run the app; turn every expected failure into a clear message and exit code 1.

    Usage errors also exit 1, because 2 means "changes to make" with --detailed-exitcode.
    Set VCPLAN_DEBUG=1 to see the traceback of an unexpected error.
    """
    try:
        result = app(args=args, standalone_mode=False)
    except DiagnosticError as exc:
        print_diagnostics(exc)
        return 1
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        exc.show(file=sys.stderr)
        return 1
    except (click.exceptions.Abort, KeyboardInterrupt):
        print("Interrupted.", file=sys.stderr)
        return 130
    except Exception as exc:  # the last line of defence: never a traceback for users
        if os.environ.get("VCPLAN_DEBUG"):
            raise
        print(
            f"error: internal error ({type(exc).__name__}: {exc}); "
            "rerun with VCPLAN_DEBUG=1 and report it",
            file=sys.stderr,
        )
        return 1
    return int(result) if isinstance(result, int) else 0
