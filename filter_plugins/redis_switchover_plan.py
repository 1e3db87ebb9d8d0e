# Copyright (c) 2026 hafront contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: redis_switchover_plan
short_description: Whether and how playbooks/redis_switchover.yml moves the Redis master to a target
description:
  - Takes each Redis node's role, replication link and inventory C(redis_replica_priority) and returns
    whether the master must move, the replica-priority each node gets for the switch (O(target_priority)
    on the target so Sentinel promotes it, its own on every other node) and what stands in the way.
  - A switch needs every node master or a replica in sync, a target whose priority is not 0, and no
    other node sharing the target's temporary priority. With the target already master there is nothing
    to do and nothing to check.
  - The logic lives in hafront/redis_switchover.py.
positional: _input, target, current_master
extends_documentation_fragment:
  - hafront
options:
  _input:
    description: Host name to C({role, link, priority}) - C(INFO replication)'s role and master_link_status, and redis_replica_priority.
    type: dict
    required: true
  target:
    description: The host to make master.
    type: str
    required: true
  current_master:
    description: The host that is master now (the redis role's C(redis_current_master)).
    type: str
    required: true
  target_priority:
    description: The target's replica-priority for the time of the switch.
    type: int
    default: 1
"""

EXAMPLES = r"""
- name: Plan the switch
  ansible.builtin.debug:
    msg: "{{ nodes | redis_switchover_plan('redis2', 'redis1') }}"
  vars:
    nodes:
      redis1: {role: master, link: "", priority: 100}
      redis2: {role: slave, link: up, priority: 100}
  # -> {switch: true, priorities: {redis1: 100, redis2: 1}, errors: []}
"""

RETURN = r"""
_value:
  description: C(switch) (bool), C(priorities) (host to int) and C(errors) (list of messages, empty when the switch can go ahead).
  type: dict
"""

import os
import sys
from typing import Any

# Ansible imports plugin files under synthetic module names: the shared helpers are found through sys.path,
# and importing them puts the repository's hafront package on it too.
if (_HERE := os.path.dirname(os.path.abspath(__file__))) not in sys.path:
    sys.path.append(_HERE)
from _hafront_filter_utils import filter_module, thin_filter  # noqa: E402  pylint: disable=wrong-import-position
from hafront import redis_switchover  # noqa: E402  pylint: disable=wrong-import-position


@thin_filter
def redis_switchover_plan(nodes: Any, target: Any, current_master: Any, target_priority: Any = 1) -> dict[str, Any]:
    """Whether to switch, each node's priority for the switch, and what stands in the way."""
    return redis_switchover.plan(nodes, target, current_master, target_priority)


FilterModule = filter_module(redis_switchover_plan)
