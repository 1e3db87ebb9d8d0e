"""haproxy.cfg for 1,000 backend servers in 50 services (issue 15): rendered by render.yml
(the same preflight, weights and template as the role), every server in it with its address,
port and the weight the filter gives, and accepted by the real `haproxy -c` of Debian 12 and
13 (test_render.py's checker images).

The time bound: render + check under 30 s, or, on a machine too busy for that, under 8 times
what ansible-playbook takes to run one debug task on the same inventory (its start-up and
inventory parsing, which slow down with the machine's load as the render does). Measured on
the 2-core machine with Molecule running beside it (load 6 to 9): render 21.5 s, of which
render.yml's fixed cost is most (the same render with 10 servers: 16.8 s), haproxy -c 0.4 s,
a 1-task play 3.3 to 3.7 s; at load 13: 54 s against 11.7 s. A render that grows
quadratically with the servers misses both bounds."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any, NamedTuple

import pytest
import yaml

from hafront import scale
from haproxy_server_weights import haproxy_server_weights
from helpers import run
from test_render import SECRETS, checker, haproxy_check  # noqa: F401  (checker: each suite's image, a fixture)

SERVICES, SERVERS = 50, 1000
BOUND_S, BOUND_STARTUPS = 30.0, 8
SERVER_LINE = re.compile(r"^    server (\S+) (\S+):(\d+) weight (\d+)$", re.M)


class Rendered(NamedTuple):
    cfg: Path
    inventory: Path
    backends: dict[str, list[str]]
    render_s: float
    startup_s: float


def playbook(inventory: Path, *argv: str) -> tuple[float, Any]:
    start = time.perf_counter()
    proc = run(["ansible-playbook", "-i", str(inventory), *argv], timeout=900)
    return time.perf_counter() - start, proc


# Session scope: pytest groups the tests by checker image across modules, so a module-scoped
# render would be torn down and done again between them.
@pytest.fixture(scope="session")
def big(tmp_path_factory) -> Rendered:
    work = tmp_path_factory.mktemp("scale")
    inventory = work / "inventory"
    backends = scale.write_inventory(inventory, SERVICES, SERVERS, load_balancers=1)
    one_task = work / "one-task.yml"
    one_task.write_text("- hosts: lb1\n  gather_facts: false\n  tasks:\n    - ansible.builtin.debug:\n        msg: start-up\n")
    startup_s, _ = playbook(inventory, str(one_task))
    render_s, proc = playbook(inventory, "tests/render/render.yml", "-e", f"render_dir={work / 'out'}", *SECRETS)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    return Rendered(work / "out/lb1/haproxy.cfg", inventory, backends, render_s, startup_s)


def backend_block(text: str, backend: str) -> str:
    return text.split(f"\nbackend {backend}\n", 1)[1].split("\nfrontend ", 1)[0].split("\nbackend ", 1)[0]


def test_every_server_is_rendered_with_its_address_and_weight(big):
    text = big.cfg.read_text()
    rendered = scale.servers_in(text)
    assert {b: rendered.get(b) for b in big.backends} == big.backends
    hosts = {name: host_vars for group in yaml.safe_load((big.inventory / "hosts.yml").read_text())["all"]["children"]
             .values() for name, host_vars in group["hosts"].items()}
    services = yaml.safe_load((big.inventory / "group_vars/loadbalancers.yml").read_text())["haproxy_services"]
    groups = {f"svc{j:03d}": [h for h in hosts if h.startswith(f"s{j:03d}-")] for j in range(SERVICES)}
    weights = haproxy_server_weights(services, groups, hosts)
    for service in services:
        backend = f"be_{service['name']}"
        found = {m[1]: (m[2], int(m[3]), int(m[4])) for m in SERVER_LINE.finditer(backend_block(text, backend))}
        assert found == {host: (hosts[host]["ansible_host"], service["backend_port"], weights[backend][host])
                         for host in big.backends[backend]}, backend
    assert sum(len(v) for v in big.backends.values()) == SERVERS


def test_haproxy_accepts_it_in_time(big, checker):
    start = time.perf_counter()
    proc = haproxy_check(checker, big.cfg)
    check_s = time.perf_counter() - start
    assert proc.returncode == 0, f"{checker} rejects {big.cfg}:\n{proc.stdout}{proc.stderr}"
    total = big.render_s + check_s
    assert total < BOUND_S or total < BOUND_STARTUPS * big.startup_s, (
        f"render {big.render_s:.1f} s + haproxy -c {check_s:.1f} s for {SERVERS} servers; a 1-task play on the same "
        f"inventory took {big.startup_s:.1f} s")
