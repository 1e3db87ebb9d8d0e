#!/usr/bin/env python3
"""Inject load-balancer faults on the lab and measure what clients saw.

Method
------
The lab comes from ``ansible-inventory -i inventories/lab --list``: the load balancers,
their containers and addresses, the VRRP instances and their VIPs. The preferred master
of each instance is computed by the project's own ``vrrp_priorities`` filter.

A probe sends ``GET /`` to a VIP at a fixed rate, each request on a new TCP connection
(so every request sees the current ARP entry and listener; no keep-alive hides a dead
node), and records start, latency, outcome and the ``X-Served-By`` / ``X-Load-Balancer``
headers. It runs ~2 s before and ~5 s after each fault, on the current holder of VI_1:

  a) ``podman kill`` of the holder's container (the node vanishes);
  b) HAProxy SIGKILLed and kept down (``Restart=no`` drop-in) while keepalived runs;
  c) ``systemctl stop keepalived`` (graceful: it sends priority-0 adverts);
  d) the killed node of (a) comes back: VIP moves in the 15 s after its keepalived is
     healthy (first BACKUP), i.e. preemption.

Every VRRP transition is logged by keepalived's notify script with a wall-clock stamp
(containers share the host's clock), so fault -> VIP time is that stamp minus the fault
time. Fault times are taken as close to the fault as possible: for (a) the moment the
main process of HAProxy or keepalived exits (pidfds; ``podman kill`` itself needs
~80 ms to send the signal), for (b) and (c) a ``date`` run in the container just before
``systemctl``.

Client failure window: from the start of the first failed request (in flight at or sent
after the fault) to the next successful answer to a request sent after that failure.
p99 covers every request in flight at or after the fault, failures counting with their
time to fail (timeout 1 s).

A soak then runs steady probe load while busy loops saturate every CPU, and counts
VRRP MASTER transitions (false failovers). Profile ``stock`` re-deploys the lab with
keepalived's stock timers (drills/stock-keepalived.yml); ``ours`` is always re-applied
at the end. After each fault the lab is restored and the drill polls, with a deadline,
until both load balancers serve and every VIP sits on its preferred master.
"""
from __future__ import annotations

import argparse
import concurrent.futures as cf
import datetime as dt
import http.client
import json
import os
import re
import select
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import jinja2
import yaml

ROOT = Path(__file__).resolve().parent.parent
INVENTORY = "inventories/lab"
PROFILES: dict[str, Path | None] = {"ours": None, "stock": ROOT / "drills/stock-keepalived.yml"}
TIMEOUT = 1.0          # client timeout (connect and read), seconds
PRE, POST = 2.0, 5.0   # probe window around a fault, seconds
RETURN_WINDOW = 15.0   # (d): how long VIP moves are counted after the old master is back
DEADLINE = 120.0       # restores must converge within this
DROPIN = "/run/systemd/system/haproxy.service.d/zz-drill.conf"


# ---------------------------------------------------------------- lab and commands
class Lab(NamedTuple):
    containers: dict[str, str]       # load balancer -> container name
    addresses: dict[str, str]        # load balancer -> its own address
    vips: dict[str, str]             # instance -> its first VIP
    preferred: dict[str, str]        # instance -> preferred master
    hostvars: dict[str, Any]         # of the first load balancer, as the inventory has them


def load_lab() -> Lab:
    out = subprocess.run(["ansible-inventory", "-i", INVENTORY, "--list"], cwd=ROOT,
                         check=True, capture_output=True, text=True).stdout
    inv = json.loads(out)
    lbs = inv["loadbalancers"]["hosts"]
    hostvars = inv["_meta"]["hostvars"]

    def render(host: str, var: str) -> str:
        # ansible-inventory does not template; the lab's values are plain Jinja of other vars.
        value, context = hostvars[host][var], {**hostvars[host], "inventory_hostname": host}
        while "{{" in str(value):
            value = jinja2.Template(value, undefined=jinja2.StrictUndefined).render(context)
        return value

    # The filter that wrote the priorities into keepalived.conf tells which node should win.
    sys.path.insert(0, str(ROOT / "filter_plugins"))
    import vrrp_priorities as vrrp

    instances = hostvars[lbs[0]]["keepalived_instances"]
    preferred = vrrp.preferred_masters(vrrp.vrrp_priorities(lbs, instances, hostvars))
    return Lab(containers={h: render(h, "ansible_host") for h in lbs},
               addresses={h: hostvars[h]["lab_address"] for h in lbs},
               vips={i["name"]: i["vips"][0].split("/")[0] for i in instances},
               preferred=preferred, hostvars=dict(hostvars[lbs[0]]))


def podman(*args: str, check: bool = True, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["podman", *args], check=check, capture_output=True, text=True, timeout=timeout)


def in_lb(lab: Lab, host: str, script: str, check: bool = True) -> str:
    return podman("exec", lab.containers[host], "sh", "-c", script, check=check).stdout


def wait_until(what: str, predicate: Callable[[], Any], deadline: float = DEADLINE) -> Any:
    """Poll predicate until it returns something truthy; fail loudly after deadline seconds."""
    end = time.time() + deadline
    while time.time() < end:
        try:
            if result := predicate():
                return result
        except (subprocess.SubprocessError, OSError):
            pass  # a container that is still booting refuses `podman exec`
        time.sleep(0.2)
    raise TimeoutError(f"gave up after {deadline:.0f} s waiting for {what}")


# ---------------------------------------------------------------- probe
class Sample(NamedTuple):
    start: float      # wall clock, seconds
    latency: float    # seconds until the answer or the error
    outcome: str      # ok | refused | timeout | reset | closed | unreachable | http_NNN | ...
    served_by: str
    lb: str


def get(address: str) -> Sample:
    start, t0 = time.time(), time.perf_counter()
    conn = http.client.HTTPConnection(address, 80, timeout=TIMEOUT)
    try:
        conn.request("GET", "/", headers={"Connection": "close"})
        resp = conn.getresponse()
        resp.read()
        outcome = "ok" if resp.status == 200 else f"http_{resp.status}"
        return Sample(start, time.perf_counter() - t0, outcome,
                      resp.getheader("X-Served-By", ""), resp.getheader("X-Load-Balancer", ""))
    except Exception as exc:  # every failure is data here, never a crash
        kind = {ConnectionRefusedError: "refused", TimeoutError: "timeout", ConnectionResetError: "reset",
                http.client.RemoteDisconnected: "closed"}.get(type(exc))
        if kind is None:
            kind = "unreachable" if getattr(exc, "errno", None) == 113 else type(exc).__name__
        return Sample(start, time.perf_counter() - t0, kind, "", "")
    finally:
        conn.close()


class Probe:
    """Requests at a fixed rate on fresh connections, until stop() or max_seconds."""

    def __init__(self, addresses: list[str], rate: float, max_seconds: float) -> None:
        self.addresses, self.rate, self.max_seconds = addresses, rate, max_seconds
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
        workers = int(self.rate * TIMEOUT * 2.5) + 16
        t0, futures = time.time(), []
        with cf.ThreadPoolExecutor(max_workers=workers) as pool:
            for i in range(int(self.rate * self.max_seconds)):
                due = t0 + i / self.rate
                if self._stop.wait(max(0.0, due - time.time())):
                    break
                futures.append(pool.submit(get, self.addresses[i % len(self.addresses)]))
        self.samples = sorted((f.result() for f in futures), key=lambda s: s.start)

    def stop(self) -> list[Sample]:
        self._stop.set()
        self._thread.join()
        return self.samples


# ---------------------------------------------------------------- VRRP state
def holders(lab: Lab) -> dict[str, set[str]]:
    """instance -> load balancers that hold its VIP right now (from `ip -o addr`)."""
    held: dict[str, set[str]] = {i: set() for i in lab.vips}
    for host in lab.containers:
        out = in_lb(lab, host, "ip -o -4 addr show", check=False)
        for instance, vip in lab.vips.items():
            if re.search(rf"inet {re.escape(vip)}/", out):
                held[instance].add(host)
    return held


def transitions(lab: Lab, since: float, until: float = float("inf")) -> list[dict[str, Any]]:
    """keepalived-notify lines of every load balancer with since <= ts < until, by time."""
    found = []
    for host in lab.containers:
        out = in_lb(lab, host, f"journalctl -q -t keepalived-notify -o cat --since @{int(since) - 1}", check=False)
        for line in out.splitlines():
            fields = dict(kv.split("=", 1) for kv in line.split() if "=" in kv)
            if "ts" in fields and since <= float(fields["ts"]) < until:
                found.append({**fields, "ts": float(fields["ts"])})
    # Notify scripts run concurrently, so journal order is not transition order.
    return sorted(found, key=lambda t: t["ts"])


def first_master(moves: list[dict[str, Any]], instance: str, host: str | None = None,
                 not_host: str | None = None) -> float | None:
    return next((m["ts"] for m in moves if m["instance"] == instance and m["state"] == "MASTER"
                 and (host is None or m["host"] == host) and m["host"] != not_host), None)


def lab_ready(lab: Lab) -> bool:
    """Both load balancers run both services and serve; every VIP is on its preferred master."""
    for host in lab.containers:
        if in_lb(lab, host, "systemctl is-active haproxy keepalived", check=False).split() != ["active"] * 2:
            return False
        if (s := get(lab.addresses[host])).outcome != "ok" or s.lb != host:
            return False
    if holders(lab) != {i: {h} for i, h in lab.preferred.items()}:
        return False
    return all((s := get(lab.vips[i])).outcome == "ok" and s.lb == h for i, h in lab.preferred.items())


def live_config(lab: Lab) -> dict[str, Any]:
    """What keepalived actually runs with (read back from the first load balancer)."""
    host = next(iter(lab.containers))
    conf = in_lb(lab, host, "cat /etc/keepalived/keepalived.conf")

    def number(keyword: str) -> float:
        found = re.search(rf"^\s*{keyword} ([\d.]+)", conf, re.M)
        return float(found.group(1)) if found else 0.0  # preempt_delay is left out when 0
    return {"advert_int": number("advert_int"), "preempt_delay": number("preempt_delay"),
            "tracking": bool(re.search(r"^\s*(track_file|track_script|vrrp_track_file|vrrp_script)\b", conf, re.M)),
            "nopreempt": "nopreempt" in conf,
            # The role leaves its track drop-in behind when tracking is turned off: reported.
            "haproxy_dropins": in_lb(lab, host, "ls /etc/systemd/system/haproxy.service.d/", check=False).split()}


def apply_profile(lab: Lab, profile: str, log: Path) -> dict[str, Any]:
    cmd = ["ansible-playbook", "-i", INVENTORY, "playbooks/site.yml"]
    if extra := PROFILES[profile]:
        cmd += ["-e", f"@{extra.relative_to(ROOT)}"]
    print(f"[{profile}] applying: {' '.join(cmd[1:])} (log: {log})", flush=True)
    with log.open("a") as out:
        subprocess.run(cmd, cwd=ROOT, check=True, stdout=out, stderr=subprocess.STDOUT, timeout=900)
    wait_until("the lab to serve from the preferred layout", lambda: lab_ready(lab))
    return live_config(lab)


# ---------------------------------------------------------------- faults
def kill_timed(container: str, units: list[str]) -> float:
    """podman kill; return the moment the first of these units' main processes died.
    `podman kill` takes ~80 ms to send the signal, and PID 1 exits only once the kernel has
    reaped the whole namespace: the fault is when the service's process dies."""
    mains = podman("exec", container, "systemctl", "show", "-p", "MainPID", "--value", *units).stdout.split()
    hpid = dict(line.split() for line in podman("top", container, "pid", "hpid").stdout.splitlines()[1:])
    pidfds = [os.pidfd_open(int(hpid[pid])) for pid in mains]
    try:
        proc = subprocess.Popen(["podman", "kill", container], stdout=subprocess.DEVNULL)
        if not select.select(pidfds, [], [], 30)[0]:
            raise TimeoutError(f"{', '.join(units)} of {container} still run 30 s after podman kill")
        died = time.time()
        if proc.wait(timeout=30):
            raise RuntimeError(f"podman kill {container} failed")
        return died
    finally:
        for fd in pidfds:
            os.close(fd)


def kill_container(lab: Lab, host: str) -> float:
    return kill_timed(lab.containers[host], ["haproxy", "keepalived"])


def start_container(lab: Lab, host: str) -> None:
    podman("start", lab.containers[host])
    wait_until(f"systemd on {host}", lambda: in_lb(lab, host, "systemctl is-system-running", check=False).strip()
               in ("running", "degraded"))
    wait_until(f"haproxy and keepalived on {host}",
               lambda: in_lb(lab, host, "systemctl is-active haproxy keepalived", check=False).split() == ["active"] * 2)


def stamped(lab: Lab, host: str, command: str) -> float:
    """Run command in the container; return the container's clock just before it ran."""
    return float(in_lb(lab, host, f"date +%s.%N && {command} >/dev/null").split()[0])


def kill_haproxy(lab: Lab, host: str) -> float:
    # Debian's unit restarts HAProxy at once; the drill wants it to stay down.
    in_lb(lab, host, f"mkdir -p {os.path.dirname(DROPIN)} && printf '[Service]\\nRestart=no\\n' > {DROPIN}"
          " && systemctl daemon-reload")
    return stamped(lab, host, "systemctl kill -s KILL haproxy")


def restore_haproxy(lab: Lab, host: str) -> None:
    in_lb(lab, host, f"rm -f {DROPIN} && systemctl daemon-reload && systemctl start haproxy")


# name -> (description, inject: returns the fault's wall-clock time, restore: idempotent)
FAULTS: dict[str, tuple[str, Callable[[Lab, str], float], Callable[[Lab, str], object]]] = {
    "a_kill_container": ("podman kill of the VIP holder", kill_container, start_container),
    "b_kill_haproxy": ("HAProxy SIGKILLed, stays down", kill_haproxy, restore_haproxy),
    "c_stop_keepalived": ("keepalived stopped (graceful)", lambda lab, h: stamped(lab, h, "systemctl stop keepalived"),
                          lambda lab, h: in_lb(lab, h, "systemctl start keepalived")),
}


# ---------------------------------------------------------------- analysis
def p99_ms(latencies: list[float]) -> float | None:
    """Nearest-rank 99th percentile, in milliseconds."""
    return round(sorted(latencies)[-(-len(latencies) * 99 // 100) - 1] * 1000, 1) if latencies else None


def client_impact(samples: list[Sample], event: float) -> dict[str, Any]:
    hit = [s for s in samples if s.start + s.latency >= event]
    failed = [s for s in hit if s.outcome != "ok"]
    first = failed[0].start if failed else None
    # The next success is the first answer received from a request sent after the first
    # failure: by completion, because a request sent into the outage can still succeed
    # late, on a SYN retransmission, after a newer request has already been answered.
    back = min((s.start + s.latency for s in hit if s.outcome == "ok" and first is not None and s.start > first),
               default=None)
    return {
        "requests": len(hit), "failed": len(failed),
        "failed_before_event": sum(1 for s in samples if s.start + s.latency < event and s.outcome != "ok"),
        "errors": dict(Counter(s.outcome for s in failed)),
        "first_failure_s": None if first is None else round(first - event, 4),
        # None with failures means no request succeeded again inside the probe window.
        "failure_window_s": 0.0 if first is None else (None if back is None else round(back - first, 4)),
        "p99_ms": p99_ms([s.latency for s in hit]),
        "p99_ok_ms": p99_ms([s.latency for s in hit if s.outcome == "ok"]),
        "served_by_lb": dict(Counter(s.lb for s in hit if s.outcome == "ok")),
    }


def event_result(samples: list[Sample], event: float, moves: list[dict[str, Any]],
                 vip_ts: float | None) -> dict[str, Any]:
    return {"event_ts": event, "vip_s": None if vip_ts is None else round(vip_ts - event, 4),
            "vip_moves": [{"t_s": round(m["ts"] - event, 3), "host": m["host"], "instance": m["instance"]}
                          for m in moves if m["state"] == "MASTER"],
            "transitions": [{**m, "t_s": round(m["ts"] - event, 3)} for m in moves],
            **client_impact(samples, event)}


# ---------------------------------------------------------------- drills
def run_fault(lab: Lab, name: str, rate: float, out: dict[str, list[Any]]) -> None:
    """One fault on the current VI_1 holder, its restore, and for (a) the return of the old master."""
    label, inject, restore = FAULTS[name]
    vi1 = next(iter(lab.vips))
    holder = next(iter(holders(lab)[vi1]))
    try:
        with Probe([lab.vips[vi1]], rate, PRE + POST + 30) as probe:
            time.sleep(PRE)  # fixed probe window: the baseline before the fault
            fault = inject(lab, holder)
            time.sleep(max(0.0, fault + POST - time.time()))  # fixed probe window after it
        moves = transitions(lab, fault, fault + POST)
        result = event_result(probe.samples, fault, moves, first_master(moves, vi1, not_host=holder))
        out[name].append({**result, "fault": label, "holder": holder, "samples": probe.samples})
        print(f"  {name}: VIP after {result['vip_s']} s, window {result['failure_window_s']} s, "
              f"failed {result['failed']}/{result['requests']}, p99 {result['p99_ms']} ms", flush=True)
        if name == "a_kill_container":
            old_master_returns(lab, holder, vi1, rate, out)  # its restart is the restore
    finally:
        restore(lab, holder)  # idempotent; also runs when the drill fails half-way
    wait_until("the lab to serve from the preferred layout", lambda: lab_ready(lab))


def old_master_returns(lab: Lab, host: str, vi1: str, rate: float, out: dict[str, list[Any]]) -> None:
    """(d): restart the killed node; count VIP moves once its keepalived is healthy again."""
    with Probe([lab.vips[vi1]], rate, PRE + DEADLINE + RETURN_WINDOW) as probe:
        time.sleep(PRE)
        started = time.time()
        start_container(lab, host)

        def healthy() -> float | None:
            # First BACKUP of the returning node: keepalived up and out of FAULT, eligible to preempt.
            return next((t["ts"] for t in transitions(lab, started) if t["host"] == host and t["state"] == "BACKUP"), None)
        back = wait_until(f"keepalived on {host} to report BACKUP", healthy)
        time.sleep(max(0.0, back + RETURN_WINDOW - time.time()))  # fixed observation window
    moves = transitions(lab, started, back + RETURN_WINDOW)
    result = event_result(probe.samples, back, moves, first_master(moves, vi1, host=host))
    out["d_old_master_returns"].append({**result, "fault": "old master back (after a)", "holder": host,
                                        "started_s": round(started - back, 3), "samples": probe.samples})
    print(f"  d_old_master_returns: {len(result['vip_moves'])} move(s) at "
          f"{[m['t_s'] for m in result['vip_moves']]} s after healthy, failed {result['failed']}", flush=True)


def soak(lab: Lab, rate: float, seconds: float) -> dict[str, Any]:
    """Steady load with every CPU busy: any MASTER transition is a false failover."""
    end = f"import time\nend = time.monotonic() + {seconds + 5}\nwhile time.monotonic() < end: pass"
    hogs = [subprocess.Popen([sys.executable, "-c", end]) for _ in range(os.cpu_count() or 2)]
    try:
        start = time.time()
        with Probe(list(lab.vips.values()), rate, seconds + 1) as probe:
            time.sleep(seconds)  # fixed soak window
    finally:
        for hog in hogs:  # bounded by themselves too; killed so nothing outlives the drill
            hog.kill()
            hog.wait()
    moves = transitions(lab, start, start + seconds + 1)
    impact = client_impact(probe.samples, start)
    return {"seconds": seconds, "start_ts": start, "cpu_hogs": len(hogs),
            "master_transitions": sum(m["state"] == "MASTER" for m in moves),
            "transitions": moves, **{k: impact[k] for k in ("requests", "failed", "errors", "p99_ms")}}


def run_profile(lab: Lab, profile: str, args: argparse.Namespace, config: dict[str, Any]) -> dict[str, Any]:
    runs: dict[str, list[Any]] = {name: [] for name in [*FAULTS, "d_old_master_returns"]}
    for i in range(args.repeat):
        print(f"[{profile}] run {i + 1}/{args.repeat}", flush=True)
        for name in FAULTS:
            wait_until("the lab to serve from the preferred layout", lambda: lab_ready(lab))
            run_fault(lab, name, args.rate, runs)
    result: dict[str, Any] = {"config": config, "faults": {}}
    for name, items in runs.items():
        result["faults"][name] = {"fault": items[0]["fault"], "median": medians(items), "runs": items}
    if args.soak > 0:
        print(f"[{profile}] soak {args.soak:.0f} s with every CPU busy", flush=True)
        result["soak"] = soak(lab, args.rate, args.soak)
        moves = [f"{m['host']} {m['instance']} {m['state']} at +{m['ts'] - result['soak']['start_ts']:.3f} s"
                 for m in result["soak"]["transitions"]]
        print(f"  MASTER transitions: {result['soak']['master_transitions']} {moves}, "
              f"failed {result['soak']['failed']}", flush=True)
    return result


def medians(items: list[dict[str, Any]]) -> dict[str, Any]:
    def med(key: str) -> float | None:
        values = [r[key] for r in items if r[key] is not None]
        return round(statistics.median(values), 4) if values else None
    return {"vip_s": med("vip_s"), "failure_window_s": med("failure_window_s"), "p99_ms": med("p99_ms"),
            "failed": sum(r["failed"] for r in items), "requests": sum(r["requests"] for r in items),
            "no_vip_move": sum(r["vip_s"] is None for r in items),
            "no_recovery": sum(r["failure_window_s"] is None for r in items),
            "vip_moves": [len(r["vip_moves"]) for r in items]}


# ---------------------------------------------------------------- reports
def seconds(value: float | None, missing: str) -> str:
    return missing if value is None else f"{value:.3f} s"


def markdown(report: dict[str, Any]) -> str:
    lines = ["| fault | profile | VIP moved after | client failure window | failed / requests | p99 |",
             "|---|---|---|---|---|---|"]
    faults = next(iter(report["profiles"].values()))["faults"]
    for name in faults:
        for profile, res in report["profiles"].items():
            m = res["faults"][name]["median"]
            vip = seconds(m["vip_s"], "never")
            if name.startswith("d_"):
                vip += f" ({'/'.join(map(str, m['vip_moves']))} moves)"
            window = seconds(m["failure_window_s"], f"no recovery in {POST:.0f} s")
            if m["no_recovery"] and m["failure_window_s"] is not None:
                window += f" ({m['no_recovery']} runs: no recovery)"
            lines.append(f"| {name} | {profile} | {vip} | {window} | {m['failed']} / {m['requests']} | {m['p99_ms']} ms |")
    for profile, res in report["profiles"].items():
        if s := res.get("soak"):
            lines.append(f"| soak {s['seconds']:.0f} s, CPUs busy | {profile} | {s['master_transitions']} MASTER transitions "
                         f"| | {s['failed']} / {s['requests']} | {s['p99_ms']} ms |")
    lines += ["", "Medians over the runs; failed / requests summed. VIP time: fault to the backup's MASTER",
              "notify (for d: the returning node, from its first BACKUP). Failure window: first failed request",
              "to the next success. p99 includes failures at their time to fail (timeout 1 s)."]
    return "\n".join(lines) + "\n"


def plot(report: dict[str, Any], path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    profiles = report["profiles"]
    names = list(next(iter(profiles.values()))["faults"])
    fig, axes = plt.subplots(len(profiles), len(names), figsize=(5 * len(names), 3.6 * len(profiles)),
                             squeeze=False, sharey=True)
    for row, (profile, res) in enumerate(profiles.items()):
        for col, name in enumerate(names):
            ax, run = axes[row][col], res["faults"][name]["runs"][0]
            for ok, colour, size in ((True, "tab:green", 3), (False, "tab:red", 9)):
                pts = [(s.start - run["event_ts"], s.latency * 1000) for s in run["samples"] if (s.outcome == "ok") == ok]
                if pts:
                    ax.scatter(*zip(*pts, strict=True), s=size, c=colour, label="ok" if ok else "failed", zorder=2 + (not ok))
            ax.axvline(0, color="black", lw=1, label="fault" if not name.startswith("d_") else "old master healthy")
            if run["vip_s"] is not None:
                ax.axvline(run["vip_s"], color="tab:blue", ls="--", lw=1, label=f"VIP move (+{run['vip_s']:.3f} s)")
            ax.set_yscale("log")
            window = "no recovery" if run["failure_window_s"] is None else f"{run['failure_window_s']:.3f} s"
            ax.set_title(f"{profile}: {name}\nfailed {run['failed']}/{run['requests']}, window {window}", fontsize=9)
            ax.set_xlabel("seconds from " + ("old master healthy" if name.startswith("d_") else "fault"))
            ax.legend(fontsize=7, loc="upper left")
        axes[row][0].set_ylabel("latency (ms)")
    fig.suptitle(f"Load-balancer failover drill, {report['date']}, {report['rate']:.0f} req/s, new connection each")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def write_reports(report: dict[str, Any], out: Path) -> None:
    plot(report, out / "lb-failover.png")
    samples: dict[str, Any] = {}  # raw requests go to their own file: the summary stays readable
    for profile, res in report["profiles"].items():
        for name, fault in res["faults"].items():
            for run in fault["runs"]:
                rows = run.pop("samples")
                samples.setdefault(profile, {}).setdefault(name, []).append(
                    {"event_ts": run["event_ts"], "fields": ["t_s", "latency_s", "outcome", "served_by", "lb"],
                     "rows": [[round(s.start - run["event_ts"], 4), round(s.latency, 5), *s[2:]] for s in rows]})
    (out / "lb-failover.json").write_text(json.dumps(report, indent=1) + "\n")
    (out / "lb-failover-samples.json").write_text(json.dumps(samples) + "\n")
    table = markdown(report)
    (out / "lb-failover.md").write_text(f"# Load-balancer failover drill, {report['date']}\n\n{table}")
    print("\n" + table)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each fault (default 3)")
    parser.add_argument("--rate", type=float, default=200, help="probe requests per second (default 200)")
    parser.add_argument("--profiles", default="ours", help="comma-separated: ours (the inventory), stock (default ours)")
    parser.add_argument("--soak", type=float, default=60, help="seconds of CPU-saturated soak per profile; 0 skips")
    parser.add_argument("--out", type=Path, default=ROOT / "reports")
    args = parser.parse_args()
    # The Ansible tools next to this Python (the venv), whatever PATH says.
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    profiles = args.profiles.split(",")
    if unknown := set(profiles) - set(PROFILES):
        parser.error(f"unknown profile(s) {sorted(unknown)}; choose from {sorted(PROFILES)}")
    args.out.mkdir(parents=True, exist_ok=True)
    log = args.out / "lb-failover-ansible.log"
    log.write_text("")

    began, lab = time.time(), load_lab()
    report: dict[str, Any] = {"date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "rate": args.rate,
                              "repeat": args.repeat, "soak_s": args.soak, "probe_window_s": [PRE, POST],
                              "timeout_s": TIMEOUT, "inventory": INVENTORY, "preferred_masters": lab.preferred,
                              "vips": lab.vips, "profiles": {}}
    applied = "ours"
    try:
        for profile in profiles:
            extra = PROFILES[profile]
            overrides = yaml.safe_load(extra.read_text()) if extra else {}
            want = {**lab.hostvars, **overrides}
            config = live_config(lab)
            # Skip the ~40 s playbook when the lab already runs this profile's timers and tracking.
            if (config["advert_int"] != float(want["keepalived_advert_int"])
                    or config["tracking"] != bool(want.get("keepalived_track_haproxy", True))):
                applied = profile
                config = apply_profile(lab, profile, log)
            print(f"[{profile}] keepalived runs with {config}", flush=True)
            if config["tracking"] != bool(want.get("keepalived_track_haproxy", True)):
                print(f"[{profile}] WARNING: HAProxy tracking in keepalived.conf does not match the profile", flush=True)
            report["profiles"][profile] = run_profile(lab, profile, args, config)
    finally:
        try:  # what was measured is written even if the run or the restore below fails
            if report["profiles"]:
                report["advert_int"] = {name: res["config"]["advert_int"] for name, res in report["profiles"].items()}
                report["duration_s"] = round(time.time() - began, 1)
                write_reports(report, args.out)
        finally:
            if applied != "ours":
                try:
                    apply_profile(lab, "ours", log)
                except Exception:
                    print(f"!! the lab still runs profile {applied!r}; restore it with: "
                          f"ansible-playbook -i {INVENTORY} playbooks/site.yml (log: {log})", flush=True)
                    raise
    print(f"done in {time.time() - began:.0f} s; reports in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
