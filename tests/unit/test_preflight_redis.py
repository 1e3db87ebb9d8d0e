# Copyright (c) 2026 hafront contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""hafront.preflight.redis: every message of the redis role's preflight."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import pytest
from ansible.errors import AnsibleFilterError

from hafront.preflight import redis
from preflight_support import defaults, only_message, syntax
from redis_preflight_errors import redis_preflight_errors

NODES = {"redis1": "10.0.0.31", "redis2": "10.0.0.32", "redis3": "10.0.0.33"}
PASSWORDS = {name: f"Kq7-{name.replace('_', '-')}-0123456789" for name in redis.PASSWORDS}
SHARED = ("redis_group", "redis_initial_master", "redis_master_name", "redis_port", "redis_sentinel_port",
          "redis_sentinel_quorum", "redis_app_user", "redis_app_acl", *redis.PASSWORDS)


def published(values: dict[str, Any]) -> dict[str, Any]:
    """What roles/redis/tasks/preflight.yml publishes as __redis_shared (a few of its keys)."""
    return {name: hashlib.sha256(str(values[name]).encode()).hexdigest() if "password" in name else values[name]
            for name in SHARED}


@dataclass
class Inventory:
    """Three Redis nodes (redis1 checked), each with its facts and what it published."""

    values: dict[str, Any] = field(default_factory=lambda: defaults("redis") | PASSWORDS | {
        "redis_initial_master": "redis1", "redis_bind_address": "10.0.0.31"})
    groups: dict[str, list[str]] = field(default_factory=lambda: {"all": list(NODES), "redis": list(NODES)})
    hostvars: dict[str, dict[str, Any]] = field(default_factory=dict)

    def node(self, host: str, **changes: Any) -> None:
        """A node's facts and what it publishes, from this inventory's values and its own changes."""
        mine = self.values | {"redis_bind_address": NODES.get(host, "10.0.0.34")} | changes
        self.hostvars[host] = {
            "ansible_facts": {"distribution_release": "bookworm", "all_ipv4_addresses": [mine["redis_bind_address"]]},
            "__redis_shared": published(mine), "__redis_self_address": mine["redis_bind_address"],
            "__redis_replica_priority": int(mine["redis_replica_priority"])}

    def errors(self) -> list[str]:
        for host in self.groups["redis"]:
            if host not in self.hostvars:
                self.node(host)
        return redis.errors(self.values, "redis1", self.groups, self.hostvars, syntax("redis"), defaults("redis"))


def test_good_inputs_pass():
    inventory = Inventory()
    assert inventory.errors() == []
    assert redis_preflight_errors(inventory.values, "redis1", inventory.groups, inventory.hostvars, syntax("redis"),
                                  defaults("redis")) == []


def _set(**values: Any):
    return lambda inv: inv.values.update(values)


def _node(host: str, **changes: Any):
    return lambda inv: inv.node(host, **changes)


def _group(*nodes: str):
    return lambda inv: inv.groups.update(redis=list(nodes))


def _facts(host: str, **facts: Any):
    def change(inv: Inventory) -> None:
        inv.errors()
        inv.hostvars[host]["ansible_facts"].update(facts)
    return change


CASES = [
    (_group("redis1", "redis2"),
     "redis: Group 'redis' has 2 hosts (redis1, redis2): Sentinel needs at least 3 nodes, so that a majority still "
     "votes when one is down. Add nodes, or set redis_group. Group 'redis' has 2 hosts (redis1, redis2): Sentinel "
     "needs an odd number of nodes, or a split in half leaves no majority. Add or remove one."),
    (_group("redis1", "redis2", "redis3", "redis4"), "Sentinel needs an odd number of nodes"),
    (_set(redis_initial_master="web1"), "redis: redis_initial_master is 'web1', not a host of group 'redis' (redis1, "
                                        "redis2, redis3): set it once, in group_vars, to exactly one of them."),
    (_set(redis_extra_settings={"lazyfree-lazy-eviction": True, "hz": [10]}),
     "redis on redis1: redis_extra_settings gives lazyfree-lazy-eviction, hz a value that is not a string or a number "
     "(YAML reads yes, no, true and false as booleans, [...] as a list): write each value as redis.conf spells it, in "
     "quotes, e.g. appendonly: \"yes\"."),
    (_set(redis_master_name="ha front"), "redis: On redis1, redis_master_name must be a name of letters, digits, '.', "
                                         "'_' and '-' (got 'ha front')."),
    (_facts("redis3", distribution_release="trixie"),
     "redis: the nodes of group 'redis' run different releases ({'redis1': 'bookworm', 'redis2': 'bookworm', "
     "'redis3': 'trixie'}), so a replica may not be able to sync from a newer master. Upgrade all of them (replicas "
     "first, then fail over), or set redis_allow_mixed_releases: true for the duration of such an upgrade."),
    (_set(redis_port=70000), "redis on redis1: redis_port must be a port number, 1-65535 (got 70000)."),
    (_set(redis_sentinel_port=70000), "redis_sentinel_port must be a port number, 1-65535 (got 70000)."),
    (_set(redis_sentinel_port=6379), "redis_port and redis_sentinel_port must differ (both are 6379): give Sentinel its "
                                     "own port."),
    (_set(redis_sentinel_quorum=4), "redis_sentinel_quorum is 4, more than the 3 Sentinels of group 'redis': they could "
                                    "never agree that the master is down. Use a majority, 2."),
    (_set(redis_sentinel_down_after_ms=50), "redis_sentinel_down_after_ms must be at least 100 (got 50): shorter "
                                            "silences happen on any busy host and would start false failovers."),
    (_set(redis_sentinel_failover_timeout_ms=100), "redis_sentinel_failover_timeout_ms (100) must be above "
                                                   "redis_sentinel_down_after_ms (1000), or a failover is abandoned "
                                                   "before it can start."),
    (_set(redis_min_replicas_to_write=3), "redis_min_replicas_to_write is 3, but group 'redis' has only 2 replicas: the "
                                          "master would refuse every write. Use 0 to 2."),
    (_set(redis_min_replicas_max_lag=0), "redis_min_replicas_max_lag must be at least 1 second (got 0)."),
    (_set(redis_bind_address="10.0.0.99"), "redis_bind_address 10.0.0.99 is not an address of this host (it has "
                                           "10.0.0.31): Redis and Sentinel could not bind it. Set it to the node's "
                                           "service address."),
    (_set(redis_monitor_user="app", redis_sentinel_user="Admin"),
     "redis on redis1: redis_admin_user and redis_sentinel_user share the name 'admin'; redis_app_user and "
     "redis_monitor_user share the name 'app'; users.acl needs one line per user, and Redis refuses a duplicate: give "
     "each user its own name."),
    (_set(redis_admin_user="default"), "redis_admin_user is 'default', Redis's built-in user, which users.acl disables: "
                                       "choose another name."),
    (_set(redis_app_acl="~* +@all nopass >s3cr3t-value"),
     "redis_app_acl holds nopass >..., which would set the app user's password or switch it on or off; users.acl does "
     "that from redis_app_password. Keep to key, channel and command rules (~pattern, %R~pattern, &pattern, +command, "
     "-@category, allkeys, resetkeys, ...)."),
    (_set(redis_extra_settings={"replicaof": "10.0.0.31 6379", "save": ""}),
     "redis on redis1: redis_extra_settings may not set 'replicaof': Sentinel alone decides who replicates whom "
     "(redis_initial_master names the first master). redis_extra_settings may not set 'save': set redis_save instead."),
    (_set(redis_app_password=None), "redis on redis1: redis_app_password is not set. Keep each one in ansible-vault, e.g. "
                                  "`redis_app_password: \"{{ vault_redis_app_password }}\"` (see "
                                  "inventories/staging/vault.example.vault)."),
    (_set(redis_replication_password="Kq7-short"), "redis on redis1: redis_replication_password must be at least 16 "
                                                   "characters long. Keep each one in ansible-vault, e.g. "
                                                   "`redis_replication_password: "),
    (_set(redis_sentinel_password="changeme"), "redis_sentinel_password must be at least 16 characters long. "
                                               "redis_sentinel_password is an example value: generate a random one."),
    (_set(redis_app_password="example-password-0123456789"), "redis_app_password is an example value: generate a "
                                                             "random one."),
    (_node("redis3", redis_sentinel_port=26380),
     "redis: redis_sentinel_port differs between the nodes of group 'redis' (redis1, redis2: 26379; redis3: 26380). "
     "Every node needs the same value: set it once, in group_vars, not in host_vars."),
    (_node("redis2", redis_admin_password="Another-valid-password-0123456789"),
     "redis: redis_admin_password differs between the nodes of group 'redis' (redis1, redis3; redis2; values not "
     "shown). Every node needs the same value"),
    (_node("redis2", redis_initial_master="redis2"),
     "redis_initial_master differs between the nodes of group 'redis' (redis1, redis3: redis1; redis2: redis2)"),
    (lambda inv: [inv.node(h, redis_replica_priority=0) for h in ("redis2", "redis3")],
     "redis: redis_replica_priority is above 0 on 1 node(s) of group 'redis' (redis1); 0 means never promoted, so a "
     "master with no promotable replica is never replaced. Leave redis_replica_priority above 0 on two nodes at least."),
    (lambda inv: (inv.errors(), inv.hostvars["redis3"].update(__redis_self_address="10.0.0.32")),
     "redis: two Redis nodes share an address: {'redis1': '10.0.0.31', 'redis2': '10.0.0.32', 'redis3': "
     "'10.0.0.32'}. Give each node its own redis_bind_address."),
]


@pytest.mark.parametrize("change, message", CASES, ids=[f"{i:02d}" for i in range(len(CASES))])
def test_each_mistake_gets_its_own_message(change, message):
    assert message in only_message(Inventory(), change, (*PASSWORDS.values(), "s3cr3t", "Another-valid-password", "Kq7-short"))


def test_conditions_that_hold_are_not_printed():
    inventory = Inventory()
    inventory.values["redis_min_replicas_max_lag"] = 0
    assert inventory.errors() == ["redis on redis1: redis_min_replicas_max_lag must be at least 1 second (got 0)."]


def test_mixed_releases_may_be_allowed_during_an_upgrade():
    inventory = Inventory()
    inventory.values["redis_allow_mixed_releases"] = True
    _facts("redis3", distribution_release="trixie")(inventory)
    assert inventory.errors() == []


def test_nodes_that_published_nothing_are_not_compared():
    inventory = Inventory()
    inventory.errors()
    del inventory.hostvars["redis3"]["__redis_shared"], inventory.hostvars["redis3"]["__redis_self_address"]
    del inventory.hostvars["redis3"]["__redis_replica_priority"]
    assert inventory.errors() == []


def test_groupby_sorts_without_case_and_names_each_group_by_its_first_value():
    assert redis.group_by([("a", "x"), ("b", "Y"), ("c", "y"), ("d", "X")]) == [("x", ["a", "d"]), ("Y", ["b", "c"])]


def test_the_filter_refuses_input_that_is_not_the_roles_variables():
    with pytest.raises(AnsibleFilterError, match="redis_preflight_errors: input must map"):
        redis_preflight_errors("redis_port: 1", "redis1", {}, {}, {}, {})
