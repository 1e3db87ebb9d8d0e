# Copyright (c) 2026 hafront contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""hafront.preflight.keepalived: every message of the keepalived role's preflight."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from ansible.errors import AnsibleFilterError

from hafront.preflight import keepalived
from keepalived_preflight_errors import keepalived_preflight_errors
from preflight_support import defaults, only_message, syntax

VI_1 = {"name": "VI_1", "vrid": 51, "vips": ["10.0.0.100/24"]}
# group_vars of the load balancers
GROUP = {"keepalived_instances": [VI_1], "keepalived_interface": "eth0", "keepalived_advert_int": 0.02}


@dataclass
class Inventory:
    """Two load balancers (lb1 checked, with facts) and a web server."""

    values: dict[str, Any] = field(default_factory=lambda: defaults("keepalived") | GROUP | {
        "keepalived_address": "10.0.0.11"})
    groups: dict[str, list[str]] = field(default_factory=lambda: {
        "all": ["lb1", "lb2", "web1"], "loadbalancers": ["lb1", "lb2"], "web": ["web1"]})
    hostvars: dict[str, dict[str, Any]] = field(default_factory=lambda: {
        "lb1": GROUP | {"keepalived_address": "10.0.0.11", "ansible_facts": {
            "interfaces": ["lo", "eth0"], "all_ipv4_addresses": ["10.0.0.11"],
            "default_ipv4": {"address": "10.0.0.11", "gateway": "10.0.0.1"}}},
        "lb2": GROUP | {"keepalived_address": "10.0.0.12"},
        "web1": {"ansible_host": "10.0.0.21", "ansible_facts": {"all_ipv4_addresses": ["10.0.0.21"]}}})

    def errors(self) -> list[str]:
        return keepalived.errors(self.values, "lb1", self.groups, self.hostvars, syntax("keepalived"),
                                 defaults("keepalived"))


def test_good_inputs_pass():
    inventory = Inventory()
    assert inventory.errors() == []
    assert keepalived_preflight_errors(inventory.values, "lb1", inventory.groups, inventory.hostvars,
                                       syntax("keepalived"), defaults("keepalived")) == []


def test_without_facts_the_checks_that_need_them_pass():
    inventory = Inventory()
    del inventory.hostvars["lb1"]["ansible_facts"]
    assert inventory.errors() == []


def _set(**values: Any):
    return lambda inv: inv.values.update(values)


def _instances(*instances: dict[str, Any]):
    return _set(keepalived_instances=list(instances))


def _vi(**changes: Any) -> dict[str, Any]:
    return VI_1 | changes


CASES = [
    (_instances(), "keepalived: keepalived_instances is empty on lb1; define at least one instance, for example "
                   "{name: VI_1, vrid: 51, vips: ['192.0.2.100/24']}."),
    (_instances(VI_1, _vi(vrid=52)), "keepalived: the names in keepalived_instances must be unique on lb1 (got VI_1, "
                                     "VI_1); rename one of the instances."),
    (_instances(_vi(vrid="x")), "keepalived: On lb1, keepalived_instances[0].vrid must be a whole number of at least 1"),
    (_set(keepalived_peer_group="web"), "keepalived: keepalived_peer_group 'web' must be an inventory group that holds "
                                        "lb1; name the group of the load balancers (default: loadbalancers)."),
    (_instances(_vi(vrid=300)), "keepalived: Instance 'VI_1' in keepalived_instances needs vrid 1-255 on lb1 (got "
                                "300); pick an id no other VRRP router on the network uses."),
    (_instances(_vi(vips=[])), "Instance 'VI_1' in keepalived_instances has an empty vips list on lb1; give it at least "
                               "one address with a prefix length, for example ['192.0.2.100/24']."),
    (_instances(_vi(vips=["2001:db8::100/64"])),
     "Instance 'VI_1' in keepalived_instances has IPv6 VIPs only on lb1 (2001:db8::100/64); this role runs VRRP over "
     "IPv4 and moves IPv6 VIPs beside an IPv4 one: add an IPv4 VIP to the instance."),
    (_instances(_vi(preferred_master="web1")),
     "preferred_master 'web1' of instance 'VI_1' is not a host of group 'loadbalancers' (checked on lb1); name one of "
     "lb1, lb2 or remove preferred_master."),
    (_instances(VI_1, {"name": "VI_2", "vrid": 51, "vips": ["10.0.0.101/24"]}),
     "keepalived: Two instances in keepalived_instances share a virtual router id on the same interface on lb1 "
     "(eth0/51, eth0/51); give each instance its own vrid."),
    (_instances(VI_1, {"name": "VI_2", "vrid": 52, "vips": ["10.0.0.100/24"]}),
     "keepalived: A VIP appears in more than one instance of keepalived_instances on lb1 (10.0.0.100, 10.0.0.100); "
     "each VIP must belong to exactly one instance, or two nodes would hold it at once."),
    (_instances(_vi(interface="eth9")),
     "keepalived: Interface eth9 (keepalived_interface, or an instance's interface in keepalived_instances) is not a "
     "network interface of lb1 (it has eth0, lo); name one of those."),
    (_set(keepalived_address="2001:db8::11"), "keepalived_address must be an IPv4 address of lb1 (got '2001:db8::11'); "
                                              "VRRP runs over IPv4 from this address."),
    (_set(keepalived_address="10.0.0.99"), "keepalived_address 10.0.0.99 is not configured on lb1 (it has 10.0.0.11); "
                                           "keepalived sends its adverts from it: set this node's own address."),
    (_set(keepalived_advert_int=0.001), "keepalived: keepalived_advert_int must be between 0.01 and 255 seconds on lb1 "
                                        "(got 0.001); the lab uses 0.02, production 0.1."),
    (_set(keepalived_advert_int=0.015), "keepalived_advert_int must be a multiple of 0.01 s on lb1 (got 0.015); VRRPv3 "
                                        "counts adverts in hundredths of a second."),
    (_set(keepalived_process_priority=30), "keepalived_process_priority must be a nice value from -20 to 19 on lb1 "
                                           "(got 30)."),
    (_set(keepalived_preempt_delay=2000), "keepalived_preempt_delay must be 0-1000 seconds on lb1 (got 2000)."),
    (_set(keepalived_garp_master_delay=90), "keepalived_garp_master_delay must be a whole number of seconds 0-60 on lb1 "
                                            "(got 90; 0 sends no second set)."),
    (_set(keepalived_priority_top=255), "keepalived_priority_top must be a whole number 2-254 on lb1 (got 255); VRRP "
                                        "priorities are 1-254."),
    (_set(keepalived_priority_step=0), "keepalived_priority_step must be at least 1 on lb1 (got 0); two nodes with one "
                                       "priority would both claim the VIP."),
    (_set(keepalived_sysctls={"kernel.panic": 1}), "keepalived_sysctls may only set net.ipv4.* / net.ipv6.* keys on lb1 "
                                                   "(got kernel.panic)."),
    (_set(keepalived_sysctls={"net.ipv4.conf.all.arp_announce": "two"}),
     "keepalived_sysctls values must be whole numbers on lb1, for example {net.ipv4.conf.all.arp_announce: 2} (got "
     "{'net.ipv4.conf.all.arp_announce': 'two'})."),
    (_instances(_vi(vips=["10.0.0.0/24"])),
     "keepalived: VIP 10.0.0.0/24 of instance 'VI_1' in keepalived_instances is not a usable host address of its prefix "
     "on lb1; pick a free address inside the subnet, for example 192.0.2.100/24."),
    (_instances(_vi(vips=["10.1.0.100/24"])),
     "VIP 10.1.0.100/24 of instance 'VI_1' must lie in the subnet of lb1's keepalived_address (10.0.0.11); pick a free "
     "address in that subnet."),
    (_instances(_vi(vips=["10.0.0.1/24"])),
     "VIP 10.0.0.1/24 of instance 'VI_1' in keepalived_instances is the default gateway of lb1; taking it would cut the "
     "subnet off its router: pick a free address."),
    (_instances(_vi(vips=["10.0.0.21/24"])),
     "VIP 10.0.0.21/24 of instance 'VI_1' in keepalived_instances is the address of web1 (checked on lb1); two machines "
     "answering for one address break both: pick an address no host uses."),
    (lambda inv: inv.hostvars["lb2"].update(keepalived_advert_int=2),
     "keepalived: keepalived_advert_int differs between lb1 (0.02) and lb2 (2.0); every host of group 'loadbalancers' "
     "must use the same value: set it in the group's group_vars, not in host_vars."),
    (lambda inv: inv.hostvars["lb2"].update(keepalived_instances=[_vi(vrid=53)]),
     "keepalived_instances differs between lb1 (['VI_1 51 10.0.0.100/24 -']) and lb2 (['VI_1 53 10.0.0.100/24 -'])"),
    (lambda inv: inv.hostvars["lb2"].update(keepalived_nopreempt=False),
     "keepalived_nopreempt differs between lb1 (True) and lb2 (False)"),
]


@pytest.mark.parametrize("change, message", CASES, ids=[f"{i:02d}" for i in range(len(CASES))])
def test_each_mistake_gets_its_own_message(change, message):
    assert message in only_message(Inventory(), change)


def test_conditions_that_hold_are_not_printed():
    inventory = Inventory()
    inventory.values["keepalived_process_priority"] = 30
    assert inventory.errors() == ["keepalived: keepalived_process_priority must be a nice value from -20 to 19 on lb1 "
                                  "(got 30)."]


def test_each_instance_and_each_vip_gets_its_own_message():
    inventory = Inventory()
    inventory.values["keepalived_instances"] = [_vi(vrid=300), {"name": "VI_2", "vrid": 256, "vips": ["10.0.0.101/24"]}]
    assert [m.split(" in keepalived_instances")[0] for m in inventory.errors()] == [
        "keepalived: Instance 'VI_1'", "keepalived: Instance 'VI_2'"]
    inventory.values["keepalived_instances"] = [_vi(vips=["10.0.0.0/24", "10.0.0.21/24"])]
    assert len(inventory.errors()) == 2


def test_peers_unset_setting_has_the_role_default_and_a_null_delay_is_not_compared():
    inventory = Inventory()
    inventory.values["keepalived_preempt_delay"] = 5  # with nopreempt (the default), not compared
    assert inventory.errors() == []
    del inventory.hostvars["lb2"]["keepalived_advert_int"]  # lb2 has the default, 0.1
    [message] = inventory.errors()
    assert message.startswith("keepalived: keepalived_advert_int differs between lb1 (0.02) and lb2 (0.1);"), message


def test_shared_settings_are_compared_as_the_roles_templates_read_them():
    values = defaults("keepalived") | {"keepalived_instances": [_vi(vips=["10.0.0.101/24", "10.0.0.100/24"],
                                                                   preferred_master="lb2")],
                                       "keepalived_nopreempt": "no", "keepalived_advert_int": "1"}
    assert keepalived.shared_settings(values) == {
        "keepalived_peer_group": "loadbalancers", "keepalived_unicast": True, "keepalived_advert_int": 1.0,
        "keepalived_nopreempt": False, "keepalived_preempt_delay": 0.0, "keepalived_priority_top": 250,
        "keepalived_priority_step": 10, "keepalived_instances": ["VI_1 51 10.0.0.100/24,10.0.0.101/24 lb2"]}


def test_the_filter_refuses_input_that_is_not_the_roles_variables():
    with pytest.raises(AnsibleFilterError, match="keepalived_preflight_errors: input must map"):
        keepalived_preflight_errors([], "lb1", {}, {}, {}, {})
