# SPDX-License-Identifier: MIT
"""The kinds hafront.syntax adds for the redis role: passwords written where sh and Redis
read them, and RDB save rules."""

from __future__ import annotations

import pytest

from hafront import syntax


@pytest.mark.parametrize("value", ["Ab3.x_y~z+w-0123456789", "a", "0123456789abcdef"])
def test_redis_password_may_hold_letters_digits_and_safe_punctuation(value):
    assert syntax.problems("redis_app_password", value, "redis_password", secret=True) == []


@pytest.mark.parametrize("value", [
    "with space 0123456789",
    "hash#0123456789abcdef",
    "dollar$(reboot)0123456",
    'quote"0123456789abcdef',
    "semi;colon0123456789ab",
    "",
])
def test_redis_password_refuses_shell_and_redis_syntax(value):
    found = syntax.problems("redis_app_password", value, "redis_password", secret=True)
    assert len(found) == 1 and "start.env is read by sh" in found[0]
    if value:
        assert value not in found[0]


def test_block_scalar_password_gets_its_own_hint_and_stays_hidden():
    (found,) = syntax.problems("redis_admin_password", "Pasted-from-the-vault-0123456789\n", "redis_password",
                               secret=True)
    assert "block scalar" in found and "not shown" in found and "Pasted" not in found


def test_errors_hide_every_redis_password_by_its_name():
    found = syntax.errors({"redis_sentinel_password": "bad value!"}, {"redis_sentinel_password": "redis_password"})
    assert len(found) == 1 and "bad value" not in found[0]


@pytest.mark.parametrize("value", [[], [[3600, 1]], [[3600, 1], [300, 100], [60, 10000]], [[0, 0]]])
def test_save_rules_are_pairs_of_whole_numbers(value):
    assert syntax.problems("redis_save", value, "redis_save") == []


@pytest.mark.parametrize("value, where", [
    ([[3600]], "redis_save[0]"),
    ([[3600, 1], [300, 100, 5]], "redis_save[1]"),
    ([["3600", "1"]], "redis_save[0]"),
    ([[3600, -1]], "redis_save[0]"),
    ([[True, 1]], "redis_save[0]"),
    ([["3600 1\nreplicaof 10.0.0.1 6379", 1]], "redis_save[0]"),
    (["3600 1"], "redis_save[0]"),
])
def test_save_rules_refuse_anything_else(value, where):
    found = syntax.problems("redis_save", value, "redis_save")
    assert len(found) == 1 and found[0].startswith(f"{where} must be a [seconds, changes] pair")


def test_save_rules_must_be_a_list():
    (found,) = syntax.problems("redis_save", "3600 1", "redis_save")
    assert found.startswith("redis_save must be a list")


def test_the_redis_syntax_map_walks_extra_settings_keys_and_values():
    rules = {"redis_extra_settings{key}": "redis_directive", "redis_extra_settings{}": "line"}
    found = syntax.errors({"redis_extra_settings": {"hz": "20\nreplicaof x 1", "Max Memory": 1}}, rules)
    assert any(f.startswith("redis_extra_settings key 'Max Memory' must be a Redis directive") for f in found)
    assert any(f.startswith("redis_extra_settings.hz must be one line") for f in found)
