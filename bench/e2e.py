"""Benchmark: the real `vcplan` processes, end to end (process start to exit), against the raw
wire fetch of the same RetrievePropertiesEx pages measured in the same run.

For each fleet size (1,000 / 5,000 / 10,000 VMs by default: 2 datacenters x 5 clusters x N/10)
a simulator is started (one at a time, stopped afterwards), the configuration is written by
`vcplan generate` and every 20th VM is edited to ask for one more CPU. Then, each timed with
its own peak RSS (os.wait4 on the child):

  wire       the VM pages' RetrievePropertiesEx (and Continue pages) POSTed with a session
             cookie, bytes read, nothing parsed: the floor
  plan       `vcplan plan DIR`            (goal issue 14: within 2x of wire at 10,000 VMs)
  inventory  `vcplan inventory --format json`  (goal: within 1.5x of wire at 5,000 VMs)
  validate   `vcplan validate DIR`        (start-up + reading the configuration; no vCenter)
  help       `vcplan --help`              (start-up only; goal: within 2x of `import typer`)

plan and validate run three ways (docs/performance.md#parse-cache), each run in that order:
  off        VCPLAN_NO_CACHE=1: every file parsed (the figure before the cache existed)
  cold       the cache directory emptied first: every file parsed, and its tree stored
  warm       the cache the cold run filled: the usual case, a configuration run again
The cache directory is one of the benchmark's own (XDG_CACHE_HOME), never ~/.cache.
plan (warm) and inventory also run with VCPLAN_NO_PIPELINE=1 ("serial": each VM page asked
for after the last one is parsed), interleaved, for the A/B of docs/performance.md#pipelined-pages.

vcplan has no per-stage timer of its own, so the split is by process: help ~ start-up,
validate - help ~ reading the configuration, inventory - help ~ reading vCenter + JSON.
Prints; asserts nothing. Only runs the console script: no planner module is imported here.

Run: .venv/bin/python bench/e2e.py [--sizes 1000 5000 10000] [--repeat 3] [--profile]
(`make bench`). --profile then times plan's stages one by one in one process and runs plan
(warm) and inventory once more under cProfile, at the largest size.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pyVim.connect import Disconnect, SmartConnect  # noqa: E402

from bench.fleet import start_fleet  # noqa: E402
from bench.wire import raw_fetch  # noqa: E402
from tests.vcsim import harness  # noqa: E402

VCPLAN = ROOT / ".venv" / "bin" / "vcplan"
PYTHON = ROOT / ".venv" / "bin" / "python"
CACHE_RUNS = ("plan off", "plan cold", "validate off", "validate cold")
PIPELINE_RUNS = ("plan serial", "inventory serial")
VM_CPUS = re.compile(r'(vm "[^"]*" \{\n\s*cpus\s*=\s*)(\d+)(\n\s*cores_per_socket\s*=\s*1\n)')


@dataclass(frozen=True)
class Run:
    seconds: float
    cpu_seconds: float  # the child's user + system time: steadier than wall on a shared box
    peak_rss_mb: float  # the child's own peak (VmHWM at its exit)
    returncode: int


# The child's own peak RSS, written at its exit. Not wait4's ru_maxrss: Linux carries the
# parent's peak into a vforked child's maxrss across exec, so every child would report at
# least this benchmark's own peak (the raw fetch holds a whole page: 85 MB at 10,000 VMs).
PEAK_RSS = """
import atexit, os, runpy, sys
def _peak():
    with open("/proc/self/status") as status, open(os.environ["E2E_PEAK_RSS"], "w") as out:
        out.write(next(l.split()[1] for l in status if l.startswith("VmHWM:")))
atexit.register(_peak)
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def run(cmd: list[str], env: dict[str, str], out: Path) -> Run:
    """Run one process to exit, stdout to a file (a 10,000-VM plan must not fill a pipe)."""
    peak_file = out.with_suffix(".peak")
    peak_file.unlink(missing_ok=True)
    if cmd[0] == str(VCPLAN):  # the console script, run by the same interpreter
        cmd = [str(PYTHON), "-c", PEAK_RSS, *cmd]
    with open(out, "wb") as stdout:
        start = time.perf_counter()
        proc = subprocess.Popen(
            cmd, stdout=stdout, stderr=subprocess.PIPE, env={**env, "E2E_PEAK_RSS": str(peak_file)}
        )
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        assert proc.stderr is not None
        err = proc.stderr.read().decode(errors="replace").strip()
        print(f"  ! {' '.join(cmd[1:3])} exited {proc.returncode}: {err[:300]}")
    if proc.stderr:
        proc.stderr.close()
    cpu = usage.ru_utime + usage.ru_stime
    peak_kb = int(peak_file.read_text()) if peak_file.exists() else usage.ru_maxrss
    return Run(elapsed, cpu, peak_kb / 1024, proc.returncode)


class WireClient:
    """A pyVmomi session of its own (not vcplan's) for the raw fetch, as bench/inventory.py."""

    def __init__(self, sim: harness.Simulator):
        ctx = ssl.create_default_context()
        if sim.certs:
            ctx.load_verify_locations(cafile=str(sim.certs.ca_file))
        self.si = SmartConnect(
            host=sim.host, port=sim.port, user=sim.user, pwd=sim.password, sslContext=ctx
        )

    def fetch(self) -> tuple[float, int]:
        return raw_fetch(self.si)

    def close(self) -> None:
        Disconnect(self.si)


def bump_every(directory: Path, every: int) -> int:
    """Every `every`-th VM block (files in name order) asks for one more CPU; returns how many."""
    index = bumped = 0
    for path in sorted(directory.glob("*.hcl")):
        text = path.read_text(encoding="utf-8")

        def bump(m: re.Match[str]) -> str:
            nonlocal index, bumped
            index += 1
            if (index - 1) % every:
                return m.group(0)
            bumped += 1
            return f"{m.group(1)}{int(m.group(2)) + 1}{m.group(3)}"

        path.write_text(VM_CPUS.sub(bump, text), encoding="utf-8")
    return bumped


def median(runs: list[Run]) -> Run:
    times = sorted(runs, key=lambda r: r.seconds)
    return times[len(times) // 2]


def startup(repeat: int, env: dict[str, str], tmp: Path) -> None:
    """`vcplan --help` against `python -c "import typer"` (start-up only; no simulator)."""
    out = tmp / "help.out"
    typer_runs = [run([str(PYTHON), "-c", "import typer"], env, out) for _ in range(repeat)]
    help_runs = [run([str(VCPLAN), "--help"], env, out) for _ in range(repeat)]
    t_typer, t_help = median(typer_runs).seconds, median(help_runs).seconds
    print(f"start-up: import typer {t_typer:.3f} s, vcplan --help {t_help:.3f} s")
    print(f"  --help / import typer = {t_help / t_typer:.1f}x   (goal: within 2x)")


# `vcplan plan`'s stages one after the other in one process, each timed (wall and CPU): what a
# plan is made of, which the whole-process figures cannot split. No overlap here, on purpose.
STAGES = """
import gc, json, os, sys, time
from pathlib import Path
marks = [("start", time.perf_counter(), time.process_time())]
def mark(name):
    marks.append((name, time.perf_counter(), time.process_time()))
import typer
mark("import typer")
from planner.cli.app import app
mark("import the CLI")
from providers.vsphere.provider import VSphereProvider
mark("import pyVmomi and the provider")
from planner.config import load_config
from planner.config.endpoint import resolve_endpoint
config = load_config(Path(sys.argv[1]))
mark("read the configuration")
endpoint = resolve_endpoint(None, None, False, config.vcenter, os.environ, None)
provider = VSphereProvider(endpoint)
mark("log in")
inventory = provider.read_inventory()
gc.freeze()
mark("read vCenter")
from planner.plan.diff import plan_changes
plan = plan_changes(config, inventory, provider.display_url)
mark("diff")
from planner.report.plan import render_text
with open(os.devnull, "w") as out:
    out.write(render_text(plan))
mark("render")
provider.close()
mark("log out")
del plan, inventory, config
gc.unfreeze()
mark("free what the run built")
json.dump(marks, sys.stderr)
"""


def stages(config: Path, env: dict[str, str]) -> None:
    proc = subprocess.run(
        [str(PYTHON), "-c", STAGES, str(config)], env=env, capture_output=True, text=True
    )
    if proc.returncode:
        print(f"  ! stages: {proc.stderr.strip()[-300:]}")
        return
    marks = json.loads(proc.stderr.strip().splitlines()[-1])
    print("\n  plan's stages in one process, in order (seconds: wall / CPU):")
    for (_, w0, c0), (name, w1, c1) in zip(marks, marks[1:], strict=False):
        print(f"  {name:<34} {w1 - w0:6.2f} / {c1 - c0:5.2f}")
    print(f"  {'total':<34} {marks[-1][1] - marks[0][1]:6.2f} / {marks[-1][2] - marks[0][2]:5.2f}")


def profiled(name: str, cmd: list[str], env: dict[str, str], tmp: Path) -> None:
    """One more run of the command under cProfile; its 25 largest own times."""
    import pstats

    out = tmp / f"{name}.prof"
    run([str(PYTHON), "-m", "cProfile", "-o", str(out), *cmd], env, tmp / f"{name}.out")
    print(f"\n  cProfile of `vcplan {' '.join(cmd[1:3])}` (sorted by own time):")
    pstats.Stats(str(out), stream=sys.stdout).sort_stats("tottime").print_stats(25)


def measure_size(
    vms: int, repeat: int, every: int, tmp: Path, keep: Path | None, profile: bool = False
) -> dict[str, Any]:
    opts = argparse.Namespace(datacenters=2, clusters=5, vms_per_cluster=vms // 10)
    workdir = tmp / f"fleet-{vms}"
    sim = start_fleet(opts, workdir)
    try:
        env = {**os.environ, **sim.env()}
        config = workdir / "config"
        gen = run([str(VCPLAN), "generate", "-w", "bench", "-o", str(config)], env, tmp / "gen")
        bumped = bump_every(config, every)
        size = sum(p.stat().st_size for p in config.glob("*.hcl"))
        if keep:
            shutil.copytree(config, keep / f"config-{vms}", dirs_exist_ok=True)
        print(
            f"  generate {gen.seconds:.2f} s: {size / 1e6:.1f} MB of HCL, "
            f"{bumped} VMs edited to one more CPU"
        )
        client = WireClient(sim)
        client.fetch()  # warm-up: connection and the simulator's caches
        wires: list[float] = []
        cache_home = tmp / "xdg-cache"
        env["XDG_CACHE_HOME"] = str(cache_home)
        env.pop("VCPLAN_NO_CACHE", None)
        no_cache = {**env, "VCPLAN_NO_CACHE": "1"}
        serial = {**env, "VCPLAN_NO_PIPELINE": "1"}
        commands = {
            "plan": [str(VCPLAN), "plan", str(config)],
            "inventory": [str(VCPLAN), "inventory", "--format", "json"],
            "validate": [str(VCPLAN), "validate", str(config)],
            "help": [str(VCPLAN), "--help"],
        }
        runs: dict[str, list[Run]] = {name: [] for name in [*commands, *CACHE_RUNS, *PIPELINE_RUNS]}
        nbytes = 0
        for _ in range(repeat):  # interleaved, so drift in machine load hits all alike
            t_wire, nbytes = client.fetch()
            wires.append(t_wire)
            for name in ("plan", "validate"):
                runs[f"{name} off"].append(run(commands[name], no_cache, tmp / f"{name}.out"))
                shutil.rmtree(cache_home, ignore_errors=True)
                runs[f"{name} cold"].append(run(commands[name], env, tmp / f"{name}.out"))
            for name, cmd in commands.items():  # plan and validate: warm
                runs[name].append(run(cmd, env, tmp / f"{name}.out"))
                if f"{name} serial" in PIPELINE_RUNS:
                    out = tmp / f"{name}.out"
                    runs[f"{name} serial"].append(run(cmd, serial, out))
        client.close()
        if profile:
            stages(config, env)
            for name in ("plan", "inventory"):
                profiled(name, commands[name], env, tmp)
    finally:
        sim.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    return {
        "vms": vms,
        "mb": nbytes / 1e6,
        "wire": statistics.median(wires),
        **{name: median(r) for name, r in runs.items()},
    }


def report(results: list[dict[str, Any]]) -> None:
    print()
    print(
        f"{'VMs':>6} {'wire s':>7} {'MB':>6} | {'plan s':>7} {'x wire':>6} {'RSS MB':>7} | "
        f"{'inv s':>6} {'x wire':>6} {'RSS MB':>7} | {'valid s':>7} {'RSS MB':>7} | {'help s':>6}"
    )
    for r in results:
        plan, inv, val, hlp = r["plan"], r["inventory"], r["validate"], r["help"]
        print(
            f"{r['vms']:>6} {r['wire']:>7.2f} {r['mb']:>6.1f} | "
            f"{plan.seconds:>7.2f} {plan.seconds / r['wire']:>6.1f} {plan.peak_rss_mb:>7.0f} | "
            f"{inv.seconds:>6.2f} {inv.seconds / r['wire']:>6.1f} {inv.peak_rss_mb:>7.0f} | "
            f"{val.seconds:>7.2f} {val.peak_rss_mb:>7.0f} | {hlp.seconds:>6.2f}"
        )
    print()
    print("split by process (seconds): start-up = help; config = validate - help; ")
    print("vCenter + JSON = inventory - help; the rest of plan = plan - validate - (inv - help)")
    for r in results:
        plan, inv, val, hlp = (r[k].seconds for k in ("plan", "inventory", "validate", "help"))
        rest = plan - val - (inv - hlp)
        print(
            f"{r['vms']:>6}: start-up {hlp:.2f}, config {val - hlp:.2f}, "
            f"vCenter+JSON {inv - hlp:.2f}, rest of plan {rest:.2f}"
        )
    print("CPU seconds of each process (user + system; wall time above includes waiting):")
    for r in results:
        cpu = ", ".join(
            f"{k} {r[k].cpu_seconds:.2f}" for k in ("plan", "inventory", "validate", "help")
        )
        print(f"{r['vms']:>6}: {cpu}")
    print()
    print("parse cache: seconds (CPU seconds) with the cache off / cold (filling it) / warm")
    for r in results:
        for name in ("plan", "validate"):
            cells = " / ".join(
                f"{r[k].seconds:.2f} ({r[k].cpu_seconds:.2f})"
                for k in (f"{name} off", f"{name} cold", name)
            )
            ratios = " / ".join(f"{r[k].seconds / r['wire']:.1f}x" for k in (f"{name} off", name))
            wire = f"; off / warm x wire {ratios}" if name == "plan" else ""
            print(f"{r['vms']:>6} {name:<8}: {cells}{wire}")
    print()
    print("pipelined pages: seconds (CPU) serial (VCPLAN_NO_PIPELINE=1) -> pipelined; x wire")
    for r in results:
        for name in ("plan", "inventory"):
            a, b = r[f"{name} serial"], r[name]
            print(
                f"{r['vms']:>6} {name:<9}: {a.seconds:.2f} ({a.cpu_seconds:.2f}) -> "
                f"{b.seconds:.2f} ({b.cpu_seconds:.2f}); "
                f"{a.seconds / r['wire']:.1f}x -> {b.seconds / r['wire']:.1f}x"
            )
    print()
    goals = {10000: ("plan", 2.0), 5000: ("inventory", 1.5)}
    for r in results:
        if r["vms"] in goals:
            name, goal = goals[r["vms"]]
            for key in (name, f"{name} off") if name == "plan" else (name,):
                ratio = r[key].seconds / r["wire"]
                verdict = "MET" if ratio <= goal else "not met"
                label = {"plan": "plan (warm cache)", "plan off": "plan (cache off)"}.get(key, key)
                where = f"{r['vms']} VMs within {goal}x of wire"
                print(f"goal: {label} on {where}: {ratio:.1f}x {verdict}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 5000, 10000])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; the median is shown")
    parser.add_argument("--update-every", type=int, default=20, help="every Nth VM gets +1 CPU")
    parser.add_argument(
        "--keep", type=Path, metavar="DIR", help="keep each configuration in DIR/config-N"
    )
    parser.add_argument(
        "--profile", action="store_true", help="cProfile plan and inventory at the largest size"
    )
    opts = parser.parse_args()
    # A simulator is its own session: on SIGTERM, still run the finally blocks that stop it.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if not VCPLAN.exists():
        print(f"{VCPLAN} is missing: run `make install`", file=sys.stderr)
        return 1
    tmp = Path(tempfile.mkdtemp(prefix="vcplan-e2e-"))
    try:
        startup(opts.repeat, dict(os.environ), tmp)
        results = []
        for vms in opts.sizes:
            print(f"{vms} VMs:")
            profile = opts.profile and vms == max(opts.sizes)
            results.append(
                measure_size(vms, opts.repeat, opts.update_every, tmp, opts.keep, profile)
            )
        report(results)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
