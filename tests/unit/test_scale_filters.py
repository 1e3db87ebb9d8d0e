# SPDX-License-Identifier: MIT
"""The weight and VRRP filters at scale (issue 15): fast enough for 10,000 hosts, and still
right there. The bounds are 10x the benchmark's targets (bench/scale.py: 50 ms), so a busy
2-core machine does not fail them, while a quadratic slip (10,000 hosts squared) does."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
import yaml
from ansible.errors import AnsibleFilterError

from hafront import scale
from haproxy_server_weights import haproxy_server_weights
from haproxy_weights import haproxy_weights
from vrrp_priorities import ranking, vrrp_priorities

HOSTS = 10_000
BOUND_S = 0.5
RUNS = 3


def reference_weight(host_vars: dict, largest: Fraction, max_weight: int = 256, mb_per_vcpu: int = 2048) -> int:
    """The documented rule, written out again with exact fractions, for the generator's kinds of host."""
    if host_vars.get("haproxy_drain"):
        return 0
    if "haproxy_weight" in host_vars:
        return host_vars["haproxy_weight"]
    capacity = reference_capacity(host_vars, mb_per_vcpu)
    return 0 if capacity == 0 else max(1, math.floor(max_weight * capacity / largest + Fraction(1, 2)))


def reference_capacity(host_vars: dict, mb_per_vcpu: int = 2048) -> Fraction:
    if "haproxy_capacity" in host_vars:
        return Fraction(host_vars["haproxy_capacity"])
    facts = host_vars.get("ansible_facts", {})
    if facts:
        return min(Fraction(facts["processor_vcpus"]), Fraction(facts["memtotal_mb"], mb_per_vcpu))
    return Fraction(1)


def test_weights_of_10000_hosts_are_fast():
    names, hostvars = scale.weights_input(HOSTS)
    timing = scale.best_of(lambda: haproxy_weights(names, hostvars), RUNS)
    assert timing.best < BOUND_S, f"haproxy_weights on {HOSTS} hosts: {timing.runs} s"


def test_weights_of_10000_hosts_follow_the_documented_rule():
    names, hostvars = scale.weights_input(HOSTS)
    weights = haproxy_weights(names, hostvars)
    assert list(weights) == names
    largest = max(reference_capacity(v) for v in hostvars.values()
                  if "haproxy_weight" not in v and not v.get("haproxy_drain"))
    expected = {name: reference_weight(hostvars[name], largest) for name in names}
    assert weights == expected
    assert {type(w) for w in weights.values()} == {int}
    assert 0 in weights.values() and 256 in weights.values() and 1 in weights.values()


def test_server_weights_of_10000_hosts_in_50_services_are_fast_and_match_the_filter():
    services, groups, hostvars = scale.server_weights_input(HOSTS, 50)
    timing = scale.best_of(lambda: haproxy_server_weights(services, groups, hostvars), RUNS)
    assert timing.best < BOUND_S, f"haproxy_server_weights on {HOSTS} hosts: {timing.runs} s"
    result = haproxy_server_weights(services, groups, hostvars)
    assert sum(map(len, result.values())) == HOSTS
    weighted = services[0]
    assert weighted["balance"] == "weighted"
    group = groups[weighted["backend_group"]]
    assert result["be_" + weighted["name"]] == haproxy_weights(group, hostvars)


def test_vrrp_priorities_of_the_largest_group_are_fast_and_right():
    lbs, instances, hostvars = scale.vrrp_input(HOSTS)
    assert (len(lbs), len(instances), len(hostvars)) == (254, 255, HOSTS)
    timing = scale.best_of(lambda: vrrp_priorities(lbs, instances, hostvars, top=254, step=1), RUNS)
    assert timing.best < BOUND_S, f"vrrp_priorities, 254 x 255: {timing.runs} s"
    result = vrrp_priorities(lbs, instances, hostvars, top=254, step=1)
    assert list(result) == [i["name"] for i in instances]
    for index, instance in enumerate(instances):
        priorities = result[instance["name"]]
        assert list(priorities) == lbs
        ranked = ranking(lbs, index, instance.get("preferred_master"))
        assert priorities == {host: 254 - rank for rank, host in enumerate(ranked)}


def test_vrrp_priorities_refuse_10000_load_balancers_quickly():
    lbs, instances, hostvars = scale.vrrp_input(HOSTS, load_balancers=HOSTS, instances=2)

    def refuse():
        with pytest.raises(AnsibleFilterError, match="has 10000 hosts, but VRRP allows at most 254"):
            vrrp_priorities(lbs, instances, hostvars, top=254, step=1)

    timing = scale.best_of(refuse, RUNS)
    assert timing.best < BOUND_S, timing.runs


# hafront.scale's own helpers.

def test_best_of_times_every_run():
    calls = []
    timing = scale.best_of(lambda: calls.append(1), 4)
    assert len(calls) == 4 and len(timing.runs) == 4
    assert timing.best == min(timing.runs) and timing.best_cpu >= 0


def test_inventory_spreads_servers_over_services(tmp_path):
    backends = scale.write_inventory(tmp_path, services=7, servers=50, load_balancers=1)
    assert len(backends) == 7 and sum(map(len, backends.values())) == 50
    hosts = yaml.safe_load((tmp_path / "hosts.yml").read_text())["all"]["children"]
    assert list(hosts["loadbalancers"]["hosts"]) == ["lb1"]
    addresses = [v["ansible_host"] for name, group in hosts.items() if name != "loadbalancers"
                 for v in group["hosts"].values()]
    assert len(set(addresses)) == 50
    values = yaml.safe_load((tmp_path / "group_vars/loadbalancers.yml").read_text())
    services = values["haproxy_services"]
    assert [s["backend_group"] for s in services] == [b.removeprefix("be_") for b in backends]
    assert len({s["port"] for s in services}) == 7


def test_servers_in_reads_each_backend():
    config = ("global\n    maxconn 10\n\nfrontend fe_a\n    bind *:80\n    default_backend be_a\n\n"
              "backend be_a\n    balance roundrobin\n    server a1 10.0.0.1:80 weight 3\n    server a2 10.0.0.2:80 weight 0\n"
              "\nbackend be_b\n    server b1 10.0.0.3:80 weight 1\n\nfrontend stats\n    server not-a-backend 1.1.1.1:1\n")
    assert scale.servers_in(config) == {"be_a": ["a1", "a2"], "be_b": ["b1"]}
