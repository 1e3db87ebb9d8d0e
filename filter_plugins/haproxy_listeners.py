# Copyright (c) 2026 hafront contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: haproxy_listeners
short_description: List every address and port one HAProxy node listens on
description:
  - Takes the haproxy role's variables on one host and returns each listener as an C([address, port]) pair.
  - "The listeners: each service's bind addresses on its C(port) (and on its C(redirect_http_port));
     the stats page, if C(haproxy_stats_enabled); the monitor, if C(haproxy_monitor_enabled)."
  - The logic lives in the hafront package (hafront/preflight/haproxy.py), unit-tested there.
positional: _input
extends_documentation_fragment:
  - hafront
options:
  _input:
    description: The role's variables on this host, variable name to value.
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: List this node's listeners
  ansible.builtin.debug:
    msg: "{{ {'haproxy_services': [{'name': 'web', 'bind_address': '10.0.0.100', 'port': 80}]} | haproxy_listeners }}"
  # [["10.0.0.100", 80]]
"""

RETURN = r"""
_value:
  description: Every listener, an C([address, port]) pair, in the order above.
  type: list
  elements: list
"""

import os
import sys
from typing import Any

# Ansible imports plugin files under synthetic module names: the shared helpers are found through sys.path,
# and importing them puts the repository's hafront package on it too.
if (_HERE := os.path.dirname(os.path.abspath(__file__))) not in sys.path:
    sys.path.append(_HERE)
from _hafront_filter_utils import filter_module, role_values, thin_filter  # noqa: E402  pylint: disable=wrong-import-position
from hafront.preflight import haproxy  # noqa: E402  pylint: disable=wrong-import-position


@thin_filter
def haproxy_listeners(values: Any) -> list[list[Any]]:
    """Every [address, port] this node listens on."""
    return haproxy.listeners(role_values("haproxy_listeners", values))


FilterModule = filter_module(haproxy_listeners)
