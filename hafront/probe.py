"""A client probe: HTTP requests at a fixed rate, each on a new TCP connection.

A new connection per request means every request sees the current neighbour entry and
listener: no keep-alive connection hides a dead node. Loops are bounded in count and time.
"""
from __future__ import annotations

import base64
import concurrent.futures as cf
import http.client
import threading
import time
from typing import NamedTuple

from hafront.clientview import Sample

TIMEOUT = 1.0  # client timeout (connect and read), seconds


def get(address: str, port: int = 80, timeout: float = TIMEOUT) -> Sample:
    """One GET / on a new connection; every failure is data, never an exception."""
    start, t0 = time.time(), time.perf_counter()
    conn = http.client.HTTPConnection(address, port, timeout=timeout)
    try:
        conn.request("GET", "/", headers={"Connection": "close"})
        resp = conn.getresponse()
        resp.read()
        outcome = "ok" if resp.status == 200 else f"http_{resp.status}"
        return Sample(start, time.perf_counter() - t0, outcome,
                      resp.getheader("X-Served-By", ""), resp.getheader("X-Load-Balancer", ""))
    except Exception as exc:  # noqa: BLE001 - the kind of failure is what the probe records
        kind = {ConnectionRefusedError: "refused", TimeoutError: "timeout", ConnectionResetError: "reset",
                http.client.RemoteDisconnected: "closed"}.get(type(exc))
        if kind is None:
            kind = "unreachable" if getattr(exc, "errno", None) == 113 else type(exc).__name__
        return Sample(start, time.perf_counter() - t0, kind)
    finally:
        conn.close()


class Probe:
    """Requests at `rate` per second over `addresses` in turn, until stop() or max_seconds."""

    def __init__(self, addresses: list[str], rate: float, max_seconds: float, port: int = 80,
                 timeout: float = TIMEOUT) -> None:
        self.addresses, self.rate, self.max_seconds = addresses, rate, max_seconds
        self.port, self.timeout = port, timeout
        self.samples: list[Sample] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Probe:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def _run(self) -> None:
        # Enough workers that requests hanging until the timeout never delay the schedule.
        workers = int(self.rate * self.timeout * 2.5) + 16
        t0, futures = time.time(), []
        with cf.ThreadPoolExecutor(max_workers=workers) as pool:
            for i in range(int(self.rate * self.max_seconds)):
                due = t0 + i / self.rate
                if self._stop.wait(max(0.0, due - time.time())):
                    break
                futures.append(pool.submit(get, self.addresses[i % len(self.addresses)], self.port, self.timeout))
        self.samples = sorted((f.result() for f in futures), key=lambda s: s.start)

    def stop(self) -> list[Sample]:
        self._stop.set()
        self._thread.join()
        return self.samples


def fetch(address: str, port: int, path: str = "/", headers: dict[str, str] | None = None,
          auth: tuple[str, str] | None = None, timeout: float = 10) -> tuple[int, dict[str, str], str]:
    """One GET on a new connection (basic auth if given): status, lower-cased headers, body."""
    hdrs = dict(headers or {})
    if auth:
        hdrs["Authorization"] = "Basic " + base64.b64encode(":".join(auth).encode()).decode()
    conn = http.client.HTTPConnection(address, port, timeout=timeout)
    try:
        conn.request("GET", path, headers=hdrs)
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read().decode()
    finally:
        conn.close()


def parse_stats_csv(text: str) -> list[dict[str, str]]:
    """HAProxy's stats CSV: one dict per proxy or server row, keyed by the header."""
    lines = text.splitlines()
    if not lines:
        return []
    header = lines[0].lstrip("# ").split(",")
    return [dict(zip(header, line.split(","))) for line in lines[1:] if line]


def stats_csv(address: str, port: int, auth: tuple[str, str], timeout: float = 10) -> list[dict[str, str]]:
    status, _headers, body = fetch(address, port, "/stats;csv", auth=auth, timeout=timeout)
    if status != 200:
        raise OSError(f"stats CSV of {address}:{port} answered {status}")
    return parse_stats_csv(body)


def parse_metrics(text: str, names: tuple[str, ...]) -> dict[str, float]:
    """The named unlabelled samples of a Prometheus text exposition."""
    values = dict(line.split(" ", 1) for line in text.splitlines() if line.startswith(tuple(f"{n} " for n in names)))
    return {name: float(value) for name, value in values.items()}


class Server(NamedTuple):
    status: str
    weight: int


def servers(address: str, port: int, auth: tuple[str, str], backend: str, timeout: float = 2) -> dict[str, Server]:
    """server -> (status, weight) of one backend, as one HAProxy has them (stats CSV)."""
    return {r["svname"]: Server(r["status"], int(r["weight"] or 0)) for r in stats_csv(address, port, auth, timeout)
            if r["pxname"] == backend and r["svname"] not in ("FRONTEND", "BACKEND")}


def worker(address: str, port: int, auth: tuple[str, str], timeout: float = 2) -> tuple[float, float]:
    """The serving HAProxy worker's start time and connection count (metrics). A reload starts
    a new worker: the start time moves, or (same second) the count starts over (see reloaded)."""
    names = ("haproxy_process_start_time_seconds", "haproxy_process_connections_total")
    metrics = parse_metrics(fetch(address, port, "/metrics", auth=auth, timeout=timeout)[2], names)
    return metrics[names[0]], metrics[names[1]]


def reloaded(before: tuple[float, float], after: tuple[float, float]) -> bool:
    return after[0] != before[0] or after[1] < before[1]
