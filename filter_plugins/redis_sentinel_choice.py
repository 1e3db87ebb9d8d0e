# Copyright (c) 2026 hafront contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: redis_sentinel_choice
short_description: The replica a Sentinel would promote now, from its SENTINEL REPLICAS answer
description:
  - Ranks the replicas as Sentinel does when it fails over - replicas flagged C(s_down), C(o_down) or
    C(disconnected) and those of priority 0 are out; then the lowest C(slave-priority), the largest
    C(slave-repl-offset), the smallest run id.
  - playbooks/redis_switchover.yml waits until every Sentinel would pick the target before it asks for
    the failover. The logic lives in hafront/redis_switchover.py.
positional: _input
extends_documentation_fragment:
  - hafront
options:
  _input:
    description: The C(replicas) list of the hafront_redis module (action C(replicas)).
    type: list
    elements: dict
    required: true
"""

EXAMPLES = r"""
- name: Which replica Sentinel would promote
  ansible.builtin.debug:
    msg: "{{ replicas | redis_sentinel_choice }}"
  vars:
    replicas:
      - {ip: 10.0.0.32, port: "6379", flags: slave, slave-priority: "1", slave-repl-offset: "100", runid: b}
      - {ip: 10.0.0.33, port: "6379", flags: slave, slave-priority: "100", slave-repl-offset: "200", runid: a}
  # -> 10.0.0.32:6379
"""

RETURN = r"""
_value:
  description: C(ip:port) of the replica, or an empty string when none qualifies.
  type: str
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
def redis_sentinel_choice(replicas: Any) -> str:
    """'ip:port' of the replica Sentinel would promote, or ''."""
    return redis_switchover.sentinel_choice(replicas)


FilterModule = filter_module(redis_sentinel_choice)
