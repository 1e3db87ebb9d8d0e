# Copyright (c) 2026 hafront contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""roles/redis/files/hafront-redis-replication: what a starting node writes, Sentinels and group faked."""

import importlib.machinery
import importlib.util
import sys
import types
from pathlib import Path

import pytest

HELPER = Path(__file__).resolve().parents[2] / "roles" / "redis" / "files" / "hafront-redis-replication"
R1, R2, R3 = "10.0.0.31:6379", "10.0.0.32:6379", "10.0.0.33:6379"
SENTINELS = ["10.0.0.31:26379", "10.0.0.32:26379", "10.0.0.33:26379"]


def load_helper():
    loader = importlib.machinery.SourceFileLoader("hafront_redis_replication", str(HELPER))
    spec = importlib.util.spec_from_loader(loader.name, loader)
    helper = importlib.util.module_from_spec(spec)
    loader.exec_module(helper)
    return helper


def test_ships_the_rule_the_filter_applies():
    shipped = HELPER.parent / "redis_master.py"
    assert shipped.resolve() == (HELPER.parents[3] / "hafront" / "redis_master.py").resolve()


@pytest.fixture
def node(tmp_path, monkeypatch):
    """Runs the helper as the node at R1 with the given Sentinel answers and saved Sentinel config."""
    monkeypatch.setattr(sys, "dont_write_bytecode", sys.dont_write_bytecode)  # the helper sets it: restored after
    helper = load_helper()
    monkeypatch.setattr(helper, "grp", types.SimpleNamespace(getgrnam=lambda name: types.SimpleNamespace(gr_gid=-1)))
    monkeypatch.setattr(helper.time, "sleep", lambda s: None)

    def start(answers, sentinel_conf=None, wait=0):
        monkeypatch.setattr(helper, "ask", lambda sentinel, name, password: answers[SENTINELS.index(sentinel)])
        conf = tmp_path / "sentinel.conf"
        if sentinel_conf is not None:
            conf.write_text(sentinel_conf)
        env = tmp_path / "start.env"
        env.write_text(f"# Ansible managed\nSELF={R1}\nMASTER_NAME=hafront\nSENTINELS=\"{' '.join(SENTINELS)}\"\n"
                       f"INITIAL_MASTER={R1}\nSENTINEL_CONFIG={conf}\nOUTPUT={tmp_path / 'out.conf'}\n"
                       f"WAIT_SECONDS={wait}\nREDISCLI_AUTH=secret.pass-1\n")
        rc = helper.main(str(env))
        out = tmp_path / "out.conf"
        return rc, out.read_text() if out.exists() else None
    return start


MONITORS_R1 = "sentinel monitor hafront 10.0.0.31 6379 2\n"


@pytest.mark.parametrize("answers, sentinel_conf, expected", [
    pytest.param([R1, R1, R1], MONITORS_R1, (0, ""), id="majority-names-me"),
    pytest.param([R1, R2, R2], MONITORS_R1, (0, "replicaof 10.0.0.32 6379\n"), id="back-after-failover"),
    pytest.param([None, None, None], None, (0, ""), id="first-deploy-initial-master"),
    pytest.param([None, None, None], "sentinel monitor mymaster 127.0.0.1 6379 2\n", (0, ""),
                 id="first-deploy-packaged-sample-config"),
    pytest.param([R1, None, None], MONITORS_R1, (1, None), id="partitioned-old-master-waits"),
    pytest.param([None, None, None], MONITORS_R1, (1, None), id="silence-after-sentinel-ran-waits"),
    pytest.param([R1, R2, None], MONITORS_R1, (0, "replicaof 10.0.0.32 6379\n"), id="tie-never-master"),
    pytest.param([None, None, None], "sentinel monitor hafront 10.0.0.33 6379 2\n",
                 (0, "replicaof 10.0.0.33 6379\n"), id="silence-follows-saved-config"),
])
def test_start(node, answers, sentinel_conf, expected):
    assert node(answers, sentinel_conf) == expected


def test_read_env_reads_as_sh_does(tmp_path):
    env = tmp_path / "start.env"
    env.write_text('# comment\nSENTINELS="a:1 b:2"\nREDISCLI_AUTH=x.y~z+-_\n\n')
    assert load_helper().read_env(str(env)) == {"SENTINELS": "a:1 b:2", "REDISCLI_AUTH": "x.y~z+-_"}
