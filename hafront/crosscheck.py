# SPDX-License-Identifier: MIT
"""Settings of two roles that must agree, checked across the whole inventory.

Each role's preflight publishes what it will configure on a host (`haproxy_preflight`,
`keepalived_preflight`); `load_balancer_errors` compares them for every load balancer.
Each message names both roles' variables, the host and the fix."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from hafront.haproxy_checks import bind_addresses, is_wildcard, same_address


def check_url_errors(host: str, haproxy: Mapping[str, Any], keepalived: Mapping[str, Any]) -> list[str]:
    """keepalived's check URL must reach this node's HAProxy monitor frontend."""
    if not keepalived.get("track_haproxy"):
        return []
    url = str(keepalived.get("check_url", ""))
    if not haproxy.get("monitor_enabled"):
        return [f"On {host}, keepalived_track_haproxy is true but haproxy_monitor_enabled is false: keepalived's "
                f"check ({url}) would never get an answer and the node would never hold a VIP. Enable "
                f"haproxy_monitor_enabled, or set keepalived_track_haproxy: false"]
    parts = urlsplit(url)
    monitor = f"http://{haproxy['monitor_address']}:{haproxy['monitor_port']}/healthz"
    try:
        port = parts.port or 80
    except ValueError:
        port = None
    address_ok = (is_wildcard(haproxy["monitor_address"]) or
                  (parts.hostname is not None and same_address(parts.hostname, haproxy["monitor_address"])))
    if parts.scheme != "http" or not address_ok or port != int(haproxy["monitor_port"]) or parts.path != "/healthz":
        return [f"On {host}, keepalived_check_url is {url!r} but HAProxy's monitor frontend answers on {monitor} "
                f"(haproxy_monitor_address, haproxy_monitor_port): keepalived would judge a healthy HAProxy dead. "
                f"Set keepalived_check_url: {monitor}"]
    return []


def service_addresses(services: list[Mapping[str, Any]]) -> set[str]:
    """Every address haproxy_services bind (bind_address is one address or a list)."""
    return {str(b) for service in services for b in bind_addresses(service.get("bind_address"))}


def vip_bind_errors(host: str, services: list[Mapping[str, Any]], keepalived: Mapping[str, Any],
                    node_addresses: list[str]) -> list[str]:
    """Every address a service binds must be a VIP or an address of the node, and every VIP
    must be served by some service (unless one binds every address)."""
    vips = {str(v).split("/")[0] for v in keepalived.get("vips", [])}
    binds = service_addresses(services)
    found = []
    for address in sorted(b for b in binds if not is_wildcard(b)):
        if not any(same_address(address, v) for v in vips | set(node_addresses)):
            found.append(f"On {host}, haproxy_services binds {address}, which is neither a VIP of "
                         f"keepalived_instances ({', '.join(sorted(vips)) or 'none'}) nor an address of this node: "
                         f"no node would ever receive its traffic. Move the service's bind_address to a VIP, or add "
                         f"the address to an instance's vips")
    if not any(is_wildcard(b) for b in binds):
        for vip in sorted(vips):
            if not any(same_address(vip, b) for b in binds):
                found.append(f"On {host}, VIP {vip} (keepalived_instances) is served by no service of "
                             f"haproxy_services: clients of that VIP would be refused. Add {vip} to a service's "
                             f"bind_address, or remove it from keepalived_instances")
    return found


def load_balancer_errors(nodes: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """nodes: host -> {"haproxy": haproxy_preflight, "keepalived": keepalived_preflight,
    "services": haproxy_services, "addresses": the node's own addresses}."""
    found: list[str] = []
    for host, node in sorted(nodes.items()):
        haproxy, keepalived = node.get("haproxy") or {}, node.get("keepalived") or {}
        if not haproxy or not keepalived:
            continue
        found += check_url_errors(host, haproxy, keepalived)
        found += vip_bind_errors(host, list(node.get("services") or []), keepalived, list(node.get("addresses", [])))
    return found
