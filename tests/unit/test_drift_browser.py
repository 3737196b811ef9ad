"""The HTML drift report in a real browser: headless Chromium renders the findings, fetches
nothing and runs no script. Skipped, saying why, where Chromium is not installed (`make test`
installs Debian's `chromium`).

`python -m tests.unit.test_drift_browser docs/img/drift-report.png` remakes the screenshot in
docs/drift.md from the same report.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from planner.drift.attribution import VCenterEvent, attribute_report
from planner.drift.findings import DriftReport, compute_drift
from planner.model import Container, DesiredConfig, Pos, Power
from planner.report.drift import render_html
from tests.builders import desired_vm, inventory, live_vm

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--enable-logging=stderr",
]

needs_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason="chromium is not installed (make chromium, or apt-get install chromium)",
)


def example_report() -> DriftReport:
    cluster = Container("DC0", "C0", None, Pos("main.hcl", 5, 3))
    config = DesiredConfig(
        "prod-web",
        (
            desired_vm(name="web-1", cluster="C0", cpus=2, power=Power.ON),
            desired_vm(name="web-2", cluster="C0", memory_mb=4096),
            desired_vm(name="db-1", cluster="C0", memory_mb=8192),
        ),
        (cluster,),
    )
    live = inventory(
        live_vm(name="web-1", cluster="C0", cpus=4, power=Power.OFF, workspace="prod-web"),
        live_vm(name="web-2", cluster="C0", moref="vm-2", workspace="prod-web"),
        live_vm(name="scratch", cluster="C0", moref="vm-3", workspace=None),
    )
    events = [
        VCenterEvent(
            "VmReconfiguredEvent",
            "vm-1",
            "web-1",
            "DC0",
            NOW - timedelta(hours=2),
            "alice@vsphere.local",
            "Reconfigured web-1 on esx-07 in DC0",
            spec_fields=frozenset({"numCPUs"}),
        ),
        VCenterEvent(
            "VmPoweredOffEvent",
            "vm-1",
            "web-1",
            "DC0",
            NOW - timedelta(minutes=40),
            "bob@vsphere.local",
            "web-1 on esx-07 in DC0 is powered off",
        ),
        VCenterEvent(
            "VmRemovedEvent",
            "vm-9",
            "db-1",
            "DC0",
            NOW - timedelta(days=1),
            "carol@vsphere.local",
            "Removed db-1 on esx-02 from DC0",
        ),
    ]
    report = compute_drift(config, live, url="vpx://vc.example.com", created_at=NOW.isoformat())
    return attribute_report(report, events, NOW, timedelta(days=7))


def chromium(*args: str, profile: Path) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    return subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("html") / "drift.html"
    path.write_text(render_html(example_report()), encoding="utf-8")
    return path


def test_the_report_references_nothing_outside_itself(page):
    html = page.read_text()
    assert not re.search(r"""(src|href|action)\s*=|url\(|@import|<script|<link|<iframe""", html)


@needs_chromium
def test_chromium_renders_every_finding_with_who_changed_it(page, tmp_path):
    result = chromium("--dump-dom", page.as_uri(), profile=tmp_path / "profile")
    assert result.returncode == 0, result.stderr[-2000:]
    dom = result.stdout
    for text in ("web-1", "web-2", "db-1", "scratch", "Drifted", "Missing", "Unmanaged"):
        assert text in dom
    assert "cpus: expected 2, actual 4; changed by alice@vsphere.local 2 h ago" in dom
    assert "changed by carol@vsphere.local 1 d ago (Removed db-1" in dom


@needs_chromium
def test_chromium_reports_no_script_and_no_script_error(page, tmp_path):
    result = chromium("--dump-dom", page.as_uri(), profile=tmp_path / "profile")
    assert "<script" not in result.stdout
    assert "Uncaught" not in result.stderr
    assert "CONSOLE" not in result.stderr


@needs_chromium
def test_chromium_takes_a_screenshot_of_the_report(page, tmp_path):
    shot = tmp_path / "drift.png"
    result = chromium(
        f"--screenshot={shot}", "--window-size=1000,820", page.as_uri(), profile=tmp_path / "p"
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert shot.read_bytes().startswith(b"\x89PNG")


if __name__ == "__main__":
    import tempfile

    out = Path(sys.argv[1]).resolve()
    with tempfile.TemporaryDirectory() as tmp:
        html = Path(tmp) / "drift.html"
        html.write_text(render_html(example_report()), encoding="utf-8")
        done = chromium(
            f"--screenshot={out}", "--window-size=1000,820", html.as_uri(), profile=Path(tmp) / "p"
        )
        print(done.returncode, out)
