# Copyright (c) 2026 hafront contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: vip_destination
short_description: Where a VIP should end up once playbooks/vip_move.yml has set its holds
description:
  - Moved to a target (O(release) false) - the target, which must be one of the instance's load balancers.
  - Released with preemption - the load balancer with the highest VRRP priority takes the VIP back.
  - Released without preemption (C(nopreempt)) - the VIP stays where it is, known only when exactly one
    node holds it (O(current)); otherwise an empty string, meaning nothing to wait for.
  - The logic lives in hafront/vip.py.
positional: _input
extends_documentation_fragment:
  - hafront
options:
  _input:
    description: This instance's VRRP priorities, load balancer to priority (the keepalived role's C(keepalived_preflight.priorities[instance])).
    type: dict
    required: true
  target:
    description: The load balancer to move the VIP to; ignored on release.
    type: str
    default: ""
  release:
    description: Whether the holds are lifted instead.
    type: bool
    default: false
  preempt:
    description: Whether a node with a higher priority takes a VIP back (keepalived without C(nopreempt)).
    type: bool
    default: false
  current:
    description: The hosts that held the VIP before the run (the P(vip_holders#filter) filter); null - none.
    type: list
    elements: str
    default: null
"""

EXAMPLES = r"""
- name: Where the VIP goes once the holds are lifted
  ansible.builtin.debug:
    msg: "{{ {'lb1': 250, 'lb2': 240} | vip_destination(release=true, preempt=true) }}"
  # -> lb1
"""

RETURN = r"""
_value:
  description: The host that should hold the VIP, or an empty string when nobody can tell.
  type: str
"""

import os
import sys
from typing import Any

from ansible.errors import AnsibleFilterError

# Ansible imports plugin files under synthetic module names: the shared helpers are found through sys.path,
# and importing them puts the repository's hafront package on it too.
if (_HERE := os.path.dirname(os.path.abspath(__file__))) not in sys.path:
    sys.path.append(_HERE)
from _hafront_filter_utils import filter_module, thin_filter  # noqa: E402  pylint: disable=wrong-import-position
from hafront import vip  # noqa: E402  pylint: disable=wrong-import-position


@thin_filter
def vip_destination(priorities: Any, target: Any = "", release: Any = False, preempt: Any = False,
                    current: Any = None) -> str:
    """The host that should hold the VIP after the move or release."""
    for name, flag in (("release", release), ("preempt", preempt)):
        if not isinstance(flag, bool):
            raise AnsibleFilterError(f"vip_destination: option {name} must be true or false, got {flag!r}; "
                                     f"pass e.g. {name}=({name} | bool)")
    return vip.destination(priorities, target, release=release, preempt=preempt, current=[] if current is None else current)


FilterModule = filter_module(vip_destination)
