#!/usr/bin/python
# Copyright (c) 2026 hafront contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

DOCUMENTATION = r"""
module: hafront_applied
short_description: Tell whether a daemon runs the configuration file on disk, and record that it does
description:
  - A daemon's reload handler records the checksum of the configuration file it loaded
    (V(record)). Every run compares that record with the file on disk (V(decide)), so a run
    that wrote a file but stopped before its reload (a failure, an interrupt) is caught by
    the next run, which reloads.
  - V(snapshot) reads the file before a run writes it. Given that snapshot, V(decide) can
    tell a change that needs a reload from one only in O(volatile) parts, which the daemon
    already runs (HAProxy's server weights are set live); then it moves the record to the
    new file without a reload.
  - Files hold secrets: no content is ever returned, only checksums.
options:
  action:
    description: What to do.
    type: str
    required: true
    choices: [snapshot, decide, record]
  path:
    description: The configuration file.
    type: path
    required: true
  record:
    description: File holding the checksum of the configuration the daemon loaded; needed by V(decide) and V(record).
    type: path
  before:
    description: The result of V(snapshot), taken before this run wrote O(path).
    type: dict
  written:
    description: Whether this run wrote O(path) (used by V(decide) when no O(before) is given).
    type: bool
    default: false
  volatile:
    description: Regular expressions of the parts of the file whose changes need no reload.
    type: list
    elements: str
    default: []
  volatile_what:
    description: What O(volatile) matches, for the reason a reload is needed (e.g. C(server weights)).
    type: str
    default: ''
author:
  - hafront contributors
"""

EXAMPLES = r"""
- name: Read the configuration on disk before this run
  hafront_applied:
    action: snapshot
    path: /etc/haproxy/haproxy.cfg
    volatile: ['weight \d+']
  register: before

- name: Decide whether HAProxy must reload
  hafront_applied:
    action: decide
    path: /etc/haproxy/haproxy.cfg
    record: /var/lib/hafront/haproxy.cfg.applied
    before: "{{ before }}"
    volatile: ['weight \d+']
    volatile_what: server weights
  register: decision
  changed_when: decision.reload
  notify: Reload haproxy
"""

RETURN = r"""
checksum:
  description: SHA-1 of O(path) ('' when it does not exist), the format of ansible.builtin.stat's checksum.
  type: str
  returned: always
shape:
  description: SHA-1 of O(path) with its O(volatile) parts blanked.
  type: str
  returned: when action is snapshot or decide
reload:
  description: Whether the daemon must reload to run O(path).
  type: bool
  returned: when action is decide
reason:
  description: Why it must reload ('' when it need not).
  type: str
  returned: when action is decide
recorded:
  description: Whether the record was (or in check mode would be) rewritten.
  type: bool
  returned: when action is decide or record
"""

import hashlib
import os
import re
from typing import Any

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.hafront_module import Action, module_main, write_atomic

FIRST = "no record of the configuration it loaded (first run of this version)"
STALE = "an earlier run wrote this configuration but stopped before reloading"


def read(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def sha1(text: str | None) -> str:
    return "" if text is None else hashlib.sha1(text.encode()).hexdigest()


def fingerprint(text: str | None, volatile: list[str]) -> dict[str, str]:
    """checksum: of the text; shape: of the text with every volatile match blanked."""
    shape = text
    if text is not None:
        for pattern in volatile:
            shape = re.sub(pattern, "\0", shape)
    return {"checksum": sha1(text), "shape": sha1(shape)}


def reload_reason(running: str, now: dict[str, str], before: dict[str, str] | None, written: bool,
                  volatile_what: str = "") -> str:
    """Why the daemon must reload to run the file now on disk ('' when it need not).

    running: the recorded checksum of the file it loaded ('' when none); now/before: fingerprints
    of the file after and before this run wrote it (before None: unknown, then `written` tells).
    """
    if running == now["checksum"]:
        return ""
    if running == "":
        return FIRST
    if before is None:
        return "the configuration changed" if written else STALE
    if running != before["checksum"]:
        return STALE
    if before["shape"] != now["shape"]:
        return "the configuration changed" + (f" beyond {volatile_what}" if volatile_what else "")
    return ""  # only volatile parts changed: the daemon runs them already


def write_record(module: AnsibleModule, checksum: str) -> bool:
    """Rewrite the record to hold checksum; whether it did (or, in check mode, would)."""
    path = module.params["record"]
    if (read(path) or "").strip() == checksum:
        return False
    if not module.check_mode:
        os.makedirs(os.path.dirname(path), mode=0o755, exist_ok=True)
        write_atomic(path, checksum + "\n", 0o644)
    return True


def snapshot(module: AnsibleModule) -> dict[str, Any]:
    return {"changed": False, **fingerprint(read(module.params["path"]), module.params["volatile"])}


def decide(module: AnsibleModule) -> dict[str, Any]:
    p = module.params
    now = fingerprint(read(p["path"]), p["volatile"])
    running = (read(p["record"]) or "").strip()
    before = {k: p["before"][k] for k in ("checksum", "shape")} if p["before"] else None
    reason = reload_reason(running, now, before, p["written"], p["volatile_what"])
    # No reload needed yet the record differs: only volatile parts changed, the daemon runs them.
    recorded = not reason and write_record(module, now["checksum"])
    return {"changed": False, **now, "reload": bool(reason), "reason": reason, "recorded": recorded}


def record(module: AnsibleModule) -> dict[str, Any]:
    checksum = sha1(read(module.params["path"]))
    recorded = write_record(module, checksum)
    return {"changed": recorded, "checksum": checksum, "recorded": recorded}


# The action option's choices, in DOCUMENTATION's order, and the options each one needs.
ACTIONS = {
    "snapshot": Action(snapshot),
    "decide": Action(decide, ("record",)),
    "record": Action(record, ("record",)),
}

# Every option but action (its choices come from ACTIONS).
ARGUMENT_SPEC = {
    "path": {"type": "path", "required": True},
    "record": {"type": "path"},
    "before": {"type": "dict"},
    "written": {"type": "bool", "default": False},
    "volatile": {"type": "list", "elements": "str", "default": []},
    "volatile_what": {"type": "str", "default": ""},
}


def run(module: AnsibleModule) -> dict[str, Any]:
    return ACTIONS[module.params["action"]].run(module)


def main() -> None:
    module_main(ARGUMENT_SPEC, ACTIONS, run, (OSError, UnicodeDecodeError), lambda p: p["path"])


if __name__ == "__main__":
    main()
