"""Every broken inventory in tests/bad_inventories, through the real playbooks/site.yml
against the running platform: the run fails in the preflight play, with the expected
message, and no host changes (config files' checksums and the services' start times are
the same before and after the whole table).

Each file is one mistake. `NN-name.yml` holds variables (passed with -e @file, so they
apply to every host); `NN-name.inventory.yml` is a second inventory source merged into
the lab's (hosts and groups). The first line after `---` says what the error must contain:
`# expect: <text>`."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from helpers import ROOT, run
from lab import INVENTORY, exec_in, hostvars, service_starts

TABLE = sorted((ROOT / "tests" / "bad_inventories").glob("*.yml"))
# Files the daemons rewrite themselves (Sentinel keeps its state in its config).
OWN_STATE = {"/etc/redis/sentinel.conf"}
WATCHED_DIRS = ["/etc/haproxy", "/etc/keepalived", "/etc/redis", "/etc/nginx", "/etc/systemd/system", "/etc/default"]
UNITS = {"loadbalancers": ["haproxy", "keepalived"], "web": ["nginx"], "redis": ["redis-server", "redis-sentinel"]}
# Everything site.yml does after the preflight play starts with one of these plays.
FIRST_CHANGING_PLAY = "PLAY [Deploy the demo backends]"


def expected(path: Path) -> str:
    match = re.search(r"^# expect: (.+)$", path.read_text(), re.M)
    assert match, f"{path.name}: no '# expect: <text>' line"
    return match.group(1).strip()


def snapshot() -> dict[str, str]:
    """host -> checksums of every config file the roles write, and each service's PID and start time."""
    state = {}
    groups = hostvars()["_groups"]
    for group, units in UNITS.items():
        for host in groups[group]:
            sums = exec_in(host, "sh", "-c", f"find {' '.join(WATCHED_DIRS)} -type f 2>/dev/null | sort"
                                             " | xargs -r sha256sum", check=False).stdout
            sums = "\n".join(line for line in sums.splitlines() if line.split()[-1] not in OWN_STATE)
            started = service_starts(host, *units)
            assert "MainPID=0" not in started, f"{host}: a service is not running before the table: {started}"
            state[host] = sums + "\n" + started
    return state


def site(path: Path):
    source = ["-i", str(path)] if path.name.endswith(".inventory.yml") else ["-e", f"@{path}"]
    return run(["ansible-playbook", "-i", str(INVENTORY), *source, "playbooks/site.yml"], timeout=600)


@pytest.fixture(scope="module")
def table_runs() -> dict:
    """The whole table, four site.yml runs at a time, between two snapshots of every host."""
    before = snapshot()
    with ThreadPoolExecutor(max_workers=4) as pool:
        procs = dict(zip(TABLE, pool.map(site, TABLE)))
    return {"before": before, "after": snapshot(), "procs": procs}


def test_the_table_has_at_least_thirty_broken_inventories():
    assert len(TABLE) >= 30
    assert all(expected(p) for p in TABLE)


@pytest.mark.parametrize("path", TABLE, ids=[p.stem for p in TABLE])
def test_site_yml_fails_in_preflight_with_the_message(table_runs, path):
    proc = table_runs["procs"][path]
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out[-3000:]
    assert expected(path) in out, out[-3000:]
    assert "PLAY [Check the inventory]" in out
    assert FIRST_CHANGING_PLAY not in out, "the run went past the preflight play"
    assert not re.search(r"^\S+\s*:\s*ok=\d+\s+changed=[1-9]", out, re.M), "a task reported a change"


def test_no_host_changed(table_runs):
    before, after = table_runs["before"], table_runs["after"]
    changed = sorted(h for h in before if before[h] != after[h])
    assert not changed, {h: (before[h], after[h]) for h in changed}
