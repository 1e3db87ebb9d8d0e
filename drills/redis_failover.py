#!/usr/bin/env python3
"""Kill the Redis master on the lab and measure what writers saw and which writes were lost.

Method
------
The lab, writers and watchers: hafront/redis_probe.py (group ``redis``, the first VIP of
the load balancers; passwords from $HAFRONT_LAB_SECRETS or ~/.local/share/hafront/lab).

Two writers, each on one connection as ACL user ``app``, at a fixed rate: ``vip`` through
HAProxy (first VIP, port 6379) and ``sentinel`` to the master ``SENTINEL
get-master-addr-by-name`` names (the first Sentinel that answers wins and is asked first
next time, as in redis-py). A write is ``SET key key`` + ``WAIT 1 100`` pipelined: acked
when SET says OK, confirmed when WAIT counted a replica. Timeouts are 0.25 s, no client
retries; a failure drops the connection (and rediscovers the master), the next tick
reconnects. A write that overruns its slot delays the next: no catch-up bursts.

A run: 2 s of writes, ``podman kill`` of the master's container, timed when redis-server's
main process exits (pidfd; sockets close a few ms earlier, so writes failing up to 20 ms
before count as in flight). Sentinels are polled every 20 ms: the new master is named at
the first answer naming another node. 3 s after the VIP writer succeeds again, ``podman
start`` brings the old master back; from when it accepts TCP, every 20 ms, ``ROLE`` as
``monitor`` (``master`` answers counted) and a direct ``SET`` as ``app`` (must fail with
READONLY; successes counted). It has rejoined when ROLE says replica of the new master,
link ``connected``; writers stop 3 s later.

Write gap (per writer): start of the first failed write in flight at or after the kill to
completion of the next success sent after it, i.e. how long a client that keeps retrying
cannot write; recovered: kill to that completion. p99: writes in flight at or after the
kill, failures at their time to fail. Acked keys are read back (MGET, as ``admin``) on
the master all Sentinels name. A missing one is lost at the kill if written before
Sentinel named the new master, after the return if written after the VIP path recovered
(the old master's return is the only event after that), else in between. The run's keys
are then deleted; the samples file keeps every write.

Before the first run and after each, the drill waits (deadline) for a healthy tier: one
master, two replicas with the link up, every Sentinel naming it with two healthy replicas
and two other Sentinels, a write through the VIP. Each run kills the master of the moment.

Extra master changes (per run): for each Sentinel, the changes of the master it names
(no answer is no change) from the one before the kill; beyond the one failover expected,
each further change (say Sentinel failing the freshly promoted master over) counts, the
most any Sentinel saw. An attempt that promotes no one is not counted.

``--down-after 500,1000`` compares Sentinel's down-after-milliseconds in one drill. Each
Sentinel's value is read first (``SENTINEL MASTER``). Per value, in the order given:
``SENTINEL SET <master> down-after-milliseconds <ms>`` on every Sentinel (they do not
share it) until every one reports it, then ``--repeat`` runs, the value checked after each
(the killed Sentinel restarts from its file). At the end, also after an error or Ctrl-C,
each Sentinel gets its own earlier value back, verified the same way, before
``--rerun-site`` (site.yml would set it back itself and count that as a change). The
first value is the one under test (e.g. the lab's 500): the top-level runs, summary and
targets are its; the others are for comparison. Every value's runs and summary are under
``profiles``, what the Sentinels ran before under ``down_after_before``. Without the
option the lab's value is left alone and the report has no ``profiles``.

``--rerun-site`` re-applies playbooks/site.yml: recap changed=0, and the master stays
(``--rerun-verbose``: at -vvv; the log is ``redis-failover-ansible.log`` in ``--out``).
"""
from __future__ import annotations

import argparse
import contextlib
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import redis

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from hafront import lab as labkit  # noqa: E402
from hafront.clientview import first_outage, longest_gap, median, over_runs, p99, rel  # noqa: E402
from hafront.clientview import ms as to_ms  # noqa: E402
from hafront.lab import LabError  # noqa: E402
from hafront.redis_master import master_by_sentinels  # noqa: E402
from hafront.redis_probe import (DEADLINE, MASTER_NAME, PORT, TIMEOUT, WAIT_MS, Lab, NotReady, Returner,  # noqa: E402
                                 SentinelWatch, Write, Writer, as_dict, client, down_after, load_lab, master_moves,
                                 master_of, set_down_after, wait_until)
from hafront.report import drill_parser, figure, head, header, panel, provenance_line, row, save_figure, write_reports  # noqa: E402

ROOT = labkit.ROOT
KILL_SLACK = 0.02     # writes that failed this long before the seen exit were in flight at the fault
PRE, SETTLE, POST = 2.0, 3.0, 3.0  # writes before the kill; VIP back -> old master start; rejoined -> stop
DOWN_AFTER_MS = (100, 30000)  # --down-after bounds: the role's minimum; a failover well within a run's waits
WRITERS = ("vip", "sentinel")
TARGETS = {  # name -> (limit, what it measures)
    "vip_write_gap_median_s": (1.5, "write gap through the VIP, median (s)"),
    "acked_lost_after_return": (0, "acknowledged writes lost because of the old master's return"),
    "confirmed_lost": (0, "WAIT-confirmed writes lost"),
    "old_master_seen_as_master": (0, "ROLE polls of the returning old master that said master"),
    "old_master_direct_writes_accepted": (0, "direct writes the returning old master accepted"),
    "rerun_changed": (0, "changed tasks when site.yml runs again"),
    "rerun_master_unchanged": (True, "Sentinel master the same before, during and after the rerun"),
}


# ---------------------------------------------------------------- the tier's state
def healthy(lab: Lab) -> str:
    """The master's host when the tier is healthy, else NotReady with the reason."""
    roles = {}
    for host, address in lab.redis.items():
        with client(lab, address, "monitor", timeout=1) as c:
            roles[host] = c.execute_command("ROLE")
    if len(masters := [h for h, role in roles.items() if role[0] == "master"]) != 1:
        raise NotReady(f"masters by ROLE: {masters}")
    master, address = masters[0], lab.redis[masters[0]]
    for host, role in roles.items():
        if host != master and list(role[:4]) != ["slave", address, PORT, "connected"]:
            raise NotReady(f"{host} ROLE {role[:4]}")
    for host, sentinel_address in lab.redis.items():
        with client(lab, sentinel_address, "sentinel", timeout=1) as s:
            named = master_of(s)
            state = as_dict(s.execute_command("SENTINEL", "MASTER", MASTER_NAME))
            replicas = [as_dict(r) for r in s.execute_command("SENTINEL", "REPLICAS", MASTER_NAME)]
        if named != address:
            raise NotReady(f"Sentinel on {host} names {named}, ROLE says {address}")
        flags = {f for r in replicas for f in r["flags"].split(",")} & {"s_down", "o_down", "disconnected"}
        if int(state["num-other-sentinels"]) != 2 or len(replicas) != 2 or flags:
            raise NotReady(f"Sentinel on {host}: {state['num-other-sentinels']} other Sentinels, "
                           f"{len(replicas)} replicas, flags {sorted(flags)}")
    with client(lab, lab.vip, "app", timeout=1) as c:
        if not c.set("drill:health", "1", ex=60):
            raise NotReady("SET through the VIP failed")
    return master


def agreed_master(lab: Lab) -> str:
    """The master by the platform's one rule (hafront.redis_master: a strict majority of the
    Sentinels, a silent one counting against), if that node says ROLE master."""
    answers: dict[str, str | None] = {}
    for host, address in lab.redis.items():
        answers[host] = None
        with client(lab, address, "sentinel", timeout=1) as s, contextlib.suppress(redis.RedisError):
            answers[host] = master_of(s)
    if (address := master_by_sentinels(answers).master) is None:
        raise NotReady(master_by_sentinels(answers).describe())
    with client(lab, address, "monitor", timeout=1) as c:
        if c.execute_command("ROLE")[0] != "master":
            raise NotReady(f"Sentinels name {address}, which is not ROLE master")
    return address


# ---------------------------------------------------------------- one run
def writer_result(ws: list[Write], kill: float, started: float | None) -> dict[str, Any]:
    g = first_outage(ws, kill - KILL_SLACK)  # type: ignore[arg-type]  (a Write is a sample too)
    # The longest span without an acknowledged write, anywhere after the kill (the old
    # master's return included), not only the first run of failures.
    span = longest_gap(ws, kill - KILL_SLACK)  # type: ignore[arg-type]
    late = [w for w in ws if started and w.start >= started and w.outcome != "ok"]
    return {"writes": len(ws), "acked": sum(w.outcome == "ok" for w in ws),
            "confirmed": sum(w.outcome == "ok" and w.replicas >= 1 for w in ws),
            "failed": len(g["failed"]), "errors": dict(Counter(w.outcome for w in g["failed"])),
            "failed_before_kill": sum(w.outcome != "ok" for w in ws if w.start + w.latency < kill - KILL_SLACK),
            "failed_after_return": len(late), "errors_after_return": dict(Counter(w.outcome for w in late)),
            "first_failure_s": rel(g["first"], kill), "recovered_s": rel(g["back"], kill),
            "write_gap_s": span["longest_gap_s"] if span["recovered"] else None,
            "first_window_s": None if g["back"] is None else round(g["back"] - g["first"], 4),
            "p99_ms": to_ms(p99(w.latency for w in g["hit"])),
            "acked_by": dict(Counter(w.target for w in ws if w.outcome == "ok"))}


def run_once(lab: Lab, index: int, rate: float) -> dict[str, Any]:
    """Kill the master, wait for the new one and the VIP, bring the old one back; then count."""
    old = wait_until("a healthy Redis tier", lambda: healthy(lab))
    old_addr, runid = lab.redis[old], f"{int(time.time())}r{index + 1}"
    stop, problems = threading.Event(), []
    watches = {h: SentinelWatch(lab, h, stop) for h in lab.redis}
    writers = {name: Writer(lab, name, runid, rate, stop) for name in WRITERS}
    ret: Returner | None = None
    kill, kill_source, killing, started, new_ts, new_addr, vip_back = 0.0, "", False, None, None, None, None
    print(f"run {index + 1}: master {old} ({old_addr}), run id {runid}", flush=True)
    for thread in [*watches.values(), *writers.values()]:
        thread.start()

    def waited(what: str, predicate: Callable[[], Any], deadline: float = 60) -> Any:
        try:  # a deadline missed here is a result (reported), not a broken lab
            return wait_until(what, predicate, deadline)
        except TimeoutError as exc:
            problems.append(str(exc))
            return None

    def named_new() -> float | None:
        return min((t for w in watches.values() if (t := w.first(kill, lambda a: a not in (None, old_addr)))),
                   default=None)
    try:
        time.sleep(PRE)  # fixed window: the baseline before the kill
        killing = True
        kill, kill_source = labkit.kill_timed(lab.containers[old], ["redis-server"], required=False)
        new_ts = waited("a Sentinel to name a new master", named_new)
        new_addr = next((a for w in watches.values() for t, a in w.changes if t == new_ts), None)
        vip_back = waited("a write through the VIP to succeed again",
                          lambda: first_outage(writers["vip"].samples[:], kill - KILL_SLACK)["back"])
        time.sleep(SETTLE)  # fixed window: writes through the new master before the old one returns
        if new_addr:
            ret = Returner(lab, old, new_addr, runid, stop)
            ret.start()
        started = time.time()
        labkit.podman("start", lab.containers[old])
        if (back := ret) is not None:
            waited(f"{old} to be a connected replica of {new_addr}", lambda: back.rejoined_ts, DEADLINE)
        time.sleep(POST)  # fixed window: writes after the old master rejoined
    finally:
        stop.set()
        for thread in [*watches.values(), *writers.values(), *([ret] if ret else [])]:
            thread.join(timeout=30)
        if started is None and killing:  # the run broke between kill and restart: bring the node back
            labkit.podman("start", lab.containers[old], check=False)

    samples = {name: w.samples for name, w in writers.items()}
    lost, markers = reconcile(lab, [w for ws in samples.values() for w in ws], runid)
    missing = [w for ws in samples.values() for w in ws if w.key in lost]
    by = {name: writer_result(ws, kill, started) for name, ws in samples.items()}
    agree = [w.first(kill, lambda a: a == new_addr) for h, w in watches.items() if h != old]
    since = started or kill  # the old master's times count from its podman start
    # The returning node's own Sentinel names the old master until it hears of the new epoch.
    own = [(t, a) for t, a in watches[old].changes if t >= since]
    stale = next(((t, own[i + 1][0] if i + 1 < len(own) else None) for i, (t, a) in enumerate(own) if a == old_addr),
                 None)
    # the Sentinel that saw the most master changes; of those, the first to see the failover
    moves = max((master_moves(w.changes, old_addr) for w in watches.values()), key=lambda m: (len(m), -m[0][0] if m else 0))
    host_of = {a: h for h, a in lab.redis.items()}
    r: dict[str, Any] = {
        "runid": runid, "old_master": old, "new_master": next((h for h, a in lab.redis.items() if a == new_addr), None),
        "kill_ts": kill, "kill_ts_source": kill_source, "sentinel_new_master_s": rel(new_ts, kill),
        "sentinels_agree_s": None if None in agree else rel(max(agree), kill),  # type: ignore[type-var]
        "vip_write_gap_s": by["vip"]["write_gap_s"], "vip_recovered_s": by["vip"]["recovered_s"],
        "sentinel_write_gap_s": by["sentinel"]["write_gap_s"], "sentinel_recovered_s": by["sentinel"]["recovered_s"],
        "acked_lost_at_kill": sum(new_ts is None or w.start < new_ts for w in missing),
        "acked_lost_between": sum(new_ts is not None and w.start >= new_ts and (vip_back is None or w.start < vip_back)
                                  for w in missing),
        "acked_lost_after_return": sum(vip_back is not None and w.start >= vip_back for w in missing),
        "confirmed_lost": sum(w.replicas >= 1 for w in missing), "lost_keys": sorted(lost)[:50],
        "markers_on_master": markers, "p99_ms": {name: w["p99_ms"] for name, w in by.items()}, "writers": by,
        "old_master_started_s": rel(started, kill), "problems": problems,
        "old_master_tcp_s": rel(ret.tcp_ts, since) if ret else None,
        "old_master_rejoined_s": rel(ret.rejoined_ts, since) if ret else None,
        "old_master_seen_as_master": ret.roles["master"] if ret else None,
        "old_master_direct_writes_accepted": ret.direct_writes["accepted"] if ret else None,
        "old_master_roles": dict(ret.roles) if ret else {},
        "old_master_direct_writes": dict(ret.direct_writes) if ret else {},
        "old_master_role_changes": [(rel(t, since), s) for t, s in ret.role_changes] if ret else [],
        # None: still naming it when the run ended
        "returning_sentinel_named_old_s": 0.0 if stale is None else rel(stale[1], stale[0]),
        "sentinel_changes": {h: [(rel(t, kill), a) for t, a in w.changes] for h, w in watches.items()},
        "extra_master_changes": max(len(moves) - 1, 0),
        "master_moves": [(rel(t, kill), host_of.get(a, a)) for t, a in moves],
        "samples": samples, "lost": lost,  # both leave the summary in write_reports
    }
    print(f"  killed {old} ({kill_source}); Sentinel named {r['new_master']} after {r['sentinel_new_master_s']} s; "
          f"write gap VIP {r['vip_write_gap_s']} s, Sentinel writer {r['sentinel_write_gap_s']} s\n"
          f"  acked lost at kill {r['acked_lost_at_kill']}, between {r['acked_lost_between']}, after return "
          f"{r['acked_lost_after_return']}, confirmed lost {r['confirmed_lost']}\n  old master: ROLE {r['old_master_roles']}, "
          f"direct writes {r['old_master_direct_writes']}, rejoined after {r['old_master_rejoined_s']} s", flush=True)
    if r["extra_master_changes"]:
        print(f"  !! Sentinel moved the master {r['extra_master_changes']} more time(s): "
              f"{' -> '.join(f'{h} (+{t:.2f} s)' for t, h in r['master_moves'])}", flush=True)
    for problem in problems:
        print(f"  !! {problem}", flush=True)
    return r


def reconcile(lab: Lab, writes: list[Write], runid: str) -> tuple[set[str], int]:
    """Keys of acked writes the master lacks, and how many marker keys it holds; then the run's keys go."""
    master = wait_until("the Sentinels to agree on a master to read back from", lambda: agreed_master(lab))
    acked = [w.key for w in writes if w.outcome == "ok"]
    lost: set[str] = set()
    with client(lab, master, "admin", timeout=5) as c:
        c.wait(2, 2000)  # settle: the replicas hold what the master holds before anyone reads elsewhere
        for i in range(0, len(acked), 500):
            batch = acked[i:i + 500]
            lost |= {k for k, v in zip(batch, c.mget(batch), strict=True) if v != k}
        run_keys = list(c.scan_iter(match=f"drill:{runid}:*", count=1000))
        for i in range(0, len(run_keys), 500):
            c.delete(*run_keys[i:i + 500])
    return lost, sum(":marker:" in k for k in run_keys)


def rerun_site(lab: Lab, log: Path, verbose: bool = False) -> dict[str, Any]:
    """site.yml again, Sentinels watched throughout: the recap's changed= and the master before/after.

    verbose: at -vvv (module arguments and results in the log), for a test to grep secrets in."""
    before = wait_until("a healthy Redis tier", lambda: healthy(lab))
    stop = threading.Event()
    watches = [SentinelWatch(lab, h, stop, max_seconds=1900) for h in lab.redis]
    for w in watches:
        w.start()
    print(f"re-running playbooks/site.yml{' -vvv' if verbose else ''} on {lab.inventory} (log: {log})", flush=True)
    log.write_text("")  # the log is this run's only: a test greps it for secrets
    try:
        run = labkit.run_playbook(lab.inventory, "site.yml", *(["-vvv"] if verbose else []), log=log, timeout=1800,
                                  check=False)
    finally:
        stop.set()
        for w in watches:
            w.join(timeout=30)
    totals = run.totals
    after = wait_until("a healthy Redis tier after the rerun", lambda: healthy(lab))
    return {"rerun_rc": run.rc, "rerun_changed": totals.get("changed") if run.recap else None,
            "rerun_failed": totals.get("unreachable", 0) + totals.get("failed", 0), "master_before_rerun": before,
            "master_after_rerun": after, "log": str(log),
            "master_answers_during_rerun": sorted({a for w in watches for _, a in w.changes if a})}


def run_profiles(lab: Lab, report: dict[str, Any], values: list[int], repeat: int, rate: float) -> None:
    """--repeat runs per down-after value, set on every Sentinel first; no value: the lab's own, untouched."""
    if not values:
        for i in range(repeat):
            report["runs"].append(run_once(lab, i, rate))
        return
    profiles: dict[str, dict[str, Any]] = {}
    report["profiles"] = profiles
    for n, ms in enumerate(values):
        want = dict.fromkeys(lab.redis, ms)
        print(f"down-after-milliseconds {ms}{' (under test)' if n == 0 else ''}: SENTINEL SET on every Sentinel",
              flush=True)
        profile = profiles[f"down_after_{ms}"] = {
            "down_after_ms": ms, "set_on": set_down_after(lab, want), "problems": [],
            "runs": report["runs"] if n == 0 else []}  # the first value's runs are the top-level runs
        for i in range(repeat):
            profile["runs"].append(run_once(lab, i, rate))
            if again := set_down_after(lab, want):  # the killed Sentinel came back from its file: still in force?
                profile["problems"].append(f"after run {i + 1}: {again} no longer ran {ms} ms, set again")
                print(f"  !! {profile['problems'][-1]}", flush=True)


# ---------------------------------------------------------------- summary and reports
def summary_of(runs: list[dict[str, Any]]) -> dict[str, Any]:
    s = over_runs(runs, medians=("sentinel_new_master_s", "sentinels_agree_s", "vip_write_gap_s", "vip_recovered_s",
                                 "sentinel_write_gap_s", "sentinel_recovered_s", "old_master_rejoined_s",
                                 "returning_sentinel_named_old_s"),
                  totals=("acked_lost_at_kill", "acked_lost_between", "acked_lost_after_return", "confirmed_lost",
                          "old_master_seen_as_master", "old_master_direct_writes_accepted", "extra_master_changes"))
    s["runs_without_vip_recovery"] = sum(r["vip_write_gap_s"] is None for r in runs)
    for name in WRITERS:
        ws = [r["writers"][name] for r in runs]
        s[name] = {k: sum(w[k] for w in ws) for k in ("writes", "acked", "confirmed", "failed", "failed_after_return")}
        s[name]["p99_ms"] = median(w["p99_ms"] for w in ws)
    return s


def summarise(report: dict[str, Any]) -> None:
    """Summaries (per down-after value too); targets on the top-level runs, those of the first value."""
    s = report["summary"] = summary_of(report["runs"])
    for n, profile in enumerate(report.get("profiles", {}).values()):
        profile["summary"] = s if n == 0 else summary_of(profile["runs"]) if profile["runs"] else None
    values = {k: s.get(k) for k in TARGETS}
    values["vip_write_gap_median_s"] = s["vip_write_gap_s"] if not s["runs_without_vip_recovery"] else None
    if rerun := report.get("rerun"):  # without --rerun-site its targets are left out, not failed
        ok = rerun["rerun_rc"] == 0 and rerun["rerun_failed"] == 0
        values["rerun_changed"] = rerun["rerun_changed"] if ok else None
        values["rerun_master_unchanged"] = (rerun["master_before_rerun"] == rerun["master_after_rerun"]
                                            and len(rerun["master_answers_during_rerun"]) == 1)
    report["targets"] = {name: {"value": values[name], "limit": limit,
                                "pass": values[name] == limit if isinstance(limit, bool)
                                else values[name] is not None and values[name] <= limit}
                         for name, (limit, _) in TARGETS.items() if rerun or not name.startswith("rerun_")}


def num(v: Any, unit: str = " s") -> str:
    return "—" if v is None else f"{v:.{1 if 'ms' in unit else 3}f}{unit}" if isinstance(v, float) else f"{v}"


def run_table(runs: list[dict[str, Any]], s: dict[str, Any]) -> list[str]:
    lines = head("run", "master old → new", "Sentinel names new master", "VIP write gap", "VIP writes back",
                 "Sentinel-writer gap", "acked / WAIT-confirmed (VIP; Sentinel)",
                 "acked lost: at kill / between / after return", "confirmed lost",
                 "old master: ROLE master / writes accepted / rejoined", "p99 VIP / Sentinel")
    total = {**s, "writers": {n: s[n] for n in WRITERS}, "p99_ms": {n: s[n]["p99_ms"] for n in WRITERS}}
    for label, r in [*((str(i + 1), r) for i, r in enumerate(runs)), ("median / sum", total)]:
        w, moved = r["writers"], f"{r['old_master']} → {r['new_master'] or 'none'}" if "old_master" in r else ""
        lines.append(row(
            label, moved, *map(num, (r["sentinel_new_master_s"], r["vip_write_gap_s"], r["vip_recovered_s"],
                                     r["sentinel_write_gap_s"])),
            f"{w['vip']['acked']}/{w['vip']['confirmed']}; {w['sentinel']['acked']}/{w['sentinel']['confirmed']}",
            f"{r['acked_lost_at_kill']} / {r['acked_lost_between']} / {r['acked_lost_after_return']}", r["confirmed_lost"],
            " / ".join(map(num, (r["old_master_seen_as_master"], r["old_master_direct_writes_accepted"],
                                 r["old_master_rejoined_s"]))),
            f"{num(r['p99_ms']['vip'], ' ms')} / {num(r['p99_ms']['sentinel'], ' ms')}"))
    return lines


def run_notes(runs: list[dict[str, Any]]) -> list[str]:
    """Per run: master changes beyond the failover, the returning old master acting as one, problems."""
    notes = []
    for i, r in enumerate(runs):
        if r["extra_master_changes"]:
            notes.append(f"run {i + 1}: Sentinel moved the master {r['extra_master_changes']} more time(s), "
                         + " → ".join(f"{h} (+{t:.2f} s)" for t, h in r["master_moves"]))
        for key, text in (("old_master_seen_as_master", "old master said ROLE master"),
                          ("old_master_direct_writes_accepted", "old master accepted direct writes")):
            notes += [f"run {i + 1}: {text} {r[key]} time(s)"] if r[key] else []
        notes += [f"run {i + 1} problem: {p}" for p in r["problems"]]
    return notes


def comparison(report: dict[str, Any]) -> list[str]:
    """One row per down-after value: medians, sums of lost writes and extra master changes, notes."""
    lines = head("Sentinel down-after-milliseconds", "runs", "Sentinel names new master", "VIP write gap",
                 "Sentinel-writer gap", "old master rejoined", "acked lost / confirmed lost", "extra master changes", "notes")
    for n, p in enumerate(report["profiles"].values()):
        label, s, runs = f"{p['down_after_ms']} ms{' (under test)' if n == 0 else ''}", p["summary"], p["runs"]
        notes = [*p["problems"], *run_notes(runs)]
        if s is None:
            lines.append(f"| {label} | 0 | — | — | — | — | — | — | {'; '.join(notes) or 'no complete run'} |")
            continue
        lost = s["acked_lost_at_kill"] + s["acked_lost_between"] + s["acked_lost_after_return"]
        lines.append(row(label, len(runs), *map(num, (s["sentinel_new_master_s"], s["vip_write_gap_s"],
                                                      s["sentinel_write_gap_s"], s["old_master_rejoined_s"])),
                         f"{lost} / {s['confirmed_lost']}", s["extra_master_changes"], "; ".join(notes) or "—"))
    restored = {True: "restored and verified after the drill", False: "NOT restored (see the output)",
                None: "not restored"}[report.get("down_after_restored")]
    before = report["down_after_before"]
    lines += ["", "Medians over each value's runs (old master rejoined: from its `podman start`); sums of lost",
              "writes and of master changes beyond the one failover. Before the drill the Sentinels ran",
              ", ".join(f"{h} {ms} ms" for h, ms in before.items()) + f": {restored}."]
    return lines


def markdown(report: dict[str, Any]) -> str:
    s, profiles, under_test = report["summary"], report.get("profiles", {}), ""
    lines = comparison(report) if profiles else run_table(report["runs"], s)
    for n, p in enumerate(p for p in profiles.values() if p["runs"]):
        under_test = under_test or f", down-after-milliseconds {p['down_after_ms']} ms"
        lines += ["", f"## Sentinel down-after-milliseconds {p['down_after_ms']} ms"
                  f"{' (under test: the targets below)' if n == 0 else ''}", "", *run_table(p["runs"], p["summary"])]
    lines += ["", f"`{report['command']}` on `{report['inventory']}`; {provenance_line(report['provenance'])}.", "",
              "Times from the kill (rejoined: from `podman start` of the old master). Write gap: the longest span",
              "after the kill with no acknowledged write, the old master's return included (not only the first",
              "run of failures); p99 over writes in flight at or after the kill, failures at their time",
              f"to fail (timeout {TIMEOUT} s). {report['rate']:.0f} writes/s per writer, each SET + WAIT 1 {WAIT_MS}.",
              f"The returning node's own Sentinel named the old master for {num(s['returning_sentinel_named_old_s'])}"
              f" (median{under_test}) after it started.",
              f"Master changes beyond the one failover: {s['extra_master_changes']} (sum{under_test}).", ""]
    if rerun := report.get("rerun"):
        lines.append(f"site.yml rerun: rc {rerun['rerun_rc']}, changed={rerun['rerun_changed']}, master "
                     f"{rerun['master_before_rerun']} → {rerun['master_after_rerun']} (log: {rerun['log']})")
    else:
        lines.append("site.yml rerun: not run (use --rerun-site)")
    lines += ["", f"Targets{f' ({under_test[2:]})' if under_test else ''}:", ""]
    for name, t in report["targets"].items():
        lines.append(f"- {TARGETS[name][1]}: {num(t['value'], '')} (limit {t['limit']}): {'PASS' if t['pass'] else 'FAIL'}")
    if not profiles:  # with them, the comparison's notes say it
        lines += [f"- {note}" for note in run_notes(report["runs"])]
    return "\n".join(lines) + "\n"


def median_run(runs: list[dict[str, Any]]) -> int:
    """Index of the run with the median VIP write gap (lower median; no recovery counts as longest)."""
    order = sorted(range(len(runs)), key=lambda i: (runs[i]["vip_write_gap_s"] is None, runs[i]["vip_write_gap_s"] or 0))
    return order[(len(order) - 1) // 2]


def plot(report: dict[str, Any], path: Path) -> None:
    if profiles := report.get("profiles"):  # one row per down-after value: its median run
        rows = [(f"down-after {p['down_after_ms']} ms: run {k + 1} of {len(p['runs'])} (median VIP write gap)\n",
                 p["runs"][k]) for p in profiles.values() if p["runs"] for k in [median_run(p["runs"])]]
    else:
        rows = [(f"run {i + 1}, ", r) for i, r in enumerate(report["runs"])]
    fig, axes = figure(len(rows), 2, 7, 3.8)
    groups = (("confirmed (WAIT ≥ 1)", "tab:green", 3, lambda w: w.outcome == "ok" and w.replicas >= 1),
              ("acked, not confirmed", "tab:orange", 6, lambda w: w.outcome == "ok" and w.replicas < 1),
              ("failed", "tab:red", 9, lambda w: w.outcome != "ok"))
    for y, (title, run) in enumerate(rows):
        lines = [(0.0, "black", "-", "kill")]
        for key, colour, style, label in (("sentinel_new_master_s", "tab:blue", "--", "Sentinel names new master"),
                                          ("old_master_started_s", "tab:purple", ":", "old master started")):
            if run[key] is not None:
                lines.append((run[key], colour, style, f"{label} (+{run[key]:.2f} s)"))
        if run["old_master_rejoined_s"] is not None and run["old_master_started_s"] is not None:
            t = run["old_master_started_s"] + run["old_master_rejoined_s"]
            lines.append((t, "grey", "-.", f"old master rejoined (+{t:.2f} s)"))
        lines += [(t, "tab:red", "--", f"master moved again: {h} (+{t:.2f} s)") for t, h in run["master_moves"][1:]]
        for col, name in enumerate(WRITERS):
            ax, ws, kill, r = axes[y][col], run["samples"][name], run["kill_ts"], run["writers"][name]
            if pts := [(w.start - kill, w.latency * 1000) for w in ws if w.key in run["lost"]]:
                ax.scatter(*zip(*pts, strict=True), s=40, c="black", marker="x", label="acked, then lost", zorder=5)
            gap_s = "no recovery" if r["write_gap_s"] is None else f"{r['write_gap_s']:.3f} s"
            panel(ax, f"{title}writer {name}: {run['old_master']} killed; write gap {gap_s}, failed {r['failed']}/"
                      f"{r['writes']}", "seconds from kill",
                  [(label, colour, size, [(w.start - kill, w.latency * 1000) for w in ws if keep(w)])
                   for label, colour, size, keep in groups], lines, legend="upper right")
        axes[y][0].set_ylabel("write latency (ms)")
    save_figure(fig, path, f"Redis failover drill, {report['date']}, {report['rate']:.0f} writes/s per writer "
                f"(SET + WAIT 1 {WAIT_MS}){', Sentinel down-after-milliseconds compared' if profiles else ''}", dpi=110)


def write_reports_of(report: dict[str, Any], out: Path) -> None:
    plot(report, out / "redis-failover.png")
    samples = []  # raw writes go to their own file: the summary stays readable
    runs = ([(name, r) for name, p in report["profiles"].items() for r in p["runs"]] if "profiles" in report
            else [(None, r) for r in report["runs"]])  # the top-level runs are the first profile's: once
    for profile, run in runs:
        rows, lost, kill = run.pop("samples"), run.pop("lost"), run["kill_ts"]
        samples.append({"runid": run["runid"], **({"profile": profile} if profile else {}), "kill_ts": kill,
                        "key": f"drill:{run['runid']}:<writer>:<seq>",
                        "fields": ["t_s", "latency_s", "outcome", "replicas", "seq", "target", "lost"],
                        "writers": {n: [[round(w.start - kill, 4), round(w.latency, 5), w.outcome, w.replicas,
                                         w.seq, w.target, w.key in lost] for w in ws] for n, ws in rows.items()}})
    write_reports(out, "redis-failover", report, f"# Redis failover drill, {report['date']}\n\n{markdown(report)}",
                  samples)


def down_after_list(text: str) -> list[int]:
    """--down-after: comma-separated milliseconds, each once, within DOWN_AFTER_MS; empty: none."""
    (low, high), words = DOWN_AFTER_MS, [w.strip() for w in text.split(",") if w.strip()]
    values = [int(w) for w in words if w.isdecimal()]
    if len(values) != len(words) or len(set(values)) != len(values) or any(not low <= v <= high for v in values):
        raise argparse.ArgumentTypeError(f"want distinct milliseconds from {low} to {high}, comma-separated "
                                         f"(e.g. 500,1000); got {text!r}")
    return values


def main() -> int:
    parser = drill_parser(__doc__, 100, "writes per second per writer")
    parser.add_argument("--repeat", type=int, default=3, help="runs, each killing the master of the moment (default 3)")
    parser.add_argument("--down-after", type=down_after_list, default=[], metavar="LIST",
                        help="Sentinel down-after-milliseconds values to compare, e.g. 500,1000: --repeat runs each, "
                             "the first under test (targets), each Sentinel's own value restored at the end "
                             "(default: the lab's value, untouched)")
    parser.add_argument("--rerun-site", action="store_true", help="re-apply playbooks/site.yml at the end: changed=0?")
    parser.add_argument("--rerun-verbose", action="store_true", help="run that site.yml at -vvv (its log is in --out)")
    args = parser.parse_args()
    labkit.use_venv_tools()
    args.out.mkdir(parents=True, exist_ok=True)
    began = time.time()
    try:
        lab = load_lab(args.inventory)
        print(f"waiting for a healthy Redis tier: {lab.redis}, VIP {lab.vip}", flush=True)
        wait_until("a healthy Redis tier (one master, 2 connected replicas, Sentinels agree, VIP writes)",
                   lambda: healthy(lab))
    except (LabError, TimeoutError, subprocess.SubprocessError, OSError, KeyError) as exc:
        print(f"!! the lab is not usable: {exc!r}", file=sys.stderr)
        return 2
    report = header("redis_failover", args.inventory, rate=args.rate, repeat=args.repeat, socket_timeout_s=TIMEOUT,
                    wait_ms=WAIT_MS, vip=lab.vip, redis=lab.redis, runs=[])
    status = 0
    try:
        if args.down_after:
            report["down_after_before"] = wait_until("every Sentinel's down-after-milliseconds", lambda: down_after(lab))
            print(f"Sentinel down-after-milliseconds before the drill: {report['down_after_before']}", flush=True)
        try:
            run_profiles(lab, report, args.down_after, args.repeat, args.rate)
        finally:  # also after an error or Ctrl-C; before the rerun, which would set it back and count that
            if before := report.get("down_after_before"):
                try:
                    set_down_after(lab, before)
                    report["down_after_restored"] = True
                    print(f"restored Sentinel down-after-milliseconds {before}", flush=True)
                except (TimeoutError, redis.RedisError, OSError) as exc:  # said here: an earlier error stays raised
                    report["down_after_restored"] = False
                    print(f"!! could not restore Sentinel down-after-milliseconds {before}: {exc}", file=sys.stderr)
        if report.get("down_after_restored") is False:
            status = 2
        if args.rerun_site:
            report["rerun"] = rerun_site(lab, args.out / "redis-failover-ansible.log", verbose=args.rerun_verbose)
        wait_until("a healthy Redis tier after the drill", lambda: healthy(lab))
    except (LabError, TimeoutError, subprocess.SubprocessError, redis.RedisError) as exc:
        print(f"!! the lab stopped being usable: {exc}", file=sys.stderr)
        status = 2
    finally:
        if report["runs"]:  # what was measured is written even if a later step failed
            report["duration_s"] = round(time.time() - began, 1)
            summarise(report)
            write_reports_of(report, args.out)
            for name, t in report["targets"].items():
                if not t["pass"]:
                    print(f"!! redis_failover: target missed: {TARGETS[name][1]}: {t['value']} (limit {t['limit']})",
                          flush=True)
                    status = status or 1
    print(f"done in {time.time() - began:.0f} s; reports in {args.out}")
    return status


if __name__ == "__main__":
    sys.exit(main())
