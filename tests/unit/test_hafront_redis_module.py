# Copyright (c) 2026 hafront contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The pure parts of library/hafront_redis.py; the module itself runs against real Redis in Molecule."""

import importlib.util
import socket
import threading
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location(
    "hafront_redis", Path(__file__).resolve().parents[2] / "library" / "hafront_redis.py")
mod = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(mod)


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
