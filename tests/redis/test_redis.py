"""The Redis tier of Molecule's lab: replication, access control, the one address for
clients, and, after the side effect (drills/redis_failover.py), what the failover did.

Run by molecule/default after its side effect (prepare removed any earlier report): the
failover tests read this run's report and the live lab.
Bounds are generous for a busy CI machine; `make bench` measures the real numbers."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
import redis

from http_probe import secret, secrets_dir
from helpers import run
from drill_reports import drill_report
from lab import ROOT, exec_in, hostvars, wait_for

testinfra_hosts = ["localhost"]
REPORT = ROOT / "reports" / "molecule-redis" / "redis-failover.json"
PORT, SENTINEL_PORT, MASTER_NAME = 6379, 26379, "hafront"


@pytest.fixture(scope="module")
def nodes() -> dict[str, str]:
    """Redis host -> its address."""
    hv = hostvars()
    return {h: hv[h]["lab_address"] for h in hv["_groups"]["redis"]}


@pytest.fixture(scope="module")
def vips() -> list[str]:
    hv = hostvars()
    return hv[hv["_groups"]["loadbalancers"][0]]["lab_vips"]


def client(address: str, user: str | None = "app", port: int = PORT) -> redis.Redis:
    password = secret(f"redis_{user}_password") if user else None
    return redis.Redis(host=address, port=port, username=user, password=password,
                       socket_timeout=3, socket_connect_timeout=3)


def sentinel(address: str) -> redis.Redis:
    return redis.Redis(host=address, port=SENTINEL_PORT, password=secret("redis_sentinel_password"),
                       socket_timeout=3, socket_connect_timeout=3, decode_responses=True)


def roles(nodes: dict[str, str]) -> dict[str, dict]:
    """Host -> INFO replication, as the monitoring user sees it."""
    return {h: client(a, "monitor").info("replication") for h, a in nodes.items()}


def master_of(nodes: dict[str, str]) -> str:
    masters = [h for h, info in roles(nodes).items() if info["role"] == "master"]
    assert len(masters) == 1, f"expected exactly one master, got {masters}"
    return masters[0]


def healthy(nodes: dict[str, str]) -> bool:
    try:
        info = roles(nodes)
    except redis.RedisError:
        return False
    masters = [h for h, i in info.items() if i["role"] == "master"]
    return len(masters) == 1 and info[masters[0]].get("connected_slaves") == len(nodes) - 1 and all(
        i.get("master_link_status") == "up" for h, i in info.items() if h != masters[0])


@pytest.fixture(scope="module", autouse=True)
def settled(nodes):
    """The old master may still be resyncing when verify starts: wait, with a deadline."""
    wait_for(lambda: healthy(nodes), 60, "one master with every other node a synced replica")


def test_one_master_and_synced_replicas(nodes):
    info = roles(nodes)
    master = master_of(nodes)
    for host, replica in info.items():
        if host != master:
            assert replica["master_host"] == nodes[master], f"{host} replicates {replica['master_host']}"
            assert replica["master_link_status"] == "up"


def test_write_on_the_master_is_read_on_every_replica(nodes):
    master = master_of(nodes)
    key, value = f"test:replication:{uuid.uuid4()}", str(uuid.uuid4())
    app = client(nodes[master])
    app.set(key, value)
    assert app.execute_command("WAIT", len(nodes) - 1, 5000) == len(nodes) - 1
    for host, address in nodes.items():
        assert client(address).get(key) == value.encode(), f"{host} does not have {key}"
    app.delete(key)


def test_sentinels_agree_with_the_servers(nodes):
    master = master_of(nodes)
    for host, address in nodes.items():
        s = sentinel(address)
        assert s.execute_command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_NAME) == [nodes[master], str(PORT)], host
        view = s.sentinel_master(MASTER_NAME)
        assert int(view["num-other-sentinels"]) == len(nodes) - 1, f"{host} sees {view['num-other-sentinels']} peers"
        assert int(view["num-slaves"]) == len(nodes) - 1


@pytest.mark.parametrize("vip_index", [0, 1])
def test_the_vip_reaches_the_master(nodes, vips, vip_index):
    master = master_of(nodes)
    key = f"test:vip:{uuid.uuid4()}"
    via_vip = client(vips[vip_index])
    assert via_vip.set(key, "1")
    assert client(nodes[master]).get(key) == b"1", "the write through the VIP did not land on the master"
    via_vip.delete(key)


def test_unauthenticated_clients_are_refused(nodes):
    for address in nodes.values():
        with pytest.raises(redis.AuthenticationError):
            client(address, user=None).ping()
        with pytest.raises(redis.AuthenticationError):
            redis.Redis(host=address, port=SENTINEL_PORT, socket_timeout=3).ping()


@pytest.mark.parametrize("command", [
    ["FLUSHALL"], ["FLUSHDB"], ["CONFIG", "SET", "appendonly", "no"], ["CONFIG", "GET", "*"], ["DEBUG", "SLEEP", "0"],
    ["SHUTDOWN", "NOSAVE"], ["ACL", "LIST"], ["KEYS", "*"], ["REPLICAOF", "NO", "ONE"], ["INFO"], ["MONITOR"],
])
def test_the_application_user_cannot_run_admin_commands(nodes, command):
    master = nodes[master_of(nodes)]
    # The ACL refuses it (DEBUG is also off server-wide, so ask the ACL itself)...
    verdict = client(master, "admin").execute_command("ACL", "DRYRUN", "app", *command)
    assert b"no permissions" in verdict, verdict
    # ...and so does the server when the application user tries.
    with pytest.raises(redis.ResponseError):
        client(master).execute_command(*command)


def test_the_monitoring_user_can_only_look(nodes):
    monitor = client(nodes[master_of(nodes)], "monitor")
    assert monitor.ping()
    with pytest.raises(redis.exceptions.NoPermissionError):
        monitor.set("test:monitor", "1")


@pytest.mark.parametrize("port", [PORT, SENTINEL_PORT])
def test_daemons_listen_only_on_the_service_address(nodes, port):
    for host, address in nodes.items():
        # ss cannot name the processes here (the units hide /proc), so go by port.
        listening = exec_in(host, "ss", "-Hltn").stdout
        on_port = sorted({line.split()[3] for line in listening.splitlines() if line.split()[3].endswith(f":{port}")})
        assert on_port == [f"{address}:{port}"], f"{host}: port {port} listens on {on_port}"


@pytest.mark.parametrize("path, mode, owner", [
    ("/etc/redis/hafront", "750", "root:redis"),
    ("/etc/redis/hafront/redis.conf", "640", "root:redis"),
    ("/etc/redis/hafront/users.acl", "640", "root:redis"),
    ("/etc/redis/hafront/start.env", "600", "root:root"),
    ("/etc/redis/sentinel.conf", "640", "redis:redis"),
])
def test_files_holding_secrets_are_not_world_readable(nodes, path, mode, owner):
    for host in nodes:
        assert exec_in(host, "stat", "-c", "%a %U:%G", path).stdout.split() == [mode, owner], f"{host}:{path}"


def test_the_acl_file_holds_no_plaintext_password(nodes):
    acl = exec_in(next(iter(nodes)), "cat", "/etc/redis/hafront/users.acl").stdout
    for user in ("app", "admin", "monitor"):
        assert secret(f"redis_{user}_password") not in acl


# ---------------------------------------------------------------- after the side effect
@pytest.fixture(scope="module")
def drill() -> dict:
    return drill_report(REPORT, "drills/redis_failover.py")


@pytest.fixture(scope="module")
def drill_run(drill) -> dict:
    assert len(drill["runs"]) == 1, "the scenario runs the drill once"
    return drill["runs"][0]


def test_sentinel_elected_a_new_master(drill_run):
    assert drill_run["new_master"] and drill_run["new_master"] != drill_run["old_master"]
    assert drill_run["sentinel_new_master_s"] is not None and drill_run["sentinel_new_master_s"] < 15


def test_writes_through_the_vip_resumed(drill_run):
    assert drill_run["vip_recovered_s"] is not None, "no write through the VIP succeeded after the kill"
    assert drill_run["vip_write_gap_s"] < 15


def test_no_wait_confirmed_write_was_lost(drill_run):
    assert drill_run["confirmed_lost"] == 0


def test_the_old_master_never_served_as_master(drill_run):
    assert drill_run["old_master_seen_as_master"] == 0
    assert drill_run["old_master_direct_writes_accepted"] == 0
    assert drill_run["acked_lost_after_return"] == 0


def test_the_old_master_rejoined_as_a_replica(drill_run, nodes):
    assert drill_run["old_master_rejoined_s"] is not None
    assert roles(nodes)[drill_run["old_master"]]["role"] == "slave"


@pytest.fixture(scope="module")
def rerun(drill) -> dict:
    assert "rerun" in drill, "the side effect runs the drill with --rerun-site --rerun-verbose"
    return drill["rerun"]


def test_the_rerun_after_the_failover_changed_nothing(rerun):
    """site.yml again after Sentinel moved the master: it follows Sentinel, so changed=0."""
    assert rerun["rerun_rc"] == 0 and rerun["rerun_failed"] == 0, rerun["log"]
    assert rerun["rerun_changed"] == 0, rerun["log"]


def test_the_rerun_kept_the_master_sentinel_chose(drill_run, rerun, nodes):
    assert rerun["master_before_rerun"] == rerun["master_after_rerun"] == drill_run["new_master"]
    assert len(rerun["master_answers_during_rerun"]) == 1, f"Sentinels named {rerun['master_answers_during_rerun']}"
    assert master_of(nodes) == drill_run["new_master"]


def test_the_rerun_rolled_out_only_the_nodes_whose_inputs_changed(rerun):
    """Sentinel's new master changes the Redis nodes' inputs (they follow it), nothing of the load
    balancers': site.yml rolls out the Redis nodes, saying why, and leaves the load balancers alone."""
    log = " ".join(Path(ROOT, rerun["log"]).read_text().split())
    rolled = dict(re.findall(r"([\w.-]+): rollout, ([^'\"]*)", log))
    groups = hostvars()["_groups"]
    assert set(rolled) == set(groups["redis"]), rolled
    assert all("its inputs changed" in why for why in rolled.values()), rolled
    assert "TASK [keepalived : Write the keepalived configuration]" not in log


def secret_values() -> dict[str, list[str]]:
    """Every lab secret, by file: a password, or each line of a private key's body."""
    values = {}
    for f in sorted(p for p in secrets_dir().iterdir() if p.is_file() and p.suffix != ".crt"):  # certificates are public
        text = f.read_text()
        if "PRIVATE KEY" in text:
            values[f.name] = [line for line in text.splitlines() if len(line) > 16 and "-----" not in line]
        else:
            values[f.name] = [secret(f.name)]
    return values


def test_no_secret_in_a_verbose_site_run(rerun):
    """The whole site.yml at -vvv (module arguments, loop items, results): no secret appears."""
    log = Path(ROOT, rerun["log"]).read_text()
    assert "PLAYBOOK: site.yml" in log and "Using module file" in log, "the log is not a -vvv run of site.yml"
    leaked = [name for name, values in secret_values().items() if any(v in log for v in values)]
    assert not leaked, f"secrets in the -vvv log {rerun['log']}: {leaked}"


def test_no_secret_in_a_verbose_status_run():
    """playbooks/status.yml at -vvv (module arguments, loop items, results): no password appears."""
    proc = run(["ansible-playbook", "-i", "inventories/molecule", "playbooks/status.yml", "-vvv"], timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:]
    output = proc.stdout + proc.stderr
    leaked = [name for name, values in secret_values().items() if any(v in output for v in values)]
    assert not leaked, f"secrets in -vvv output: {leaked}"
