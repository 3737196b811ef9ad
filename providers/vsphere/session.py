"""A logged-in vSphere API session: verified TLS, clear one-line errors, logout at exit.

pyVmomi's SmartConnect does not verify certificates unless given an SSL context, so we always
build one: the system store plus --ca-file, or (with --insecure only) no verification at all.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
from types import TracebackType
from typing import Any

from pyVim.connect import Disconnect, SmartConnect
from pyVmomi import vim, vmodl

from planner.config.endpoint import Endpoint
from planner.model.diagnostics import error
from providers.vsphere.pool_lock import guard_pool_lock


def ssl_context(endpoint: Endpoint) -> ssl.SSLContext:
    if endpoint.insecure:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        return ctx
    ctx = ssl.create_default_context()
    if endpoint.ca_file:
        try:
            ctx.load_verify_locations(cafile=endpoint.ca_file)
        except (OSError, ssl.SSLError) as exc:
            raise error(
                f"cannot read CA file {endpoint.ca_file}: {getattr(exc, 'strerror', None) or exc}",
                hint="pass a PEM bundle with --ca-file or VCPLAN_CA_FILE",
            ) from None
    return ctx


def _where(endpoint: Endpoint) -> str:
    return f"{endpoint.host}:{endpoint.port}"


def _login(endpoint: Endpoint) -> Any:
    """Log in and return the ServiceInstance, translating every expected failure to one line.

    pyVmomi's version discovery opens its connection without a timeout, so an endpoint that
    accepts TCP and never answers would hang it forever: the process-wide socket default bounds
    every read and connect (docs/connecting.md#timeouts); later calls get the same bound through
    httpConnectionTimeout."""
    context = ssl_context(endpoint)  # a bad CA file is its own error, before connecting
    socket.setdefaulttimeout(endpoint.timeout)
    try:
        si = SmartConnect(
            host=endpoint.host,
            port=endpoint.port,
            user=endpoint.user,
            pwd=endpoint.password,
            sslContext=context,
            httpConnectionTimeout=endpoint.timeout,
        )
    except TimeoutError:
        raise error(
            f"vCenter did not answer within {endpoint.timeout:g} s ({_where(endpoint)})",
            hint="check that the URL names a vCenter and that it is up; --timeout or "
            "VCPLAN_TIMEOUT allow longer",
        ) from None
    except vim.fault.InvalidLogin:
        raise error(
            f"login refused by {_where(endpoint)} for user {endpoint.user!r}",
            hint="check the user name and VCPLAN_PASSWORD",
        ) from None
    except ssl.SSLCertVerificationError as exc:
        raise error(
            f"the TLS certificate of {_where(endpoint)} is not trusted ({exc.verify_message})",
            hint="pass its CA with --ca-file (or VCPLAN_CA_FILE); --insecure turns checks off",
        ) from None
    except ssl.SSLError as exc:
        raise error(
            f"TLS handshake with {_where(endpoint)} failed ({exc.reason or exc})",
            hint="check that the port serves the vSphere API over https",
        ) from None
    except socket.gaierror:
        raise error(
            f"cannot resolve host {endpoint.host!r}", hint="check the host name in the URL"
        ) from None
    except (ConnectionError, OSError) as exc:
        reason = exc.strerror or type(exc).__name__
        raise error(
            f"cannot reach {_where(endpoint)} ({reason})",
            hint="check the host and port in the URL and that vCenter is up",
        ) from None
    except vmodl.MethodFault as exc:
        raise error(f"{_where(endpoint)} refused the login: {getattr(exc, 'msg', exc)}") from None
    except Exception as exc:  # e.g. not a vSphere endpoint at all
        raise error(
            f"{_where(endpoint)} does not answer as a vSphere API endpoint ({type(exc).__name__})",
            hint="check the URL: vpx://vcenter, esx://host or https://host/sdk",
        ) from None
    return guard_pool_lock(si)


class Session:
    """One logged-in session. `relogin` replaces an expired session once; `close` logs out."""

    def __init__(self, endpoint: Endpoint):
        self.endpoint = endpoint
        self.si: Any = _login(endpoint)
        self.content: Any = self.si.RetrieveContent()

    @property
    def is_esx(self) -> bool:
        return bool(self.content.about.apiType == "HostAgent")

    def relogin(self) -> None:
        self.si = _login(self.endpoint)
        self.content = self.si.RetrieveContent()

    def close(self) -> None:
        # Logging out of a dead session must not hide the real outcome.
        with contextlib.suppress(Exception):
            Disconnect(self.si)

    def __enter__(self) -> Session:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
