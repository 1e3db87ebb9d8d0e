# Copyright (c) 2026 hafront contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""hafront.preflight.common: values read as Ansible's filters read them, and hostvars read once."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from hafront.preflight.common import HostVars, as_bool, as_float, as_int, flatten, is_ip, shown, text, unique


@pytest.mark.parametrize("value, expected", [
    (80, 80), ("80", 80), ("42.7", 42), (" 12 ", 12), ("1e3", 1000), (True, 1), (None, 0), ("x", 0), ("0x10", 0),
    ([1], 0),
])
def test_as_int_reads_like_the_int_filter(value, expected):
    assert as_int(value) == expected


@pytest.mark.parametrize("value, expected", [(0.1, 0.1), ("0.5", 0.5), ("x", 0.0), (None, 0.0), (2, 2.0)])
def test_as_float_reads_like_the_float_filter(value, expected):
    assert as_float(value) == expected


@pytest.mark.parametrize("value, expected", [
    (True, True), ("yes", True), ("On", True), ("TRUE", True), ("1", True), (1, True), (1.0, True),
    (False, False), ("no", False), ("y", False), (0, False), (2, False), (None, False), ("", False),
])
def test_as_bool_reads_like_the_bool_filter(value, expected):
    assert as_bool(value) is expected


def test_text_and_shown_spell_values_as_templates_do():
    assert text(None) == "None" and shown(None) == ""
    assert text({"a": [1, "b"]}) == "{'a': [1, 'b']}" and shown(0.02) == "0.02"


def test_unique_compares_strings_without_case_and_keeps_the_first():
    assert unique(["Web", "web", "api", 1, 1, {"a": 1}, {"a": 1}]) == ["Web", "api", 1, {"a": 1}]


def test_flatten_opens_lists_and_drops_nulls():
    assert flatten([["a", ["b"]], None, "None", "c", ("d",)]) == ["a", "b", "c", "d"]


@pytest.mark.parametrize("value, expected", [
    ("10.0.0.1", True), ("2001:db8::1", True), ("010.0.0.1", False), ("web1", False), (None, False), (["1.1.1.1"], False),
])
def test_is_ip(value, expected):
    assert is_ip(value) is expected


class CountingHostVars(Mapping):
    """Like Ansible's hostvars: each hostvars[host] builds the host's variables anew."""

    def __init__(self, data):
        self.data, self.reads = data, 0

    def __getitem__(self, host):
        self.reads += 1
        return dict(self.data[host])

    def __contains__(self, host):
        return host in self.data

    def __iter__(self):
        return iter(self.data)

    def __len__(self):
        return len(self.data)


def test_hostvars_reads_each_host_once():
    raw = CountingHostVars({"lb1": {"a": 1, "ansible_facts": {"interfaces": ["eth0"]}}, "lb2": {}})
    hostvars = HostVars(raw)
    for _ in range(3):
        assert hostvars.value("lb1", "a") == 1 and hostvars.value("lb2", "a", "default") == "default"
        assert hostvars.facts("lb1") == {"interfaces": ["eth0"]} and hostvars.facts("lb2") == {}
    assert hostvars.value("nosuchhost", "a", 5) == 5 and "lb1" in hostvars and len(hostvars) == 2
    assert raw.reads == 2
