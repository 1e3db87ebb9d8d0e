"""hafront/lab.py's pure parts: secrets, inventory, containers, VIPs, notify lines, PLAY RECAP."""
from __future__ import annotations

import json
import subprocess

import pytest

from hafront import lab

RECAP = """
PLAY RECAP *********************************************************************
lb1                        : ok=12   changed=2    unreachable=0    failed=0    skipped=3    rescued=0    ignored=0   
lb2                        : ok=11   changed=0    unreachable=1    failed=1    skipped=3    rescued=0    ignored=1   

Sunday 30 November 2026  07:00:00 +0000 (0:00:00.012)       0:00:12.345 ********
===============================================================================
haproxy : Write the configuration ----------------------------------------- 1.23s
"""


@pytest.mark.parametrize(("text", "want"), [
    ("s3cret\n", "s3cret"),
    ("s3cret salt=abcdef\n", "s3cret"),
    ("  s3cret  ", "s3cret"),
])
def test_parse_secret_keeps_the_password_only(text, want):
    assert lab.parse_secret(text) == want


def test_secret_reads_the_secrets_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("HAFRONT_LAB_SECRETS", str(tmp_path))
    (tmp_path / "redis_app_password").write_text("pw salt=xyz\n")
    assert lab.secrets_dir() == tmp_path
    assert lab.secret("redis_app_password") == "pw"
    with pytest.raises(lab.LabError, match="no .*missing"):
        lab.secret("missing")


def test_secrets_dir_defaults_to_the_home_share(monkeypatch, tmp_path):
    monkeypatch.delenv("HAFRONT_LAB_SECRETS", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert lab.secrets_dir() == tmp_path / ".local/share/hafront/lab"


@pytest.mark.parametrize(("hostvars", "want"), [
    ({"lb1": {"ansible_host": "hafront-lab-lb1", "lab_name": "other"}}, "hafront-lab-lb1"),
    ({"lb1": {"ansible_host": "{{ lab_name }}-{{ inventory_hostname }}", "lab_name": "x"}}, "x-lb1"),
    ({"lb1": {"ansible_host": "{{ prefix }}", "prefix": "{{ lab_name }}-c", "lab_name": "y"}}, "y-c"),
    ({"lb1": {"lab_name": "hafront-lab"}}, "hafront-lab-lb1"),
    # Reached over SSH: ansible_host is an address, lab_container names the container.
    ({"lb1": {"ansible_host": "10.0.0.11", "lab_container": "{{ lab_name }}-{{ inventory_hostname }}",
              "lab_name": "m"}}, "m-lb1"),
    ({"lb1": {}}, "hafront-molecule-lb1"),
])
def test_container_name(hostvars, want):
    assert lab.container_name(hostvars, "lb1") == want


def test_parse_inventory_groups_hosts_and_addresses():
    text = json.dumps({
        "_meta": {"hostvars": {"lb1": {"ansible_host": "c-lb1", "lab_address": "10.0.0.11"},
                               "r1": {"lab_name": "c", "lab_address": "10.0.0.31"}}},
        "all": {"children": ["ungrouped", "lab"]}, "lab": {"children": ["loadbalancers", "redis"]},
        "loadbalancers": {"hosts": ["lb1"]}, "redis": {"hosts": ["r1"]}})
    inv = lab.parse_inventory(text, "inventories/x")
    assert inv.path == "inventories/x"
    assert inv.groups["lab"] == [] and inv.hosts("loadbalancers") == ["lb1"] and inv.hosts("nope") == []
    assert inv.containers("redis") == {"r1": "c-r1"}
    assert inv.addresses("loadbalancers") == {"lb1": "10.0.0.11"}


def test_parse_recap_reads_each_host_of_the_last_recap():
    recap = lab.parse_recap("PLAY RECAP ****\nold : ok=1 changed=9 unreachable=0 failed=0\n" + RECAP)
    assert set(recap) == {"lb1", "lb2"}
    assert recap["lb1"] == {"ok": 12, "changed": 2, "unreachable": 0, "failed": 0, "skipped": 3, "rescued": 0,
                            "ignored": 0}
    assert lab.recap_totals(recap) == {"ok": 23, "changed": 2, "unreachable": 1, "failed": 1, "skipped": 6,
                                       "rescued": 0, "ignored": 1}


@pytest.mark.parametrize("output", ["", "TASK [x] ***\nok: [lb1]\n", "PLAY RECAP ****\n\n"])
def test_no_recap_is_empty(output):
    assert lab.parse_recap(output) == {}
    assert lab.recap_totals({}) == {}


def test_parse_notify_keeps_the_window_as_floats():
    text = ("host=lb1 instance=VI_1 state=BACKUP ts=99.5\n"
            "host=lb1 instance=VI_1 state=MASTER ts=100.25\n"
            "not a notify line\n"
            "instance=VI_2 state=FAULT ts=200\n")
    got = lab.parse_notify(text, "lbX", since=100, until=200)
    assert got == [{"host": "lb1", "instance": "VI_1", "state": "MASTER", "ts": 100.25}]
    assert lab.parse_notify(text, "lbX", since=150)[0]["host"] == "lbX"  # the line names none: the host read


def test_find_group_searches_nested_children():
    hosts = {"all": {"children": {"lab": {"children": {"web": {"hosts": {"web1": None}}, "empty": None}}}}}
    assert lab.find_group(hosts["all"], "web") == {"hosts": {"web1": None}}
    with pytest.raises(KeyError):
        lab.find_group(hosts["all"], "redis")


def test_inventory_copy_edits_only_the_copy(tmp_path):
    src = tmp_path / "inv"
    (src / "group_vars").mkdir(parents=True)
    (src / "hosts.yml").write_text("all:\n  children:\n    web:\n      hosts:\n        web1: {}\n        web2: {}\n")
    work = tmp_path / "work"
    work.mkdir()
    copy = lab.inventory_copy(src, work, lambda h: lab.find_group(h["all"], "web")["hosts"].pop("web2"))
    assert "web2" not in (copy / "hosts.yml").read_text() and "web2" in (src / "hosts.yml").read_text()
    assert (copy / "group_vars").is_dir() and lab.inventory_copy(src, work, lambda h: None).name == "inv-1"


def test_wait_until_returns_the_first_truthy_answer():
    answers = iter([0, None, subprocess.SubprocessError("booting"), "yes"])

    def predicate():
        value = next(answers)
        if isinstance(value, Exception):
            raise value
        return value
    assert lab.wait_until("x", predicate, deadline=5, interval=0) == "yes"


def test_wait_until_names_what_and_the_last_reason():
    def predicate():
        raise OSError("refused")
    with pytest.raises(TimeoutError, match=r"waiting for the thing \(last: refused\)"):
        lab.wait_until("the thing", predicate, deadline=0.05, interval=0.01)
    with pytest.raises(TimeoutError, match=r"\(last: \[\]\)"):
        lab.wait_until("the list", list, deadline=0, interval=0)


def test_wait_until_lets_other_errors_through():
    def predicate():
        raise KeyError("bug")
    with pytest.raises(KeyError):
        lab.wait_until("x", predicate, deadline=1, interval=0)
