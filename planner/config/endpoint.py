"""Where to connect and how (docs/connecting.md): URL forms, where URL/user/password/CA come from.

Pure: takes the flags, the environment and the config's vcenter block, returns an Endpoint or
raises a DiagnosticError saying what to fix. The password itself is never part of an Endpoint's
printable fields.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from planner.model import Scope, VCenterSettings
from planner.model.diagnostics import Diagnostic, DiagnosticError, error

DEFAULT_PORT = 443
DEFAULT_TIMEOUT_S = 60.0
ESX_DATACENTER = "ha-datacenter"


@dataclass(frozen=True, slots=True)
class ParsedUrl:
    kind: str  # "vpx" (vCenter) or "esx" (standalone host)
    host: str
    port: int
    user: str | None
    scope: Scope
    has_password: bool = False


@dataclass(frozen=True, slots=True)
class Endpoint:
    """Everything needed to log in. `display_url` is safe to print and to store in a plan."""

    kind: str
    host: str
    port: int
    user: str
    scope: Scope
    ca_file: str | None
    insecure: bool
    password: str = field(repr=False)
    timeout: float = DEFAULT_TIMEOUT_S  # seconds vCenter may take to answer one request

    @property
    def display_url(self) -> str:
        port = "" if self.port == DEFAULT_PORT else f":{self.port}"
        path = "/".join(
            p for p in (self.scope.datacenter, self.scope.cluster, self.scope.host) if p
        )
        host = f"[{self.host}]" if ":" in self.host else self.host  # IPv6
        return f"{self.kind}://{host}{port}" + (f"/{path}" if path else "")


URL_FORMS = (
    "vpx://[user@]vcenter[:port][/datacenter[/cluster[/host]]], esx://host or https://host/sdk"
)


def parse_url(url: str) -> ParsedUrl:
    """Parse the three URL forms; a password in the URL is reported by the caller, not kept."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:  # an unbalanced [ or ] around an IPv6 address
        raise _ipv6_error(url) from None
    scheme = parts.scheme.lower()
    if scheme not in ("vpx", "esx", "https"):
        raise error(f"unsupported URL {_redact(url)!r}", hint=f"use {URL_FORMS}")
    if parts.query or parts.fragment or url.strip().endswith(("?", "#")):
        what = "a query (?...)" if parts.query or url.strip().endswith("?") else "a fragment (#...)"
        raise error(
            f"URL {_redact(url)!r} has {what}, which vcplan would ignore",
            hint=f"remove it; the URL forms are {URL_FORMS}",
        )
    try:
        port = DEFAULT_PORT if parts.port is None else parts.port
    except ValueError:
        port = 0
        bare = "[" not in parts.netloc  # with brackets the address is fine: the port is not
        if bare and parts.netloc.rpartition("@")[2].count(":") > 1:  # IPv6 without brackets
            raise _ipv6_error(url) from None
    if port == 0:
        raise error(f"invalid port in URL {_redact(url)!r}", hint="a port is 1 to 65535")
    if not parts.hostname:
        raise error(f"URL {_redact(url)!r} names no host", hint="e.g. vpx://vc.example.com")
    segments = [unquote(s) for s in parts.path.split("/") if s]
    if scheme == "https":
        if segments not in ([], ["sdk"]):
            raise error(f"an https URL must end in /sdk (got {_redact(url)!r})")
        segments = []
    if scheme == "esx" and segments:
        raise error(
            f"an esx:// URL takes no path (got {_redact(url)!r})",
            hint=f"a standalone host's one datacenter is {ESX_DATACENTER}",
        )
    if len(segments) > 3:
        raise error(f"URL path has more than datacenter/cluster/host: {_redact(url)!r}")
    scope = Scope(*(segments + [None] * (3 - len(segments))))  # type: ignore[arg-type]
    if scheme == "esx":
        scope = Scope(datacenter=ESX_DATACENTER)
    return ParsedUrl(
        kind="esx" if scheme == "esx" else "vpx",
        host=parts.hostname,
        port=port,
        user=unquote(parts.username) if parts.username else None,
        scope=scope,
        has_password=parts.password is not None,
    )


def _ipv6_error(url: str) -> DiagnosticError:
    return error(
        f"malformed URL {_redact(url)!r}: an IPv6 address goes inside [ and ]",
        hint="e.g. vpx://[fe80::1]/DC1 or https://[2001:db8::5]:443/sdk",
    )


def _redact(url: str) -> str:
    """The URL with any password replaced, so that even an error about it never shows it; works
    on a URL too malformed to parse. Only the authority (before the path's first /) can hold
    one: an @ in the path (vpx://vc/D@C) is a name."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        scheme, rest = "", url
    authority, slash, path = rest.partition("/")
    userinfo, at, host = authority.rpartition("@")
    if not at or ":" not in userinfo:
        return url
    return f"{scheme}{sep}{userinfo.split(':', 1)[0]}:***@{host}{slash}{path}"


def url_problem(url: str) -> Diagnostic | None:
    """Why a URL cannot be used (for a check at the configuration's file:line:col), or None."""
    try:
        parse_url(url)
    except DiagnosticError as exc:
        return exc.diagnostics[0]
    return None


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def resolve_endpoint(
    url: str | None,
    ca_file: str | None,
    insecure: bool,
    settings: VCenterSettings | None,
    env: Mapping[str, str],
    prompt_password: Callable[[str], str] | None,
    timeout: float | None = None,
) -> Endpoint:
    """The documented precedence (docs/connecting.md): flag, then environment, then the
    config's vcenter block."""
    settings = settings or VCenterSettings()
    where = f" ({settings.pos})" if settings.pos else ""
    chosen = url or env.get("VCPLAN_URL") or settings.url
    if not chosen:
        raise error(
            "no vCenter URL given",
            hint="pass --url vpx://vcenter, set VCPLAN_URL, or add vcenter { url = ... }",
        )
    source = "--url" if url else ("VCPLAN_URL" if env.get("VCPLAN_URL") else f"the config{where}")
    try:
        parsed = parse_url(chosen)
    except DiagnosticError as exc:
        first = exc.diagnostics[0]
        raise error(f"{first.message} (from {source})", hint=first.hint) from None
    if parsed.has_password:
        raise error(
            f"a password is not accepted in the URL (from {source})",
            hint="remove it from the URL and set VCPLAN_PASSWORD, or type it at the prompt",
        )
    user = parsed.user or env.get("VCPLAN_USER") or settings.user
    if not user:
        raise error(
            "no user name given",
            hint="put it in the URL (vpx://user@vcenter), set VCPLAN_USER, "
            "or vcenter { user = ... }",
        )
    password = env.get("VCPLAN_PASSWORD")
    if password is None:
        if prompt_password is None:
            raise error(
                "no password given and no terminal to ask for one",
                hint="set VCPLAN_PASSWORD",
            )
        password = prompt_password(f"Password for {user}@{parsed.host}")
    insecure_final = insecure or _truthy(env.get("VCPLAN_INSECURE")) or bool(settings.insecure)
    return Endpoint(
        kind=parsed.kind,
        host=parsed.host,
        port=parsed.port,
        user=user,
        scope=parsed.scope,
        ca_file=ca_file or env.get("VCPLAN_CA_FILE") or settings.ca_file,
        insecure=insecure_final,
        password=password,
        timeout=_timeout(timeout, env.get("VCPLAN_TIMEOUT")),
    )


def _timeout(flag: float | None, env: str | None) -> float:
    """--timeout, then VCPLAN_TIMEOUT, then 60 s: a positive number of seconds, at most a day."""
    if flag is not None:
        value, source = flag, "--timeout"
    elif env:
        source = "VCPLAN_TIMEOUT"
        try:
            value = float(env)
        except ValueError:
            raise error(
                f"VCPLAN_TIMEOUT={env!r} is not a number of seconds", hint="e.g. VCPLAN_TIMEOUT=60"
            ) from None
    else:
        return DEFAULT_TIMEOUT_S
    if not 0 < value <= 86400:
        raise error(f"{source} {value:g} is out of range", hint="give 1 to 86400 seconds")
    return value
