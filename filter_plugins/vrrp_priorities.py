# Copyright (c) 2026 hafront contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: vrrp_priorities
short_description: Compute keepalived VRRP priorities for every load balancer in every VRRP instance
description:
  - Gives each load balancer a distinct VRRP C(priority) in each keepalived instance, so exactly one
    host is master of each virtual address and the failover order is explicit.
  - "For instance number k (counting from 0, in the order of O(instances)) the hosts are ranked in
     input order rotated left by k, so with several instances the masters are spread over the load
     balancers (active-active). An instance's C(preferred_master) is moved to the front of its ranking;
     the other hosts keep the rotated order."
  - The host at rank r gets priority O(top) - r * O(step).
  - A host's C(keepalived_priority) variable, if set, replaces that host's priority in every instance.
    A variable set to V(null) counts as unset.
  - Priorities are always from V(1) to V(254) (V(255) is reserved for the address owner) and distinct
    within an instance; anything else is an error.
positional: _input, instances, hostvars
options:
  _input:
    description: Names of the load balancers in inventory order, for example C(groups['loadbalancers']).
    type: list
    elements: string
    required: true
  instances:
    description:
      - The keepalived VRRP instances, each a dict with a unique C(name)
        and an optional C(preferred_master) naming one of the input hosts.
    type: list
    elements: dict
    required: true
  hostvars:
    description: Mapping of host name to that host's variables, normally the C(hostvars) magic variable.
    type: dict
    required: true
  top:
    description: Priority of the first-ranked host in each instance (V(2) to V(254)).
    type: int
    default: 250
  step:
    description: Difference between the priorities of consecutive ranks.
    type: int
    default: 10
author:
  - hafront contributors
"""

EXAMPLES = r"""
- name: Spread two virtual addresses over two load balancers
  ansible.builtin.set_fact:
    vrrp_priority_table: "{{ groups['loadbalancers'] | vrrp_priorities(keepalived_instances, hostvars) }}"
  # With groups['loadbalancers'] = [lb1, lb2] and instances VI_1, VI_2:
  # {"VI_1": {"lb1": 250, "lb2": 240}, "VI_2": {"lb1": 240, "lb2": 250}}

- name: Pin VI_1 on lb2 and use a narrower priority range
  ansible.builtin.debug:
    msg: "{{ groups['loadbalancers'] | vrrp_priorities([{'name': 'VI_1', 'preferred_master': 'lb2'}], hostvars, top=150, step=5) }}"
  # {"VI_1": {"lb1": 145, "lb2": 150}}
"""

RETURN = r"""
_value:
  description: Instance name to a dict of host name to priority (V(1) to V(254)), hosts in the order of the input list.
  type: dict
"""

import os
import sys
from collections.abc import Mapping, Sequence
from typing import Any

# Ansible imports plugin files under synthetic module names: the shared helpers are found through sys.path.
if (_HERE := os.path.dirname(os.path.abspath(__file__))) not in sys.path:
    sys.path.append(_HERE)
from _hafront_filter_utils import FilterChecks, defined, is_list

# VRRP priority 255 belongs to the address owner and 0 means "stop being master" (RFC 5798).
VRRP_MAX_PRIORITY = 254

_check = FilterChecks("vrrp_priorities", "groups['loadbalancers']", "keepalived_instances, hostvars")


def _check_hosts(hosts: Any, top: int, step: int) -> list[str]:
    hosts = _check.host_names(hosts, "load balancer")
    n = len(hosts)
    if n > VRRP_MAX_PRIORITY:
        raise _check.error("input", f"has {n} hosts, but VRRP allows at most {VRRP_MAX_PRIORITY} backup priorities "
                            "(255 is reserved for the address owner)", "split the load balancers into smaller groups")
    lowest = top - (n - 1) * step
    if lowest < 1:
        largest_step = (top - 1) // (n - 1)
        fix = (f"pass a smaller step, e.g. step={largest_step}" if largest_step >= 1
               else f"pass a smaller step and a larger top, e.g. step=1, top={VRRP_MAX_PRIORITY}")
        raise _check.error("input", f"is a group of {n} hosts, too large for top={top} and step={step} "
                            f"(the last host would get priority {lowest}, below 1)", fix)
    return hosts


def _check_instances(instances: Any, hosts: list[str]) -> list[tuple[str, str | None]]:
    """Return (name, preferred_master or None) of each instance, in order."""
    if not is_list(instances):
        raise _check.error("argument instances", f"must be a list of dicts, got {instances!r}",
                            "pass e.g. keepalived_instances: [{name: VI_1}, {name: VI_2}]")
    if not instances:
        raise _check.error("argument instances", "is an empty list", "define at least one instance, e.g. [{name: VI_1}]")
    checked: list[tuple[str, str | None]] = []
    seen: set[str] = set()
    known = set(hosts)
    for index, instance in enumerate(instances):
        if not isinstance(defined(instance), Mapping):
            raise _check.error(f"instances[{index}]", f"must be a dict with a name, got {instance!r}",
                                "write each instance as {name: VI_1}")
        name = defined(instance.get("name"))
        if not isinstance(name, str) or not name:
            raise _check.error(f"instances[{index}]: name", f"must be a non-empty string, got {name!r}",
                                "give every instance a name such as VI_1")
        if name in seen:
            raise _check.error(f"instance {name!r}", "is defined more than once in instances",
                                "give every instance a unique name")
        preferred = defined(instance.get("preferred_master"))
        if preferred is not None and (not isinstance(preferred, str) or preferred not in known):
            raise _check.error(f"instance {name!r}: preferred_master {preferred!r}", "is not one of the input hosts",
                                f"name one of {hosts} or remove preferred_master")
        checked.append((name, preferred))
        seen.add(name)
    return checked


def _override(name: str, hostvars: Mapping[str, Any]) -> int | None:
    host_vars = _check.host_vars(name, _check.known_host(name, hostvars))
    value = defined(host_vars.get("keepalived_priority"))
    if value is None:
        return None
    # bool is an int subclass, and YAML yes/no would otherwise pass as 1/0.
    if isinstance(value, int) and not isinstance(value, bool):
        priority = value
    elif isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        priority = int(value)
    else:
        priority = 0
    if not 1 <= priority <= VRRP_MAX_PRIORITY:
        raise _check.error(f"host {name!r}: keepalived_priority", f"must be an integer from 1 to {VRRP_MAX_PRIORITY}, "
                            f"got {value!r}", "set e.g. keepalived_priority: 200, or remove it to use the computed ranking")
    return priority


def ranking(hosts: Sequence[str], index: int, preferred: str | None = None) -> list[str]:
    """Return the hosts of instance number index, best first: rotated left by index, preferred moved first."""
    shift = index % len(hosts)
    ranked = list(hosts[shift:]) + list(hosts[:shift])
    if preferred is not None:
        ranked.remove(preferred)
        ranked.insert(0, preferred)
    return ranked


def vrrp_priorities(hosts: Sequence[str], instances: Sequence[Mapping[str, Any]],
                    hostvars: Mapping[str, Mapping[str, Any]], top: int = 250, step: int = 10) -> dict[str, dict[str, int]]:
    """Return instance name -> (host name -> VRRP priority 1..254), hosts in the order of hosts."""
    _check.option("top", top, 2, VRRP_MAX_PRIORITY, 250)
    _check.option("step", step, 1, None, 10)
    hosts = _check_hosts(hosts, top, step)
    hostvars = _check.hostvars(hostvars)
    overrides = {name: _override(name, hostvars) for name in hosts}
    checked = _check_instances(instances, hosts)

    result: dict[str, dict[str, int]] = {}
    if all(override is None for override in overrides.values()):
        # Distinct ranks give distinct priorities: nothing can clash, so each instance is built whole.
        n = len(hosts)
        by_rank = [top - r * step for r in range(n)]
        for index, (instance, preferred) in enumerate(checked):
            if preferred is None:
                # Host i has rank (i - shift) mod n.
                cut = n - index % n
                result[instance] = dict(zip(hosts, by_rank[cut:] + by_rank[:cut]))
            else:
                rank = {host: r for r, host in enumerate(ranking(hosts, index, preferred))}
                result[instance] = {host: by_rank[rank[host]] for host in hosts}
        return result
    for index, (instance, preferred) in enumerate(checked):
        rank = {host: r for r, host in enumerate(ranking(hosts, index, preferred))}
        priorities: dict[str, int] = {}
        holder: dict[int, str] = {}
        for host in hosts:
            override = overrides[host]
            priority = override if override is not None else top - rank[host] * step
            if priority in holder:
                # Equal priorities make keepalived elect by IP address, which nobody reading the inventory expects.
                raise _check.error(f"instance {instance!r}: hosts {holder[priority]!r} and {host!r}",
                                    f"both get priority {priority}",
                                    "change or remove keepalived_priority on one of them so that every priority differs")
            holder[priority] = host
            priorities[host] = priority
        result[instance] = priorities
    return result


def preferred_masters(result: Mapping[str, Mapping[str, int]]) -> dict[str, str]:
    """Return instance name -> host with the highest priority, i.e. the master while all hosts are up."""
    return {instance: max(priorities, key=priorities.__getitem__) for instance, priorities in result.items()}


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {"vrrp_priorities": vrrp_priorities}
