# Copyright (c) 2026 hafront contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: hafront_syntax_errors
short_description: Check every value a role's templates write into a config file
description:
  - Takes a role's syntax map (variable path to kind of text, C(__<role>_syntax) in the role's
    vars) and the values of the variables it names.
  - Returns one message per bad value, naming the host, the variable (with the item's index), what
    its place in the config file allows and how to fix it; an empty list when all are fine.
  - Secrets (variables whose names hold password, secret, certificate or token) are never shown.
  - The kinds and the walk live in the hafront package (hafront/syntax.py), unit-tested there.
positional: _input, values, host
options:
  _input:
    description: "The syntax map, path to kind (for example C(haproxy_services[].name) to C(name))."
    type: dict
    required: true
  values:
    description: Variable name to value for every variable the map names (unset ones as null).
    type: dict
    required: true
  host:
    description: The host the values belong to, for the messages.
    type: str
    required: true
author:
  - hafront contributors
"""

EXAMPLES = r"""
- name: Check every value the templates write
  ansible.builtin.assert:
    that: __bad == []
    fail_msg: "{{ __bad | join(' ') }}"
  vars:
    __roots: "{{ __haproxy_syntax.keys() | map('regex_replace', '[.\\[].*$', '') | unique }}"
    __bad: "{{ __haproxy_syntax | hafront_syntax_errors(dict(__roots | zip(query('ansible.builtin.vars', *__roots, default=None))), inventory_hostname) }}"
"""

RETURN = r"""
_value:
  description: One message per bad value; empty when every value fits its place.
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
from hafront import syntax  # noqa: E402  pylint: disable=wrong-import-position


def hafront_syntax_errors(rules: Mapping[str, str], values: Mapping[str, Any], host: str) -> list[str]:
    """One message per value that does not fit its place in a config file."""
    missing = [name for name in syntax.roots(rules) if name not in values]
    if missing:
        raise AnsibleFilterError(f"hafront_syntax_errors: no value given for {', '.join(missing)}")
    try:
        found = syntax.errors(values, rules)
    except ValueError as err:
        raise AnsibleFilterError(f"hafront_syntax_errors: {err}") from err
    return [f"On {host}, {message}." for message in found]


class FilterModule:
    def filters(self):
        return {"hafront_syntax_errors": hafront_syntax_errors}
