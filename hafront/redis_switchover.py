"""The choices of playbooks/redis_switchover.yml, as pure functions (tests/unit/test_redis_switchover.py).

Sentinel promotes the replica it ranks first; the play makes the target that replica by giving
it the lowest replica-priority for the time of the switch. ``plan`` says whether to switch, what
priority each node gets and what stands in the way; ``sentinel_choice`` ranks the replicas as
Sentinel does (sentinelSelectSlave), so the play fails over only once Sentinel would pick the
target. filter_plugins/redis_switchover_plan.py and redis_sentinel_choice.py expose them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

# Sentinel never promotes a replica it thinks is down or has lost the connection to.
_UNFIT_FLAGS = {"s_down", "o_down", "disconnected"}


def _int(value: Any, what: str) -> int:
    if isinstance(value, bool):
        raise ValueError(f"{what} must be an integer, got {value!r}")
    try:
        return int(value)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{what} must be an integer, got {value!r}") from err


def plan(nodes: Mapping[str, Mapping[str, Any]], target: str, current_master: str,
         target_priority: int = 1) -> dict[str, Any]:
    """What the switchover does.

    nodes: host -> {"role": master|slave, "link": master_link_status ('' on a master),
    "priority": the inventory's redis_replica_priority}.
    Returns {"switch": whether the master must move, "priorities": host -> replica-priority for
    the switch (target_priority on the target, each other node its own), "errors": why it cannot
    (empty when it can, or when there is nothing to do)}.
    """
    if not isinstance(nodes, Mapping) or not nodes:
        raise ValueError(f"input must map each Redis host to its role, link and priority, got {nodes!r}")
    if target not in nodes:
        raise ValueError(f"target {target!r} is no host of the Redis group ({', '.join(nodes)})")
    target_priority = _int(target_priority, "target_priority")
    if target_priority < 1:
        raise ValueError(f"target_priority must be 1 or more (0 means never master), got {target_priority}")
    priorities = {}
    for host, node in nodes.items():
        if not isinstance(node, Mapping):
            raise ValueError(f"host {host!r}: must be a mapping of role, link and priority, got {node!r}")
        priorities[host] = _int(node.get("priority", 100), f"host {host!r}: priority")
    switch = current_master != target
    errors: list[str] = []
    if switch:
        if priorities[target] == 0:
            errors.append(f"{target} has redis_replica_priority 0, which means never master.")
        for host, node in nodes.items():
            role, link = node.get("role"), node.get("link") or ""
            if role != "master" and link != "up":
                errors.append(f"{host} must be master or a replica in sync (role {role or '?'}, link {link or '?'}).")
            if host != target and priorities[host] == target_priority:
                errors.append(f"{host} has redis_replica_priority {target_priority}, the target's temporary one: "
                              "Sentinel could promote it instead.")
    live = {host: (target_priority if host == target else prio) for host, prio in priorities.items()}
    return {"switch": switch, "priorities": live, "errors": errors}


def sentinel_choice(replicas: Sequence[Mapping[str, Any]]) -> str:
    """'ip:port' of the replica Sentinel would promote now ('' if none qualifies).

    replicas: SENTINEL REPLICAS entries (ip, port, runid, flags, slave-priority, slave-repl-offset).
    Sentinel skips replicas flagged down or disconnected and those of priority 0, then takes the
    lowest priority, then the largest replication offset, then the smallest run id.
    """
    if isinstance(replicas, (str, bytes, Mapping)) or not isinstance(replicas, Sequence):
        raise ValueError(f"input must be the list of SENTINEL REPLICAS entries, got {replicas!r}")
    ranked = []
    for entry in replicas:
        if not isinstance(entry, Mapping) or "ip" not in entry or "port" not in entry:
            raise ValueError(f"each replica must be a mapping with ip and port, got {entry!r}")
        flags = set(str(entry.get("flags", "")).split(","))
        priority = _int(entry.get("slave-priority", 100), f"replica {entry['ip']}: slave-priority")
        if flags & _UNFIT_FLAGS or priority == 0:
            continue
        offset = _int(entry.get("slave-repl-offset", 0), f"replica {entry['ip']}: slave-repl-offset")
        runid = str(entry.get("runid") or "")
        # A replica without a run id ranks after one with it (Sentinel's compareSlavesForPromotion).
        ranked.append((priority, -offset, runid == "", runid, f"{entry['ip']}:{entry['port']}"))
    return min(ranked)[-1] if ranked else ""
