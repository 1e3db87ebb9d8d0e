# Copyright (c) 2026 hafront contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""hafront.redis_master: the one rule for which Redis node is master, and how a node starts."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hafront.redis_master import (INITIAL, MAJORITY, NO_ANSWER, NO_MAJORITY, TIE, StartAs, Verdict,
                                  master_by_sentinels, start_as)

R1, R2, R3 = "10.0.0.31:6379", "10.0.0.32:6379", "10.0.0.33:6379"


@pytest.mark.parametrize("answers, initial, master, reason", [
    # majority
    pytest.param({"s1": R2, "s2": R2, "s3": R2}, R1, R2, MAJORITY, id="all-agree-after-failover"),
    pytest.param({"s1": None, "s2": R3, "s3": R3}, R1, R3, MAJORITY, id="old-master-down-two-of-three"),
    pytest.param({"s1": R1}, R2, R1, MAJORITY, id="group-of-one"),
    pytest.param({"s1": R2, "s2": R2, "s3": None, "s4": None, "s5": R2}, R1, R2, MAJORITY, id="three-of-five"),
    # stale answers: a Sentinel still naming the master before the failover
    pytest.param({"s1": R1, "s2": R2, "s3": R2}, R1, R2, MAJORITY, id="stale-sentinel-outvoted"),
    pytest.param({"s1": R1, "s2": R2, "s3": None}, R1, None, TIE, id="stale-and-new-one-silent"),
    pytest.param({"s1": R1, "s2": None, "s3": None}, R1, None, NO_MAJORITY, id="stale-own-sentinel-alone"),
    pytest.param({"s1": R1, "s2": R1, "s3": R2, "s4": R2, "s5": R3}, R1, None, TIE, id="stale-pair-ties-new-pair"),
    # plurality short of a majority: a partitioned minority cannot promote itself
    pytest.param({"s1": R1, "s2": None, "s3": None}, None, None, NO_MAJORITY, id="partitioned-minority"),
    pytest.param({"s1": R2, "s2": R2, "s3": R1, "s4": None, "s5": None}, R1, None, NO_MAJORITY,
                 id="plurality-two-of-five"),
    pytest.param({"s1": R1, "s2": R2, "s3": R3}, R1, None, TIE, id="three-way-tie"),
    pytest.param({"s1": R1, "s2": R2}, R1, None, TIE, id="tie-of-two"),
    # no answers: the initial master only when the caller says no Sentinel has run yet
    pytest.param({}, R1, R1, INITIAL, id="no-sentinel-asked-first-deploy"),
    pytest.param({"s1": None, "s2": "", "s3": None}, R1, R1, INITIAL, id="no-answers-first-deploy"),
    pytest.param({"s1": None, "s2": None, "s3": None}, None, None, NO_ANSWER, id="no-answers-after-sentinel-ran"),
])
def test_master_by_sentinels(answers, initial, master, reason):
    verdict = master_by_sentinels(answers, initial)
    assert (verdict.master, verdict.reason) == (master, reason)
    assert verdict.asked == len(answers)
    assert verdict.describe()


def test_ranked_lists_every_address_most_votes_first():
    verdict = master_by_sentinels({"s1": R3, "s2": R2, "s3": R2, "s4": R1, "s5": None})
    assert verdict.ranked == ((R2, 2), (R1, 1), (R3, 1))
    assert "a majority is 3" in verdict.describe()


@given(st.lists(st.sampled_from([R1, R2, R3, None]), max_size=7))
def test_never_a_master_without_a_strict_majority_of_those_asked(votes):
    verdict = master_by_sentinels({f"s{i}": v for i, v in enumerate(votes)}, None)
    if verdict.master is not None:
        assert 2 * votes.count(verdict.master) > len(votes)
    else:
        assert all(2 * votes.count(a) <= len(votes) for a in (R1, R2, R3))


@given(st.lists(st.sampled_from([R1, R2, R3, None]), min_size=1, max_size=7))
def test_two_disjoint_halves_never_both_name_a_master(votes):
    """A partition splits the Sentinels; each side asks all of them, the other side's count as silent."""
    for cut in range(len(votes) + 1):
        left = {f"s{i}": v if i < cut else None for i, v in enumerate(votes)}
        right = {f"s{i}": v if i >= cut else None for i, v in enumerate(votes)}
        named = [master_by_sentinels(side).master for side in (left, right)]
        assert None in named


def v(answers, initial=None):
    return master_by_sentinels(answers, initial)


@pytest.mark.parametrize("verdict, self_address, saved, expected", [
    pytest.param(v({"s1": R1, "s2": R1, "s3": None}), R1, None, StartAs("master", None), id="majority-names-me"),
    pytest.param(v({"s1": R1, "s2": R2, "s3": R2}), R1, R1, StartAs("replica", R2), id="stale-own-sentinel"),
    pytest.param(v({}, R1), R1, None, StartAs("master", None), id="first-deploy-initial-master"),
    pytest.param(v({}, R1), R2, None, StartAs("replica", R1), id="first-deploy-replica"),
    pytest.param(v({"s1": R1, "s2": None, "s3": None}), R1, R1, StartAs("wait", None),
                 id="partitioned-old-master-waits"),
    pytest.param(v({"s1": R1, "s2": R2, "s3": None}), R1, None, StartAs("replica", R2), id="tie-never-master"),
    pytest.param(v({"s1": R2, "s2": R3, "s3": None}), R1, None, StartAs("replica", R2), id="tie-not-me"),
    pytest.param(v({"s1": None, "s2": None}), R1, R3, StartAs("replica", R3), id="silence-follows-saved-config"),
    pytest.param(v({"s1": None, "s2": None}), R1, R1, StartAs("wait", None), id="silence-saved-names-me"),
    pytest.param(v({"s1": None, "s2": None}), R1, None, StartAs("wait", None), id="silence-nothing-saved"),
])
def test_start_as(verdict, self_address, saved, expected):
    assert start_as(verdict, self_address, saved) == expected


@given(st.lists(st.sampled_from([R1, R2, R3, None]), max_size=7), st.sampled_from([R1, R2, R3]),
       st.sampled_from([R1, R2, R3, None]))
def test_node_starts_as_master_only_when_the_rule_names_it(votes, self_address, saved):
    verdict = master_by_sentinels({f"s{i}": v for i, v in enumerate(votes)})
    if start_as(verdict, self_address, saved).role == "master":
        assert verdict.master == self_address and verdict.reason == MAJORITY


def test_verdict_is_a_plain_tuple():
    assert isinstance(master_by_sentinels({"s1": R1}), Verdict)
