"""`vcplan generate` write a configuration for the live VMs in the URL's scope.

Wiring only: read vCenter, planner.config.generate writes the HCL, this module writes the files.
Reads vCenter and never changes it. Refuses to mix its files into an existing configuration.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from planner.cli.options import CaFileOpt, InsecureOpt, TimeoutOpt, UrlOpt
from planner.cli.paths import output_path, write_error, write_file
from planner.model.diagnostics import error
from planner.model.names import workspace_problem


def _check_out_dir(out: Path, force: bool) -> None:
    """Every *.hcl file of a directory is one configuration: generated files dropped beside
    another configuration's would merge with it (two vcplan blocks), so an occupied directory
    is refused before vCenter is read, unless --force."""
    from planner.config import config_files

    if out.exists() and not out.is_dir():
        raise error(f"cannot write into {out}: it is not a directory")
    if force or not out.is_dir():
        return
    existing = sorted(p.name for p in config_files(out))
    if existing:
        shown = ", ".join(existing[:5]) + (", ..." if len(existing) > 5 else "")
        raise error(
            f"{out} already holds a configuration ({shown})",
            hint="choose an empty or new directory with --out DIR, or overwrite with --force",
        )


def _write(out: Path, files: dict[str, str]) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise write_error(out, "--out", exc) from None
    for name, text in files.items():
        write_file(out / name, "--out", text)


def generate(
    workspace: Annotated[
        str,
        typer.Option(
            "--workspace",
            "-w",
            metavar="NAME",
            help="The workspace the configuration adopts the VMs into (its vcplan block).",
        ),
    ] = "generated",
    out: Annotated[
        str,
        typer.Option(
            "--out",
            "-o",
            metavar="DIR",
            help="Directory to write the configuration into; created when missing. "
            "Refused when it already holds *.hcl files, unless --force.",
        ),
    ] = ".",
    force: Annotated[
        bool,
        typer.Option("--force", help="Write into DIR even if it holds *.hcl files, overwriting."),
    ] = False,
    url: UrlOpt = None,
    ca_file: CaFileOpt = None,
    insecure: InsecureOpt = False,
    timeout: TimeoutOpt = None,
) -> int:
    """Write a configuration for the live VMs in the URL's scope; change nothing in vCenter.

    One file per datacenter plus vcplan.hcl, grouped by cluster and standalone host, already
    formatted. `vcplan plan` on it proposes only adoption: each VM gets this workspace's marker.
    Templates, VMs of another workspace and VMs sharing a name are left out with a comment.

    \b
    Examples:
      vcplan generate --url vpx://vc.example.com/DC1 --workspace dc1 --out dc1/
      vcplan plan dc1/
    """
    from planner.cli.connect import open_provider
    from planner.config.generate import generate_config, left_out
    from planner.gc_pause import kept_for_the_run

    problem = workspace_problem(workspace)
    if problem:
        raise error(f"--workspace {workspace!r}: {problem}")
    out_dir = output_path(out, "--out")
    assert out_dir is not None  # the option has a default
    _check_out_dir(out_dir, force)
    with open_provider(url, ca_file, insecure, timeout=timeout) as provider:
        with kept_for_the_run():
            inventory = provider.read_inventory(tags=not provider.is_esx)
        display_url = provider.display_url
    files = generate_config(inventory, workspace, url=display_url)
    _write(out_dir, files)
    skipped = len(left_out(inventory, workspace))
    kept = len(inventory.vms) - skipped
    note = f", {skipped} left out (see the comments)" if skipped else ""
    print(
        f"Wrote {', '.join(files)} into {out_dir}: {kept} VM(s){note}. Next: vcplan plan {out_dir}"
    )
    return 0
