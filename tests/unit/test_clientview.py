"""The client metrics of hafront/clientview.py: none of them may hide an outage."""
from __future__ import annotations

import pytest

from hafront.clientview import Sample, impact, longest_gap, p99


def steady(start: float, end: float, rate: float = 100, outcome: str = "ok", latency: float = 0.002) -> list[Sample]:
    n = round((end - start) * rate)
    return [Sample(start + i / rate, latency if outcome == "ok" else 1.0, outcome) for i in range(n)]


def test_steady_probe_shows_one_interval():
    gap = longest_gap(steady(0, 10), event=5)
    assert gap["longest_gap_s"] == pytest.approx(0.01, abs=1e-6)
    assert gap["recovered"]


def test_the_first_failure_window_cannot_hide_a_later_outage():
    # The case: a short first window, one success, then 5 s of timeouts.
    samples = steady(0, 5) + steady(5, 5.05, outcome="refused") + [Sample(5.05, 0.002, "ok")] \
        + steady(5.06, 10, outcome="timeout") + steady(10, 12)
    gap = longest_gap(samples, event=5)
    assert gap["longest_gap_s"] == pytest.approx(10.002 - 5.052, abs=1e-3)
    assert gap["gap_from_s"] == pytest.approx(0.052, abs=1e-3)
    assert gap["recovered"]
    seen = impact(samples, 5)
    assert seen["failed"] == 5 + 494
    assert seen["failed_per_second"][:5] == [99, 100, 100, 100, 100]


def test_no_success_after_the_fault_is_an_open_span():
    samples = steady(0, 5) + steady(5, 8, outcome="timeout")
    gap = longest_gap(samples, event=5)
    assert not gap["recovered"]
    assert gap["longest_gap_s"] == pytest.approx(8.99 - 4.992, abs=1e-3)


def test_late_success_of_an_old_request_is_not_a_recovery():
    # A request sent before the failures succeeds late; everything sent after them fails.
    samples = steady(0, 5) + [Sample(4.999, 0.9, "ok")] + steady(5, 8, outcome="timeout")
    assert not longest_gap(samples, event=5)["recovered"]


def test_failures_in_flight_at_the_fault_count():
    samples = [Sample(4.5, 1.0, "timeout"), *steady(5, 6)]
    seen = impact(samples, event=5)
    assert seen["failed"] == 1 and seen["failed_per_second"] == [1]
    assert seen["first_failure_s"] == -0.5


def test_nothing_failed():
    seen = impact(steady(0, 3), event=1)
    assert seen["failed"] == 0 and seen["first_failure_s"] is None and seen["failed_per_second"] == []


@pytest.mark.parametrize(("values", "want"), [
    ([], None), ([3.0], 3.0), (list(range(1, 101)), 99), (list(range(1, 1001)), 990), ([5, 1, 4], 5),
])
def test_p99_is_nearest_rank(values, want):
    assert p99(values) == want


def test_targets_fail_the_drill_when_missed():
    from hafront.report import Targets

    met = Targets()
    met.at_most("gap", 0.05, 0.1)
    met.equal("false failovers", 0, 0)
    assert met.verdict("t") == 0 and met.missed == []
    missed = Targets()
    missed.at_most("gap", 4.9, 0.1)
    missed.at_most("never measured", None, 0.1)
    assert missed.verdict("t") == 1 and [c["target"] for c in missed.missed] == ["gap", "never measured"]
    assert "**NO**" in "\n".join(missed.markdown())


def test_window_impact_counts_every_request_in_flight_in_the_window():
    from hafront.clientview import window_impact
    samples = steady(0, 10) + [Sample(4.5, 1.0, "timeout")] + [Sample(5.2, 0.003, "reset")]
    seen = window_impact(sorted(samples), 5, 6)
    # In the window: requests that end at or after 5 s and start by 6 s, the 1 s timeout sent at 4.5 s too.
    assert seen["failed"] == 2 and seen["failures"] == {"timeout": 1, "reset": 1}
    assert seen["failed_at"] == [4.5, 5.2]
    assert seen["max_ms"] == 1000.0 and seen["p99_ms"] == p99(s.latency for s in samples
                                                            if 5 <= s.end and s.start <= 6) * 1000
    assert seen["requests"] == len([s for s in samples if 5 <= s.end and s.start <= 6])
    assert window_impact([], 0, 1) == {"requests": 0, "failed": 0, "failures": {}, "failed_at": [], "p99_ms": None,
                                       "longest_gap_s": None, "max_ms": 0.0, "served_by": {}}


def test_first_outage_from_the_first_failure_to_the_next_success_sent_after_it():
    from hafront.clientview import first_outage
    samples = steady(0, 5) + steady(5, 6, outcome="refused") + steady(6, 8)
    out = first_outage(samples, 5)
    assert out["first"] == pytest.approx(5.0) and out["back"] == pytest.approx(6.002)
    assert len(out["failed"]) == 100 and len(out["hit"]) == len([s for s in samples if s.end >= 5])
    assert first_outage(steady(0, 2), 1)["first"] is None and first_outage(steady(0, 2), 1)["back"] is None
    assert first_outage(steady(0, 1) + steady(1, 2, outcome="timeout"), 0.5)["back"] is None


def test_over_runs_medians_skip_missing_values_and_sums_refuse_them():
    from hafront.clientview import over_runs
    runs = [{"gap": 1.0, "lost": 0}, {"gap": None, "lost": 2}, {"gap": 3.0, "lost": 1}]
    assert over_runs(runs, medians=("gap",), totals=("lost",)) == {"gap": 2.0, "lost": 3}
    assert over_runs([*runs, {"gap": 5.0, "lost": None}], totals=("lost",)) == {"lost": None}
    assert over_runs([], medians=("gap",), totals=("lost",)) == {"gap": None, "lost": 0}


@pytest.mark.parametrize(("ts", "origin", "want"), [(None, 1.0, None), (2.123456, 1.0, 1.1235), (1.0, 2.0, -1.0)])
def test_rel(ts, origin, want):
    from hafront.clientview import rel
    assert rel(ts, origin) == want


def test_ms_rounds_to_a_tenth():
    from hafront.clientview import ms
    assert ms(None) is None and ms(0.0123456) == 12.3
