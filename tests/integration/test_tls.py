"""TLS termination, seen by a client on the controller through every VIP and every load
balancer's own address: TLS 1.2 and 1.3 handshakes succeed with the lab's certificate
(valid for that address), TLS 1.0 and 1.1 are refused in the handshake, HTTPS reaches a
backend and carries HSTS, plain HTTP on the redirect port answers 301 to the same URL over
HTTPS. On each load balancer: the certificate file is the lab's, mode 0640 root:haproxy,
and haproxy.cfg is not world-readable."""

from __future__ import annotations

import hashlib
import http.client
import socket
import ssl
import threading
from pathlib import Path

import pytest

from http_probe import get, secrets_dir
from lab import exec_in, hostvars, vip_holders

testinfra_hosts = ["ansible://loadbalancers"]
# Python deprecates TLS 1.0 and 1.1, which is the point: the tests offer them to be refused.
pytestmark = pytest.mark.filterwarnings("ignore:ssl.TLSVersion.TLSv1:DeprecationWarning")
CERT_PATH = "/etc/haproxy/certs/hafront.pem"
OLD_VERSIONS = [ssl.TLSVersion.TLSv1, ssl.TLSVersion.TLSv1_1]


def lbs() -> list[str]:
    return hostvars()["_groups"]["loadbalancers"]


def service() -> dict:
    """The inventory's TLS service (literal ports; its bind addresses are the VIPs and each node's)."""
    found = [s for s in hostvars()[lbs()[0]]["haproxy_services"] if isinstance(s, dict) and s.get("tls")]
    assert len(found) == 1, f"expected one service with tls: true in the inventory, got {found}"
    return found[0]


def addresses() -> list[str]:
    vips = [cidr.split("/")[0] for inst in hostvars()[lbs()[0]]["keepalived_instances"] for cidr in inst["vips"]]
    return vips + [hostvars()[lb]["lab_address"] for lb in lbs()]


def lab_cert() -> Path:
    return secrets_dir() / f"{hostvars()[lbs()[0]]['lab_name']}-tls.crt"


def fingerprint(der: bytes) -> str:
    return hashlib.sha256(der).hexdigest()


def where(address: str) -> str:
    """What a person needs when a check fails: who holds the address, what HAProxy was told."""
    holders = vip_holders(address, lbs()) or [lb for lb in lbs() if hostvars()[lb]["lab_address"] == address]
    lines = [f"{address} held by {', '.join(holders) or 'nobody'}"]
    for lb in holders:
        cfg = exec_in(lb, "sed", "-n", f"/^frontend fe_{service()['name']}$/,/^backend /p", "/etc/haproxy/haproxy.cfg",
                      check=False).stdout
        log = exec_in(lb, "journalctl", "-u", "haproxy", "-n", "15", "--no-pager", "-o", "cat", check=False).stdout
        lines += [f"--- {lb} frontend:", cfg, f"--- {lb} journal:", log]
    return "\n".join(lines)


def client(version: ssl.TLSVersion | None = None, verify: bool = True,
           alpn: tuple[str, ...] = ("h2", "http/1.1")) -> ssl.SSLContext:
    """A client context that offers exactly `version` (or 1.2-1.3); old versions need
    OpenSSL's security level 0 on the client side, or the client refuses them itself."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if version is not None:
        ctx.minimum_version = ctx.maximum_version = version
    if version in OLD_VERSIONS:
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    if verify:
        ctx.load_verify_locations(cafile=str(lab_cert()))
    else:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    ctx.set_alpn_protocols(list(alpn))
    return ctx


def handshake(address: str, port: int, ctx: ssl.SSLContext) -> tuple[str, bytes, str | None]:
    with socket.create_connection((address, port), timeout=5) as raw, \
            ctx.wrap_socket(raw, server_hostname=address) as tls:
        return tls.version(), tls.getpeercert(binary_form=True), tls.selected_alpn_protocol()


def test_tls_1_2_and_1_3_succeed_with_the_lab_certificate_on_every_address():
    svc = service()
    want = fingerprint(ssl.PEM_cert_to_DER_cert(lab_cert().read_text()))
    for address in addresses():
        for version, name in [(ssl.TLSVersion.TLSv1_2, "TLSv1.2"), (ssl.TLSVersion.TLSv1_3, "TLSv1.3")]:
            # Verified against the lab certificate, hostname (IP SAN) included.
            try:
                got, der, alpn = handshake(address, svc["port"], client(version))
            except (ssl.SSLError, OSError) as exc:
                raise AssertionError(f"{name} to {address}:{svc['port']} failed: {exc!r}\n{where(address)}") from exc
            assert got == name
            assert fingerprint(der) == want, f"{address} serves another certificate than {lab_cert()}"
            assert alpn == "h2", f"{address}: ALPN chose {alpn!r}"


@pytest.fixture(scope="module")
def old_tls_server():
    """A loopback server that accepts TLS 1.0 to 1.3 and weak ciphers with the lab's own
    certificate: proof that this client can make each weak offer, so a refusal below comes
    from HAProxy."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1
    ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    ctx.load_cert_chain(str(lab_cert()), str(lab_cert().with_suffix(".key")))
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(30)
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            try:
                with ctx.wrap_socket(conn, server_side=True):
                    pass
            except (ssl.SSLError, OSError):
                pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    listener.close()
    thread.join(timeout=5)


# (what the client offers, what HAProxy's alert says), named as ssl reports the version: old protocols, and TLS 1.2 with only
# CBC ciphers (the lab key is ECDSA, so these are the ones it could otherwise agree on).
WEAK_OFFERS = {
    "TLSv1": (ssl.TLSVersion.TLSv1, None, "PROTOCOL_VERSION"),
    "TLSv1.1": (ssl.TLSVersion.TLSv1_1, None, "PROTOCOL_VERSION"),
    "TLSv1.2-CBC": (ssl.TLSVersion.TLSv1_2, "ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA:ECDHE-ECDSA-AES128-SHA256",
                    "HANDSHAKE_FAILURE"),
}


@pytest.mark.parametrize("offer", sorted(WEAK_OFFERS))
def test_old_versions_and_weak_ciphers_are_refused_on_every_address(old_tls_server, offer):
    version, ciphers, alert = WEAK_OFFERS[offer]

    def ctx() -> ssl.SSLContext:
        c = client(version, verify=False)
        if ciphers:
            c.set_ciphers(ciphers + ":@SECLEVEL=0")
        return c

    got, _der, _alpn = handshake("127.0.0.1", old_tls_server, ctx())
    assert got == offer.split("-")[0], f"control handshake negotiated {got}: this client cannot test {offer}"
    svc = service()
    for address in addresses():
        try:
            got, _der, _alpn = handshake(address, svc["port"], ctx())
        except ssl.SSLError as exc:
            assert alert in str(exc).upper(), f"{address}: {exc!r}"
            continue
        raise AssertionError(f"{address}:{svc['port']} accepted {offer} ({got})\n{where(address)}")


def test_https_reaches_a_backend_with_hsts_on_every_address():
    svc = service()
    backends = set(hostvars()["_groups"][svc["backend_group"]])
    for address in addresses():
        # http.client speaks HTTP/1.1 only (offered h2, HAProxy picks it).
        conn = http.client.HTTPSConnection(address, svc["port"], timeout=10, context=client(alpn=("http/1.1",)))
        try:
            conn.request("GET", "/")
            resp = conn.getresponse()
            body = resp.read().decode()
            headers = {k.lower(): v for k, v in resp.getheaders()}
        finally:
            conn.close()
        assert resp.status == 200, f"https://{address}:{svc['port']}/ answered {resp.status}\n{where(address)}"
        assert headers["x-served-by"] in backends and body.strip() == headers["x-served-by"]
        assert headers.get("strict-transport-security") == f"max-age={svc['hsts_max_age']}", (
            f"https://{address}:{svc['port']}/ HSTS header: {headers.get('strict-transport-security')!r}\n{where(address)}")


def test_plain_http_on_the_redirect_port_answers_301_to_https():
    svc = service()
    suffix = "" if svc["port"] == 443 else f":{svc['port']}"
    for address in addresses():
        status, headers, _ = get(address, svc["redirect_http_port"], "/some/path?q=1")
        assert status == 301, f"http://{address}:{svc['redirect_http_port']}/ answered {status}\n{where(address)}"
        assert headers["location"] == f"https://{address}{suffix}/some/path?q=1", headers
        # HSTS means nothing over plain HTTP (RFC 6797 forbids it there).
        assert "strict-transport-security" not in headers


def test_certificate_file_is_the_lab_certificate_and_protected(host):
    pem = host.file(CERT_PATH)
    assert pem.exists, f"{CERT_PATH} is missing"
    assert (pem.user, pem.group, pem.mode) == ("root", "haproxy", 0o640), (pem.user, pem.group, oct(pem.mode))
    directory = host.file(Path(CERT_PATH).parent.as_posix())
    assert (directory.user, directory.group, directory.mode) == ("root", "haproxy", 0o750), oct(directory.mode)
    # Never read here: the file holds the private key. Fingerprints and public keys only.
    served = host.run(f"openssl x509 -in {CERT_PATH} -noout -fingerprint -sha256")
    assert served.rc == 0, served.stderr
    want = fingerprint(ssl.PEM_cert_to_DER_cert(lab_cert().read_text()))
    assert served.stdout.split("=", 1)[1].strip().replace(":", "").lower() == want, f"{CERT_PATH} is not {lab_cert()}"
    pubkeys = host.run(f"openssl x509 -in {CERT_PATH} -noout -pubkey | sha256sum; openssl pkey -in {CERT_PATH} -pubout | sha256sum")
    lines = pubkeys.stdout.splitlines()
    assert pubkeys.rc == 0 and len(lines) == 2 and lines[0] == lines[1], f"{CERT_PATH}: the key does not match the certificate"


def test_haproxy_config_is_not_world_readable(host):
    cfg = host.file("/etc/haproxy/haproxy.cfg")
    assert cfg.mode & 0o007 == 0, oct(cfg.mode)
    assert (cfg.user, cfg.group) == ("root", "haproxy")
