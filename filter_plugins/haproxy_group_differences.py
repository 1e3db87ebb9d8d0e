# Copyright (c) 2026 hafront contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: haproxy_group_differences
short_description: Find HAProxy settings that differ between the load balancers of one group
description:
  - Takes host name to its settings (variable name to value), the first host being the reference.
  - Returns one message per setting whose value is not the same on every host. Load balancers
    behind one VIP that disagree serve the same clients differently depending on which holds the VIP.
  - C(haproxy_services) is compared service by service and key by key, after leaving each host's
    own addresses (O(own_addresses)) out of C(bind_address), since a node may also listen on its own address.
  - Values of secrets (names holding password, secret, certificate or token) and of services are never
    shown, only the names of the keys that differ.
  - The logic lives in the hafront package (hafront/haproxy_checks.py), unit-tested there.
positional: _input
options:
  _input:
    description: Host name to a mapping of variable name to value, for every host of the group.
    type: dict
    required: true
  own_addresses:
    description: Host name to the addresses that are that host's own (not shared, not a VIP).
    type: dict
    default: null
author:
  - hafront contributors
"""

EXAMPLES = r"""
- name: Find settings that differ between the load balancers
  ansible.builtin.debug:
    msg: "{{ {'lb1': {'haproxy_maxconn': 4096}, 'lb2': {'haproxy_maxconn': 2048}} | haproxy_group_differences }}"
  # ["haproxy_maxconn differs between load balancers (lb1: 4096, lb2: 2048)"]
"""

RETURN = r"""
_value:
  description: One message per setting that differs; empty when every host agrees.
  type: list
  elements: str
"""

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ansible.errors import AnsibleFilterError

# The shared core lives beside the roles, in the repository's hafront package.
if (_ROOT := str(Path(__file__).resolve().parents[1])) not in sys.path:
    sys.path.append(_ROOT)
from hafront import haproxy_checks  # noqa: E402  pylint: disable=wrong-import-position


def haproxy_group_differences(settings: Mapping[str, Mapping[str, Any]],
                              own_addresses: Mapping[str, Any] | None = None) -> list[str]:
    """One message per setting that is not the same on every host."""
    if not isinstance(settings, Mapping) or not all(isinstance(v, Mapping) for v in settings.values()):
        raise AnsibleFilterError("haproxy_group_differences: expects host name -> {variable: value}")
    if own_addresses is not None and not isinstance(own_addresses, Mapping):
        raise AnsibleFilterError(f"haproxy_group_differences: own_addresses must be a mapping, got {own_addresses!r}")
    return haproxy_checks.group_differences(settings, own_addresses)


class FilterModule:
    def filters(self):
        return {"haproxy_group_differences": haproxy_group_differences}
