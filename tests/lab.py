"""Read a lab from its inventory and look inside its containers (through hafront/lab.py,
as the drills do).

Tests use the Molecule lab unless HAFRONT_TEST_INVENTORY names another inventory (a path,
relative to the repository or absolute), e.g. HAFRONT_TEST_INVENTORY=inventories/lab."""

from __future__ import annotations

import os
import subprocess
from functools import cache

from hafront import lab as labkit

ROOT = labkit.ROOT
INVENTORY = ROOT / os.environ.get("HAFRONT_TEST_INVENTORY", "inventories/molecule")


@cache
def inventory() -> labkit.Inventory:
    return labkit.load_inventory(INVENTORY)


@cache
def hostvars() -> dict[str, dict]:
    return inventory().hostvars | {"_groups": inventory().groups}


def container(host: str) -> str:
    return inventory().container(host)


def exec_in(host: str, *argv: str, check: bool = True) -> subprocess.CompletedProcess:
    return labkit.exec_in(container(host), *argv, check=check)


def vip_holders(vip: str, hosts: list[str]) -> list[str]:
    return labkit.vip_holders({h: container(h) for h in hosts}, [vip])[vip]


def wait_for(predicate, deadline_s: float, what: str, interval: float = 0.2):
    """Poll until predicate() is truthy; fail with `what` and the last value."""
    try:
        return labkit.wait_until(what, predicate, deadline_s, interval, retry=())
    except TimeoutError as exc:
        raise AssertionError(str(exc)) from None


def service_starts(host: str, *units: str) -> str:
    """Each unit's main PID and start time: a restart changes them (a reload does not)."""
    return exec_in(host, "systemctl", "show", "-p", "MainPID,ExecMainStartTimestampMonotonic", *units).stdout


def journal(host: str, identifier: str = "keepalived-notify") -> str:
    """This boot's journal lines from one syslog identifier."""
    return exec_in(host, "journalctl", "-b", "-t", identifier, "-o", "cat", "--no-pager", check=False).stdout
