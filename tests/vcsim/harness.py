"""Start and stop our vCenter simulator (build/vcsim-vcplan) for tests, the demo and benchmarks.

It serves https with a server certificate signed by a CA made for the run (trustme), checks
logins against a user and password, and reports its URL. `python -m tests.vcsim.harness start
--dir DIR` runs one in the background for the demo and writes DIR/env.sh for the CLI.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import trustme

ROOT = Path(__file__).resolve().parents[2]
BINARY = ROOT / "build" / "vcsim-vcplan"
DEFAULT_USER = "vcplan@vsphere.local"


@dataclass(frozen=True)
class Certs:
    """A CA and a server certificate for 127.0.0.1/localhost signed by it, as PEM files."""

    ca_file: Path
    cert_file: Path
    key_file: Path


def make_certs(directory: Path) -> Certs:
    directory.mkdir(parents=True, exist_ok=True)
    ca = trustme.CA(organization_name="vcplan test CA")
    server = ca.issue_cert("127.0.0.1", "localhost")
    certs = Certs(directory / "ca.pem", directory / "server.pem", directory / "server-key.pem")
    ca.cert_pem.write_to_path(str(certs.ca_file))
    server.cert_chain_pems[0].write_to_path(str(certs.cert_file))
    server.private_key_pem.write_to_path(str(certs.key_file))
    return certs


@dataclass
class Simulator:
    """One running simulator. `url` is https://127.0.0.1:PORT/sdk; `vpx_url` the vcplan form."""

    process: subprocess.Popen[str]
    url: str
    user: str
    password: str
    certs: Certs | None
    args: list[str] = field(default_factory=list)

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or "127.0.0.1"

    @property
    def port(self) -> int:
        return urlsplit(self.url).port or 443

    @property
    def vpx_url(self) -> str:
        return f"vpx://{self.host}:{self.port}"

    @property
    def esx_url(self) -> str:
        return f"esx://{self.host}:{self.port}"

    def env(self) -> dict[str, str]:
        """The CLI's environment for this simulator (URL, user, password, CA)."""
        env = {
            "VCPLAN_URL": self.esx_url if "-esx" in self.args else self.vpx_url,
            "VCPLAN_USER": self.user,
            "VCPLAN_PASSWORD": self.password,
        }
        if self.certs:
            env["VCPLAN_CA_FILE"] = str(self.certs.ca_file)
        return env

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start(
    args: list[str] | None = None,
    certs: Certs | None = None,
    user: str = DEFAULT_USER,
    password: str | None = None,
    timeout: float = 60.0,
    log_file: Path | None = None,
) -> Simulator:
    """Start a simulator with the given model flags (e.g. ["-dc", "2"]) and wait until it serves."""
    if not BINARY.exists():
        raise RuntimeError(f"{BINARY} is missing: run `make vcsim`")
    password = password or secrets.token_urlsafe(12)
    cmd = [str(BINARY), *(args or []), "-user", f"{user}:{password}"]
    if certs:
        cmd += ["-tls-cert", str(certs.cert_file), "-tls-key", str(certs.key_file)]
    stderr = open(log_file, "w") if log_file else subprocess.DEVNULL  # noqa: SIM115
    process = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=stderr, text=True, start_new_session=True
    )
    deadline = time.monotonic() + timeout
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            if process.poll() is not None:
                raise RuntimeError(f"simulator exited with {process.returncode}: {cmd[1:-2]}")
            continue
        if line.startswith("VCSIM_URL="):
            url = line.split("=", 1)[1].strip()
            return Simulator(process, url, user, password, certs, list(args or []))
    process.kill()
    raise RuntimeError("simulator did not start in time")


def _demo_start(directory: Path, args: list[str]) -> None:
    _demo_stop(directory)
    certs = make_certs(directory)
    sim = start(args, certs, log_file=directory / "vcsim.log")
    (directory / "vcsim.pid").write_text(str(sim.process.pid))
    lines = [f"export {k}='{v}'" for k, v in sim.env().items()]
    (directory / "env.sh").write_text("\n".join(lines) + "\n")
    os.chmod(directory / "env.sh", 0o600)
    print(
        f"simulator at {sim.env()['VCPLAN_URL']} (pid {sim.process.pid}); "
        f"settings in {directory}/env.sh"
    )


def _demo_stop(directory: Path) -> None:
    pid_file = directory / "vcsim.pid"
    if pid_file.exists():
        try:
            os.kill(int(pid_file.read_text()), signal.SIGTERM)
            print("simulator stopped")
        except (ProcessLookupError, ValueError):
            pass
        pid_file.unlink()


def main(argv: list[str] | None = None) -> int:
    # No -h: the simulator's own flags (-host ...) pass through untouched.
    parser = argparse.ArgumentParser(
        prog="python -m tests.vcsim.harness", add_help=False, allow_abbrev=False
    )
    parser.add_argument("action", choices=["start", "stop"])
    parser.add_argument("--dir", type=Path, default=Path("demo"))
    opts, sim_args = parser.parse_known_args(argv)
    if opts.action == "start":
        _demo_start(opts.dir, sim_args)
    else:
        _demo_stop(opts.dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
