# Copyright (c) 2026 hafront contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The order of the tests that run on the lab, declared here rather than left to file names.

They change the lab they check (drills' faults, playbook runs), so each Molecule verify runs
them in the order below, whatever order pytest is given their files in: Molecule sorts its
list of paths, which puts an extra directory (`additional_files_or_dirs`) first. A test file
not listed keeps its place, after the listed ones; within a file, tests run as written."""

from __future__ import annotations

from pathlib import Path

import pytest

# Paths below tests/; a directory stands for its files in name order.
LAB_SEQUENCE = (
    # molecule/default: Redis as the failover drill left it (master where Sentinel put it,
    # the re-run after it), before the integration tests run playbooks on the lab.
    "redis/test_redis.py",
    "integration/",
    # molecule/failover: what the drills' clients saw and the faults tested live; these
    # bring the killed VIP holder back and the VIPs home ...
    "failover/test_failover.py",
    "failover/test_zero_downtime.py",
    # ... so that the operator's playbooks (status, vip_move, redis_switchover) then run
    # on a whole lab.
    "ops/test_operations.py",
)

_TESTS = Path(__file__).resolve().parent


def lab_position(path: Path) -> int:
    """Where a test file stands in LAB_SEQUENCE (len(LAB_SEQUENCE) if it is not listed)."""
    try:
        name = path.resolve().relative_to(_TESTS).as_posix()
    except ValueError:
        return len(LAB_SEQUENCE)
    return next((i for i, entry in enumerate(LAB_SEQUENCE)
                 if name == entry or (entry.endswith("/") and name.startswith(entry))), len(LAB_SEQUENCE))


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # A stable sort: tests of one file, and files of one directory entry, keep their order.
    items.sort(key=lambda item: lab_position(item.path))
