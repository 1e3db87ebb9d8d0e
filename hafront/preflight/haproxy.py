# SPDX-License-Identifier: MIT
"""The haproxy role's preflight: every check of its inputs on one load balancer.

`errors()` returns the messages of the first group of checks that fails, in the order:
services present and uniquely named; every templated value's syntax; each service's
settings; IPv4 binds; the TLS certificate; the stats password; weights, ports and listener
addresses; listener clashes; settings that must agree across the load balancers; backend
weights, addresses and their resolution. `server_addresses()`, `server_weights()` and
`listeners()` compute what the role configures from the same inputs. No message shows a
password, a certificate or a service's check settings."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

from hafront import haproxy_checks
from hafront.preflight.common import (HostVars, as_bool, as_int, cached, flatten, is_ip, is_list, listed, plain, port_ok, shown,
                                      syntax_errors, text, unique)

EXAMPLE_PASSWORDS = ("changeme", "change-me", "password", "admin", "secret", "haproxy")
# Settings that must be the same on every load balancer: behind one VIP, a client must be
# served the same way whichever node holds it. Per-node ones (the stats and monitor
# addresses, each node's own bind addresses) are left out.
GROUP_SETTINGS = (
    "haproxy_services", "haproxy_check_inter", "haproxy_check_fastinter", "haproxy_check_downinter",
    "haproxy_check_fall", "haproxy_check_rise", "haproxy_check_path", "haproxy_check_expect_status",
    "haproxy_max_weight", "haproxy_mb_per_vcpu", "haproxy_retries", "haproxy_redispatch", "haproxy_retry_on",
    "haproxy_observe_error_limit", "haproxy_maxconn", "haproxy_hard_stop_after", "haproxy_timeout_connect",
    "haproxy_timeout_client", "haproxy_timeout_server", "haproxy_timeout_http_request", "haproxy_timeout_queue",
    "haproxy_timeout_check", "haproxy_global_options", "haproxy_defaults_options", "haproxy_tls_min_version",
    "haproxy_tls_ciphers", "haproxy_tls_ciphersuites", "haproxy_node_header",
)
# The group the role's README deploys it on.
PEER_GROUP = "loadbalancers"
_HOST_NAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.-]{0,252}[A-Za-z0-9])?$")
_VAULT = "ansible-vault file, for example `{name}: \"{{{{ vault_{name} }}}}\"`"

# haproxy_weights(hosts, hostvars, max_weight=, mb_per_vcpu=, equal=) -> {host: weight}; it
# raises ValueError, naming the host and the variable, on a bad haproxy_weight,
# haproxy_capacity or haproxy_drain. The filter plugin of that name, passed in by the filters.
Weigh = Callable[..., Mapping[str, int]]


def _services(values: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    services = values.get("haproxy_services")
    return [s for s in services if isinstance(s, Mapping)] if is_list(services) else []


def server_addresses(services: Any, groups: Mapping[str, Sequence[str]],
                     hostvars: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """Each backend host's server address: haproxy_backend_address, else its gathered default
    IPv4 address, else ansible_host, else its inventory name. Services that are not mappings
    and backend groups that are not inventory groups are left out (the checks name them)."""
    hostvars = cached(hostvars)
    hosts = unique(flatten(groups[s["backend_group"]] for s in _services({"haproxy_services": services})
                           if isinstance(s.get("backend_group"), str) and s["backend_group"] in groups))
    found = {}
    for host in hosts:
        default_ipv4 = hostvars.facts(host).get("default_ipv4")
        fallback = hostvars.value(host, "ansible_host", host)
        if isinstance(default_ipv4, Mapping) and "address" in default_ipv4:
            fallback = default_ipv4["address"]
        found[host] = hostvars.value(host, "haproxy_backend_address", fallback)
    return found


def server_names(addresses: Mapping[str, Any]) -> list[str]:
    """The server addresses that are names rather than IPs, each once: what the load
    balancer must resolve."""
    return unique(text(a) for a in addresses.values() if not is_ip(a))


def _equal_weights(service: Mapping[str, Any]) -> bool:
    """Capacity weights for `weights: capacity`, or `auto` with `balance: weighted`."""
    weights, balance = service.get("weights", "auto"), service.get("balance", "roundrobin")
    return not (weights == "capacity" or (weights == "auto" and balance == "weighted"))


def server_weights(services: Any, groups: Mapping[str, Sequence[str]], hostvars: Mapping[str, Any],
                   max_weight: int, mb_per_vcpu: int, weigh: Weigh) -> dict[str, dict[str, int]]:
    """Per backend ('be_' and the service's name), each server's weight: from capacity
    (balance weighted, or weights capacity), else equal (the largest). A drained host gets 0."""
    hostvars = cached(hostvars)
    return {f"be_{s['name']}": dict(weigh(groups[s["backend_group"]], hostvars, max_weight=max_weight,
                                          mb_per_vcpu=mb_per_vcpu, equal=_equal_weights(s)))
            for s in _services({"haproxy_services": services})}


def listeners(values: Mapping[str, Any]) -> list[list[Any]]:
    """Every listener of this node, [address, port]: each service's bind addresses on its port
    (and its redirect_http_port), the stats page and the monitor."""
    found: list[list[Any]] = []
    for service in _services(values):
        binds = haproxy_checks.bind_addresses(service.get("bind_address"))
        for address in binds if is_list(binds) else []:
            found.append([text(address), as_int(service.get("port"))])
            if "redirect_http_port" in service:
                found.append([text(address), as_int(service["redirect_http_port"])])
    if as_bool(values.get("haproxy_stats_enabled")):
        found.append([text(values.get("haproxy_stats_bind_address")), as_int(values.get("haproxy_stats_port"))])
    if as_bool(values.get("haproxy_monitor_enabled")):
        found.append([text(values.get("haproxy_monitor_address")), as_int(values.get("haproxy_monitor_port"))])
    return found


def tls_services(values: Mapping[str, Any]) -> list[Any]:
    """Names of the services that terminate TLS."""
    return [s.get("name") for s in _services(values) if s.get("tls")]


def _service_problems(service: Mapping[str, Any], groups: Mapping[str, Sequence[str]]) -> list[str]:
    """One sentence per failed condition of one service. Never reads check.password aloud."""
    say = f"service '{text(service.get('name'))}' in haproxy_services: "
    mode = service.get("mode", "http")
    tls = as_bool(service.get("tls", False))
    port = service.get("port")
    found = []
    binds = haproxy_checks.bind_addresses(service.get("bind_address"))
    if not (is_list(binds) or isinstance(binds, Mapping)) or len(binds) == 0:
        found.append("bind_address must be an address or a non-empty list of addresses.")
    else:
        bad = [b for b in binds if not haproxy_checks.is_wildcard(b) and not is_ip(b)]
        if bad:
            found.append(f"each bind_address must be an IP address or '*' (got {listed(bad)}).")
    if not port_ok(port):
        found.append(f"port must be 1-65535 (got {text(port)}).")
    if not port_ok(service.get("backend_port")):
        found.append(f"backend_port must be 1-65535 (got {text(service.get('backend_port'))}).")
    group = service.get("backend_group")
    if not isinstance(group, str) or group not in groups:
        found.append(f"backend_group '{text(group)}' is not an inventory group; name the group of its backend hosts.")
    elif len(groups[group]) == 0:
        found.append(f"backend_group '{group}' has no hosts; add the backend hosts to it.")
    if as_bool(service.get("sticky", False)) and mode != "http":
        found.append("sticky: true needs mode http (cookies); remove sticky or use balance: source.")
    if tls and mode != "http":
        found.append(f"tls: true needs mode http (got mode {text(mode)}).")
    if "redirect_http_port" in service:
        redirect = service["redirect_http_port"]
        if not tls:
            found.append(f"redirect_http_port (got '{text(redirect)}') needs tls: true; remove it or set tls: true.")
        elif not port_ok(redirect) or as_int(redirect) == as_int(port):
            found.append(f"redirect_http_port must be 1-65535 and not the service's own port (got {text(redirect)}).")
    hsts = as_int(service.get("hsts_max_age", 0))
    if hsts < 0 or (hsts > 0 and not tls):
        found.append(f"hsts_max_age (got {text(service.get('hsts_max_age'))}) must be whole seconds, above 0 only "
                     "with tls: true.")
    check = service.get("check")
    check = check if isinstance(check, Mapping) else {}
    if check.get("type", "") == "redis":
        if mode != "tcp":
            found.append("check.type redis needs mode tcp.")
        if not check.get("user"):
            found.append("check.type redis needs check.user, the Redis monitoring user.")
        if not re.match(r"^[A-Za-z0-9._~+-]{16,}$", text(check.get("password", ""))):
            found.append("check.type redis needs check.password, 16 or more characters of A-Z a-z 0-9 . _ ~ + - "
                         "(the value is not shown).")
    return [say + problem for problem in found]


def _certificate_errors(values: Mapping[str, Any], host: str) -> list[str]:
    """With a TLS service, haproxy_tls_certificate must hold a certificate and its key, each
    block on lines of its own. The value (a private key) is never shown."""
    names = tls_services(values)
    pem = text(values.get("haproxy_tls_certificate", ""))
    if not names:
        return []
    if not re.search(r"^-----BEGIN CERTIFICATE-----\s*$", pem, re.M):
        return [f"haproxy on {host}: with tls: true on a service (here: {listed(names)}) haproxy_tls_certificate must "
                "hold a PEM certificate (chain) and its private key in one text. Keep it in an "
                + _VAULT.format(name="haproxy_tls_certificate") + "."]
    if not re.search(r"-----BEGIN ([A-Z]+ )?PRIVATE KEY-----", pem):
        return [f"haproxy on {host}: haproxy_tls_certificate holds a certificate but no private key; append the key "
                "(a BEGIN PRIVATE KEY block) to the certificate chain in the same text."]
    if not re.search(r"^-----BEGIN ([A-Z]+ )?PRIVATE KEY-----\s*$", pem, re.M):
        return [f"haproxy on {host}: in haproxy_tls_certificate, the BEGIN CERTIFICATE and BEGIN PRIVATE KEY lines "
                "must each be on a line of its own (a literal \\n between blocks is a quoting slip; use a YAML block "
                "scalar)."]
    return []


def _password_errors(values: Mapping[str, Any], host: str) -> list[str]:
    if not as_bool(values.get("haproxy_stats_enabled")):
        return []
    password = text(values.get("haproxy_stats_password", ""))
    if password.lower() in EXAMPLE_PASSWORDS:
        return [f"haproxy on {host}: haproxy_stats_password is an example value; set a random one in an "
                + _VAULT.format(name="haproxy_stats_password") + "."]
    if len(password) < 12:
        return [f"haproxy on {host}: haproxy_stats_password must be set to at least 12 characters (got "
                f"{len(password)}). Put it in an " + _VAULT.format(name="haproxy_stats_password") + "."]
    return []


def _node_errors(values: Mapping[str, Any], host: str) -> list[str]:
    """Weights, ports and the addresses of the stats and monitor listeners, each check on its own."""
    max_weight, mb_per_vcpu = values.get("haproxy_max_weight"), values.get("haproxy_mb_per_vcpu")
    if not 1 <= as_int(max_weight) <= 256:
        return [f"haproxy on {host}: haproxy_max_weight must be 1-256, HAProxy's range (got {shown(max_weight)})."]
    if as_int(mb_per_vcpu) <= 0:
        return [f"haproxy on {host}: haproxy_mb_per_vcpu must be a positive number of MiB (got {shown(mb_per_vcpu)})."]
    stats, monitor = as_bool(values.get("haproxy_stats_enabled")), as_bool(values.get("haproxy_monitor_enabled"))
    bad_ports = [name for name, enabled in (("haproxy_stats_port", stats), ("haproxy_monitor_port", monitor))
                 if enabled and not port_ok(values.get(name))]
    if bad_ports:
        return [f"haproxy on {host}: {', '.join(bad_ports)} must be 1-65535."]
    stats_address, monitor_address = values.get("haproxy_stats_bind_address"), values.get("haproxy_monitor_address")
    if stats and haproxy_checks.is_wildcard(text(stats_address)):
        return [f"haproxy on {host}: haproxy_stats_bind_address must be one address of this node on a management "
                f"network, never a wildcard ('*', 0.0.0.0 or ::; got '{shown(stats_address)}')."]
    if monitor and haproxy_checks.is_wildcard(text(monitor_address)):
        return [f"haproxy on {host}: haproxy_monitor_address must be one address of this node, such as 127.0.0.1 "
                f"(keepalived checks it locally), never a wildcard ('*', 0.0.0.0 or ::; got '{shown(monitor_address)}')."]
    return []


def _group_errors(host: str, groups: Mapping[str, Sequence[str]], hostvars: HostVars,
                  defaults: Mapping[str, Any]) -> list[str]:
    """Settings that differ between the load balancers, the same message on every node.

    Another host's hostvars hold no role defaults: a setting it leaves unset has the default.
    A node's own addresses (unknown without facts, as in tests/render) may differ."""
    peers = list(groups.get(PEER_GROUP, [host]))
    settings = {peer: {name: plain(hostvars.value(peer, name, defaults.get(name))) for name in GROUP_SETTINGS}
                for peer in peers}
    own: dict[str, list[Any] | None] = {}
    for peer in peers:
        facts = hostvars.facts(peer)
        if "default_ipv4" in facts:
            own[peer] = [hostvars.value(peer, "ansible_host", peer), (facts.get("default_ipv4") or {}).get("address", ""),
                         (facts.get("default_ipv6") or {}).get("address", "")]
        else:
            own[peer] = None
    differences = haproxy_checks.group_differences(settings, own)
    if differences:
        return [f"haproxy: {'; '.join(differences)}. Set these once for the group (group_vars), not per host."]
    return []


def _backend_errors(services: list[Mapping[str, Any]], host: str, groups: Mapping[str, Sequence[str]],
                    weights: Mapping[str, Mapping[str, int]], addresses: Mapping[str, Any],
                    unresolved: Collection[str]) -> list[str]:
    """Backends that would serve nothing, and servers HAProxy could not reach."""
    drained = [f"service '{backend[3:]}' (hosts {', '.join(servers)})"
               for backend, servers in weights.items() if max(servers.values()) == 0]
    if drained:
        return [f"haproxy on {host}: every server of {', '.join(drained)} would get weight 0 (haproxy_drain: true or "
                "haproxy_weight: 0 on all of its hosts), so the service would answer nothing. Undrain at least one "
                "host, or for planned work drain one host at a time with playbooks/drain.yml."]
    bad = [h for h, address in addresses.items() if not is_ip(address) and not _HOST_NAME.match(text(address))]
    if bad:
        return [f"haproxy on {host}: the backend address of {', '.join(bad)} (haproxy_backend_address, else its "
                "gathered default IPv4 address, else ansible_host) must be an IP address or a host name of letters, "
                "digits, '.' and '-'; set haproxy_backend_address in its host_vars."]
    lost = [h for h, address in addresses.items() if text(address) in unresolved]
    if lost:
        return [f"haproxy on {host}: backend host(s) {', '.join(lost)} have no address this load balancer can resolve "
                f"(got {listed(addresses[h] for h in lost)}). Set haproxy_backend_address (an IP) or ansible_host in "
                "their host_vars, or make the name resolvable here."]
    shared = []
    for service in services:
        members = groups[service["backend_group"]]
        for address in unique(addresses[h] for h in members):
            same = [h for h in members if addresses[h] == address]
            if len(same) > 1:
                shared.append(f"service '{text(service['name'])}': backend hosts {' and '.join(same)} share the "
                              f"address {text(address)}:{text(service.get('backend_port'))}")
    if shared:
        return [f"haproxy on {host}: {'; '.join(shared)}. Give each backend host its own haproxy_backend_address "
                "(or ansible_host)."]
    return []


def errors(values: Mapping[str, Any], host: str, groups: Mapping[str, Sequence[str]],
           hostvars: Mapping[str, Mapping[str, Any]], syntax: Mapping[str, str], defaults: Mapping[str, Any],
           weigh: Weigh, unresolved: Collection[str] = ()) -> list[str]:
    """The messages of the first group of checks that fails on `host`; [] when all pass.

    values: the role's variables on this host; syntax: the role's `__haproxy_syntax` map;
    defaults: the role's defaults (for other hosts, whose hostvars lack them); unresolved:
    the names among the server addresses (server_names()) the load balancer could not resolve."""
    hostvars = cached(hostvars)
    services = values.get("haproxy_services")
    if not is_list(services) or len(services) == 0:
        return [f"haproxy on {host}: haproxy_services must be a non-empty list of services (see "
                "roles/haproxy/defaults/main.yml for an example item)."]
    services = _services(values)
    names = [s.get("name") for s in services]
    if len(unique(names)) != len(names):
        return [f"haproxy on {host}: two services in haproxy_services share a name ({listed(names)}); each names a "
                "frontend and a backend, so give each its own."]
    if bad := syntax_errors(values, syntax, host):
        return [f"haproxy: {' '.join(bad)}"]
    if problems := [p for s in services for p in _service_problems(s, groups)]:
        return [f"haproxy on {host}: {' '.join(problems)}"]
    # The syntax check proved each is an IP or '*': a colon means IPv6.
    if ipv6 := unique(a for a in map(text, flatten(s.get("bind_address") for s in services)) if ":" in a):
        return [f"haproxy on {host}: bind_address {', '.join(ipv6)} in haproxy_services is an IPv6 address ('::' "
                "included), which this role does not serve (it allows non-local binds for IPv4 only); use IPv4 "
                "addresses or '*'."]
    for found in (_certificate_errors(values, host), _password_errors(values, host), _node_errors(values, host)):
        if found:
            return found
    if clashes := haproxy_checks.listener_clashes(listeners(values)):
        return [f"haproxy on {host}: more than one listener on {', '.join(clashes)} (haproxy_services' bind_address "
                "and port or redirect_http_port, haproxy_stats_bind_address/port, haproxy_monitor_address/port); "
                "give each its own port or address."]
    if found := _group_errors(host, groups, hostvars, defaults):
        return found
    try:
        weights = server_weights(services, groups, hostvars, as_int(values.get("haproxy_max_weight")),
                                 as_int(values.get("haproxy_mb_per_vcpu")), weigh)
    except ValueError as err:
        return [f"haproxy on {host}: {err}."]
    return _backend_errors(services, host, groups, weights, server_addresses(services, groups, hostvars), unresolved)
