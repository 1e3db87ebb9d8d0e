# Copyright (c) 2026 hafront contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: haproxy_preflight_errors
short_description: Check the haproxy role's inputs on one load balancer
description:
  - Takes the haproxy role's variables on one host (name to value, role defaults included) and returns
    the messages of the first group of checks that fails, one sentence per failed condition; an empty
    list when every check passes.
  - "Checks, in order: services present and uniquely named; every value the templates write
     (O(syntax)); each service's settings; IPv4 binds; the TLS certificate; the stats password;
     weights, ports and listener addresses; listener clashes; settings that must agree across the
     load balancers; backend weights, addresses and their resolution."
  - No message shows a password, a certificate or a service's check settings.
  - The logic lives in the hafront package (hafront/preflight/haproxy.py), unit-tested there.
positional: _input, host, groups, hostvars, syntax, defaults
extends_documentation_fragment:
  - hafront
  - hafront.role_values
  - hafront.inventory
options:
  defaults:
    description: The role's defaults; another load balancer's hostvars lack them.
    type: dict
    required: true
  unresolved:
    description: Server names (P(haproxy_server_names#filter)) this load balancer cannot resolve.
    type: list
    elements: str
    default: null
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
    __errors: "{{ __values | haproxy_preflight_errors(inventory_hostname, groups, hostvars, __haproxy_syntax, __defaults) }}"
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
from _hafront_filter_utils import filter_module, role_values, thin_filter, value_errors  # noqa: E402  pylint: disable=wrong-import-position
from haproxy_weights import haproxy_weights  # noqa: E402  pylint: disable=wrong-import-position
from hafront.preflight import haproxy  # noqa: E402  pylint: disable=wrong-import-position


@thin_filter
def haproxy_preflight_errors(values: Any, host: str, groups: Any, hostvars: Any, syntax: Any, defaults: Any,
                             unresolved: Any = None) -> list[str]:
    """The messages of the first group of the haproxy role's checks that fails on host."""
    values = role_values("haproxy_preflight_errors", values)
    return haproxy.errors(values, host, groups, hostvars, syntax, defaults, value_errors(haproxy_weights),
                          list(unresolved or []))


FilterModule = filter_module(haproxy_preflight_errors)
