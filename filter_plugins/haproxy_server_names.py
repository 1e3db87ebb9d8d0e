# Copyright (c) 2026 hafront contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: haproxy_server_names
short_description: List the backend server addresses that are host names
description:
  - Takes the haproxy role's services and returns the server addresses (see P(haproxy_server_addresses#filter))
    that are host names rather than IP addresses, each once.
  - HAProxy resolves them once, at start; preflight resolves them first, on the load balancer.
  - The logic lives in the hafront package (hafront/preflight/haproxy.py), unit-tested there.
positional: _input, groups, hostvars
extends_documentation_fragment:
  - hafront
  - hafront.haproxy_services
  - hafront.inventory
"""

EXAMPLES = r"""
- name: Resolve the backend hosts given by name
  ansible.builtin.command:
    argv: [getent, ahostsv4, "{{ item }}"]
  loop: "{{ haproxy_services | haproxy_server_names(groups, hostvars) }}"
  changed_when: false
"""

RETURN = r"""
_value:
  description: The names, each once, in the order of the backend hosts.
  type: list
  elements: str
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
def haproxy_server_names(services: Any, groups: Any, hostvars: Any) -> list[str]:
    """The backend server addresses that are names, each once."""
    return haproxy.server_names(haproxy.server_addresses(services, groups, hostvars))


FilterModule = filter_module(haproxy_server_names)
