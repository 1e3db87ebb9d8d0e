"""Every broken inventory in tests/bad_inventories, through playbooks/check.yml (the
whole-inventory check that site.yml runs as its first play) against the running
platform: the run fails with the row's own message, and no host changes (config files'
checksums and the services' start times are the same before and after the whole table).
One row also goes through site.yml itself, to prove it stops in that first play.

Each file is one mistake. `NN-name.yml` holds variables (passed with -e @file, so they
apply to every host); `NN-name.inventory.yml` is a second inventory source merged into
the lab's (hosts, groups, host and group variables). The first line after `---` says what
the error must contain, `# expect: <text>`; that text must appear in no other row's output,
so each row proves its own check fired, not a neighbour's.

Facts are gathered once, by a run of check.yml on the unchanged inventory (which must
pass), and then read from a fact cache: the table costs Ansible's start and the checks."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

from hafront.lab import parse_recap, recap_totals
from helpers import ROOT, run
from lab import INVENTORY, exec_in, hostvars, service_starts

TABLE = sorted((ROOT / "tests" / "bad_inventories").glob("*.yml"))
# Files the daemons rewrite themselves (Sentinel keeps its state in its config).
OWN_STATE = {"/etc/redis/sentinel.conf"}
WATCHED_DIRS = ["/etc/haproxy", "/etc/keepalived", "/etc/redis", "/etc/nginx", "/etc/systemd/system", "/etc/default"]
UNITS = {"loadbalancers": ["haproxy", "keepalived"], "web": ["nginx"], "redis": ["redis-server", "redis-sentinel"]}
CHECK_PLAY = "PLAY [Check the inventory]"


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


# A variables row is checked on the hosts of the roles its variables belong to (the
# checks across hosts read the others' variables and cached facts all the same): the
# table costs less, and the row fails exactly as a whole run would.
ROLE_GROUPS = {"haproxy_": "loadbalancers", "keepalived_": "loadbalancers", "redis_": "redis", "demo_backend_": "web"}


def limit(path: Path) -> list[str]:
    if path.name.endswith(".inventory.yml"):
        return []
    names = yaml.safe_load(path.read_text()) or {}
    groups = {group for name in names for prefix, group in ROLE_GROUPS.items() if name.startswith(prefix)}
    unknown = [name for name in names if not any(name.startswith(prefix) for prefix in ROLE_GROUPS)]
    return [] if unknown or not groups else ["--limit", ":".join(sorted(groups))]


def playbook(name: str, path: Path | None, cache: Path):
    source = [] if path is None else (["-i", str(path)] if path.name.endswith(".inventory.yml")
                                      else ["-e", f"@{path}", *limit(path)])
    env = {"ANSIBLE_CACHE_PLUGIN": "ansible.builtin.jsonfile", "ANSIBLE_CACHE_PLUGIN_CONNECTION": str(cache),
           "ANSIBLE_GATHERING": "smart"}
    proc = run(["ansible-playbook", "-i", str(INVENTORY), *source, f"playbooks/{name}"], timeout=600, env=env)
    return proc, proc.stdout + proc.stderr


@pytest.fixture(scope="module")
def table_runs(tmp_path_factory) -> dict:
    """The whole table, three check.yml runs at a time, between two snapshots of every host."""
    cache = tmp_path_factory.mktemp("facts")
    before = snapshot()
    good, good_out = playbook("check.yml", None, cache)
    assert good.returncode == 0, f"check.yml fails on the unchanged inventory:\n{good_out[-3000:]}"
    with ThreadPoolExecutor(max_workers=3) as pool:
        runs = dict(zip(TABLE, pool.map(lambda p: playbook("check.yml", p, cache), TABLE)))
        site = pool.submit(playbook, "site.yml", TABLE[0], cache).result()
    return {"before": before, "after": snapshot(), "runs": runs, "site": site}


def test_the_table_has_at_least_ninety_broken_inventories():
    assert len(TABLE) >= 90, len(TABLE)
    assert len({expected(p) for p in TABLE}) == len(TABLE), "two rows expect the same message"


@pytest.mark.parametrize("path", TABLE, ids=[p.stem for p in TABLE])
def test_check_fails_with_the_rows_own_message(table_runs, path):
    proc, out = table_runs["runs"][path]
    assert proc.returncode != 0, out[-3000:]
    assert expected(path) in out, out[-3000:]
    assert CHECK_PLAY in out
    assert not recap_totals(parse_recap(out)).get("changed"), "a task reported a change"
    others = [p.name for p in TABLE if p != path and expected(path) in table_runs["runs"][p][1]]
    assert not others, f"'{expected(path)}' is printed for other mistakes too: {others}"


def test_site_yml_stops_in_its_first_play(table_runs):
    proc, out = table_runs["site"]
    assert proc.returncode != 0 and expected(TABLE[0]) in out, out[-3000:]
    plays = re.findall(r"^PLAY \[(.+?)\]", out, re.M)
    assert plays == ["Check the inventory"], plays
    first = yaml.safe_load((ROOT / "playbooks" / "site.yml").read_text())[0]
    assert first.get("ansible.builtin.import_playbook") == "check.yml", first


def test_no_host_changed(table_runs):
    before, after = table_runs["before"], table_runs["after"]
    changed = sorted(h for h in before if before[h] != after[h])
    assert not changed, {h: (before[h], after[h]) for h in changed}
