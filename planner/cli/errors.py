"""Every command's last line of defence: one-line errors instead of tracebacks, and exit codes.

Usage errors exit 1, because 2 means "changes to make" with --detailed-exitcode.
"""

from __future__ import annotations

import os
import sys

import typer

from planner.model.diagnostics import Diagnostic, DiagnosticError
from planner.report.diagnostics import render_diagnostic
from planner.report.redact import encoded_forms, redact_message

_typed: list[str] = []  # passwords typed at the prompt in this run


def remember_secret(value: str) -> None:
    """A password this run was given other than by VCPLAN_PASSWORD (the prompt): masked too."""
    if value and value not in _typed:
        _typed.append(value)


def _known_secrets() -> list[str]:
    """The passwords this run was given (VCPLAN_PASSWORD, the prompt), in the forms they could
    be printed."""
    known = encoded_forms(os.environ.get("VCPLAN_PASSWORD", ""))
    for value in _typed:
        known += encoded_forms(value)
    return sorted(known, key=len, reverse=True)  # a longer secret before one it contains


def masked(exc: DiagnosticError) -> DiagnosticError:
    """The same diagnostics with the password masked wherever a message quotes it
    (docs/security.md#secrets)."""
    known = _known_secrets()

    def clean(text: str | None) -> str | None:
        return None if text is None else redact_message(text, known)

    return DiagnosticError(
        Diagnostic(clean(d.message) or "", d.pos, clean(d.hint)) for d in exc.diagnostics
    )


def print_diagnostics(exc: DiagnosticError) -> None:
    for diag in masked(exc).diagnostics:
        print(render_diagnostic(diag), file=sys.stderr)


def run_guarded(app: typer.Typer, args: list[str] | None = None) -> int:
    """Run the app; turn every expected failure into a clear message and exit code 1.

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
        detail = redact_message(f"{type(exc).__name__}: {exc}", _known_secrets())
        print(
            f"error: internal error ({detail}); rerun with VCPLAN_DEBUG=1 and report it",
            file=sys.stderr,
        )
        return 1
    return int(result) if isinstance(result, int) else 0
