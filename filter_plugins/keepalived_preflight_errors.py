# Copyright (c) 2026 hafront contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: keepalived_preflight_errors
short_description: Check the keepalived role's inputs on one host
description:
  - Takes the keepalived role's variables on one host (name to value, role defaults included) and returns
    the messages of the first group of checks that fails, one sentence per failed condition; an empty
    list when every check passes.
  - "Checks, in order: instances present and uniquely named; every value the templates write (O(syntax));
     the peer group; each instance; VRIDs and VIPs unique; this node's interfaces and address (against
     its facts); timers, priorities and sysctls; each VIP against its subnet, the default gateway and
     every inventory address; the settings every peer must share."
  - Secrets are never shown.
  - The logic lives in the hafront package (hafront/preflight/keepalived.py), unit-tested there.
positional: _input, host, groups, hostvars, syntax, defaults
extends_documentation_fragment:
  - hafront
  - hafront.role_values
  - hafront.inventory
options:
  defaults:
    description: The role's defaults; a peer's hostvars lack them.
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Check the role's inputs
  ansible.builtin.assert:
    that: __errors == []
    fail_msg: "{{ __errors | join(' ') }}"
    quiet: true
  vars:
    __defaults: "{{ lookup('ansible.builtin.file', role_path ~ '/defaults/main.yml') | ansible.builtin.from_yaml }}"
    __values: "{{ dict(__defaults | zip(query('ansible.builtin.vars', *__defaults))) }}"
    __errors: "{{ __values | keepalived_preflight_errors(inventory_hostname, groups, hostvars, __keepalived_syntax, __defaults) }}"
"""

RETURN = r"""
_value:
  description: The messages of the first group of checks that fails; empty when all pass.
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
from _hafront_filter_utils import filter_module, role_values, thin_filter  # noqa: E402  pylint: disable=wrong-import-position
from hafront.preflight import keepalived  # noqa: E402  pylint: disable=wrong-import-position


@thin_filter
def keepalived_preflight_errors(values: Any, host: str, groups: Any, hostvars: Any, syntax: Any, defaults: Any) -> list[str]:
    """The messages of the first group of the keepalived role's checks that fails on host."""
    return keepalived.errors(role_values("keepalived_preflight_errors", values), host, groups, hostvars, syntax, defaults)


FilterModule = filter_module(keepalived_preflight_errors)
