"""vSphere tags for one run: the REST session (providers/vsphere/tags.py) opened on first use,
the catalog of categories and tags read once and kept current as apply creates them, every VM's
tags read in bulk, and the per-VM writes (docs/language.md#tags).

A run reads tags only when it needs them (a configuration with `tags` or `tag_category`,
`inventory`, `generate`): see docs/performance.md#tags-and-extra_config for what the read costs.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from planner.apply.provider import Handle, OperationRefused, Outcome, SessionExpired
from planner.config.endpoint import Endpoint
from planner.model import LiveTagCategory
from planner.model.diagnostics import error
from planner.model.plan import TagCategoryChange
from providers.vsphere.pool_lock import InterruptSafeLock
from providers.vsphere.tags import Catalog, Category, Tag, TagClient


def _done(note: str = "") -> Handle:
    return Handle(outcome=Outcome(ok=True, note=note))


class TagOps:
    def __init__(self, endpoint: Endpoint):
        self._endpoint = endpoint
        self._client: TagClient | None = None
        self._categories: dict[str, Category] = {}
        self._tags: dict[str, Tag] = {}
        self._loaded = False
        self._lock = threading.Lock()
        # taken again by close() after an interrupt (providers/vsphere/pool_lock.py)
        self._session_lock = InterruptSafeLock()

    # --- reads ---------------------------------------------------------------------------

    def _session(self) -> TagClient:
        """The REST session, logged in on first use (again after `close`)."""
        with self._session_lock:
            if self._client is None:
                self._client = TagClient(self._endpoint, self._endpoint.timeout)
            return self._client

    def _catalog(self) -> Catalog:
        with self._lock:
            if not self._loaded:
                catalog = self._session().catalog()
                self._categories = dict(catalog.categories)
                self._tags = dict(catalog.tags)
                self._loaded = True
            return Catalog(dict(self._categories), dict(self._tags))

    def live_categories(self) -> dict[str, LiveTagCategory]:
        """Every category by name, with its tags' names: what the plan checks names against."""
        catalog = self._read(self._catalog)
        names: dict[str, set[str]] = {c.id: set() for c in catalog.categories.values()}
        for tag in catalog.tags.values():
            names.setdefault(tag.category_id, set()).add(tag.name)
        return {
            c.name: LiveTagCategory(
                c.name, c.cardinality.lower(), frozenset(names[c.id]), c.description
            )
            for c in catalog.categories.values()
        }

    def tags_of(self, morefs: Iterable[str]) -> dict[str, dict[str, tuple[str, ...]]]:
        """moref -> {category: sorted tag names}, in pages of list-attached-tags-on-objects.
        Failures are the provider's (SessionExpired, OperationRefused), for the executor's
        re-check to handle; the CLI's inventory read is `inventory_tags`."""
        catalog = self._catalog()
        attached = self._session().attached(morefs)
        return {
            moref: {k: tuple(v) for k, v in catalog.by_category(ids).items()}
            for moref, ids in attached.items()
        }

    def inventory_tags(self, morefs: Iterable[str]) -> dict[str, dict[str, tuple[str, ...]]]:
        """`tags_of` for the CLI's inventory read: a failure is one line with a hint."""
        result: dict[str, dict[str, tuple[str, ...]]] = self._read(lambda: self.tags_of(morefs))
        return result

    @staticmethod
    def _read(fetch: Any) -> Any:
        """A failed read is one line naming the tagging API, not an internal error."""
        try:
            return fetch()
        except (OperationRefused, SessionExpired) as exc:
            raise error(
                f"cannot read vSphere tags: {exc}",
                hint="the configuration names tags; vCenter's REST API (/rest) must be reachable",
            ) from None

    # --- writes --------------------------------------------------------------------------

    def create_category(self, change: TagCategoryChange) -> Handle:
        """The category when missing, then its missing tags; what exists is left as it is."""
        catalog = self._catalog()
        client = self._session()
        category = catalog.category_named(change.name)
        created: list[str] = []
        if category is None:
            cid = client.create_category(
                change.name,
                change.cardinality.upper(),
                change.description,
                change.associable_types,
            )
            category = Category(cid, change.name, change.cardinality.upper(), change.description)
            with self._lock:
                self._categories[cid] = category
            created.append("the category")
        for name in change.tags:
            if catalog.tag_named(change.name, name) is None:
                tid = client.create_tag(category.id, name)
                with self._lock:
                    self._tags[tid] = Tag(tid, name, category.id)
                created.append(name)
        return _done(", ".join(created) if created else "already there")

    def set_tags(
        self,
        moref: str,
        wanted: Mapping[str, Sequence[str]],
        live: Mapping[str, Sequence[str]] | None = None,
    ) -> Handle:
        """In each category of `wanted`, exactly its tags: the others of the category detached
        first (so a "single" category's old tag is gone before the new one comes), then the
        missing ones attached. Categories not named are left alone. `live` is the VM's tags as
        the executor's re-check read them; without it (or naming a tag the catalog does not
        know) the VM's tags are read here."""
        catalog = self._catalog()
        client = self._session()
        current = _tag_ids(catalog, live) if live is not None else None
        if current is None:
            current = set(client.attached([moref]).get(moref, []))
        detach: list[str] = []
        attach: list[str] = []
        for category_name, names in wanted.items():
            category = catalog.category_named(category_name)
            if category is None:
                raise OperationRefused(f'tag category "{category_name}" does not exist')
            ids = []
            for name in names:
                tag = catalog.tag_named(category_name, name)
                if tag is None:
                    raise OperationRefused(f'tag "{name}" does not exist in "{category_name}"')
                ids.append(tag.id)
            mine = {t for t in current if catalog.tags.get(t, _NONE).category_id == category.id}
            detach.extend(sorted(mine - set(ids)))
            attach.extend(i for i in ids if i not in current)
        client.detach(moref, detach)
        client.attach(moref, attach)
        return _done()

    def close(self) -> None:
        """Log out; the next call logs in again (after a relogin, see
        docs/apply.md#failures-ctrl-c-and-expired-sessions). A call still in flight on the old
        client ends in SessionExpired and is retried."""
        with self._session_lock:
            client, self._client = self._client, None
        if client is not None:
            client.close()


_NONE = Tag("", "", "")


def _tag_ids(catalog: Catalog, tags: Mapping[str, Sequence[str]]) -> set[str] | None:
    """The ids of tags given by {category: names}; None when one is not in the catalog (made
    outside vcplan since the catalog was read)."""
    ids = set()
    for category, names in tags.items():
        for name in names:
            tag = catalog.tag_named(category, name)
            if tag is None:
                return None
            ids.add(tag.id)
    return ids
