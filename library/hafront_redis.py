#!/usr/bin/python
# Copyright (c) 2026 hafront contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: hafront_redis
short_description: Ask a Redis server or Sentinel about its state, and apply settings live
description:
  - Talks the Redis protocol directly (Python standard library only), so passwords travel in
    module arguments, never on a command line or in the environment, and never in the output.
  - V(info) reads C(INFO replication) (or another section) from a Redis server.
  - V(master) asks a Sentinel which address it holds as master of O(master_name), and what else it
    knows of it (C(SENTINEL MASTER)), namely flags, replicas and other Sentinels.
  - V(replicas) lists the replicas a Sentinel knows of O(master_name) (C(SENTINEL REPLICAS)), with the
    priority Sentinel last read from each; a switchover waits for it before C(SENTINEL FAILOVER).
  - V(config) compares O(settings) with C(CONFIG GET) and applies each difference with
    C(CONFIG SET); O(restart_settings) are only compared, and any difference is returned in
    RV(needs_restart).
  - V(sentinel_config) compares O(settings) with C(SENTINEL MASTER) and applies each difference
    with C(SENTINEL SET).
  - V(acl_load) reloads the server's ACL file.
  - V(write_read) writes a short-lived key and reads it back (what a client does), reporting the round trip.
  - V(failover) asks a Sentinel to fail over O(master_name) and waits until it names another master.
  - V(replicaof) makes a server a replica of O(primary) (C(REPLICAOF)) unless it already is. After a
    switchover the old master would otherwise stay master until Sentinel's next C(INFO) poll (up to
    10 s), taking writes that are lost when Sentinel demotes it.
options:
  action:
    description: What to do.
    type: str
    required: true
    choices: [info, master, replicas, config, sentinel_config, acl_load, failover, write_read, replicaof]
  host:
    description: Address of the server or Sentinel.
    type: str
    required: true
  port:
    description: Its TCP port.
    type: int
    default: 6379
  user:
    description: ACL user to authenticate as; empty authenticates with the password only.
    type: str
    default: ""
  password:
    description: Password; empty skips authentication.
    type: str
    default: ""
  master_name:
    description: Name Sentinel monitors the master under; required for V(master), V(replicas), V(sentinel_config) and V(failover).
    type: str
  section:
    description: INFO section for V(info).
    type: str
    default: replication
  settings:
    description: >-
      Setting name to wanted value (strings, as CONFIG GET or SENTINEL MASTER show them); required for
      V(config) and V(sentinel_config).
    type: dict
  secret_settings:
    description: Like O(settings), for values that must never be shown (C(masterauth)); only names are returned.
    type: dict
    default: {}
  restart_settings:
    description: Settings that only a restart applies; differences are reported, not set.
    type: dict
    default: {}
  primary:
    description: C(ip:port) of the master; required for V(replicaof).
    type: str
  timeout:
    description: Seconds allowed for each network operation; for V(failover), for the whole switch.
    type: float
    default: 5
author:
  - hafront contributors
"""

EXAMPLES = r"""
- name: Ask the local Sentinel for the master
  hafront_redis:
    action: master
    host: 192.0.2.31
    port: 26379
    password: "{{ redis_sentinel_password }}"
    master_name: hafront
  register: answer
  no_log: true
"""

RETURN = r"""
master:
  description: For V(master), C(ip:port) of the master, or null if Sentinel does not know it.
  type: str
  returned: when action is master
sentinel:
  description: >-
    For V(master), the Sentinel's view of the master (C(flags), C(num-slaves), C(num-other-sentinels),
    C(quorum), C(config-epoch)), or an empty mapping if it does not monitor O(master_name).
  type: dict
  returned: when action is master
replicas:
  description: >-
    For V(replicas), one mapping per replica (C(ip), C(port), C(runid), C(flags), C(slave-priority),
    C(master-link-status), C(slave-repl-offset)).
  type: list
  returned: when action is replicas
info:
  description: For V(info), the section as a mapping.
  type: dict
  returned: when action is info
changed_settings:
  description: Settings that differed and were (or in check mode would be) set live.
  type: list
  returned: when action is config or sentinel_config
needs_restart:
  description: Settings in O(restart_settings) whose live value differs.
  type: list
  returned: when action is config
"""

import socket
import time
from typing import Any

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.hafront_module import Action, dispatch, module_main


class RedisError(Exception):
    """An error reply (-ERR ...) or a broken connection."""


class Connection:
    """Just enough RESP2 for administrative commands."""

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.buf = b""

    def close(self) -> None:
        self.sock.close()

    def _line(self) -> bytes:
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise RedisError("connection closed by the server")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _exact(self, n: int) -> bytes:
        while len(self.buf) < n + 2:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise RedisError("connection closed by the server")
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def _reply(self) -> Any:
        line = self._line()
        kind, rest = line[:1], line[1:].decode()
        if kind == b"+":
            return rest
        if kind == b"-":
            raise RedisError(rest)
        if kind == b":":
            return int(rest)
        if kind == b"$":
            return None if int(rest) < 0 else self._exact(int(rest)).decode()
        if kind == b"*":
            return None if int(rest) < 0 else [self._reply() for _ in range(int(rest))]
        raise RedisError(f"unexpected reply {line[:40]!r}")

    def call(self, *args: Any) -> Any:
        parts = [str(a).encode() for a in args]
        self.sock.sendall(b"*%d\r\n" % len(parts) + b"".join(b"$%d\r\n%s\r\n" % (len(p), p) for p in parts))
        return self._reply()


def parse_info(text: str) -> dict[str, str]:
    """INFO output to a flat mapping (comments and blank lines dropped)."""
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#") and ":" in line:
            key, value = line.split(":", 1)
            out[key] = value.strip()
    return out


def pairs(reply: list[Any]) -> dict[str, str]:
    """A flat [k1, v1, k2, v2, ...] reply to a mapping."""
    return {str(reply[i]): str(reply[i + 1]) for i in range(0, len(reply) - 1, 2)}


# Fields of SENTINEL MASTER / SENTINEL REPLICAS worth returning (nothing secret among them).
MASTER_FIELDS = ("flags", "num-slaves", "num-other-sentinels", "quorum", "config-epoch")
REPLICA_FIELDS = ("ip", "port", "runid", "flags", "slave-priority", "master-link-status", "slave-repl-offset")


def pick(reply: list[Any], fields: tuple[str, ...]) -> dict[str, str]:
    """The named fields of a flat [k1, v1, ...] Sentinel reply."""
    found = pairs(reply)
    return {k: found[k] for k in fields if k in found}


def differences(wanted: dict[str, Any], live: dict[str, str]) -> list[str]:
    """Names whose wanted value (as a string) differs from the live one, sorted."""
    return sorted(k for k, v in wanted.items() if normalise(v) != normalise(live.get(k)))


def normalise(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    return " ".join(str(value).split())


def info(module: AnsibleModule, conn: Connection) -> dict[str, Any]:
    return {"changed": False, "info": parse_info(conn.call("INFO", module.params["section"]))}


def master(module: AnsibleModule, conn: Connection) -> dict[str, Any]:
    name = module.params["master_name"]
    addr = conn.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", name)
    view = pick(conn.call("SENTINEL", "MASTER", name), MASTER_FIELDS) if addr else {}
    return {"changed": False, "master": f"{addr[0]}:{addr[1]}" if addr else None, "sentinel": view}


def replicas(module: AnsibleModule, conn: Connection) -> dict[str, Any]:
    reply = conn.call("SENTINEL", "REPLICAS", module.params["master_name"])
    return {"changed": False, "replicas": [pick(r, REPLICA_FIELDS) for r in reply or []]}


def config(module: AnsibleModule, conn: Connection) -> dict[str, Any]:
    p = module.params
    settable = {**p["settings"], **p["secret_settings"]}
    live = {}
    for name in {**settable, **p["restart_settings"]}:
        live.update(pairs(conn.call("CONFIG", "GET", name)))
    changed = differences(settable, live)
    restart = differences(p["restart_settings"], live)
    if not module.check_mode:
        for name in list(changed):
            try:
                conn.call("CONFIG", "SET", name, normalise(settable[name]))
            except RedisError as exc:
                if "immutable" not in str(exc):
                    raise RedisError(f"CONFIG SET {name}: {exc}") from None
                changed.remove(name)
                restart.append(name)
    return {"changed": bool(changed), "changed_settings": changed, "needs_restart": sorted(restart)}


def sentinel_config(module: AnsibleModule, conn: Connection) -> dict[str, Any]:
    p = module.params
    live = pairs(conn.call("SENTINEL", "MASTER", p["master_name"]))
    changed = differences(p["settings"], live)
    if not module.check_mode:
        for name in changed:
            conn.call("SENTINEL", "SET", p["master_name"], name, normalise(p["settings"][name]))
    return {"changed": bool(changed), "changed_settings": changed}


def write_read(module: AnsibleModule, conn: Connection) -> dict[str, Any]:
    key, value, start = f"hafront:status:{socket.gethostname()}", str(time.time()), time.monotonic()
    conn.call("SET", key, value, "EX", 60)
    ok = conn.call("GET", key) == value
    return {"changed": False, "ok": ok, "round_trip_ms": round((time.monotonic() - start) * 1000, 2)}


def replicaof(module: AnsibleModule, conn: Connection) -> dict[str, Any]:
    ip, _, port = module.params["primary"].rpartition(":")
    info = parse_info(conn.call("INFO", "replication"))
    if info.get("role") == "slave" and (info.get("master_host"), info.get("master_port")) == (ip, port):
        return {"changed": False}
    if not module.check_mode:
        conn.call("REPLICAOF", ip, port)
    return {"changed": True}


def acl_load(module: AnsibleModule, conn: Connection) -> dict[str, Any]:
    if not module.check_mode:
        conn.call("ACL", "LOAD")
    return {"changed": True}


def failover(module: AnsibleModule, conn: Connection) -> dict[str, Any]:
    """Sentinel promotes a replica; wait until it names the new master."""
    p = module.params
    before = conn.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", p["master_name"])
    if module.check_mode:
        return {"changed": True, "master": f"{before[0]}:{before[1]}"}
    conn.call("SENTINEL", "FAILOVER", p["master_name"])
    deadline = time.monotonic() + p["timeout"]
    while time.monotonic() < deadline:
        now = conn.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", p["master_name"])
        if now and now != before:
            return {"changed": True, "master": f"{now[0]}:{now[1]}", "previous": f"{before[0]}:{before[1]}"}
        time.sleep(0.1)
    raise RedisError(f"Sentinel still names {before[0]}:{before[1]} after {p['timeout']} s")


# The action option's choices, in DOCUMENTATION's order, and the options each one needs.
ACTIONS = {
    "info": Action(info),
    "master": Action(master, ("master_name",)),
    "replicas": Action(replicas, ("master_name",)),
    "config": Action(config, ("settings",)),
    "sentinel_config": Action(sentinel_config, ("master_name", "settings")),
    "acl_load": Action(acl_load),
    "failover": Action(failover, ("master_name",)),
    "write_read": Action(write_read),
    "replicaof": Action(replicaof, ("primary",)),
}

# Every option but action (its choices come from ACTIONS).
ARGUMENT_SPEC = {
    "host": {"type": "str", "required": True},
    "port": {"type": "int", "default": 6379},
    "user": {"type": "str", "default": ""},
    "password": {"type": "str", "default": "", "no_log": True},
    "master_name": {"type": "str"},
    "section": {"type": "str", "default": "replication"},
    "settings": {"type": "dict", "no_log": False},
    "secret_settings": {"type": "dict", "default": {}, "no_log": True},
    "restart_settings": {"type": "dict", "default": {}, "no_log": False},
    "primary": {"type": "str"},
    "timeout": {"type": "float", "default": 5},
}


def run(module: AnsibleModule) -> dict[str, Any]:
    """Connect, authenticate, run the action."""
    p = module.params
    conn = Connection(p["host"], p["port"], p["timeout"])
    try:
        if p["password"]:
            conn.call("AUTH", *([p["user"]] if p["user"] else []), p["password"])
        return dispatch(module, ACTIONS, conn)
    finally:
        conn.close()


def main() -> None:
    module_main(ARGUMENT_SPEC, ACTIONS, run, (OSError, RedisError), lambda p: f"Redis at {p['host']}:{p['port']}")


if __name__ == "__main__":
    main()
