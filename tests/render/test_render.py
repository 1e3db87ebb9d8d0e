"""Render the haproxy and keepalived roles' configs from every sample inventory and check
each file with the real `haproxy -c` and `keepalived -t` of Debian 12 and Debian 13."""

from __future__ import annotations

import atexit
import datetime
import ipaddress
import re
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path

import pytest

from helpers import ROOT, run

INVENTORIES = ["lab", "molecule", "production", "staging"]
SUITES = ["bookworm", "trixie"]
SECRETS = ["-e", "vault_haproxy_stats_password=render-test-password-0123"] + [
    arg for user in ("app", "admin", "monitor", "replication", "sentinel_user", "sentinel")
    for arg in ("-e", f"vault_redis_{user}_password=render-test-{user.replace('_', '-')}-0123")]



@cache
def tls_secret() -> Path:
    """Extra vars with a throwaway self-signed certificate and key, for the TLS services of every
    sample inventory (the lab's own is made by `make deploy`; production's comes from a vault)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "hafront-render-test")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("192.0.2.1"))]), critical=False)
            .sign(key, hashes.SHA256()))
    pem = cert.public_bytes(serialization.Encoding.PEM).decode() + key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    tmp = Path(tempfile.mkdtemp(prefix="hafront-render-tls-"))
    atexit.register(shutil.rmtree, tmp, True)
    block = "".join(f"  {line}\n" for line in pem.splitlines())
    (tmp / "tls.yml").write_text(f"haproxy_tls_certificate: |\n{block}vault_haproxy_tls_certificate: |\n{block}")
    return tmp / "tls.yml"


@pytest.fixture(scope="session", params=SUITES)
def checker(request) -> str:
    suite = request.param
    run(["bash", "roles/lab/files/build-image.sh", suite], check=True, timeout=900)
    run(["bash", "tests/render/build-checker.sh", suite], check=True, timeout=900)
    return f"localhost/hafront-checker:{suite}"


def render(inventory: str, out: Path, *extra: str) -> subprocess.CompletedProcess:
    return run(
        ["ansible-playbook", "-i", f"inventories/{inventory}", "tests/render/render.yml",
         "-e", f"render_dir={out}", *SECRETS, "-e", f"@{tls_secret()}", *extra],
    )


@pytest.fixture(scope="session")
def rendered(tmp_path_factory) -> dict[str, Path]:
    """inventory -> directory of its rendered files; the inventories render side by side."""
    out = {inventory: tmp_path_factory.mktemp(f"render-{inventory}") for inventory in INVENTORIES}
    with ThreadPoolExecutor(max_workers=len(INVENTORIES)) as pool:
        procs = dict(zip(INVENTORIES, pool.map(lambda inventory: render(inventory, out[inventory]), INVENTORIES)))
    for inventory, proc in procs.items():
        assert proc.returncode == 0, f"inventories/{inventory}: " + proc.stdout[-4000:] + proc.stderr[-2000:]
    return out


def haproxy_check(image: str, cfg: Path) -> subprocess.CompletedProcess:
    """`haproxy -c`, with the rendered certificate (if any) where the config's binds expect it."""
    crts = set(re.findall(r" ssl crt (\S+)", cfg.read_text()))
    mounts = [arg for crt in sorted(crts) if (cfg.parent / "tls.pem").exists()
              for arg in ("-v", f"{cfg.parent / 'tls.pem'}:{crt}:ro")]
    return run(["podman", "run", "--rm", "--network", "none", "-v", f"{cfg.parent}:/cfg:ro", *mounts,
                image, "haproxy", "-c", "-f", f"/cfg/{cfg.name}"], timeout=120)


def keepalived_check(image: str, cfg: Path) -> subprocess.CompletedProcess:
    """`keepalived -t` with the role's rendered scripts where the role installs them.
    SYS_ADMIN for `unshare --pid`, the role's work-around for keepalived 2.2.7's config
    test killing itself (see roles/keepalived/tasks/config.yml)."""
    scripts = cfg.parent / "libexec"
    track = cfg.parent / "track"
    track.mkdir(exist_ok=True)
    (track / "haproxy").write_text("0\n")
    # keepalived -t wants the configured interface to exist: podman's default network
    # gives the container an eth0 (nothing is sent on it).
    return run(["podman", "run", "--rm", "--cap-add", "SYS_ADMIN",
                "-v", f"{cfg.parent}:/cfg:ro", "-v", f"{scripts}:/usr/local/libexec/keepalived:ro",
                "-v", f"{track}:/run/keepalived-track",
                image, "unshare", "--pid", "--fork", "keepalived", "-t", "-f", f"/cfg/{cfg.name}"], timeout=120)


CHECKS = {"haproxy.cfg": haproxy_check, "keepalived.conf": keepalived_check}


@pytest.mark.parametrize("filename", sorted(CHECKS))
@pytest.mark.parametrize("inventory", INVENTORIES)
def test_rendered_config_passes_the_real_binary(rendered, checker, inventory, filename):
    configs = sorted(rendered[inventory].glob(f"*/{filename}"))
    assert configs, f"no {filename} rendered for inventories/{inventory}"
    for cfg in configs:
        proc = CHECKS[filename](checker, cfg)
        assert proc.returncode == 0, f"{checker} rejects {cfg}:\n{proc.stdout}{proc.stderr}\n---\n{cfg.read_text()}"


def redis_check(image: str, host_dir: Path, mode: str, filename: str) -> subprocess.CompletedProcess:
    """The role's own check (a trial start of the real binary) on a rendered file, the ACL file in place."""
    helper = ROOT / "roles/redis/files/hafront-redis-config-check"
    return run(["podman", "run", "--rm", "-v", f"{host_dir}:/cfg:ro", "-v", f"{helper}:/check:ro", image, "sh", "-c",
                f"mkdir -p /etc/redis/hafront && cp /cfg/users.acl /etc/redis/hafront/ && sh /check {mode} /cfg/{filename}"],
               timeout=120)


REDIS_INVENTORIES = ["lab", "molecule", "production"]


@pytest.mark.parametrize("mode, filename", [("server", "redis.conf"), ("sentinel", "sentinel.conf")])
@pytest.mark.parametrize("inventory", REDIS_INVENTORIES)
def test_rendered_redis_config_passes_the_real_binary(rendered, checker, inventory, mode, filename):
    hosts = sorted(p.parent for p in rendered[inventory].glob("*/users.acl"))
    assert hosts, f"no Redis config rendered for inventories/{inventory}"
    # Each trial start waits 2 s to see the server stay up: the hosts' run side by side.
    with ThreadPoolExecutor(max_workers=len(hosts)) as pool:
        procs = list(pool.map(lambda host_dir: redis_check(checker, host_dir, mode, filename), hosts))
    for host_dir, proc in zip(hosts, procs, strict=True):
        assert proc.returncode == 0, f"{checker} rejects {host_dir / filename}:\n{proc.stdout}{proc.stderr}"


def test_redis_check_rejects_a_broken_config(rendered, checker, tmp_path):
    host_dir = next(rendered["lab"].glob("redis1/users.acl")).parent
    for name in ("redis.conf", "users.acl"):
        (tmp_path / name).write_text((host_dir / name).read_text())
    (tmp_path / "redis.conf").write_text((host_dir / "redis.conf").read_text().replace("appendfsync everysec",
                                                                                      "appendfsync sometimes"))
    assert redis_check(checker, tmp_path, "server", "redis.conf").returncode != 0
    (tmp_path / "redis.conf").write_text((host_dir / "redis.conf").read_text())
    (tmp_path / "users.acl").write_text((host_dir / "users.acl").read_text().replace("+ping", "+no-such-command", 1))
    assert redis_check(checker, tmp_path, "server", "redis.conf").returncode != 0


def test_keepalived_check_rejects_a_broken_config(rendered, checker, tmp_path):
    cfg = next(rendered["lab"].glob("lb1/keepalived.conf"))
    (tmp_path / "libexec").mkdir()
    for script in cfg.parent.joinpath("libexec").iterdir():
        (tmp_path / "libexec" / script.name).write_text(script.read_text())
        (tmp_path / "libexec" / script.name).chmod(0o755)
    broken = tmp_path / "keepalived.conf"
    broken.write_text(cfg.read_text().replace("virtual_router_id 51", "virtual_router_id 300", 1))
    assert keepalived_check(checker, broken).returncode != 0


def test_vrrp_priorities_spread_masters_and_peers_are_unicast(rendered):
    def priorities(host: str) -> dict[str, int]:
        text = next(rendered["lab"].glob(f"{host}/keepalived.conf")).read_text()
        return dict(re.findall(r"vrrp_instance (\S+) \{.*?priority (\d+)", text, re.S))
    lb1, lb2 = priorities("lb1"), priorities("lb2")
    assert int(lb1["VI_1"]) > int(lb2["VI_1"]) and int(lb2["VI_2"]) > int(lb1["VI_2"])
    text = next(rendered["lab"].glob("lb1/keepalived.conf")).read_text()
    assert re.search(r"unicast_peer \{\s+10\.213\.10\.12\s+\}", text)
    assert "nopreempt" not in text and "preempt_delay 5" in text
    prod = next(rendered["production"].glob("lb1.example.net/keepalived.conf")).read_text()
    assert "nopreempt" in prod and "advert_int 0.1" in prod


def test_haproxy_check_rejects_a_broken_config(rendered, checker, tmp_path):
    """The checker is not a rubber stamp: a config with a bad keyword fails."""
    cfg = next(rendered["lab"].glob("*/haproxy.cfg"))
    broken = tmp_path / "haproxy.cfg"
    broken.write_text(cfg.read_text().replace("balance roundrobin", "balance no-such-algorithm", 1))
    assert haproxy_check(checker, broken).returncode != 0


def test_haproxy_check_loads_the_certificate(rendered, checker, tmp_path):
    """A TLS bind whose certificate is missing fails the check: the real files are loaded."""
    cfg = next(rendered["lab"].glob("lb1/haproxy.cfg"))
    (tmp_path / "haproxy.cfg").write_text(cfg.read_text())
    assert " ssl crt " in cfg.read_text()
    assert haproxy_check(checker, tmp_path / "haproxy.cfg").returncode != 0


def frontend(cfg: Path, name: str) -> str:
    return cfg.read_text().split(f"\nfrontend fe_{name}\n", 1)[1].split("\nbackend ", 1)[0]


@pytest.mark.parametrize("inventory, host, service, port, redirect_port",
                         [("lab", "lb1", "https", 443, 8000), ("molecule", "lb2", "https", 443, 8000),
                          ("production", "lb1.example.net", "app", 443, 80)])
def test_tls_service_terminates_with_modern_settings(rendered, inventory, host, service, port, redirect_port):
    cfg = next(rendered[inventory].glob(f"{host}/haproxy.cfg"))
    text = cfg.read_text()
    glob = text.split("\ndefaults\n", 1)[0]
    assert re.search(r"^    ssl-default-bind-options ssl-min-ver TLSv1\.2 no-tls-tickets$", glob, re.M)
    ciphers = re.search(r"^    ssl-default-bind-ciphers (\S+)$", glob, re.M)[1].split(":")
    assert ciphers and all(c.startswith("ECDHE-") and ("GCM" in c or "CHACHA20" in c) for c in ciphers), ciphers
    assert re.search(r"^    ssl-default-bind-ciphersuites TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:"
                     r"TLS_CHACHA20_POLY1305_SHA256$", glob, re.M)
    fe = frontend(cfg, service)
    tls_binds = re.findall(rf"^    bind (\S+):{port} ssl crt /etc/haproxy/certs/hafront\.pem alpn h2,http/1\.1$", fe, re.M)
    plain_binds = re.findall(rf"^    bind (\S+):{redirect_port}$", fe, re.M)
    assert tls_binds and tls_binds == plain_binds, fe
    assert re.search(r"^    http-request redirect location https://%\[hdr\(host\),regsub\(:\[0-9\]\+\$,\)\]"
                     r"%\[capture\.req\.uri\] code 301 unless \{ ssl_fc \}$", fe, re.M), fe
    assert re.search(r'^    http-response set-header Strict-Transport-Security "max-age=\d+" if \{ ssl_fc \}$', fe, re.M), fe


def test_plain_services_stay_plain(rendered):
    fe = frontend(next(rendered["lab"].glob("lb1/haproxy.cfg")), "web")
    assert " ssl " not in fe and "Strict-Transport-Security" not in fe and "redirect" not in fe


def servers(cfg: Path, backend: str) -> dict[str, int]:
    text = cfg.read_text()
    block = text.split(f"\nbackend be_{backend}\n", 1)[1].split("\nfrontend ", 1)[0].split("\nbackend ", 1)[0]
    return {m[1]: int(m[2]) for m in re.finditer(r"^\s+server (\S+) \S+ weight (\d+)", block, re.M)}


def test_weights_follow_capacity_and_drain(rendered):
    lab = servers(next(rendered["lab"].glob("lb1/haproxy.cfg")), "web")
    assert lab == {"web1": 256, "web2": 128, "web3": 128}
    prod = servers(next(rendered["production"].glob("lb1.example.net/haproxy.cfg")), "app")
    assert prod == {"app1.example.net": 256, "app2.example.net": 256,
                    "app3.example.net": 128, "app4.example.net": 0, "app5.example.net": 32}


def test_roundrobin_without_capacity_gives_equal_weights(rendered):
    rr = servers(next(rendered["molecule"].glob("lb1/haproxy.cfg")), "rr")
    assert set(rr.values()) == {256} and len(rr) == 3


def test_runtime_socket_and_stats_are_protected(rendered):
    text = next(rendered["lab"].glob("lb1/haproxy.cfg")).read_text()
    assert re.search(r"stats socket \S+ mode 0660 group haproxy level admin", text)
    assert "http-request auth realm" in text
    assert "master-worker" in text
