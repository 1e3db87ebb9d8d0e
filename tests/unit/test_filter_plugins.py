# Copyright (c) 2026 hafront contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Checks every filter plugin in filter_plugins/ must pass, and how Ansible loads that directory."""

import importlib
import inspect
import json

import pytest
import yaml
from ansible.plugins.loader import fragment_loader
from ansible.utils.plugin_docs import add_fragments

from helpers import ROOT, run

# Files starting with "_" are not plugins (the shared helpers live in the package _hafront_filter_utils).
PLUGINS = sorted(p.stem for p in (ROOT / "filter_plugins").glob("*.py") if not p.stem.startswith("_"))


@pytest.mark.parametrize("name", PLUGINS)
def test_filter_module_maps_its_filter(name):
    module = importlib.import_module(name)
    assert module.FilterModule().filters() == {name: getattr(module, name)}


def documentation(module) -> dict:
    """A plugin's DOCUMENTATION with its shared options (doc_fragments/) merged in, as ansible-doc shows it."""
    doc = yaml.safe_load(module.DOCUMENTATION)
    fragment_loader.add_directory(str(ROOT / "doc_fragments"))
    add_fragments(doc, module.__file__, fragment_loader=fragment_loader)
    return doc


@pytest.mark.parametrize("name", PLUGINS)
def test_documentation_matches_signature(name):
    module = importlib.import_module(name)
    doc = documentation(module)
    assert doc["name"] == name
    parameters = list(inspect.signature(getattr(module, name)).parameters.values())[1:]  # the first is _input
    assert set(doc["options"]) == {"_input", *(p.name for p in parameters)}
    required = [p.name for p in parameters if p.default is inspect.Parameter.empty]
    assert doc["positional"] == ", ".join(["_input", *required])
    assert doc["options"]["_input"]["required"] is True
    for parameter in parameters:
        option = doc["options"][parameter.name]
        if parameter.name in required:
            assert option["required"] is True
        else:
            assert option["default"] == parameter.default
    yaml.safe_load(module.EXAMPLES)
    yaml.safe_load(module.RETURN)


def test_ansible_loads_filter_plugins_without_warnings():
    """Ansible loads every file in filter_plugins/ under a synthetic module name: the plugins must still find
    their shared helpers, and the helpers must not be taken for a plugin (that would print a warning)."""
    calls = {
        "haproxy_weights": "['web1', 'web2'] | haproxy_weights({'web1': {'haproxy_capacity': 2}, 'web2': {}})",
        "vrrp_priorities": "['lb1', 'lb2'] | vrrp_priorities([{'name': 'VI_1'}], {'lb1': {}, 'lb2': {}})",
        "redis_current_master": "{'redis1': '10.0.0.32:6379'} | redis_current_master({'redis1': '10.0.0.31', "
                                "'redis2': '10.0.0.32'}, 'redis1')",
        "platform_status": "{'held': {'lb1': ['10.0.0.100']}, 'instances': [{'name': 'VI_1', 'vips': ['10.0.0.100/24']}]}"
                           " | platform_status",
        "hafront_load_balancer_errors": "['lb1'] | hafront_load_balancer_errors({'lb1': {}})",
        "haproxy_preflight_errors": "{'haproxy_services': []} | haproxy_preflight_errors('lb1', {}, {}, {}, {})",
        "haproxy_server_addresses": "[{'name': 'web', 'backend_group': 'web'}] | haproxy_server_addresses({'web': ['web1']}, "
                                    "{'web1': {'haproxy_backend_address': '10.0.0.21'}})",
        "haproxy_server_names": "[{'name': 'web', 'backend_group': 'web'}] | haproxy_server_names({'web': ['web1', 'web2']}, "
                                "{'web1': {'haproxy_backend_address': '10.0.0.21'}, 'web2': {'ansible_host': 'web2.lab'}})",
        "haproxy_server_weights": "[{'name': 'web', 'backend_group': 'web'}] | haproxy_server_weights({'web': ['web1', 'web2']}, "
                                  "{'web1': {'haproxy_capacity': 2}, 'web2': {}}, max_weight=100)",
        "haproxy_bind_addresses": "['10.0.0.100', '*'] | haproxy_bind_addresses(wildcards=false)",
        "haproxy_listeners": "{'haproxy_services': [{'name': 'web', 'bind_address': '10.0.0.100', 'port': 80}]} | haproxy_listeners",
        "keepalived_preflight_errors": "{'keepalived_instances': []} | keepalived_preflight_errors('lb1', {}, {}, {}, {})",
        "redis_preflight_errors": "{'redis_group': 'redis'} | redis_preflight_errors('redis1', {'redis': []}, {}, {}, {})",
        "hafront_inputs_digest": "{'lb1': {'haproxy_maxconn': 1}} | hafront_inputs_digest({'all': ['lb1']}, ['haproxy_'], [])",
        "demo_backend_preflight_errors": "{'demo_backend_port': 'x'} | demo_backend_preflight_errors('web1', {'demo_backend_port': 'pint'})",
        "vip_holders": "{'lb1': '2: eth0    inet 10.0.0.100/24 scope global eth0', 'lb2': ''} | vip_holders('10.0.0.100')",
        "vip_destination": "{'lb1': 250, 'lb2': 240} | vip_destination(release=true, preempt=true)",
        "redis_switchover_plan": "{'redis1': {'role': 'master'}, 'redis2': {'role': 'slave', 'link': 'up'}}"
                                 " | redis_switchover_plan('redis2', 'redis1')",
        "redis_sentinel_choice": "[{'ip': '10.0.0.32', 'port': '6379', 'slave-priority': '1'}] | redis_sentinel_choice",
    }
    assert set(calls) == set(PLUGINS)
    msg = "{{ {" + ", ".join(f"'{name}': {call}" for name, call in calls.items()) + "} | to_json }}"
    proc = run(["ansible", "localhost", "-i", "localhost,", "-m", "ansible.builtin.debug", "-a", json.dumps({"msg": msg})],
               check=True, timeout=120)
    assert "WARNING" not in proc.stdout + proc.stderr, proc.stdout + proc.stderr
    output = " ".join(proc.stdout.split())  # the YAML callback folds long lines at spaces
    missing = [part for part in ANSWERS if part not in output]
    assert missing == [], proc.stdout


# What each call above answers (the output's start, or a part of it).
ANSWERS = [
    '"haproxy_weights": {"web1": 256, "web2": 128}',
    '"vrrp_priorities": {"VI_1": {"lb1": 250, "lb2": 240}}',
    '"redis_current_master": "redis2"',
    '"platform_status": ["VIPs (keepalived)"',
    '"hafront_load_balancer_errors": []',
    '"haproxy_preflight_errors": ["haproxy on lb1: haproxy_services must be a non-empty list',
    '"haproxy_server_addresses": {"web1": "10.0.0.21"}',
    '"haproxy_server_names": ["web2.lab"]',
    '"haproxy_server_weights": {"be_web": {"web1": 100, "web2": 100}}',
    '"haproxy_listeners": [["10.0.0.100", 80]]',
    '"haproxy_bind_addresses": ["10.0.0.100"]',
    '"keepalived_preflight_errors": ["keepalived: keepalived_instances is empty on lb1',
    '"redis_preflight_errors": ["redis: Group',
    "has 0 hosts (): Sentinel needs",
    '"demo_backend_preflight_errors": ["demo_backend: On web1, demo_backend_port must be',
    '"vip_holders": ["lb1"]',
    '"vip_destination": "lb1"',
    '"redis_switchover_plan": {"switch": true, "priorities": {"redis1": 100, "redis2": 1}, "errors": []}',
    '"redis_sentinel_choice": "10.0.0.32:6379"',
]
