"""The operator's playbooks on a running lab: status.yml's table against what the containers
say, vip_move.yml there and back, redis_switchover.yml there and back.

Runs against the inventory that tests/lab.py picks (HAFRONT_TEST_INVENTORY, default the
Molecule lab), e.g. on the demo lab:
    HAFRONT_TEST_INVENTORY=inventories/lab python -m pytest -q tests/ops
Each test leaves the lab as it found it (VIP hold released, original Redis master back)."""

from __future__ import annotations

import re

import pytest
import redis

from hafront.lab import parse_recap, recap_totals
from helpers import run
from http_probe import get, secret, secrets_dir, stats_csv
from lab import INVENTORY, exec_in, hostvars, journal, vip_holders, wait_for

PORT, SENTINEL_PORT, MASTER_NAME = 6379, 26379, "hafront"


def playbook(name: str, *extra: str, check: bool = True) -> tuple[str, int]:
    """Run a playbook on the lab; return its output and the sum of changed= over the recap."""
    argv = ["ansible-playbook", "-i", str(INVENTORY), f"playbooks/{name}"]
    for item in extra:
        argv += ["-e", item]
    proc = run(argv, timeout=600)
    if check:
        assert proc.returncode == 0, f"{name} {extra} failed:\n{proc.stdout[-5000:]}\n{proc.stderr[-2000:]}"
    recap = parse_recap(proc.stdout)
    assert recap or proc.returncode != 0, f"no PLAY RECAP in the output of {name}:\n{proc.stdout[-2000:]}"
    changed = recap_totals(recap).get("changed", 0)
    return proc.stdout + proc.stderr, changed if proc.returncode == 0 else -1


def lbs() -> list[str]:
    return hostvars()["_groups"]["loadbalancers"]


def redis_nodes() -> dict[str, str]:
    hv = hostvars()
    return {h: hv[h]["lab_address"] for h in hv["_groups"].get("redis", [])}


def instances() -> list[dict]:
    return hostvars()[lbs()[0]]["keepalived_instances"]


def monitor(address: str, port: int = PORT) -> redis.Redis:
    return redis.Redis(host=address, port=port, username="monitor", password=secret("redis_monitor_password"),
                       socket_timeout=3, socket_connect_timeout=3, decode_responses=True)


def admin(address: str) -> redis.Redis:
    return redis.Redis(host=address, port=PORT, username="admin", password=secret("redis_admin_password"),
                       socket_timeout=3, socket_connect_timeout=3, decode_responses=True)


def sentinel_master(address: str) -> str:
    s = redis.Redis(host=address, port=SENTINEL_PORT, password=secret("redis_sentinel_password"),
                    socket_timeout=3, socket_connect_timeout=3, decode_responses=True)
    ip, port = s.execute_command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_NAME)
    return f"{ip}:{port}"


def redis_roles() -> dict[str, str]:
    return {h: monitor(a).info("replication")["role"] for h, a in redis_nodes().items()}


def the_master() -> str:
    masters = [h for h, role in redis_roles().items() if role == "master"]
    assert len(masters) == 1, f"expected one Redis master, got {masters}"
    return masters[0]


def vip_of(instance: str) -> str:
    return next(i for i in instances() if i["name"] == instance)["vips"][0].split("/")[0]


def where(vip: str) -> str:
    """What a person needs when a VIP test fails: who holds it and the VRRP transitions."""
    return f"holders of {vip}: {vip_holders(vip, lbs())}\n" + "\n".join(
        f"--- {lb} keepalived-notify:\n{journal(lb)[-1500:]}" for lb in lbs())


def table_row(output: str, *cells: str) -> list[str] | None:
    """The columns of the status table's first row that starts with these cells."""
    pattern = r"^\s+" + r"\s+".join(re.escape(c) for c in cells) + r"(?:\s+(.*))?$"
    m = re.search(pattern, output, re.M)
    return (m.group(1) or "").split() if m else None


@pytest.fixture(scope="module")
def status_output() -> str:
    output, changed = playbook("status.yml")
    assert changed == 0, f"status.yml changed something:\n{output[-3000:]}"
    return output


def test_status_names_every_vip_holder(status_output):
    for inst in instances():
        for cidr in inst["vips"]:
            vip = cidr.split("/")[0]
            row = table_row(status_output, inst["name"], vip)
            assert row is not None, f"no table row for {inst['name']} {vip}:\n{status_output[-3000:]}"
            assert " ".join(row) == (", ".join(vip_holders(vip, lbs())) or "NONE"), f"table: {row}\n{where(vip)}"


def test_status_shows_every_backend_server_with_its_state(status_output):
    """Compared with HAProxy's stats page (another way in than the runtime socket the table uses)."""
    hv = hostvars()
    for lb in lbs():
        servers = [r for r in stats_csv(hv[lb]["lab_address"]) if r["svname"] not in ("FRONTEND", "BACKEND")
                   and r["pxname"].startswith("be_")]
        assert servers, f"{lb}: no backend server on the stats page"
        for srv in servers:
            row = table_row(status_output, lb, srv["pxname"], srv["svname"])
            assert row is not None, f"no row for {lb} {srv['pxname']} {srv['svname']}:\n{status_output[-4000:]}"
            # ADDRESS STATE ADMIN WEIGHT SESSIONS
            state, admin, weight = row[1], row[2], row[3]
            expected = {"UP": "UP", "DOWN": "DOWN", "MAINT": "DOWN", "DRAIN": "UP", "NOLB": "UP"}.get(
                srv["status"].split()[0], srv["status"])
            assert state == expected, f"{lb} {srv['svname']}: table {row}, stats page {srv['status']}"
            assert admin == "ready" and weight.split("/")[0] == srv["weight"], f"{lb} {srv['svname']}: {row} vs {srv}"
    if redis_nodes():
        master = the_master()
        for lb in lbs():
            for host in redis_nodes():
                row = table_row(status_output, lb, "be_redis", host)
                assert row and row[1] == ("UP" if host == master else "DOWN"), f"{lb} {host}: {row} (master {master})"


def test_status_shows_every_redis_node_and_sentinel(status_output):
    if not redis_nodes():
        pytest.skip("no redis group in this inventory")
    roles = redis_roles()
    master = the_master()
    for host, address in redis_nodes().items():
        row = table_row(status_output, host, f"{address}:{PORT}")
        assert row is not None, f"no Redis row for {host}:\n{status_output[-3000:]}"
        assert row[0] == {"master": "master", "slave": "replica"}[roles[host]], f"{host}: {row} vs {roles[host]}"
        if roles[host] == "slave":
            assert row[1] == master and row[2] == "up", f"{host}: {row}"
        sentinel_row = table_row(status_output, host, f"{master}", f"({redis_nodes()[master]}:{PORT})")
        assert sentinel_row is not None, f"Sentinel on {host} should name {master}:\n{status_output[-2000:]}"


def test_status_prints_no_secret(status_output):
    leaked = [f.name for f in secrets_dir().iterdir() if f.is_file() and secret(f.name) in status_output]
    assert not leaked, f"secrets in status.yml output: {leaked}"


def test_vip_move_there_and_release():
    instance = instances()[0]["name"]
    vip = vip_of(instance)
    before = vip_holders(vip, lbs())
    assert len(before) == 1, where(vip)
    target = next(lb for lb in lbs() if lb != before[0])
    header = hostvars()[lbs()[0]].get("haproxy_node_header", "")
    try:
        output, changed = playbook("vip_move.yml", f"vip_instance={instance}", f"vip_target={target}")
        assert changed > 0, output[-2000:]
        assert vip_holders(vip, lbs()) == [target], where(vip)
        if header:
            _status, headers, _body = get(vip, 80)
            assert headers.get(header.lower()) == target, f"{headers}\n{where(vip)}"
        for lb in lbs():
            hold = exec_in(lb, "cat", f"/etc/keepalived/hafront-maintenance-{instance}").stdout.strip()
            assert hold == ("0" if lb == target else "1"), f"{lb}: hold file says {hold!r}"
        output, changed = playbook("vip_move.yml", f"vip_instance={instance}", f"vip_target={target}")
        assert changed == 0, f"second vip_move run changed something:\n{output[-3000:]}"
        assert vip_holders(vip, lbs()) == [target], where(vip)
    finally:
        output, _changed = playbook("vip_move.yml", f"vip_instance={instance}", "release=true")
    # Released: with preemption (the lab) the VIP goes back to its preferred master.
    if not hostvars()[lbs()[0]].get("keepalived_nopreempt", True):
        wait_for(lambda: vip_holders(vip, lbs()) == before, 30, f"{vip} back on {before}")
    assert len(vip_holders(vip, lbs())) == 1, where(vip)
    output, changed = playbook("vip_move.yml", f"vip_instance={instance}", "release=true")
    assert changed == 0, f"second release changed something:\n{output[-3000:]}"


@pytest.mark.parametrize("extra, variable", [
    (["vip_instance=NO_SUCH", "vip_target=lb2"], "vip_instance"),
    (["vip_instance=VI_1", "vip_target=no-such-host"], "vip_target"),
])
def test_vip_move_refuses_a_bad_request(extra, variable):
    output, _changed = playbook("vip_move.yml", *extra, check=False)
    assert "vip_move.yml:" in output and variable in output, output[-2000:]


def test_redis_switchover_there_and_back():
    if not redis_nodes():
        pytest.skip("no redis group in this inventory")
    original = the_master()
    target = sorted(h for h in redis_nodes() if h != original)[0]
    address = f"{redis_nodes()[target]}:{PORT}"
    vips = hostvars()[lbs()[0]].get("lab_vips", [])
    try:
        output, changed = playbook("redis_switchover.yml", f"redis_target={target}")
        assert changed > 0, output[-2000:]
        assert the_master() == target
        assert {h: sentinel_master(a) for h, a in redis_nodes().items()} == {h: address for h in redis_nodes()}
        run_id = monitor(redis_nodes()[target]).info("server")["run_id"]
        for vip in vips:
            assert monitor(vip).info("server")["run_id"] == run_id, f"{vip}:{PORT} does not reach {target}"
        priorities = {h: admin(a).config_get("replica-priority")["replica-priority"] for h, a in redis_nodes().items()}
        assert set(priorities.values()) == {str(hostvars()[target].get("redis_replica_priority", 100))}, priorities
        output, changed = playbook("redis_switchover.yml", f"redis_target={target}")
        assert changed == 0, f"second switchover run changed something:\n{output[-3000:]}"
    finally:
        playbook("redis_switchover.yml", f"redis_target={original}")
    assert the_master() == original


def test_redis_switchover_refuses_an_unknown_target():
    if not redis_nodes():
        pytest.skip("no redis group in this inventory")
    output, _changed = playbook("redis_switchover.yml", "redis_target=no-such-node", check=False)
    assert "redis_switchover.yml:" in output and "redis_target" in output, output[-2000:]
