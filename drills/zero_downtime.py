#!/usr/bin/env python3
"""Change the inventory and break backends under load; report what clients saw.

Method
------
The probe of hafront/probe.py sends ``GET /`` at a fixed rate, alternating
over every VIP, each request on a new TCP connection with a 1 s timeout. Around each
operation it runs from 1 s before the operation starts until 2 s after it ends, and the
report counts every request of that window. The operations, in order:

  drain          playbooks/drain.yml drains one backend on every load balancer;
  remove         the last web host is deleted from a copy of the inventory, and
                 ``site.yml --limit loadbalancers:web`` is run with it (HAProxy reloads);
                 the drained backend must still be drained afterwards (server-state file);
  undrain        playbooks/drain.yml -e undrain=true;
  add            the unchanged inventory again: the removed host comes back;
  weight         one backend's haproxy_capacity is doubled in a copy of the inventory:
                 the new weight must be live with no reload (same worker);
  weight_back    the unchanged inventory again;
  rolling        playbooks/rolling_restart.yml (drain, restart nginx, enable; one by one);
  kill           ``podman kill`` of one backend's container. Fault time: the moment the
                 backend's nginx main process dies (pidfd). Marked down: the first stats
                 poll (every 50 ms, each load balancer's CSV) that shows it DOWN on every
                 load balancer. Then the container starts again and the drill waits
                 until every load balancer has it UP (still under the probe).

Only ``kill`` depends on the health-check profile: ``ours`` is the inventory as it is;
``stock`` re-deploys the load balancers with drills/stock-haproxy.yml (the role's
health-check defaults, no redispatch, no retry-on, no observe layer7), kills again, and
the inventory's settings are re-applied at the end.

The drill starts only when every backend is UP and no VRRP transition happened for 10 s
(a deploy that just ended may still move a VIP back to its preferred master), and the
report lists the VRRP transitions seen during each operation (there should be none).
State comes from HAProxy itself (stats CSV: status, weight; metrics: worker start), never from
the inventory. Reports: <out>/zero-downtime.{json,md}.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, NamedTuple


sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from hafront import lab as labkit  # noqa: E402
from hafront.clientview import window_impact as impact  # noqa: E402
from hafront.probe import Probe, Server, reloaded, servers, worker  # noqa: E402
from hafront.report import Targets, drill_parser, head, header, provenance_line, row, write_reports  # noqa: E402

ROOT = labkit.ROOT
OPS = ["drain", "remove", "undrain", "add", "weight", "weight_back", "rolling", "kill"]
STOCK = ROOT / "drills/stock-haproxy.yml"
LEAD, SETTLE = 1.0, 2.0      # probe seconds before and after each operation
POLL = 0.05                  # stats poll interval during a kill, seconds
PLAYBOOK_TIMEOUT = 900       # hafront.lab.run_playbook's too


class Lab(NamedTuple):
    inventory: Path
    lbs: dict[str, str]          # load balancer -> its own address (stats listener)
    vips: list[str]
    web: list[str]               # backend hosts of the web service, inventory order
    containers: dict[str, str]   # host -> container
    stats_port: int
    stats_auth: tuple[str, str]


def load_lab(inventory: str) -> Lab:
    inv = labkit.load_inventory(ROOT / inventory)
    first = inv.hostvars[inv.hosts("loadbalancers")[0]]
    return Lab(inventory=ROOT / inventory, lbs=inv.addresses("loadbalancers"), vips=list(first["lab_vips"]),
               web=inv.hosts("web"), containers={**inv.containers("loadbalancers"), **inv.containers("web")},
               stats_port=int(first.get("haproxy_stats_port", 8404)),
               stats_auth=(str(first.get("haproxy_stats_user", "admin")), labkit.secret("haproxy_stats_password")))


# ---------------------------------------------------------------- HAProxy's view
def all_stats(lab: Lab) -> dict[str, dict[str, Server]]:
    return {lb: servers(address, lab.stats_port, lab.stats_auth, "be_web") for lb, address in lab.lbs.items()}


def all_up(lab: Lab) -> bool:
    return all(s.status == "UP" for v in all_stats(lab).values() for s in v.values())


def workers(lab: Lab) -> dict[str, tuple[float, float]]:
    """Per load balancer: the serving worker's start time and connection count."""
    return {lb: worker(address, lab.stats_port, lab.stats_auth) for lb, address in lab.lbs.items()}


def vrrp_transitions(lab: Lab, since: float) -> list[dict[str, Any]]:
    return labkit.vrrp_transitions({lb: lab.containers[lb] for lb in lab.lbs}, since)


def vrrp_settled(lab: Lab, quiet: float = 10.0) -> bool:
    """No VRRP transition for `quiet` seconds: a deploy that just ended can still move a
    VIP back to its preferred master (preempt_delay), which resets requests in flight."""
    return not vrrp_transitions(lab, time.time() - quiet)


# ---------------------------------------------------------------- backend kill
def first_down(lab: Lab, host: str, since: float, deadline: float = 60) -> dict[str, float | None]:
    """Per load balancer: seconds from `since` to the first poll showing host DOWN."""
    seen: dict[str, float | None] = {lb: None for lb in lab.lbs}
    end = time.time() + deadline
    while time.time() < end and None in seen.values():
        for lb in lab.lbs:
            if seen[lb] is None:
                try:
                    if servers(lab.lbs[lb], lab.stats_port, lab.stats_auth, "be_web")[host].status.startswith("DOWN"):
                        seen[lb] = round(time.time() - since, 3)
                except (OSError, KeyError):
                    pass
        time.sleep(POLL)
    return seen


def restore_backend(lab: Lab, host: str) -> None:
    labkit.start(lab.containers[host], "nginx")
    labkit.wait_until(f"{host} UP on every load balancer",
                      lambda: all(s[host].status == "UP" for s in all_stats(lab).values()))


# ---------------------------------------------------------------- measuring
def measured(lab: Lab, rate: float, action) -> dict[str, Any]:
    """Run action() under the probe; return its result plus what the probe saw."""
    with Probe(lab.vips, rate, max_seconds=PLAYBOOK_TIMEOUT) as probe:
        time.sleep(LEAD)
        t0 = time.time()
        result = action()
        t1 = time.time()
        time.sleep(SETTLE)
    samples = probe.samples
    whole = impact(samples, samples[0].start if samples else t0, t1 + SETTLE)
    achieved = round(len(samples) / max(1e-9, samples[-1].start - samples[0].start), 1) if len(samples) > 1 else 0
    return {**result, **whole, "duration_s": round(t1 - t0, 2), "rate": rate, "achieved_rate": achieved,
            "started_at": round(t0, 3), "vrrp_transitions": vrrp_transitions(lab, t0 - LEAD),
            "_samples": samples, "_t0": t0}


def run_ops(lab: Lab, ops: list[str], rate: float, log: Path, profile: str) -> dict[str, Any]:
    web, inv = lab.web, lab.inventory
    drained, removed, weighted, killed = web[0], web[-1], web[1 % len(web)], web[1 % len(web)]
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="hafront-zd-") as tmpdir:
        tmp = Path(tmpdir)
        site = ("site.yml", "--limit", "loadbalancers:web")

        def without(hosts: dict[str, Any]) -> None:
            labkit.find_group(hosts["all"], "web")["hosts"].pop(removed)

        def heavier(hosts: dict[str, Any]) -> None:
            entry = labkit.find_group(hosts["all"], "web")["hosts"][weighted]
            entry["haproxy_capacity"] = float(entry.get("haproxy_capacity", 1)) * 2

        drain = ("drain.yml", "-e", f"drain_host={drained}")
        plays = {"drain": (inv, drain, drained), "undrain": (inv, (*drain, "-e", "undrain=true"), drained),
                 "remove": (without, site, removed), "add": (inv, site, removed), "weight": (heavier, site, weighted),
                 "weight_back": (inv, site, weighted), "rolling": (inv, ("rolling_restart.yml",), None)}

        def op(name: str) -> dict[str, Any]:
            before, started = all_stats(lab), workers(lab)
            if name == "kill":
                res = kill_op(lab, killed, rate)
            else:
                source, argv, host = plays[name]
                target = source if isinstance(source, Path) else labkit.inventory_copy(inv, tmp, source)
                res = measured(lab, rate, lambda: {"recap": labkit.run_playbook(target, *argv, log=log).totals,
                                                   **({"host": host} if host else {})})
            after, now = all_stats(lab), workers(lab)
            res["reloaded"] = {lb: reloaded(started[lb], now[lb]) for lb in lab.lbs}
            res["before"] = {lb: {h: list(s) for h, s in v.items()} for lb, v in before.items()}
            res["after"] = {lb: {h: list(s) for h, s in v.items()} for lb, v in after.items()}
            return res

        for name in ops:
            print(f"[{profile}] {name} ...", flush=True)
            res = op(name)
            for private in ("_samples", "_t0"):
                res.pop(private)
            results[name] = res
            moves = [f"{t['host']} {t['instance']} {t['state']}" for t in res["vrrp_transitions"]]
            print(f"[{profile}] {name}: {res['failed']} failed of {res['requests']} "
                  f"(p99 {res['p99_ms']} ms, {res['duration_s']} s, reloaded {res['reloaded']}"
                  f"{', VRRP: ' + '; '.join(moves) if moves else ''})", flush=True)
    return results


def kill_op(lab: Lab, host: str, rate: float) -> dict[str, Any]:
    marks: dict[str, Any] = {}

    def action() -> dict[str, Any]:
        died = labkit.kill_timed(lab.containers[host], ["nginx"])[0]
        marks["died"] = died
        marks["down"] = first_down(lab, host, died)
        marks["all_down"] = died + max((v for v in marks["down"].values() if v is not None), default=0)
        time.sleep(1.0)
        marks["restart"] = time.time()
        restore_backend(lab, host)
        return {"host": host, "marked_down_s": marks["down"], "killed_at": round(died, 3),
                "restarted_at": round(marks["restart"], 3), "up_at": round(time.time(), 3)}

    res = measured(lab, rate, action)
    samples = res["_samples"]
    # During the event: from the kill until every load balancer marked the server down.
    res["event"] = impact(samples, marks["died"], marks["all_down"])
    res["event"]["seconds"] = round(marks["all_down"] - marks["died"], 3)
    res["return"] = impact(samples, marks["restart"], res["_t0"] + res["duration_s"] + SETTLE)
    return res


# ---------------------------------------------------------------- profiles and reports
def apply_profile(lab: Lab, profile: str, log: Path) -> None:
    extra = ("-e", f"@{STOCK.relative_to(ROOT)}") if profile == "stock" else ()
    print(f"[{profile}] applying the profile to the load balancers (log: {log})", flush=True)
    labkit.run_playbook(lab.inventory, "site.yml", "--limit", "loadbalancers", *extra, log=log)
    labkit.wait_until("every backend UP on every load balancer", lambda: all_up(lab))
    labkit.wait_until("10 s with no VRRP transition", lambda: vrrp_settled(lab))


def markdown(report: dict[str, Any]) -> str:
    lines = ["# Zero-downtime operations under load", "",
             f"`{report['command']}` on `{report['inventory']}`, {report['date']}, probe {report['rate']:.0f} req/s "
             "(GET /, new connection each, 1 s timeout, alternating over the VIPs); "
             f"{provenance_line(report['provenance'])}.", "",
             *head("profile", "operation", "requests", "failed", "longest span without success s", "p99 ms", "max ms",
                   "duration s", "HAProxy reloaded", "changed", "VRRP transitions")]
    for profile, ops in report["profiles"].items():
        lines += [row(profile, name, r["requests"], f"{r['failed']} {r['failures'] or ''}", r["longest_gap_s"],
                      r["p99_ms"], r["max_ms"], r["duration_s"],
                      ", ".join(lb for lb, yes in r["reloaded"].items() if yes) or "no",
                      r.get("recap", {}).get("changed", "-"), len(r["vrrp_transitions"])) for name, r in ops.items()]
    if kills := {p: ops["kill"] for p, ops in report["profiles"].items() if "kill" in ops}:
        lines += ["", "Backend hard kill (`podman kill`), from the kill until every load balancer marked it down:", "",
                  *head("profile", "marked down after (s, per LB)", "failed in that time", "p99 ms",
                        "then, back UP: failed")]
        lines += [row(p, k["marked_down_s"], f"{k['event']['failed']} of {k['event']['requests']}",
                      k["event"]["p99_ms"], f"{k['return']['failed']} of {k['return']['requests']}")
                  for p, k in kills.items()]
    lines += ["", "## Targets", "", *report.get("targets", [])]
    return "\n".join(lines) + "\n"


def check_targets(report: dict[str, Any]) -> Targets:
    """Profile ours: no request fails and no VIP moves during any operation."""
    targets = Targets()
    for name, r in report["profiles"].get("ours", {}).items():
        targets.equal(f"{name}: failed requests", r["failed"], 0)
        targets.equal(f"{name}: VRRP transitions", len(r["vrrp_transitions"]), 0)
    return targets


def main() -> int:
    parser = drill_parser(__doc__, 500, "probe requests per second")
    parser.add_argument("--ops", default=",".join(OPS), help=f"comma-separated, in order (default {','.join(OPS)})")
    parser.add_argument("--profiles", default="ours", help="ours, stock or both: stock re-runs kill with stock checks")
    args = parser.parse_args()
    ops = [o for o in args.ops.split(",") if o]
    profiles = [p for p in args.profiles.split(",") if p]
    if unknown := [o for o in ops if o not in OPS] + [p for p in profiles if p not in ("ours", "stock")]:
        parser.error(f"unknown --ops/--profiles value(s): {unknown}")
    lab = load_lab(args.inventory)
    args.out.mkdir(parents=True, exist_ok=True)
    log = args.out / "zero-downtime.log"
    log.write_text("")
    report = header("zero_downtime", args.inventory, date=time.strftime("%Y-%m-%d %H:%M:%S %Z"), rate=args.rate,
                    profiles={})
    try:
        labkit.wait_until("every backend UP on every load balancer", lambda: all_up(lab))
        labkit.wait_until("10 s with no VRRP transition", lambda: vrrp_settled(lab))
        for profile in profiles:
            if profile == "stock":
                apply_profile(lab, "stock", log)
                report["profiles"]["stock"] = run_ops(lab, [o for o in ops if o == "kill"], args.rate, log, "stock")
            else:
                report["profiles"]["ours"] = run_ops(lab, ops, args.rate, log, "ours")
    finally:
        if "stock" in profiles:
            apply_profile(lab, "ours", log)
    targets = check_targets(report)
    targets.record(report)
    write_reports(args.out, "zero-downtime", report, markdown(report), indent=2)
    return targets.verdict("zero_downtime")


if __name__ == "__main__":
    sys.exit(main())
