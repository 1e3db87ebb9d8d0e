# Copyright (c) 2026 hafront contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: hafront_inputs_digest
short_description: One digest of everything a role's run depends on
description:
  - Takes Ansible's C(hostvars) and returns the sha256 of each part of a role's inputs - C(code)
    (every file under O(code)), C(groups) (the inventory's), C(extra), and C(host NAME) for every
    host (its variables that start with one of O(prefixes), its addresses and the facts roles
    read - default IPv4 route, interfaces).
  - Variables starting with C(__) and result facts (C(*_preflight), C(*_state)) are left out.
  - A variable that cannot be templated outside its role counts as its raw text.
  - site.yml compares it with the digest recorded by the last successful run on each node, to roll
    out only the nodes where something changed. The logic lives in hafront/digest.py.
positional: _input, groups, prefixes, code
extends_documentation_fragment:
  - hafront
options:
  _input:
    description: Ansible's C(hostvars).
    type: dict
    required: true
  groups:
    description: Ansible's C(groups).
    type: dict
    required: true
  prefixes:
    description: Variable name prefixes the role reads.
    type: list
    elements: str
    required: true
  code:
    description:
      - Files and directories of the role's code (its C(role_path)); the repository's filter_plugins,
        library, module_utils and hafront directories are always added.
    type: list
    elements: path
    required: true
  extra:
    description: Run-time inputs the role decides on (for example the current Redis master).
    type: raw
    default: null
  only_groups:
    description: The groups the role reads; only they and their hosts count (default - every group).
    type: list
    elements: str
    default: null
"""

EXAMPLES = r"""
- name: Digest of HAProxy's inputs
  ansible.builtin.debug:
    msg: "{{ hostvars | hafront_inputs_digest(groups, ['haproxy_'], [role_path]) }}"
"""

RETURN = r"""
_value:
  description: Part name to its sha256 (64 hex digits); no value itself, so no secret.
  type: dict
"""

import json
import os
import sys
from pathlib import Path

# Ansible imports plugin files under synthetic module names: the shared helpers are found through sys.path,
# and importing them puts the repository's hafront package on it too.
if (_HERE := os.path.dirname(os.path.abspath(__file__))) not in sys.path:
    sys.path.append(_HERE)
from _hafront_filter_utils import filter_module  # noqa: E402  pylint: disable=wrong-import-position
from hafront import digest  # noqa: E402  pylint: disable=wrong-import-position


def _value(host_vars, name):
    """A variable's value, as plain JSON data; its raw text where it cannot be templated on
    its own (outside the role or play it is meant for). Ansible templates lazily, and an
    undefined name can surface as any error type once the value is read, so the value is
    serialised inside the try."""
    try:
        return json.loads(json.dumps(host_vars[name], sort_keys=True, default=_undefined))
    except Exception:  # pylint: disable=broad-exception-caught
        raw = getattr(host_vars, "_vars", {}).get(name)
        return "<untemplated> " + json.dumps(raw, sort_keys=True, default=repr)


def _undefined(value):
    raise ValueError(f"cannot serialise {type(value).__name__}")


# Code every role runs besides its own: filters, modules and this package.
SHARED_CODE = [Path(__file__).resolve().parents[1] / name for name in ("filter_plugins", "library", "module_utils", "hafront")]


def hafront_inputs_digest(hostvars, groups, prefixes, code, extra=None, only_groups=None):
    code_digest = digest.tree_digest([*code, *SHARED_CODE])
    return digest.inputs_digest(hostvars, groups, prefixes, code_digest, _value, extra, only_groups)


FilterModule = filter_module(hafront_inputs_digest)
