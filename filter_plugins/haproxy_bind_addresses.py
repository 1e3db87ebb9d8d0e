# Copyright (c) 2026 hafront contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: haproxy_bind_addresses
short_description: A HAProxy service's bind_address as a list of addresses
description:
  - Takes one service's C(bind_address) (one address or a list of them) and returns the list.
  - V(*), V(0.0.0.0) and V(::), in any spelling, are wildcards (every address of the node).
  - The one reading of C(bind_address) in the project; preflight, the haproxy.cfg template and the
    playbooks all use it. The logic lives in the hafront package (hafront/haproxy_checks.py), unit-tested there.
positional: _input
extends_documentation_fragment:
  - hafront
options:
  _input:
    description: A service's C(bind_address).
    type: raw
    required: true
  wildcards:
    description: Whether to keep the wildcards; V(false) keeps only addresses a client can connect to.
    type: bool
    default: true
  serving:
    description: An address; keep only the binds that receive connections to it (that address, or a wildcard).
    type: str
    default: null
"""

EXAMPLES = r"""
- name: List the addresses a service binds that a client can connect to
  ansible.builtin.debug:
    msg: "{{ ['10.0.0.100', '*'] | haproxy_bind_addresses(wildcards=false) }}"
  # ['10.0.0.100']
"""

RETURN = r"""
_value:
  description: The service's bind addresses, in their order.
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
from hafront import haproxy_checks  # noqa: E402  pylint: disable=wrong-import-position


@thin_filter
def haproxy_bind_addresses(bind: Any, wildcards: bool = True, serving: Any = None) -> list[Any]:
    """The addresses a service's bind_address names."""
    return haproxy_checks.bind_addresses(bind, wildcards, serving)


FilterModule = filter_module(haproxy_bind_addresses)
