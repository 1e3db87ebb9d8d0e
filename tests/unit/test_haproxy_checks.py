# Copyright (c) 2026 hafront contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""hafront.haproxy_checks: bind addresses, listener clashes and group-wide differences (haproxy preflight calls them)."""

import pytest

from hafront.haproxy_checks import bind_addresses, group_differences, is_wildcard, listener_clashes, same_address


@pytest.mark.parametrize("address, expected", [
    ("*", True), ("0.0.0.0", True), ("::", True), ("0:0::0", True), ("[::]", True),
    ("127.0.0.1", False), ("10.0.0.7", False), ("::1", False), ("web1", False), ("", False),
])
def test_wildcards(address, expected):
    assert is_wildcard(address) is expected


@pytest.mark.parametrize("a, b, expected", [
    ("10.0.0.7", "10.0.0.7", True), ("localhost", "127.0.0.1", True), ("2001:db8::1", "[2001:db8:0::1]", True),
    ("web1", "web1", True), ("10.0.0.7", "10.0.0.8", False), ("localhost", "10.0.0.7", False), ("web1", "web2", False),
])
def test_same_address(a, b, expected):
    assert same_address(a, b) is expected


@pytest.mark.parametrize("bind, options, expected", [
    ("10.0.0.100", {}, ["10.0.0.100"]),
    (["10.0.0.100", "*"], {}, ["10.0.0.100", "*"]),
    (None, {}, []),
    (["10.0.0.100", "*", "0.0.0.0", "::"], {"wildcards": False}, ["10.0.0.100"]),
    ("*", {"wildcards": False}, []),
    (["10.0.0.100", "10.0.0.101"], {"serving": "10.0.0.101"}, ["10.0.0.101"]),
    (["10.0.0.100", "0.0.0.0"], {"serving": "10.0.0.101"}, ["0.0.0.0"]),
    ("10.0.0.100", {"serving": "10.0.0.101"}, []),
    ({"a": 1}, {}, {"a": 1}),  # not an address nor a list: left for preflight to name
])
def test_bind_addresses(bind, options, expected):
    assert bind_addresses(bind, **options) == expected


@pytest.mark.parametrize("binds, expected", [
    ([], []),
    ([["10.0.0.7", 80], ["10.0.0.7", 443], ["10.0.0.8", 80]], []),
    ([["10.0.0.7", 80], ["10.0.0.7", "80"]], ["10.0.0.7:80"]),  # the port as text or number
    ([["10.0.0.7", 80], ["*", 80]], ["*:80"]),
    ([["*", 80], ["10.0.0.7", 80]], ["10.0.0.7:80"]),
    ([["10.0.0.7", 80], ["0.0.0.0", 80]], ["0.0.0.0:80"]),
    ([["10.0.0.7", 80], ["::", 80]], ["[::]:80"]),
    ([["*", 80], ["*", 443]], []),
    ([["a", 1], ["a", 1], ["a", 1]], ["a:1"]),  # each clash once
    ([["2001:db8::1", 80], ["2001:db8:0::1", 80]], ["[2001:db8::1]:80"]),  # one address, two spellings
])
def test_listener_clashes(binds, expected):
    assert listener_clashes(binds) == expected


WEB = {"name": "web", "mode": "http", "bind_address": ["10.0.0.100", "10.0.0.11"], "port": 80,
       "check": {"path": "/healthz", "password": "s3cr3t-value-here"}}


def _with(**changes):
    return {**WEB, **changes}


@pytest.mark.parametrize("lb2, own, expected", [
    # equal
    ({"haproxy_maxconn": 4096, "haproxy_services": [WEB]}, None, []),
    # a node's own address in bind_address is not a difference
    ({"haproxy_maxconn": 4096, "haproxy_services": [_with(bind_address=["10.0.0.100", "10.0.0.12"])]},
     {"lb1": ["10.0.0.11"], "lb2": ["10.0.0.12"]}, []),
    # ... but a VIP one node lacks is
    ({"haproxy_maxconn": 4096, "haproxy_services": [_with(bind_address=["10.0.0.12"])]},
     {"lb1": ["10.0.0.11"], "lb2": ["10.0.0.12"]},
     ["service 'web' in haproxy_services differs between lb1 and lb2 in: bind_address"]),
    ({"haproxy_maxconn": 2048, "haproxy_services": [WEB]}, None,
     ["haproxy_maxconn differs between load balancers (lb1: 4096, lb2: 2048)"]),
    ({"haproxy_maxconn": 4096, "haproxy_services": [_with(mode="tcp", port=81)]}, None,
     ["service 'web' in haproxy_services differs between lb1 and lb2 in: mode, port"]),
    # check keys one by one; a password that differs is named, never shown
    ({"haproxy_maxconn": 4096, "haproxy_services": [_with(check={"path": "/", "password": "other"})]}, None,
     ["service 'web' in haproxy_services differs between lb1 and lb2 in: check.password, check.path"]),
    ({"haproxy_maxconn": 4096, "haproxy_services": [WEB, {"name": "api"}]}, None,
     ["haproxy_services lists other services on lb2 than on lb1 (only on lb1: none; only on lb2: ['api'])"]),
])
def test_group_differences(lb2, own, expected):
    settings = {"lb1": {"haproxy_maxconn": 4096, "haproxy_services": [WEB]}, "lb2": lb2}
    assert group_differences(settings, own) == expected
    assert not any("s3cr3t" in m or "'other'" in m for m in expected)


def test_group_differences_hides_secrets_and_needs_two_hosts():
    settings = {"lb1": {"haproxy_stats_password": "a" * 16}, "lb2": {"haproxy_stats_password": "b" * 16}}
    assert group_differences(settings) == [
        "haproxy_stats_password differs between load balancers (lb1: (not shown: a secret), lb2: (not shown: a secret))"]
    assert group_differences({"lb1": {"haproxy_maxconn": 1}}) == []


def test_group_differences_leave_bind_address_out_where_a_nodes_addresses_are_unknown():
    """No facts (tests/render): each node's own address cannot be told from a VIP."""
    lb1 = {"haproxy_services": [_with(bind_address=["10.0.0.100", "10.0.0.11"])]}
    lb2 = {"haproxy_services": [_with(bind_address=["10.0.0.100", "10.0.0.12"])]}
    assert group_differences({"lb1": lb1, "lb2": lb2}, {"lb1": None, "lb2": None}) == []
    lb2 = {"haproxy_services": [_with(bind_address=["10.0.0.100"], port=81)]}
    assert group_differences({"lb1": lb1, "lb2": lb2}, {"lb1": None, "lb2": None}) == [
        "service 'web' in haproxy_services differs between lb1 and lb2 in: port"]
