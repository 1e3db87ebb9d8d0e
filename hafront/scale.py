# SPDX-License-Identifier: MIT
"""Inputs at scale, shared by the scale benchmark (bench/scale.py) and its tests: host
variables for the weight and VRRP filters, a generated inventory for rendering haproxy.cfg
with many servers, and a best-of-N timer.

Every input is deterministic (no randomness), so two runs time the same work."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import yaml

# keepalived's virtual_router_id is 1..255 and a VRRP priority 1..254 (255 is the address
# owner's): the largest group vrrp_priorities can rank, with the most instances one network
# can carry. A larger group is refused by the filter, not ranked.
VRRP_MAX_HOSTS = 254
VRRP_MAX_INSTANCES = 255


class Timing(NamedTuple):
    best: float              # fastest run, wall clock (time.perf_counter), seconds
    runs: list[float]        # every run, wall clock
    best_cpu: float          # least CPU time of this process in one run (time.process_time)


def best_of(func: Callable[[], Any], runs: int) -> Timing:
    """Times of func over runs runs. The fastest wall time is the least disturbed by other work
    on a busy machine; the CPU time shows the work itself when every run was preempted."""
    walls, cpus = [], []
    for _ in range(runs):
        cpu, start = time.process_time(), time.perf_counter()
        func()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    return Timing(min(walls), walls, min(cpus))


def backend_host_vars(index: int) -> dict[str, Any]:
    """One backend host's variables, cycling through every source of capacity the weights
    filter reads: declared capacity, gathered facts (vCPUs, memory), an explicit weight,
    drained, and nothing at all."""
    kind = index % 5
    if kind == 0:
        return {"haproxy_capacity": 1 + index % 16}
    if kind == 1:
        return {"ansible_facts": {"processor_vcpus": 1 + index % 8, "memtotal_mb": 2048 * (1 + index % 6)}}
    if kind == 2:
        return {"haproxy_weight": index % 101}
    if kind == 3 and index % 3 == 0:
        return {"haproxy_drain": True, "haproxy_capacity": 4}
    return {}


def weights_input(hosts: int) -> tuple[list[str], dict[str, dict[str, Any]]]:
    """(host names, hostvars) of a backend group of that many hosts."""
    hostvars = {f"web{i:05d}": backend_host_vars(i) for i in range(hosts)}
    return list(hostvars), hostvars


def server_weights_input(hosts: int, services: int) -> tuple[list[dict[str, Any]], dict[str, list[str]],
                                                               dict[str, dict[str, Any]]]:
    """(haproxy_services, groups, hostvars): the hosts split evenly over that many services,
    every other one balancing by capacity."""
    names, hostvars = weights_input(hosts)
    per = -(-hosts // services)
    groups = {f"svc{j:03d}": names[j * per:(j + 1) * per] for j in range(services)}
    svc = [{"name": f"svc{j:03d}", "backend_group": f"svc{j:03d}",
            "balance": "weighted" if j % 2 == 0 else "roundrobin"} for j in range(services)]
    return svc, groups, hostvars


def vrrp_input(inventory_hosts: int, load_balancers: int = VRRP_MAX_HOSTS,
               instances: int = VRRP_MAX_INSTANCES) -> tuple[list[str], list[dict[str, Any]], dict[str, Any]]:
    """(load balancers, keepalived_instances, hostvars): hostvars holds the whole inventory
    (inventory_hosts hosts, the load balancers among them); every 7th instance names a
    preferred master. Rank them with top=254, step=1: 254 hosts use every priority."""
    lbs = [f"lb{i:03d}" for i in range(load_balancers)]
    hostvars: dict[str, Any] = {f"web{i:05d}": {} for i in range(max(0, inventory_hosts - load_balancers))}
    hostvars.update({lb: {"keepalived_priority": None} for lb in lbs})
    vis = [{"name": f"VI_{k + 1}", **({"preferred_master": lbs[(k * 3) % len(lbs)]} if k % 7 == 0 else {})}
           for k in range(instances)]
    return lbs, vis, hostvars


def write_inventory(directory: Path, services: int, servers: int, load_balancers: int = 2) -> dict[str, list[str]]:
    """A sample inventory in directory: load balancers lb1..lbN and `servers` backend hosts
    spread evenly over `services` HAProxy services (one backend group each, with IPv4
    addresses, so nothing is resolved). Settings follow inventories/production; the stats
    password comes from vault_haproxy_stats_password, as tests/render passes it.
    Returns backend name (be_<service>) -> its servers' host names, in inventory order."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "group_vars").mkdir(exist_ok=True)
    per = -(-servers // services)
    backends: dict[str, list[str]] = {}
    children: dict[str, Any] = {"loadbalancers": {"hosts": {
        f"lb{i + 1}": {"ansible_host": f"192.0.2.{11 + i}"} for i in range(load_balancers)}}}
    for j in range(services):
        hosts = {}
        for k in range(min(per, servers - j * per)):
            index = j * per + k
            # Facts come from gathering, not from the inventory (Ansible keeps ansible_facts
            # for them): those hosts declare nothing here.
            declared = {k: v for k, v in backend_host_vars(index).items() if k != "ansible_facts"}
            hosts[f"s{j:03d}-{k:03d}"] = {"ansible_host": f"10.{100 + index // 62500}.{index // 250 % 250}.{index % 250 + 1}",
                                          **declared}
        children[f"svc{j:03d}"] = {"hosts": hosts}
        backends[f"be_svc{j:03d}"] = list(hosts)
    (directory / "hosts.yml").write_text(yaml.safe_dump({"all": {"children": children}}, sort_keys=False))

    vips = ["192.0.2.100", "192.0.2.101"]
    balances = ["weighted", "roundrobin", "leastconn", "source"]
    service_list = []
    for j in range(services):
        service: dict[str, Any] = {"name": f"svc{j:03d}", "mode": "http" if j % 5 else "tcp",
                                   "bind_address": vips, "port": 10000 + j, "balance": balances[j % len(balances)],
                                   "backend_group": f"svc{j:03d}", "backend_port": 8080}
        if service["mode"] == "http":
            service["check"] = {"path": "/healthz", "expect_status": 200}
        service_list.append(service)
    group_vars = {
        "haproxy_stats_bind_address": "{{ ansible_host }}",
        "haproxy_stats_password": "{{ vault_haproxy_stats_password }}",
        "haproxy_nonlocal_bind": True,
        "haproxy_services": service_list,
        "keepalived_address": "{{ ansible_host }}",
        "keepalived_interface": "eth0",
        "keepalived_instances": [{"name": "VI_1", "vrid": 61, "vips": [f"{vips[0]}/24"]},
                                 {"name": "VI_2", "vrid": 62, "vips": [f"{vips[1]}/24"]}],
    }
    (directory / "group_vars/loadbalancers.yml").write_text(yaml.safe_dump(group_vars, sort_keys=False))
    return backends


def servers_in(config: str) -> dict[str, list[str]]:
    """backend name -> the names of its `server` lines, from a rendered haproxy.cfg."""
    found: dict[str, list[str]] = {}
    current = None
    for line in config.splitlines():
        words = line.split()
        if not words:
            continue
        if not line[0].isspace():
            current = words[1] if words[0] == "backend" and len(words) > 1 else None
            if current is not None:
                found[current] = []
        elif current is not None and words[0] == "server" and len(words) > 1:
            found[current].append(words[1])
    return found
