"""What every command shares: one-line errors instead of tracebacks, and the connection options."""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from planner.diagnostics import DiagnosticError, render_diagnostic
from planner.endpoint import resolve_endpoint
from planner.model import VCenterSettings

if TYPE_CHECKING:
    from providers.vsphere.provider import VSphereProvider

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
    except typer.Exit as exc:
        return int(exc.exit_code)
    except typer.TyperException as exc:  # usage errors and the like: typer's own message
        show = getattr(exc, "show", None)
        if show is not None:
            show(file=sys.stderr)
        else:
            print(f"error: {exc.format_message()}", file=sys.stderr)
        return 1
    except (typer.Abort, KeyboardInterrupt):
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


def _prompt_password(label: str) -> str:
    return str(typer.prompt(label, hide_input=True, err=True))


@contextmanager
def open_provider(
    url: str | None,
    ca_file: Path | None,
    insecure: bool,
    vcenter: VCenterSettings | None = None,
) -> Iterator[VSphereProvider]:
    """Resolve the endpoint (flags, environment, config), log in, and log out at exit."""
    from providers.vsphere.provider import VSphereProvider  # the only door to pyVmomi

    endpoint = resolve_endpoint(
        url,
        str(ca_file) if ca_file else None,
        insecure,
        vcenter,
        os.environ,
        _prompt_password if sys.stdin.isatty() else None,
    )
    if endpoint.insecure:
        print(
            f"warning: TLS certificate verification is off for {endpoint.host}:{endpoint.port} "
            "(--insecure); anyone on the path can read the credentials",
            file=sys.stderr,
        )
    provider = VSphereProvider(endpoint)
    try:
        yield provider
    finally:
        provider.close()


def keep_for_the_run() -> None:
    """Hide what exists now (the parsed configuration, the inventory) from the garbage collector:
    it lives until the process exits, and rescanning its millions of objects on every full
    collection made the diff's time jump by a third on 5,000 VMs (bench/plan.py)."""
    gc.freeze()
