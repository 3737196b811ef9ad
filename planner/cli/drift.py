"""`vcplan drift`: what differs between the configuration and vCenter (docs/drift.md).

Wiring only: load the config, read vCenter, planner.drift.findings computes, planner.report.drift
renders. Drift reads and never changes vCenter. Exit 0, or 2 with --detailed-exitcode when
there is drift; 1 on any error (run_guarded).
"""

from __future__ import annotations

import enum
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from planner.cli.options import (
    CaFileOpt,
    DirArg,
    InsecureOpt,
    JsonOpt,
    TimeoutOpt,
    UrlOpt,
    VarFileOpt,
    VarOpt,
)


class DriftFormat(enum.Enum):
    TEXT = "text"
    JSON = "json"
    MARKDOWN = "markdown"
    HTML = "html"


def _check_watch_flags(
    watch: bool,
    webhook: str | None,
    output_format: DriftFormat,
    out: Path | None,
    detailed_exitcode: bool,
) -> None:
    from planner.model.diagnostics import error

    if webhook is not None and not watch:
        raise error("--webhook needs --watch", hint="vcplan drift DIR --watch --webhook URL")
    if webhook is not None and not webhook.startswith(("http://", "https://")):
        raise error(f"--webhook {webhook.split('?')[0]!r} is not an http(s) URL")
    if not watch:
        return
    if output_format not in (DriftFormat.TEXT, DriftFormat.JSON):
        raise error("--watch prints text or json lines", hint="use --format text or json")
    if out is not None or detailed_exitcode:
        flag = "--out" if out is not None else "--detailed-exitcode"
        raise error(f"{flag} does not go with --watch: the watch reports on stdout until stopped")


def _watch(
    config: Any,
    url: str | None,
    ca_file: Path | None,
    insecure: bool,
    output_format: DriftFormat,
    window: Any,
    webhook: str | None,
) -> int:
    from planner.cli.connect import open_provider
    from planner.cli.drift_watch import DriftWatch
    from planner.cli.webhook import Webhook

    hook = Webhook(webhook) if webhook else None
    with open_provider(url, ca_file, insecure, config.vcenter) as provider:
        return DriftWatch(provider, config, output_format is DriftFormat.JSON, window, hook).run()


def _stamp(now: datetime) -> str:
    return now.isoformat(timespec="seconds")


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
    out_file: Annotated[
        str | None,
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
    since: Annotated[
        str,
        typer.Option(
            "--since",
            help="How far back vCenter's events may explain drift: 30m, 12h, 7d.",
            metavar="DURATION",
        ),
    ] = "7d",
    watch: Annotated[
        bool,
        typer.Option(
            "--watch",
            help="After the report, stay connected and report each change as it happens "
            "(text or json, one line each); Ctrl-C or SIGTERM stops it.",
        ),
    ] = False,
    webhook: Annotated[
        str | None,
        typer.Option(
            "--webhook",
            help="With --watch: POST each change as JSON to URL.",
            metavar="URL",
            show_default=False,
        ),
    ] = None,
    json_out: JsonOpt = False,
    var: VarOpt = None,
    var_file: VarFileOpt = None,
    url: UrlOpt = None,
    ca_file: CaFileOpt = None,
    insecure: InsecureOpt = False,
    timeout: TimeoutOpt = None,
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
      vcplan drift prod/ --since 12h --format json
      vcplan drift prod/ --watch --format json --webhook https://hooks.example.com/drift
      vcplan drift prod/ --watch --json | jq -c 'select(.kind == "drifted")'
    """
    from planner.cli.connect import open_provider
    from planner.cli.paths import check_writable, output_path, write_file
    from planner.config import load_config
    from planner.drift.attribution import attribute_report, parse_since, wanted
    from planner.drift.findings import compute_drift
    from planner.gc_pause import kept_for_the_run
    from planner.model.diagnostics import error
    from planner.report.drift import RENDERERS, render_text, summary_line

    out = output_path(out_file, "--out")
    window = parse_since(since)
    if json_out:  # the machine stream: the watch's transitions, one JSON object per line
        if not watch:
            raise error("--json goes with --watch", hint="for a one-off report use --format json")
        output_format = DriftFormat.JSON
    _check_watch_flags(watch, webhook, output_format, out, detailed_exitcode)
    with kept_for_the_run():
        config = load_config(directory, list(var or []), list(var_file or []))
    if watch:
        return _watch(config, url, ca_file, insecure, output_format, window, webhook)
    if out is not None:  # say so before reading all of vCenter
        check_writable(out, "--out")
    with open_provider(url, ca_file, insecure, config.vcenter, timeout) as provider:
        with kept_for_the_run():
            inventory = provider.read_inventory(tags=config.uses_tags)
        now = datetime.now(UTC)
        report = compute_drift(config, inventory, url=provider.display_url, created_at=_stamp(now))
        morefs, names = wanted(report)
        read = provider.read_events(now - window, morefs, names)
        if not read.complete:
            print(
                f"warning: more vCenter events within --since {since} than vcplan reads; "
                "the oldest ones explain the findings (narrow --since for the latest)",
                file=sys.stderr,
            )
        report = attribute_report(report, read.events, now, window)
    if output_format is DriftFormat.TEXT:
        text = render_text(report, color=_color(out))
    else:
        text = RENDERERS[output_format.value](report)
    if out is None:
        sys.stdout.write(text)
    else:
        write_file(out, "--out", text)
        print(f"{summary_line(report)} Report written to {out}.")
    return 2 if detailed_exitcode and report.has_drift else 0
