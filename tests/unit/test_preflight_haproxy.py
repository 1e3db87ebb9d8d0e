# Copyright (c) 2026 hafront contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""hafront.preflight.haproxy: every message of the haproxy role's preflight, and what it computes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from ansible.errors import AnsibleFilterError

from _hafront_filter_utils import value_errors
from hafront.preflight import haproxy
from haproxy_listeners import haproxy_listeners
from haproxy_preflight_errors import haproxy_preflight_errors
from haproxy_server_addresses import haproxy_server_addresses
from haproxy_server_names import haproxy_server_names
from haproxy_server_weights import haproxy_server_weights
from haproxy_weights import haproxy_weights
from preflight_support import defaults, only_message, syntax

CERT = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
KEY = "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n"
STATS_PASSWORD = "Stats-Password-0123"
CHECK_PASSWORD = "Check-Password-0123456789"
# The weights filter as the haproxy_preflight_errors filter passes it in.
weigh = value_errors(haproxy_weights)


def web(**changes: Any) -> dict[str, Any]:
    return {"name": "web", "mode": "http", "bind_address": ["10.0.0.100", "10.0.0.11"], "port": 80,
            "balance": "weighted", "backend_group": "web", "backend_port": 8080, "check": {"path": "/healthz"}} | changes


@dataclass
class Inventory:
    """Two load balancers with the same settings (lb1 checked) and two backends."""

    values: dict[str, Any] = field(default_factory=lambda: defaults("haproxy") | {
        "haproxy_services": [web()], "haproxy_stats_password": STATS_PASSWORD,
        "haproxy_stats_bind_address": "10.0.0.11"})
    groups: dict[str, list[str]] = field(default_factory=lambda: {
        "all": ["lb1", "lb2", "web1", "web2"], "loadbalancers": ["lb1", "lb2"], "web": ["web1", "web2"],
        "ungrouped": []})
    hostvars: dict[str, dict[str, Any]] = field(default_factory=lambda: {
        "lb1": {}, "lb2": {},
        "web1": {"haproxy_backend_address": "10.0.0.21", "haproxy_capacity": 2},
        "web2": {"haproxy_backend_address": "10.0.0.22"}})
    unresolved: list[str] = field(default_factory=list)

    def services(self, *services: dict[str, Any]) -> None:
        """The same services on both load balancers (a group_vars setting)."""
        self.values["haproxy_services"] = list(services)
        for lb in ("lb1", "lb2"):
            self.hostvars[lb]["haproxy_services"] = list(services)

    def errors(self) -> list[str]:
        if "haproxy_services" not in self.hostvars["lb1"]:
            self.services(*self.values["haproxy_services"])
        return haproxy.errors(self.values, "lb1", self.groups, self.hostvars, syntax("haproxy"), defaults("haproxy"),
                              weigh, self.unresolved)


def test_good_inputs_pass():
    assert Inventory().errors() == []


def test_good_inputs_pass_through_the_filter():
    inventory = Inventory()
    inventory.services(web())
    assert haproxy_preflight_errors(inventory.values, "lb1", inventory.groups, inventory.hostvars, syntax("haproxy"),
                                    defaults("haproxy")) == []


def _set(**values: Any):
    return lambda inv: inv.values.update(values)


def _services(*services: dict[str, Any]):
    return lambda inv: inv.services(*services)


def _host(host: str, **values: Any):
    return lambda inv: inv.hostvars[host].update(values)


def _tls(certificate: str):
    def change(inv: Inventory) -> None:
        inv.services(web(tls=True))
        inv.values["haproxy_tls_certificate"] = certificate
    return change


def _unresolved(inv: Inventory) -> None:
    inv.hostvars["web1"]["haproxy_backend_address"] = "web1.example"
    inv.unresolved = ["web1.example"]


REDIS_CHECK = {"type": "redis", "user": "monitor", "password": CHECK_PASSWORD}

# (what changes, the text its message holds); each message of the role's preflight once at least.
CASES = [
    (_services(), "haproxy on lb1: haproxy_services must be a non-empty list of services (see "
                  "roles/haproxy/defaults/main.yml for an example item)."),
    (_services(web(), web(port=81)), "haproxy on lb1: two services in haproxy_services share a name (web, web); each "
                                     "names a frontend and a backend, so give each its own."),
    (_set(haproxy_maxconn="4096 x"), "haproxy: On lb1, haproxy_maxconn must be a whole number of at least 1"),
    (_services(web(bind_address=[])), "service 'web' in haproxy_services: bind_address must be an address or a "
                                      "non-empty list of addresses."),
    (_services(web(bind_address={"somewhere": 1})), "service 'web' in haproxy_services: each bind_address must be an "
                                                    "IP address or '*' (got somewhere)."),
    (_services(web(port=70000)), "haproxy on lb1: service 'web' in haproxy_services: port must be 1-65535 (got 70000)."),
    (_services(web(backend_port=70000)), "backend_port must be 1-65535 (got 70000)."),
    (_services(web(backend_group="nosuchgroup")), "backend_group 'nosuchgroup' is not an inventory group; name the "
                                                  "group of its backend hosts."),
    (_services(web(backend_group="ungrouped")), "backend_group 'ungrouped' has no hosts; add the backend hosts to it."),
    (_services(web(mode="tcp", sticky=True, check={})), "sticky: true needs mode http (cookies); remove sticky or use "
                                                        "balance: source."),
    (_services(web(mode="tcp", tls=True, check={})), "tls: true needs mode http (got mode tcp)."),
    (_services(web(redirect_http_port=8000)), "redirect_http_port (got '8000') needs tls: true; remove it or set tls: "
                                              "true."),
    (_services(web(tls=True, redirect_http_port=80)), "redirect_http_port must be 1-65535 and not the service's own "
                                                      "port (got 80)."),
    (_services(web(hsts_max_age=100)), "hsts_max_age (got 100) must be whole seconds, above 0 only with tls: true."),
    (_services(web(check=REDIS_CHECK)), "service 'web' in haproxy_services: check.type redis needs mode tcp."),
    (_services(web(mode="tcp", check={"type": "redis", "password": CHECK_PASSWORD})),
     "check.type redis needs check.user, the Redis monitoring user."),
    (_services(web(mode="tcp", check=REDIS_CHECK | {"password": "short"})),
     "check.type redis needs check.password, 16 or more characters of A-Z a-z 0-9 . _ ~ + - (the value is not shown)."),
    (_services(web(bind_address=["2001:db8::10", "10.0.0.11"])),
     "haproxy on lb1: bind_address 2001:db8::10 in haproxy_services is an IPv6 address ('::' included), which this "
     "role does not serve (it allows non-local binds for IPv4 only); use IPv4 addresses or '*'."),
    (_tls(""), "haproxy on lb1: with tls: true on a service (here: web) haproxy_tls_certificate must hold a PEM "
               "certificate (chain) and its private key in one text. Keep it in an ansible-vault file, for example "
               "`haproxy_tls_certificate: \"{{ vault_haproxy_tls_certificate }}\"`."),
    (_tls(CERT), "haproxy on lb1: haproxy_tls_certificate holds a certificate but no private key; append the key (a "
                 "BEGIN PRIVATE KEY block) to the certificate chain in the same text."),
    (_tls(CERT.rstrip("\n") + "\\n" + KEY), "haproxy on lb1: in haproxy_tls_certificate, the BEGIN CERTIFICATE and BEGIN "
                                            "PRIVATE KEY lines must each be on a line of its own (a literal \\n between "
                                            "blocks is a quoting slip; use a YAML block scalar)."),
    (_set(haproxy_stats_password="changeme"), "haproxy on lb1: haproxy_stats_password is an example value; set a random "
                                              "one in an ansible-vault file, for example `haproxy_stats_password: "
                                              "\"{{ vault_haproxy_stats_password }}\"`."),
    (_set(haproxy_stats_password="short"), "haproxy on lb1: haproxy_stats_password must be set to at least 12 "
                                           "characters (got 5). Put it in an ansible-vault file, for example "
                                           "`haproxy_stats_password: \"{{ vault_haproxy_stats_password }}\"`."),
    (_set(haproxy_max_weight=300), "haproxy on lb1: haproxy_max_weight must be 1-256, HAProxy's range (got 300)."),
    (_set(haproxy_mb_per_vcpu=0), "haproxy on lb1: haproxy_mb_per_vcpu must be a positive number of MiB (got 0)."),
    (_set(haproxy_stats_port=70000, haproxy_monitor_port=70001),
     "haproxy on lb1: haproxy_stats_port, haproxy_monitor_port must be 1-65535."),
    (_set(haproxy_stats_bind_address="0.0.0.0"),
     "haproxy on lb1: haproxy_stats_bind_address must be one address of this node on a management network, never a "
     "wildcard ('*', 0.0.0.0 or ::; got '0.0.0.0')."),
    (_set(haproxy_monitor_address="::"),
     "haproxy on lb1: haproxy_monitor_address must be one address of this node, such as 127.0.0.1 (keepalived checks "
     "it locally), never a wildcard ('*', 0.0.0.0 or ::; got '::')."),
    (_set(haproxy_stats_port=80),
     "haproxy on lb1: more than one listener on 10.0.0.11:80 (haproxy_services' bind_address and port or "
     "redirect_http_port, haproxy_stats_bind_address/port, haproxy_monitor_address/port); give each its own port or "
     "address."),
    (_host("lb2", haproxy_timeout_client="31s"),
     "haproxy: haproxy_timeout_client differs between load balancers (lb1: '30s', lb2: '31s'). Set these once for the "
     "group (group_vars), not per host."),
    (_host("web1", haproxy_capacity=-1), "haproxy on lb1: haproxy_weights: host 'web1': haproxy_capacity must be a "
                                         "finite number >= 0, got -1"),
    (_host("web1", haproxy_drain="yes"), "haproxy_drain must be true or false"),
    (_host("web1", haproxy_weight=2.5), "haproxy_weight must be a whole number"),
    (lambda inv: [inv.hostvars[h].update(haproxy_drain=True) for h in ("web1", "web2")],
     "haproxy on lb1: every server of service 'web' (hosts web1, web2) would get weight 0 (haproxy_drain: true or "
     "haproxy_weight: 0 on all of its hosts), so the service would answer nothing. Undrain at least one host, or for "
     "planned work drain one host at a time with playbooks/drain.yml."),
    (_host("web1", haproxy_backend_address="web 1"),
     "haproxy on lb1: the backend address of web1 (haproxy_backend_address, else its gathered default IPv4 address, "
     "else ansible_host) must be an IP address or a host name of letters, digits, '.' and '-'; set "
     "haproxy_backend_address in its host_vars."),
    (_unresolved, "haproxy on lb1: backend host(s) web1 have no address this load balancer can resolve (got "
                  "web1.example). Set haproxy_backend_address (an IP) or ansible_host in their host_vars, or make the "
                  "name resolvable here."),
    (_host("web2", haproxy_backend_address="10.0.0.21"),
     "haproxy on lb1: service 'web': backend hosts web1 and web2 share the address 10.0.0.21:8080. Give each backend "
     "host its own haproxy_backend_address (or ansible_host)."),
]


@pytest.mark.parametrize("change, message", CASES, ids=[f"{i:02d}" for i in range(len(CASES))])
def test_each_mistake_gets_its_own_message(change, message):
    assert message in only_message(Inventory(), change, (STATS_PASSWORD, CHECK_PASSWORD, KEY))


def test_conditions_that_hold_are_not_printed():
    inventory = Inventory()
    inventory.services(web(port=70000))
    [message] = inventory.errors()
    assert message == "haproxy on lb1: service 'web' in haproxy_services: port must be 1-65535 (got 70000)."


def test_every_failed_condition_of_a_service_is_listed():
    inventory = Inventory()
    inventory.services(web(port=70000, backend_port=70001, backend_group="nosuchgroup"))
    [message] = inventory.errors()
    assert message.count("service 'web' in haproxy_services:") == 3, message


def test_the_first_check_that_fails_stops_the_later_ones():
    inventory = Inventory()
    inventory.services(web(port=70000))
    inventory.values["haproxy_max_weight"] = 300
    [message] = inventory.errors()
    assert "port must be" in message and "haproxy_max_weight" not in message


def test_the_nodes_own_address_may_differ_between_load_balancers():
    inventory = Inventory()
    inventory.services(web())
    inventory.hostvars["lb2"]["haproxy_services"] = [web(bind_address=["10.0.0.100", "10.0.0.12"])]
    for lb, address in (("lb1", "10.0.0.11"), ("lb2", "10.0.0.12")):
        inventory.hostvars[lb]["ansible_facts"] = {"default_ipv4": {"address": address}}
    assert inventory.errors() == []
    inventory.hostvars["lb2"]["haproxy_services"] = [web(bind_address=["10.0.0.101", "10.0.0.12"])]
    [message] = inventory.errors()
    assert "service 'web' in haproxy_services differs between lb1 and lb2 in: bind_address" in message


def test_server_addresses_prefer_the_set_address_then_facts_then_ansible_host():
    hostvars = {"web1": {"haproxy_backend_address": "10.0.0.21", "ansible_facts": {"default_ipv4": {"address": "x"}}},
                "web2": {"ansible_host": "web2.lab", "ansible_facts": {"default_ipv4": {"address": "10.0.0.22"}}},
                "web3": {"ansible_host": "web3.lab"}, "web4": {}}
    groups = {"web": ["web1", "web2", "web3", "web4"], "more": ["web1"]}
    services = [web(), web(name="more", backend_group="more"), web(name="bad", backend_group="nosuchgroup"), "junk"]
    expected = {"web1": "10.0.0.21", "web2": "10.0.0.22", "web3": "web3.lab", "web4": "web4"}
    assert haproxy.server_addresses(services, groups, hostvars) == expected
    assert haproxy_server_addresses(services, groups, hostvars) == expected
    assert haproxy_server_names(services, groups, hostvars) == ["web3.lab", "web4"]
    assert haproxy.server_names({"a": "x.lab", "b": "X.lab", "c": "10.0.0.1", "d": "2001:db8::1"}) == ["x.lab"]


def test_server_weights_follow_capacity_only_where_the_service_balances_by_it():
    inventory = Inventory()
    services = [web(), web(name="api", balance="roundrobin"), web(name="cap", balance="leastconn", weights="capacity")]
    expected = {"be_web": {"web1": 256, "web2": 128}, "be_api": {"web1": 256, "web2": 256},
                "be_cap": {"web1": 256, "web2": 128}}
    assert haproxy.server_weights(services, inventory.groups, inventory.hostvars, 256, 2048, weigh) == expected
    assert haproxy_server_weights(services, inventory.groups, inventory.hostvars) == expected
    inventory.hostvars["web1"]["haproxy_capacity"] = -1
    with pytest.raises(AnsibleFilterError, match="haproxy_server_weights: haproxy_weights: host 'web1'"):
        haproxy_server_weights(services, inventory.groups, inventory.hostvars)


def test_listeners_are_every_bind_redirect_stats_and_monitor():
    values = defaults("haproxy") | {"haproxy_services": [web(bind_address="10.0.0.100", tls=True, port=443,
                                                             redirect_http_port=80)]}
    expected = [["10.0.0.100", 443], ["10.0.0.100", 80], ["127.0.0.1", 8404], ["127.0.0.1", 8405]]
    assert haproxy.listeners(values) == expected
    assert haproxy_listeners(values) == expected
    assert haproxy.listeners(values | {"haproxy_stats_enabled": False, "haproxy_monitor_enabled": "no"}) == expected[:2]


@pytest.mark.parametrize("bad", [None, ["haproxy_services"], {1: "x"}])
def test_the_filters_refuse_input_that_is_not_the_roles_variables(bad):
    with pytest.raises(AnsibleFilterError, match="haproxy_preflight_errors: input must map"):
        haproxy_preflight_errors(bad, "lb1", {}, {}, {}, {})
    with pytest.raises(AnsibleFilterError, match="haproxy_listeners: input must map"):
        haproxy_listeners(bad)
