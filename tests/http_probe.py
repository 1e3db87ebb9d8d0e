"""Small HTTP client helpers for tests that measure what clients see (hafront/probe.py and
the lab's secrets from hafront/lab.py, as the drills use them)."""

from __future__ import annotations

import collections

from hafront import probe
from hafront.lab import secret, secrets_dir  # noqa: F401  (the tests import them from here)


def stats_auth() -> tuple[str, str]:
    return "admin", secret("haproxy_stats_password")


def get(address: str, port: int, path: str = "/", headers: dict | None = None,
        auth: tuple[str, str] | None = None, timeout: float = 10) -> tuple[int, dict, str]:
    """One GET on a new connection; returns (status, headers, body)."""
    return probe.fetch(address, port, path, headers, auth, timeout)


def served_by(address: str, port: int, count: int) -> list[str]:
    """Send `count` sequential requests; return which backend served each one."""
    seq = []
    for _ in range(count):
        status, headers, _body = get(address, port)
        assert status == 200, f"GET http://{address}:{port}/ answered {status}"
        seq.append(headers["x-served-by"])
    return seq


def shares(seq: list[str]) -> dict[str, float]:
    counts = collections.Counter(seq)
    return {k: counts[k] / len(seq) for k in sorted(counts)}


def stats_csv(address: str, port: int = 8404) -> list[dict[str, str]]:
    status, _h, body = get(address, port, "/stats;csv", auth=stats_auth())
    assert status == 200, f"stats CSV answered {status}"
    return probe.parse_stats_csv(body)
