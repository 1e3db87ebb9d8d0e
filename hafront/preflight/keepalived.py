# SPDX-License-Identifier: MIT
"""The keepalived role's preflight: every check of its inputs on one load balancer.

`errors()` returns the messages of the first group of checks that fails, in the order:
instances present and uniquely named; every templated value's syntax; the peer group; each
instance; VRIDs and VIPs unique; this node's interfaces and address; timers, priorities and
sysctls; each VIP against its subnet, the gateway and every inventory address; the settings
every peer must share. Types and choices are the argument spec's."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping, Sequence
from typing import Any

from hafront.preflight.common import (HostVars, as_bool, as_float, as_int, cached, flatten, is_ipv4, is_list, listed,
                                      shown, syntax_errors, text, unique)

_SYSCTL = re.compile(r"^net\.ipv[46]\.[a-z0-9_./-]+$")
# Variables whose values every host of the peer group must share: one node with another
# advert interval, preemption or instance list splits the VRRP group.
SHARED = ("keepalived_peer_group", "keepalived_unicast", "keepalived_advert_int", "keepalived_nopreempt",
          "keepalived_preempt_delay", "keepalived_priority_top", "keepalived_priority_step", "keepalived_instances")
# Variables of any host whose value is that host's address.
_ADDRESS_VARIABLES = ("ansible_host", "lab_address", "keepalived_address", "haproxy_backend_address")


def _instances(values: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    instances = values.get("keepalived_instances")
    return [i for i in instances if isinstance(i, Mapping)] if is_list(instances) else []


def _sorted(values: Any) -> list[Any]:
    """Jinja's `sort`: strings without case."""
    return sorted(values, key=lambda v: v.lower() if isinstance(v, str) else v)


def _interface(vip: Any) -> ipaddress.IPv4Interface | ipaddress.IPv6Interface | None:
    try:
        return ipaddress.ip_interface(text(vip))
    except ValueError:
        return None


def vip_address(vip: Any) -> str:
    """The address of a VIP written with its prefix length (ansible.utils.ipaddr('address'))."""
    interface = _interface(vip)
    return text(vip) if interface is None else str(interface.ip)


def _usable_host(vip: Any) -> bool:
    """Not the network or broadcast address of its prefix (ipaddr('host/prefix'))."""
    interface = _interface(vip)
    if interface is None:
        return False
    network = interface.network
    return network.num_addresses <= 2 or interface.ip not in (network.network_address, network.broadcast_address)


def _in_usable(vip: Any, address: Any) -> bool:
    """Whether address is a usable address of the VIP's subnet (network_in_usable)."""
    network = ipaddress.ip_interface(text(vip)).network
    if network.num_addresses == 1:
        first = last = network.network_address
    elif network.num_addresses == 2:
        first, last = network.network_address, network.broadcast_address
    else:
        first, last = network.network_address + 1, network.broadcast_address - 1
    return int(first) <= int(ipaddress.ip_address(text(address))) <= int(last)


def shared_settings(values: Mapping[str, Any]) -> dict[str, Any]:
    """What one host will configure of the settings every peer must share, comparable as
    they are. The start delay counts only with preemption on (None: not compared)."""
    nopreempt = as_bool(values.get("keepalived_nopreempt"))
    instances = []
    for instance in _instances(values):
        vips = instance.get("vips")
        instances.append(" ".join([text(instance.get("name")), text(as_int(instance.get("vrid"))),
                                   ",".join(map(text, _sorted(vips if is_list(vips) else []))),
                                   text(instance.get("preferred_master", "-"))]))
    return {
        "keepalived_peer_group": values.get("keepalived_peer_group"),
        "keepalived_unicast": as_bool(values.get("keepalived_unicast")),
        "keepalived_advert_int": as_float(values.get("keepalived_advert_int")),
        "keepalived_nopreempt": nopreempt,
        "keepalived_preempt_delay": None if nopreempt else as_float(values.get("keepalived_preempt_delay")),
        "keepalived_priority_top": as_int(values.get("keepalived_priority_top")),
        "keepalived_priority_step": as_int(values.get("keepalived_priority_step")),
        "keepalived_instances": _sorted(instances),
    }


def _instance_errors(instance: Mapping[str, Any], host: str, members: Sequence[str], group: Any) -> list[str]:
    name, vrid, vips = shown(instance.get("name")), instance.get("vrid"), instance.get("vips")
    vips = vips if is_list(vips) else []
    found = []
    if not 1 <= as_int(vrid) <= 255:
        found.append(f"Instance '{name}' in keepalived_instances needs vrid 1-255 on {host} (got {shown(vrid)}); pick "
                     "an id no other VRRP router on the network uses.")
    if len(vips) == 0:
        found.append(f"Instance '{name}' in keepalived_instances has an empty vips list on {host}; give it at least one "
                     "address with a prefix length, for example ['192.0.2.100/24'].")
    elif not any(_interface(v) is not None and _interface(v).version == 4 for v in vips):
        found.append(f"Instance '{name}' in keepalived_instances has IPv6 VIPs only on {host} ({listed(vips)}); this "
                     "role runs VRRP over IPv4 and moves IPv6 VIPs beside an IPv4 one: add an IPv4 VIP to the instance.")
    preferred = instance.get("preferred_master")
    if (preferred or host) not in members:
        found.append(f"preferred_master '{shown(preferred)}' of instance '{name}' is not a host of group '{shown(group)}' "
                     f"(checked on {host}); name one of {', '.join(members)} or remove preferred_master.")
    return found


def _unique_errors(instances: list[Mapping[str, Any]], host: str, interface: Any) -> list[str]:
    vrids = [f"{text(i.get('interface', interface))}/{as_int(i.get('vrid'))}" for i in instances]
    vips = [vip_address(v) for v in flatten(i.get("vips") for i in instances)]
    found = []
    if len(vrids) != len(unique(vrids)):
        found.append(f"Two instances in keepalived_instances share a virtual router id on the same interface on {host} "
                     f"({', '.join(vrids)}); give each instance its own vrid.")
    if len(vips) != len(unique(vips)):
        found.append(f"A VIP appears in more than one instance of keepalived_instances on {host} ({', '.join(vips)}); "
                     "each VIP must belong to exactly one instance, or two nodes would hold it at once.")
    return found


def _node_errors(values: Mapping[str, Any], host: str, facts: Mapping[str, Any]) -> list[str]:
    """This node's VRRP interfaces and address, against its gathered facts (when there are any)."""
    instances, address = _instances(values), values.get("keepalived_address")
    interfaces = unique(i.get("interface", values.get("keepalived_interface")) for i in instances)
    present = facts.get("interfaces", interfaces)
    missing = [i for i in interfaces if i not in present]
    own = facts.get("all_ipv4_addresses", [address])
    found = []
    if missing:
        found.append(f"Interface {listed(missing)} (keepalived_interface, or an instance's interface in "
                     f"keepalived_instances) is not a network interface of {host} (it has "
                     f"{listed(_sorted(facts.get('interfaces', [])))}); name one of those.")
    if not is_ipv4(address):
        found.append(f"keepalived_address must be an IPv4 address of {host} (got '{shown(address)}'); VRRP runs over "
                     "IPv4 from this address.")
    elif address not in own:
        found.append(f"keepalived_address {shown(address)} is not configured on {host} (it has {listed(own)}); "
                     "keepalived sends its adverts from it: set this node's own address.")
    return found


def _setting_errors(values: Mapping[str, Any], host: str) -> list[str]:
    """Timers, priorities and kernel settings, each with its range."""
    advert, nice = values.get("keepalived_advert_int"), values.get("keepalived_process_priority")
    delay, garp = values.get("keepalived_preempt_delay"), values.get("keepalived_garp_master_delay")
    top, step = values.get("keepalived_priority_top"), values.get("keepalived_priority_step")
    sysctls = values.get("keepalived_sysctls")
    sysctls = sysctls if isinstance(sysctls, Mapping) else {}
    in_range = 0.01 <= as_float(advert) <= 255
    found = []
    if not in_range:
        found.append(f"keepalived_advert_int must be between 0.01 and 255 seconds on {host} (got {shown(advert)}); the "
                     "lab uses 0.02, production 0.1.")
    elif round(as_float(advert) * 100, 6) != round(as_float(advert) * 100, 0):
        found.append(f"keepalived_advert_int must be a multiple of 0.01 s on {host} (got {shown(advert)}); VRRPv3 "
                     "counts adverts in hundredths of a second.")
    if not -20 <= as_int(nice) <= 19:
        found.append(f"keepalived_process_priority must be a nice value from -20 to 19 on {host} (got {shown(nice)}).")
    if not 0 <= as_float(delay) <= 1000:
        found.append(f"keepalived_preempt_delay must be 0-1000 seconds on {host} (got {shown(delay)}).")
    if as_int(garp) > 60:
        found.append(f"keepalived_garp_master_delay must be a whole number of seconds 0-60 on {host} (got "
                     f"{shown(garp)}; 0 sends no second set).")
    if not 2 <= as_int(top) <= 254:
        found.append(f"keepalived_priority_top must be a whole number 2-254 on {host} (got {shown(top)}); VRRP "
                     "priorities are 1-254.")
    if as_int(step) < 1:
        found.append(f"keepalived_priority_step must be at least 1 on {host} (got {shown(step)}); two nodes with one "
                     "priority would both claim the VIP.")
    if bad := [k for k in sysctls if not _SYSCTL.match(text(k))]:
        found.append(f"keepalived_sysctls may only set net.ipv4.* / net.ipv6.* keys on {host} (got {listed(bad)}).")
    if any(not re.match(r"^-?[0-9]+$", text(v)) for v in sysctls.values()):
        found.append(f"keepalived_sysctls values must be whole numbers on {host}, for example "
                     f"{{net.ipv4.conf.all.arp_announce: 2}} (got {shown(sysctls)}).")
    return found


def _owners(address: str, groups: Mapping[str, Sequence[str]], hostvars: HostVars, group: Any) -> list[str]:
    """Hosts whose address is this one: by their inventory variables, and by the gathered
    facts of hosts outside the peer group (a peer's facts hold the VIPs it holds now)."""
    everyone = list(groups.get("all", []))
    peers = groups.get(group, []) if isinstance(group, str) else []
    found = [h for name in _ADDRESS_VARIABLES for h in everyone if hostvars.value(h, name) == address]
    for key in ("all_ipv4_addresses", "all_ipv6_addresses"):
        found += [h for h in everyone if h not in peers and address in (hostvars.facts(h).get(key) or [])]
    return unique(found)


def _vip_errors(instance: Mapping[str, Any], vip: Any, host: str, values: Mapping[str, Any],
                groups: Mapping[str, Sequence[str]], hostvars: HostVars, facts: Mapping[str, Any]) -> list[str]:
    name, address, own = shown(instance.get("name")), vip_address(vip), values.get("keepalived_address")
    usable = _usable_host(vip)
    owners = _owners(address, groups, hostvars, values.get("keepalived_peer_group"))
    gateway = (facts.get("default_ipv4") or {}).get("gateway", "")
    found = []
    if not usable:
        found.append(f"VIP {shown(vip)} of instance '{name}' in keepalived_instances is not a usable host address of its "
                     f"prefix on {host}; pick a free address inside the subnet, for example 192.0.2.100/24.")
    elif _interface(vip).version == 4 and not _in_usable(vip, own):
        found.append(f"VIP {shown(vip)} of instance '{name}' must lie in the subnet of {host}'s keepalived_address "
                     f"({shown(own)}); pick a free address in that subnet.")
    if address == gateway:
        found.append(f"VIP {shown(vip)} of instance '{name}' in keepalived_instances is the default gateway of {host}; "
                     "taking it would cut the subnet off its router: pick a free address.")
    if owners:
        found.append(f"VIP {shown(vip)} of instance '{name}' in keepalived_instances is the address of "
                     f"{', '.join(owners)} (checked on {host}); two machines answering for one address break both: "
                     "pick an address no host uses.")
    return found


def _group_errors(values: Mapping[str, Any], host: str, groups: Mapping[str, Sequence[str]],
                  hostvars: HostVars, defaults: Mapping[str, Any]) -> list[str]:
    """One sentence per shared setting that differs between this node and a peer, naming the
    peers and both values. A peer's setting it leaves unset has the role default."""
    group = values.get("keepalived_peer_group")
    mine = shared_settings(values)
    theirs = {peer: shared_settings({name: hostvars.value(peer, name, defaults.get(name)) for name in SHARED})
              for peer in groups[group] if peer != host}
    found = []
    for key, value in mine.items():
        differ = [peer for peer, settings in theirs.items() if settings[key] != value and settings[key] is not None]
        if differ and value is not None:
            others = "), ".join(f"{peer} ({text(theirs[peer][key])}" for peer in differ)
            found.append(f"{key} differs between {host} ({text(value)}) and {others}); every host of group "
                         f"'{text(group)}' must use the same value: set it in the group's group_vars, not in host_vars.")
    return found


def errors(values: Mapping[str, Any], host: str, groups: Mapping[str, Sequence[str]],
           hostvars: Mapping[str, Mapping[str, Any]], syntax: Mapping[str, str],
           defaults: Mapping[str, Any]) -> list[str]:
    """The messages of the first group of checks that fails on `host`; [] when all pass.

    values: the role's variables on this host; syntax: the role's `__keepalived_syntax` map;
    defaults: the role's defaults (the peers' hostvars lack them). This host's facts come from
    hostvars (none gathered: the checks that need them pass)."""
    hostvars = cached(hostvars)
    instances = values.get("keepalived_instances")
    if not is_list(instances) or len(instances) == 0:
        return [f"keepalived: keepalived_instances is empty on {host}; define at least one instance, for example "
                "{name: VI_1, vrid: 51, vips: ['192.0.2.100/24']}."]
    instances = _instances(values)
    names = [i.get("name") for i in instances]
    if len(unique(names)) != len(names):
        return [f"keepalived: the names in keepalived_instances must be unique on {host} (got {listed(names)}); rename "
                "one of the instances."]
    if bad := syntax_errors(values, syntax, host):
        return [f"keepalived: {' '.join(bad)}"]
    group = values.get("keepalived_peer_group")
    members = groups.get(group, []) if isinstance(group, str) else []
    if host not in members:
        return [f"keepalived: keepalived_peer_group '{shown(group)}' must be an inventory group that holds {host}; name "
                "the group of the load balancers (default: loadbalancers)."]
    facts = hostvars.facts(host)
    per_instance = [_instance_errors(i, host, members, group) for i in instances]
    if found := [f"keepalived: {' '.join(f)}" for f in per_instance if f]:
        return found
    for found in (_unique_errors(instances, host, values.get("keepalived_interface")),
                  _node_errors(values, host, facts), _setting_errors(values, host)):
        if found:
            return [f"keepalived: {' '.join(found)}"]
    per_vip = [_vip_errors(i, vip, host, values, groups, hostvars, facts) for i in instances for vip in i.get("vips") or []]
    if found := [f"keepalived: {' '.join(f)}" for f in per_vip if f]:
        return found
    if found := _group_errors(values, host, groups, hostvars, defaults):
        return [f"keepalived: {' '.join(found)}"]
    return []
