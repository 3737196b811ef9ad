"""The workspace lock in vCenter (docs/security.md#locking): two applies at once never both act,
and the lock leaves nothing behind."""

from __future__ import annotations

import subprocess
import textwrap
import time
from pathlib import Path
from typing import Any

from tests.support.apply import SMALL
from tests.support.cli import VCPLAN, cli_env
from tests.support.vcenter import open_si, vm_records

CONFIG = """
vcplan {
  workspace = "locked"
}

datacenter "DC0" {
  cluster "DC0_C0" {
    vm "web-1" {
      cpus      = 1
      memory_mb = 64
    }
    vm "web-2" {
      cpus      = 1
      memory_mb = 64
    }
  }
}
"""


def _start_apply(sim: Any, directory: Path) -> subprocess.Popen[str]:
    env = cli_env()
    env.update(sim.env())
    return subprocess.Popen(
        [str(VCPLAN), "apply", str(directory), "--auto-approve"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _lock_folders(si: Any) -> list[str]:
    content = si.RetrieveContent()
    locks = content.searchIndex.FindChild(content.rootFolder, "vcplan-locks")
    return [] if locks is None else [f.name for f in locks.childEntity]


def test_two_applies_at_once_one_applies_the_other_names_the_holder(make_vcsim, tmp_path):
    # creates slow enough that the second apply surely asks for the lock while the first holds it
    sim = make_vcsim(*SMALL, "-method-delay", "CreateVM_Task=10000")
    (tmp_path / "main.hcl").write_text(textwrap.dedent(CONFIG))
    first = _start_apply(sim, tmp_path)
    with open_si(sim) as si:  # the second starts once the first holds the lock
        for _ in range(300):
            if _lock_folders(si) or first.poll() is not None:
                break
            time.sleep(0.1)
    second = _start_apply(sim, tmp_path)
    results = [(p.wait(timeout=120), *p.communicate()) for p in (first, second)]
    codes = sorted(code for code, _, _ in results)
    assert codes == [0, 1], results
    refused = next(err for code, _, err in results if code == 1)
    assert "workspace 'locked' is locked by " in refused
    assert "--force-unlock " in refused and "nothing was changed" in refused
    with open_si(sim) as si:
        names = [r["name"] for r in vm_records(si)]
        assert names.count("web-1") == 1 and names.count("web-2") == 1
        assert _lock_folders(si) == []


def test_the_lock_is_released_after_a_failed_apply(make_vcsim, tmp_path, run_cli):
    sim = make_vcsim(*SMALL)
    bad = CONFIG.replace(
        "memory_mb = 64\n    }\n    vm",
        'memory_mb = 64\n      datastore = "nope"\n    }\n    vm',
        1,
    )
    (tmp_path / "main.hcl").write_text(textwrap.dedent(bad))
    result = run_cli("apply", str(tmp_path), "--auto-approve", env=sim.env())
    assert result.code == 1, result.output
    with open_si(sim) as si:
        assert _lock_folders(si) == []


def test_force_unlock_takes_over_the_lock_of_a_dead_apply(make_vcsim, tmp_path, run_cli):
    from planner.config.endpoint import resolve_endpoint
    from providers.vsphere.lock import WorkspaceLock
    from providers.vsphere.session import Session

    sim = make_vcsim(*SMALL)
    (tmp_path / "main.hcl").write_text(textwrap.dedent(CONFIG))
    dead = WorkspaceLock(
        Session(resolve_endpoint(None, None, False, None, sim.env(), None)), "locked", "test"
    )
    dead.acquire()
    dead._stop.set()  # the holder died: nothing renews or releases its lock
    refused = run_cli("apply", str(tmp_path), "--auto-approve", env=sim.env())
    assert refused.code == 1 and f"--force-unlock {dead.holder.id}" in refused.stderr
    taken = run_cli(
        "apply", str(tmp_path), "--auto-approve", "--force-unlock", dead.holder.id, env=sim.env()
    )
    assert taken.code == 0, taken.output
    with open_si(sim) as si:
        assert _lock_folders(si) == []
