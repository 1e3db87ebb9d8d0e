"""hafront/redis_probe.py's pure parts: how a failed write is named, Sentinel replies, master moves."""
from __future__ import annotations

import pytest
import redis

from hafront.redis_probe import as_dict, error_kind, master_moves


@pytest.mark.parametrize(("exc", "want"), [
    (redis.ReadOnlyError("You can't write against a read only replica."), "readonly"),
    (redis.BusyLoadingError("Redis is loading the dataset in memory"), "loading"),
    (redis.exceptions.NoPermissionError("this user has no permissions"), "noperm"),
    (redis.TimeoutError("Timeout connecting to server"), "timeout_connect"),
    (redis.TimeoutError("Timeout reading from socket"), "timeout"),
    (redis.ConnectionError("Error 111 connecting to 10.0.0.1:6379. Connection refused."), "refused"),
    (redis.ConnectionError("Error 104 while writing to socket. Connection reset by peer."), "reset"),
    (redis.ConnectionError("Connection closed by server."), "closed"),
    (redis.ConnectionError("Error 113 connecting to 10.0.0.1:6379. No route to host."), "unreachable"),
    (redis.ConnectionError("something else"), "connection"),
    (redis.ResponseError("NOREPLICAS Not enough good replicas to write."), "noreplicas"),
    (redis.ResponseError(""), "error"),
    (ValueError("x"), "ValueError"),
])
def test_error_kind(exc, want):
    assert error_kind(exc) == want


def test_as_dict_accepts_resp2_lists_and_resp3_maps():
    assert as_dict(["name", "hafront", "flags", "master"]) == {"name": "hafront", "flags": "master"}
    assert as_dict({"name": "hafront"}) == {"name": "hafront"}
    with pytest.raises(ValueError):
        as_dict(["odd"])


def test_master_moves_counts_changes_not_silences():
    changes = [(1.0, "10.0.0.31"), (2.0, None), (3.0, "10.0.0.32"), (4.0, None), (5.0, "10.0.0.32"),
               (6.0, "10.0.0.33")]
    assert master_moves(changes, "10.0.0.31") == [(3.0, "10.0.0.32"), (6.0, "10.0.0.33")]
    assert master_moves([], "10.0.0.31") == []


def test_write_is_a_sample_for_the_client_metrics():
    from hafront.clientview import longest_gap
    from hafront.redis_probe import Write
    ws = [Write("vip", i, f"k{i}", i * 0.1, 0.01, "ok" if not 10 <= i < 20 else "timeout", 1, "x") for i in range(30)]
    assert ws[0].ok and not ws[10].ok and ws[0].end == pytest.approx(0.01)
    assert longest_gap(ws, 1.0)["longest_gap_s"] == pytest.approx(2.01 - 0.91)
