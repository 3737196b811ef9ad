"""`vcplan drift`: what differs between the configuration and vCenter (docs/drift.md).

Wiring only: load the config, read vCenter, planner.drift.findings computes, planner.report.drift
renders. Drift reads and never changes vCenter. Exit 0, or 2 with --detailed-exitcode when
there is drift; 1 on any error (run_guarded).
"""

from __future__ import annotations

import enum
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from planner.cli.options import CaFileOpt, DirArg, InsecureOpt, UrlOpt, VarFileOpt, VarOpt


class DriftFormat(enum.Enum):
    TEXT = "text"
    JSON = "json"
    MARKDOWN = "markdown"
    HTML = "html"


def _color(out: Path | None) -> bool:
    return out is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ


def drift(
    directory: DirArg = Path("."),
    output_format: Annotated[
        DriftFormat,
        typer.Option(
            "--format", "-f", metavar="FORMAT", help="text (default), json, markdown or html."
        ),
    ] = DriftFormat.TEXT,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Write the report to FILE instead of standard output.",
            metavar="FILE",
            show_default=False,
        ),
    ] = None,
    detailed_exitcode: Annotated[
        bool,
        typer.Option(
            "--detailed-exitcode", help="Exit 2 when there is drift, 0 when there is none."
        ),
    ] = False,
    var: VarOpt = None,
    var_file: VarFileOpt = None,
    url: UrlOpt = None,
    ca_file: CaFileOpt = None,
    insecure: InsecureOpt = False,
) -> int:
    """Report what differs between the configuration and vCenter; change nothing.

    Four categories: drifted attributes of declared VMs, declared VMs missing from vCenter,
    this workspace's VMs no longer declared, and unmanaged VMs inside the declared clusters
    and standalone hosts. Exit codes: 0 no drift (or no --detailed-exitcode), 2 drift with
    --detailed-exitcode, 1 error.

    \b
    Examples:
      vcplan drift prod/
      vcplan drift prod/ --format html --out drift.html --detailed-exitcode
    """
    from planner.cli.connect import keep_for_the_run, open_provider
    from planner.config import load_config
    from planner.drift.findings import compute_drift
    from planner.model.diagnostics import error
    from planner.report.drift import RENDERERS, render_text, summary_line

    config = load_config(directory, list(var or []), list(var_file or []))
    if out is not None and not out.parent.is_dir():  # say so before reading all of vCenter
        raise error(f"cannot write {out}: directory {out.parent} does not exist")
    with open_provider(url, ca_file, insecure, config.vcenter) as provider:
        inventory = provider.read_inventory()
        keep_for_the_run()
        report = compute_drift(config, inventory, url=provider.display_url)
    if output_format is DriftFormat.TEXT:
        text = render_text(report, color=_color(out))
    else:
        text = RENDERERS[output_format.value](report)
    if out is None:
        sys.stdout.write(text)
    else:
        try:
            out.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise error(f"cannot write {out}: {exc.strerror}") from None
        print(f"{summary_line(report)} Report written to {out}.")
    return 2 if detailed_exitcode and report.has_drift else 0
