# Copyright (c) 2026 hafront contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: haproxy_listener_clashes
short_description: Find two HAProxy listeners on one address and port
description:
  - Takes every listener of one load balancer as an C([address, port]) pair.
  - Returns C(address:port) of each listener that shares its port with an earlier one on the
    same address, or with a wildcard on that port (V(*), V(0.0.0.0) and V(::) overlap every
    address); each once, in order. HAProxy would start with both, and the kernel would split
    connections between them.
  - The logic lives in the hafront package (hafront/haproxy_checks.py), unit-tested there.
positional: _input
options:
  _input:
    description: The listeners, each an C([address, port]) pair.
    type: list
    elements: list
    required: true
author:
  - hafront contributors
"""

EXAMPLES = r"""
- name: Find listeners that share an address and port
  ansible.builtin.debug:
    msg: "{{ [['10.0.0.7', 80], ['*', 80]] | haproxy_listener_clashes }}"
  # ['*:80']
"""

RETURN = r"""
_value:
  description: C(address:port) of each clashing listener; empty when none clash.
  type: list
  elements: str
"""

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ansible.errors import AnsibleFilterError

# The shared core lives beside the roles, in the repository's hafront package.
if (_ROOT := str(Path(__file__).resolve().parents[1])) not in sys.path:
    sys.path.append(_ROOT)
from hafront import haproxy_checks  # noqa: E402  pylint: disable=wrong-import-position


def haproxy_listener_clashes(binds: Sequence[Sequence[Any]]) -> list[str]:
    """address:port of every listener that overlaps an earlier one."""
    if not isinstance(binds, Sequence) or isinstance(binds, str) or not all(
            isinstance(b, Sequence) and not isinstance(b, str) and len(b) == 2 for b in binds):
        raise AnsibleFilterError(f"haproxy_listener_clashes: expects a list of [address, port] pairs, got {binds!r}")
    return haproxy_checks.listener_clashes(binds)


class FilterModule:
    def filters(self):
        return {"haproxy_listener_clashes": haproxy_listener_clashes}
