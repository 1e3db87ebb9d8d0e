# Copyright (c) 2026 hafront contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The reports the drills write in a Molecule scenario's side effect, read by its verify."""

from __future__ import annotations

import json
from pathlib import Path


def drill_report(path: Path, drill: str) -> dict:
    """The JSON report at path, which drill (e.g. drills/lb_failover.py) writes in the side effect."""
    assert path.exists(), f"{path} missing: the side effect runs {drill}"
    return json.loads(path.read_text())
