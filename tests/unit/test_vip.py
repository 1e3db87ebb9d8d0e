# Copyright (c) 2026 hafront contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""hafront/vip.py and its filters vip_holders and vip_destination (playbooks/vip_move.yml)."""

import pytest
from ansible.errors import AnsibleFilterError
from jinja2 import StrictUndefined

from hafront import vip
from vip_destination import FilterModule as DestinationFilters
from vip_destination import vip_destination
from vip_holders import FilterModule as HolderFilters
from vip_holders import vip_holders

IP_LB1 = ("1: lo    inet 127.0.0.1/8 scope host lo\n"
          "2: eth0    inet 10.0.0.11/24 brd 10.0.0.255 scope global eth0\n"
          "2: eth0    inet 10.0.0.100/24 scope global secondary eth0\n"
          "2: eth0    inet6 fd00::100/64 scope global nodad\n")
IP_LB2 = "2: eth0    inet 10.0.0.12/24 brd 10.0.0.255 scope global eth0\n"
PRIORITIES = {"lb1": 250, "lb2": 240, "lb3": 230}


@pytest.mark.parametrize("outputs, address, expected", [
    pytest.param({"lb1": IP_LB1, "lb2": IP_LB2}, "10.0.0.100", ["lb1"], id="one-holder"),
    pytest.param({"lb1": IP_LB1, "lb2": IP_LB2}, "10.0.0.100/24", ["lb1"], id="prefix-ignored"),
    pytest.param({"lb1": IP_LB1, "lb2": IP_LB1}, "10.0.0.100", ["lb1", "lb2"], id="split-brain-both"),
    pytest.param({"lb2": IP_LB2, "lb1": IP_LB1}, "10.0.0.101", [], id="nobody"),
    pytest.param({"lb1": IP_LB1}, "10.0.0.10", [], id="no-prefix-match"),
    pytest.param({"lb1": IP_LB1}, "fd00:0::0100", ["lb1"], id="ipv6-canonical"),
    pytest.param({"lb1": "", "lb2": None}, "10.0.0.100", [], id="unknown-output"),
])
def test_holders(outputs, address, expected):
    assert vip.holders(outputs, address) == expected
    assert vip_holders(outputs, address) == expected


@pytest.mark.parametrize("outputs, address, message", [
    pytest.param(["lb1"], "10.0.0.100", "must map host name", id="input-not-a-mapping"),
    pytest.param({"lb1": IP_LB1}, "VI_1", "no IP address", id="vip-not-an-address"),
    pytest.param({"lb1": 5}, "10.0.0.100", "text of `ip -o addr show`", id="output-not-text"),
])
def test_holders_rejects(outputs, address, message):
    with pytest.raises(AnsibleFilterError, match=message) as err:
        vip_holders(outputs, address)
    assert str(err.value).startswith("vip_holders: ")


def test_addresses_reads_ipv4_and_ipv6():
    assert vip.addresses(IP_LB1) == ["127.0.0.1", "10.0.0.11", "10.0.0.100", "fd00::100"]


@pytest.mark.parametrize("kwargs, expected", [
    pytest.param({"target": "lb2"}, "lb2", id="move-to-target"),
    pytest.param({"target": "lb2", "preempt": True, "current": ["lb1"]}, "lb2", id="move-ignores-preemption"),
    pytest.param({"release": True, "preempt": True, "current": ["lb2"]}, "lb1", id="release-preempt-top-priority"),
    pytest.param({"release": True, "preempt": True, "target": "lb3"}, "lb1", id="release-ignores-target"),
    pytest.param({"release": True, "current": ["lb2"]}, "lb2", id="release-nopreempt-stays"),
    pytest.param({"release": True, "current": []}, "", id="release-nopreempt-nobody-held-it"),
    pytest.param({"release": True, "current": ["lb1", "lb2"]}, "", id="release-nopreempt-split-brain"),
])
def test_destination(kwargs, expected):
    assert vip.destination(PRIORITIES, **kwargs) == expected
    assert vip_destination(PRIORITIES, **kwargs) == expected


def test_destination_preempt_reads_string_priorities():
    assert vip.destination({"lb1": "240", "lb2": "250"}, release=True, preempt=True) == "lb2"


@pytest.mark.parametrize("priorities, kwargs, message", [
    pytest.param(PRIORITIES, {"target": "lb9"}, "target 'lb9' is no load balancer", id="unknown-target"),
    pytest.param(PRIORITIES, {"target": ""}, "target '' is no load balancer", id="no-target"),
    pytest.param({}, {"target": "lb1"}, "must map each load balancer", id="no-priorities"),
    pytest.param(["lb1"], {"target": "lb1"}, "must map each load balancer", id="priorities-not-a-mapping"),
    pytest.param({"lb1": 250, "lb2": 250}, {"release": True, "preempt": True}, "share the top priority", id="tie"),
    pytest.param({"lb1": "high"}, {"release": True, "preempt": True}, "must be integers", id="priority-not-int"),
    pytest.param(PRIORITIES, {"release": True, "current": "lb1"}, "current must be a list", id="current-a-string"),
    pytest.param(PRIORITIES, {"release": "yes"}, "option release must be true or false", id="release-not-bool"),
    pytest.param(PRIORITIES, {"release": True, "preempt": 1}, "option preempt must be true or false",
                 id="preempt-not-bool"),
])
def test_destination_rejects(priorities, kwargs, message):
    with pytest.raises(AnsibleFilterError, match=message) as err:
        vip_destination(priorities, **kwargs)
    assert str(err.value).startswith("vip_destination: ")


@pytest.mark.parametrize("call", [
    pytest.param(lambda u: vip_holders(u, "10.0.0.100"), id="holders-input"),
    pytest.param(lambda u: vip_destination(PRIORITIES, u), id="destination-target"),
    pytest.param(lambda u: vip_destination(u, "lb1"), id="destination-input"),
])
def test_undefined_passes_through(call):
    undefined = StrictUndefined(name="vip_target")
    with pytest.raises(Exception) as err:
        call(undefined)
    assert not isinstance(err.value, AnsibleFilterError) and "vip_target" in str(err.value)


def test_filters_are_registered():
    assert HolderFilters().filters() == {"vip_holders": vip_holders}
    assert DestinationFilters().filters() == {"vip_destination": vip_destination}
