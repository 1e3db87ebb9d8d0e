"""Security defaults of the load balancers, read from the live hosts: keepalived runs its
scripts as an unprivileged user under script security and talks VRRP only to the
inventory's load balancers; configs holding secrets are not world-readable; the stats
page listens only on the admin address (the lab's: each node's own address)."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

import pytest

from lab import exec_in, hostvars

LBS = hostvars()["_groups"]["loadbalancers"]


def stat(lb: str, *paths: str) -> dict[str, tuple[int, str, str]]:
    """path -> (mode, user, group), one command for all paths."""
    out = exec_in(lb, "stat", "-c", "%a %U %G %n", *paths).stdout
    return {cols[3]: (int(cols[0], 8), cols[1], cols[2]) for cols in map(str.split, out.splitlines())}


@pytest.fixture(scope="module", params=LBS)
def lb(request) -> tuple[str, str]:
    """(host, its keepalived.conf)."""
    return request.param, exec_in(request.param, "cat", "/etc/keepalived/keepalived.conf").stdout


def test_keepalived_runs_scripts_as_an_unprivileged_user(lb):
    host, conf = lb
    assert re.search(r"^\s*enable_script_security$", conf, re.M)
    user = re.search(r"^\s*script_user (\S+)$", conf, re.M).group(1)
    name, _x, uid, gid, _gecos, _home, shell = exec_in(host, "getent", "passwd", user).stdout.strip().split(":")
    assert int(uid) != 0 and int(gid) != 0, user
    assert shell in ("/usr/sbin/nologin", "/bin/false"), shell
    groups = exec_in(host, "id", "-nG", name).stdout.split()
    assert not {"root", "sudo", "haproxy"} & set(groups), groups


def test_keepalived_scripts_are_root_owned_and_not_writable_by_others(lb):
    host, conf = lb
    scripts = set(re.findall(r'^\s*(?:script|notify)\s+"?(/[^"\s]+)', conf, re.M))
    assert scripts, "keepalived.conf runs no script: nothing to check"
    paths = sorted({str(p) for s in scripts for p in [PurePosixPath(s), *PurePosixPath(s).parents]})
    for path, (mode, user, _group) in stat(host, *paths).items():
        assert user == "root" and not mode & 0o022, f"{host}:{path}: {user} {oct(mode)}"
    # keepalived refuses, and logs, a script that breaks script security.
    log = exec_in(host, "journalctl", "-b", "-u", "keepalived", "--no-pager", "-o", "cat").stdout
    assert not re.search(r"insecure|SECURITY VIOLATION|not executable", log, re.I), log[-2000:]


def test_vrrp_peers_are_exactly_the_other_load_balancers(lb):
    host, conf = lb
    me = hostvars()[host]["lab_address"]  # the lab's keepalived_address
    others = sorted(hostvars()[other]["lab_address"] for other in LBS if other != host)
    instances = re.findall(r"^vrrp_instance (\S+) \{(.*?)^\}", conf, re.S | re.M)
    assert instances
    for name, body in instances:
        assert re.search(rf"^\s*unicast_src_ip {re.escape(me)}$", body, re.M), name
        peers = re.search(r"unicast_peer \{(.*?)\}", body, re.S).group(1).split()
        assert sorted(peers) == others, name


def test_configs_holding_secrets_are_not_world_readable(lb):
    host, _conf = lb
    assert stat(host, "/etc/haproxy/haproxy.cfg", "/etc/keepalived/keepalived.conf") == {
        "/etc/haproxy/haproxy.cfg": (0o640, "root", "haproxy"),
        "/etc/keepalived/keepalived.conf": (0o640, "root", "root"),
    }


def test_stats_listens_only_on_the_admin_address(lb):
    host, _conf = lb
    cfg = exec_in(host, "cat", "/etc/haproxy/haproxy.cfg").stdout
    bind = re.search(r"^frontend stats\n(?:    .*\n)*?    bind (\S+)$", cfg, re.M).group(1)
    address, port = bind.rsplit(":", 1)
    assert address == hostvars()[host]["lab_address"]
    listening = [line.split() for line in exec_in(host, "ss", "-ltnH").stdout.splitlines() if line.split()]
    assert sorted({cols[3] for cols in listening if cols[3].endswith(f":{port}")}) == [bind]
