# Copyright (c) 2026 hafront contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: vip_holders
short_description: Which hosts hold a VIP, from each host's C(ip -o addr show)
description:
  - Takes host name to the output of C(ip -o addr show) on that host and returns the hosts whose
    output lists the VIP, in the input's order. IPv6 addresses compare in canonical form.
  - playbooks/vip_move.yml uses it before and after moving a VIP. The logic lives in hafront/vip.py.
positional: _input, address
extends_documentation_fragment:
  - hafront
options:
  _input:
    description: Host name to its C(ip -o addr show) output (empty when unknown).
    type: dict
    required: true
  address:
    description: The VIP; a prefix length (C(/24)) is ignored.
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Who holds the VIP
  ansible.builtin.debug:
    msg: "{{ {'lb1': '2: eth0    inet 10.0.0.100/24 scope global eth0', 'lb2': ''} | vip_holders('10.0.0.100') }}"
  # -> ['lb1']
"""

RETURN = r"""
_value:
  description: The hosts that hold the VIP; empty when none does, more than one during a split brain.
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
from hafront import vip  # noqa: E402  pylint: disable=wrong-import-position


@thin_filter
def vip_holders(outputs: Any, address: Any) -> list[str]:
    """The hosts whose `ip -o addr show` output lists the VIP address."""
    return vip.holders(outputs, address)


FilterModule = filter_module(vip_holders)
