# Copyright (c) 2026 hafront contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""hafront/redis_switchover.py and its filters redis_switchover_plan and redis_sentinel_choice."""

import re

import pytest
from ansible.errors import AnsibleFilterError
from jinja2 import StrictUndefined

from hafront import redis_switchover
from redis_sentinel_choice import FilterModule as ChoiceFilters
from redis_sentinel_choice import redis_sentinel_choice
from redis_switchover_plan import FilterModule as PlanFilters
from redis_switchover_plan import redis_switchover_plan

MASTER = {"role": "master", "link": "", "priority": 100}
REPLICA = {"role": "slave", "link": "up", "priority": 100}
NODES = {"redis1": MASTER, "redis2": REPLICA, "redis3": REPLICA}


@pytest.mark.parametrize("nodes, target, current, expected", [
    pytest.param(NODES, "redis2", "redis1",
                 {"switch": True, "priorities": {"redis1": 100, "redis2": 1, "redis3": 100}, "errors": []},
                 id="switch-to-a-replica"),
    pytest.param(NODES, "redis1", "redis1",
                 {"switch": False, "priorities": {"redis1": 1, "redis2": 100, "redis3": 100}, "errors": []},
                 id="target-already-master"),
    pytest.param({**NODES, "redis3": {**REPLICA, "priority": "0"}}, "redis2", "redis1",
                 {"switch": True, "priorities": {"redis1": 100, "redis2": 1, "redis3": 0}, "errors": []},
                 id="never-master-node-keeps-0"),
    pytest.param({**NODES, "redis2": {"role": "slave", "link": "up"}}, "redis2", "redis1",
                 {"switch": True, "priorities": {"redis1": 100, "redis2": 1, "redis3": 100}, "errors": []},
                 id="priority-defaults-to-100"),
    pytest.param({**NODES, "redis3": {**REPLICA, "link": "down"}}, "redis3", "redis3",
                 {"switch": False, "priorities": {"redis1": 100, "redis2": 100, "redis3": 1}, "errors": []},
                 id="nothing-to-do-nothing-checked"),
])
def test_plan(nodes, target, current, expected):
    assert redis_switchover.plan(nodes, target, current) == expected
    assert redis_switchover_plan(nodes, target, current) == expected


@pytest.mark.parametrize("nodes, target, message", [
    pytest.param({**NODES, "redis3": {**REPLICA, "link": "down"}}, "redis2", "redis3 must be master or a replica in sync",
                 id="replica-out-of-sync"),
    pytest.param({**NODES, "redis3": {"role": None, "link": ""}}, "redis2", r"redis3 must be master .*role \?",
                 id="node-unreachable"),
    pytest.param({**NODES, "redis3": {**REPLICA, "priority": 1}}, "redis2", "redis3 has redis_replica_priority 1",
                 id="another-node-shares-the-temporary-priority"),
    pytest.param({**NODES, "redis2": {**REPLICA, "priority": 0}}, "redis2", "redis2 has redis_replica_priority 0",
                 id="target-never-master"),
])
def test_plan_reports_what_stands_in_the_way(nodes, target, message):
    errors = redis_switchover_plan(nodes, target, "redis1")["errors"]
    assert len(errors) == 1 and re.search(message, errors[0]), errors


@pytest.mark.parametrize("nodes, target, kwargs, message", [
    pytest.param(NODES, "redis9", {}, "target 'redis9' is no host", id="unknown-target"),
    pytest.param({}, "redis1", {}, "input must map each Redis host", id="no-nodes"),
    pytest.param(["redis1"], "redis1", {}, "input must map each Redis host", id="nodes-not-a-mapping"),
    pytest.param({"redis1": "master"}, "redis1", {}, "host 'redis1': must be a mapping", id="node-not-a-mapping"),
    pytest.param({"redis1": {**MASTER, "priority": "high"}}, "redis1", {}, "priority must be an integer",
                 id="priority-not-int"),
    pytest.param(NODES, "redis2", {"target_priority": 0}, "target_priority must be 1 or more", id="target-priority-0"),
    pytest.param(NODES, "redis2", {"target_priority": True}, "target_priority must be an integer",
                 id="target-priority-bool"),
])
def test_plan_rejects(nodes, target, kwargs, message):
    with pytest.raises(AnsibleFilterError, match=message) as err:
        redis_switchover_plan(nodes, target, "redis1", **kwargs)
    assert str(err.value).startswith("redis_switchover_plan: ")


def replica(ip, priority="100", offset="1000", runid="r", flags="slave"):
    return {"ip": ip, "port": "6379", "runid": runid, "flags": flags, "slave-priority": priority,
            "master-link-status": "ok", "slave-repl-offset": offset}


@pytest.mark.parametrize("replicas, expected", [
    pytest.param([replica("10.0.0.32", "1"), replica("10.0.0.33")], "10.0.0.32:6379", id="lowest-priority"),
    pytest.param([replica("10.0.0.32"), replica("10.0.0.33", "1")], "10.0.0.33:6379", id="order-irrelevant"),
    pytest.param([replica("10.0.0.32", offset="10"), replica("10.0.0.33", offset="20")], "10.0.0.33:6379",
                 id="equal-priority-larger-offset"),
    pytest.param([replica("10.0.0.32", runid="b"), replica("10.0.0.33", runid="a")], "10.0.0.33:6379",
                 id="then-smaller-runid"),
    pytest.param([replica("10.0.0.32", runid=""), replica("10.0.0.33", runid="z")], "10.0.0.33:6379",
                 id="no-runid-ranks-last"),
    pytest.param([replica("10.0.0.32", "1", flags="slave,s_down"), replica("10.0.0.33")], "10.0.0.33:6379",
                 id="down-replica-skipped"),
    pytest.param([replica("10.0.0.32", "1", flags="slave,disconnected"), replica("10.0.0.33")], "10.0.0.33:6379",
                 id="disconnected-replica-skipped"),
    pytest.param([replica("10.0.0.32", "0"), replica("10.0.0.33", "100")], "10.0.0.33:6379", id="priority-0-never"),
    pytest.param([replica("10.0.0.32", "0")], "", id="nobody-qualifies"),
    pytest.param([], "", id="no-replicas"),
])
def test_sentinel_choice(replicas, expected):
    assert redis_switchover.sentinel_choice(replicas) == expected
    assert redis_sentinel_choice(replicas) == expected


@pytest.mark.parametrize("replicas, message", [
    pytest.param({"ip": "10.0.0.32"}, "must be the list of SENTINEL REPLICAS", id="mapping"),
    pytest.param("10.0.0.32", "must be the list of SENTINEL REPLICAS", id="string"),
    pytest.param([{"port": "6379"}], "with ip and port", id="entry-without-ip"),
    pytest.param([replica("10.0.0.32", "x")], "slave-priority must be an integer", id="priority-not-int"),
])
def test_sentinel_choice_rejects(replicas, message):
    with pytest.raises(AnsibleFilterError, match=message) as err:
        redis_sentinel_choice(replicas)
    assert str(err.value).startswith("redis_sentinel_choice: ")


@pytest.mark.parametrize("call", [
    pytest.param(lambda u: redis_switchover_plan(NODES, u, "redis1"), id="plan-target"),
    pytest.param(lambda u: redis_sentinel_choice(u), id="choice-input"),
])
def test_undefined_passes_through(call):
    with pytest.raises(Exception) as err:
        call(StrictUndefined(name="redis_target"))
    assert not isinstance(err.value, AnsibleFilterError) and "redis_target" in str(err.value)


def test_filters_are_registered():
    assert PlanFilters().filters() == {"redis_switchover_plan": redis_switchover_plan}
    assert ChoiceFilters().filters() == {"redis_sentinel_choice": redis_sentinel_choice}
