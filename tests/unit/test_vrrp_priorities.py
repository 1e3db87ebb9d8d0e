# Copyright (c) 2026 hafront contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

import copy

import pytest
from ansible.errors import AnsibleFilterError, AnsibleUndefinedVariable
from hypothesis import given, settings
from hypothesis import strategies as st
from jinja2 import StrictUndefined, Undefined
from jinja2.exceptions import UndefinedError

from unit_support import LazyHostVars
from vrrp_priorities import preferred_masters, ranking, vrrp_priorities


def vi(*names, **preferred):
    """Instances named VI_<n> for each n given; preferred maps an instance name to its preferred_master."""
    return [{"name": name, **({"preferred_master": preferred[name]} if name in preferred else {})} for name in names]


def plain(*hosts):
    return {host: {} for host in hosts}


def priorities_of(host_vars, instances, **options):
    """Run the filter over hosts named after the keys of host_vars, in that order."""
    return vrrp_priorities(list(host_vars), instances, host_vars, **options)


MANY = [f"lb{i}" for i in range(1, 255)]

VALID = [
    pytest.param(plain("lb1", "lb2"), vi("VI_1"), {},
                 {"VI_1": {"lb1": 250, "lb2": 240}}, id="single-instance"),
    pytest.param(plain("lb1", "lb2"), vi("VI_1", "VI_2"), {},
                 {"VI_1": {"lb1": 250, "lb2": 240}, "VI_2": {"lb1": 240, "lb2": 250}}, id="two-instances-active-active"),
    pytest.param(plain("lb1", "lb2", "lb3"), vi("VI_1", "VI_2", "VI_3"), {},
                 {"VI_1": {"lb1": 250, "lb2": 240, "lb3": 230},
                  "VI_2": {"lb1": 230, "lb2": 250, "lb3": 240},
                  "VI_3": {"lb1": 240, "lb2": 230, "lb3": 250}}, id="three-hosts-three-instances"),
    pytest.param(plain("lb1", "lb2"), vi("VI_1", "VI_2", "VI_3"), {},
                 {"VI_1": {"lb1": 250, "lb2": 240}, "VI_2": {"lb1": 240, "lb2": 250},
                  "VI_3": {"lb1": 250, "lb2": 240}}, id="more-instances-than-hosts-wraps"),
    pytest.param(plain("lb1", "lb2", "lb3"), vi("VI_1", VI_1="lb3"), {},
                 {"VI_1": {"lb1": 240, "lb2": 230, "lb3": 250}}, id="preferred-master-moved-first"),
    pytest.param(plain("lb1", "lb2", "lb3"), vi("VI_1", "VI_2", VI_2="lb1"), {},
                 {"VI_1": {"lb1": 250, "lb2": 240, "lb3": 230},
                  "VI_2": {"lb1": 250, "lb2": 240, "lb3": 230}}, id="preferred-master-others-keep-rotation"),
    pytest.param(plain("lb1", "lb2"), vi("VI_1", "VI_2", VI_2="lb2"), {},
                 {"VI_1": {"lb1": 250, "lb2": 240}, "VI_2": {"lb1": 240, "lb2": 250}}, id="preferred-master-already-first"),
    pytest.param(plain("lb1", "lb2"), [{"name": "VI_1", "preferred_master": None}, {"name": "VI_2"}], {},
                 {"VI_1": {"lb1": 250, "lb2": 240}, "VI_2": {"lb1": 240, "lb2": 250}}, id="null-preferred-master-is-unset"),
    pytest.param(plain("lb1", "lb2"), [{"name": "VI_1", "virtual_router_id": 51, "vips": ["10.0.0.1"]}], {},
                 {"VI_1": {"lb1": 250, "lb2": 240}}, id="other-instance-keys-ignored"),
    pytest.param({"lb1": {}, "lb2": {"keepalived_priority": 254}}, vi("VI_1", "VI_2"), {},
                 {"VI_1": {"lb1": 250, "lb2": 254}, "VI_2": {"lb1": 240, "lb2": 254}}, id="override-in-every-instance"),
    pytest.param({"lb1": {"keepalived_priority": "100"}, "lb2": {"keepalived_priority": " 1 "}}, vi("VI_1"), {},
                 {"VI_1": {"lb1": 100, "lb2": 1}}, id="override-numeric-strings"),
    pytest.param({"lb1": {"keepalived_priority": None}, "lb2": {}}, vi("VI_1"), {},
                 {"VI_1": {"lb1": 250, "lb2": 240}}, id="null-override-is-unset"),
    pytest.param({"lb1": {"keepalived_priority": 245}, "lb2": {}, "lb3": {}}, vi("VI_1", VI_1="lb3"), {},
                 {"VI_1": {"lb1": 245, "lb2": 230, "lb3": 250}}, id="override-with-preferred-master"),
    pytest.param(plain("lb1", "lb2", "lb3"), vi("VI_1", "VI_2"), {"top": 100, "step": 1},
                 {"VI_1": {"lb1": 100, "lb2": 99, "lb3": 98}, "VI_2": {"lb1": 98, "lb2": 100, "lb3": 99}}, id="custom-top-step"),
    pytest.param(plain("lb1", "lb2"), vi("VI_1", VI_1="lb2"), {"top": 150, "step": 5},
                 {"VI_1": {"lb1": 145, "lb2": 150}}, id="docs-example"),
    pytest.param(plain("lb1", "lb2"), vi("VI_1"), {"top": 254, "step": 253},
                 {"VI_1": {"lb1": 254, "lb2": 1}}, id="range-ends"),
    pytest.param(plain("lb1", "lb2"), vi("VI_1"), {"top": 2, "step": 1},
                 {"VI_1": {"lb1": 2, "lb2": 1}}, id="smallest-top"),
    pytest.param(plain("solo"), vi("VI_1", "VI_2"), {},
                 {"VI_1": {"solo": 250}, "VI_2": {"solo": 250}}, id="single-host"),
    pytest.param(plain(*MANY), vi("VI_1"), {"top": 254, "step": 1},
                 {"VI_1": {host: 254 - i for i, host in enumerate(MANY)}}, id="254-hosts"),
]


@pytest.mark.parametrize(("host_vars", "instances", "options", "expected"), VALID)
def test_valid(host_vars, instances, options, expected):
    result = priorities_of(host_vars, instances, **options)
    assert result == expected
    assert list(result) == [instance["name"] for instance in instances]
    for priorities in result.values():
        assert list(priorities) == list(host_vars)


TWO = plain("lb1", "lb2")

INVALID = [
    pytest.param([], vi("VI_1"), TWO, {}, ["input", "empty list of load balancers"], id="empty-input"),
    pytest.param("lb1", vi("VI_1"), TWO, {}, ["input", "list of host names"], id="input-is-string"),
    pytest.param(["lb1", 2], vi("VI_1"), TWO, {}, ["input", "list of host names"], id="input-non-string-host"),
    pytest.param(["lb1", "lb2", "lb1"], vi("VI_1"), TWO, {}, ["'lb1'", "more than once", "unique"], id="duplicate-hosts"),
    pytest.param(["lb1", "lb9"], vi("VI_1"), TWO, {}, ["unknown host 'lb9'", "hostvars"], id="unknown-host"),
    pytest.param(["lb1"], vi("VI_1"), [TWO], {}, ["argument hostvars", "mapping"], id="hostvars-not-mapping"),
    pytest.param(["lb1"], vi("VI_1"), {"lb1": "vars"}, {}, ["'lb1'", "hostvars entry"], id="host-vars-not-mapping"),
    pytest.param([f"lb{i}" for i in range(255)], vi("VI_1"), plain(*(f"lb{i}" for i in range(255))), {"step": 1},
                 ["255 hosts", "at most 254 backup priorities", "255 is reserved"], id="too-many-hosts"),
    pytest.param(["lb1", "lb2", "lb3"], vi("VI_1"), plain("lb1", "lb2", "lb3"), {"step": 200},
                 ["group of 3 hosts", "too large for top=250 and step=200", "priority -150", "smaller step", "step=124"],
                 id="group-too-large-for-step"),
    pytest.param(list(MANY[:30]), vi("VI_1"), plain(*MANY[:30]), {},
                 ["group of 30 hosts", "top=250 and step=10", "step=8"], id="group-too-large-for-default-step"),
    pytest.param(["lb1", "lb2", "lb3"], vi("VI_1"), plain("lb1", "lb2", "lb3"), {"top": 2, "step": 1},
                 ["group of 3 hosts", "too large", "step=1, top=254"], id="group-too-large-for-top"),
    pytest.param(["lb1"], [], TWO, {}, ["argument instances", "empty list"], id="no-instances"),
    pytest.param(["lb1"], {"name": "VI_1"}, TWO, {}, ["argument instances", "list of dicts"], id="instances-is-dict"),
    pytest.param(["lb1"], "VI_1", TWO, {}, ["argument instances", "list of dicts"], id="instances-is-string"),
    pytest.param(["lb1"], ["VI_1"], TWO, {}, ["instances[0]", "dict with a name"], id="instance-not-dict"),
    pytest.param(["lb1"], [{"name": "VI_1"}, {"preferred_master": "lb1"}], TWO, {}, ["instances[1]: name", "None"],
                 id="instance-without-name"),
    pytest.param(["lb1"], [{"name": ""}], TWO, {}, ["instances[0]: name", "non-empty string"], id="empty-name"),
    pytest.param(["lb1"], [{"name": 51}], TWO, {}, ["instances[0]: name", "51"], id="non-string-name"),
    pytest.param(["lb1"], vi("VI_1", "VI_1"), TWO, {}, ["instance 'VI_1'", "more than once", "unique"], id="duplicate-names"),
    pytest.param(["lb1", "lb2"], vi("VI_1", VI_1="lb3"), TWO, {},
                 ["instance 'VI_1'", "preferred_master 'lb3'", "not one of the input hosts", "'lb1', 'lb2'"],
                 id="preferred-master-not-in-group"),
    pytest.param(["lb1"], [{"name": "VI_1", "preferred_master": ["lb1"]}], TWO, {},
                 ["instance 'VI_1'", "preferred_master ['lb1']"], id="preferred-master-not-string"),
    pytest.param(["lb1"], vi("VI_1"), {"lb1": {"keepalived_priority": 0}}, {},
                 ["host 'lb1': keepalived_priority", "from 1 to 254", "got 0"], id="override-zero"),
    pytest.param(["lb1"], vi("VI_1"), {"lb1": {"keepalived_priority": 255}}, {},
                 ["host 'lb1': keepalived_priority", "from 1 to 254", "got 255"], id="override-owner-priority"),
    pytest.param(["lb1"], vi("VI_1"), {"lb1": {"keepalived_priority": True}}, {},
                 ["keepalived_priority", "got True"], id="override-bool"),
    pytest.param(["lb1"], vi("VI_1"), {"lb1": {"keepalived_priority": "high"}}, {},
                 ["keepalived_priority", "'high'"], id="override-non-numeric"),
    pytest.param(["lb1"], vi("VI_1"), {"lb1": {"keepalived_priority": "-5"}}, {},
                 ["keepalived_priority", "'-5'"], id="override-negative-string"),
    pytest.param(["lb1"], vi("VI_1"), {"lb1": {"keepalived_priority": 100.5}}, {},
                 ["keepalived_priority", "100.5"], id="override-float"),
    pytest.param(["lb1"], vi("VI_1"), {"lb1": {"keepalived_priority": [100]}}, {},
                 ["keepalived_priority", "[100]"], id="override-list"),
    pytest.param(["lb1", "lb2"], vi("VI_1"), {"lb1": {}, "lb2": {"keepalived_priority": 250}}, {},
                 ["instance 'VI_1'", "hosts 'lb1' and 'lb2'", "both get priority 250", "keepalived_priority"],
                 id="override-collides-with-computed"),
    pytest.param(["lb1", "lb2"], vi("VI_1", "VI_2"), {"lb1": {}, "lb2": {"keepalived_priority": 240}}, {},
                 ["instance 'VI_2'", "hosts 'lb1' and 'lb2'", "both get priority 240"], id="override-collides-in-second"),
    pytest.param(["lb1", "lb2"], vi("VI_1"), {"lb1": {"keepalived_priority": 7}, "lb2": {"keepalived_priority": "7"}}, {},
                 ["instance 'VI_1'", "hosts 'lb1' and 'lb2'", "both get priority 7"], id="overrides-collide"),
    pytest.param(["lb1"], vi("VI_1"), TWO, {"top": 1}, ["option top", "from 2 to 254", "got 1"], id="top-too-small"),
    pytest.param(["lb1"], vi("VI_1"), TWO, {"top": 255}, ["option top", "from 2 to 254", "got 255"], id="top-owner-priority"),
    pytest.param(["lb1"], vi("VI_1"), TWO, {"top": True}, ["option top", "True"], id="top-bool"),
    pytest.param(["lb1"], vi("VI_1"), TWO, {"top": "250"}, ["option top", "'250'"], id="top-string"),
    pytest.param(["lb1"], vi("VI_1"), TWO, {"step": 0}, ["option step", ">= 1", "got 0"], id="step-zero"),
    pytest.param(["lb1"], vi("VI_1"), TWO, {"step": 1.5}, ["option step", "1.5"], id="step-float"),
]


@pytest.mark.parametrize(("hosts", "instances", "host_vars", "options", "fragments"), INVALID)
def test_invalid(hosts, instances, host_vars, options, fragments):
    with pytest.raises(AnsibleFilterError) as caught:
        vrrp_priorities(hosts, instances, host_vars, **options)
    message = str(caught.value)
    assert message.startswith("vrrp_priorities: ")
    for fragment in fragments:
        assert fragment in message


@pytest.mark.parametrize(("index", "preferred", "expected"), [
    pytest.param(0, None, ["lb1", "lb2", "lb3"], id="first-instance"),
    pytest.param(1, None, ["lb2", "lb3", "lb1"], id="rotated-once"),
    pytest.param(4, None, ["lb2", "lb3", "lb1"], id="rotation-wraps"),
    pytest.param(2, "lb1", ["lb1", "lb3", "lb2"], id="preferred-first-rest-rotated"),
])
def test_ranking(index, preferred, expected):
    assert ranking(["lb1", "lb2", "lb3"], index, preferred) == expected


@pytest.mark.parametrize(("host_vars", "instances", "expected"), [
    pytest.param(TWO, vi("VI_1", "VI_2"), {"VI_1": "lb1", "VI_2": "lb2"}, id="active-active"),
    pytest.param(plain("lb1", "lb2", "lb3"), vi("VI_1", "VI_2", VI_1="lb3", VI_2="lb3"),
                 {"VI_1": "lb3", "VI_2": "lb3"}, id="preferred"),
    pytest.param({"lb1": {}, "lb2": {"keepalived_priority": 254}}, vi("VI_1", "VI_2"),
                 {"VI_1": "lb2", "VI_2": "lb2"}, id="override"),
])
def test_preferred_masters(host_vars, instances, expected):
    assert preferred_masters(priorities_of(host_vars, instances)) == expected


@pytest.mark.parametrize(("hosts", "instances", "host_vars", "options", "error"), [
    pytest.param(Undefined(name="groups"), vi("VI_1"), TWO, {}, UndefinedError, id="undefined-input"),
    pytest.param(["lb1", Undefined(name="host")], vi("VI_1"), TWO, {}, UndefinedError, id="undefined-host-name"),
    pytest.param(["lb1"], Undefined(name="keepalived_instances"), TWO, {}, UndefinedError, id="undefined-instances"),
    pytest.param(["lb1"], [Undefined(name="vi")], TWO, {}, UndefinedError, id="undefined-instance"),
    pytest.param(["lb1"], [{"name": Undefined(name="n")}], TWO, {}, UndefinedError, id="undefined-name"),
    pytest.param(["lb1"], [{"name": "VI_1", "preferred_master": StrictUndefined(name="pm")}], TWO, {}, UndefinedError,
                 id="strict-undefined-preferred-master"),
    pytest.param(["lb1"], vi("VI_1"), Undefined(name="hostvars"), {}, UndefinedError, id="undefined-hostvars"),
    pytest.param(["lb1"], vi("VI_1"), {"lb1": Undefined(name="lb1")}, {}, UndefinedError, id="undefined-host-vars"),
    pytest.param(["lb1"], vi("VI_1"), {"lb1": {"keepalived_priority": Undefined(name="p")}}, {}, UndefinedError,
                 id="undefined-priority"),
    pytest.param(["lb1"], vi("VI_1"), {"lb1": LazyHostVars("keepalived_priority")}, {}, AnsibleUndefinedVariable,
                 id="lazy-undefined"),
    pytest.param(["lb1"], vi("VI_1"), TWO, {"top": Undefined(name="top")}, UndefinedError, id="undefined-top"),
    pytest.param(["lb1"], vi("VI_1"), TWO, {"step": Undefined(name="step")}, UndefinedError, id="undefined-step"),
])
def test_undefined_passes_through(hosts, instances, host_vars, options, error):
    with pytest.raises(error) as caught:
        vrrp_priorities(hosts, instances, host_vars, **options)
    assert not isinstance(caught.value, AnsibleFilterError)


# Property tests: groups, instances and options drawn at random, checked against the documented guarantees.

@st.composite
def setups(draw, n_instances=None, overrides=False):
    """(host_vars, instances, options) for a group the options can rank without running below priority 1."""
    n = draw(st.integers(min_value=1, max_value=12))
    hosts = [f"lb{i}" for i in range(1, n + 1)]
    step = draw(st.integers(min_value=1, max_value=253 // max(n - 1, 1)))
    top = draw(st.integers(min_value=max(2, 1 + (n - 1) * step), max_value=254))
    count = n if n_instances == "n" else draw(st.integers(min_value=1, max_value=8))
    instances = [{"name": f"VI_{k + 1}", "preferred_master": draw(st.none() | st.sampled_from(hosts))}
                 for k in range(count)]
    priority = (st.none() | st.integers(min_value=1, max_value=254)) if overrides else st.none()
    host_vars = {host: {"keepalived_priority": draw(priority)} for host in hosts}
    return host_vars, instances, {"top": top, "step": step}


@settings(deadline=None)
@given(setups(overrides=True))
def test_priorities_unique_and_in_range(setup):
    host_vars, instances, options = setup
    try:
        result = priorities_of(host_vars, instances, **options)
    except AnsibleFilterError as caught:
        assert "both get priority" in str(caught)  # overrides may collide; nothing else may fail
        return
    assert list(result) == [instance["name"] for instance in instances]
    for priorities in result.values():
        assert list(priorities) == list(host_vars)
        assert len(set(priorities.values())) == len(priorities)
        for host, priority in priorities.items():
            assert type(priority) is int
            assert 1 <= priority <= 254
            if host_vars[host]["keepalived_priority"] is not None:
                assert priority == host_vars[host]["keepalived_priority"]


@settings(deadline=None)
@given(setups())
def test_deterministic(setup):
    host_vars, instances, options = setup
    first = priorities_of(host_vars, instances, **options)
    again = priorities_of(copy.deepcopy(host_vars), copy.deepcopy(instances), **options)
    assert again == first
    assert [list(p) for p in again.values()] == [list(p) for p in first.values()]


@settings(deadline=None)
@given(setups(n_instances="n"))
def test_n_instances_on_n_hosts_spread_masters(setup):
    host_vars, instances, options = setup
    for instance in instances:
        del instance["preferred_master"]
    masters = preferred_masters(priorities_of(host_vars, instances, **options))
    assert list(masters.values()) == list(host_vars)  # instance k on host k: each host masters exactly one


@settings(deadline=None)
@given(setups())
def test_preferred_master_honoured(setup):
    host_vars, instances, options = setup
    result = priorities_of(host_vars, instances, **options)
    hosts = list(host_vars)
    for k, instance in enumerate(instances):
        priorities = result[instance["name"]]
        expected = instance["preferred_master"] or hosts[k % len(hosts)]
        assert preferred_masters({instance["name"]: priorities})[instance["name"]] == expected
        assert priorities[expected] == options["top"]
        # Below the master, the rotated order is kept with gaps of exactly step.
        rest = sorted((h for h in hosts if h != expected), key=priorities.__getitem__, reverse=True)
        assert rest == [h for h in hosts[k % len(hosts):] + hosts[:k % len(hosts)] if h != expected]
        assert [priorities[h] for h in rest] == [options["top"] - (r + 1) * options["step"] for r in range(len(rest))]
