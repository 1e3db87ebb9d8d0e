"""The lab as drills and tests reach it: hosts, addresses and containers from the
inventory, commands in a container, the lab's secrets, playbook runs and their PLAY RECAP.

One rule finds a host's container: its ``lab_container``, else its ``ansible_host`` (either
templated when it is Jinja, as ``ansible-inventory`` does not template), else
``<lab_name>-<host>``. Secrets are the files
Ansible's password lookup keeps in $HAFRONT_LAB_SECRETS (default ~/.local/share/hafront/lab).
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import select
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# Prints the lab's vault password (made on first use): Molecule's inventory keeps its Redis
# secrets vault-encrypted, so every playbook run on a lab names it.
VAULT_PASSWORD_FILE = ROOT / "scripts" / "lab-vault-pass"
RECAP_LINE = re.compile(r"^(\S+)\s*:\s*((?:[a-z]+=\d+\s*)+)$", re.M)


class LabError(RuntimeError):
    """The lab cannot be used: no inventory, no secret, a container that will not die."""


# ---------------------------------------------------------------- secrets
def secrets_dir() -> Path:
    return Path(os.environ.get("HAFRONT_LAB_SECRETS") or Path.home() / ".local/share/hafront/lab")


def parse_secret(text: str) -> str:
    """The password in Ansible's password lookup file (it may append ` salt=...`)."""
    return text.split(" salt=")[0].strip()


def secret(name: str) -> str:
    path = secrets_dir() / name
    if not path.is_file():
        raise LabError(f"no {path}: deploy the lab first (or set HAFRONT_LAB_SECRETS)")
    return parse_secret(path.read_text())


# ---------------------------------------------------------------- inventory
def container_name(hostvars: dict[str, dict[str, Any]], host: str) -> str:
    """The podman container of an inventory host (see the module's docstring)."""
    values = hostvars[host]
    value = values.get("lab_container", values.get("ansible_host"))
    if value is None:
        return f"{values.get('lab_name', 'hafront-molecule')}-{host}"
    if "{{" in str(value):
        import jinja2
        context = {**values, "inventory_hostname": host}
        while "{{" in str(value):
            value = jinja2.Template(value, undefined=jinja2.StrictUndefined).render(context)
    return str(value)


@dataclass(frozen=True)
class Inventory:
    path: str
    hostvars: dict[str, dict[str, Any]]
    groups: dict[str, list[str]]

    def hosts(self, group: str) -> list[str]:
        return list(self.groups.get(group, []))

    def container(self, host: str) -> str:
        return container_name(self.hostvars, host)

    def containers(self, group: str) -> dict[str, str]:
        return {h: self.container(h) for h in self.hosts(group)}

    def addresses(self, group: str) -> dict[str, str]:
        return {h: self.hostvars[h]["lab_address"] for h in self.hosts(group)}


def parse_inventory(text: str, path: str = "") -> Inventory:
    """`ansible-inventory --list` output: host variables and each group's own hosts."""
    data = json.loads(text)
    return Inventory(path=str(path), hostvars=data["_meta"]["hostvars"],
                     groups={g: list(v.get("hosts", [])) for g, v in data.items() if g != "_meta"})


def load_inventory(path: str | Path) -> Inventory:
    proc = subprocess.run(["ansible-inventory", "-i", str(path), "--list"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    if proc.returncode:
        raise LabError(f"ansible-inventory -i {path} failed: {proc.stderr.strip()[-500:]}")
    return parse_inventory(proc.stdout, path)


# ---------------------------------------------------------------- containers
def podman(*args: str, check: bool = True, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["podman", *args], check=check, capture_output=True, text=True, timeout=timeout)


def exec_in(container: str, *argv: str, check: bool = True, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return podman("exec", container, *argv, check=check, timeout=timeout)


def sh(container: str, script: str, check: bool = True) -> str:
    """A shell script in the container; its stdout."""
    return exec_in(container, "sh", "-c", script, check=check).stdout


def state(container: str) -> str:
    """running, paused, exited, ... ('' when podman does not know the container)."""
    return podman("container", "inspect", "-f", "{{.State.Status}}", container, check=False).stdout.strip()


def wait_until(what: str, predicate: Callable[[], Any], deadline: float = 120.0, interval: float = 0.2,
               retry: tuple[type[BaseException], ...] = (subprocess.SubprocessError, OSError)) -> Any:
    """Poll predicate until it returns something truthy; TimeoutError after deadline seconds,
    naming what was awaited and the last answer or error (`retry`: errors that mean "not yet")."""
    end, last = time.monotonic() + deadline, "never answered"
    while True:
        try:
            if result := predicate():
                return result
            last = repr(result)
        except retry as exc:
            last = str(exc) or type(exc).__name__
        if time.monotonic() >= end:
            raise TimeoutError(f"gave up after {deadline:.0f} s waiting for {what} (last: {last})")
        time.sleep(interval)


def start(container: str, *units: str) -> None:
    """Start the container if it is not running; wait for systemd, then for each unit to be active."""
    if state(container) != "running":
        podman("start", container)
    wait_until(f"systemd in {container}", lambda: sh(container, "systemctl is-system-running", check=False).strip()
               in ("running", "degraded"))
    if units:
        wait_until(f"{' and '.join(units)} in {container}", lambda: exec_in(
            container, "systemctl", "is-active", *units, check=False).stdout.split() == ["active"] * len(units))


def kill_timed(container: str, units: list[str], required: bool = True) -> tuple[float, str]:
    """podman kill; return when the first of these units' main processes died, and how that
    was seen. `podman kill` takes ~80 ms to send the signal and PID 1 exits only once the
    kernel has reaped the namespace: the fault is when the service's process dies (pidfd).
    Not required: if the process cannot be watched, the time podman kill returned."""
    fds: list[int] = []
    try:
        mains = exec_in(container, "systemctl", "show", "-p", "MainPID", "--value", *units).stdout.split()
        hpid = dict(line.split() for line in podman("top", container, "pid", "hpid").stdout.splitlines()[1:])
        fds = [os.pidfd_open(int(hpid[pid])) for pid in mains]
    except (subprocess.SubprocessError, KeyError, ValueError, OSError) as exc:
        if required:
            raise
        print(f"  (cannot watch {', '.join(units)} in {container}: {exc!r}; kill time = podman kill returned)",
              flush=True)
    try:
        proc = subprocess.Popen(["podman", "kill", container], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                text=True)
        died = time.time() if fds and select.select(fds, [], [], 30)[0] else None
        if died is None and required:
            raise TimeoutError(f"{', '.join(units)} of {container} still run 30 s after podman kill")
        if proc.wait(timeout=30):
            raise LabError(f"podman kill {container} failed: {proc.stderr.read().strip() if proc.stderr else ''}")
        return (died, f"{units[0]} exit (pidfd)") if died else (time.time(), "podman kill returned")
    finally:
        for fd in fds:
            os.close(fd)


def freeze(container: str) -> float:
    """podman pause (processes frozen, the kernel still up); the fault's time."""
    fault = time.time()
    podman("pause", container)
    return fault


def power_off(container: str) -> float:
    """Frozen and its link cut (host side of its veth down): nothing answers, not even a reset."""
    link = veth(container)
    fault = freeze(container)
    subprocess.run(["ip", "link", "set", "dev", link, "down"], check=True)
    return fault


def thaw(container: str) -> None:
    if state(container) == "paused":
        podman("unpause", container)


def power_on(container: str, *units: str) -> None:
    """A powered-off node boots afresh: thawed only to be killed, then started."""
    if state(container) == "paused":
        podman("unpause", container)
        podman("kill", container, check=False)
    start(container, *units)


def kill_unit(container: str, unit: str, stay_down: bool = False) -> float:
    """SIGKILL a unit's processes; stay_down: a drop-in stops systemd restarting it (undo:
    restore_unit). The container's clock just before the kill."""
    if stay_down:
        sh(container, f"mkdir -p {_dropin(unit).rsplit('/', 1)[0]} && printf '[Service]\\nRestart=no\\n' > "
                      f"{_dropin(unit)} && systemctl daemon-reload")
    return stamped(container, f"systemctl kill -s KILL {unit}")


def restore_unit(container: str, unit: str) -> None:
    """Drop kill_unit's drop-in, if any, and start the unit (idempotent: it may be restarting already)."""
    sh(container, f"if [ -e {_dropin(unit)} ]; then rm -f {_dropin(unit)} && systemctl daemon-reload; fi"
                  f" && systemctl start {unit}")


def _dropin(unit: str) -> str:
    return f"/run/systemd/system/{unit}.service.d/zz-drill.conf"


@contextlib.contextmanager
def busy_cpus(seconds: float) -> Iterator[int]:
    """A busy loop per CPU of this machine for the block (each bounded to seconds + 5 by itself)."""
    end = f"import time\nend = time.monotonic() + {seconds + 5}\nwhile time.monotonic() < end: pass"
    hogs = [subprocess.Popen([sys.executable, "-c", end]) for _ in range(os.cpu_count() or 2)]
    try:
        yield len(hogs)
    finally:
        for hog in hogs:  # killed so nothing outlives the drill
            hog.kill()
            hog.wait()


def stamped(container: str, command: str) -> float:
    """Run a shell command in the container; the container's clock just before it ran."""
    return float(sh(container, f"date +%s.%N && {command} >/dev/null").split()[0])


def veth(container: str) -> str:
    """The host side of the container's eth0."""
    index = sh(container, "cat /sys/class/net/eth0/iflink").strip()
    links = subprocess.run(["ip", "-o", "link", "show"], capture_output=True, text=True, check=True).stdout
    for line in links.splitlines():
        number, name = line.split(":")[:2]
        if number == index:
            return name.strip().split("@")[0]
    raise LabError(f"no host interface for {container}'s eth0 (iflink {index})")


def set_sysctls(container: str, values: dict[str, str]) -> None:
    """Write sysctls in a container's network namespace (its /proc/sys is read-only inside)."""
    pid = podman("inspect", "-f", "{{.State.Pid}}", container).stdout.strip()
    subprocess.run(["nsenter", "-t", pid, "-n", "sysctl", "-q", "-w", *(f"{k}={v}" for k, v in values.items())],
                   check=True, capture_output=True, text=True)


def vip_holders(containers: dict[str, str], vips: list[str]) -> dict[str, list[str]]:
    """VIP -> the hosts that hold it now (hafront.vip.holders over each one's `ip -o addr show`);
    containers: host -> container."""
    from hafront.vip import holders
    outputs = {}
    for host, container in containers.items():
        proc = exec_in(container, "ip", "-o", "addr", "show", check=False)
        outputs[host] = proc.stdout if proc.returncode == 0 else ""
    return {vip: holders(outputs, vip) for vip in vips}


def parse_notify(text: str, host: str, since: float, until: float = float("inf")) -> list[dict[str, Any]]:
    """keepalived-notify journal lines (key=value words, `ts` a wall-clock stamp) with since <= ts < until."""
    found = []
    for line in text.splitlines():
        fields: dict[str, Any] = dict(kv.split("=", 1) for kv in line.split() if "=" in kv)
        if "ts" in fields and since <= float(fields["ts"]) < until:
            found.append({"host": host, **fields, "ts": float(fields["ts"])})
    return found


def vrrp_transitions(containers: dict[str, str], since: float, until: float = float("inf")) -> list[dict[str, Any]]:
    """Every VRRP transition the notify script logged on these hosts, by time (notify scripts
    run concurrently, so journal order is not transition order)."""
    found = []
    for host, container in containers.items():
        out = exec_in(container, "journalctl", "-q", "-t", "keepalived-notify", "-o", "cat",
                      "--since", f"@{int(since) - 1}", check=False).stdout
        found += parse_notify(out, host, since, until)
    return sorted(found, key=lambda t: t["ts"])


def find_group(node: dict[str, Any], name: str) -> dict[str, Any]:
    """The body of group `name` anywhere under an inventory node's children (KeyError if none)."""
    for group, body in (node.get("children") or {}).items():
        if group == name:
            return body
        try:
            return find_group(body or {}, name)
        except KeyError:
            pass
    raise KeyError(name)


def inventory_copy(inventory: Path, tmp: Path, edit: Callable[[dict[str, Any]], None]) -> Path:
    """A copy of an inventory directory under tmp, its hosts.yml changed by edit(hosts)."""
    import shutil

    import yaml
    dest = tmp / f"inv-{len(list(tmp.iterdir()))}"
    shutil.copytree(inventory, dest)  # symlinked group_vars become plain files
    hosts = yaml.safe_load((dest / "hosts.yml").read_text())
    edit(hosts)
    (dest / "hosts.yml").write_text(yaml.safe_dump(hosts, sort_keys=False))
    return dest


# ---------------------------------------------------------------- playbooks
def parse_recap(output: str) -> dict[str, dict[str, int]]:
    """host -> {ok, changed, unreachable, failed, ...} from the last PLAY RECAP in the output."""
    if "PLAY RECAP" not in output:
        return {}
    return {host: {k: int(v) for k, v in (kv.split("=") for kv in counts.split())}
            for host, counts in RECAP_LINE.findall(output.rsplit("PLAY RECAP", 1)[1])}


def recap_totals(recap: dict[str, dict[str, int]]) -> dict[str, int]:
    """Each count summed over the hosts."""
    totals: dict[str, int] = {}
    for counts in recap.values():
        for key, value in counts.items():
            totals[key] = totals.get(key, 0) + value
    return totals


@dataclass
class PlaybookRun:
    command: str
    rc: int
    recap: dict[str, dict[str, int]]

    @property
    def totals(self) -> dict[str, int]:
        return recap_totals(self.recap)


def playbook_env() -> dict[str, str]:
    """The project's own settings and plain output, also when run from Molecule (which
    exports its own ANSIBLE_* settings and colours)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    return env | {"ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"), "ANSIBLE_NOCOLOR": "1", "ANSIBLE_FORCE_COLOR": "0",
                  "ANSIBLE_VAULT_PASSWORD_FILE": str(VAULT_PASSWORD_FILE)}


def run_playbook(inventory: str | Path, playbook: str, *extra: str, log: Path, timeout: float = 900,
                 check: bool = True) -> PlaybookRun:
    """Run playbooks/<playbook>, appending the command and its output to log; check: raise
    LabError when it fails or prints no PLAY RECAP."""
    cmd = ["ansible-playbook", "-i", str(inventory), f"playbooks/{playbook}", *extra]
    with log.open("a") as out:
        out.write(f"\n$ {' '.join(cmd)}\n")
        out.flush()
        offset = out.tell()
        rc = subprocess.run(cmd, cwd=ROOT, env=playbook_env(), stdout=out, stderr=subprocess.STDOUT,
                            timeout=timeout).returncode
    with log.open() as out:
        out.seek(offset)
        run = PlaybookRun(" ".join(cmd), rc, parse_recap(out.read()))
    if check and (rc or not run.recap):
        raise LabError(f"{run.command} {f'failed ({rc})' if rc else 'printed no PLAY RECAP'}; see {log}")
    return run


def use_venv_tools() -> None:
    """The Ansible tools next to this Python (the venv) come first, whatever PATH says."""
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
