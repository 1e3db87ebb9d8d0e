"""A client probe: HTTP requests at a fixed rate, each on a new TCP connection.

A new connection per request means every request sees the current neighbour entry and
listener: no keep-alive connection hides a dead node. Loops are bounded in count and time.
"""
from __future__ import annotations

import concurrent.futures as cf
import http.client
import threading
import time

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
