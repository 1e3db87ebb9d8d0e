#!/usr/bin/python
# Copyright (c) 2026 hafront contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: hafront_haproxy
short_description: Read and change a running HAProxy through its runtime API socket
description:
  - V(state) returns every server's state (C(show servers state)) and current sessions (C(show stat)).
  - V(weights) sets server weights live (C(set weight)) where they differ from O(weights); no reload.
    With HAProxy not running it changes nothing and returns RV(running) false.
  - V(server_state) puts one server, in every backend that has it, into O(server_state)
    (C(ready), C(drain) or C(maint)) where it is not already.
  - V(wait_idle) waits until that server has no session left in any backend, or O(timeout) passes.
  - V(save_state) writes C(show servers state) to O(path), for C(load-server-state-from-file) after a reload.
options:
  action:
    description: What to do.
    type: str
    required: true
    choices: [state, weights, server_state, wait_idle, save_state]
  socket:
    description: Path of the admin-level runtime API socket.
    type: path
    default: /run/haproxy/admin.sock
  weights:
    description: Backend name to a mapping of server name to weight; required for V(weights).
    type: dict
  server:
    description: Server name (the backend host's inventory name); required for V(server_state) and V(wait_idle).
    type: str
  server_state:
    description: Administrative state wanted for O(server); required for V(server_state).
    type: str
    choices: [ready, drain, maint]
  path:
    description: File V(save_state) writes.
    type: path
    default: /var/lib/haproxy/server-state
  timeout:
    description: Seconds V(wait_idle) waits.
    type: float
    default: 60
author:
  - hafront contributors
"""

EXAMPLES = r"""
- name: Drain web1 on this load balancer
  hafront_haproxy:
    action: server_state
    server: web1
    server_state: drain
"""

RETURN = r"""
servers:
  description: For V(state), one mapping per server (the fields of C(show servers state), plus C(scur)).
  type: list
  returned: when action is state
changed_servers:
  description: C(backend/server) names that were (or in check mode would be) changed.
  type: list
  returned: when action is weights or server_state
running:
  description: For V(weights), false when HAProxy was not running (nothing was set).
  type: bool
  returned: when action is weights and HAProxy is not running
sessions:
  description: For V(wait_idle), sessions left on the server when it returned.
  type: int
  returned: when action is wait_idle
"""

import csv
import io
import socket
import time
from typing import Any

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.hafront_module import Action, dispatch, module_main, write_atomic

# srv_admin_state bits (HAProxy's SRV_ADMF_*): forced maintenance and forced drain.
FMAINT, FDRAIN = 0x01, 0x08


class RuntimeError_(Exception):
    """The socket refused, or HAProxy answered with an error."""


def command(path: str, line: str) -> str:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(5)
        sock.connect(path)
        sock.sendall(line.encode() + b"\n")
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks).decode()


def parse_servers_state(text: str) -> list[dict[str, str]]:
    """`show servers state` output (format 1) to one mapping per server."""
    fields: list[str] = []
    servers = []
    for line in text.splitlines():
        if line.startswith("# "):
            fields = line[2:].split()
        elif fields and line.strip() and not line.startswith("#") and len(line.split()) >= len(fields) - 8:
            servers.append(dict(zip(fields, line.split(), strict=False)))
    return servers


def parse_sessions(csv_text: str) -> dict[tuple[str, str], int]:
    """`show stat` CSV to (backend, server) -> current sessions."""
    rows = csv.DictReader(io.StringIO(csv_text.lstrip("# ")))
    return {(r["pxname"], r["svname"]): int(r["scur"] or 0) for r in rows if r["svname"] not in ("FRONTEND", "BACKEND")}


def admin_state(server: dict[str, str]) -> str:
    flags = int(server.get("srv_admin_state", "0"))
    return "maint" if flags & FMAINT else "drain" if flags & FDRAIN else "ready"


def weight_changes(wanted: dict[str, dict[str, Any]], servers: list[dict[str, str]]) -> list[tuple[str, str, int]]:
    """(backend, server, weight) for each server whose current user weight differs from the wanted one."""
    current = {(s["be_name"], s["srv_name"]): int(s["srv_uweight"]) for s in servers}
    return [(be, srv, int(w)) for be, by_server in sorted(wanted.items()) for srv, w in sorted(by_server.items())
            if (be, srv) in current and current[(be, srv)] != int(w)]


def checked(reply: str, what: str) -> str:
    if reply.strip() and not reply.startswith(("Drain", "Maint")):
        lowered = reply.lower()
        if any(word in lowered for word in ("no such", "unknown", "require", "error", "invalid", "denied")):
            raise RuntimeError_(f"{what}: {reply.strip()}")
    return reply


def read_state(sock: str) -> tuple[str, list[dict[str, str]]]:
    """`show servers state`, as text (for save_state) and parsed."""
    text = command(sock, "show servers state")
    return text, parse_servers_state(text)


def servers_named(servers: list[dict[str, str]], name: str) -> list[dict[str, str]]:
    """The server called name in every backend that has it; an error if none has."""
    mine = [s for s in servers if s["srv_name"] == name]
    if not mine:
        raise RuntimeError_(f"no backend has a server named {name!r}")
    return mine


def state(module: AnsibleModule, sock: str) -> dict[str, Any]:
    servers = read_state(sock)[1]
    sessions = parse_sessions(command(sock, "show stat"))
    for s in servers:
        s["scur"] = sessions.get((s["be_name"], s["srv_name"]), 0)
        s["admin"] = admin_state(s)
    return {"changed": False, "servers": servers}


def weights(module: AnsibleModule, sock: str) -> dict[str, Any]:
    try:
        servers = read_state(sock)[1]
    except (FileNotFoundError, ConnectionRefusedError):
        # Not running (a first install stops the packaged instance): the config takes effect at start.
        return {"changed": False, "changed_servers": [], "running": False}
    changes = weight_changes(module.params["weights"], servers)
    if not module.check_mode:
        for be, srv, weight in changes:
            checked(command(sock, f"set weight {be}/{srv} {weight}"), f"set weight {be}/{srv}")
    return {"changed": bool(changes), "changed_servers": [f"{be}/{srv}={w}" for be, srv, w in changes]}


def save_state(module: AnsibleModule, sock: str) -> dict[str, Any]:
    """Written atomically; HAProxy reads it at the next start or reload."""
    state_text = read_state(sock)[0]
    if not module.check_mode:
        write_atomic(module.params["path"], state_text, 0o640)
    return {"changed": False}


def server_state(module: AnsibleModule, sock: str) -> dict[str, Any]:
    p = module.params
    todo = [s for s in servers_named(read_state(sock)[1], p["server"]) if admin_state(s) != p["server_state"]]
    if not module.check_mode:
        for s in todo:
            checked(command(sock, f"set server {s['be_name']}/{s['srv_name']} state {p['server_state']}"),
                    f"set server {s['be_name']}/{s['srv_name']}")
    return {"changed": bool(todo), "changed_servers": [f"{s['be_name']}/{s['srv_name']}" for s in todo]}


def wait_idle(module: AnsibleModule, sock: str) -> dict[str, Any]:
    p = module.params
    mine = servers_named(read_state(sock)[1], p["server"])
    deadline = time.monotonic() + p["timeout"]
    while True:
        sessions = parse_sessions(command(sock, "show stat"))
        left = sum(sessions.get((s["be_name"], s["srv_name"]), 0) for s in mine)
        if left == 0 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    if left:
        raise RuntimeError_(f"{p['server']} still has {left} sessions after {p['timeout']} s")
    return {"changed": False, "sessions": left}


# The action option's choices, in DOCUMENTATION's order, and the options each one needs.
ACTIONS = {
    "state": Action(state),
    "weights": Action(weights, ("weights",)),
    "server_state": Action(server_state, ("server", "server_state")),
    "wait_idle": Action(wait_idle, ("server",)),
    "save_state": Action(save_state),
}

# Every option but action (its choices come from ACTIONS).
ARGUMENT_SPEC = {
    "socket": {"type": "path", "default": "/run/haproxy/admin.sock"},
    "weights": {"type": "dict"},
    "server": {"type": "str"},
    "server_state": {"type": "str", "choices": ["ready", "drain", "maint"]},
    "path": {"type": "path", "default": "/var/lib/haproxy/server-state"},
    "timeout": {"type": "float", "default": 60},
}


def run(module: AnsibleModule) -> dict[str, Any]:
    return dispatch(module, ACTIONS, module.params["socket"])


def main() -> None:
    module_main(ARGUMENT_SPEC, ACTIONS, run, (OSError, RuntimeError_), lambda p: f"HAProxy runtime API at {p['socket']}")


if __name__ == "__main__":
    main()
