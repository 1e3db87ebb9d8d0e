"""How Ansible reached the hosts: the way inventories/production reaches real servers
(inventories/molecule/group_vars/lab/connection.yml). Read from each host's own journal
and from the controller: Ansible logged in over SSH as the non-root `deploy` user with
the lab's key and became root through sudo; sshd refuses root and passwords; every host
key Ansible trusts is that host's own. The Redis secrets Ansible used were vault-
encrypted in the inventory. Skipped for an inventory that reaches its hosts with podman exec
(HAFRONT_TEST_INVENTORY=inventories/lab)."""

from __future__ import annotations

import os
import re
import subprocess

import pytest

from lab import exec_in, hostvars

testinfra_hosts = ["localhost"]


def lab_hosts() -> list[str]:
    """Every container of the lab (the lab group's hosts are those of its child groups)."""
    return [h for group in ("loadbalancers", "web", "redis") for h in hostvars()["_groups"][group]]


pytestmark = pytest.mark.skipif(
    any(hostvars()[h].get("ansible_connection") != "ssh" for h in lab_hosts()),
    reason="this inventory does not reach its hosts over SSH")


def ssh(host: str, user: str, *argv: str) -> subprocess.CompletedProcess:
    """One SSH login from the controller with the inventory's own key and options."""
    values = hostvars()[host]
    return subprocess.run(
        ["ssh", "-o", "BatchMode=yes", "-o", "ControlMaster=no", "-o", "ConnectTimeout=10",
         "-i", os.path.expanduser(values["ansible_ssh_private_key_file"]),
         # ssh expands ~ in option values itself; only -i above goes through expanduser.
         *values["ansible_ssh_common_args"].split(),
         f"{user}@{values['ansible_host']}", *argv],
        capture_output=True, text=True, timeout=30)


@pytest.mark.parametrize("host", lab_hosts())
def test_ansible_logged_in_as_deploy_with_the_key_and_became_root_with_sudo(host):
    # Debian 13 logs logins as sshd-session.
    sshd = exec_in(host, "journalctl", "-b", "-t", "sshd", "-t", "sshd-session", "-o", "cat", "--no-pager").stdout
    logins = re.findall(r"^Accepted (\S+) for (\S+) from", sshd, re.M)
    assert logins, f"{host}: no SSH login in this boot's journal"
    assert set(logins) == {("publickey", "deploy")}, f"{host}: logins other than deploy's key: {set(logins)}"
    sudo = exec_in(host, "journalctl", "-b", "-t", "sudo", "-o", "cat", "--no-pager").stdout
    becomes = re.findall(r"^\s*(\S+) : .*USER=(\S+) ; COMMAND=/bin/sh -c 'echo BECOME-SUCCESS-", sudo, re.M)
    assert becomes, f"{host}: Ansible never became root through sudo in this boot"
    assert set(becomes) == {("deploy", "root")}, set(becomes)


@pytest.mark.parametrize("host", lab_hosts())
def test_deploy_is_not_root_and_sshd_refuses_root_and_passwords(host):
    plain = ssh(host, hostvars()[host]["ansible_user"], "id", "-u")
    assert plain.returncode == 0, plain.stderr
    assert plain.stdout.strip() != "0", "the deploy user is root: become would prove nothing"
    root = ssh(host, "root", "true")
    assert root.returncode == 255 and "Permission denied" in root.stderr, (root.returncode, root.stderr)
    settings = exec_in(host, "sshd", "-T").stdout
    assert "\npermitrootlogin no\n" in settings and "\npasswordauthentication no\n" in settings


def test_known_hosts_pins_each_hosts_own_key():
    first = hostvars()[lab_hosts()[0]]
    path = re.search(r"UserKnownHostsFile=(\S+)", first["ansible_ssh_common_args"]).group(1)
    pinned = dict(line.split(" ", 1) for line in open(os.path.expanduser(path)).read().splitlines() if line)
    own = {}
    for host in lab_hosts():
        key = exec_in(host, "cat", "/etc/ssh/ssh_host_ed25519_key.pub").stdout.split()[:2]
        own[hostvars()[host]["ansible_host"]] = " ".join(key)
    assert pinned == own
    assert len(set(own.values())) == len(own), "containers share a host key"


VAULTED = ["redis_app_password", "redis_admin_password", "redis_monitor_password", "redis_replication_password",
           "redis_sentinel_user_password", "redis_sentinel_password"]


@pytest.mark.parametrize("host", lab_hosts())
def test_redis_secrets_are_vault_encrypted_in_the_inventory(host):
    """What every run read (ansible-inventory does not decrypt): ansible-vault values, not
    the password lookups of group_vars/lab/main.yml. That Redis accepts these passwords is
    tests/redis' and the drills' part."""
    values = {name: hostvars()[host].get(name) for name in VAULTED}
    plain = [name for name, value in values.items()
             if not (isinstance(value, dict) and str(value.get("__ansible_vault", "")).startswith("$ANSIBLE_VAULT;"))]
    assert not plain, f"{host}: not vault-encrypted: {plain}"
