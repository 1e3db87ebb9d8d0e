# Copyright (c) 2026 hafront contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: haproxy_weights
short_description: Compute HAProxy server weights from each backend host's capacity
description:
  - Maps each backend host to an HAProxy server C(weight) proportional to the host's capacity.
  - "Each host's weight comes from the first of these that applies:
     V(haproxy_drain=true) gives weight V(0);
     C(haproxy_weight) is an explicit weight, used as-is and not scaled;
     C(haproxy_capacity) is a declared capacity in any unit (only ratios matter);
     gathered facts give C(ansible_facts.processor_vcpus) (or C(processor_count)),
     capped at C(ansible_facts.memtotal_mb) / O(mb_per_vcpu);
     otherwise the capacity is V(1), so hosts that declare nothing get equal weights."
  - A variable set to V(null) counts as unset.
  - Weights that are not explicit are round-half-up(O(max_weight) * capacity / largest capacity).
    The largest host gets O(max_weight), any host with capacity above zero gets at least V(1),
    and a host with capacity V(0) gets V(0).
positional: _input, hostvars
options:
  _input:
    description: Names of the backend hosts, for example C(groups['web']).
    type: list
    elements: string
    required: true
  hostvars:
    description: Mapping of host name to that host's variables, normally the C(hostvars) magic variable.
    type: dict
    required: true
  max_weight:
    description: Weight of the largest-capacity host and upper limit of every weight (HAProxy allows 1 to 256).
    type: int
    default: 256
  mb_per_vcpu:
    description: Memory in MiB a vCPU needs to be fully usable; caps fact-based capacity on hosts short of memory.
    type: int
    default: 2048
  equal:
    description:
      - Give every host with a capacity above zero O(max_weight) (services that do not balance by capacity).
        Drained hosts and hosts with capacity or weight V(0) still get V(0).
    type: bool
    default: false
author:
  - hafront contributors
"""

EXAMPLES = r"""
- name: Weight the web servers by capacity
  ansible.builtin.set_fact:
    web_weights: "{{ groups['web'] | haproxy_weights(hostvars) }}"
  # With web1 haproxy_capacity=2 and web2, web3 haproxy_capacity=1:
  # {"web1": 256, "web2": 128, "web3": 128}

- name: Use a smaller weight range and assume 4 GiB per vCPU
  ansible.builtin.debug:
    msg: "{{ groups['web'] | haproxy_weights(hostvars, max_weight=100, mb_per_vcpu=4096) }}"
"""

RETURN = r"""
_value:
  description: Host name to weight (V(0) to O(max_weight)), in the order of the input list.
  type: dict
"""

import math
import os
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from ansible.errors import AnsibleFilterError

# Ansible imports plugin files under synthetic module names: the shared helpers are found through sys.path.
if (_HERE := os.path.dirname(os.path.abspath(__file__))) not in sys.path:
    sys.path.append(_HERE)
from _hafront_filter_utils import FilterChecks, defined

HAPROXY_MAX_WEIGHT = 256

_check = FilterChecks("haproxy_weights", "groups['web']", "hostvars")


# Exact types that are never undefined nor bool: the checks skip them (10,000 hosts are read per run).
_PLAIN = frozenset((int, float, str))


def _as_number(value: Any) -> float | None:
    """Return value as a finite float >= 0, or None if it is not one."""
    # YAML yes/no would otherwise pass as 1/0.
    if type(value) not in _PLAIN and isinstance(defined(value), bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if math.isfinite(number) and number >= 0 else None


def _bad_weight(name: str, value: Any, limit: Any) -> AnsibleFilterError:
    return _check.error(f"host {name!r}: haproxy_weight", f"must be a whole number from 0 to {limit}, got {value!r}",
                         "set an integer weight such as 10, or remove it to derive the weight from capacity")


def _fact(name: str, facts: Mapping[str, Any], key: str) -> float | None:
    value = facts.get(key)
    if value is None:
        return None
    number = _as_number(value)
    if number is None:
        raise _check.error(f"host {name!r}: ansible_facts.{key}", f"must be a number >= 0, got {value!r}",
                            "re-gather facts, or set haproxy_capacity or haproxy_weight for this host")
    return number


def capacity_of(name: str, host_vars: Mapping[str, Any], mb_per_vcpu: int = 2048) -> tuple[float, str]:
    """Return (capacity, source) of one host; source is drain, weight, capacity, facts or default.

    For source "weight" the capacity is the explicit weight, not yet checked against max_weight.
    """
    _check.option("mb_per_vcpu", mb_per_vcpu, 1, None, 2048)
    return _capacity(name, host_vars, mb_per_vcpu)


def _capacity(name: str, host_vars: Mapping[str, Any], mb_per_vcpu: int) -> tuple[float, str]:
    """capacity_of, mb_per_vcpu already checked."""
    if type(host_vars) is not dict:
        _check.host_vars(name, host_vars)

    drain = host_vars.get("haproxy_drain")
    if drain is not None:
        if not isinstance(defined(drain), bool):
            raise _check.error(f"host {name!r}: haproxy_drain", f"must be true or false, got {drain!r}",
                                "set it to true to drain the host, or to false or remove it")
        if drain:
            return 0.0, "drain"

    weight = host_vars.get("haproxy_weight")
    if weight is not None:
        number = _as_number(weight)
        if number is None or not number.is_integer():
            raise _bad_weight(name, weight, "max_weight")
        return number, "weight"

    capacity = host_vars.get("haproxy_capacity")
    if capacity is not None:
        number = _as_number(capacity)
        if number is None:
            raise _check.error(f"host {name!r}: haproxy_capacity", f"must be a finite number >= 0, got {capacity!r}",
                                "set it to a non-negative number such as 4, or remove it to use facts")
        return number, "capacity"

    facts = host_vars.get("ansible_facts")
    if facts is None:
        facts = {}
    elif type(facts) is not dict and not isinstance(defined(facts), Mapping):
        raise _check.error(f"host {name!r}: ansible_facts", f"must be a mapping, got {facts!r}",
                            "do not override ansible_facts, or set haproxy_capacity for this host")
    vcpus = _fact(name, facts, "processor_vcpus")
    if vcpus is None:
        vcpus = _fact(name, facts, "processor_count")
    memory = _fact(name, facts, "memtotal_mb")
    if memory is not None:
        by_memory = memory / mb_per_vcpu
        return (by_memory if vcpus is None else min(vcpus, by_memory)), "facts"
    if vcpus is not None:
        return vcpus, "facts"
    return 1.0, "default"


class _Scale:
    """round-half-up(max_weight * capacity / largest), at least 1 above capacity 0, computed exactly.

    Exact integers make the half-up tie-break exact and give the largest host exactly max_weight.
    Each float is the exact fraction n/d of float.as_integer_ratio(), so with capacity = cn/cd and
    largest = ln/ld, floor(max_weight * capacity / largest + 1/2) is
    (2 * max_weight * cn * ld + cd * ln) // (2 * cd * ln): the same value as with Fraction, without
    building one per host. Hosts often share a capacity, so each distinct one is computed once.
    """

    def __init__(self, largest: float, max_weight: int) -> None:
        self.numerator, self.denominator = largest.as_integer_ratio() if largest else (0, 1)
        self.max_weight = max_weight
        self.known: dict[float, int] = {}

    def __call__(self, capacity: float) -> int:
        weight = self.known.get(capacity)
        if weight is None:
            if capacity == 0:
                weight = 0
            else:
                cn, cd = capacity.as_integer_ratio()
                below = 2 * cd * self.numerator
                weight = max(1, (2 * self.max_weight * cn * self.denominator + cd * self.numerator) // below)
            self.known[capacity] = weight
        return weight


def haproxy_weights(hosts: Sequence[str], hostvars: Mapping[str, Mapping[str, Any]],
                    max_weight: int = HAPROXY_MAX_WEIGHT, mb_per_vcpu: int = 2048, equal: bool = False) -> dict[str, int]:
    """Return host name -> HAProxy weight (0..max_weight), in the order of hosts."""
    _check.option("max_weight", max_weight, 1, HAPROXY_MAX_WEIGHT, 100)
    if not isinstance(equal, bool):
        raise _check.error("option equal", f"must be true or false, got {equal!r}", "pass equal=true or leave it out")
    hosts = _check.host_names(hosts, "backend host")
    hostvars = _check.hostvars(hostvars)
    capacities: dict[str, tuple[float, str]] = {}
    for name in hosts:
        host_vars = _check.known_host(name, hostvars)
        if not capacities:
            # Checked once, where capacity_of would check it first (after the first host is found).
            _check.option("mb_per_vcpu", mb_per_vcpu, 1, None, 2048)
        capacities[name] = _capacity(name, host_vars, mb_per_vcpu)

    largest = max((c for c, source in capacities.values() if source != "weight"), default=0.0)
    scale = _Scale(largest, max_weight)
    weights: dict[str, int] = {}
    for name, (capacity, source) in capacities.items():
        if source != "weight":
            weights[name] = scale(capacity)
        elif capacity > max_weight:
            raise _bad_weight(name, int(capacity), f"max_weight ({max_weight})")
        else:
            weights[name] = int(capacity)
    if equal:
        return {name: max_weight if weight > 0 else 0 for name, weight in weights.items()}
    return weights


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {"haproxy_weights": haproxy_weights}
