# Copyright (c) 2026 hafront contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Options several filter plugins share, documented once (ansible.cfg's doc_fragment_plugins).

A plugin names them in DOCUMENTATION with ``extends_documentation_fragment``: ``hafront`` (the author), ``hafront.inventory``
for groups and hostvars, ``hafront.role_values`` for a role's check over its own variables,
``hafront.haproxy_services`` for filters over the services; its own options add to them or
replace one."""


class ModuleDocFragment:  # pylint: disable=too-few-public-methods
    DOCUMENTATION = r"""
options: {}
author:
  - hafront contributors
"""

    INVENTORY = r"""
options:
  groups:
    description: The inventory's groups, the C(groups) magic variable.
    type: dict
    required: true
  hostvars:
    description: Every host's variables, the C(hostvars) magic variable (with each host's gathered facts).
    type: dict
    required: true
"""

    ROLE_VALUES = r"""
options:
  _input:
    description: The role's variables on this host, variable name to value.
    type: dict
    required: true
  host:
    description: The host checked, for the messages (C(inventory_hostname)).
    type: str
    required: true
  syntax:
    description: The role's syntax map, C(__<role>_syntax) in its vars/main.yml.
    type: dict
    required: true
"""

    HAPROXY_SERVICES = r"""
options:
  _input:
    description: The services, C(haproxy_services).
    type: list
    elements: dict
    required: true
"""
