"""The Redis tier as its clients see it: clients with short timeouts and no retries,
writers (SET + WAIT 1 at a fixed rate on one connection), Sentinel watchers and the watch
on a returning node. Every failure is a sample, never an exception; loops are bounded.

The lab comes from the inventory (group ``redis``, the first VIP of the load balancers),
the passwords from the lab's secrets (hafront/lab.py).
"""
from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any, NamedTuple

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from hafront import lab as labkit
from hafront.clientview import Timed
from hafront.lab import LabError, load_inventory, secret

MASTER_NAME = "hafront"
PORT, SENTINEL_PORT = 6379, 26379
TIMEOUT = 0.25        # socket connect and read timeout of writers and pollers, seconds
WAIT_MS = 100         # WAIT 1 <ms> after each SET
POLL = 0.02           # Sentinel and returning-master poll interval, seconds
MAX_RUN = 600.0       # writers and pollers stop by themselves after this
DEADLINE = 120.0      # every wait for the tier converges within this


class NotReady(Exception):
    """The tier is not (yet) in the state waited for; the message says why."""


def wait_until(what: str, predicate: Callable[[], Any], deadline: float = DEADLINE) -> Any:
    """Poll predicate until it returns something truthy; fail with the last reason after deadline s."""
    return labkit.wait_until(what, predicate, deadline, retry=(NotReady, redis.RedisError, OSError))


class Lab(NamedTuple):
    inventory: str
    redis: dict[str, str]            # redis host -> its address
    containers: dict[str, str]       # redis host -> container name
    vip: str                         # first VIP of the load balancers
    passwords: dict[str, str]        # app, monitor, admin, sentinel


def load_lab(inventory: str) -> Lab:
    """Three Redis hosts and a load balancer, or LabError."""
    inv = load_inventory(inventory)
    hosts, lbs = inv.hosts("redis"), inv.hosts("loadbalancers")
    if len(hosts) != 3 or not lbs:
        raise LabError(f"{inventory}: want 3 hosts in group redis and load balancers, found {hosts} and {lbs}")
    return Lab(inventory=inventory, redis=inv.addresses("redis"), containers=inv.containers("redis"),
               vip=str(inv.hostvars[lbs[0]]["lab_vips"][0]).split("/")[0],
               passwords={user: secret(f"redis_{user}_password") for user in ("app", "monitor", "admin", "sentinel")})


def client(lab: Lab, address: str, user: str, timeout: float = TIMEOUT) -> redis.Redis:
    """Short timeouts and no retries: every failure is seen, none is hidden."""
    auth = {"password": lab.passwords[user]} if user == "sentinel" else \
        {"username": user, "password": lab.passwords[user]}
    return redis.Redis(host=address, port=SENTINEL_PORT if user == "sentinel" else PORT, **auth,
                       socket_timeout=timeout, socket_connect_timeout=timeout, retry=Retry(NoBackoff(), 0),
                       decode_responses=True)


def master_of(sentinel: redis.Redis) -> str | None:
    answer = sentinel.execute_command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_NAME)
    return answer[0] if answer else None


def as_dict(reply: Any) -> dict[str, Any]:
    return reply if isinstance(reply, dict) else dict(zip(reply[::2], reply[1::2], strict=True))


class _Write(NamedTuple):
    writer: str       # vip | sentinel
    seq: int
    key: str
    start: float      # wall clock, seconds
    latency: float    # seconds until the answer or the error
    outcome: str      # ok | readonly | timeout | timeout_connect | refused | closed | reset | no_master | ...
    replicas: int     # WAIT's answer; -1 when unknown
    target: str       # address written to: the VIP, or the master Sentinel named


class Write(Timed, _Write):
    """One write of the Redis drill's writers."""

    __slots__ = ()


def error_kind(exc: BaseException) -> str:
    text = str(exc).lower()
    named = {redis.ReadOnlyError: "readonly", redis.BusyLoadingError: "loading", redis.exceptions.NoPermissionError: "noperm"}
    if kind := named.get(type(exc)):  # redis-py drops the error code from these messages
        return kind
    if isinstance(exc, redis.TimeoutError):
        return "timeout_connect" if "connecting" in text else "timeout"
    if isinstance(exc, redis.ConnectionError):
        words = {"refused": "refused", "reset": "reset", "closed": "closed", "no route": "unreachable"}
        return next((kind for word, kind in words.items() if word in text), "connection")
    if isinstance(exc, redis.ResponseError):  # ERR, NOREPLICAS, MASTERDOWN, ...
        return text.split()[0] if text else "error"
    return type(exc).__name__


class Writer(threading.Thread):
    """SET + WAIT 1 at a fixed rate on one connection, until stop is set or MAX_RUN."""

    def __init__(self, lab: Lab, name: str, runid: str, rate: float, stop: threading.Event) -> None:
        super().__init__(daemon=True, name=f"writer-{name}")
        self.lab, self.kind, self.runid, self.rate, self.stop = lab, name, runid, rate, stop
        self.samples: list[Write] = []
        self.conn: redis.Redis | None = None
        self.target = lab.vip if name == "vip" else ""
        self.sentinels = [client(lab, a, "sentinel") for a in lab.redis.values()] if name == "sentinel" else []

    def _connect(self) -> redis.Redis:
        if self.kind == "sentinel":
            for i, sentinel in enumerate(self.sentinels):
                with contextlib.suppress(redis.RedisError):
                    if named := master_of(sentinel):
                        self.target = named
                        self.sentinels.insert(0, self.sentinels.pop(i))
                        break
            else:
                raise LookupError("no Sentinel named a master")
        return client(self.lab, self.target, "app")

    def _write(self, seq: int) -> Write:
        key = f"drill:{self.runid}:{self.kind}:{seq}"
        start, t0 = time.time(), time.perf_counter()
        replicas, outcome = -1, "ok"
        try:
            self.conn = self.conn or self._connect()
            answers = self.conn.pipeline(transaction=False).set(key, key).wait(1, WAIT_MS).execute(raise_on_error=False)
            if isinstance(answers[0], Exception):
                raise answers[0]
            replicas = answers[1] if isinstance(answers[1], int) else -1  # acked even if WAIT failed
        except (redis.RedisError, LookupError) as exc:
            outcome = "no_master" if isinstance(exc, LookupError) else error_kind(exc)
            if self.conn is not None:
                self.conn.close()
            self.conn = None
        return Write(self.kind, seq, key, start, time.perf_counter() - t0, outcome, replicas, self.target)

    def run(self) -> None:
        due, end, seq = time.time(), time.time() + MAX_RUN, 0
        while time.time() < end and not self.stop.wait(max(0.0, due - time.time())):
            self.samples.append(self._write(seq))
            seq += 1
            due = max(due + 1 / self.rate, time.time())  # late: go on at once, no burst to catch up
        for c in [self.conn, *self.sentinels]:
            if c is not None:
                c.close()


class SentinelWatch(threading.Thread):
    """Polls one Sentinel every POLL s; keeps each change of its answer (None: no answer)."""

    def __init__(self, lab: Lab, host: str, stop: threading.Event, max_seconds: float = MAX_RUN) -> None:
        super().__init__(daemon=True, name=f"sentinel-{host}")
        self.lab, self.host, self.stop, self.max_seconds = lab, host, stop, max_seconds
        self.changes: list[tuple[float, str | None]] = []

    def run(self) -> None:
        c, end, last = client(self.lab, self.lab.redis[self.host], "sentinel"), time.time() + self.max_seconds, "-"
        while time.time() < end and not self.stop.is_set():
            try:
                answer = master_of(c)
            except redis.RedisError:
                answer = None
            if answer != last:
                self.changes.append((time.time(), answer))
                last = answer
            self.stop.wait(POLL)
        c.close()

    def first(self, since: float, accept: Callable[[str | None], bool]) -> float | None:
        return next((t for t, a in self.changes if t >= since and accept(a)), None)


class Returner(threading.Thread):
    """The killed master coming back: TCP accept time, then ROLE (monitor) and a direct SET (app)."""

    def __init__(self, lab: Lab, host: str, new_master: str, runid: str, stop: threading.Event) -> None:
        super().__init__(daemon=True, name=f"returner-{host}")
        self.lab, self.address, self.new_master, self.runid, self.stop = lab, lab.redis[host], new_master, runid, stop
        self.tcp_ts: float | None = None
        self.rejoined_ts: float | None = None
        self.roles: Counter[str] = Counter()
        self.role_changes: list[tuple[float, str]] = []
        self.direct_writes: Counter[str] = Counter()

    def run(self) -> None:
        end = time.time() + MAX_RUN
        while self.tcp_ts is None and time.time() < end and not self.stop.is_set():
            try:
                socket.create_connection((self.address, PORT), timeout=TIMEOUT).close()
                self.tcp_ts = time.time()
            except OSError:
                self.stop.wait(POLL)
        mon, app, n = client(self.lab, self.address, "monitor"), client(self.lab, self.address, "app"), 0
        while time.time() < end and not self.stop.is_set():
            try:
                role = mon.execute_command("ROLE")
                state = "master" if role[0] == "master" else f"{role[0]} of {role[1]} {role[3]}"
                if self.rejoined_ts is None and list(role[:4]) == ["slave", self.new_master, PORT, "connected"]:
                    self.rejoined_ts = time.time()
            except redis.RedisError as exc:
                state = f"error {error_kind(exc)}"
            self.roles[state] += 1
            if len(self.role_changes) < 200 and (not self.role_changes or self.role_changes[-1][1] != state):
                self.role_changes.append((time.time(), state))  # bounded: a node that never syncs flaps
            try:
                app.set(f"drill:{self.runid}:marker:{n}", "written to the returning old master")
                self.direct_writes["accepted"] += 1
            except redis.RedisError as exc:
                self.direct_writes[error_kind(exc)] += 1
            n += 1
            self.stop.wait(POLL)
        mon.close()
        app.close()


def master_moves(changes: list[tuple[float, str | None]], before: str) -> list[tuple[float, str]]:
    """When the master one Sentinel names changed, from `before` on; no answer is no change."""
    moves, last = [], before
    for t, answer in changes:
        if answer is not None and answer != last:
            moves.append((t, answer))
            last = answer
    return moves


def down_after(lab: Lab) -> dict[str, int]:
    """Host -> the down-after-milliseconds its Sentinel runs for the master (SENTINEL MASTER)."""
    values = {}
    for host, address in lab.redis.items():
        with client(lab, address, "sentinel", timeout=1) as s:
            state = as_dict(s.execute_command("SENTINEL", "MASTER", MASTER_NAME))
        values[host] = int(state["down-after-milliseconds"])
    return values


def set_down_after(lab: Lab, want: dict[str, int]) -> list[str]:
    """SENTINEL SET on each Sentinel whose value differs, until every one reports its own; the hosts set."""
    sent: list[str] = []

    def applied() -> bool:
        for host, ms in down_after(lab).items():
            if ms != want[host]:
                with client(lab, lab.redis[host], "sentinel", timeout=1) as s:
                    s.execute_command("SENTINEL", "SET", MASTER_NAME, "down-after-milliseconds", str(want[host]))
                sent.append(host)
        if (now := down_after(lab)) != want:
            raise NotReady(f"Sentinels report {now}")
        return True
    wait_until(f"every Sentinel to report down-after-milliseconds {want}", applied)
    return sorted(set(sent))
