"""Where a VIP is, and where playbooks/vip_move.yml should expect it once the holds are set.

Pure functions over what the play gathered (each node's ``ip -o addr show`` and the keepalived
role's priorities), so the choice is unit-tested (tests/unit/test_vip.py) instead of living in
a Jinja expression; filter_plugins/vip_holders.py and vip_destination.py expose them.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping, Sequence

# One address per line of `ip -o addr show`: "2: eth0    inet 10.0.0.10/24 brd ...".
_ADDRESS = re.compile(r"\binet6? ([0-9A-Fa-f.:]+)/")


def addresses(ip_output: str) -> list[str]:
    """The addresses (without prefix length) in the output of ``ip -o addr show``."""
    if not isinstance(ip_output, str):
        raise ValueError(f"input must be the text of `ip -o addr show`, got {ip_output!r}")
    return _ADDRESS.findall(ip_output)


def _canonical(address: str) -> str:
    """The address as ipaddress writes it (IPv6 in short form), so 'fd00::0010' finds 'fd00::10'."""
    try:
        return str(ipaddress.ip_address(str(address).split("/")[0]))
    except ValueError as err:
        raise ValueError(f"{address!r} is no IP address") from err


def holders(outputs: Mapping[str, str], vip: str) -> list[str]:
    """The hosts (in the mapping's order) whose ``ip -o addr show`` lists vip (a prefix length is ignored)."""
    if not isinstance(outputs, Mapping):
        raise ValueError(f"input must map host name to its `ip -o addr show` output, got {outputs!r}")
    wanted = _canonical(vip)
    return [host for host, text in outputs.items()
            if wanted in {_canonical(a) for a in addresses(text or "")}]


def destination(priorities: Mapping[str, int], target: str = "", *, release: bool = False,
                preempt: bool = False, current: Sequence[str] = ()) -> str:
    """The host that should hold the VIP once vip_move.yml has set its holds; '' when nobody can tell.

    priorities: this instance's VRRP priority of each load balancer (the keepalived role's).
    Moved (release false): the target, which must be one of those hosts.
    Released with preemption: the host with the highest priority takes the VIP back.
    Released without preemption: the VIP stays where it is (current, the holders before the run),
    known only when exactly one node held it.
    """
    if not isinstance(priorities, Mapping) or not priorities:
        raise ValueError(f"input must map each load balancer to its VRRP priority, got {priorities!r}")
    if not release:
        if target not in priorities:
            raise ValueError(f"target {target!r} is no load balancer of this instance ({', '.join(priorities)})")
        return target
    if preempt:
        try:
            ranked = sorted(priorities.items(), key=lambda item: int(item[1]), reverse=True)
        except (TypeError, ValueError) as err:
            raise ValueError(f"priorities must be integers, got {dict(priorities)!r}") from err
        if len(ranked) > 1 and int(ranked[0][1]) == int(ranked[1][1]):
            raise ValueError(f"{ranked[0][0]} and {ranked[1][0]} share the top priority {ranked[0][1]}")
        return ranked[0][0]
    if isinstance(current, (str, bytes)) or not isinstance(current, Sequence):
        raise ValueError(f"current must be a list of host names, got {current!r}")
    return current[0] if len(current) == 1 else ""
