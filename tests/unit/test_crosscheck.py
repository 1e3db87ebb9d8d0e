"""hafront.crosscheck: HAProxy's and keepalived's settings of a load balancer must agree."""

from __future__ import annotations

import pytest

from hafront import crosscheck

HAPROXY = {"monitor_enabled": True, "monitor_address": "127.0.0.1", "monitor_port": 8405}
KEEPALIVED = {"track_haproxy": True, "check_url": "http://127.0.0.1:8405/healthz", "vips": ["10.0.0.100"]}
SERVICES = [{"name": "web", "bind_address": ["10.0.0.100", "10.0.0.11"], "port": 80}]


def node(haproxy=None, keepalived=None, services=None, addresses=("10.0.0.11",)):
    return {"lb1": {"haproxy": HAPROXY | (haproxy or {}), "keepalived": KEEPALIVED | (keepalived or {}),
                    "services": SERVICES if services is None else services, "addresses": list(addresses)}}


def test_agreeing_settings_pass():
    assert crosscheck.load_balancer_errors(node()) == []
    assert crosscheck.load_balancer_errors(node(keepalived={"check_url": "http://localhost:8405/healthz"})) == []
    assert crosscheck.load_balancer_errors(node(haproxy={"monitor_address": "0.0.0.0"})) == []


@pytest.mark.parametrize("url", ["http://127.0.0.1:9999/healthz", "http://10.0.0.11:8405/healthz",
                                 "http://127.0.0.1:8405/status", "https://127.0.0.1:8405/healthz",
                                 "http://127.0.0.1:notaport/healthz"])
def test_check_url_that_misses_the_monitor_is_named_with_the_fix(url):
    [message] = crosscheck.load_balancer_errors(node(keepalived={"check_url": url}))
    assert f"keepalived_check_url is {url!r}" in message and "http://127.0.0.1:8405/healthz" in message


def test_tracking_without_a_monitor():
    [message] = crosscheck.load_balancer_errors(node(haproxy={"monitor_enabled": False}))
    assert "haproxy_monitor_enabled is false" in message
    assert crosscheck.load_balancer_errors(node(haproxy={"monitor_enabled": False},
                                                keepalived={"track_haproxy": False})) == []


def test_vip_no_service_binds():
    [message] = crosscheck.load_balancer_errors(node(keepalived={"vips": ["10.0.0.100/24", "10.0.0.101/24"]}))
    assert "VIP 10.0.0.101 (keepalived_instances) is served by no service" in message


def test_bind_address_that_is_neither_a_vip_nor_the_nodes():
    services = SERVICES + [{"name": "stray", "bind_address": "10.0.0.150", "port": 81}]
    [message] = crosscheck.load_balancer_errors(node(services=services))
    assert "binds 10.0.0.150, which is neither a VIP" in message


@pytest.mark.parametrize("anywhere", ["*", "0.0.0.0", "::"])
def test_service_on_every_address_serves_every_vip(anywhere):
    services = [{"name": "web", "bind_address": anywhere, "port": 80}]
    assert crosscheck.load_balancer_errors(node(services=services, keepalived={"vips": ["10.0.0.100", "10.0.0.101"]})) == []


def test_nodes_without_both_results_are_skipped():
    assert crosscheck.load_balancer_errors({"lb1": {"haproxy": HAPROXY, "keepalived": None}}) == []
