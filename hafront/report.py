"""What every drill report carries: where it ran, and which targets it missed."""
from __future__ import annotations

import os
import platform
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


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

    def verdict(self, drill: str) -> int:
        """Print the missed targets; the exit code for the drill."""
        for c in self.missed:
            print(f"!! {drill}: target missed: {c['target']}: {c['value']} (want {c['bound']})", flush=True)
        if not self.missed:
            print(f"{drill}: all {len(self.checks)} targets met", flush=True)
        return 1 if self.missed else 0
