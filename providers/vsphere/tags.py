"""vSphere tags through the vSphere Automation REST API (`/rest/com/vmware/cis/...`), which
vCenter serves next to the SOAP API (docs/simulator.md#vsphere-automation-rest-api-tags).

VMware's own Python SDK is not used: httpx over the same credentials, with TLS verified by the
same context as the SOAP session (providers/vsphere/session.py). Reads are in bulk: categories and
tags once per client, every VM's tags with `list-attached-tags-on-objects` in pages, never a call
per VM; writes are one attach-multiple and one detach-multiple per VM.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from planner.apply.provider import OperationRefused, SessionExpired
from planner.config.endpoint import Endpoint
from providers.vsphere.session import ssl_context

if TYPE_CHECKING:
    import httpx  # imported by the first client: a plan that names no tags never loads it

BASE = "/rest/com/vmware/cis"
PAGE = 1000  # VMs per list-attached-tags-on-objects call
DEFAULT_TIMEOUT_S = 60.0


@dataclass(frozen=True, slots=True)
class Category:
    id: str
    name: str
    cardinality: str  # "SINGLE" | "MULTIPLE", as vCenter spells it
    description: str = ""


@dataclass(frozen=True, slots=True)
class Tag:
    id: str
    name: str
    category_id: str


@dataclass(frozen=True, slots=True)
class Catalog:
    """Every category and tag of the vCenter, read once."""

    categories: Mapping[str, Category]  # by id
    tags: Mapping[str, Tag]  # by id

    def category_named(self, name: str) -> Category | None:
        return next((c for c in self.categories.values() if c.name == name), None)

    def tag_named(self, category: str, name: str) -> Tag | None:
        owner = self.category_named(category)
        if owner is None:
            return None
        return next(
            (t for t in self.tags.values() if t.category_id == owner.id and t.name == name), None
        )

    def by_category(self, tag_ids: Iterable[str]) -> dict[str, list[str]]:
        """Tag ids as {category name: sorted tag names}, the configuration's shape."""
        out: dict[str, list[str]] = {}
        for tag_id in tag_ids:
            tag = self.tags.get(tag_id)
            category = self.categories.get(tag.category_id) if tag else None
            if tag is not None and category is not None:
                out.setdefault(category.name, []).append(tag.name)
        return {k: sorted(v) for k, v in out.items()}


def _vm(moref: str) -> dict[str, str]:
    return {"type": "VirtualMachine", "id": moref}


class TagClient:
    """One REST session. Every failure is an OperationRefused with vCenter's own words, but
    an ended session (vCenter restarted, the session timed out, or `close` ran under a call in
    flight) is SessionExpired: log in again, with a new client."""

    def __init__(self, endpoint: Endpoint, timeout: float = DEFAULT_TIMEOUT_S):
        import httpx

        self._http = httpx.Client(
            base_url=f"https://{endpoint.host}:{endpoint.port}",
            verify=ssl_context(endpoint),
            timeout=timeout,
        )
        response = self._send("POST", "/session", auth=(endpoint.user, endpoint.password))
        self._http.headers["vmware-api-session-id"] = response["value"]

    def close(self) -> None:
        import httpx

        try:
            self._http.delete(f"{BASE}/session")
        except httpx.HTTPError:
            pass  # logging out of a dead session must not hide the real outcome
        finally:
            self._http.close()

    def __enter__(self) -> TagClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _send(self, method: str, path: str, **kwargs: Any) -> Any:
        import httpx

        try:
            response = self._http.request(method, BASE + path, **kwargs)
        except (httpx.HTTPError, RuntimeError) as exc:  # RuntimeError: httpx's closed client
            if self._http.is_closed:  # closed by a relogin (TagOps.close) under this call
                raise SessionExpired("the tagging session was closed") from None
            if isinstance(exc, httpx.TimeoutException):
                raise OperationRefused(
                    f"vCenter did not answer {path} within {self._http.timeout.read} s"
                ) from None
            if isinstance(exc, RuntimeError):
                raise
            raise OperationRefused(f"tagging API {path}: {exc}") from None
        if response.status_code >= 400:
            fault = _fault(response)
            logged_in = "vmware-api-session-id" in self._http.headers
            if logged_in and (response.status_code == 401 or fault.startswith("unauthenticated")):
                raise SessionExpired(f"the tagging session is no longer valid: {fault}")
            raise OperationRefused(f"tagging API {path}: {fault}")
        return response.json() if response.content else None

    # --- reads -------------------------------------------------------------------------------

    def catalog(self) -> Catalog:
        categories = {}
        for cid in self._send("GET", "/tagging/category")["value"]:
            value = self._send("GET", f"/tagging/category/id:{cid}")["value"]
            categories[cid] = Category(
                cid, value["name"], value["cardinality"], value.get("description") or ""
            )
        tags = {}
        for tid in self._send("GET", "/tagging/tag")["value"]:
            value = self._send("GET", f"/tagging/tag/id:{tid}")["value"]
            tags[tid] = Tag(tid, value["name"], value["category_id"])
        return Catalog(categories, tags)

    def attached(self, morefs: Iterable[str]) -> dict[str, list[str]]:
        """moref -> the ids of its tags, for every VM given, in pages of PAGE VMs."""
        wanted = list(morefs)
        out: dict[str, list[str]] = {m: [] for m in wanted}
        for start in range(0, len(wanted), PAGE):
            body = {"object_ids": [_vm(m) for m in wanted[start : start + PAGE]]}
            answer = self._send(
                "POST",
                "/tagging/tag-association?~action=list-attached-tags-on-objects",
                json=body,
            )
            for item in answer["value"]:
                out.setdefault(item["object_id"]["id"], []).extend(item["tag_ids"])
        return out

    # --- writes ------------------------------------------------------------------------------

    def create_category(
        self,
        name: str,
        cardinality: str,
        description: str = "created by vcplan",
        types: Sequence[str] = ("VirtualMachine",),
    ) -> str:
        """A category; `cardinality` as vCenter spells it ("SINGLE" | "MULTIPLE")."""
        spec = {
            "name": name,
            "description": description,
            "cardinality": cardinality,
            "associable_types": list(types),
        }
        answer = self._send("POST", "/tagging/category", json={"create_spec": spec})
        return str(answer["value"])

    def create_tag(self, category_id: str, name: str) -> str:
        spec = {"name": name, "description": "created by vcplan", "category_id": category_id}
        return str(self._send("POST", "/tagging/tag", json={"create_spec": spec})["value"])

    def attach_to_objects(self, tag_id: str, morefs: Iterable[str]) -> None:
        """One tag onto many VMs in one call (attach-tag-to-multiple-objects)."""
        body = {"object_ids": [_vm(m) for m in morefs]}
        answer = self._send(
            "POST",
            f"/tagging/tag-association/id:{tag_id}?~action=attach-tag-to-multiple-objects",
            json=body,
        )
        result = (answer or {}).get("value") or {}
        if result.get("success") is False:
            raise OperationRefused(f"attach-tag-to-multiple-objects: {_messages(result)}")

    def attach(self, moref: str, tag_ids: Iterable[str]) -> None:
        self._bulk("attach-multiple-tags-to-object", moref, tag_ids)

    def detach(self, moref: str, tag_ids: Iterable[str]) -> None:
        self._bulk("detach-multiple-tags-from-object", moref, tag_ids)

    def _bulk(self, action: str, moref: str, tag_ids: Iterable[str]) -> None:
        ids = list(tag_ids)
        if not ids:
            return
        answer = self._send(
            "POST",
            f"/tagging/tag-association?~action={action}",
            json={"object_id": _vm(moref), "tag_ids": ids},
        )
        result = (answer or {}).get("value") or {}
        if result.get("success") is False:
            raise OperationRefused(f"{action} on {moref}: {_messages(result)}")


def _messages(result: Mapping[str, Any]) -> str:
    messages = result.get("error_messages") or []
    texts = [m.get("default_message") or m.get("id", "") for m in messages]
    return "; ".join(t for t in texts if t) or "refused"


def _fault(response: httpx.Response) -> str:
    """vCenter's error type and message, e.g. `not_found: ...`; never the request's headers."""
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    value = body.get("value", body) if isinstance(body, dict) else {}
    kind = str(body.get("type", "") if isinstance(body, dict) else "").rsplit(".", 1)[-1]
    texts = [m.get("default_message", "") for m in (value.get("messages") or [])]
    return f"{kind or 'HTTP ' + str(response.status_code)}: {'; '.join(texts)}".rstrip(": ")
