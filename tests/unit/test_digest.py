# Copyright (c) 2026 hafront contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""hafront/digest.py and library/hafront_state.py: what makes site.yml roll out a node."""

import json
import os

import pytest

from hafront import digest
from module_support import load

state = load("library/hafront_state.py")

GROUPS = {"all": ["lb1", "web1"], "loadbalancers": ["lb1"], "web": ["web1"]}


def hostvars(**lb1):
    return {
        "lb1": {"haproxy_maxconn": 4096, "ansible_host": "10.0.0.11", "redis_port": 6379,
                "__haproxy_internal": "x", "haproxy_preflight": {"a": 1}, "haproxy_state": {"current": True},
                "ansible_facts": {"default_ipv4": {"address": "10.0.0.11", "macaddress": "aa"}, "uptime_seconds": 5},
                **lb1},
        "web1": {"haproxy_weight": 10, "ansible_host": "10.0.0.21"},
    }


def parts(hv=None, groups=GROUPS, code="c0"):
    return digest.inputs_digest(hv or hostvars(), groups, ["haproxy_"], code)


def test_same_inputs_same_digest():
    assert parts() == parts()
    assert set(parts()) == {"code", "extra", "groups", "host lb1", "host web1"}


def test_each_input_changes_its_own_part():
    base = parts()
    for changed, name in [
        (parts(hostvars(haproxy_maxconn=8192)), "host lb1"),
        (parts(hostvars(ansible_host="10.0.0.12")), "host lb1"),
        (parts(hostvars(ansible_facts={"default_ipv4": {"address": "10.0.0.99"}})), "host lb1"),
        (parts(code="c1"), "code"),
        (parts(groups={**GROUPS, "web": []}), "groups"),
    ]:
        assert [k for k in base if base[k] != changed[k]] == [name]


def test_internals_results_volatile_facts_and_other_roles_are_left_out():
    base = parts()
    for other in [hostvars(__haproxy_internal="y"), hostvars(haproxy_preflight={}), hostvars(haproxy_state={}),
                  hostvars(redis_port=6380),
                  hostvars(ansible_facts={"default_ipv4": {"address": "10.0.0.11", "macaddress": "bb"},
                                          "uptime_seconds": 9})]:
        assert parts(other) == base
    # Groups a run makes for itself (the rollout groups) are not inputs.
    assert parts(groups={**GROUPS, "keepalived_rollout_holders": ["lb1"]}) == base


def test_only_the_groups_a_role_reads_count():
    only = digest.inputs_digest(hostvars(), GROUPS, ["haproxy_"], "c0", only_groups=["loadbalancers"])
    assert set(only) == {"code", "extra", "groups", "host lb1"}
    other_group = {**GROUPS, "web": ["web1", "web2"]}
    assert digest.inputs_digest(hostvars(), other_group, ["haproxy_"], "c0", only_groups=["loadbalancers"]) == only
    assert parts(groups=other_group) != parts()


def test_tree_digest_follows_names_and_content(tmp_path):
    role = tmp_path / "role"
    (role / "tasks").mkdir(parents=True)
    (role / "tasks" / "main.yml").write_text("a\n")
    first = digest.tree_digest([role])
    (role / "tasks" / "main.yml").write_text("b\n")
    second = digest.tree_digest([role])
    (role / "tasks" / "main.yml").rename(role / "tasks" / "other.yml")
    assert len({first, second, digest.tree_digest([role])}) == 3
    (role / "__pycache__").mkdir()
    (role / "__pycache__" / "x.pyc").write_bytes(b"\0")
    assert digest.tree_digest([role]) == digest.tree_digest([role])


def test_query_and_record(tmp_path, monkeypatch):
    conf = tmp_path / "etc"
    conf.mkdir()
    (conf / "haproxy.cfg").write_text("one\n")
    (conf / "own-state").write_text("daemon\n")
    record = tmp_path / "lib" / "haproxy.state"
    monkeypatch.setattr(state, "inactive", lambda units: [])
    params = {"name": "haproxy", "inputs": {"code": "c0"}, "paths": [str(conf)], "exclude": [str(conf / "own-state")],
              "services": [], "run_tags": ["all"], "skip_tags": []}

    assert state.query(params, record) == {"current": False, "reason": "no record of a successful run here"}
    assert state.write(params, record, check_mode=True) == {"written": True, "reason": ""} and not record.exists()
    assert state.write(params, record, check_mode=False) == {"written": True, "reason": ""}
    assert state.write(params, record, check_mode=False) == {"written": False, "reason": ""}
    assert oct(os.stat(record).st_mode & 0o777) == "0o600"
    assert json.loads(record.read_text())["files"] == {str(conf / "haproxy.cfg"): state.file_sums([str(conf)], [])[str(conf / "haproxy.cfg")]}
    assert state.query(params, record) == {"current": True, "reason": ""}

    (conf / "own-state").write_text("rewritten by the daemon\n")
    assert state.query(params, record)["current"]
    assert state.query({**params, "inputs": {"code": "c1", "host lb1": "x"}}, record)["reason"] == \
        "its inputs changed: code, host lb1"
    (conf / "haproxy.cfg").write_text("edited by hand\n")
    (conf / "new.cfg").write_text("\n")
    assert state.query(params, record)["reason"] == \
        f"files changed since the last run: {conf}/haproxy.cfg changed, {conf}/new.cfg added"
    state.write(params, record, check_mode=False)
    monkeypatch.setattr(state, "inactive", lambda units: ["haproxy"])
    assert state.query({**params, "services": ["haproxy"]}, record) == {"current": False, "reason": "not running: haproxy"}


@pytest.mark.parametrize("run_tags, skip_tags, limited", [
    (["all"], [], False),
    (["all"], ["molecule-notest", "notest"], False),  # other roles' skipped tags do not count
    (["all"], ["keepalived_config"], False),
    (["all"], ["haproxy_config"], True),
    (["haproxy"], [], True),
    (["all", "haproxy"], [], True),
])
def test_runs_limited_by_tags_record_nothing(tmp_path, run_tags, skip_tags, limited):
    params = {"name": "haproxy", "inputs": {"code": "c0"}, "paths": [], "exclude": [], "services": [],
              "run_tags": run_tags, "skip_tags": skip_tags}
    record = tmp_path / "haproxy.state"
    result = state.write(params, record, check_mode=False)
    assert state.limited(params) is limited
    assert result["written"] is not limited and record.exists() is not limited
    assert bool(result["reason"]) is limited
