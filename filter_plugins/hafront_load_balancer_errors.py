# Copyright (c) 2026 hafront contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: hafront_load_balancer_errors
short_description: Check that the HAProxy and keepalived settings of every load balancer agree
description:
  - For each load balancer, compares what the haproxy role will configure (its C(haproxy_preflight)
    result and C(haproxy_services)) with what the keepalived role will (C(keepalived_preflight)).
  - keepalived's check URL must reach HAProxy's monitor frontend (address, port, path), and the monitor
    must be on when keepalived tracks HAProxy.
  - Every address a service binds must be a VIP or an address of the node, and every VIP must be
    bound by a service (unless a service binds every address).
  - Returns one message per mistake, naming both roles' variables, the host and the fix.
  - The rules live in the hafront package (hafront/crosscheck.py), unit-tested there.
positional: _input, hostvars
extends_documentation_fragment:
  - hafront
options:
  _input:
    description: The load balancers' inventory names (C(groups['loadbalancers'])).
    type: list
    elements: str
    required: true
  hostvars:
    description: Ansible's C(hostvars), after every role's preflight ran (facts gathered).
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Check that the load balancers' roles agree
  ansible.builtin.assert:
    that: __bad == []
    fail_msg: "{{ __bad | join(' ') }}"
  run_once: true
  vars:
    __bad: "{{ groups['loadbalancers'] | hafront_load_balancer_errors(hostvars) }}"
"""

RETURN = r"""
_value:
  description: One message per disagreement; empty when the roles agree on every load balancer.
  type: list
  elements: str
"""

import os
import sys
from collections.abc import Mapping
from typing import Any

# Ansible imports plugin files under synthetic module names: the shared helpers are found through sys.path,
# and importing them puts the repository's hafront package on it too.
if (_HERE := os.path.dirname(os.path.abspath(__file__))) not in sys.path:
    sys.path.append(_HERE)
from _hafront_filter_utils import filter_module  # noqa: E402  pylint: disable=wrong-import-position
from hafront import crosscheck  # noqa: E402  pylint: disable=wrong-import-position


def hafront_load_balancer_errors(hosts: list[str], hostvars: Mapping[str, Any]) -> list[str]:
    """One message per setting the haproxy and keepalived roles disagree on."""
    nodes = {}
    for host in hosts:
        node = hostvars[host]
        facts = node.get("ansible_facts") or {}
        nodes[host] = {
            "haproxy": node.get("haproxy_preflight"),
            "keepalived": node.get("keepalived_preflight"),
            "services": node.get("haproxy_services") or [],
            "addresses": list(facts.get("all_ipv4_addresses") or []) + list(facts.get("all_ipv6_addresses") or []),
        }
    return crosscheck.load_balancer_errors(nodes)


FilterModule = filter_module(hafront_load_balancer_errors)
