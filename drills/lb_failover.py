#!/usr/bin/env python3
"""Inject load-balancer faults on the lab and measure what clients saw.

Method
------
The lab comes from the inventory (hafront/lab.py): the load balancers, their containers
and addresses, the VRRP instances and their VIPs; each instance's preferred master from the
project's own ``vrrp_priorities`` filter.

A probe (hafront/probe.py) sends ``GET /`` to the first VIP at a fixed rate, each request
on a new TCP connection with a 1 s timeout. It runs from 1 s before each fault to 5 s after
it, on the current holder of that VIP. Faults:

  kill              ``podman kill`` of the holder's container (the node vanishes; fault time:
                    the moment HAProxy's or keepalived's main process exits, from pidfds);
  freeze            ``podman pause`` of the holder: processes frozen, its kernel still up;
  poweroff          the holder frozen and its link cut (host side of its veth down): its
                    traffic is dropped, nothing answers, not even with a reset;
  haproxy_kill      HAProxy SIGKILLed and kept down while keepalived runs;
  keepalived_kill   keepalived SIGKILLed while HAProxy runs;
  keepalived_stop   ``systemctl stop keepalived`` (graceful: priority-0 adverts).

The fault is then undone under the same probe (the container started again, HAProxy or
keepalived started, the frozen node thawed), which runs on until every VIP is back on its
preferred master, plus 2 s: the "undone" columns are what clients saw from the end of the
fault's 5 s window to the end of the probe (a killed keepalived that systemd restarted,
taking its VIP back, shows there).

What clients saw (hafront/clientview.py): every request in flight at or after the event
counts; the headline is the longest span without a successful response anywhere in the
window (not only the first run of failures), with every failed request counted.
VIP time: the event to the first MASTER notify of another node (keepalived's notify script
logs each transition with a wall-clock stamp; containers share the host's clock).

A soak runs steady probe load while busy loops saturate every CPU, and counts MASTER
transitions (false failovers). Profile ``stock`` re-deploys the lab with keepalived's and
the kernel's defaults (drills/stock-keepalived.yml, and the ARP sysctls put back in the load
balancers' network namespaces); ``unfixed`` keeps our timers but drops the ARP fixes
(drills/unfixed-keepalived.yml, same sysctls); ``ours`` is re-applied at the end.

Targets (profile ours): per fault, the median longest span <= --target-gap and the worst
<= --target-worst; every run recovers; no false failover in the soak. The drill exits 1
when one is missed. Reports: <out>/lb-failover.{json,md,png}, with the commit and machine.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from hafront import lab as labkit  # noqa: E402
from hafront.clientview import Sample, impact, over_runs  # noqa: E402
from hafront.probe import TIMEOUT, Probe, get  # noqa: E402
from hafront.report import (Targets, drill_parser, figure, head, header, panel, provenance_line, row,  # noqa: E402
                            save_figure, write_reports)

ROOT = labkit.ROOT
PROFILES: dict[str, Path | None] = {"ours": None, "stock": ROOT / "drills/stock-keepalived.yml",
                                    "unfixed": ROOT / "drills/unfixed-keepalived.yml"}
# Linux's default, and what podman's network plugin sets on a container's eth0: the stock
# and unfixed profiles run with these instead of the lab's (see inventories/lab/group_vars/loadbalancers.yml).
STOCK_SYSCTLS = {"net.ipv4.conf.all.arp_announce": "0", "net.ipv4.conf.eth0.arp_notify": "1"}
PRE, POST = 1.0, 5.0   # probe window around a fault, seconds
SETTLED = 1.0          # probe seconds after a restore has converged
DEADLINE = 120.0       # restores must converge within this


# ---------------------------------------------------------------- lab and commands
class Lab(NamedTuple):
    inventory: str
    containers: dict[str, str]       # load balancer -> container name
    addresses: dict[str, str]        # load balancer -> its own address
    vips: dict[str, str]             # instance -> its first VIP
    preferred: dict[str, str]        # instance -> preferred master
    hostvars: dict[str, Any]         # of the first load balancer, as the inventory has them


def load_lab(inventory: str) -> Lab:
    inv = labkit.load_inventory(inventory)
    lbs = inv.hosts("loadbalancers")
    # The filter that wrote the priorities into keepalived.conf tells which node should win.
    sys.path.insert(0, str(ROOT / "filter_plugins"))
    import vrrp_priorities as vrrp

    instances = inv.hostvars[lbs[0]]["keepalived_instances"]
    preferred = vrrp.preferred_masters(vrrp.vrrp_priorities(lbs, instances, inv.hostvars))
    return Lab(inventory=inventory, containers=inv.containers("loadbalancers"), addresses=inv.addresses("loadbalancers"),
               vips={i["name"]: i["vips"][0].split("/")[0] for i in instances},
               preferred=preferred, hostvars=dict(inv.hostvars[lbs[0]]))


# ---------------------------------------------------------------- VRRP state
def holders(lab: Lab) -> dict[str, set[str]]:
    """instance -> load balancers that hold its VIP right now (from `ip -o addr`)."""
    held = labkit.vip_holders(lab.containers, list(lab.vips.values()))
    return {instance: set(held[vip]) for instance, vip in lab.vips.items()}


def lab_ready(lab: Lab) -> bool:
    """Both load balancers run both services and serve; every VIP is on its preferred master."""
    for host, container in lab.containers.items():
        if labkit.state(container) != "running":
            return False
        if labkit.exec_in(container, "systemctl", "is-active", "haproxy", "keepalived", check=False).stdout.split() \
                != ["active"] * 2:
            return False
        if (s := get(lab.addresses[host])).outcome != "ok" or s.lb != host:
            return False
    if holders(lab) != {i: {h} for i, h in lab.preferred.items()}:
        return False
    return all((s := get(lab.vips[i])).outcome == "ok" and s.lb == h for i, h in lab.preferred.items())


def live_config(lab: Lab) -> dict[str, Any]:
    """What keepalived and the kernel actually run with (read back from the first load balancer)."""
    container = next(iter(lab.containers.values()))
    conf = labkit.sh(container, "cat /etc/keepalived/keepalived.conf")

    def number(keyword: str, missing: float) -> float:
        found = re.search(rf"^\s*{keyword} ([\d.]+)", conf, re.M)
        return float(found.group(1)) if found else missing
    sysctls = labkit.sh(container, "cat /proc/sys/net/ipv4/conf/all/arp_announce /proc/sys/net/ipv4/conf/eth0/arp_notify")
    return {"advert_int": number("advert_int", 1.0), "preempt_delay": number("preempt_delay", 0.0),
            "garp_master_delay": number("vrrp_garp_master_delay", 5.0),
            # HAProxy tracking (the maintenance hold files are tracked either way).
            "tracking": bool(re.search(r"^\s*(haproxy_unit|haproxy_answers)\b", conf, re.M)),
            "nopreempt": "nopreempt" in conf,
            "arp_announce": int(sysctls.split()[0]), "arp_notify_eth0": int(sysctls.split()[1]),
            "crash_recovery": bool(labkit.sh(container, "systemctl show -p ExecStopPost --value keepalived").strip())}


def apply_profile(lab: Lab, profile: str, log: Path) -> dict[str, Any]:
    extra = ["-e", f"@{PROFILES[profile].relative_to(ROOT)}"] if PROFILES[profile] else []
    print(f"[{profile}] applying: -i {lab.inventory} playbooks/site.yml --limit loadbalancers {' '.join(extra)} "
          f"(log: {log})", flush=True)
    prepare(lab, profile)  # the role checks the kernel settings it wants and cannot write them in a container
    labkit.run_playbook(lab.inventory, "site.yml", "--limit", "loadbalancers", *extra, log=log)
    prepare(lab, profile)
    labkit.wait_until("the lab to serve from the preferred layout", lambda: lab_ready(lab))
    return live_config(lab)


def prepare(lab: Lab, profile: str) -> None:
    """Kernel settings of the profile in every load balancer (a restarted container gets the lab's again)."""
    for host, container in lab.containers.items():
        want = STOCK_SYSCTLS if profile != "ours" else {
            k: str(v) for k, v in lab.hostvars.get("lab_sysctls", {}).items() if "arp" in k}
        if want:
            labkit.set_sysctls(container, want)


# ---------------------------------------------------------------- faults
class Fault(NamedTuple):
    label: str
    inject: Callable[[str], float]   # container -> the fault's wall-clock time
    restore: Callable[[str], object]  # idempotent: also runs when the drill fails half-way


FAULTS: dict[str, Fault] = {
    "kill": Fault("podman kill of the VIP holder", lambda c: labkit.kill_timed(c, ["haproxy", "keepalived"])[0],
                  lambda c: labkit.start(c, "haproxy", "keepalived")),
    "freeze": Fault("VIP holder frozen (podman pause)", labkit.freeze, labkit.thaw),
    "poweroff": Fault("VIP holder powered off (frozen, link cut)", labkit.power_off,
                      lambda c: labkit.power_on(c, "haproxy", "keepalived")),
    # Debian's unit restarts HAProxy at once; the drill wants it to stay down.
    "haproxy_kill": Fault("HAProxy SIGKILLed, stays down", lambda c: labkit.kill_unit(c, "haproxy", stay_down=True),
                          lambda c: labkit.restore_unit(c, "haproxy")),
    # After a kill the unit may be restarting keepalived already (Restart=on-failure); start is idempotent.
    "keepalived_kill": Fault("keepalived SIGKILLed, HAProxy runs", lambda c: labkit.kill_unit(c, "keepalived"),
                             lambda c: labkit.restore_unit(c, "keepalived")),
    "keepalived_stop": Fault("keepalived stopped (graceful)", lambda c: labkit.stamped(c, "systemctl stop keepalived"),
                             lambda c: labkit.restore_unit(c, "keepalived")),
}


# ---------------------------------------------------------------- drills
def event_result(lab: Lab, samples: list[Sample], event: float, until: float, instance: str,
                 not_host: str | None = None) -> dict[str, Any]:
    moves = labkit.vrrp_transitions(lab.containers, event, until)
    masters = [m for m in moves if m["state"] == "MASTER"]
    vip_ts = next((m["ts"] for m in masters if m["instance"] == instance and m["host"] != not_host), None)
    return {"event_ts": event, "vip_s": None if vip_ts is None else round(vip_ts - event, 4),
            "vip_moves": [{"t_s": round(m["ts"] - event, 3), "host": m["host"], "instance": m["instance"]}
                          for m in masters],
            "transitions": [{**m, "t_s": round(m["ts"] - event, 3)} for m in moves],
            **impact(samples, event), "samples": samples}


def summary(result: dict[str, Any]) -> str:
    gap = f"{result['longest_gap_s']:.3f} s" + ("" if result["recovered"] else " (no recovery)")
    return (f"longest span without success {gap}, failed {result['failed']}/{result['requests']} "
            f"{result['errors'] or ''}, VIP after {result['vip_s']} s")


def run_fault(lab: Lab, name: str, profile: str, rate: float, out: dict[str, dict[str, list[Any]]]) -> None:
    """One fault on the current holder of the first VIP, then its undoing, under one probe:
    the fault's window is the 5 s after it, the undoing's everything after that window."""
    fault = FAULTS[name]
    vi1 = next(iter(lab.vips))
    holder = next(iter(holders(lab)[vi1]))
    restored = False
    try:
        with Probe([lab.vips[vi1]], rate, PRE + POST + DEADLINE + SETTLED + 10) as probe:
            time.sleep(PRE)  # the baseline before the fault
            event = fault.inject(lab.containers[holder])
            time.sleep(max(0.0, event + POST - time.time()))  # fixed window after it
            undone = time.time()
            fault.restore(lab.containers[holder])
            restored = True
            prepare(lab, profile)
            labkit.wait_until("the lab to serve from the preferred layout", lambda: lab_ready(lab))
            time.sleep(SETTLED)
        in_window = [s for s in probe.samples if s.start < event + POST]
        result = event_result(lab, in_window, event, event + POST, vi1, not_host=holder)
        out["fault"][name].append({**result, "holder": holder})
        print(f"  {name}: {summary(result)}", flush=True)
        result = event_result(lab, probe.samples, undone, time.time(), vi1)
        out["restore"][name].append({**result, "holder": holder, "fault_ts": event})
        print(f"  {name} undone: {summary(result)}, {len(result['vip_moves'])} VIP move(s)", flush=True)
    finally:
        if not restored:
            fault.restore(lab.containers[holder])
            prepare(lab, profile)
    labkit.wait_until("the lab to serve from the preferred layout", lambda: lab_ready(lab))


def soak(lab: Lab, rate: float, seconds: float) -> dict[str, Any]:
    """Steady load with every CPU busy: any MASTER transition is a false failover."""
    with labkit.busy_cpus(seconds) as hogs:
        start = time.time()
        with Probe(list(lab.vips.values()), rate, seconds + 1) as probe:
            time.sleep(seconds)  # fixed soak window
    moves = labkit.vrrp_transitions(lab.containers, start, start + seconds + 1)
    seen = impact(probe.samples, start)
    return {"seconds": seconds, "start_ts": start, "cpu_hogs": hogs,
            "master_transitions": sum(m["state"] == "MASTER" for m in moves), "transitions": moves,
            **{k: seen[k] for k in ("requests", "failed", "errors", "longest_gap_s", "p99_ms")}}


def run_profile(lab: Lab, profile: str, args: argparse.Namespace, config: dict[str, Any]) -> dict[str, Any]:
    runs: dict[str, dict[str, list[Any]]] = {"fault": {n: [] for n in args.faults}, "restore": {n: [] for n in args.faults}}
    repeat = args.repeat if profile == "ours" else args.compare_repeat or args.repeat
    for i in range(repeat):
        print(f"[{profile}] run {i + 1}/{repeat}", flush=True)
        for name in args.faults:
            labkit.wait_until("the lab to serve from the preferred layout", lambda: lab_ready(lab))
            run_fault(lab, name, profile, args.rate, runs)
    result: dict[str, Any] = {"config": config, "faults": {}}
    for name in args.faults:
        result["faults"][name] = {"fault": FAULTS[name].label,
                                  "median": medians(runs["fault"][name]), "runs": runs["fault"][name],
                                  "restore": {"median": medians(runs["restore"][name]), "runs": runs["restore"][name]}}
    if args.soak > 0:
        print(f"[{profile}] soak {args.soak:.0f} s with every CPU busy", flush=True)
        result["soak"] = soak(lab, args.rate, args.soak)
        print(f"  MASTER transitions: {result['soak']['master_transitions']}, failed {result['soak']['failed']}",
              flush=True)
    return result


def medians(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {**over_runs(items, medians=("longest_gap_s", "vip_s", "p99_ms"), totals=("requests",)),
            "worst_gap_s": max((r["longest_gap_s"] for r in items), default=None),
            "failed": [r["failed"] for r in items], "unrecovered": sum(not r["recovered"] for r in items),
            "vip_moves": [len(r["vip_moves"]) for r in items]}


def check_targets(report: dict[str, Any], args: argparse.Namespace) -> Targets:
    targets = Targets()
    ours = report["profiles"].get("ours")
    if ours is None:
        return targets
    for name, fault in ours["faults"].items():
        m = fault["median"]
        targets.at_most(f"{name}: median longest span without success (s)", m["longest_gap_s"], args.target_gap)
        targets.at_most(f"{name}: worst longest span without success (s)", m["worst_gap_s"], args.target_worst)
        targets.equal(f"{name}: runs with no recovery", m["unrecovered"], 0)
        r = fault["restore"]["median"]
        targets.at_most(f"{name} undone: worst longest span without success (s)", r["worst_gap_s"], args.target_worst)
    if s := ours.get("soak"):
        targets.equal("soak: false failovers (MASTER transitions)", s["master_transitions"], 0)
    return targets


# ---------------------------------------------------------------- reports
def markdown(report: dict[str, Any]) -> str:
    lines = [f"# Load-balancer failover drill, {report['date']}", "",
             f"`{report['command']}` on `{report['inventory']}`; {provenance_line(report['provenance'])}.",
             f"Probe: GET / on the first VIP, {report['rate']:.0f} req/s, new connection each, "
             f"{report['timeout_s']} s timeout; {report['repeat']} run(s) per fault "
             f"({report['compare_repeat'] or report['repeat']} for the other profiles).", "",
             *head("fault", "profile", "longest span without success: median (worst)", "failed / requests, each run",
                   "VIP moved after", "undone: longest span (worst), failed")]
    for name in next(iter(report["profiles"].values()))["faults"]:
        for profile, res in report["profiles"].items():
            m, r = res["faults"][name]["median"], res["faults"][name]["restore"]["median"]
            never = f", {m['unrecovered']} run(s) never recovered in {POST:.0f} s" if m["unrecovered"] else ""
            lines.append(row(name, profile, f"{m['longest_gap_s']:.3f} s ({m['worst_gap_s']:.3f} s){never}",
                             f"{'/'.join(map(str, m['failed']))} of {m['requests']}",
                             "never" if m["vip_s"] is None else f"{m['vip_s']:.3f} s",
                             f"{r['longest_gap_s']:.3f} s ({r['worst_gap_s']:.3f} s), {'/'.join(map(str, r['failed']))}"))
    lines += [f"| soak {s['seconds']:.0f} s, CPUs busy | {profile} | {s['longest_gap_s']:.3f} s | {s['failed']} of "
              f"{s['requests']} | {s['master_transitions']} MASTER transitions | |"
              for profile, res in report["profiles"].items() if (s := res.get("soak"))]
    lines += ["", "Longest span without success: the longest time, from the last good answer before the",
              "fault to the end of the window, during which no request got a 200; every failed request",
              "counts (in flight at or sent after the fault; 5 s window). Undone: from the end of that",
              "window, the fault reversed (container started, service started, node thawed) until every",
              f"VIP is back on its preferred master, plus {SETTLED:.0f} s.", "",
              "Configuration per profile: " + "; ".join(f"{p}: {json.dumps(res['config'])}"
                                                         for p, res in report["profiles"].items()),
              "", "## Targets", "", *report["targets"]]
    return "\n".join(lines) + "\n"


def plot(report: dict[str, Any], path: Path) -> None:
    profiles = report["profiles"]
    names = list(next(iter(profiles.values()))["faults"])
    fig, axes = figure(len(profiles), len(names), 4.2, 3.6)
    for y, (profile, res) in enumerate(profiles.items()):
        for col, name in enumerate(names):
            ax, run = axes[y][col], max(res["faults"][name]["runs"], key=lambda r: r["longest_gap_s"])
            ax.axvspan(run["gap_from_s"], run["gap_to_s"], color="tab:red", alpha=0.15,
                       label=f"longest span {run['longest_gap_s']:.3f} s")
            lines = [(0.0, "black", "-", "fault")]
            if run["vip_s"] is not None:
                lines.append((run["vip_s"], "tab:blue", "--", f"VIP moved (+{run['vip_s']:.3f} s)"))
            panel(ax, f"{profile}: {name} (worst run)\nfailed {run['failed']}/{run['requests']}", "seconds from the fault",
                  [(label, colour, size, [(s.start - run["event_ts"], s.latency * 1000) for s in run["samples"]
                                          if s.ok == ok]) for ok, label, colour, size in
                   ((True, "ok", "tab:green", 3), (False, "failed", "tab:red", 9))], lines)
        axes[y][0].set_ylabel("latency (ms)")
    save_figure(fig, path, f"Load-balancer faults as clients saw them, {report['date']}, {report['rate']:.0f} req/s, "
                           f"commit {report['provenance']['commit'][:12]}")


def write_reports_of(report: dict[str, Any], out: Path) -> None:
    plot(report, out / "lb-failover.png")
    samples: dict[str, Any] = {}  # raw requests go to their own file: the summary stays readable
    for profile, res in report["profiles"].items():
        for name, fault in res["faults"].items():
            for kind, runs in (("fault", fault["runs"]), ("restore", fault["restore"]["runs"])):
                for run in runs:
                    rows = run.pop("samples")
                    samples.setdefault(profile, {}).setdefault(f"{name}/{kind}", []).append(
                        {"event_ts": run["event_ts"], "fields": ["t_s", "latency_s", "outcome", "served_by", "lb"],
                         "rows": [[round(s.start - run["event_ts"], 4), round(s.latency, 5), *s[2:]] for s in rows]})
    write_reports(out, "lb-failover", report, markdown(report), samples)


def main() -> int:
    parser = drill_parser(__doc__, 200, "probe requests per second")
    parser.add_argument("--faults", default=",".join(FAULTS), help=f"comma-separated (default {','.join(FAULTS)})")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each fault (default 5)")
    parser.add_argument("--compare-repeat", type=int, default=0,
                        help="runs of each fault for the profiles other than ours (default: --repeat)")
    parser.add_argument("--profiles", default="ours",
                        help="comma-separated: ours (the inventory), stock (keepalived's and the kernel's defaults), "
                             "unfixed (ours without the ARP fixes) (default ours)")
    parser.add_argument("--soak", type=float, default=60, help="seconds of CPU-saturated soak per profile; 0 skips")
    parser.add_argument("--target-gap", type=float, default=0.1, help="median longest span without success, s")
    parser.add_argument("--target-worst", type=float, default=0.2, help="worst longest span without success, s")
    args = parser.parse_args()
    labkit.use_venv_tools()
    profiles = args.profiles.split(",")
    args.faults = [f for f in args.faults.split(",") if f]
    if unknown := (set(profiles) - set(PROFILES)) | (set(args.faults) - set(FAULTS)):
        parser.error(f"unknown profile(s) or fault(s) {sorted(unknown)}; choose from {sorted(PROFILES)}, {sorted(FAULTS)}")
    args.out.mkdir(parents=True, exist_ok=True)
    log = args.out / "lb-failover-ansible.log"
    log.write_text("")
    began, lab = time.time(), load_lab(args.inventory)
    report = header("lb_failover", args.inventory, rate=args.rate, repeat=args.repeat,
                    compare_repeat=args.compare_repeat, soak_s=args.soak, probe_window_s=[PRE, POST], timeout_s=TIMEOUT,
                    preferred_masters=lab.preferred, vips=lab.vips, target_gap_s=args.target_gap,
                    target_worst_s=args.target_worst, profiles={})
    applied, targets = "ours", Targets()
    try:
        for profile in profiles:
            extra = PROFILES[profile]
            overrides = yaml.safe_load(extra.read_text()) if extra else {}
            config = live_config(lab)
            want = {**lab.hostvars, **overrides}
            # Skip the playbook when the lab already runs this profile's keepalived.
            if (config["advert_int"] != float(want.get("keepalived_advert_int", 0.1))
                    or config["garp_master_delay"] != float(want.get("keepalived_garp_master_delay", 1))
                    or config["crash_recovery"] != bool(want.get("keepalived_crash_recovery", True))):
                applied = profile
                config = apply_profile(lab, profile, log)
            else:
                prepare(lab, profile)
                config = live_config(lab)
            print(f"[{profile}] keepalived and the kernel run with {config}", flush=True)
            report["profiles"][profile] = run_profile(lab, profile, args, config)
    finally:
        try:  # what was measured is written even if the run or the restore below fails
            if report["profiles"]:
                targets = check_targets(report, args)
                targets.record(report)
                report["duration_s"] = round(time.time() - began, 1)
                write_reports_of(report, args.out)
        finally:
            if applied != "ours":
                try:
                    apply_profile(lab, "ours", log)
                except Exception:
                    print(f"!! the lab still runs profile {applied!r}; restore it with: "
                          f"ansible-playbook -i {args.inventory} playbooks/site.yml (log: {log})", flush=True)
                    raise
    print(f"done in {time.time() - began:.0f} s; reports in {args.out}")
    return targets.verdict("lb_failover")


if __name__ == "__main__":
    sys.exit(main())
