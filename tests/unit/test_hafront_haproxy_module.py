# Copyright (c) 2026 hafront contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""library/hafront_haproxy.py: its parsers, its argument spec and dispatch table, and run() with the runtime API faked."""

import json

import pytest

from module_support import ansible_module, assert_actions_documented, load

mod = load("library/hafront_haproxy.py")

STATE = """1
# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr srv_agent_port
5 be_web 1 web1 10.0.0.21 2 8 256 256 282 15 3 4 6 0 0 0 - 8080 - 0 0 - - 0
5 be_web 2 web2 10.0.0.22 2 0 128 128 282 15 3 4 6 0 0 0 - 8080 - 0 0 - - 0
6 be_redis 1 redis1 10.0.0.31 0 1 256 256 10 7 2 0 6 0 0 0 - 6379 - 0 0 - - 0
"""

STAT = """# pxname,svname,qcur,qmax,scur,smax
fe_web,FRONTEND,,,3,10
be_web,web1,0,0,2,5
be_web,web2,0,0,0,4
be_web,BACKEND,0,0,2,9
"""


def test_parse_servers_state():
    servers = mod.parse_servers_state(STATE)
    assert [(s["be_name"], s["srv_name"], s["srv_uweight"]) for s in servers] == [
        ("be_web", "web1", "256"), ("be_web", "web2", "128"), ("be_redis", "redis1", "256")]


def test_parse_sessions_skips_frontends_and_backend_totals():
    assert mod.parse_sessions(STAT) == {("be_web", "web1"): 2, ("be_web", "web2"): 0}


@pytest.mark.parametrize("flags, expected", [("0", "ready"), ("8", "drain"), ("1", "maint"), ("9", "maint"),
                                             ("16", "ready"), ("2", "ready")])
def test_admin_state_reads_the_forced_flags(flags, expected):
    assert mod.admin_state({"srv_admin_state": flags}) == expected


def test_weight_changes_only_where_they_differ_and_only_known_servers():
    servers = mod.parse_servers_state(STATE)
    wanted = {"be_web": {"web1": 256, "web2": 256, "web9": 1}, "be_redis": {"redis1": 256}, "be_other": {"x": 1}}
    assert mod.weight_changes(wanted, servers) == [("be_web", "web2", 256)]


# ---------------------------------------------------------------- dispatch and run()
def call(args, check_mode=False):
    return ansible_module(mod, args, check_mode)


def test_the_action_choices_are_the_dispatch_table_in_the_documented_order():
    assert_actions_documented(mod)


@pytest.mark.parametrize("args, message", [
    pytest.param({"action": "reload"}, "value of action must be one of", id="unknown-action"),
    pytest.param({}, "missing required arguments: action", id="no-action"),
    pytest.param({"action": "weights"}, "action is weights but all of the following are missing: weights",
                 id="weights-without-weights"),
    pytest.param({"action": "server_state", "server": "web1"}, "missing: server_state", id="server-state-without-state"),
    pytest.param({"action": "server_state", "server_state": "drain"}, "missing: server", id="server-state-without-server"),
    pytest.param({"action": "wait_idle"}, "missing: server", id="wait-idle-without-server"),
    pytest.param({"action": "server_state", "server": "web1", "server_state": "down"}, "server_state must be one of",
                 id="unknown-server-state"),
])
def test_arguments_are_rejected_before_anything_is_sent(capsys, args, message):
    with pytest.raises(SystemExit):
        call(args)
    assert message in json.loads(capsys.readouterr().out)["msg"]


class FakeSocket:
    """Stands in for command(): answers `show servers state` and `show stat`, records everything sent."""

    def __init__(self, stats=(STAT,), missing=False):
        self.sent, self.stats, self.missing = [], list(stats), missing

    def __call__(self, path, line):
        if self.missing:
            raise FileNotFoundError(2, "No such file or directory", path)
        self.sent.append(line)
        if line == "show servers state":
            return STATE
        if line == "show stat":
            return self.stats.pop(0) if len(self.stats) > 1 else self.stats[0]
        return "\n"


IDLE_STAT = STAT.replace("be_web,web1,0,0,2,5", "be_web,web1,0,0,0,5")


@pytest.mark.parametrize("args, check_mode, result, sent", [
    pytest.param({"action": "weights", "weights": {"be_web": {"web1": 256, "web2": 64}}}, False,
                 {"changed": True, "changed_servers": ["be_web/web2=64"]},
                 ["show servers state", "set weight be_web/web2 64"], id="weights"),
    pytest.param({"action": "weights", "weights": {"be_web": {"web2": 64}}}, True,
                 {"changed": True, "changed_servers": ["be_web/web2=64"]}, ["show servers state"],
                 id="weights-check-mode"),
    pytest.param({"action": "weights", "weights": {"be_web": {"web2": 128}}}, False,
                 {"changed": False, "changed_servers": []}, ["show servers state"], id="weights-unchanged"),
    pytest.param({"action": "server_state", "server": "web2", "server_state": "drain"}, False,
                 {"changed": True, "changed_servers": ["be_web/web2"]},
                 ["show servers state", "set server be_web/web2 state drain"], id="drain"),
    pytest.param({"action": "server_state", "server": "web1", "server_state": "drain"}, False,
                 {"changed": False, "changed_servers": []}, ["show servers state"], id="drain-already"),
    pytest.param({"action": "wait_idle", "server": "web2"}, False, {"changed": False, "sessions": 0},
                 ["show servers state", "show stat"], id="wait-idle"),
])
def test_run_dispatches_each_action(monkeypatch, args, check_mode, result, sent):
    fake = FakeSocket()
    monkeypatch.setattr(mod, "command", fake)
    assert mod.run(call(args, check_mode)) == result
    assert fake.sent == sent


def test_state_adds_sessions_and_admin_state(monkeypatch):
    monkeypatch.setattr(mod, "command", FakeSocket())
    result = mod.run(call({"action": "state"}))
    assert result["changed"] is False
    assert [(s["srv_name"], s["scur"], s["admin"]) for s in result["servers"]] == [
        ("web1", 2, "drain"), ("web2", 0, "ready"), ("redis1", 0, "maint")]


def test_weights_with_haproxy_not_running_changes_nothing(monkeypatch):
    monkeypatch.setattr(mod, "command", FakeSocket(missing=True))
    assert mod.run(call({"action": "weights", "weights": {"be_web": {"web1": 1}}})) == {
        "changed": False, "changed_servers": [], "running": False}


@pytest.mark.parametrize("action", ["state", "save_state"])
def test_other_actions_fail_when_haproxy_is_not_running(monkeypatch, action):
    monkeypatch.setattr(mod, "command", FakeSocket(missing=True))
    with pytest.raises(FileNotFoundError):
        mod.run(call({"action": action}))


def test_wait_idle_polls_until_the_server_is_idle(monkeypatch):
    fake = FakeSocket(stats=(STAT, STAT, IDLE_STAT))
    monkeypatch.setattr(mod, "command", fake)
    monkeypatch.setattr(mod.time, "sleep", lambda s: None)
    assert mod.run(call({"action": "wait_idle", "server": "web1"})) == {"changed": False, "sessions": 0}
    assert fake.sent.count("show stat") == 3


def test_wait_idle_fails_after_its_timeout(monkeypatch):
    monkeypatch.setattr(mod, "command", FakeSocket())
    monkeypatch.setattr(mod.time, "sleep", lambda s: None)
    with pytest.raises(mod.RuntimeError_, match="web1 still has 2 sessions after 0.01 s"):
        mod.run(call({"action": "wait_idle", "server": "web1", "timeout": 0.01}))


def test_an_unknown_server_is_an_error(monkeypatch):
    monkeypatch.setattr(mod, "command", FakeSocket())
    with pytest.raises(mod.RuntimeError_, match="no backend has a server named 'web9'"):
        mod.run(call({"action": "server_state", "server": "web9", "server_state": "drain"}))


@pytest.mark.parametrize("check_mode", [False, True])
def test_save_state_writes_the_state_atomically(monkeypatch, tmp_path, check_mode):
    monkeypatch.setattr(mod, "command", FakeSocket())
    path = tmp_path / "server-state"
    assert mod.run(call({"action": "save_state", "path": str(path)}, check_mode)) == {"changed": False}
    assert (not path.exists()) if check_mode else (path.read_text() == STATE and path.stat().st_mode & 0o777 == 0o640)
    assert [p.name for p in tmp_path.iterdir()] == ([] if check_mode else ["server-state"])


def test_refused_command_is_an_error(monkeypatch):
    fake = FakeSocket()
    monkeypatch.setattr(mod, "command", lambda path, line: "No such server.\n" if line.startswith("set") else
                        fake(path, line))
    with pytest.raises(mod.RuntimeError_, match="set server be_web/web2: No such server"):
        mod.run(call({"action": "server_state", "server": "web2", "server_state": "maint"}))


def test_main_fails_with_where_and_why(monkeypatch, capsys):
    from ansible.module_utils.testing import patch_module_args

    monkeypatch.setattr(mod, "command", FakeSocket(missing=True))
    with patch_module_args({"action": "state", "socket": "/run/x.sock"}), pytest.raises(SystemExit):
        mod.main()
    out = json.loads(capsys.readouterr().out)
    assert out["failed"] and out["msg"].startswith("HAProxy runtime API at /run/x.sock: [Errno 2]")
