"""After the side effect killed the VIP holder: the VIP is on the survivor and clients
are served. Then (d) the old master returns, (b) HAProxy dies on a VIP holder while
keepalived keeps running, and a hung HAProxy moves the VIP through the check script.
Deadlines are generous for a busy CI machine; `make drill` measures the real numbers."""

from __future__ import annotations

import subprocess

import pytest

from http_probe import get
from lab import container, exec_in, hostvars, journal, vip_holders, wait_for

testinfra_hosts = ["localhost"]
DEADLINE = 15.0


@pytest.fixture(scope="module")
def lbs() -> list[str]:
    return hostvars()["_groups"]["loadbalancers"]


@pytest.fixture(scope="module")
def vips(lbs) -> list[str]:
    return hostvars()[lbs[0]]["lab_vips"]


def diagnostics(lbs: list[str], vips: list[str]) -> str:
    parts = [f"VIP holders: {{{', '.join(f'{v}: {vip_holders(v, lbs)}' for v in vips)}}}"]
    for host in lbs:
        parts.append(f"--- {host} keepalived-notify journal ---\n{journal(host)[-2000:]}")
        conf = exec_in(host, "cat", "/etc/keepalived/keepalived.conf", check=False)
        parts.append(f"--- {host} keepalived.conf ---\n{conf.stdout[-1500:]}")
    return "\n".join(parts)


def serving_lb(vip: str) -> str | None:
    try:
        status, headers, _ = get(vip, 80, timeout=2)
    except OSError:
        return None
    return headers.get("x-load-balancer") if status == 200 else None


def test_a_vip_moved_to_the_surviving_node(lbs, vips):
    survivor = lbs[1]
    try:
        wait_for(lambda: vip_holders(vips[0], lbs[1:]) == [survivor], DEADLINE, f"{vips[0]} on {survivor}")
    except AssertionError as err:
        raise AssertionError(f"{err}\n{diagnostics(lbs[1:], vips)}") from None


def test_a_clients_are_served_by_the_survivor(lbs, vips):
    # The VIP can show on the survivor a moment before this host has its gratuitous ARP.
    wait_for(lambda: serving_lb(vips[0]) == lbs[1], DEADLINE, f"the first answer from {lbs[1]}")
    seen = [serving_lb(vips[0]) for _ in range(50)]
    assert seen == [lbs[1]] * 50, f"{seen}\n{diagnostics(lbs[1:], vips)}"


def test_d_old_master_returns_and_takes_its_vip_back_once(lbs, vips):
    """The lab runs with preemption and preempt_delay: the returning preferred master
    takes VI_1 back once, after the delay, and never flaps."""
    old = lbs[0]
    subprocess.run(["podman", "start", container(old)], check=True, capture_output=True, timeout=60)
    wait_for(lambda: exec_in(old, "systemctl", "is-active", "keepalived", check=False).stdout.strip() == "active",
             60, f"keepalived active on {old}")
    try:
        wait_for(lambda: vip_holders(vips[0], lbs) == [old], 30, f"{vips[0]} back on {old}")
    except AssertionError as err:
        raise AssertionError(f"{err}\n{diagnostics(lbs, vips)}") from None
    moves = journal(old).count("instance=VI_1 state=MASTER")
    assert moves == 1, f"{old} became VI_1 master {moves} times since it came back\n{diagnostics(lbs, vips)}"
    assert all(serving_lb(vips[0]) == old for _ in range(20))


def test_b_haproxy_death_moves_the_vip_while_keepalived_runs(lbs, vips):
    holder = wait_for(lambda: (h := vip_holders(vips[1], lbs)) and len(h) == 1 and h[0], DEADLINE,
                      f"one holder of {vips[1]}")
    other = next(h for h in lbs if h != holder)
    # Keep HAProxy down after the kill: Debian's unit restarts it otherwise.
    exec_in(holder, "sh", "-c", "mkdir -p /run/systemd/system/haproxy.service.d && "
            "printf '[Service]\\nRestart=no\\n' > /run/systemd/system/haproxy.service.d/zz-test.conf && "
            "systemctl daemon-reload && systemctl kill -s KILL haproxy")
    try:
        wait_for(lambda: vip_holders(vips[1], lbs) == [other], DEADLINE, f"{vips[1]} on {other}")
        assert exec_in(holder, "systemctl", "is-active", "keepalived", check=False).stdout.strip() == "active"
        seen = [serving_lb(vips[1]) for _ in range(30)]
        assert seen == [other] * 30, seen
    except AssertionError as err:
        raise AssertionError(f"{err}\n{diagnostics(lbs, vips)}") from None
    finally:
        exec_in(holder, "sh", "-c", "rm -f /run/systemd/system/haproxy.service.d/zz-test.conf && "
                "systemctl daemon-reload && systemctl start haproxy", check=False)
    # Once HAProxy is back, the preferred master takes its VIP back after the delay.
    wait_for(lambda: vip_holders(vips[1], lbs) == [holder], 30, f"{vips[1]} back on {holder}")


def test_hung_haproxy_moves_the_vip(lbs, vips):
    """A HAProxy that runs but no longer answers (SIGSTOP): the track file still says
    "up", so only the check script can catch it."""
    holder = wait_for(lambda: (h := vip_holders(vips[0], lbs)) and len(h) == 1 and h[0], 30,
                      f"one holder of {vips[0]}")
    other = next(h for h in lbs if h != holder)
    exec_in(holder, "pkill", "-STOP", "-x", "haproxy")
    try:
        wait_for(lambda: vip_holders(vips[0], lbs) == [other], DEADLINE, f"{vips[0]} on {other}")
        assert serving_lb(vips[0]) == other
    except AssertionError as err:
        raise AssertionError(f"{err}\n{diagnostics(lbs, vips)}") from None
    finally:
        exec_in(holder, "pkill", "-CONT", "-x", "haproxy", check=False)
    wait_for(lambda: vip_holders(vips[0], lbs) == [holder], 30, f"{vips[0]} back on {holder}")
