# SPDX-License-Identifier: MIT
"""The demo_backend role's preflight: every value its nginx site writes, then the listen
address and port. demo.conf writes "listen ADDRESS:PORT;", which nginx reads as host and
port only for IPv4 (IPv6 needs [ADDRESS]:PORT)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hafront.preflight.common import is_ipv4, port_ok, shown, syntax_errors


def errors(values: Mapping[str, Any], host: str, syntax: Mapping[str, str]) -> list[str]:
    """The messages of the first group of checks that fails on `host`; [] when all pass.

    values: the role's variables on this host; syntax: the role's `__demo_backend_syntax` map."""
    if bad := syntax_errors(values, syntax, host):
        return [f"demo_backend: {' '.join(bad)}"]
    address, port = values.get("demo_backend_listen_address"), values.get("demo_backend_port")
    found = []
    if not is_ipv4(address):
        found.append(f"demo_backend_listen_address {shown(address)} is not an IPv4 address: the site's listen line "
                     "(ADDRESS:PORT) serves IPv4 only. Set the host's IPv4 service address.")
    if not port_ok(port):
        found.append(f"demo_backend_port must be a port number, 1-65535 (got {shown(port)}).")
    if found:
        return [f"demo_backend on {host}: {' '.join(found)}"]
    return []
