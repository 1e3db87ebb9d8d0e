# Copyright (c) 2026 hafront contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

import pytest
from ansible.errors import AnsibleFilterError
from hypothesis import given
from hypothesis import strategies as st

from redis_current_master import FilterModule, redis_current_master

ADDRESSES = {"redis1": "10.0.0.31", "redis2": "10.0.0.32", "redis3": "10.0.0.33"}


@pytest.mark.parametrize("answers, expected", [
    pytest.param({}, "redis1", id="no-sentinel-yet-first-deploy"),
    pytest.param({"redis1": None, "redis2": "", "redis3": None}, "redis1", id="no-answers"),
    pytest.param({"redis1": "10.0.0.32:6379", "redis2": "10.0.0.32:6379", "redis3": "10.0.0.32:6379"}, "redis2",
                 id="all-agree-after-failover"),
    pytest.param({"redis1": None, "redis2": "10.0.0.33:6379", "redis3": "10.0.0.33:6379"}, "redis3",
                 id="old-master-down"),
    pytest.param({"redis1": "10.0.0.31:6379", "redis2": "10.0.0.32:6379", "redis3": "10.0.0.32:6379"}, "redis2",
                 id="stale-sentinel-outvoted"),
    pytest.param({"redis2": "10.0.0.32:6379"}, "redis2", id="group-of-one-in-play"),
])
def test_follows_the_sentinels(answers, expected):
    assert redis_current_master(answers, ADDRESSES, "redis1") == expected


@pytest.mark.parametrize("answers, addresses, initial, message", [
    pytest.param({"redis1": "10.0.0.31:6379", "redis2": "10.0.0.32:6379"}, ADDRESSES, "redis1", "tie",
                 id="tie"),
    pytest.param({"redis1": "10.0.0.31:6379", "redis2": "10.0.0.32:6379", "redis3": None}, ADDRESSES, "redis1",
                 "no master by a majority", id="stale-and-new-one-silent"),
    pytest.param({"redis1": None, "redis2": None, "redis3": "10.0.0.32:6379"}, ADDRESSES, "redis1",
                 "no majority", id="single-answer-of-three"),
    pytest.param({"redis1": "10.0.0.31:6379", "redis2": None, "redis3": None}, ADDRESSES, "redis2",
                 "no majority", id="partitioned-minority"),
    pytest.param({"redis1": "10.0.0.99:6379"}, ADDRESSES, "redis1", "no host of the Redis group", id="unknown-address"),
    pytest.param({"redis1": "10.0.0.31"}, ADDRESSES, "redis1", "no host of the Redis group", id="no-port"),
    pytest.param({}, ADDRESSES, "redis9", "redis_initial_master", id="initial-not-in-group"),
    pytest.param({}, {}, "redis1", "addresses", id="empty-addresses"),
    pytest.param(["10.0.0.31:6379"], ADDRESSES, "redis1", "input", id="answers-not-a-mapping"),
])
def test_rejects_what_it_cannot_decide(answers, addresses, initial, message):
    with pytest.raises(AnsibleFilterError, match=message) as err:
        redis_current_master(answers, addresses, initial)
    assert str(err.value).startswith("redis_current_master: ")


@given(st.lists(st.sampled_from([*ADDRESSES, None]), min_size=1, max_size=7))
def test_only_a_strict_majority_names_the_master(votes):
    answers = {f"s{i}": f"{ADDRESSES[h]}:6379" if h else None for i, h in enumerate(votes)}
    best = max(votes.count(h) for h in ADDRESSES)
    if 2 * best > len(votes):
        assert 2 * votes.count(redis_current_master(answers, ADDRESSES, "redis1")) > len(votes)
    elif best == 0:
        assert redis_current_master(answers, ADDRESSES, "redis1") == "redis1"
    else:
        with pytest.raises(AnsibleFilterError, match="no master by a majority"):
            redis_current_master(answers, ADDRESSES, "redis1")


def test_filter_is_registered():
    assert FilterModule().filters()["redis_current_master"] is redis_current_master
