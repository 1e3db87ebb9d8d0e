# Copyright (c) 2026 hafront contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""library/hafront_applied.py: the reload decision as a table, and snapshot/decide/record on real files."""

import hashlib
import json

import pytest

from module_support import ansible_module, assert_actions_documented, load

mod = load("library/hafront_applied.py")

WEIGHT = [r"weight \d+"]
OLD = "backend be_web\n  server web1 10.0.0.21:80 weight 128\n"
NEW_WEIGHT = OLD.replace("weight 128", "weight 256")
NEW_SERVER = OLD + "  server web2 10.0.0.22:80 weight 128\n"


def fp(text):
    return mod.fingerprint(text, WEIGHT)


def sha1(text):
    return hashlib.sha1(text.encode()).hexdigest()


@pytest.mark.parametrize("running, before, now, written, reason", [
    pytest.param(sha1(OLD), OLD, OLD, False, "", id="runs-the-file-on-disk"),
    pytest.param("", OLD, OLD, False, mod.FIRST, id="no-record"),
    pytest.param(sha1(OLD), OLD, NEW_WEIGHT, True, "", id="weights-only"),
    pytest.param(sha1(OLD), OLD, NEW_SERVER, True, "the configuration changed beyond server weights", id="new-server"),
    pytest.param(sha1(OLD), NEW_SERVER, NEW_SERVER, False, mod.STALE, id="earlier-run-stopped-before-reloading"),
    pytest.param(sha1(OLD), NEW_WEIGHT, NEW_SERVER, True, mod.STALE, id="stale-and-changed-again"),
    pytest.param(sha1(OLD), None, NEW_SERVER, True, "the configuration changed", id="no-snapshot-written"),
    pytest.param(sha1(OLD), None, NEW_SERVER, False, mod.STALE, id="no-snapshot-not-written"),
    pytest.param(sha1(OLD), None, NEW_WEIGHT, True, "the configuration changed", id="no-snapshot-no-volatile-rule"),
])
def test_reload_reason(running, before, now, written, reason):
    assert mod.reload_reason(running, fp(now), None if before is None else fp(before), written,
                             "server weights") == reason


def test_volatile_parts_leave_the_shape_alone_and_nothing_else_does():
    assert fp(OLD)["shape"] == fp(NEW_WEIGHT)["shape"] and fp(OLD)["checksum"] != fp(NEW_WEIGHT)["checksum"]
    assert fp(OLD)["shape"] != fp(NEW_SERVER)["shape"]
    assert fp(None) == {"checksum": "", "shape": ""}


def test_the_checksum_is_the_one_stat_reports(tmp_path):
    path = tmp_path / "haproxy.cfg"
    path.write_text(OLD)
    assert mod.fingerprint(mod.read(str(path)), [])["checksum"] == hashlib.sha1(path.read_bytes()).hexdigest()


def call(args, check_mode=False):
    return ansible_module(mod, args, check_mode)


def test_the_action_choices_are_the_dispatch_table_in_the_documented_order():
    assert_actions_documented(mod)


@pytest.mark.parametrize("args, message", [
    pytest.param({"action": "decide", "path": "/x"}, "action is decide but all of the following are missing: record",
                 id="decide-without-record"),
    pytest.param({"action": "record", "path": "/x"}, "missing: record", id="record-without-record"),
    pytest.param({"action": "snapshot"}, "missing required arguments: path", id="no-path"),
])
def test_arguments_are_rejected(capsys, args, message):
    with pytest.raises(SystemExit):
        call(args)
    assert message in json.loads(capsys.readouterr().out)["msg"]


def test_weight_change_moves_the_record_without_a_reload(tmp_path):
    config, record = tmp_path / "haproxy.cfg", tmp_path / "state" / "haproxy.cfg.applied"
    config.write_text(OLD)
    assert mod.run(call({"action": "record", "path": str(config), "record": str(record)}))["changed"]
    assert record.read_text() == sha1(OLD) + "\n" and oct(record.stat().st_mode & 0o777) == "0o644"
    assert not mod.run(call({"action": "record", "path": str(config), "record": str(record)}))["changed"]

    base = {"path": str(config), "volatile": WEIGHT, "volatile_what": "server weights"}
    before = mod.run(call({"action": "snapshot", **base}))
    config.write_text(NEW_WEIGHT)
    decision = mod.run(call({"action": "decide", "record": str(record), "before": before, **base}))
    assert (decision["reload"], decision["reason"], decision["recorded"]) == (False, "", True)
    assert record.read_text() == sha1(NEW_WEIGHT) + "\n"

    before = mod.run(call({"action": "snapshot", **base}))
    config.write_text(NEW_SERVER)
    decision = mod.run(call({"action": "decide", "record": str(record), "before": before, **base}, check_mode=True))
    assert decision["reload"] and decision["reason"] == "the configuration changed beyond server weights"
    assert record.read_text() == sha1(NEW_WEIGHT) + "\n", "decide never records a file that needs a reload"


def test_check_mode_records_nothing(tmp_path):
    config, record = tmp_path / "keepalived.conf", tmp_path / "keepalived.conf.applied"
    config.write_text(OLD)
    result = mod.run(call({"action": "record", "path": str(config), "record": str(record)}, check_mode=True))
    assert result["changed"] and not record.exists()
