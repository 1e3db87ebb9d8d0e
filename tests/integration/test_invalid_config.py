"""A config the real binary rejects never replaces a running one.

A raw option passes the inventory checks (they cannot know every HAProxy or keepalived
keyword) but fails `haproxy -c` / `keepalived -t`: site.yml fails, and on every load
balancer the config file, the daemon's processes and the traffic through the VIPs are
exactly as before."""

from __future__ import annotations

import json

import pytest

from helpers import run
from http_probe import get
from lab import INVENTORY, exec_in, hostvars, service_starts

BAD = {
    "haproxy": ({"haproxy_global_options": ["no-such-keyword on"]}, "/etc/haproxy/haproxy.cfg", "'no-such-keyword'"),
    "keepalived": ({"keepalived_global_options": ["no_such_keyword 1"]}, "/etc/keepalived/keepalived.conf",
                   "Unknown keyword 'no_such_keyword'"),
}


def daemon_state(host: str, unit: str, path: str) -> dict:
    main = exec_in(host, "systemctl", "show", "-p", "MainPID", "--value", unit).stdout.strip()
    return {
        "config": exec_in(host, "sha256sum", path).stdout.split()[0],
        "main": service_starts(host, unit),
        # A reload replaces HAProxy's worker (and keepalived's VRRP child) under the same main PID.
        "children": exec_in(host, "ps", "-o", "pid=", "--ppid", main).stdout.split(),
    }


@pytest.mark.parametrize("unit", sorted(BAD))
def test_a_config_that_fails_validation_never_goes_live(unit):
    extra, path, complaint = BAD[unit]
    lbs = hostvars()["_groups"]["loadbalancers"]
    vips = hostvars()[lbs[0]]["lab_vips"]
    before = {lb: daemon_state(lb, unit, path) for lb in lbs}
    assert all(s["children"] for s in before.values()), before

    proc = run(["ansible-playbook", "-i", str(INVENTORY), "playbooks/site.yml", "--limit", "loadbalancers",
                "-e", json.dumps(extra)], timeout=900)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out[-3000:]
    assert "rejected the new configuration" in out or "failed to validate" in out, out[-3000:]
    assert complaint in out, "the error must say what the checker rejected: " + out[-3000:]
    assert "PLAY [Check the inventory]" in out

    after = {lb: daemon_state(lb, unit, path) for lb in lbs}
    assert after == before, "a load balancer's config or daemon changed"
    for vip in vips:
        for _ in range(4):
            assert get(vip, 80)[0] == 200
