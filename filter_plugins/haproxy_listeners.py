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
options:
  _input:
    description: The role's variables on this host, variable name to value.
    type: dict
    required: true
author:
  - hafront contributors
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
from pathlib import Path
from typing import Any

# The shared core lives beside the roles, in the repository's hafront package; the shared
# helpers beside this file (Ansible imports plugin files under synthetic module names).
for _path in (str(Path(__file__).resolve().parents[1]), os.path.dirname(os.path.abspath(__file__))):
    if _path not in sys.path:
        sys.path.append(_path)
from _hafront_filter_utils import role_values  # noqa: E402  pylint: disable=wrong-import-position
from hafront.preflight import haproxy  # noqa: E402  pylint: disable=wrong-import-position


def haproxy_listeners(values: Any) -> list[list[Any]]:
    """Every [address, port] this node listens on."""
    return haproxy.listeners(role_values("haproxy_listeners", values))


class FilterModule:
    def filters(self):
        return {"haproxy_listeners": haproxy_listeners}
