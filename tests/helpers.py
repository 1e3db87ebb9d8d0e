"""Shared helpers for the test suites: run ansible-playbook and podman from the repo."""

from __future__ import annotations

import os
import subprocess

from hafront.lab import ROOT, VAULT_PASSWORD_FILE


def run(argv: list[str], *, timeout: float = 600, check: bool = False, env: dict | None = None,
        **kw) -> subprocess.CompletedProcess:
    """Run a command from the repository root and capture its output as text."""
    env = {**os.environ, "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"), "ANSIBLE_FORCE_COLOR": "0", "ANSIBLE_NOCOLOR": "1",
           "ANSIBLE_VAULT_PASSWORD_FILE": str(VAULT_PASSWORD_FILE), **(env or {})}
    proc = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, **kw)
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(argv)} failed ({proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}")
    return proc
