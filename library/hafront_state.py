#!/usr/bin/python
# Copyright (c) 2026 hafront contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: hafront_state
short_description: Record what a successful run left on a node, and tell whether it still holds
description:
  - V(record) writes C(<dir>/<name>.state) - the digest of the run's inputs (O(inputs)) and the sha256
    of every file under O(paths) - after a run has finished on the node. It is bookkeeping, like a
    fact cache - never reported as a change, so a run that changed nothing still reports changed=0;
    RV(written) tells whether the record was rewritten.
  - A run limited by tags (O(run_tags) other than V(all), or a skipped tag that starts with O(name)) did
    only part of the role, so V(record) records nothing then. Skipped tags of other roles do not count
    (Molecule's converge skips V(molecule-notest) and V(notest)).
  - V(query) tells whether a new run could change anything - RV(current) is true only when a record
    exists, its inputs equal O(inputs), every recorded file is as recorded (none added, changed or
    removed) and every unit in O(services) is active. RV(reason) says what differs. Query changes
    nothing, in check mode or not.
  - Files under O(exclude) (for example one a daemon rewrites itself) are not recorded.
options:
  state:
    description: What to do.
    type: str
    required: true
    choices: [query, record]
  name:
    description: Name of the record (the role).
    type: str
    required: true
  inputs:
    description: The run's inputs as one digest per part (filter hafront_inputs_digest).
    type: dict
    required: true
  paths:
    description: Files and directories the role writes.
    type: list
    elements: path
    default: []
  exclude:
    description: Files under O(paths) left out of the record.
    type: list
    elements: path
    default: []
  services:
    description: systemd units that must be active, for V(query).
    type: list
    elements: str
    default: []
  run_tags:
    description: The run's tags, C(ansible_run_tags).
    type: list
    elements: str
    default: [all]
  skip_tags:
    description: The run's skipped tags, C(ansible_skip_tags).
    type: list
    elements: str
    default: []
  dir:
    description: Directory of the records.
    type: path
    default: /var/lib/hafront
author:
  - hafront contributors
"""

EXAMPLES = r"""
- name: Ask whether HAProxy on this node is as the last run left it
  hafront_state:
    state: query
    name: haproxy
    inputs: "{{ hostvars | hafront_inputs_digest(groups, ['haproxy_'], [role_path]) }}"
    paths: [/etc/haproxy]
    services: [haproxy]
    run_tags: "{{ ansible_run_tags }}"
    skip_tags: "{{ ansible_skip_tags }}"
  register: haproxy_state
"""

RETURN = r"""
current:
  description: For V(query), true when a run with these inputs would find nothing to change.
  type: bool
  returned: when state is query
reason:
  description: For V(query), why the node needs a run (empty when RV(current)); for V(record), why nothing was
    recorded (empty when the record was written or already held).
  type: str
  returned: always
written:
  description: For V(record), whether the record was (or in check mode would be) rewritten.
  type: bool
  returned: when state is record
"""

import hashlib
import json
import os
import subprocess
from pathlib import Path

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.hafront_module import Action, dispatch, module_main, write_atomic


def file_sums(paths: list[str], exclude: list[str]) -> dict[str, str]:
    """sha256 of every regular file under paths, by path."""
    skip = {os.path.normpath(p) for p in exclude}
    sums = {}
    for root in paths:
        base = Path(root)
        found = sorted(p for p in base.rglob("*") if p.is_file()) if base.is_dir() else [base] if base.is_file() else []
        for path in found:
            if str(path) not in skip:
                sums[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return sums


def differences(recorded: dict[str, str], now: dict[str, str]) -> list[str]:
    changed = [p for p in sorted(recorded) if p in now and now[p] != recorded[p]]
    return ([f"{p} changed" for p in changed] + [f"{p} removed" for p in sorted(set(recorded) - set(now))]
            + [f"{p} added" for p in sorted(set(now) - set(recorded))])


def inactive(services: list[str]) -> list[str]:
    return [unit for unit in services
            if subprocess.run(["systemctl", "is-active", "--quiet", unit], check=False).returncode != 0]


def query(p: dict, record: Path) -> dict:
    try:
        saved = json.loads(record.read_text())
    except (OSError, ValueError):
        return {"current": False, "reason": "no record of a successful run here"}
    before = saved.get("inputs") if isinstance(saved.get("inputs"), dict) else {}
    changed = sorted(k for k in set(before) | set(p["inputs"]) if before.get(k) != p["inputs"].get(k))
    if changed:
        return {"current": False, "reason": "its inputs changed: " + ", ".join(changed[:8])}
    drift = differences(saved.get("files", {}), file_sums(p["paths"], p["exclude"]))
    if drift:
        return {"current": False, "reason": "files changed since the last run: " + ", ".join(drift[:5])}
    down = inactive(p["services"])
    if down:
        return {"current": False, "reason": "not running: " + ", ".join(down)}
    return {"current": True, "reason": ""}


def limited(p: dict) -> bool:
    """Whether the run was limited by tags to part of role p['name']."""
    return list(p["run_tags"]) != ["all"] or any(tag.startswith(p["name"]) for tag in p["skip_tags"])


def write(p: dict, record: Path, check_mode: bool) -> dict:
    if limited(p):
        return {"written": False, "reason": "a run limited by tags did only part of the role: nothing recorded"}
    text = json.dumps({"inputs": p["inputs"], "files": file_sums(p["paths"], p["exclude"])}, indent=1, sort_keys=True)
    try:
        changed = record.read_text() != text
    except OSError:
        changed = True
    if changed and not check_mode:
        record.parent.mkdir(mode=0o755, parents=True, exist_ok=True)
        write_atomic(str(record), text, 0o600)
    return {"written": changed, "reason": ""}


# The state option's choices and what each does; the record's path is the context.
ACTIONS = {
    "query": Action(lambda module, record: query(module.params, record)),
    "record": Action(lambda module, record: write(module.params, record, module.check_mode)),
}

# Every option but state (its choices come from ACTIONS).
ARGUMENT_SPEC = {
    "name": {"type": "str", "required": True},
    "inputs": {"type": "dict", "required": True},
    "paths": {"type": "list", "elements": "path", "default": []},
    "exclude": {"type": "list", "elements": "path", "default": []},
    "services": {"type": "list", "elements": "str", "default": []},
    "run_tags": {"type": "list", "elements": "str", "default": ["all"]},
    "skip_tags": {"type": "list", "elements": "str", "default": []},
    "dir": {"type": "path", "default": "/var/lib/hafront"},
}


def run(module: AnsibleModule) -> dict:
    record = Path(module.params["dir"]) / f"{module.params['name']}.state"
    return {"changed": False, **dispatch(module, ACTIONS, record, key="state")}


def main() -> None:
    module_main(ARGUMENT_SPEC, ACTIONS, run, (OSError,), lambda p: f"hafront_state {p['state']} {p['name']}",
                key="state")


if __name__ == "__main__":
    main()
