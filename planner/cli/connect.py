"""Opening vCenter for a command: the endpoint from flags, environment and configuration, a login,
and a logout at exit. The CLI is the composition root: the only place that imports providers.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from planner.cli.errors import remember_secret
from planner.config.endpoint import Endpoint, resolve_endpoint
from planner.model import VCenterSettings

if TYPE_CHECKING:
    from providers.vsphere.provider import VSphereProvider


def _prompt_password(label: str) -> str:
    """Ask on the terminal; the answer is masked in every error, like VCPLAN_PASSWORD."""
    password = str(typer.prompt(label, hide_input=True, err=True))
    remember_secret(password)
    return password


@contextmanager
def open_provider(
    url: str | None,
    ca_file: Path | None,
    insecure: bool,
    vcenter: VCenterSettings | None = None,
    timeout: float | None = None,
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
        timeout,
    )
    warn_if_insecure(endpoint)
    provider = VSphereProvider(endpoint)
    try:
        yield provider
    finally:
        provider.close()


def warn_if_insecure(endpoint: Endpoint) -> None:
    if endpoint.insecure:
        print(
            f"warning: TLS certificate verification is off for {endpoint.host}:{endpoint.port} "
            "(--insecure); anyone on the path can read the credentials",
            file=sys.stderr,
        )
