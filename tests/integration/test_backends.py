"""The demo backends: real nginx, bound only to the service address."""

from __future__ import annotations

testinfra_hosts = ["ansible://web"]


def test_nginx_serves_only_on_the_service_address(host):
    assert host.service("nginx").is_running
    address = host.ansible.get_variables()["lab_address"]
    listening = {str(s) for s in host.socket.get_listening_sockets()}
    assert f"tcp://{address}:8080" in listening
    # Nothing the roles installed listens on every address; sshd (port 22) is how Ansible
    # reaches the host, as on a real server.
    wildcard = {s for s in listening if s.startswith(("tcp://0.0.0.0:", "tcp://:::")) and not s.endswith(":22")}
    assert not wildcard, listening


def test_healthz_answers(host):
    address = host.ansible.get_variables()["lab_address"]
    out = host.run(f"python3 -c \"import urllib.request as u; print(u.urlopen('http://{address}:8080/healthz').read().decode())\"")
    assert out.rc == 0 and out.stdout.strip() == "ok"
