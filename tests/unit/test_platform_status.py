# Copyright (c) 2026 hafront contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

import pytest
from ansible.errors import AnsibleFilterError

from platform_status import FilterModule, platform_status, text_table

INSTANCES = [{"name": "VI_1", "vrid": 51, "vips": ["10.0.0.100/24"]},
             {"name": "VI_2", "vrid": 52, "vips": ["10.0.0.101/24"]}]
SERVER = {"be_name": "be_web", "srv_name": "web1", "srv_addr": "10.0.0.21", "srv_port": "8080",
          "srv_op_state": "2", "admin": "ready", "srv_uweight": "256", "srv_iweight": "256", "scur": 3}
REDIS = {
    "redis1": {"address": "10.0.0.31:6379", "info": {
        "role": "master", "master_repl_offset": "1000", "connected_slaves": "1",
        "slave0": "ip=10.0.0.32,port=6379,state=online,offset=900,lag=1"}},
    "redis2": {"address": "10.0.0.32:6379", "info": {
        "role": "slave", "master_host": "10.0.0.31", "master_port": "6379", "master_link_status": "up",
        "slave_repl_offset": "900"}},
    "redis3": {"address": "10.0.0.33:6379", "info": {}, "msg": "Redis at 10.0.0.33:6379: [Errno 111] refused"},
}
VIEW = {"master": "10.0.0.31:6379", "sentinel": {"flags": "master", "num-slaves": "2", "num-other-sentinels": "2",
                                                 "quorum": "2"}}


def row(lines, *cells):
    return next((line.split() for line in lines if line.split()[:len(cells)] == list(cells)), None)


def test_text_table_aligns_columns_and_strips_trailing_space():
    lines = text_table(["A", "LONGER", "C"], [["xyz", 1, ""], ["x", 22, "end"]])
    assert lines == ["  A    LONGER  C", "  xyz  1", "  x    22      end"]


@pytest.mark.parametrize("held, holder, warning", [
    pytest.param({"lb1": ["10.0.0.100"], "lb2": ["10.0.0.101"]}, "lb1", None, id="one-holder-each"),
    pytest.param({"lb1": [], "lb2": ["10.0.0.101"]}, "NONE", "held by 0", id="vip-nowhere"),
    pytest.param({"lb1": ["10.0.0.100"], "lb2": ["10.0.0.100", "10.0.0.101"]}, "lb1,", "held by 2", id="split-brain"),
])
def test_vip_holders(held, holder, warning):
    lines = platform_status({"instances": INSTANCES, "held": held})
    assert row(lines, "VI_1", "10.0.0.100")[2] == holder
    assert any(warning in line for line in lines if line.startswith("WARNING")) if warning else \
        not any(line.startswith("WARNING") for line in lines)


def test_haproxy_rows_show_state_admin_weight_and_sessions():
    lines = platform_status({"haproxy": {"lb1": {"servers": [SERVER, SERVER | {"srv_name": "web2", "srv_op_state": "0",
                                                                                "admin": "drain"}]},
                                         "lb2": {"servers": None, "msg": "HAProxy runtime API: refused"}}})
    assert row(lines, "lb1", "be_web", "web1") == ["lb1", "be_web", "web1", "10.0.0.21:8080", "UP", "ready", "256/256", "3"]
    assert row(lines, "lb1", "be_web", "web2")[4:6] == ["DOWN", "drain"]
    assert row(lines, "lb2")[4:6] == ["NO", "ANSWER"]


def test_redis_rows_show_roles_offsets_and_lag():
    lines = platform_status({"redis": REDIS, "sentinels": {"redis1": VIEW, "redis2": VIEW, "redis3": {"msg": "down"}}})
    assert row(lines, "redis1")[:3] == ["redis1", "10.0.0.31:6379", "master"]
    assert row(lines, "redis2") == ["redis2", "10.0.0.32:6379", "replica", "redis1", "up", "900", "100", "B,", "1", "s"]
    assert row(lines, "redis3")[2] == "DOWN"
    assert row(lines, "redis1", "redis1")[:4] == ["redis1", "redis1", "(10.0.0.31:6379)", "master"]
    assert row(lines, "redis3", "NO", "ANSWER") is not None
    assert not any(line.startswith("WARNING") for line in lines)


@pytest.mark.parametrize("redis, sentinels, warning", [
    pytest.param({h: v | {"info": {"role": "master"}} for h, v in REDIS.items()}, {}, "3 Redis nodes", id="three-masters"),
    pytest.param({"redis3": REDIS["redis3"]}, {}, "0 Redis nodes", id="no-master"),
    pytest.param(REDIS, {"redis1": VIEW, "redis2": VIEW | {"master": "10.0.0.32:6379"}}, "disagree", id="sentinels-split"),
])
def test_redis_warnings(redis, sentinels, warning):
    lines = platform_status({"redis": redis, "sentinels": sentinels})
    assert any(warning in line for line in lines if line.startswith("WARNING")), lines


def test_absent_tiers_are_left_out():
    assert platform_status({"instances": [], "held": {}, "haproxy": {}, "redis": {}, "sentinels": {}}) == []
    lines = platform_status({"instances": INSTANCES, "held": {"lb1": ["10.0.0.100", "10.0.0.101"]}})
    assert lines[0] == "VIPs (keepalived)" and not any("Redis" in line for line in lines)


@pytest.mark.parametrize("bad", [None, ["instances"], "text"])
def test_rejects_input_that_is_not_a_mapping(bad):
    with pytest.raises(AnsibleFilterError, match="platform_status"):
        platform_status(bad)


def test_filter_module_maps_the_name():
    assert FilterModule().filters() == {"platform_status": platform_status}
