"""keepalived: every VIP is held by exactly one load balancer, active-active (each
preferred master holds its own VIP), and HAProxy serves through every VIP."""

from __future__ import annotations

from http_probe import get
from lab import exec_in, hostvars, vip_holders, wait_for

testinfra_hosts = ["localhost"]


def test_each_vip_is_on_its_preferred_master_and_serves():
    lbs = hostvars()["_groups"]["loadbalancers"]
    instances = hostvars()[lbs[0]]["keepalived_instances"]
    for index, instance in enumerate(instances):
        vip = instance["vips"][0].split("/")[0]
        preferred = instance.get("preferred_master", lbs[index % len(lbs)])
        # preempt_delay (5 s in the lab) may still be running after the converge.
        wait_for(lambda: vip_holders(vip, lbs) == [preferred], 30, f"{vip} held by {preferred} alone")
        status, headers, _ = get(vip, 80)
        assert status == 200
        assert headers["x-load-balancer"] == preferred


def test_keepalived_runs_and_tracks_haproxy():
    for lb in hostvars()["_groups"]["loadbalancers"]:
        assert exec_in(lb, "systemctl", "is-active", "keepalived", check=False).stdout.strip() == "active"
        assert exec_in(lb, "cat", "/run/keepalived-track/haproxy").stdout.strip() == "0"
        dropin = exec_in(lb, "systemctl", "cat", "haproxy").stdout
        assert "ExecStopPost=+/bin/sh -c 'echo 1 > /run/keepalived-track/haproxy'" in dropin
