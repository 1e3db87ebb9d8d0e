# Copyright (c) 2026 hafront contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The kinds of text keepalived's templates need (hafront/syntax.py): valid and invalid
values, and the messages the keepalived preflight prints for its syntax map."""

from pathlib import Path

import pytest
import yaml

from hafront import syntax

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("kind", "value"), [
    ("int", -20), ("int", 0), ("int", "19"),
    ("keepalived_lines", ["max_auto_priority 10", "vrrp_garp_interval 0.5", ""]),
    ("shell_url", "http://127.0.0.1:8405/healthz"),
    ("shell_url", "https://lb1.example.net/healthz"),
    ("shell_url", "http://[::1]:8405/healthz"),
    ("shell_url", "http://localhost"),
    ("shell_url", "http://10.0.0.1:8405/a_b/c-d.e~f%20"),
])
def test_valid_values(kind, value):
    assert syntax.problems("v", value, kind) == []


@pytest.mark.parametrize(("kind", "value"), [
    ("int", "1.5"), ("int", "-"), ("int", "5 "), ("int", True), ("int", None),
    ("keepalived_lines", ["vrrp_instance X {"]),
    ("keepalived_lines", ["}"]),
    ("keepalived_lines", ["vrrp_garp_master_repeat 2\nscript_user root"]),
    ("keepalived_lines", "max_auto_priority 10"),  # not a list
    ("shell_url", "http://127.0.0.1:8405/healthz;reboot"),
    ("shell_url", "http://127.0.0.1:8405/$(id)"),
    ("shell_url", "http://127.0.0.1:8405/`id`"),
    ("shell_url", "http://127.0.0.1:8405/a b"),
    ("shell_url", "http://127.0.0.1:8405/a|b"),
    ("shell_url", "http://127.0.0.1:8405/a&b"),
    ("shell_url", "http://127.0.0.1:8405/a>b"),
    ("shell_url", "http://127.0.0.1:8405/?a=1"),
    ("shell_url", "http://127.0.0.1:8405/'x'"),
    ("shell_url", "http://127.0.0.1:8405/healthz\n"),
    ("shell_url", "ftp://127.0.0.1/healthz"),
    ("shell_url", "127.0.0.1:8405/healthz"),
    ("shell_url", "http://"),
])
def test_invalid_values(kind, value):
    assert len(syntax.problems("v", value, kind)) == 1


def keepalived_syntax() -> dict:
    return yaml.safe_load((ROOT / "roles/keepalived/vars/main.yml").read_text())["__keepalived_syntax"]


GOOD = {
    "keepalived_instances": [{"name": "VI_1", "vrid": 51, "interface": "eth0", "vips": ["192.0.2.100/24", "2001:db8::100/64"]}],
    "keepalived_interface": "eth0", "keepalived_address": "192.0.2.11", "keepalived_advert_int": 0.02,
    "keepalived_preempt_delay": 5, "keepalived_process_priority": -20, "keepalived_garp_master_delay": 1,
    "keepalived_script_user": "keepalived_script", "keepalived_global_options": ["max_auto_priority 10"],
    "keepalived_check_interval": 1, "keepalived_check_fall": 2, "keepalived_check_rise": 2,
    "keepalived_check_url": "http://127.0.0.1:8405/healthz",
}


def test_the_role_defaults_and_a_full_inventory_pass():
    defaults = yaml.safe_load((ROOT / "roles/keepalived/defaults/main.yml").read_text())
    literal = {k: v for k, v in defaults.items() if not (isinstance(v, str) and "{{" in v)}
    assert syntax.errors(literal, keepalived_syntax()) == []
    assert syntax.errors(GOOD, keepalived_syntax()) == []


@pytest.mark.parametrize(("variable", "value", "message"), [
    ("keepalived_instances", [{"name": "A {\n}", "vrid": 51, "vips": ["192.0.2.100/24"]}], "keepalived_instances[0].name must be"),
    ("keepalived_instances", [{"name": "A", "vrid": 0, "vips": ["192.0.2.100/24"]}], "keepalived_instances[0].vrid must be"),
    ("keepalived_instances", [{"name": "A", "vrid": 51, "vips": ["192.0.2.100"]}], "keepalived_instances[0].vips[0] must be"),
    ("keepalived_instances", [{"name": "A", "vrid": 51, "interface": "eth0 }", "vips": ["192.0.2.100/24"]}],
     "keepalived_instances[0].interface must be"),
    ("keepalived_script_user", "keepalived_script\n", "A YAML block scalar"),
    ("keepalived_check_url", "http://127.0.0.1:8405/healthz;reboot", "keepalived_check_url must be"),
    ("keepalived_global_options", ["a", "b {"], "keepalived_global_options[1] must be"),
    ("keepalived_advert_int", "1s", "keepalived_advert_int must be"),
    ("keepalived_process_priority", "-20\n", "keepalived_process_priority must be"),
])
def test_each_bad_value_is_named(variable, value, message):
    found = syntax.errors({**GOOD, variable: value}, keepalived_syntax())
    assert len(found) == 1 and message in found[0], found
