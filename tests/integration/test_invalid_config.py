"""A config the real binary rejects never replaces a running one, and a failed run
leaves no stale config behind.

A raw option passes the inventory checks (they cannot know every HAProxy or keepalived
keyword) but fails `haproxy -c` / `keepalived -t`: site.yml fails, and on every load
balancer the config file, the daemon's processes and the traffic through the VIPs are
exactly as before.

The keepalived case goes on as a user would: the same run also changed
haproxy_node_header, so the first load balancer wrote a new haproxy.cfg before keepalived
-t failed, and its reload never ran. Fixing the keepalived option and running again must
leave every HAProxy serving the new header (the run says why it reloads), and a last run
puts the header back.

Then what a re-run does when nothing changed (no node is rolled out) and when a file the role
writes was edited by hand on one node (that node alone is rolled out, and the edit undone)."""

from __future__ import annotations

import json
import re

from helpers import run
from http_probe import get
from lab import INVENTORY, exec_in, hostvars, service_starts

BAD = {
    "haproxy": ({"haproxy_global_options": ["no-such-keyword on"]}, "/etc/haproxy/haproxy.cfg", "'no-such-keyword'"),
    "keepalived": ({"keepalived_global_options": ["no_such_keyword 1"]}, "/etc/keepalived/keepalived.conf",
                   "Unknown keyword 'no_such_keyword'"),
}


def daemon_state(host: str, unit: str, path: str) -> dict:
    main = exec_in(host, "systemctl", "show", "-p", "MainPID", "--value", unit).stdout.strip()
    return {
        "config": exec_in(host, "sha256sum", path).stdout.split()[0],
        "main": service_starts(host, unit),
        # A reload replaces HAProxy's worker (and keepalived's VRRP child) under the same main PID.
        "children": exec_in(host, "ps", "-o", "pid=", "--ppid", main).stdout.split(),
    }


def failing_run(unit: str, extra: dict) -> None:
    """site.yml with a setting the daemon's checker rejects: it fails, and nothing of `unit` changes."""
    _, path, complaint = BAD[unit]
    lbs = hostvars()["_groups"]["loadbalancers"]
    vips = hostvars()[lbs[0]]["lab_vips"]
    before = {lb: daemon_state(lb, unit, path) for lb in lbs}
    assert all(s["children"] for s in before.values()), before

    out = site(extra, succeed=False)
    assert "rejected the new configuration" in out or "failed to validate" in out, out[-3000:]
    assert complaint in out, "the error must say what the checker rejected: " + out[-3000:]
    assert "PLAY [Check the inventory]" in out

    after = {lb: daemon_state(lb, unit, path) for lb in lbs}
    assert after == before, "a load balancer's config or daemon changed"
    for vip in vips:
        for _ in range(4):
            assert get(vip, 80)[0] == 200


def site(extra: dict, succeed: bool) -> str:
    proc = run(["ansible-playbook", "-i", str(INVENTORY), "playbooks/site.yml", "--limit", "loadbalancers",
                "-e", json.dumps(extra)], timeout=900)
    out = proc.stdout + proc.stderr
    assert (proc.returncode == 0) == succeed, out[-3000:]
    return out


def node_headers(header: str) -> dict[str, str | None]:
    """load balancer -> the value of `header` in its own answer (None: the header is not there)."""
    found = {}
    for lb in hostvars()["_groups"]["loadbalancers"]:
        status, headers, _ = get(hostvars()[lb]["lab_address"], 80)
        assert status == 200
        found[lb] = {k.lower(): v for k, v in headers.items()}.get(header.lower())
    return found


def test_haproxy_config_that_fails_validation_never_goes_live():
    failing_run("haproxy", BAD["haproxy"][0])


def test_failed_run_leaves_no_stale_config():
    lbs = hostvars()["_groups"]["loadbalancers"]
    header = hostvars()[lbs[0]]["haproxy_node_header"]
    assert node_headers(header) == {lb: lb for lb in lbs}

    failing_run("keepalived", BAD["keepalived"][0] | {"haproxy_node_header": "X-Stale-Check"})
    assert node_headers(header) == {lb: lb for lb in lbs}, "a config went live in the failed run"

    out = site({"haproxy_node_header": "X-Stale-Check"}, succeed=True)
    assert "stopped before reloading" in " ".join(out.split()), "the run must say that it reloads a config an earlier run left behind"
    assert node_headers("X-Stale-Check") == {lb: lb for lb in lbs}, "a load balancer still runs the old config"

    site({}, succeed=True)
    assert node_headers(header) == {lb: lb for lb in lbs}


def rolled_out(out: str) -> dict[str, str]:
    """node -> why site.yml rolled it out (the 'Find the nodes this run would change' play)."""
    return dict(re.findall(r"([\w.-]+): rollout, ([^'\"]*)", " ".join(out.split())))


def test_rerun_rolls_out_only_what_changed():
    lbs = hostvars()["_groups"]["loadbalancers"]
    out = site({}, succeed=True)
    assert rolled_out(out) == {}, "a re-run with nothing to change rolled out a node"
    assert "TASK [haproxy : Write the HAProxy configuration]" not in out and "changed=1" not in out

    edited, path = lbs[-1], "/etc/keepalived/keepalived.conf"
    exec_in(edited, "sh", "-c", f"echo '# edited by hand' >> {path}")
    out = site({}, succeed=True)
    assert list(rolled_out(out)) == [edited], out[-3000:]
    assert f"{path} changed" in rolled_out(out)[edited]
    assert "edited by hand" not in exec_in(edited, "cat", path).stdout
    # Only the role whose file changed runs there: HAProxy was as the last run left it.
    assert task_results(out, "keepalived : Write the keepalived configuration") == {edited: "changed"}, out[-3000:]
    assert task_results(out, "haproxy : Write the HAProxy configuration") == {edited: "skipping"}, out[-3000:]


def task_results(out: str, task: str) -> dict[str, str]:
    """host -> its result (ok, changed, skipping, failed) for every run of `task` in `out`."""
    results = {}
    for block in out.split(f"TASK [{task}]")[1:]:
        body = block.split("\nTASK [")[0].split("\nRUNNING HANDLER [")[0]
        results.update({h: r for r, h in re.findall(r"^(ok|changed|skipping|fatal): \[([\w.-]+)\]", body, re.M)})
    return results
