"""bench/deploy.py's pure parts: the bench lab's inventory (its own lab, never Molecule's),
seconds per added backend and the growth rule."""
from __future__ import annotations

import ipaddress
import json
import subprocess

import pytest
from module_support import ROOT, load

deploy = load("bench/deploy.py")
KEY = "/secrets/hafront-bench-ssh"


@pytest.mark.parametrize("backends", [1, 3, 12, deploy.MAX_BACKENDS])
def test_hosts_tree_has_unique_addresses_in_the_subnet(backends):
    groups = deploy.hosts_tree(backends)["all"]["children"]["lab"]["children"]
    hosts = {h: v for g in groups.values() for h, v in g["hosts"].items()}
    addresses = [v["lab_address"] for v in hosts.values()]
    assert len(hosts) == deploy.host_count(backends) == backends + 5
    assert len(set(addresses + deploy.VIPS)) == len(addresses) + len(deploy.VIPS)
    assert all(ipaddress.ip_address(a) in ipaddress.ip_network(deploy.SUBNET) for a in addresses + deploy.VIPS)
    assert all(v["ansible_host"] == v["lab_address"] for v in hosts.values())
    assert {h: v["haproxy_capacity"] for h, v in groups["web"]["hosts"].items()} == {
        f"web{i}": 1 for i in range(1, backends + 1)}


@pytest.mark.parametrize("backends", [0, -1, deploy.MAX_BACKENDS + 1])
def test_hosts_tree_refuses_sizes_without_addresses(backends):
    with pytest.raises(ValueError, match="backends must be"):
        deploy.hosts_tree(backends)


def test_inventory_is_the_bench_lab_only(tmp_path):
    inventory = deploy.write_inventory(tmp_path, 6, KEY)
    text = "".join(p.read_text() for p in sorted(inventory.rglob("*.yml")))
    assert "hafront-molecule" not in text and "10.213.20." not in text
    proc = subprocess.run(["ansible-inventory", "-i", str(inventory), "--list"], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, check=True)
    data = json.loads(proc.stdout)
    lb1, web6 = data["_meta"]["hostvars"]["lb1"], data["_meta"]["hostvars"]["web6"]
    assert (lb1["lab_name"], lb1["lab_subnet"], lb1["lab_ssh_key"]) == ("hafront-bench", deploy.SUBNET, KEY)
    assert lb1["ansible_ssh_private_key_file"] == KEY
    assert f"UserKnownHostsFile={KEY}.known_hosts" in lb1["ansible_ssh_common_args"]
    assert [i["vips"] for i in lb1["keepalived_instances"]] == [[f"{v}/24"] for v in deploy.VIPS]
    assert (lb1["ansible_user"], lb1["ansible_become"], web6["lab_address"]) == ("deploy", True, "10.213.30.106")
    assert sorted(data["web"]["hosts"]) == [f"web{i}" for i in range(1, 7)]
    assert lb1["ansible_control_path_dir"] == str(inventory / "cp")


@pytest.mark.parametrize(("broken", "match"), [
    (lambda gv: gv["loadbalancers.yml"]["keepalived_instances"].pop(), "keepalived instances"),
    (lambda gv: gv["lab/connection.yml"].update(ansible_ssh_private_key_file="/other"), "no longer names its key"),
])
def test_group_vars_of_another_shape_are_refused(broken, match):
    import yaml
    group_vars = {f: yaml.safe_load((deploy.MOLECULE / "group_vars" / f).read_text())
                  for f in ("all.yml", "loadbalancers.yml", "lab/connection.yml")}
    broken(group_vars)
    with pytest.raises(ValueError, match=match):
        deploy.bench_group_vars(group_vars, KEY)


@pytest.mark.parametrize(("seconds", "want"), [
    ({3: 100.0, 6: 130.0, 12: 160.0}, [{"from": 3, "to": 6, "s_per_backend": 10.0},
                                       {"from": 6, "to": 12, "s_per_backend": 5.0}]),
    ({3: 100.0, 6: None, 12: 118.0}, [{"from": 3, "to": 12, "s_per_backend": 2.0}]),
    ({3: 100.0}, []),
])
def test_slopes(seconds, want):
    assert deploy.slopes(seconds) == want


@pytest.mark.parametrize(("seconds", "ratio", "met"), [
    # 8 hosts -> 17 hosts: linear would be 2.125, the bound half of that.
    ({3: 100.0, 12: 212.5}, 2.125, False),
    ({3: 100.0, 12: 106.0}, 1.06, True),
    ({3: 100.0, 12: 107.0}, 1.07, False),
    ({3: 100.0, 6: 90.0, 12: 95.0}, 0.95, True),
])
def test_growth_rule(seconds, ratio, met):
    grow = deploy.growth(seconds)
    assert (grow["smallest"], grow["largest"], grow["hosts_ratio"], grow["bound"]) == (3, 12, 2.125, 1.062)
    assert grow["time_ratio"] == ratio
    assert (grow["time_ratio"] <= grow["bound"]) is met


@pytest.mark.parametrize("seconds", [{3: 100.0}, {3: 100.0, 12: None}, {}])
def test_growth_needs_two_sizes(seconds):
    assert deploy.growth(seconds) is None
