"""`vcplan validate` and `vcplan fmt`: the configuration commands, both offline.

Only wiring: the work is in planner.config. A DiagnosticError escaping a command is printed
compiler-style by run_guarded (planner/cli/errors.py) and exits 1.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from planner.cli.options import DirArg, VarFileOpt, VarOpt
from planner.model.diagnostics import Diagnostic, DiagnosticError


def validate(
    directory: DirArg = Path("."),
    var: VarOpt = None,
    var_file: VarFileOpt = None,
) -> None:
    """Check a configuration offline: parse, evaluate, check. No vCenter needed.

    \b
    Examples:
      vcplan validate examples/quickstart
      vcplan validate prod/ --var-file prod.vars.hcl
    """
    from planner.config import load_config

    config = load_config(directory, var or (), var_file or ())
    count = len(config.vms)
    print(
        f"The configuration is valid: {count} VM{'s' if count != 1 else ''} "
        f"in workspace {config.workspace!r}."
    )


def fmt(
    directory: DirArg = Path("."),
    check: Annotated[
        bool, typer.Option("--check", help="Change nothing; exit 1 if a file would change.")
    ] = False,
) -> None:
    """Rewrite *.hcl files (including *.vars.hcl) in the canonical layout; lists changed files.

    \b
    Examples:
      vcplan fmt prod/
      vcplan fmt prod/ --check
    """
    from planner.config.files import read_config_file
    from planner.config.fmt import format_source

    if not directory.is_dir():
        raise DiagnosticError([Diagnostic(f"{directory}: not a directory")])
    paths = sorted(directory.glob("*.hcl"))
    diags: list[Diagnostic] = []
    changed: list[Path] = []
    for path in paths:
        text = read_config_file(path)
        if isinstance(text, Diagnostic):
            diags.append(text)
            continue
        try:
            formatted = format_source(text, str(path))
        except DiagnosticError as exc:
            diags.extend(exc.diagnostics)
            continue
        if formatted != text:
            changed.append(path)
            if not check:
                path.write_text(formatted, encoding="utf-8")
    for path in changed:
        print(path)
    if diags:
        raise DiagnosticError(diags)
    if check and changed:
        raise typer.Exit(1)
