"""Checks made in vCenter right before a step acts, whatever the plan says: the plan was made
earlier, and another tool (or a person) may have changed vCenter since (docs/security.md)."""

from __future__ import annotations

from typing import Any

from planner.apply.provider import OperationRefused


def refuse_if_name_taken(session: Any, folder: Any, name: str) -> None:
    """A create must not make a second VM of a name that appeared after the plan was made
    (vCenter allows two VMs of one name in different folders, and a clone's own DuplicateName
    check is per folder and racy)."""
    found = session.content.searchIndex.FindChild(folder, name)
    if found is not None:
        raise OperationRefused(
            f"a VM or folder named {name!r} appeared in the target folder since the plan was "
            f"made ({found._moId}); nothing was created. Run plan again"
        )
