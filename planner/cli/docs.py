"""docs/cli.md, generated from the Typer app itself: `python -m planner.cli.docs > docs/cli.md`
(`make docs`). A unit test regenerates it and compares, so the reference never lags the code.
"""

from __future__ import annotations

from typing import Any

import typer

from planner.cli.app import app

WIDTH = 100

HEADER = """\
# Command-line reference

Generated from the commands' own help by `make docs` (`python -m planner.cli.docs > docs/cli.md`);
do not edit by hand. Every command also answers `-h` / `--help`.

## Global options, colour, version and completion

- `--no-color` (before the command: `vcplan --no-color plan`), or the environment variable
  `NO_COLOR` set to anything, turns colour off in every output: plan, drift, inventory, apply.
  Output that is not a terminal is never coloured.
- `vcplan --version` and `vcplan version` print vcplan's, Python's and pyVmomi's versions, offline:

  ```console
  $ vcplan --version
  vcplan 0.1.0
  Python 3.11.7 (CPython)
  pyVmomi 9.1.1.0
  ```
- Parse cache: commands that read a configuration keep each file's parsed syntax tree in
  `$XDG_CACHE_HOME/vcplan/parse` (else `~/.cache/vcplan/parse`), so an unchanged file is not
  parsed again; evaluation (`file()`, variables, checks) runs every time. The environment
  variable `VCPLAN_NO_CACHE=1` turns it off; the directory may be deleted at any time
  (docs/performance.md#parse-cache).
- Shell completion: `vcplan --install-completion` (bash, zsh, fish, PowerShell; open a new shell
  afterwards), or `vcplan --show-completion` to see the script for the shell it runs in. It
  completes commands and options, and the VM addresses of `--target` from the configuration in
  the current directory:

  ```console
  $ cd examples/quickstart && vcplan plan --target DC0/qs<TAB>
  DC0/qs-db     DC0/qs-web-1  DC0/qs-web-2
  ```
"""


def _help(command: Any, path: list[str], parent: typer.Context | None) -> str:
    ctx = typer.Context(
        command,
        info_name=path[-1],
        parent=parent,
        terminal_width=WIDTH,
        max_content_width=WIDTH,
        help_option_names=["-h", "--help"],
    )
    return command.get_help(ctx)


def render() -> str:
    root = typer.main.get_command(app)
    root_ctx = typer.Context(root, info_name="vcplan", terminal_width=WIDTH)
    parts = [HEADER, "## vcplan\n", "```text", _help(root, ["vcplan"], None), "```\n"]
    commands: dict[str, Any] = getattr(root, "commands", {})  # typer's group of commands
    for name, command in commands.items():
        parts += [f"## vcplan {name}\n", "```text", _help(command, [name], root_ctx), "```\n"]
    return "\n".join(parts)


if __name__ == "__main__":
    print(render(), end="")
