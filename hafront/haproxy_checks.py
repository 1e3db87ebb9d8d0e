# SPDX-License-Identifier: MIT
"""HAProxy's bind addresses, and checks of the haproxy role's inputs that need more than one value at a time.

`bind_addresses()` is the one reading of a service's bind_address (one address or a list;
'*', 0.0.0.0 and :: in any spelling are wildcards, `is_wildcard()`): preflight, the check
across roles, the haproxy.cfg template and the playbooks (filter haproxy_bind_addresses)
all go through it. `listener_clashes()` finds two listeners of one load balancer on one address and port (a
wildcard, '*', 0.0.0.0 or ::, overlaps every address on its port). `group_differences()`
finds settings that differ between the load balancers behind one VIP: they would serve
the same clients differently depending on which of them holds the VIP. Both are pure
functions over plain data, called from roles/haproxy/tasks/preflight.yml through filters."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

# Names that mean this node's loopback address.
LOOPBACK_NAMES = {"localhost"}


def _ip(address: Any) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """address as an IP (brackets allowed: [::1]); None for a name, '*' or anything else."""
    try:
        return ipaddress.ip_address(str(address).strip("[]"))
    except ValueError:
        return None


def is_wildcard(address: Any) -> bool:
    """'*', 0.0.0.0 and :: (in any spelling) listen on every address."""
    ip = _ip(address)
    return ip.is_unspecified if ip is not None else str(address).strip("[]") == "*"


def _canonical(address: Any) -> str:
    ip = _ip(address)
    return str(ip) if ip is not None else str(address).strip("[]")


def _family(address: Any) -> int | None:
    ip = _ip(address)  # HAProxy's '*' is every IPv4 address: no family of its own
    return ip.version if ip is not None else None


def same_address(a: Any, b: Any) -> bool:
    """Whether two spellings name one address (localhost is 127.0.0.1; names compare as text)."""
    a, b = ("127.0.0.1" if str(x) in LOOPBACK_NAMES else x for x in (a, b))
    return _canonical(a) == _canonical(b)


def bind_addresses(bind: Any, wildcards: bool = True, serving: Any = None) -> Any:
    """A service's bind_address as a list: it is one address or a list of them, none when unset.
    wildcards=False leaves out the wildcards (what a client can connect to); serving=ADDRESS keeps
    only the binds that receive connections to ADDRESS (that address itself, or a wildcard).
    Anything but a string, a list or None is returned as it is, for preflight to name."""
    binds = [] if bind is None else [bind] if isinstance(bind, str) else bind
    if not isinstance(binds, (list, tuple)):
        return binds
    return [b for b in binds if (wildcards or not is_wildcard(b))
            and (serving is None or is_wildcard(b) or same_address(b, serving))]


def _overlap(a: str, b: str) -> bool:
    if a == b:
        return True
    if not (is_wildcard(a) or is_wildcard(b)):
        return False
    # '*' and 0.0.0.0 cover IPv4, :: covers IPv6 (and IPv4 too unless v6only): treat a
    # wildcard as overlapping every address, the safe reading for either kernel setting.
    return True


def listener_clashes(binds: Iterable[Sequence[Any]]) -> list[str]:
    """'address:port' of every listener that shares its port with an earlier one on the same
    address, or with a wildcard on that port; each once, in order."""
    seen: list[tuple[str, str]] = []
    clashes: list[str] = []
    for address, port in binds:
        address, port = _canonical(address), str(port)
        if any(port == p and _overlap(address, a) for a, p in seen):
            shown = f"[{address}]:{port}" if _family(address) == 6 else f"{address}:{port}"
            if shown not in clashes:
                clashes.append(shown)
        seen.append((address, port))
    return clashes


def _strip_own(service: Any, own: set[str] | None) -> Any:
    """A service with the node's own addresses left out of bind_address: each load balancer
    may also listen on its own address; only the shared ones (VIPs, '*') must agree. With
    the node's addresses unknown (no facts), bind_address is left out of the comparison:
    the per-node check across roles (every VIP bound, every bound address a VIP or the
    node's) still covers it."""
    if not isinstance(service, Mapping) or "bind_address" not in service:
        return service
    if own is None:
        return {k: v for k, v in service.items() if k != "bind_address"}
    shared = sorted(_canonical(a) for a in bind_addresses(service["bind_address"]) if _canonical(a) not in own)
    return {**service, "bind_address": shared}


def _shown(value: Any, secret: bool) -> str:
    if secret:
        return "(not shown: a secret)"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _is_secret(name: str) -> bool:
    return any(word in name for word in ("password", "secret", "certificate", "token"))


def _service_keys(mine: Mapping[str, Any], theirs: Mapping[str, Any]) -> list[str]:
    """Keys of two versions of one service that differ; check.* keys one by one."""
    keys = []
    for key in sorted(set(mine) | set(theirs)):
        a, b = mine.get(key), theirs.get(key)
        if key == "check" and isinstance(a, Mapping) and isinstance(b, Mapping):
            keys.extend(f"check.{k}" for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k))
        elif a != b:
            keys.append(key)
    return keys


def group_differences(settings: Mapping[str, Mapping[str, Any]],
                      own_addresses: Mapping[str, Iterable[Any]] | None = None,
                      services: str = "haproxy_services") -> list[str]:
    """One message per setting whose value is not the same on every host.

    `settings` maps host -> {variable: value}; the first host is the reference. The
    `services` variable (a list of services with unique names) is compared service by
    service, key by key, after leaving each host's own addresses (`own_addresses`) out of
    bind_address. Values of secrets are never shown, and services' values never (a check
    may hold a password): only the names of the keys that differ."""
    hosts = list(settings)
    if len(hosts) < 2:
        return []
    given = own_addresses or {}
    own = {h: None if h in given and given[h] is None else {_canonical(a) for a in given.get(h) or [] if a}
           for h in hosts}
    first = hosts[0]
    found: list[str] = []
    for name in settings[first]:
        if name == services:
            found.extend(_service_differences(settings, own, name))
            continue
        odd = [h for h in hosts[1:] if settings[h].get(name) != settings[first].get(name)]
        if odd:
            values = ", ".join(f"{h}: {_shown(settings[h].get(name), _is_secret(name))}" for h in [first, *odd])
            found.append(f"{name} differs between load balancers ({values})")
    return found


def _by_name(value: Any) -> dict[str, Any]:
    if not isinstance(value, (list, tuple)):
        return {}
    return {str(s.get("name")): s for s in value if isinstance(s, Mapping)}


def _service_differences(settings: Mapping[str, Mapping[str, Any]], own: Mapping[str, set[str] | None],
                         name: str) -> list[str]:
    hosts = list(settings)
    first = hosts[0]
    reference = _by_name(settings[first].get(name))
    found = []
    for host in hosts[1:]:
        theirs = _by_name(settings[host].get(name))
        missing = [s for s in reference if s not in theirs]
        extra = [s for s in theirs if s not in reference]
        if missing or extra:
            found.append(f"{name} lists other services on {host} than on {first} "
                         f"(only on {first}: {missing or 'none'}; only on {host}: {extra or 'none'})")
        for service in reference:
            if service not in theirs:
                continue
            keys = _service_keys(_strip_own(reference[service], own[first]), _strip_own(theirs[service], own[host]))
            if keys:
                found.append(f"service '{service}' in {name} differs between {first} and {host} in: {', '.join(keys)}")
    return found
