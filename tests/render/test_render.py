"""Render the haproxy role's template from every sample inventory and check each file
with the real `haproxy -c` of Debian 12 (2.6) and Debian 13 (3.0)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from helpers import ROOT, run

INVENTORIES = ["lab", "molecule", "production", "staging"]
SUITES = ["bookworm", "trixie"]
SECRETS = ["-e", "vault_haproxy_stats_password=render-test-password-0123"]


@pytest.fixture(scope="session", params=SUITES)
def checker(request) -> str:
    suite = request.param
    run(["bash", "roles/lab/files/build-image.sh", suite], check=True, timeout=900)
    run(["bash", "tests/render/build-checker.sh", suite], check=True, timeout=900)
    return f"localhost/hafront-checker:{suite}"


def render(inventory: str, out: Path, *extra: str) -> "subprocess.CompletedProcess":  # noqa: F821
    return run(
        ["ansible-playbook", "-i", f"inventories/{inventory}", "tests/render/render.yml",
         "-e", f"render_dir={out}", *SECRETS, *extra],
    )


@pytest.fixture(scope="session")
def rendered(tmp_path_factory) -> dict[str, Path]:
    out = {}
    for inventory in INVENTORIES:
        d = tmp_path_factory.mktemp(f"render-{inventory}")
        proc = render(inventory, d)
        assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
        out[inventory] = d
    return out


def haproxy_check(image: str, cfg: Path) -> "subprocess.CompletedProcess":  # noqa: F821
    return run(["podman", "run", "--rm", "--network", "none", "-v", f"{cfg.parent}:/cfg:ro",
                image, "haproxy", "-c", "-f", f"/cfg/{cfg.name}"], timeout=120)


@pytest.mark.parametrize("inventory", INVENTORIES)
def test_rendered_config_passes_haproxy_check(rendered, checker, inventory):
    configs = sorted(rendered[inventory].glob("*/haproxy.cfg"))
    assert configs, f"no config rendered for inventories/{inventory}"
    for cfg in configs:
        proc = haproxy_check(checker, cfg)
        assert proc.returncode == 0, f"{checker} rejects {cfg}:\n{proc.stdout}{proc.stderr}\n---\n{cfg.read_text()}"


def test_haproxy_check_rejects_a_broken_config(rendered, checker, tmp_path):
    """The checker is not a rubber stamp: a config with a bad keyword fails."""
    cfg = next(rendered["lab"].glob("*/haproxy.cfg"))
    broken = tmp_path / "haproxy.cfg"
    broken.write_text(cfg.read_text().replace("balance roundrobin", "balance no-such-algorithm", 1))
    assert haproxy_check(checker, broken).returncode != 0


def servers(cfg: Path, backend: str) -> dict[str, int]:
    text = cfg.read_text()
    block = text.split(f"\nbackend be_{backend}\n", 1)[1].split("\nfrontend ", 1)[0].split("\nbackend ", 1)[0]
    return {m[1]: int(m[2]) for m in re.finditer(r"^\s+server (\S+) \S+ weight (\d+)", block, re.M)}


def test_weights_follow_capacity_and_drain(rendered):
    lab = servers(next(rendered["lab"].glob("lb1/haproxy.cfg")), "web")
    assert lab == {"web1": 256, "web2": 128, "web3": 128}
    prod = servers(next(rendered["production"].glob("lb1.example.net/haproxy.cfg")), "app")
    assert prod == {"app1.example.net": 256, "app2.example.net": 256,
                    "app3.example.net": 128, "app4.example.net": 0}


def test_roundrobin_without_capacity_gives_equal_weights(rendered):
    rr = servers(next(rendered["molecule"].glob("lb1/haproxy.cfg")), "rr")
    assert set(rr.values()) == {256} and len(rr) == 3


def test_runtime_socket_and_stats_are_protected(rendered):
    text = next(rendered["lab"].glob("lb1/haproxy.cfg")).read_text()
    assert re.search(r"stats socket \S+ mode 0600 level admin", text)
    assert "http-request auth realm" in text
    assert "master-worker" in text


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (['{"haproxy_services": [{"name": "x", "bind_address": "10.0.0.1", "port": 80, "backend_port": 80, "backend_group": "web", "balance": "fastest"}]}'], "balance in"),
        (['{"haproxy_services": [{"name": "x", "bind_address": "10.0.0.1", "port": 80, "backend_port": 80, "backend_group": "nosuchgroup"}]}'], "backend_group"),
        (['{"haproxy_services": [{"name": "x", "bind_address": "10.0.0.1", "port": 70000, "backend_port": 80, "backend_group": "web"}]}'], "port and backend_port"),
        (['{"haproxy_services": []}'], "haproxy_services must be a non-empty list"),
        (["haproxy_stats_password=changeme"], "haproxy_stats_password must be set"),
    ],
)
def test_preflight_rejects_bad_input(tmp_path, extra, message):
    proc = render("lab", tmp_path, "-e", *extra)
    assert proc.returncode != 0
    assert message in proc.stdout, proc.stdout[-3000:]
    assert not any(tmp_path.iterdir()), "preflight must fail before anything is written"
