# SPDX-License-Identifier: MIT
"""The redis role's preflight: every check of its inputs on one Redis node.

`errors()` returns the messages of the first group of checks that fails, in the order: the
group's size and initial master; redis_extra_settings' values; every templated value's
syntax; one release on every node; ports, Sentinel's quorum and timers, replication and the
users; the passwords; the settings the group shares, promotable nodes and distinct
addresses. The group-wide checks read what each node published in `__redis_shared`,
`__redis_replica_priority` and `__redis_self_address` (roles/redis/tasks/preflight.yml sets
them first). No message shows a password."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from numbers import Number
from typing import Any

from hafront.preflight.common import (HostVars, as_bool, as_int, cached, listed, plain, port_ok, shown, syntax_errors,
                                      text, unique)

PASSWORDS = ("redis_app_password", "redis_admin_password", "redis_monitor_password", "redis_replication_password",
             "redis_sentinel_user_password", "redis_sentinel_password")
USERS = ("redis_app_user", "redis_admin_user", "redis_monitor_user", "redis_replication_user", "redis_sentinel_user")
EXAMPLE_PASSWORDS = ("changeme", "change-me", "password", "secret", "redis", "example", "use-a-long-random-value-here")
_EXAMPLE = re.compile(f"(?i)^(({'|'.join(map(re.escape, EXAMPLE_PASSWORDS))})$|vault_|change|example)")
# ACL rules redis_app_acl may not hold: they set the app user's password or switch the user
# on or off (reset does both), which users.acl does from redis_app_password.
_ACL_USER_RULES = re.compile(r"(?i)^(on|off|nopass|resetpass|reset|[<>#!].*)$")
# Directives redis_extra_settings may not set: the role writes them itself, or they would
# fight Sentinel (which alone decides who replicates whom) or the role's own files. Each
# says what to do instead.
OWNED_DIRECTIVES = {
    "bind": "set redis_bind_address instead",
    "port": "set redis_port instead",
    "timeout": "set redis_timeout instead",
    "aclfile": "the role writes the ACL file; set the redis_*_user and redis_*_password variables",
    "user": "the role writes the ACL file; set the redis_*_user and redis_*_password variables",
    "requirepass": "the default user is disabled; clients log in as redis_app_user with redis_app_password",
    "masteruser": "set redis_replication_user instead",
    "masterauth": "set redis_replication_password instead",
    "replicaof": "Sentinel alone decides who replicates whom (redis_initial_master names the first master)",
    "slaveof": "Sentinel alone decides who replicates whom (redis_initial_master names the first master)",
    "replica-read-only": "a writable replica would diverge from its master",
    "slave-read-only": "a writable replica would diverge from its master",
    "replica-priority": "set redis_replica_priority instead",
    "slave-priority": "set redis_replica_priority instead",
    "min-replicas-to-write": "set redis_min_replicas_to_write instead",
    "min-slaves-to-write": "set redis_min_replicas_to_write instead",
    "min-replicas-max-lag": "set redis_min_replicas_max_lag instead",
    "min-slaves-max-lag": "set redis_min_replicas_max_lag instead",
    "repl-diskless-sync-delay": "the role sets 0, so a rejoining node syncs at once",
    "appendonly": "set redis_appendonly instead",
    "appendfsync": "set redis_appendfsync instead",
    "save": "set redis_save instead",
    "maxmemory": "set redis_maxmemory instead",
    "maxmemory-policy": "set redis_maxmemory_policy instead",
    "dir": "the packaged units let Redis write to /var/lib/redis only",
    "include": "the start-up helper's include decides replication at each start",
    "rename-command": "the role, Sentinel and the health checks call commands by their names",
    "pidfile": "the packaged units expect /run/redis/redis-server.pid",
    "logfile": "the journal keeps the log",
    "daemonize": "systemd supervises redis-server",
    "supervised": "systemd supervises redis-server",
    "protected-mode": "it stays on; the ACL file disables the default user",
}


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def group_by(pairs: Sequence[tuple[str, Any]]) -> list[tuple[Any, list[str]]]:
    """Jinja's `groupby('value')` over (key, value) pairs: sorted by value, strings without
    case; each group named by its first member's value."""
    ordered = sorted(pairs, key=lambda pair: _lower(pair[1]))
    groups: list[tuple[Any, list[str]]] = []
    for key, value in ordered:
        if groups and _lower(groups[-1][0]) == _lower(value):
            groups[-1][1].append(key)
        else:
            groups.append((value, [key]))
    return groups


def _group_size_errors(values: Mapping[str, Any], groups: Mapping[str, Sequence[str]]) -> list[str]:
    group, master = values.get("redis_group"), values.get("redis_initial_master")
    nodes = list(groups.get(group, [])) if isinstance(group, str) else []
    found = []
    if len(nodes) < 3:
        found.append(f"Group '{shown(group)}' has {len(nodes)} hosts ({', '.join(nodes)}): Sentinel needs at least 3 "
                     "nodes, so that a majority still votes when one is down. Add nodes, or set redis_group.")
    if len(nodes) % 2 != 1:
        found.append(f"Group '{shown(group)}' has {len(nodes)} hosts ({', '.join(nodes)}): Sentinel needs an odd number "
                     "of nodes, or a split in half leaves no majority. Add or remove one.")
    if master not in nodes:
        found.append(f"redis_initial_master is '{shown(master)}', not a host of group '{shown(group)}' "
                     f"({', '.join(nodes)}): set it once, in group_vars, to exactly one of them.")
    return found


def _node_errors(values: Mapping[str, Any], nodes: int, facts: Mapping[str, Any]) -> list[str]:
    """Ports, Sentinel's quorum and timers, replication, the bind address and the users."""
    port, sentinel_port = values.get("redis_port"), values.get("redis_sentinel_port")
    quorum, group = values.get("redis_sentinel_quorum"), values.get("redis_group")
    down_after, failover = values.get("redis_sentinel_down_after_ms"), values.get("redis_sentinel_failover_timeout_ms")
    to_write, lag = values.get("redis_min_replicas_to_write"), values.get("redis_min_replicas_max_lag")
    bind = values.get("redis_bind_address")
    addresses = list(facts.get("all_ipv4_addresses", [])) + list(facts.get("all_ipv6_addresses", []))
    users = {name: values.get(name) for name in USERS}
    # A password rule (>secret, #hash) is shown by its first character only.
    rules = [re.sub(r"^([<>#!]).*$", r"\1...", rule) for rule in text(values.get("redis_app_acl")).split()
             if _ACL_USER_RULES.match(rule)]
    extra = values.get("redis_extra_settings")
    owned = [name for name in (extra if isinstance(extra, Mapping) else {}) if name in OWNED_DIRECTIVES]
    found = []
    if not port_ok(port):
        found.append(f"redis_port must be a port number, 1-65535 (got {shown(port)}).")
    if not port_ok(sentinel_port):
        found.append(f"redis_sentinel_port must be a port number, 1-65535 (got {shown(sentinel_port)}).")
    if as_int(port) == as_int(sentinel_port):
        found.append(f"redis_port and redis_sentinel_port must differ (both are {shown(port)}): give Sentinel its own "
                     "port.")
    if as_int(quorum) > nodes:
        found.append(f"redis_sentinel_quorum is {shown(quorum)}, more than the {nodes} Sentinels of group "
                     f"'{shown(group)}': they could never agree that the master is down. Use a majority, "
                     f"{nodes // 2 + 1}.")
    if as_int(down_after) < 100:
        found.append(f"redis_sentinel_down_after_ms must be at least 100 (got {shown(down_after)}): shorter silences "
                     "happen on any busy host and would start false failovers.")
    if as_int(failover) <= as_int(down_after):
        found.append(f"redis_sentinel_failover_timeout_ms ({shown(failover)}) must be above "
                     f"redis_sentinel_down_after_ms ({shown(down_after)}), or a failover is abandoned before it can "
                     "start.")
    if as_int(to_write) >= nodes:
        found.append(f"redis_min_replicas_to_write is {shown(to_write)}, but group '{shown(group)}' has only "
                     f"{nodes - 1} replicas: the master would refuse every write. Use 0 to {nodes - 1}.")
    if as_int(lag) < 1:
        found.append(f"redis_min_replicas_max_lag must be at least 1 second (got {shown(lag)}).")
    if addresses and bind not in addresses:
        found.append(f"redis_bind_address {shown(bind)} is not an address of this host (it has {listed(addresses)}): "
                     "Redis and Sentinel could not bind it. Set it to the node's service address.")
    if len(unique(users.values())) != len(users):
        shared = "".join(f"{' and '.join(names)} share the name '{shown(name)}'; "
                         for name, names in group_by(list(users.items())) if len(names) > 1)
        found.append(f"{shared}users.acl needs one line per user, and Redis refuses a duplicate: give each user its "
                     "own name.")
    if "default" in users.values():
        found.append(f"{', '.join(k for k, v in users.items() if v == 'default')} is 'default', Redis's built-in "
                     "user, which users.acl disables: choose another name.")
    if rules:
        found.append(f"redis_app_acl holds {' '.join(rules)}, which would set the app user's password or switch it "
                     "on or off; users.acl does that from redis_app_password. Keep to key, channel and command rules "
                     "(~pattern, %R~pattern, &pattern, +command, -@category, allkeys, resetkeys, ...).")
    if owned:
        found.append(" ".join(f"redis_extra_settings may not set '{name}': {OWNED_DIRECTIVES[name]}." for name in owned))
    return found


def _password_errors(values: Mapping[str, Any]) -> list[str]:
    """Presence, length and example values; the characters are the syntax check's. The values
    are never shown."""
    passwords = {name: values.get(name) for name in PASSWORDS}
    return ([f"{name} is not set." for name, value in passwords.items() if not value]
            + [f"{name} must be at least 16 characters long." for name, value in passwords.items()
               if value and not re.match(r"(?s).{16}", text(value))]
            + [f"{name} is an example value: generate a random one." for name, value in passwords.items()
               if value and _EXAMPLE.search(text(value))])


def _published(hostvars: HostVars, nodes: Sequence[str], name: str) -> dict[str, Any]:
    """What each node that ran its preflight in this play published under `name`."""
    found = {node: hostvars.value(node, name) for node in nodes}
    return {node: plain(value) for node, value in found.items() if value is not None}


def _shared_errors(values: Mapping[str, Any], host: str, nodes: Sequence[str], hostvars: HostVars) -> list[str]:
    """Settings the group shares that differ between nodes, each naming the nodes of each
    value (passwords: their hashes compared, the values never shown)."""
    shared = _published(hostvars, nodes, "__redis_shared")
    if len(unique(shared.values())) <= 1:
        return []
    group = shown(values.get("redis_group"))
    mine = shared.get(host) or next(iter(shared.values()))
    sentences = []
    for name in mine:
        by_host = [(node, settings.get(name)) for node, settings in shared.items()]
        if len(unique(value for _, value in by_host)) <= 1:
            continue
        secret = "password" in name
        parts = [", ".join(hosts) + ("" if secret else f": {text(value)}")
                 for value, hosts in sorted(group_by(by_host), key=lambda group_: group_[1][0].lower())]
        sentences.append(f" {name} differs between the nodes of group '{group}' ({'; '.join(parts)}"
                         f"{'; values not shown' if secret else ''}).")
    return [f"redis:{''.join(sentences)} Every node needs the same value: set it once, in group_vars, not in host_vars."]


def errors(values: Mapping[str, Any], host: str, groups: Mapping[str, Sequence[str]],
           hostvars: Mapping[str, Mapping[str, Any]], syntax: Mapping[str, str],
           defaults: Mapping[str, Any]) -> list[str]:
    """The messages of the first group of checks that fails on `host`; [] when all pass.

    values: the role's variables on this host; syntax: the role's `__redis_syntax` map;
    defaults: the role's defaults (for a node that published nothing in this play)."""
    hostvars = cached(hostvars)
    if found := _group_size_errors(values, groups):
        return [f"redis: {' '.join(found)}"]
    extra = values.get("redis_extra_settings")
    extra = extra if isinstance(extra, Mapping) else {}
    bad = ([k for k, v in extra.items() if isinstance(v, bool)]
           + [k for k, v in extra.items() if not isinstance(v, (str, Number))])
    if bad:
        return [f"redis on {host}: redis_extra_settings gives {listed(bad)} a value that is not a string or a number "
                "(YAML reads yes, no, true and false as booleans, [...] as a list): write each value as redis.conf "
                "spells it, in quotes, e.g. appendonly: \"yes\"."]
    if bad := syntax_errors(values, syntax, host):
        return [f"redis: {' '.join(bad)}"]
    group = values["redis_group"]
    nodes = list(groups[group])
    releases = [hostvars.facts(node).get("distribution_release", "unknown") for node in nodes]
    if not as_bool(values.get("redis_allow_mixed_releases")) and len(unique(releases)) > 1:
        return [f"redis: the nodes of group '{group}' run different releases ({text(dict(zip(nodes, releases)))}), so a "
                "replica may not be able to sync from a newer master. Upgrade all of them (replicas first, then fail "
                "over), or set redis_allow_mixed_releases: true for the duration of such an upgrade."]
    if found := _node_errors(values, len(nodes), hostvars.facts(host)):
        return [f"redis on {host}: {' '.join(found)}"]
    if found := _password_errors(values):
        example = found[0].split()[0]
        return [f"redis on {host}: {' '.join(found)} Keep each one in ansible-vault, e.g. `{example}: "
                f"\"{{{{ vault_{example} }}}}\"` (see inventories/staging/vault.example.vault)."]
    if found := _shared_errors(values, host, nodes, hostvars):
        return found
    priorities = {node: as_int(hostvars.value(node, "__redis_replica_priority", hostvars.value(
                      node, "redis_replica_priority", defaults.get("redis_replica_priority")))) for node in nodes}
    promotable = [node for node, priority in priorities.items() if priority > 0]
    if len(promotable) < 2:
        return [f"redis: redis_replica_priority is above 0 on {len(promotable)} node(s) of group '{group}' "
                f"({', '.join(promotable) if promotable else 'none'}); 0 means never promoted, so a master with no "
                "promotable replica is never replaced. Leave redis_replica_priority above 0 on two nodes at least."]
    addresses = _published(hostvars, nodes, "__redis_self_address")
    if len(unique(addresses.values())) != len(addresses):
        return [f"redis: two Redis nodes share an address: {text(addresses)}. Give each node its own "
                "redis_bind_address."]
    return []
