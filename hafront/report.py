"""What every drill report carries: where it ran, and which targets it missed."""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def drill_parser(doc: str, rate: float, rate_help: str) -> argparse.ArgumentParser:
    """The options every drill takes: the lab's --inventory, its load's --rate, --out for its reports."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--inventory", default="inventories/lab", help="default inventories/lab")
    parser.add_argument("--rate", type=float, default=rate, help=f"{rate_help} (default {rate:g})")
    parser.add_argument("--out", type=Path, default=ROOT / "reports", help="default reports/")
    return parser


def _git(*args: str) -> str:
    try:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def provenance() -> dict[str, Any]:
    """The commit (and whether the tree had local changes) and the machine a report comes from."""
    model = ""
    try:
        model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                      if line.startswith("model name")), "")
    except OSError:
        pass
    return {"commit": _git("rev-parse", "HEAD") or "unknown",
            "dirty": bool(_git("status", "--porcelain", "--untracked-files=no")),
            "machine": {"hostname": platform.node(), "kernel": platform.release(), "cpus": os.cpu_count(),
                        "cpu_model": model, "python": platform.python_version()}}


def header(drill: str, inventory: str, **fields: Any) -> dict[str, Any]:
    """What every drill report starts with: its command line, when (UTC), the commit and
    machine, the inventory; then the drill's own fields."""
    return {"command": " ".join([f"drills/{drill}.py", *sys.argv[1:]]),
            "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "provenance": provenance(),
            "inventory": inventory, **fields}


def provenance_line(prov: dict[str, Any]) -> str:
    m = prov["machine"]
    dirty = " (with local changes)" if prov["dirty"] else ""
    return (f"commit {prov['commit'][:12]}{dirty}; {m['hostname']}, {m['cpus']} CPUs ({m['cpu_model']}), "
            f"kernel {m['kernel']}")


@dataclass
class Targets:
    """Targets a drill checks; the drill exits non-zero when any is missed."""

    checks: list[dict[str, Any]] = field(default_factory=list)

    def at_most(self, what: str, value: float | None, bound: float, unit: str = "") -> bool:
        met = value is not None and value <= bound
        self.checks.append({"target": what, "value": value, "bound": f"<= {bound}{unit}", "met": met})
        return met

    def equal(self, what: str, value: Any, want: Any) -> bool:
        met = value == want
        self.checks.append({"target": what, "value": value, "bound": f"== {want}", "met": met})
        return met

    @property
    def missed(self) -> list[dict[str, Any]]:
        return [c for c in self.checks if not c["met"]]

    def markdown(self) -> list[str]:
        lines = ["| target | measured | bound | met |", "|---|---|---|---|"]
        lines += [f"| {c['target']} | {c['value']} | {c['bound']} | {'yes' if c['met'] else '**NO**'} |"
                  for c in self.checks]
        return lines

    def record(self, report: dict[str, Any]) -> None:
        """The targets' table and the missed ones, into the report."""
        report["targets"], report["targets_missed"] = self.markdown(), self.missed

    def verdict(self, drill: str) -> int:
        """Print the missed targets; the exit code for the drill."""
        for c in self.missed:
            print(f"!! {drill}: target missed: {c['target']}: {c['value']} (want {c['bound']})", flush=True)
        if not self.missed:
            print(f"{drill}: all {len(self.checks)} targets met", flush=True)
        return 1 if self.missed else 0


def row(*cells: Any) -> str:
    """One Markdown table row."""
    return "| " + " | ".join(map(str, cells)) + " |"


def head(*names: str) -> list[str]:
    """A Markdown table's header row and rule."""
    return [row(*names), "|" + "---|" * len(names)]


def write_reports(out: Path, stem: str, report: dict[str, Any], markdown: str, samples: Any = None,
                  indent: int = 1) -> None:
    """<stem>.json (the report), <stem>-samples.json (raw samples, if any: the summary stays
    readable), <stem>.md; the Markdown is printed too."""
    (out / f"{stem}.json").write_text(json.dumps(report, indent=indent) + "\n")
    if samples is not None:
        (out / f"{stem}-samples.json").write_text(json.dumps(samples) + "\n")
    (out / f"{stem}.md").write_text(markdown)
    print("\n" + markdown, flush=True)


def figure(rows: int, cols: int, width: float, height: float, sharey: bool = True) -> tuple[Any, Any]:
    """A grid of panels (axes[row][col]), by default sharing the latency axis (matplotlib
    without a display)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt.subplots(rows, cols, figsize=(width * cols, height * rows), squeeze=False, sharey=sharey)


def targets_and_chart(report: dict[str, Any], name: str) -> list[str]:
    """The end of a benchmark's Markdown: its targets, then its chart when one was drawn."""
    return ["", "## Targets", "", *report["targets"], *(["", f"![{name}]({report['chart']})"] if report.get("chart") else [])]


def panel(ax: Any, title: str, xlabel: str, points: list[tuple[str, str, float, list[tuple[float, float]]]],
          lines: list[tuple[float, str, str, str]], legend: str = "upper left") -> None:
    """One panel: point groups (label, colour, size, [(t, ms)]) on a log latency axis, and
    vertical lines (t, colour, style, label)."""
    for z, (label, colour, size, pts) in enumerate(points):
        if pts:
            ax.scatter(*zip(*pts, strict=True), s=size, c=colour, label=label, zorder=2 + z)
    for t, colour, style, label in lines:
        ax.axvline(t, color=colour, ls=style, lw=1.2, label=label)
    ax.set_yscale("log")
    ax.set_title(title, fontsize=9)
    ax.set_xlabel(xlabel)
    ax.legend(fontsize=7, loc=legend, framealpha=0.7)


def save_figure(fig: Any, path: Path, title: str, dpi: int = 100) -> None:
    import matplotlib.pyplot as plt
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
