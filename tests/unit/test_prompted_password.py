"""A password typed at the prompt is masked in errors like VCPLAN_PASSWORD
(docs/security.md#secrets)."""

from __future__ import annotations

import pytest

from planner.cli import connect, errors
from planner.model.diagnostics import error


def test_a_password_typed_at_the_prompt_is_masked_in_an_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(errors, "_typed", [])
    monkeypatch.delenv("VCPLAN_PASSWORD", raising=False)
    monkeypatch.setattr(connect.typer, "prompt", lambda *a, **k: "typed-s3cret")
    assert connect._prompt_password("Password for u@vc") == "typed-s3cret"
    shown = errors.masked(error("login refused for password typed-s3cret", hint="typed-s3cret?"))
    text = f"{shown.diagnostics[0].message} {shown.diagnostics[0].hint}"
    assert "typed-s3cret" not in text
