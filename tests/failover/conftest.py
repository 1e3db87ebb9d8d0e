# Copyright (c) 2026 hafront contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fixtures of the failover scenario's verify: the lab's load balancers."""

from __future__ import annotations

import pytest

from lab import hostvars


@pytest.fixture(scope="module")
def lbs() -> list[str]:
    return hostvars()["_groups"]["loadbalancers"]
