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
options:
  _input:
    description: Host name to its C(ip -o addr show) output (empty when unknown).
    type: dict
    required: true
  address:
    description: The VIP; a prefix length (C(/24)) is ignored.
    type: str
    required: true
author:
  - hafront contributors
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
from pathlib import Path
from typing import Any

from ansible.errors import AnsibleFilterError

# The logic lives in the repository's hafront package; the shared helpers beside this file
# (Ansible imports plugin files under synthetic module names).
for _path in (str(Path(__file__).resolve().parents[1]), os.path.dirname(os.path.abspath(__file__))):
    if _path not in sys.path:
        sys.path.append(_path)
from _hafront_filter_utils import defined  # noqa: E402  pylint: disable=wrong-import-position
from hafront import vip  # noqa: E402  pylint: disable=wrong-import-position


def vip_holders(outputs: Any, address: Any) -> list[str]:
    """The hosts whose `ip -o addr show` output lists the VIP address."""
    try:
        return vip.holders(defined(outputs), defined(address))
    except ValueError as err:
        raise AnsibleFilterError(f"vip_holders: {err}") from err


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {"vip_holders": vip_holders}
