# Copyright (c) 2026 hafront contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: redis_current_master
short_description: Decide which Redis node is master now, from what the Sentinels answer
description:
  - Takes each Sentinel's answer to C(SENTINEL GET-MASTER-ADDR-BY-NAME) and returns the inventory
    name of the node they name, so a playbook run follows the last failover instead of undoing it.
  - With no answer at all (a first deploy, before any Sentinel runs) it returns O(initial_master).
  - The address named by a strict majority of the Sentinels asked wins; a Sentinel that gave no answer
    counts against every address. A tie, a plurality short of a majority, or an address that is no node
    of the group, is an error that asks for a look before anything changes.
  - The rule is hafront/redis_master.py's C(master_by_sentinels), which every Redis node also applies
    when it starts (roles/redis/files/hafront-redis-replication), so the two cannot disagree.
positional: _input, addresses, initial_master
extends_documentation_fragment:
  - hafront
options:
  _input:
    description: Sentinel host name to its answer, C(ip:port), or null/empty when it gave none.
    type: dict
    required: true
  addresses:
    description: Redis host name to the address its server binds.
    type: dict
    required: true
  initial_master:
    description: Host that is master when no Sentinel answers (the inventory's C(redis_initial_master)).
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Follow the Sentinels
  ansible.builtin.set_fact:
    redis_current_master: "{{ answers | redis_current_master(addresses, redis_initial_master) }}"
  vars:
    answers: {redis1: "10.0.0.32:6379", redis2: "10.0.0.32:6379", redis3: null}
    addresses: {redis1: 10.0.0.31, redis2: 10.0.0.32, redis3: 10.0.0.33}
  # -> redis2
"""

RETURN = r"""
_value:
  description: Inventory name of the current master.
  type: str
"""

import os
import sys
from collections.abc import Mapping
from typing import Any

from ansible.errors import AnsibleFilterError

# Ansible imports plugin files under synthetic module names: the shared helpers are found through sys.path,
# and importing them puts the repository's hafront package on it too.
if (_HERE := os.path.dirname(os.path.abspath(__file__))) not in sys.path:
    sys.path.append(_HERE)
from _hafront_filter_utils import filter_module  # noqa: E402  pylint: disable=wrong-import-position
from hafront.redis_master import INITIAL, master_by_sentinels  # noqa: E402  pylint: disable=wrong-import-position

_NAME = "redis_current_master"


def _error(subject: str, problem: str, fix: str) -> AnsibleFilterError:
    return AnsibleFilterError(f"{_NAME}: {subject} {problem}; {fix}")


def redis_current_master(answers: Mapping[str, Any], addresses: Mapping[str, Any], initial_master: str) -> str:
    """Return the host a majority of the Sentinels name as master, or initial_master if none answered."""
    if not isinstance(answers, Mapping):
        raise _error("input", f"must map Sentinel host to its answer, got {answers!r}",
                     "build it from each host's SENTINEL GET-MASTER-ADDR-BY-NAME result")
    if not isinstance(addresses, Mapping) or not addresses:
        raise _error("addresses", f"must map each Redis host to its address, got {addresses!r}",
                     "pass the group's redis_bind_address values")
    if initial_master not in addresses:
        raise _error("redis_initial_master", f"is {initial_master!r}, not a host of the Redis group",
                     f"set it to one of {sorted(addresses)}")
    verdict = master_by_sentinels({host: str(a) if a else None for host, a in answers.items()}, initial_master)
    if verdict.reason == INITIAL:
        return initial_master
    if verdict.master is None:
        raise _error("Sentinels", f"name no master by a majority ({verdict.describe()}): {dict(answers)}",
                     "wait for the failover in progress to finish, bring the silent Sentinels back or check "
                     "their logs, then re-run")
    host, _, port = verdict.master.rpartition(":")
    by_address = {str(v): k for k, v in addresses.items()}
    if host not in by_address or not port.isdigit():
        raise _error("Sentinels", f"name {verdict.master!r} as master, which is no host of the Redis group "
                     f"{sorted(addresses)}",
                     "add that node to the inventory, or fail over to one of the group with SENTINEL FAILOVER")
    return by_address[host]


FilterModule = filter_module(redis_current_master)
