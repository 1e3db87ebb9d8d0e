# Copyright (c) 2026 hafront contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: haproxy_server_weights
short_description: Compute every HAProxy backend's server weights
description:
  - Takes the haproxy role's services and returns, per backend (C(be_) and the service's name), the weight
    of each host of its backend group, from P(haproxy_weights#filter).
  - A service balances by capacity with C(weights=capacity), or C(weights=auto) and C(balance=weighted);
    every other service gives each host the same weight (O(max_weight)). A drained host gets V(0) either way.
  - Bad weight settings raise the error of P(haproxy_weights#filter), naming the host.
  - The logic lives in the hafront package (hafront/preflight/haproxy.py), unit-tested there.
positional: _input, groups, hostvars
extends_documentation_fragment:
  - hafront
  - hafront.haproxy_services
  - hafront.inventory
options:
  max_weight:
    description: Weight of the largest-capacity host (C(haproxy_max_weight)).
    type: int
    default: 256
  mb_per_vcpu:
    description: Memory in MiB a vCPU needs (C(haproxy_mb_per_vcpu)).
    type: int
    default: 2048
"""

EXAMPLES = r"""
- name: Weight every backend's servers
  ansible.builtin.debug:
    msg: "{{ haproxy_services | haproxy_server_weights(groups, hostvars, max_weight=haproxy_max_weight | int) }}"
  # {"be_web": {"web1": 256, "web2": 128}}
"""

RETURN = r"""
_value:
  description: Backend name to a mapping of host name to weight (V(0) to O(max_weight)).
  type: dict
"""

import os
import sys
from typing import Any

# Ansible imports plugin files under synthetic module names: the shared helpers are found through sys.path,
# and importing them puts the repository's hafront package on it too.
if (_HERE := os.path.dirname(os.path.abspath(__file__))) not in sys.path:
    sys.path.append(_HERE)
from _hafront_filter_utils import filter_module, thin_filter, value_errors  # noqa: E402  pylint: disable=wrong-import-position
from haproxy_weights import haproxy_weights  # noqa: E402  pylint: disable=wrong-import-position
from hafront.preflight import haproxy  # noqa: E402  pylint: disable=wrong-import-position


@thin_filter
def haproxy_server_weights(services: Any, groups: Any, hostvars: Any, max_weight: int = 256,
                           mb_per_vcpu: int = 2048) -> dict[str, dict[str, int]]:
    """Backend name -> host name -> weight."""
    return haproxy.server_weights(services, groups, hostvars, max_weight, mb_per_vcpu, value_errors(haproxy_weights))


FilterModule = filter_module(haproxy_server_weights)
