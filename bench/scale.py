#!/usr/bin/env python3
"""How the controller-side work scales with the inventory; no lab needed.

Method
------
Filters, in this process, on generated inputs (hafront/scale.py; plain dicts as hostvars,
so Ansible's own cost of building each host's variables is not counted). Each time is the
best of --runs runs (time.perf_counter): the least disturbed by other work on the machine.
  haproxy_weights         one backend group of --hosts hosts (default 10,000), cycling
                          through capacity, facts, explicit weight, drain and nothing;
  haproxy_server_weights  the same hosts spread over 50 services, half of them by capacity;
  vrrp_priorities         the largest group VRRP allows, 254 load balancers, in 255
                          instances (every virtual_router_id), with hostvars of --hosts
                          hosts; a group of --hosts load balancers must be refused (VRRP
                          has 254 priorities), and the time to refuse it is shown.
Each filter is also timed at 1/10, 1/4 and 1/2 of --hosts, to show how it grows.

haproxy.cfg, the way `make render` does it: a generated inventory (1 load balancer,
--servers backend hosts over --services services, settings as in inventories/production),
`ansible-playbook tests/render/render.yml` (every preflight, the weights, the
real roles/haproxy/templates/haproxy.cfg.j2), then `haproxy -c` of the rendered file in
the checker image of tests/render (Debian 12's and 13's haproxy). The report gives the
wall time of each, the slowest tasks (profile_tasks), the start-up cost of ansible-playbook
on that inventory (one debug task), the same render with 10 servers (what does not grow with
the servers) and the file's size; every server must be in the file.

Targets: each filter < 50 ms; rendering (the two tasks that grow with the servers: the
weights and the haproxy.cfg template, from profile_tasks) + `haproxy -c` < 5 s per checker
image; the whole render.yml, whose start-up and preflight do not depend on the config, is
reported beside it; haproxy -c accepts the file; every server rendered. Exits 1 when one
is missed.
Reports: <out>/scale.{json,md} and scale.png (matplotlib, already in requirements.txt).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "filter_plugins"), str(ROOT / "tests"), str(ROOT / "tests/render")]

from ansible.errors import AnsibleFilterError  # noqa: E402
from ansible.release import __version__ as ansible_core_version  # noqa: E402
from haproxy_server_weights import haproxy_server_weights  # noqa: E402
from haproxy_weights import haproxy_weights  # noqa: E402
from vrrp_priorities import vrrp_priorities  # noqa: E402

from hafront import scale  # noqa: E402
from hafront.lab import use_venv_tools  # noqa: E402
from hafront.report import (Targets, figure, head, header, provenance_line, row, save_figure,  # noqa: E402
                            targets_and_chart, write_reports)

FILTER_TARGET_MS = 50.0
RENDER_TARGET_S = 5.0
SMALL_SERVERS = 10
TASK_LINE = re.compile(r"^(.+?) -{3,} (\d+\.\d+)s$", re.M)
# render.yml's tasks that render haproxy.cfg: the weights, then the template.
RENDER_TASKS = ("haproxy : Compute backend weights", "Render haproxy.cfg")


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def timed(timing: scale.Timing) -> dict[str, Any]:
    return {"best_ms": ms(timing.best), "cpu_ms": ms(timing.best_cpu), "runs_ms": [ms(t) for t in timing.runs]}


def time_filters(hosts: int, services: int, runs: int) -> dict[str, Any]:
    """Each filter's best and every run, in ms, at hosts and at fractions of it."""
    sizes = sorted({max(1, hosts // 10), max(1, hosts // 4), max(1, hosts // 2), hosts})
    found: dict[str, Any] = {"haproxy_weights": {}, "haproxy_server_weights": {}, "vrrp_priorities": {}}
    for n in sizes:
        names, hostvars = scale.weights_input(n)
        found["haproxy_weights"][n] = timed(scale.best_of(lambda: haproxy_weights(names, hostvars), runs))

        svc, groups, hostvars = scale.server_weights_input(n, services)
        found["haproxy_server_weights"][n] = timed(scale.best_of(lambda: haproxy_server_weights(svc, groups, hostvars),
                                                                 runs))

        lbs, instances, hostvars = scale.vrrp_input(n)
        found["vrrp_priorities"][n] = {**timed(scale.best_of(lambda: vrrp_priorities(lbs, instances, hostvars, top=254,
                                                                                       step=1), runs)),
                                       "load_balancers": len(lbs), "instances": len(instances)}

    lbs, instances, hostvars = scale.vrrp_input(hosts, load_balancers=hosts, instances=2)
    refused = ""

    def refuse() -> None:
        nonlocal refused
        try:
            vrrp_priorities(lbs, instances, hostvars, top=254, step=1)
        except AnsibleFilterError as err:
            refused = str(err)

    found["vrrp_refuses"] = {"load_balancers": hosts, **timed(scale.best_of(refuse, runs)), "refused": bool(refused),
                             "message": refused}
    return found


def checker_image(suite: str) -> str:
    """The image tests/render checks with (built as its `checker` fixture does; a no-op when current)."""
    from helpers import run
    run(["bash", "roles/lab/files/build-image.sh", suite], check=True, timeout=900)
    run(["bash", "tests/render/build-checker.sh", suite], check=True, timeout=900)
    return f"localhost/hafront-checker:{suite}"


def playbook(inventory: Path, argv: list[str]) -> tuple[float, Any]:
    """Wall time and result of ansible-playbook on inventory, every task's time listed."""
    from helpers import run
    start = time.perf_counter()
    proc = run(["ansible-playbook", "-i", str(inventory), *argv], timeout=1800,
               env={"PROFILE_TASKS_TASK_OUTPUT_LIMIT": "100"})
    return time.perf_counter() - start, proc


def time_render(services: int, servers: int, suites: list[str], work: Path) -> dict[str, Any]:
    from test_render import SECRETS, haproxy_check
    inventory = work / "inventory"
    # One load balancer: render.yml renders every load balancer of the inventory, and with
    # --limit the keepalived template misses the other nodes' facts.
    backends = scale.write_inventory(inventory, services, servers, load_balancers=1)
    out = work / "rendered"

    baseline_play = work / "one-task.yml"
    baseline_play.write_text("- hosts: lb1\n  gather_facts: false\n  tasks:\n"
                             "    - ansible.builtin.debug:\n        msg: start-up cost only\n")
    baseline_s, _ = playbook(inventory, [str(baseline_play)])
    # The same render of a small inventory of the same shape: what does not grow with the servers.
    small = work / "small"
    # 5 servers a service: one of them drained leaves the others (a service with all drained fails preflight).
    scale.write_inventory(small, max(1, min(services, SMALL_SERVERS // 5)), SMALL_SERVERS, load_balancers=1)
    small_s, small_proc = playbook(small, ["tests/render/render.yml", "-e", f"render_dir={work / 'small-out'}", *SECRETS])

    render_s, proc = playbook(inventory, ["tests/render/render.yml", "-e", f"render_dir={out}", *SECRETS])
    cfg = out / "lb1/haproxy.cfg"
    result: dict[str, Any] = {
        "services": services, "servers": servers, "load_balancers_in_inventory": 1,
        "playbook_rc": proc.returncode, "render_s": round(render_s, 2), "startup_s": round(baseline_s, 2),
        "small_servers": SMALL_SERVERS, "small_render_s": round(small_s, 2), "small_rc": small_proc.returncode,
        "tasks_s": [[name.strip(), float(secs)] for name, secs in TASK_LINE.findall(proc.stdout)],
    }
    result["template_s"] = round(sum(secs for name, secs in result["tasks_s"]
                                     if name.startswith(RENDER_TASKS)), 2)
    if small_proc.returncode != 0:
        result["small_error"] = small_proc.stdout[-3000:] + small_proc.stderr[-2000:]
    if proc.returncode != 0 or not cfg.exists():
        result["error"] = proc.stdout[-3000:] + proc.stderr[-2000:]
        return result
    text = cfg.read_text()
    rendered = scale.servers_in(text)
    result.update({"bytes": len(text.encode()), "lines": text.count("\n"),
                   "servers_rendered": sum(len(v) for k, v in rendered.items() if k in backends),
                   "missing": sorted(f"{b}/{h}" for b, hosts in backends.items()
                                     for h in set(hosts) - set(rendered.get(b, [])))[:20],
                   "checks": {}})
    for suite in suites:
        image = checker_image(suite)
        start = time.perf_counter()
        check = haproxy_check(image, cfg)
        check_s = time.perf_counter() - start
        result["checks"][suite] = {"rc": check.returncode, "check_s": round(check_s, 2),
                                   "total_s": round(result["template_s"] + check_s, 2),
                                   "output": (check.stdout + check.stderr).strip()[-1500:]}
    return result


def check_targets(report: dict[str, Any]) -> Targets:
    targets = Targets()
    filters, hosts = report["filters"], report["hosts"]
    targets.at_most(f"haproxy_weights, {hosts:,} hosts (best of {report['runs']}), ms",
                    filters["haproxy_weights"][hosts]["best_ms"], FILTER_TARGET_MS)
    targets.at_most(f"haproxy_server_weights, {hosts:,} hosts in {report['filter_services']} services, ms",
                    filters["haproxy_server_weights"][hosts]["best_ms"], FILTER_TARGET_MS)
    vrrp = filters["vrrp_priorities"][hosts]
    targets.at_most(f"vrrp_priorities, {vrrp['load_balancers']} LBs x {vrrp['instances']} instances, "
                    f"hostvars of {hosts:,} hosts, ms", vrrp["best_ms"], FILTER_TARGET_MS)
    targets.equal(f"vrrp_priorities refuses {hosts:,} load balancers", filters["vrrp_refuses"]["refused"], True)
    if render := report.get("render"):
        targets.equal("render.yml succeeds", render["playbook_rc"], 0)
        targets.equal(f"render.yml succeeds with {render['small_servers']} servers", render["small_rc"], 0)
        targets.equal("servers in haproxy.cfg", render.get("servers_rendered"), render["servers"])
        for suite, check in render.get("checks", {}).items():
            targets.equal(f"haproxy -c ({suite})", check["rc"], 0)
            targets.at_most(f"render (weights + template tasks) + haproxy -c ({suite}), {render['servers']:,} servers, s",
                            check["total_s"],
                            RENDER_TARGET_S)
    return targets


def markdown(report: dict[str, Any]) -> str:
    m = report["provenance"]["machine"]
    lines = ["# Scale: filters and haproxy.cfg", "",
             f"`{report['command']}`, {report['date']}; {provenance_line(report['provenance'])}; "
             f"Python {m['python']}, ansible-core {report['ansible_core']}. Load average (1, 5, 15 min) "
             f"{report['load_average_before']} before, {report['load_average_after']} after.", "",
             f"## Filters (in process, plain-dict hostvars, best of {report['runs']} runs)", "",
             "Each cell: best wall time (time.perf_counter), the target's measure; in brackets the least CPU time "
             "of this process in one run (time.process_time), the work itself when every run was preempted.", "",
             *head("filter", *[f"{n:,} hosts, ms" for n in report["filters"]["haproxy_weights"]])]
    for name in ("haproxy_weights", "haproxy_server_weights", "vrrp_priorities"):
        lines.append(row(name, *[f"{v['best_ms']} ({v['cpu_ms']})" for v in report["filters"][name].values()]))
    refuse = report["filters"]["vrrp_refuses"]
    lines += ["", "vrrp_priorities ranks at most 254 load balancers (one VRRP priority each), so its rows are the "
              "largest valid group, 254 load balancers in 255 instances, with hostvars of that many hosts. "
              f"A group of {refuse['load_balancers']:,} load balancers is refused in {refuse['best_ms']} ms: "
              f"`{refuse['message'][:160]}`"]
    if render := report.get("render"):
        lines += ["", f"## haproxy.cfg: {render['servers']:,} servers in {render['services']} services", ""]
        if "error" in render:
            lines += ["render.yml failed:", "", "```", render["error"], "```"]
        else:
            lines += [f"`ansible-playbook tests/render/render.yml` (inventory of "
                      f"{render['servers'] + render['load_balancers_in_inventory']} hosts): **{render['render_s']} s**; "
                      f"of which ansible-playbook's start-up on this inventory (one debug task) {render['startup_s']} s. "
                      f"The same render of {render['small_servers']} servers (an inventory of the same shape): "
                      f"{render['small_render_s']} s (rc {render['small_rc']}), so the other "
                      f"{render['servers'] - render['small_servers']:,} servers cost "
                      f"{render['render_s'] - render['small_render_s']:.2f} s. "
                      f"File: {render['bytes']:,} bytes, {render['lines']:,} lines, "
                      f"{render['servers_rendered']:,} servers. Rendering itself (the weights and "
                      f"template tasks): **{render['template_s']} s**.", "",
                      *head("checker", "haproxy -c rc", "haproxy -c s", "render + check s")]
            lines += [row(s, c["rc"], c["check_s"], c["total_s"]) for s, c in render["checks"].items()]
            lines += ["", "Slowest tasks (profile_tasks):", "", *head("task", "s")]
            lines += [row(name, secs) for name, secs in render["tasks_s"][:12]]
    return "\n".join(lines + targets_and_chart(report, "scale")) + "\n"


def chart(report: dict[str, Any], path: Path) -> None:
    fig, axes = figure(1, 2, 6, 4, sharey=False)
    ax, right = axes[0]
    for name, points in report["filters"].items():
        if name != "vrrp_refuses":
            label = f"{name} (254 LBs x 255 instances)" if name == "vrrp_priorities" else name
            ax.plot(list(points), [p["best_ms"] for p in points.values()], marker="o", label=label)
    ax.axhline(FILTER_TARGET_MS, color="red", ls="--", lw=1, label="target")
    ax.set_xlabel("hosts (in hostvars)")
    ax.set_ylabel("ms (best of runs)")
    ax.set_title("Filters", fontsize=9)
    ax.legend(fontsize=7)
    ax = right
    if (render := report.get("render")) and "error" not in render:
        parts = [("1-task play (start-up)", render["startup_s"]),
                 (f"render.yml, {render['small_servers']} servers", render["small_render_s"]),
                 (f"render.yml, {render['servers']:,} servers", render["render_s"])]
        parts += [(f"haproxy -c {s}", c["check_s"]) for s, c in render["checks"].items()]
        ax.barh([p[0] for p in parts], [p[1] for p in parts])
        ax.axvline(RENDER_TARGET_S, color="red", ls="--", lw=1, label="target (render + check)")
        ax.set_xlabel("s")
        ax.set_title(f"haproxy.cfg, {render['servers']:,} servers", fontsize=9)
        ax.legend(fontsize=7)
    save_figure(fig, path, "hafront at scale")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hosts", type=int, default=10_000, help="hosts for the filters (default 10000)")
    parser.add_argument("--filter-services", type=int, default=50, help="services for haproxy_server_weights")
    parser.add_argument("--runs", type=int, default=25, help="runs per filter measurement; the best counts")
    parser.add_argument("--services", type=int, default=50, help="services in the rendered haproxy.cfg")
    parser.add_argument("--servers", type=int, default=1000, help="backend servers in the rendered haproxy.cfg")
    parser.add_argument("--suites", default="bookworm,trixie", help="checker images for haproxy -c")
    parser.add_argument("--no-render", action="store_true", help="time the filters only")
    parser.add_argument("--out", type=Path, default=ROOT / "reports")
    args = parser.parse_args()
    use_venv_tools()
    args.out.mkdir(parents=True, exist_ok=True)

    report = header("scale", "generated (hafront/scale.py)", ansible_core=ansible_core_version, hosts=args.hosts,
                    runs=args.runs, filter_services=args.filter_services)
    print(f"scale: filters on {args.hosts:,} hosts, best of {args.runs}", flush=True)
    report["load_average_before"] = [round(x, 2) for x in os.getloadavg()]
    report["filters"] = time_filters(args.hosts, args.filter_services, args.runs)
    if not args.no_render:
        print(f"scale: render.yml with {args.servers:,} servers in {args.services} services, then haproxy -c", flush=True)
        with tempfile.TemporaryDirectory(prefix="hafront-scale-") as work:
            report["render"] = time_render(args.services, args.servers, args.suites.split(","), Path(work))
    report["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    targets = check_targets(report)
    targets.record(report)
    chart(report, args.out / "scale.png")
    report["chart"] = "scale.png"
    write_reports(args.out, "scale", report, markdown(report), indent=2)
    return targets.verdict("scale")


if __name__ == "__main__":
    sys.exit(main())
