# Copyright (c) 2026 hafront contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: platform_status
short_description: Render the platform's state as one text table (playbooks/status.yml)
description:
  - Takes what C(playbooks/status.yml) gathered on each host and returns the lines of one table, in
    sections with aligned columns, VIPs, HAProxy servers, Redis nodes and Sentinels.
  - A tier that is absent from the inventory (no key, or an empty mapping) is left out.
  - Lines that need a person's attention (a VIP held by no node or by two, not exactly one Redis master,
    Sentinels that disagree) come last, each starting with C(WARNING).
positional: _input
extends_documentation_fragment:
  - hafront
options:
  _input:
    description:
      - C(instances), the load balancers' C(keepalived_instances).
      - C(held), load balancer to the list of VIP addresses it holds (C(ip -o addr)).
      - C(haproxy), load balancer to the result of C(hafront_haproxy) V(state) (C(servers), or C(msg) on failure).
      - C(redis), Redis host to C(address) (C(ip:port)) and the C(hafront_redis) V(info) result (C(info) or C(msg)).
      - C(sentinels), Redis host to the C(hafront_redis) V(master) result (C(master), C(sentinel) or C(msg)).
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Show the platform
  ansible.builtin.debug:
    msg: "{{ gathered | platform_status | join('\n') }}"
  vars:
    gathered:
      instances: [{name: VI_1, vrid: 51, vips: [192.0.2.100/24]}]
      held: {lb1: [192.0.2.100], lb2: []}
"""

RETURN = r"""
_value:
  description: The table's lines, without trailing spaces.
  type: list
  elements: str
"""

from collections.abc import Mapping, Sequence
from typing import Any

from ansible.errors import AnsibleFilterError

_NAME = "platform_status"
# srv_op_state of `show servers state` (HAProxy's SRV_ST_*).
_OP_STATES = {"0": "DOWN", "1": "STARTING", "2": "UP", "3": "STOPPING"}


def text_table(header: Sequence[str], rows: Sequence[Sequence[Any]], indent: str = "  ") -> list[str]:
    """Left-aligned columns, two spaces apart; every cell shown with str()."""
    cells = [[str(c) for c in header]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells if i < len(row)) for i in range(len(header))]
    return [(indent + "  ".join(c.ljust(w) for c, w in zip(row, widths))).rstrip() for row in cells]


def _address(vip: str) -> str:
    return str(vip).split("/")[0]


def vip_rows(instances: Sequence[Mapping[str, Any]], held: Mapping[str, Sequence[str]]) -> tuple[list, list]:
    rows, warnings = [], []
    for inst in instances:
        for vip in inst.get("vips", []):
            holders = sorted(lb for lb, vips in held.items() if _address(vip) in (vips or []))
            rows.append([inst.get("name", "?"), _address(vip), ", ".join(holders) or "NONE"])
            if len(holders) != 1:
                warnings.append(f"WARNING: VIP {_address(vip)} ({inst.get('name')}) is held by "
                                f"{len(holders)} load balancers: {', '.join(holders) or 'none'}")
    return rows, warnings


def haproxy_rows(haproxy: Mapping[str, Mapping[str, Any]]) -> list[list[Any]]:
    rows = []
    for lb in sorted(haproxy):
        result = haproxy[lb] or {}
        if result.get("servers") is None:
            rows.append([lb, "-", "-", "-", "NO ANSWER", "-", "-", "-"])
            continue
        for s in result["servers"]:
            rows.append([lb, s.get("be_name", "?"), s.get("srv_name", "?"),
                         f"{s.get('srv_addr', '?')}:{s.get('srv_port', '?')}",
                         _OP_STATES.get(str(s.get("srv_op_state")), str(s.get("srv_op_state"))),
                         s.get("admin", "?"), f"{s.get('srv_uweight', '?')}/{s.get('srv_iweight', '?')}",
                         s.get("scur", "?")])
    return rows


def _replica_lags(info: Mapping[str, str]) -> dict[str, str]:
    """A master's `slaveN:ip=..,port=..,offset=..,lag=..` lines, by ip:port, to their lag in seconds."""
    lags = {}
    for key, value in info.items():
        if key.startswith("slave") and key[5:].isdigit():
            fields = dict(part.split("=", 1) for part in str(value).split(",") if "=" in part)
            lags[f"{fields.get('ip')}:{fields.get('port')}"] = fields.get("lag", "?")
    return lags


def redis_rows(redis: Mapping[str, Mapping[str, Any]]) -> tuple[list, list, dict[str, str]]:
    names = {str(r.get("address")): host for host, r in redis.items()}
    masters = {host: (r.get("info") or {}) for host, r in redis.items() if (r.get("info") or {}).get("role") == "master"}
    rows, warnings = [], []
    for host in sorted(redis):
        r = redis[host] or {}
        info = r.get("info") or {}
        if "role" not in info:
            rows.append([host, r.get("address", "?"), "DOWN", "-", "-", "-", "-", str(r.get("msg", "no answer"))[:60]])
        elif info["role"] == "master":
            rows.append([host, r.get("address", "?"), "master", "-", "-", info.get("master_repl_offset", "?"), "-",
                         f"{info.get('connected_slaves', '?')} replicas connected"])
        else:
            upstream = f"{info.get('master_host')}:{info.get('master_port')}"
            master_host = names.get(upstream, upstream)
            master = masters.get(master_host, {})
            offset = info.get("slave_repl_offset", "?")
            try:
                behind = f"{max(int(master['master_repl_offset']) - int(offset), 0)} B"
            except (KeyError, TypeError, ValueError):
                behind = "? B"
            seconds = _replica_lags(master).get(str(r.get("address")), "?")
            rows.append([host, r.get("address", "?"), "replica", master_host, info.get("master_link_status", "?"),
                         offset, f"{behind}, {seconds} s", ""])
    if redis and len(masters) != 1:
        warnings.append(f"WARNING: {len(masters)} Redis nodes say they are master: {', '.join(sorted(masters)) or 'none'}")
    return rows, warnings, names


def sentinel_rows(sentinels: Mapping[str, Mapping[str, Any]], names: Mapping[str, str]) -> tuple[list, list]:
    rows, named = [], set()
    for host in sorted(sentinels):
        s = sentinels[host] or {}
        if not s.get("master"):
            rows.append([host, "NO ANSWER", "-", "-", "-", "-", str(s.get("msg", ""))[:60]])
            continue
        named.add(s["master"])
        view = s.get("sentinel") or {}
        rows.append([host, f"{names.get(s['master'], '?')} ({s['master']})", view.get("flags", "?"),
                     view.get("num-slaves", "?"), view.get("num-other-sentinels", "?"), view.get("quorum", "?"), ""])
    warnings = []
    if len(named) > 1:
        warnings.append(f"WARNING: the Sentinels disagree about the master: {', '.join(sorted(named))}")
    return rows, warnings


def platform_status(data: Mapping[str, Any]) -> list[str]:
    """The lines of the status table (see DOCUMENTATION)."""
    if not isinstance(data, Mapping):
        raise AnsibleFilterError(f"{_NAME}: input must be a mapping of instances, held, haproxy, redis and "
                                 f"sentinels, got {type(data).__name__}")
    lines: list[str] = []
    warnings: list[str] = []
    if data.get("instances"):
        rows, found = vip_rows(data["instances"], data.get("held") or {})
        warnings += found
        lines += ["VIPs (keepalived)"] + text_table(["INSTANCE", "VIP", "HOLDER"], rows) + [""]
    if data.get("haproxy"):
        lines += (["HAProxy servers (runtime API; weight = current/initial)"]
                  + text_table(["LB", "BACKEND", "SERVER", "ADDRESS", "STATE", "ADMIN", "WEIGHT", "SESSIONS"],
                               haproxy_rows(data["haproxy"])) + [""])
    names: dict[str, str] = {}
    if data.get("redis"):
        rows, found, names = redis_rows(data["redis"])
        warnings += found
        lines += (["Redis (INFO replication; lag = bytes behind the master, seconds since its last ack)"]
                  + text_table(["NODE", "ADDRESS", "ROLE", "MASTER", "LINK", "OFFSET", "LAG", "NOTE"], rows) + [""])
    if data.get("sentinels"):
        rows, found = sentinel_rows(data["sentinels"], names)
        warnings += found
        lines += (["Sentinels (what each names as master)"]
                  + text_table(["SENTINEL", "MASTER", "FLAGS", "REPLICAS", "OTHER SENTINELS", "QUORUM", "NOTE"], rows)
                  + [""])
    return lines + warnings if warnings else lines[:-1]


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {"platform_status": platform_status}
