# Copyright (c) 2026 hafront contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: demo_backend_preflight_errors
short_description: Check the demo_backend role's inputs on one host
description:
  - Takes the demo_backend role's variables on one host (name to value, role defaults included) and returns
    the messages of the first group of checks that fails, one sentence per failed condition; an empty
    list when every check passes.
  - "Checks, in order: every value the nginx site writes (O(syntax)); the listen address (IPv4) and port."
  - No value is secret here.
  - The logic lives in the hafront package (hafront/preflight/demo_backend.py), unit-tested there.
positional: _input, host, syntax
extends_documentation_fragment:
  - hafront
  - hafront.role_values
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
    __errors: "{{ __values | demo_backend_preflight_errors(inventory_hostname, __demo_backend_syntax) }}"
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
from hafront.preflight import demo_backend  # noqa: E402  pylint: disable=wrong-import-position


@thin_filter
def demo_backend_preflight_errors(values: Any, host: str, syntax: Any) -> list[str]:
    """The messages of the first group of the demo_backend role's checks that fails on host."""
    return demo_backend.errors(role_values("demo_backend_preflight_errors", values), host, syntax)


FilterModule = filter_module(demo_backend_preflight_errors)
