"""Small HTTP client helpers for tests that measure what clients see."""

from __future__ import annotations

import base64
import collections
import http.client
import os
from pathlib import Path


def secrets_dir() -> Path:
    env = os.environ.get("HAFRONT_LAB_SECRETS")
    return Path(env) if env else Path.home() / ".local/share/hafront/lab"


def secret(name: str) -> str:
    """A lab secret: the first word of Ansible's password lookup file (it may add a salt)."""
    return (secrets_dir() / name).read_text().split(" salt=")[0].strip()


def stats_auth() -> tuple[str, str]:
    return "admin", secret("haproxy_stats_password")


def get(address: str, port: int, path: str = "/", headers: dict | None = None,
        auth: tuple[str, str] | None = None, timeout: float = 10) -> tuple[int, dict, str]:
    """One GET on a new connection; returns (status, headers, body)."""
    hdrs = dict(headers or {})
    if auth:
        hdrs["Authorization"] = "Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
    conn = http.client.HTTPConnection(address, port, timeout=timeout)
    try:
        conn.request("GET", path, headers=hdrs)
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read().decode()
    finally:
        conn.close()


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
    lines = body.splitlines()
    header = lines[0].lstrip("# ").split(",")
    return [dict(zip(header, line.split(","))) for line in lines[1:] if line]
