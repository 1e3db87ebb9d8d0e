# Copyright (c) 2026 hafront contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: haproxy_server_addresses
short_description: Find the address HAProxy gives each backend host
description:
  - Takes the haproxy role's services and returns, for every host of their backend groups, the address
    of its C(server) line.
  - "Each host's address is the first of: its C(haproxy_backend_address); its gathered default IPv4
     address; its C(ansible_host); its inventory name."
  - Services that are not mappings, and backend groups that are not inventory groups, are left out
    (C(haproxy_preflight_errors) names them).
  - The logic lives in the hafront package (hafront/preflight/haproxy.py), unit-tested there.
positional: _input, groups, hostvars
extends_documentation_fragment:
  - hafront
  - hafront.haproxy_services
  - hafront.inventory
"""

EXAMPLES = r"""
- name: Find each backend host's address
  ansible.builtin.debug:
    msg: "{{ haproxy_services | haproxy_server_addresses(groups, hostvars) }}"
  # {"web1": "10.0.0.21", "web2": "10.0.0.22"}
"""

RETURN = r"""
_value:
  description: Backend host name to its address (an IP or a name to resolve), in the order of the groups.
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
from hafront.preflight import haproxy  # noqa: E402  pylint: disable=wrong-import-position


@thin_filter
def haproxy_server_addresses(services: Any, groups: Any, hostvars: Any) -> dict[str, Any]:
    """Backend host name -> the address of its server line."""
    return haproxy.server_addresses(services, groups, hostvars)


FilterModule = filter_module(haproxy_server_addresses)
