"""hafront/probe.py's parsers (HAProxy's stats CSV, Prometheus metrics) and hafront/report.py's writer."""
from __future__ import annotations

import json

import pytest

from hafront.probe import parse_metrics, parse_stats_csv
from hafront.report import Targets, write_reports

CSV = """# pxname,svname,qcur,status,weight,
fe_web,FRONTEND,,OPEN,,
be_web,web1,0,UP,2,
be_web,web2,0,DRAIN,0,
be_web,BACKEND,0,UP,2,

"""


def test_parse_stats_csv_keys_rows_by_the_header():
    rows = parse_stats_csv(CSV)
    assert len(rows) == 4
    assert rows[1] == {"pxname": "be_web", "svname": "web1", "qcur": "0", "status": "UP", "weight": "2", "": ""}
    assert [r["status"] for r in rows if r["pxname"] == "be_web"] == ["UP", "DRAIN", "UP"]
    assert parse_stats_csv("") == []


def test_parse_metrics_reads_only_the_named_unlabelled_samples():
    text = ("# HELP haproxy_process_start_time_seconds Start time\n"
            "haproxy_process_start_time_seconds 1764486000\n"
            "haproxy_process_connections_total 12345\n"
            "haproxy_process_connections_total_other 1\n"
            'haproxy_frontend_connections_total{proxy="fe"} 7\n')
    names = ("haproxy_process_start_time_seconds", "haproxy_process_connections_total")
    assert parse_metrics(text, names) == {names[0]: 1764486000.0, names[1]: 12345.0}
    assert parse_metrics("", names) == {}


def test_write_reports_writes_json_samples_and_markdown(tmp_path, capsys):
    write_reports(tmp_path, "drill", {"a": 1}, "# Title\n", samples=[[0.1, "ok"]], indent=2)
    assert json.loads((tmp_path / "drill.json").read_text()) == {"a": 1}
    assert json.loads((tmp_path / "drill-samples.json").read_text()) == [[0.1, "ok"]]
    assert (tmp_path / "drill.md").read_text() == "# Title\n"
    assert "# Title" in capsys.readouterr().out
    write_reports(tmp_path, "other", {}, "x\n")
    assert not (tmp_path / "other-samples.json").exists()


def test_targets_exit_code_follows_the_missed_targets(capsys):
    targets = Targets()
    assert targets.at_most("gap", 0.1, 0.2) and not targets.at_most("none", None, 1)
    assert targets.equal("failed", 0, 0)
    assert [c["target"] for c in targets.missed] == ["none"]
    assert targets.verdict("drill") == 1 and "target missed: none" in capsys.readouterr().out
    assert Targets().verdict("drill") == 0


def test_markdown_rows_and_header():
    from hafront.report import head, row
    assert row("a", 1, None, "") == "| a | 1 | None |  |"
    assert head("x", "y") == ["| x | y |", "|---|---|"]


@pytest.mark.parametrize(("before", "after", "want"), [
    ((100.0, 50.0), (100.0, 60.0), False),   # same worker, more connections
    ((100.0, 50.0), (101.0, 60.0), True),    # a new worker started
    ((100.0, 50.0), (100.0, 3.0), True),     # same second, the count started over
])
def test_reloaded(before, after, want):
    from hafront.probe import reloaded
    assert reloaded(before, after) is want


def test_header_names_the_drill_and_its_own_fields(monkeypatch):
    from hafront import report
    monkeypatch.setattr(report.sys, "argv", ["drills/x.py", "--repeat", "1"])
    monkeypatch.setattr(report, "provenance", lambda: {"commit": "c"})
    got = report.header("x", "inventories/lab", rate=5)
    assert got["command"] == "drills/x.py --repeat 1" and got["inventory"] == "inventories/lab" and got["rate"] == 5
    assert got["provenance"] == {"commit": "c"} and got["date"].endswith("+00:00")
    assert report.header("x", "i", date="mine")["date"] == "mine"
