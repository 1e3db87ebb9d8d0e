#!/usr/bin/env python3
"""Deploy time against the number of backend hosts: the full site.yml on a lab of its own.

Method
------
For each N of --backends (default 3,6,12), an inventory generated in a temporary directory
from inventories/molecule (its group_vars, and its connection: SSH as `deploy` with sudo,
strict host keys) with a lab of its own, so neither Molecule's lab nor `make deploy`'s is
touched: lab_name and network `hafront-bench`, subnet 10.213.30.0/24, its own SSH key pair
and known_hosts (<lab secrets>/hafront-bench-ssh; Molecule's connection variables name
Molecule's key, so they are rewritten) and TLS certificate. Hosts: lb1 and lb2 (.11, .12),
web1..webN (.101.., haproxy_capacity 1; .21.. as in the other labs would run into the Redis
hosts past 10 backends), redis1-3 (.31-.33, the platform whole), all Debian 12. The VIPs
are .250 and .251, in Molecule's keepalived instances (the same VRRP ids: another bridge,
so no adverts cross).

Per N: lab_down.yml (leftovers), lab_up.yml (timed, not deploy time), then site.yml twice
with -f N+5 (every host at once): the first run on fresh containers and the re-run with
nothing to change, each timed on the wall clock (time.perf_counter around ansible-playbook,
start-up included) and its PLAY RECAP parsed. lab_down.yml after each size (--keep leaves
the last lab up). Before the first size, lab_down.yml of the largest inventory removes what
an earlier run may have left.

Targets (exit 1 when one is missed): every run succeeds; the re-run reports changed=0 at
every N; the re-run at the smallest N (3 by default) takes at most 30 s; the first run grows
sub-linearly: time(largest N) / time(smallest N) at most half of hosts(largest) /
hosts(smallest), hosts counting every host of the inventory (N + 5). Backends are configured
in parallel and the rollout of the load balancers and Redis nodes is one node at a time
whatever N is, so a deploy that grew in proportion to its hosts would be doing per-host work
in series. Needs two sizes; the numbers are reported either way.
Reports: <out>/deploy.{json,md,png}, the playbooks' output in <out>/deploy.log.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

from ansible.release import __version__ as ansible_core_version  # noqa: E402

from hafront.lab import LabError, inventory_copy, run_playbook, secrets_dir, use_venv_tools  # noqa: E402
from hafront.report import (Targets, figure, head, header, provenance_line, row, save_figure,  # noqa: E402
                            targets_and_chart, write_reports)

MOLECULE = ROOT / "inventories/molecule"
LAB_NAME = "hafront-bench"
PREFIX = "10.213.30"
SUBNET = f"{PREFIX}.0/24"
VIPS = [f"{PREFIX}.250", f"{PREFIX}.251"]
LOAD_BALANCERS = 2
REDIS = 3
OTHER_HOSTS = LOAD_BALANCERS + REDIS
MAX_BACKENDS = 99                  # web1..web99 at .101...199
RERUN_TARGET_S = 30.0
GROWTH_FRACTION = 0.5              # of the host-count ratio
PLAYBOOK_TIMEOUT = 1800
TASK_LINE = re.compile(r"^(.+?) -{3,} (\d+\.\d+)s$", re.M)


# ---------------------------------------------------------------- the inventory
def hosts_tree(backends: int) -> dict[str, Any]:
    """hosts.yml of a bench lab: 2 load balancers, that many web hosts, 3 Redis hosts."""
    if not 1 <= backends <= MAX_BACKENDS:
        raise ValueError(f"backends must be 1..{MAX_BACKENDS} (web addresses .101-.199), got {backends}")

    def host(last: int, **extra: Any) -> dict[str, Any]:
        return {"ansible_host": f"{PREFIX}.{last}", "lab_address": f"{PREFIX}.{last}", **extra}

    return {"all": {"children": {"lab": {"children": {
        "loadbalancers": {"hosts": {f"lb{i}": host(10 + i) for i in range(1, LOAD_BALANCERS + 1)}},
        "web": {"hosts": {f"web{i}": host(100 + i, haproxy_capacity=1) for i in range(1, backends + 1)}},
        "redis": {"hosts": {f"redis{i}": host(30 + i) for i in range(1, REDIS + 1)}},
    }}}}}


def bench_group_vars(group_vars: dict[str, dict[str, Any]], ssh_key: str) -> dict[str, dict[str, Any]]:
    """Molecule's group_vars files (path under group_vars/ -> variables) with the bench lab's
    name, subnet, VIPs and SSH key; only the files that change. ValueError when Molecule's
    files no longer have the shape this rewrites (the bench must not reach Molecule's lab)."""
    everyone, lbs, conn = (dict(group_vars[f]) for f in ("all.yml", "loadbalancers.yml", "lab/connection.yml"))
    old_key = everyone["lab_ssh_key"]
    everyone.update(lab_name=LAB_NAME, lab_network=LAB_NAME, lab_subnet=SUBNET, lab_ssh_key=ssh_key)

    instances = lbs["keepalived_instances"]
    if len(instances) != len(VIPS) or any(len(i["vips"]) != 1 for i in instances):
        raise ValueError(f"expected {len(VIPS)} keepalived instances of one VIP each in Molecule's "
                         f"loadbalancers.yml, got {instances}")
    prefix_len = SUBNET.split("/")[1]
    lbs["keepalived_instances"] = [{**i, "vips": [f"{vip}/{prefix_len}"]} for i, vip in zip(instances, VIPS,
                                                                                         strict=True)]
    lbs["lab_vips"] = list(VIPS)

    if old_key not in conn["ansible_ssh_common_args"] or conn["ansible_ssh_private_key_file"] != old_key:
        raise ValueError(f"Molecule's lab/connection.yml no longer names its key {old_key} as expected")
    conn["ansible_ssh_private_key_file"] = ssh_key
    conn["ansible_ssh_common_args"] = conn["ansible_ssh_common_args"].replace(old_key, ssh_key)
    return {"all.yml": everyone, "loadbalancers.yml": lbs, "lab/connection.yml": conn}


def write_inventory(work: Path, backends: int, ssh_key: str) -> Path:
    """A bench inventory with that many backends, in a new directory under work."""
    tree = hosts_tree(backends)
    inventory = inventory_copy(MOLECULE, work, lambda hosts: (hosts.clear(), hosts.update(tree)))
    group_vars = {f: yaml.safe_load((inventory / "group_vars" / f).read_text())
                  for f in ("all.yml", "loadbalancers.yml", "lab/connection.yml")}
    changed = bench_group_vars(group_vars, ssh_key)
    # SSH connections of its own: a master connection Ansible keeps open (ControlPersist) to
    # the previous size's container at the same address would be reused otherwise.
    changed["lab/connection.yml"]["ansible_control_path_dir"] = str(inventory / "cp")
    for name, values in changed.items():
        (inventory / "group_vars" / name).write_text("---\n" + yaml.safe_dump(values, sort_keys=False))
    return inventory


def host_count(backends: int) -> int:
    return backends + OTHER_HOSTS


# ---------------------------------------------------------------- the growth
def slopes(seconds: dict[int, float | None]) -> list[dict[str, Any]]:
    """Seconds per added backend between consecutive sizes (backends -> seconds)."""
    sizes = sorted(n for n, s in seconds.items() if s is not None)
    return [{"from": a, "to": b, "s_per_backend": round((seconds[b] - seconds[a]) / (b - a), 2)}
            for a, b in zip(sizes, sizes[1:], strict=False)]


def growth(seconds: dict[int, float | None]) -> dict[str, Any] | None:
    """time(largest) / time(smallest) against the same ratio of hosts and of backends, and the
    bound the rule sets (half the host ratio); None with fewer than two measured sizes."""
    sizes = sorted(n for n, s in seconds.items() if s)
    if len(sizes) < 2:
        return None
    small, large = sizes[0], sizes[-1]
    hosts_ratio = host_count(large) / host_count(small)
    return {"smallest": small, "largest": large, "time_ratio": round(seconds[large] / seconds[small], 3),
            "hosts_ratio": round(hosts_ratio, 3), "backends_ratio": round(large / small, 3),
            "bound": round(GROWTH_FRACTION * hosts_ratio, 3)}


# ---------------------------------------------------------------- the runs
def timed_playbook(inventory: Path, playbook: str, *extra: str, log: Path, check: bool) -> dict[str, Any]:
    """One ansible-playbook run: wall seconds, rc, the recap's totals, the hosts that changed
    and the slowest tasks (profile_tasks)."""
    offset = log.stat().st_size
    start = time.perf_counter()
    run = run_playbook(inventory, playbook, *extra, log=log, timeout=PLAYBOOK_TIMEOUT, check=check)
    seconds = time.perf_counter() - start
    with log.open() as out:
        out.seek(offset)
        text = out.read()
    return {"s": round(seconds, 1), "rc": run.rc, "totals": run.totals,
            "changed_hosts": sorted(h for h, c in run.recap.items() if c.get("changed")),
            "slowest_tasks": [[name.strip(), float(s)] for name, s in TASK_LINE.findall(text)][:5]}


def leftovers() -> list[str]:
    proc = subprocess.run(["podman", "ps", "-a", "--filter", f"label=hafront.lab={LAB_NAME}", "--format",
                           "{{.Names}}"], capture_output=True, text=True, timeout=60)
    return proc.stdout.split()


def measure(backends: int, inventory: Path, log: Path) -> dict[str, Any]:
    """lab_up.yml, then site.yml twice, on a lab of that many backends (left up)."""
    forks = ["-f", str(host_count(backends))]
    found: dict[str, Any] = {"backends": backends, "hosts": host_count(backends),
                             "load_average_before": [round(x, 2) for x in os.getloadavg()]}
    print(f"deploy: {backends} backends: lab_up.yml", flush=True)
    found["lab_up"] = timed_playbook(inventory, "lab_up.yml", log=log, check=True)
    for name in ("first", "rerun"):
        print(f"deploy: {backends} backends: site.yml, {'first run' if name == 'first' else 're-run'}", flush=True)
        found[name] = run = timed_playbook(inventory, "site.yml", *forks, log=log, check=False)
        print(f"  {run['s']} s, rc {run['rc']}, changed={run['totals'].get('changed')}", flush=True)
        if run["rc"]:
            break
    found["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    return found


def seconds_of(report: dict[str, Any], run: str) -> dict[int, float | None]:
    return {s["backends"]: s[run]["s"] if s.get(run, {}).get("rc") == 0 else None for s in report["sizes"]}


def check_targets(report: dict[str, Any]) -> Targets:
    targets = Targets()
    if "error" in report:
        targets.equal("the lab comes up and goes down", report["error"], None)
    for size in report["sizes"]:
        n = size["backends"]
        if "error" in size:
            targets.equal(f"{n} backends: lab and runs", size["error"], None)
            continue
        targets.equal(f"{n} backends: site.yml first run rc", size["first"]["rc"], 0)
        rerun = size.get("rerun", {})
        targets.equal(f"{n} backends: site.yml re-run rc", rerun.get("rc"), 0)
        targets.equal(f"{n} backends: re-run changed", rerun.get("totals", {}).get("changed"), 0)
    if report["sizes"]:
        smallest = min(report["sizes"], key=lambda s: s["backends"])
        targets.at_most(f"re-run, {smallest['backends']} backends, s",
                        smallest.get("rerun", {}).get("s") if smallest.get("rerun", {}).get("rc") == 0 else None,
                        RERUN_TARGET_S)
    if len(report["sizes"]) > 1:
        first, sizes = seconds_of(report, "first"), sorted(s["backends"] for s in report["sizes"])
        small, large = sizes[0], sizes[-1]
        targets.at_most(f"first run, time({large}) / time({small}) (bound: {GROWTH_FRACTION} x hosts "
                        f"{host_count(large)}/{host_count(small)})",
                        round(first[large] / first[small], 3) if first[small] and first[large] else None,
                        round(GROWTH_FRACTION * host_count(large) / host_count(small), 3))
    return targets


# ---------------------------------------------------------------- the report
def markdown(report: dict[str, Any]) -> str:
    m = report["provenance"]["machine"]
    lines = ["# Deploy time against the number of backends", "",
             f"`{report['command']}`, {report['date']}; {provenance_line(report['provenance'])}; "
             f"Python {m['python']}, ansible-core {report['ansible_core']}. A lab of its own ({LAB_NAME}, "
             f"{SUBNET}): 2 load balancers, N web hosts, 3 Redis hosts, Debian 12, reached over SSH as in "
             "Molecule; site.yml with -f (N + 5), every host at once; wall clock, ansible-playbook's start-up "
             "included.", "",
             *([f"**The run stopped:** {report['error']}", ""] if "error" in report else []),
             *head("backends", "hosts", "lab_up.yml s", "first run s", "first changed", "re-run s", "re-run changed",
                   "load average before, after")]
    for s in report["sizes"]:
        if "error" in s:
            lines.append(row(s["backends"], s["hosts"], "error", s["error"][:200], "", "", "", ""))
            continue
        first, rerun = s["first"], s.get("rerun", {})
        lines.append(row(s["backends"], s["hosts"], s["lab_up"]["s"],
                         f"**{first['s']}**" + ("" if first["rc"] == 0 else f" (rc {first['rc']})"),
                         first["totals"].get("changed"),
                         f"**{rerun['s']}**" + ("" if rerun["rc"] == 0 else f" (rc {rerun['rc']})") if rerun else "-",
                         rerun.get("totals", {}).get("changed", "-"),
                         f"{s['load_average_before'][0]}, {s['load_average_after'][0]}"))
    if report["slopes"]["first"]:
        lines += ["", "Seconds per added backend (between consecutive sizes):", "",
                  *head("from", "to", "first run s/backend", "re-run s/backend")]
        rerun_slopes = {(s["from"], s["to"]): s["s_per_backend"] for s in report["slopes"]["rerun"]}
        for s in report["slopes"]["first"]:
            lines.append(row(s["from"], s["to"], s["s_per_backend"], rerun_slopes.get((s["from"], s["to"]), "-")))
    else:
        lines += ["", "One size measured: the growth needs two (--backends)."]
    for run in ("first", "rerun"):
        if grow := report["growth"][run]:
            lines += ["", f"{'First run' if run == 'first' else 'Re-run'}: time({grow['largest']}) / "
                      f"time({grow['smallest']}) = **{grow['time_ratio']}** for {grow['hosts_ratio']} times the hosts "
                      f"({grow['backends_ratio']} times the backends); growth in proportion to the hosts would give "
                      f"{grow['hosts_ratio']}" + (f", the target is at most {grow['bound']}." if run == "first" else ".")]
    for s in report["sizes"]:
        changed = s.get("rerun", {}).get("changed_hosts")
        if changed:
            lines += ["", f"Re-run at {s['backends']} backends changed: {', '.join(changed)} (see deploy.log)."]
    if report["sizes"] and "error" not in (largest := max(report["sizes"], key=lambda s: s["backends"])):
        lines += ["", f"Slowest tasks of the first run at {largest['backends']} backends (profile_tasks):", "",
                  *head("task", "s"), *[row(name, secs) for name, secs in largest["first"]["slowest_tasks"]]]
    return "\n".join(lines + targets_and_chart(report, "deploy")) + "\n"


def chart(report: dict[str, Any], path: Path) -> None:
    fig, axes = figure(1, 2, 6, 4, sharey=False)
    left, right = axes[0]
    first, rerun = seconds_of(report, "first"), seconds_of(report, "rerun")
    for ax, points, title in ((left, first, "site.yml, first run"), (right, rerun, "site.yml, re-run (nothing to do)")):
        measured = sorted((n, s) for n, s in points.items() if s is not None)
        if not measured:
            continue
        ax.plot(*zip(*measured, strict=True), marker="o", label="measured")
        small, base = measured[0]
        sizes = sorted(points)
        ax.plot(sizes, [base * host_count(n) / host_count(small) for n in sizes], ls=":", color="grey",
                label=f"in proportion to the hosts (from {small})")
        # Each target bounds one point: the first run at the largest N, the re-run at the smallest.
        if ax is left and len(sizes) > 1:
            ax.scatter([sizes[-1]], [base * GROWTH_FRACTION * host_count(sizes[-1]) / host_count(small)], marker="_",
                       s=400, color="red", zorder=3, label=f"target at {sizes[-1]}: at most half of proportional")
        elif ax is right:
            ax.scatter([small], [RERUN_TARGET_S], marker="_", s=400, color="red", zorder=3,
                       label=f"target at {small}: at most {RERUN_TARGET_S:g} s")
        ax.set_xlabel("backend hosts (N); hosts = N + 5")
        ax.set_ylabel("s (wall clock)")
        ax.set_ylim(bottom=0)
        ax.set_xticks(sizes)
        ax.set_title(title, fontsize=9)
        ax.legend(fontsize=7)
    save_figure(fig, path, "hafront: deploy time against the number of backends")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backends", default="3,6,12", help="backend host counts, comma-separated (default 3,6,12)")
    parser.add_argument("--out", type=Path, default=ROOT / "reports", help="default reports/")
    parser.add_argument("--keep", action="store_true", help="leave the last lab up")
    args = parser.parse_args()
    sizes = sorted({int(n) for n in args.backends.split(",")})
    for n in sizes:
        hosts_tree(n)  # refuse a bad size before any container is touched
    use_venv_tools()
    args.out.mkdir(parents=True, exist_ok=True)
    log = args.out / "deploy.log"
    log.write_text("")
    ssh_key = str(secrets_dir().resolve() / f"{LAB_NAME}-ssh")

    report = header("deploy", f"generated from inventories/molecule ({LAB_NAME}, {SUBNET})",
                    ansible_core=ansible_core_version, backends=sizes, sizes=[])
    report["command"] = " ".join(["bench/deploy.py", *sys.argv[1:]])
    print(f"deploy: site.yml on {', '.join(map(str, sizes))} backends (log: {log})", flush=True)
    with tempfile.TemporaryDirectory(prefix="hafront-deploy-") as tmp:
        work = Path(tmp)
        up: Path | None = write_inventory(work, sizes[-1], ssh_key)
        try:
            run_playbook(up, "lab_down.yml", log=log)
            if left := leftovers():
                raise LabError(f"containers of {LAB_NAME} outside the largest inventory remain: {', '.join(left)}")
            for i, n in enumerate(sizes):
                up = write_inventory(work, n, ssh_key)
                try:
                    report["sizes"].append(measure(n, up, log))
                except (LabError, subprocess.SubprocessError) as err:
                    report["sizes"].append({"backends": n, "hosts": host_count(n), "error": str(err)})
                if i < len(sizes) - 1 or not args.keep:
                    run_playbook(up, "lab_down.yml", log=log)
                    up = None
        except (LabError, subprocess.SubprocessError) as err:
            report["error"] = str(err)
        finally:
            if up is not None and not args.keep:
                run_playbook(up, "lab_down.yml", log=log, check=False)

    for run in ("first", "rerun"):
        report.setdefault("slopes", {})[run] = slopes(seconds_of(report, run))
        report.setdefault("growth", {})[run] = growth(seconds_of(report, run))
    targets = check_targets(report)
    targets.record(report)
    chart(report, args.out / "deploy.png")
    report["chart"] = "deploy.png"
    write_reports(args.out, "deploy", report, markdown(report), indent=2)
    return targets.verdict("deploy")


if __name__ == "__main__":
    sys.exit(main())
