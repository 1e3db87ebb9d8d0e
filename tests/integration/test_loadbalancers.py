"""Verify the converged lab: HAProxy serves through every load balancer, and each
balance algorithm distributes requests as designed. Measured, not assumed."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from http_probe import get, served_by, shares, stats_auth, stats_csv

testinfra_hosts = ["ansible://loadbalancers"]
REPORT = Path(__file__).resolve().parents[2] / "reports" / "distribution.json"


@pytest.fixture(scope="module")
def address(host) -> str:
    return host.ansible.get_variables()["lab_address"]


@pytest.fixture(scope="module")
def backends(host) -> set[str]:
    return set(host.ansible.get_variables()["groups"]["web"])


def record(lb: str, name: str, data) -> None:
    REPORT.parent.mkdir(exist_ok=True)
    report = json.loads(REPORT.read_text()) if REPORT.exists() else {}
    report.setdefault(lb, {})[name] = data
    REPORT.write_text(json.dumps(report, indent=2, sort_keys=True))


def test_haproxy_runs_in_master_worker_mode(host):
    svc = host.service("haproxy")
    assert svc.is_running and svc.is_enabled
    # -Ws: one master process supervising the workers.
    assert host.run("pgrep -f 'haproxy -Ws'").rc == 0


def test_live_config_passes_haproxy_check(host):
    result = host.run("haproxy -c -f /etc/haproxy/haproxy.cfg")
    assert result.rc == 0, result.stderr
    cfg = host.file("/etc/haproxy/haproxy.cfg")
    assert cfg.mode == 0o640 and cfg.user == "root" and cfg.group == "haproxy"


def test_runtime_api_socket_is_root_and_haproxy_group_only(host):
    sock = host.file("/run/haproxy/admin.sock")
    assert sock.is_socket
    assert (sock.user, sock.group) == ("root", "haproxy")
    assert sock.mode == 0o660, oct(sock.mode)


def test_serves_http_through_this_load_balancer(address, backends):
    status, headers, body = get(address, 80)
    assert status == 200
    assert headers["x-served-by"] in backends
    assert body.strip() == headers["x-served-by"]


def test_tcp_service_passes_traffic(address, backends):
    status, headers, _ = get(address, 8090)
    assert status == 200 and headers["x-served-by"] in backends


def test_stats_page_and_metrics_require_authentication(address):
    assert get(address, 8404, "/stats")[0] == 401
    assert get(address, 8404, "/metrics")[0] == 401
    assert get(address, 8404, "/stats", auth=("admin", "wrong-password"))[0] == 401
    status, _h, body = get(address, 8404, "/stats", auth=stats_auth())
    assert status == 200 and "HAProxy" in body
    status, _h, body = get(address, 8404, "/metrics", auth=stats_auth())
    assert status == 200 and "haproxy_process_uptime_seconds" in body


def test_roundrobin_alternates_exactly(host, address, backends):
    seq = served_by(address, 8081, 300)
    cycle = seq[: len(backends)]
    assert set(cycle) == backends, f"first cycle {cycle} does not visit every backend"
    mismatches = [i for i, who in enumerate(seq) if who != cycle[i % len(cycle)]]
    record(host.backend.host, "roundrobin", {"requests": len(seq), "shares": shares(seq), "cycle": cycle,
                                             "out_of_order": len(mismatches)})
    assert not mismatches, f"round-robin broke its cycle {cycle} at requests {mismatches[:10]}"


def test_weighted_split_follows_computed_weights(host, address):
    weights = {row["svname"]: int(row["weight"]) for row in stats_csv(address)
               if row["pxname"] == "be_web" and row["svname"] not in ("FRONTEND", "BACKEND")}
    total = sum(weights.values())
    expected = {name: w / total for name, w in weights.items()}
    seq = served_by(address, 80, 400)
    observed = shares(seq)
    record(host.backend.host, "weighted", {"requests": len(seq), "weights": weights,
                                           "expected": expected, "observed": observed})
    assert len(set(weights.values())) > 1, f"lab weights should differ to test anything: {weights}"
    for name, share in expected.items():
        assert abs(observed.get(name, 0) - share) <= 0.10 * share, (
            f"{name}: observed {observed.get(name, 0):.3f}, expected {share:.3f} (weights {weights})")


def test_random_uses_every_server(host, address, backends):
    seq = served_by(address, 8082, 300)
    record(host.backend.host, "random", {"requests": len(seq), "shares": shares(seq)})
    assert set(seq) == backends


def test_leastconn_avoids_a_busy_server(host, address, backends):
    busy = sorted(backends)[0]
    holders = [threading.Thread(target=get, args=(address, 8083, "/slow"),
                                kwargs={"headers": {"Cookie": f"SERVERID={busy}"}, "timeout": 30})
               for _ in range(4)]
    for t in holders:
        t.start()
    try:
        deadline = time.monotonic() + 10
        while True:
            current = {row["svname"]: int(row["scur"] or 0) for row in stats_csv(address)
                       if row["pxname"] == "be_lc"}
            if current.get(busy, 0) >= 4:
                break
            assert time.monotonic() < deadline, f"slow requests never reached {busy}: {current}"
            time.sleep(0.1)
        seq = served_by(address, 8083, 60)
    finally:
        for t in holders:
            t.join(timeout=30)
    record(host.backend.host, "leastconn", {"requests": len(seq), "busy": busy,
                                            "busy_connections": current[busy], "shares": shares(seq)})
    assert busy not in seq, f"least-connections sent {seq.count(busy)} of {len(seq)} new requests to busy {busy}"
    assert set(seq) == backends - {busy}
