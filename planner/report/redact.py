"""Secrets never leave through output: a source line shown under a diagnostic has its password
values replaced by `***` (docs/security.md#secrets)."""

from __future__ import annotations

import re

MASK = "***"

# `password = "..."` (and the like) as an HCL attribute or object key.
_SECRET_ATTRIBUTE = re.compile(
    r"""(?ix) ^ \s* ["']? (?:password|passwd|pwd|secret|token|api_key) ["']? """
    r"""\s* [=:] \s* (.+?) \s* ,? \s* $"""
)
# The password of a URL's user information: scheme://user:PASSWORD@host
_URL_PASSWORD = re.compile(r"""[A-Za-z][A-Za-z0-9+.-]*://[^\s/@:"']*:([^\s"']*)@""")


def secrets_in(line: str) -> list[str]:
    """The secret values written on one source line (quoted forms without their quotes too)."""
    found: list[str] = []
    attribute = _SECRET_ATTRIBUTE.match(line)
    if attribute:
        value = attribute.group(1)
        found.append(value)
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            found.append(value[1:-1])
    found.extend(m.group(1) for m in _URL_PASSWORD.finditer(line))
    return sorted({s for s in found if s}, key=len, reverse=True)


def redact(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, MASK)
    return text


def encoded_forms(secret: str) -> list[str]:
    """A secret as it may be written out: plain, URL-encoded, JSON-escaped (longest first)."""
    import json
    from urllib.parse import quote, quote_plus

    if len(secret) < 4:  # too short to tell from ordinary text; never printed by vcplan itself
        return []
    forms = {secret, quote(secret, safe=""), quote_plus(secret), json.dumps(secret)[1:-1]}
    return sorted(forms, key=len, reverse=True)


def redact_message(text: str, known: list[str]) -> str:
    """A message with the known secrets and any URL password in it masked: an error may quote a
    value from a file (a plan file's field), and that value may be the password."""
    return redact(text, sorted({*known, *secrets_in(text)}, key=len, reverse=True))
