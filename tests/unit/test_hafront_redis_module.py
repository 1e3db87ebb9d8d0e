# Copyright (c) 2026 hafront contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""library/hafront_redis.py: RESP and parsers, its argument spec and dispatch table, and run() with Redis faked."""

import json
import socket
import threading

import pytest

from module_support import ansible_module, assert_actions_documented, load

mod = load("library/hafront_redis.py")


def test_parse_info_keeps_fields_and_drops_comments():
    text = "# Replication\r\nrole:master\r\nconnected_slaves:2\r\nslave0:ip=10.0.0.32,port=6379,state=online\r\n\r\n"
    assert mod.parse_info(text) == {"role": "master", "connected_slaves": "2",
                                    "slave0": "ip=10.0.0.32,port=6379,state=online"}


@pytest.mark.parametrize("wanted, live, expected", [
    ({"appendonly": True}, {"appendonly": "yes"}, []),
    ({"appendonly": False}, {"appendonly": "yes"}, ["appendonly"]),
    ({"save": "3600 1  300 100"}, {"save": "3600 1 300 100"}, []),
    ({"maxmemory": 0}, {"maxmemory": "0"}, []),
    ({"timeout": 10, "bind": "10.0.0.31"}, {"timeout": "0"}, ["bind", "timeout"]),
])
def test_differences(wanted, live, expected):
    assert mod.differences(wanted, live) == expected


def fake_server(replies: bytes) -> tuple[str, int]:
    """A one-shot TCP server that answers every read with the given RESP bytes."""
    srv = socket.create_server(("127.0.0.1", 0))

    def serve():
        conn, _ = srv.accept()
        with conn:
            conn.recv(65536)
            conn.sendall(replies)
        srv.close()
    threading.Thread(target=serve, daemon=True).start()
    return srv.getsockname()


@pytest.mark.parametrize("raw, expected", [
    (b"+OK\r\n", "OK"),
    (b":42\r\n", 42),
    (b"$5\r\nhello\r\n", "hello"),
    (b"$-1\r\n", None),
    (b"*2\r\n$9\r\n10.0.0.32\r\n$4\r\n6379\r\n", ["10.0.0.32", "6379"]),
    (b"*-1\r\n", None),
])
def test_resp_replies(raw, expected):
    conn = mod.Connection(*fake_server(raw), timeout=2)
    try:
        assert conn.call("PING") == expected
    finally:
        conn.close()


def test_resp_error_reply_raises():
    conn = mod.Connection(*fake_server(b"-NOPERM this user has no permissions\r\n"), timeout=2)
    with pytest.raises(mod.RedisError, match="NOPERM"):
        conn.call("FLUSHALL")
    conn.close()


def test_pick_returns_only_the_named_sentinel_fields():
    reply = ["name", "hafront", "ip", "10.0.0.32", "port", "6379", "flags", "slave", "slave-priority", "1",
             "auth-pass", "not-returned"]
    assert mod.pick(reply, mod.REPLICA_FIELDS) == {"ip": "10.0.0.32", "port": "6379", "flags": "slave",
                                                   "slave-priority": "1"}
    assert "auth-pass" not in mod.REPLICA_FIELDS + mod.MASTER_FIELDS


# ---------------------------------------------------------------- dispatch and run()
def call(args, check_mode=False):
    return ansible_module(mod, args, check_mode)


def test_the_action_choices_are_the_dispatch_table_in_the_documented_order():
    assert_actions_documented(mod)


@pytest.mark.parametrize("args, message", [
    pytest.param({"action": "promote", "host": "h"}, "value of action must be one of", id="unknown-action"),
    pytest.param({"host": "h"}, "missing required arguments: action", id="no-action"),
    pytest.param({"action": "master", "host": "h"}, "action is master but all of the following are missing: "
                 "master_name", id="master-without-master-name"),
    pytest.param({"action": "replicas", "host": "h"}, "missing: master_name", id="replicas-without-master-name"),
    pytest.param({"action": "failover", "host": "h"}, "missing: master_name", id="failover-without-master-name"),
    pytest.param({"action": "sentinel_config", "host": "h", "master_name": "m"}, "missing: settings",
                 id="sentinel-config-without-settings"),
    pytest.param({"action": "config", "host": "h"}, "missing: settings", id="config-without-settings"),
    pytest.param({"action": "replicaof", "host": "h"}, "missing: primary", id="replicaof-without-primary"),
])
def test_arguments_are_rejected_before_anything_is_sent(capsys, args, message):
    with pytest.raises(SystemExit):
        call(args)
    assert message in json.loads(capsys.readouterr().out)["msg"]


class FakeConnection:
    """Records every command; answers from a table keyed by the command's words (a list: one answer per call)."""

    instances: list["FakeConnection"] = []

    def __init__(self, replies):
        self.replies, self.calls, self.closed = replies, [], False

    def __call__(self, host, port, timeout):  # stands in for the Connection class
        self.address = (host, port, timeout)
        FakeConnection.instances.append(self)
        return self

    def call(self, *args):
        self.calls.append(args)
        reply = next((self.replies[args[:n]] for n in (3, 2, 1) if args[:n] in self.replies), "OK")
        if isinstance(reply, list) and reply and reply[0] == "many":
            return reply.pop(1) if len(reply) > 2 else reply[1]
        if isinstance(reply, Exception):
            raise reply
        return reply

    def close(self):
        self.closed = True


INFO_MASTER = "# Replication\r\nrole:master\r\nconnected_slaves:2\r\n"
INFO_REPLICA = "role:slave\r\nmaster_host:10.0.0.32\r\nmaster_port:6379\r\n"
MASTER_VIEW = ["name", "hafront", "flags", "master", "num-slaves", "2", "num-other-sentinels", "2",
               "quorum", "2", "config-epoch", "3", "auth-pass", "secret", "down-after-milliseconds", "500"]


@pytest.mark.parametrize("args, replies, check_mode, result, sent", [
    pytest.param({"action": "info", "section": "server"}, {("INFO",): "redis_version:7.0.15\r\n"}, False,
                 {"changed": False, "info": {"redis_version": "7.0.15"}}, [("INFO", "server")], id="info"),
    pytest.param({"action": "master", "master_name": "hafront"},
                 {("SENTINEL", "GET-MASTER-ADDR-BY-NAME"): ["10.0.0.32", "6379"], ("SENTINEL", "MASTER"): MASTER_VIEW},
                 False, {"changed": False, "master": "10.0.0.32:6379",
                         "sentinel": {"flags": "master", "num-slaves": "2", "num-other-sentinels": "2", "quorum": "2",
                                      "config-epoch": "3"}},
                 [("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "hafront"), ("SENTINEL", "MASTER", "hafront")],
                 id="master"),
    pytest.param({"action": "master", "master_name": "hafront"}, {("SENTINEL", "GET-MASTER-ADDR-BY-NAME"): None},
                 False, {"changed": False, "master": None, "sentinel": {}},
                 [("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "hafront")], id="master-unknown"),
    pytest.param({"action": "replicas", "master_name": "hafront"},
                 {("SENTINEL", "REPLICAS"): [["ip", "10.0.0.31", "port", "6379", "slave-priority", "100", "x", "y"]]},
                 False, {"changed": False, "replicas": [{"ip": "10.0.0.31", "port": "6379", "slave-priority": "100"}]},
                 [("SENTINEL", "REPLICAS", "hafront")], id="replicas"),
    pytest.param({"action": "config", "settings": {"appendonly": True, "timeout": 0},
                  "restart_settings": {"port": 6379}},
                 {("CONFIG", "GET", "appendonly"): ["appendonly", "no"], ("CONFIG", "GET", "timeout"): ["timeout", "0"],
                  ("CONFIG", "GET", "port"): ["port", "6380"]}, False,
                 {"changed": True, "changed_settings": ["appendonly"], "needs_restart": ["port"]},
                 [("CONFIG", "GET", "appendonly"), ("CONFIG", "GET", "timeout"), ("CONFIG", "GET", "port"),
                  ("CONFIG", "SET", "appendonly", "yes")], id="config"),
    pytest.param({"action": "config", "settings": {"appendonly": True}},
                 {("CONFIG", "GET", "appendonly"): ["appendonly", "no"]}, True,
                 {"changed": True, "changed_settings": ["appendonly"], "needs_restart": []},
                 [("CONFIG", "GET", "appendonly")], id="config-check-mode-sets-nothing"),
    pytest.param({"action": "config", "settings": {"daemonize": True}},
                 {("CONFIG", "GET", "daemonize"): ["daemonize", "no"],
                  ("CONFIG", "SET", "daemonize"): mod.RedisError("ERR CONFIG SET failed (possibly related to "
                                                                 "argument 'daemonize') - can't set immutable config")},
                 False, {"changed": False, "changed_settings": [], "needs_restart": ["daemonize"]},
                 [("CONFIG", "GET", "daemonize"), ("CONFIG", "SET", "daemonize", "yes")], id="config-immutable"),
    pytest.param({"action": "sentinel_config", "master_name": "hafront", "settings": {"down-after-milliseconds": 1000,
                                                                                       "quorum": 2}},
                 {("SENTINEL", "MASTER"): MASTER_VIEW}, False,
                 {"changed": True, "changed_settings": ["down-after-milliseconds"]},
                 [("SENTINEL", "MASTER", "hafront"), ("SENTINEL", "SET", "hafront", "down-after-milliseconds", "1000")],
                 id="sentinel-config"),
    pytest.param({"action": "acl_load"}, {}, False, {"changed": True}, [("ACL", "LOAD")], id="acl-load"),
    pytest.param({"action": "acl_load"}, {}, True, {"changed": True}, [], id="acl-load-check-mode"),
    pytest.param({"action": "replicaof", "primary": "10.0.0.32:6379"}, {("INFO",): INFO_REPLICA}, False,
                 {"changed": False}, [("INFO", "replication")], id="replicaof-already"),
    pytest.param({"action": "replicaof", "primary": "10.0.0.33:6379"}, {("INFO",): INFO_MASTER}, False,
                 {"changed": True}, [("INFO", "replication"), ("REPLICAOF", "10.0.0.33", "6379")], id="replicaof"),
    pytest.param({"action": "failover", "master_name": "hafront"},
                 {("SENTINEL", "GET-MASTER-ADDR-BY-NAME"): ["many", ["10.0.0.31", "6379"], ["10.0.0.31", "6379"],
                                                             ["10.0.0.32", "6379"]]}, False,
                 {"changed": True, "master": "10.0.0.32:6379", "previous": "10.0.0.31:6379"},
                 [("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "hafront"), ("SENTINEL", "FAILOVER", "hafront"),
                  ("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "hafront"), ("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "hafront")],
                 id="failover"),
    pytest.param({"action": "failover", "master_name": "hafront"},
                 {("SENTINEL", "GET-MASTER-ADDR-BY-NAME"): ["10.0.0.31", "6379"]}, True,
                 {"changed": True, "master": "10.0.0.31:6379"}, [("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "hafront")],
                 id="failover-check-mode"),
])
def test_run_dispatches_each_action(monkeypatch, args, replies, check_mode, result, sent):
    fake = FakeConnection(replies)
    monkeypatch.setattr(mod, "Connection", fake)
    monkeypatch.setattr(mod.time, "sleep", lambda s: None)
    assert mod.run(call({"host": "10.0.0.31", "port": 26379, **args}, check_mode)) == result
    assert fake.calls == sent  # no password: no AUTH
    assert fake.closed and fake.address == ("10.0.0.31", 26379, 5.0)


def test_run_authenticates_first_and_closes_on_error(monkeypatch):
    fake = FakeConnection({("SENTINEL", "FAILOVER"): mod.RedisError("NOGOODSLAVE No suitable replica to promote"),
                           ("SENTINEL", "GET-MASTER-ADDR-BY-NAME"): ["10.0.0.31", "6379"]})
    monkeypatch.setattr(mod, "Connection", fake)
    module = call({"action": "failover", "host": "h", "master_name": "hafront", "user": "u", "password": "p"})
    with pytest.raises(mod.RedisError, match="NOGOODSLAVE"):
        mod.run(module)
    assert fake.calls[0] == ("AUTH", "u", "p") and fake.closed


def test_failover_gives_up_after_its_timeout(monkeypatch):
    fake = FakeConnection({("SENTINEL", "GET-MASTER-ADDR-BY-NAME"): ["10.0.0.31", "6379"]})
    monkeypatch.setattr(mod, "Connection", fake)
    monkeypatch.setattr(mod.time, "sleep", lambda s: None)
    with pytest.raises(mod.RedisError, match="still names 10.0.0.31:6379 after 0.05 s"):
        mod.run(call({"action": "failover", "host": "h", "master_name": "hafront", "timeout": 0.05}))


def test_write_read_round_trip(monkeypatch):
    stored = {}

    class Store(FakeConnection):
        def call(self, *args):
            self.calls.append(args)
            if args[0] == "SET":
                stored[args[1]] = args[2]
                return "OK"
            return stored.get(args[1])
    fake = Store({})
    monkeypatch.setattr(mod, "Connection", fake)
    result = mod.run(call({"action": "write_read", "host": "h", "user": "app", "password": "p"}))
    assert result["ok"] is True and result["changed"] is False and result["round_trip_ms"] >= 0
    assert [c[0] for c in fake.calls] == ["AUTH", "SET", "GET"]


@pytest.mark.parametrize("error", [OSError("Connection refused"), mod.RedisError("WRONGPASS invalid password")])
def test_main_fails_with_where_and_why(monkeypatch, capsys, error):
    from ansible.module_utils.testing import patch_module_args

    def broken(host, port, timeout):
        raise error
    monkeypatch.setattr(mod, "Connection", broken)
    with patch_module_args({"action": "info", "host": "10.0.0.31", "password": "secret"}), pytest.raises(SystemExit):
        mod.main()
    out = json.loads(capsys.readouterr().out)
    assert out["failed"] and out["msg"] == f"Redis at 10.0.0.31:6379: {error}"


def test_main_exits_with_the_result(monkeypatch, capsys):
    from ansible.module_utils.testing import patch_module_args

    monkeypatch.setattr(mod, "Connection", FakeConnection({("INFO",): INFO_MASTER}))
    with patch_module_args({"action": "info", "host": "10.0.0.31"}), pytest.raises(SystemExit) as exited:
        mod.main()
    assert exited.value.code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["info"] == {"role": "master", "connected_slaves": "2"} and out["changed"] is False
