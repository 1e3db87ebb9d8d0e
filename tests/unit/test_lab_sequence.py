# Copyright (c) 2026 hafront contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""tests/conftest.py: the lab tests' declared order, and that every path it names exists."""

import pytest

from module_support import ROOT, load

TESTS = ROOT / "tests"
sequence = load("tests/conftest.py")


@pytest.mark.parametrize("entry", sequence.LAB_SEQUENCE)
def test_every_entry_names_a_test_file_or_directory(entry):
    path = TESTS / entry
    assert path.is_dir() if entry.endswith("/") else path.is_file(), entry


def test_the_operator_playbooks_run_after_the_failover_tests_and_redis_before_the_integration_tests():
    position = sequence.lab_position
    assert position(TESTS / "failover/test_failover.py") < position(TESTS / "ops/test_operations.py")
    assert position(TESTS / "failover/test_zero_downtime.py") < position(TESTS / "ops/test_operations.py")
    assert position(TESTS / "redis/test_redis.py") < position(TESTS / "integration/test_vips.py")
    assert position(TESTS / "integration/test_backends.py") == position(TESTS / "integration/test_vips.py")
    assert position(TESTS / "unit/test_vip.py") == len(sequence.LAB_SEQUENCE)
    assert position(TESTS / "failover/../ops/test_operations.py") == position(TESTS / "ops/test_operations.py")
