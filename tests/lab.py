"""Read a lab from its inventory and look inside its containers.

Tests use the Molecule lab unless HAFRONT_TEST_INVENTORY names another inventory (a path,
relative to the repository or absolute), e.g. HAFRONT_TEST_INVENTORY=inventories/lab."""

from __future__ import annotations

import json
import os
import subprocess
import time
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
INVENTORY = ROOT / os.environ.get("HAFRONT_TEST_INVENTORY", "inventories/molecule")


@cache
def hostvars() -> dict[str, dict]:
    out = subprocess.run(["ansible-inventory", "-i", str(INVENTORY), "--list"], check=True,
                         capture_output=True, text=True, cwd=ROOT).stdout
    data = json.loads(out)
    return data["_meta"]["hostvars"] | {"_groups": {g: v.get("hosts", []) for g, v in data.items() if g != "_meta"}}


def container(host: str) -> str:
    lab_name = hostvars()[host].get("lab_name", "hafront-molecule")
    return f"{lab_name}-{host}"


def exec_in(host: str, *argv: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["podman", "exec", container(host), *argv], capture_output=True, text=True,
                          check=check, timeout=60)


def vip_holders(vip: str, hosts: list[str]) -> list[str]:
    holders = []
    for host in hosts:
        proc = exec_in(host, "ip", "-o", "-4", "addr", "show", check=False)
        if proc.returncode == 0 and f" {vip}/" in proc.stdout:
            holders.append(host)
    return holders


def wait_for(predicate, deadline_s: float, what: str, interval: float = 0.2):
    """Poll until predicate() is truthy; fail with `what` and the last value."""
    end = time.monotonic() + deadline_s
    value = predicate()
    while not value:
        if time.monotonic() > end:
            raise AssertionError(f"timed out after {deadline_s}s waiting for {what} (last: {value!r})")
        time.sleep(interval)
        value = predicate()
    return value


def service_starts(host: str, *units: str) -> str:
    """Each unit's main PID and start time: a restart changes them (a reload does not)."""
    return exec_in(host, "systemctl", "show", "-p", "MainPID,ExecMainStartTimestampMonotonic", *units).stdout


def journal(host: str, identifier: str = "keepalived-notify") -> str:
    """This boot's journal lines from one syslog identifier."""
    return exec_in(host, "journalctl", "-b", "-t", identifier, "-o", "cat", "--no-pager", check=False).stdout
