"""What clients saw around a fault, computed from probe samples.

A metric here must not be able to hide an outage. So besides counting every failed
request, the span that matters is the longest one without a successful response, taken
over the whole observation window, not only the first run of failures: clients that fail,
recover for a moment and fail again for seconds lived through the long span, and it is
reported.
"""
from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple


class Timed:
    """When a request (a probe's Sample, a Redis drill's Write) ended, and whether it succeeded.

    Mixed into a NamedTuple with start, latency and outcome fields."""

    __slots__ = ()
    start: float
    latency: float
    outcome: str

    @property
    def end(self) -> float:
        return self.start + self.latency

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"


class _Sample(NamedTuple):
    start: float      # wall clock, seconds
    latency: float    # seconds until the answer or the error
    outcome: str      # ok | refused | timeout | reset | closed | unreachable | http_NNN | ...
    served_by: str = ""
    lb: str = ""


class Sample(Timed, _Sample):
    """One request of the probe."""

    __slots__ = ()


def p99(values: Iterable[float]) -> float | None:
    """Nearest-rank 99th percentile (the value at rank ceil(0.99 n)); None when empty."""
    ordered = sorted(values)
    if not ordered:
        return None
    return ordered[math.ceil(len(ordered) * 0.99) - 1]


def longest_gap(samples: Sequence[Sample], event: float) -> dict[str, Any]:
    """The longest span after `event` during which no request got a successful answer.

    Spans run between successful completions. The first one starts at the last success
    before the event (a client's last good answer), so a steady probe at r requests/s
    shows about 1/r even with nothing wrong. A failure after the last success leaves the
    span open until the last request the probe sent: `recovered` is then False.
    """
    oks = sorted(s.end for s in samples if s.ok)
    before = [t for t in oks if t <= event]
    mark = before[-1] if before else event
    after = [t for t in oks if t > event]
    longest, frm, to = 0.0, mark, mark
    for t in after:
        if t - mark > longest:
            longest, frm, to = t - mark, mark, t
        mark = t
    # Recovered: some request sent after the last failed one was answered.
    last_failure = max((s.start for s in samples if not s.ok and s.end >= event), default=None)
    recovered = last_failure is None or any(s.ok and s.start > last_failure for s in samples)
    if not recovered:
        tail_end = max(s.end for s in samples)
        if tail_end - mark > longest:
            longest, frm, to = tail_end - mark, mark, tail_end
    return {"longest_gap_s": round(longest, 4), "gap_from_s": round(frm - event, 4),
            "gap_to_s": round(to - event, 4), "recovered": recovered}


def impact(samples: Sequence[Sample], event: float, bin_s: float = 1.0) -> dict[str, Any]:
    """Client view of everything in flight at or after `event`: every failure counts."""
    hit = [s for s in samples if s.end >= event]
    failed = [s for s in hit if not s.ok]
    bins: list[int] = []
    for s in failed:
        index = max(0, int((s.start - event) // bin_s))
        bins.extend([0] * (index + 1 - len(bins)))
        bins[index] += 1
    return {
        "requests": len(hit),
        "failed": len(failed),
        "errors": dict(Counter(s.outcome for s in failed)),
        "failed_per_second": bins,
        "first_failure_s": round(failed[0].start - event, 4) if failed else None,
        "last_failure_s": round(max(s.end for s in failed) - event, 4) if failed else None,
        **longest_gap(samples, event),
        "p99_ms": _ms(p99(s.latency for s in hit)),
        "p99_ok_ms": _ms(p99(s.latency for s in hit if s.ok)),
        "served_by_lb": dict(Counter(s.lb for s in hit if s.ok)),
    }


def window_impact(samples: Sequence[Sample], start: float, end: float) -> dict[str, Any]:
    """Every request that was in flight at some moment of [start, end], and what it got."""
    window = [s for s in samples if start <= s.end and s.start <= end]
    failed = [s for s in window if not s.ok]
    return {"requests": len(window), "failed": len(failed), "failures": dict(Counter(s.outcome for s in failed)),
            # When each failure started (wall clock), for lining up with journals: the first 20.
            "failed_at": [round(s.start, 3) for s in failed[:20]],
            "p99_ms": _ms(p99(s.latency for s in window)),
            "longest_gap_s": longest_gap(window, start)["longest_gap_s"] if window else None,
            "max_ms": round(max((s.latency for s in window), default=0) * 1000, 1),
            "served_by": dict(Counter(s.served_by for s in window if s.ok))}


def first_outage(samples: Sequence[Sample], event: float) -> dict[str, Any]:
    """Requests in flight at or after `event` (hit), the failed ones, when the first failure
    was sent, and when the first success sent after it completed (None: none yet)."""
    hit = [s for s in samples if s.end >= event]
    failed = [s for s in hit if not s.ok]
    first = failed[0].start if failed else None
    back = min((s.end for s in hit if s.ok and first is not None and s.start > first), default=None)
    return {"hit": hit, "failed": failed, "first": first, "back": back}


def over_runs(runs: Sequence[dict[str, Any]], medians: Iterable[str] = (), totals: Iterable[str] = ()) -> dict[str, Any]:
    """Per key, the median over the runs that have a value, or the sum (None when a run has none)."""
    out: dict[str, Any] = {k: median(r.get(k) for r in runs) for k in medians}
    return out | {k: None if any(r.get(k) is None for r in runs) else sum(r[k] for r in runs) for k in totals}


def rel(ts: float | None, origin: float, digits: int = 4) -> float | None:
    """Seconds from origin to ts, rounded; None stays None."""
    return None if ts is None else round(ts - origin, digits)


def ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)


_ms = ms


def median(values: Iterable[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return round(statistics.median(present), 4) if present else None
