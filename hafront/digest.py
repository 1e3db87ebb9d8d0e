"""What a role's run on one host depends on, as one digest.

A re-run with nothing to change should cost seconds, yet the one-node-at-a-time rollout
costs tens of seconds per node. So site.yml asks first, on every node at once, whether the
last successful run there had the same inputs and left files and services as they are now;
only nodes where something differs are rolled out, one at a time.

The inputs of a role are over-counted on purpose (a digest that changes for nothing costs one
needless rollout; one that misses an input would skip a needed change):
- the code: every file of the role and of the shared code (filters, modules, this package);
- the inventory: the groups the role reads (its own, its peers', its backends'; not the
  rollout groups a run makes for itself), and for every host in them each variable whose
  name starts with one of the role's prefixes (its own: values are templated, so another
  variable a role variable refers to, such as the lab's VIPs in haproxy_services, is counted
  through it, while variables only the controller uses, such as the lab's key or vault file
  paths, never roll a node out), and the host's addresses;
- the facts the roles read from each host (its default IPv4 route and interfaces).
Run-time results are left out: names starting with `__` (a role's internals), and the
result facts roles publish (`<role>_preflight`, `<role>_state`).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

RESULT_FACT = re.compile(r"_(preflight|state|state_action)$")
# Host facts the roles read; the rest (uptime, memory in use, VIPs held now) change on their own.
FACTS = ("default_ipv4", "interfaces", "processor_vcpus", "memtotal_mb", "distribution_release")
DEFAULT_IPV4 = ("address", "interface", "gateway", "netmask", "network")
ADDRESS_VARS = ("ansible_host", "lab_address")
# Groups a run makes for itself (group_by: redis_rollout_master, keepalived_rollout_holders, ...).
RUNTIME_GROUP = re.compile(r"_rollout_")


def tree_digest(paths: Iterable[str | Path]) -> str:
    """sha256 over every file under each path (name and content), in a stable order."""
    digest = hashlib.sha256()
    for root in paths:
        root = Path(root)
        files = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else [root]
        for path in files:
            if "__pycache__" in path.parts or path.suffix == ".pyc":
                continue
            digest.update(str(path.relative_to(root.parent)).encode())
            digest.update(b"\0")
            digest.update(path.read_bytes() if path.exists() else b"<missing>")
            digest.update(b"\0")
    return digest.hexdigest()


def wanted(name: str, prefixes: Iterable[str]) -> bool:
    """A variable the role may read: one of its prefixes, not internal, not a result fact."""
    return (name.startswith(tuple(prefixes)) and not name.startswith("__")
            and not RESULT_FACT.search(name))


def host_inputs(host_vars: Mapping[str, Any], prefixes: Iterable[str],
                value: Callable[[Mapping[str, Any], str], Any]) -> dict[str, Any]:
    """One host's part: its prefixed variables, addresses and the facts roles read."""
    prefixes = tuple(prefixes)
    found = {name: value(host_vars, name) for name in sorted(host_vars)
             if wanted(name, prefixes) or name in ADDRESS_VARS}
    facts = value(host_vars, "ansible_facts") if "ansible_facts" in host_vars else {}
    facts = facts if isinstance(facts, Mapping) else {}
    picked = {key: facts[key] for key in FACTS if key in facts}
    if isinstance(picked.get("default_ipv4"), Mapping):
        picked["default_ipv4"] = {k: picked["default_ipv4"].get(k) for k in DEFAULT_IPV4}
    if isinstance(picked.get("interfaces"), list):
        picked["interfaces"] = sorted(picked["interfaces"])
    found["facts"] = picked
    return found


def inputs_digest(hostvars: Mapping[str, Mapping[str, Any]], groups: Mapping[str, list[str]],
                  prefixes: Iterable[str], code: str,
                  value: Callable[[Mapping[str, Any], str], Any] | None = None,
                  extra: Any = None, only_groups: Iterable[str] | None = None) -> dict[str, str]:
    """A role's inputs across the inventory (see the module docstring), as one sha256 per part:
    `code`, `groups`, `extra` and `host <name>` for each host, so a changed record can say what
    changed without holding any value (values include secrets).

    `value(host_vars, name)` reads one variable (Ansible's hostvars template lazily, and a
    variable can fail to template outside its role; the caller decides what that yields).
    `extra` carries run-time inputs a role decides on. `only_groups` names the groups the role
    reads (its own, its peers', its backends'): only they and their hosts count; None: all."""
    only_groups = None if only_groups is None else set(only_groups)
    value = value or (lambda host_vars, name: host_vars[name])
    prefixes = tuple(prefixes)
    kept = {name: sorted(members) for name, members in sorted(groups.items())
            if not RUNTIME_GROUP.search(name) and (only_groups is None or name in only_groups)}
    parts: dict[str, Any] = {"groups": kept, "extra": extra}
    for host in sorted({host for members in kept.values() for host in members}):
        if host in hostvars:
            parts[f"host {host}"] = host_inputs(hostvars[host], prefixes, value)
    sums = {name: _sha(part) for name, part in parts.items()}
    sums["code"] = code
    return dict(sorted(sums.items()))


def _sha(data: Any) -> str:
    text = json.dumps(data, sort_keys=True, default=repr, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()
