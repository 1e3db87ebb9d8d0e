# Copyright (c) 2026 hafront contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

import pytest
from ansible.errors import AnsibleFilterError, AnsibleUndefinedVariable
from hypothesis import given, settings
from hypothesis import strategies as st
from jinja2 import StrictUndefined, Undefined
from jinja2.exceptions import UndefinedError

from haproxy_weights import capacity_of, haproxy_weights
from unit_support import LazyHostVars


def facts(**values):
    return {"ansible_facts": values}


def weights_of(host_vars, **options):
    """Run the filter over hosts named after the keys of host_vars, in that order."""
    return haproxy_weights(list(host_vars), host_vars, **options)


VALID = [
    pytest.param({"web1": {"haproxy_weight": 10}, "web2": {"haproxy_capacity": 2}, "web3": {"haproxy_capacity": 1}},
                 {}, {"web1": 10, "web2": 256, "web3": 128}, id="explicit-weight-not-scaled"),
    pytest.param({"web1": {"haproxy_weight": 5, "haproxy_capacity": 100}, "web2": {"haproxy_capacity": 1}},
                 {}, {"web1": 5, "web2": 256}, id="weight-precedence-over-capacity"),
    pytest.param({"web1": {"haproxy_capacity": 1, **facts(processor_vcpus=64)}, "web2": {"haproxy_capacity": 2}},
                 {}, {"web1": 128, "web2": 256}, id="capacity-precedence-over-facts"),
    pytest.param({"web1": facts(processor_vcpus=4), "web2": facts(processor_vcpus=2)},
                 {}, {"web1": 256, "web2": 128}, id="facts-vcpus"),
    pytest.param({"web1": facts(processor_count=4), "web2": facts(processor_vcpus=2, processor_count=8)},
                 {}, {"web1": 256, "web2": 128}, id="facts-processor-count-fallback"),
    pytest.param({"web1": facts(processor_vcpus=8, memtotal_mb=4096), "web2": facts(processor_vcpus=4, memtotal_mb=16384)},
                 {}, {"web1": 128, "web2": 256}, id="facts-memory-cap"),
    pytest.param({"web1": facts(memtotal_mb=8192), "web2": facts(processor_vcpus=2)},
                 {}, {"web1": 256, "web2": 128}, id="facts-memory-only"),
    pytest.param({"web1": facts(processor_vcpus=8, memtotal_mb=8192), "web2": facts(processor_vcpus=4, memtotal_mb=65536)},
                 {"mb_per_vcpu": 4096}, {"web1": 128, "web2": 256}, id="mb-per-vcpu-option"),
    pytest.param({"web1": {}, "web2": {}, "web3": facts()},
                 {}, {"web1": 256, "web2": 256, "web3": 256}, id="default-equal"),
    pytest.param({"web1": {}, "web2": {"haproxy_capacity": 4}},
                 {}, {"web1": 64, "web2": 256}, id="default-is-capacity-1"),
    pytest.param({"web1": {"haproxy_drain": True, "haproxy_weight": 50}, "web2": {"haproxy_drain": False}},
                 {}, {"web1": 0, "web2": 256}, id="drain-overrides-weight"),
    pytest.param({"web1": {"haproxy_drain": True, "haproxy_capacity": 8}, "web2": {"haproxy_capacity": 2}},
                 {}, {"web1": 0, "web2": 256}, id="drained-host-not-largest"),
    pytest.param({"web1": {"haproxy_capacity": 3}, "web2": {"haproxy_capacity": 2}, "web3": {"haproxy_capacity": 1}},
                 {"max_weight": 100}, {"web1": 100, "web2": 67, "web3": 33}, id="max-weight-option"),
    pytest.param({"web1": {"haproxy_capacity": 2}, "web2": {"haproxy_capacity": 1}},
                 {"max_weight": 3}, {"web1": 3, "web2": 2}, id="round-half-up"),
    pytest.param({"web1": {"haproxy_capacity": 1000}, "web2": {"haproxy_capacity": 1}},
                 {}, {"web1": 256, "web2": 1}, id="live-host-at-least-1"),
    pytest.param({"web1": {"haproxy_capacity": 0}, "web2": {"haproxy_capacity": 1}},
                 {}, {"web1": 0, "web2": 256}, id="zero-capacity"),
    pytest.param({"web1": {"haproxy_capacity": 0}, "web2": {"haproxy_drain": True}},
                 {}, {"web1": 0, "web2": 0}, id="all-zero"),
    pytest.param({"web1": {"haproxy_weight": "10"}, "web2": {"haproxy_capacity": "2.5"}, "web3": {"haproxy_capacity": " 5 "}},
                 {}, {"web1": 10, "web2": 128, "web3": 256}, id="numeric-strings"),
    pytest.param({"web1": {"haproxy_weight": 4.0}, "web2": {"haproxy_capacity": 0.5}, "web3": {"haproxy_capacity": 1.5}},
                 {}, {"web1": 4, "web2": 85, "web3": 256}, id="floats"),
    pytest.param({"web1": {"haproxy_weight": None, "haproxy_capacity": 2, "haproxy_drain": None}, "web2": {}},
                 {}, {"web1": 256, "web2": 128}, id="null-is-unset"),
    pytest.param({"web1": {"haproxy_weight": 0}, "web2": {"haproxy_weight": 256}},
                 {}, {"web1": 0, "web2": 256}, id="weight-range-ends"),
    pytest.param({"solo": {}}, {"max_weight": 1}, {"solo": 1}, id="single-host"),
]


@pytest.mark.parametrize(("host_vars", "options", "expected"), VALID)
def test_valid(host_vars, options, expected):
    result = weights_of(host_vars, **options)
    assert result == expected
    assert list(result) == list(host_vars)


INVALID = [
    pytest.param(["web1"], {"web1": {"haproxy_capacity": -1}}, {}, ["'web1'", "haproxy_capacity", ">= 0"], id="negative-capacity"),
    pytest.param(["web1"], {"web1": {"haproxy_capacity": "lots"}}, {}, ["'web1'", "haproxy_capacity", "'lots'"], id="non-numeric-capacity"),
    pytest.param(["web1"], {"web1": {"haproxy_capacity": True}}, {}, ["'web1'", "haproxy_capacity", "True"], id="bool-capacity"),
    pytest.param(["web1"], {"web1": {"haproxy_capacity": float("nan")}}, {}, ["haproxy_capacity", "finite"], id="nan-capacity"),
    pytest.param(["web1"], {"web1": {"haproxy_capacity": "inf"}}, {}, ["haproxy_capacity", "finite"], id="inf-capacity"),
    pytest.param(["web1"], {"web1": {"haproxy_capacity": [2]}}, {}, ["haproxy_capacity", "[2]"], id="list-capacity"),
    pytest.param(["web1"], {"web1": {"haproxy_weight": 300}}, {}, ["'web1'", "haproxy_weight", "max_weight (256)"], id="weight-above-256"),
    pytest.param(["web1"], {"web1": {"haproxy_weight": 150}}, {"max_weight": 100}, ["haproxy_weight", "max_weight (100)"], id="weight-above-max-weight"),
    pytest.param(["web1"], {"web1": {"haproxy_weight": -1}}, {}, ["'web1'", "haproxy_weight", "-1"], id="negative-weight"),
    pytest.param(["web1"], {"web1": {"haproxy_weight": 2.5}}, {}, ["haproxy_weight", "whole number"], id="fractional-weight"),
    pytest.param(["web1"], {"web1": {"haproxy_weight": "2.5"}}, {}, ["haproxy_weight", "'2.5'"], id="fractional-weight-string"),
    pytest.param(["web1"], {"web1": {"haproxy_weight": "heavy"}}, {}, ["haproxy_weight", "'heavy'"], id="non-numeric-weight"),
    pytest.param(["web1"], {"web1": {"haproxy_weight": False}}, {}, ["haproxy_weight", "False"], id="bool-weight"),
    pytest.param(["web1"], {"web1": {"haproxy_drain": "yes"}}, {}, ["'web1'", "haproxy_drain", "true or false"], id="non-bool-drain"),
    pytest.param(["web1"], {"web1": facts(processor_vcpus="many")}, {}, ["'web1'", "ansible_facts.processor_vcpus"], id="bad-vcpus-fact"),
    pytest.param(["web1"], {"web1": facts(memtotal_mb=-5)}, {}, ["ansible_facts.memtotal_mb"], id="bad-memory-fact"),
    pytest.param(["web1"], {"web1": {"ansible_facts": "none"}}, {}, ["'web1'", "ansible_facts", "mapping"], id="facts-not-mapping"),
    pytest.param(["web1"], {"web1": "not vars"}, {}, ["'web1'", "hostvars entry"], id="host-vars-not-mapping"),
    pytest.param(["web9"], {"web1": {}}, {}, ["unknown host 'web9'", "hostvars"], id="unknown-host"),
    pytest.param([], {"web1": {}}, {}, ["empty list of backend hosts"], id="empty-list"),
    pytest.param(["web1", "web1"], {"web1": {}}, {}, ["'web1'", "more than once", "unique"], id="duplicate-hosts"),
    pytest.param("web1", {"web1": {}}, {}, ["input", "list of host names"], id="input-is-string"),
    pytest.param(["web1", 2], {"web1": {}}, {}, ["input", "list of host names"], id="input-non-string-host"),
    pytest.param(["web1"], [{"web1": {}}], {}, ["hostvars", "mapping"], id="hostvars-not-mapping"),
    pytest.param(["web1"], {"web1": {}}, {"max_weight": 0}, ["max_weight", "from 1 to 256", "got 0"], id="max-weight-zero"),
    pytest.param(["web1"], {"web1": {}}, {"max_weight": 257}, ["max_weight", "from 1 to 256"], id="max-weight-too-big"),
    pytest.param(["web1"], {"web1": {}}, {"max_weight": True}, ["max_weight", "True"], id="max-weight-bool"),
    pytest.param(["web1"], {"web1": {}}, {"max_weight": "100"}, ["max_weight", "'100'"], id="max-weight-string"),
    pytest.param(["web1"], {"web1": {}}, {"mb_per_vcpu": 0}, ["mb_per_vcpu", ">= 1"], id="mb-per-vcpu-zero"),
    pytest.param(["web1"], {"web1": {}}, {"mb_per_vcpu": 1.5}, ["mb_per_vcpu", "1.5"], id="mb-per-vcpu-float"),
]


@pytest.mark.parametrize(("hosts", "host_vars", "options", "fragments"), INVALID)
def test_invalid(hosts, host_vars, options, fragments):
    with pytest.raises(AnsibleFilterError) as caught:
        haproxy_weights(hosts, host_vars, **options)
    message = str(caught.value)
    assert message.startswith("haproxy_weights: ")
    for fragment in fragments:
        assert fragment in message


@pytest.mark.parametrize(("host_vars", "expected"), [
    pytest.param({"haproxy_drain": True, "haproxy_weight": 7}, (0.0, "drain"), id="drain"),
    pytest.param({"haproxy_weight": "7", "haproxy_capacity": 3}, (7.0, "weight"), id="weight"),
    pytest.param({"haproxy_capacity": 3, **facts(processor_vcpus=8)}, (3.0, "capacity"), id="capacity"),
    pytest.param(facts(processor_vcpus=8, memtotal_mb=6144), (3.0, "facts"), id="facts-memory-cap"),
    pytest.param(facts(processor_vcpus=2, memtotal_mb=65536), (2.0, "facts"), id="facts-vcpu-bound"),
    pytest.param({"haproxy_drain": False}, (1.0, "default"), id="default"),
])
def test_capacity_of(host_vars, expected):
    assert capacity_of("web1", host_vars, 2048) == expected


@pytest.mark.parametrize(("host_vars", "error"), [
    pytest.param({"haproxy_capacity": Undefined(name="cap")}, UndefinedError, id="undefined-capacity"),
    pytest.param({"haproxy_weight": Undefined(name="w")}, UndefinedError, id="undefined-weight"),
    pytest.param({"haproxy_drain": Undefined(name="drain")}, UndefinedError, id="undefined-drain"),
    pytest.param({"haproxy_drain": StrictUndefined(name="drain")}, UndefinedError, id="strict-undefined-drain"),
    pytest.param(facts(processor_vcpus=Undefined(name="vcpus")), UndefinedError, id="undefined-fact"),
    pytest.param({"ansible_facts": Undefined(name="ansible_facts")}, UndefinedError, id="undefined-facts"),
    pytest.param(LazyHostVars("haproxy_capacity"), AnsibleUndefinedVariable, id="lazy-undefined"),
])
def test_undefined_passes_through(host_vars, error):
    with pytest.raises(error) as caught:
        haproxy_weights(["web1"], {"web1": host_vars})
    assert not isinstance(caught.value, AnsibleFilterError)


@pytest.mark.parametrize(("hosts", "host_vars", "options"), [
    pytest.param(Undefined(name="groups"), {}, {}, id="undefined-input"),
    pytest.param(["web1", Undefined(name="host")], {"web1": {}}, {}, id="undefined-host-name"),
    pytest.param(["web1"], Undefined(name="hostvars"), {}, id="undefined-hostvars"),
    pytest.param(["web1"], {"web1": {}}, {"max_weight": Undefined(name="mw")}, id="undefined-max-weight"),
])
def test_undefined_arguments_pass_through(hosts, host_vars, options):
    with pytest.raises(UndefinedError):
        haproxy_weights(hosts, host_vars, **options)


# Property tests: capacities drawn at random, checked against the documented guarantees.

capacity_values = st.one_of(
    st.integers(min_value=0, max_value=10**6),
    st.floats(min_value=0, max_value=1e6, allow_nan=False, allow_infinity=False),
)
capacity_maps = st.lists(capacity_values, min_size=1, max_size=12).map(
    lambda values: {f"web{i}": value for i, value in enumerate(values)})
max_weights = st.integers(min_value=1, max_value=256)


def scaled(capacities, max_weight):
    return weights_of({name: {"haproxy_capacity": c} for name, c in capacities.items()}, max_weight=max_weight)


@settings(deadline=None)
@given(capacity_maps, max_weights)
def test_weights_within_bounds(capacities, max_weight):
    for weight in scaled(capacities, max_weight).values():
        assert type(weight) is int
        assert 0 <= weight <= max_weight


@settings(deadline=None)
@given(capacity_maps, max_weights)
def test_largest_capacity_gets_max_weight(capacities, max_weight):
    weights = scaled(capacities, max_weight)
    largest = max(capacities.values())
    for name, capacity in capacities.items():
        if capacity == largest:
            assert weights[name] == (max_weight if largest > 0 else 0)


@settings(deadline=None)
@given(capacity_maps, max_weights)
def test_only_zero_capacity_gets_zero(capacities, max_weight):
    weights = scaled(capacities, max_weight)
    for name, capacity in capacities.items():
        assert (weights[name] == 0) == (capacity == 0)


@settings(deadline=None)
@given(capacity_maps, max_weights)
def test_weights_proportional_within_rounding(capacities, max_weight):
    weights = scaled(capacities, max_weight)
    largest = max(capacities.values())
    for name, capacity in capacities.items():
        if largest == 0 or weights[name] == 1:
            continue  # all-zero has no ratio; 1 may be the clamp that keeps a live host in rotation
        error = abs(weights[name] / max_weight - capacity / largest)
        assert error <= 0.5 / max_weight + 1e-9


host_settings = st.one_of(
    st.builds(lambda c: {"haproxy_capacity": c}, capacity_values),
    st.builds(lambda w: {"haproxy_weight": w}, st.integers(min_value=0, max_value=100)),
    st.builds(lambda v, m: facts(processor_vcpus=v, memtotal_mb=m),
              st.integers(min_value=1, max_value=128), st.integers(min_value=0, max_value=10**6)),
    st.builds(lambda c: {"haproxy_drain": True, "haproxy_capacity": c}, capacity_values),
    st.just({}),
)


@settings(deadline=None)
@given(st.lists(host_settings, min_size=1, max_size=12).map(
    lambda values: {f"web{i}": value for i, value in enumerate(values)}).flatmap(
    lambda host_vars: st.tuples(st.just(host_vars), st.permutations(list(host_vars)))),
    st.integers(min_value=100, max_value=256))  # explicit weights above go up to 100
def test_deterministic_and_order_independent(hosts_and_order, max_weight):
    host_vars, shuffled = hosts_and_order
    first = weights_of(host_vars, max_weight=max_weight)
    assert weights_of(host_vars, max_weight=max_weight) == first
    reordered = haproxy_weights(shuffled, host_vars, max_weight=max_weight)
    assert reordered == first
    assert list(reordered) == shuffled


def test_equal_gives_every_live_host_the_maximum_and_keeps_zero():
    hv = {"a": {"haproxy_capacity": 4}, "b": {"haproxy_capacity": 1}, "c": {"haproxy_drain": True}, "d": {"haproxy_weight": 0}}
    assert haproxy_weights(list(hv), hv, max_weight=100, equal=True) == {"a": 100, "b": 100, "c": 0, "d": 0}


def test_equal_must_be_a_boolean():
    with pytest.raises(AnsibleFilterError, match="option equal"):
        haproxy_weights(["a"], {"a": {}}, equal="yes")
