# Copyright (c) 2026 hafront contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The pure parts of library/hafront_haproxy.py; the module itself runs against real HAProxy in the lab."""

import importlib.util
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location(
    "hafront_haproxy", Path(__file__).resolve().parents[2] / "library" / "hafront_haproxy.py")
mod = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(mod)

STATE = """1
# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr srv_agent_port
5 be_web 1 web1 10.0.0.21 2 8 256 256 282 15 3 4 6 0 0 0 - 8080 - 0 0 - - 0
5 be_web 2 web2 10.0.0.22 2 0 128 128 282 15 3 4 6 0 0 0 - 8080 - 0 0 - - 0
6 be_redis 1 redis1 10.0.0.31 0 1 256 256 10 7 2 0 6 0 0 0 - 6379 - 0 0 - - 0
"""

STAT = """# pxname,svname,qcur,qmax,scur,smax
fe_web,FRONTEND,,,3,10
be_web,web1,0,0,2,5
be_web,web2,0,0,0,4
be_web,BACKEND,0,0,2,9
"""


def test_parse_servers_state():
    servers = mod.parse_servers_state(STATE)
    assert [(s["be_name"], s["srv_name"], s["srv_uweight"]) for s in servers] == [
        ("be_web", "web1", "256"), ("be_web", "web2", "128"), ("be_redis", "redis1", "256")]


def test_parse_sessions_skips_frontends_and_backend_totals():
    assert mod.parse_sessions(STAT) == {("be_web", "web1"): 2, ("be_web", "web2"): 0}


@pytest.mark.parametrize("flags, expected", [("0", "ready"), ("8", "drain"), ("1", "maint"), ("9", "maint"),
                                             ("16", "ready"), ("2", "ready")])
def test_admin_state_reads_the_forced_flags(flags, expected):
    assert mod.admin_state({"srv_admin_state": flags}) == expected


def test_weight_changes_only_where_they_differ_and_only_known_servers():
    servers = mod.parse_servers_state(STATE)
    wanted = {"be_web": {"web1": 256, "web2": 256, "web9": 1}, "be_redis": {"redis1": 256}, "be_other": {"x": 1}}
    assert mod.weight_changes(wanted, servers) == [("be_web", "web2", 256)]
