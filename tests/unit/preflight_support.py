# Copyright (c) 2026 hafront contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The roles' own defaults and syntax maps, for the preflight checks' unit tests."""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

import yaml

from helpers import ROOT


@cache
def _load(role: str, name: str) -> dict[str, Any]:
    return yaml.safe_load((ROOT / "roles" / role / name / "main.yml").read_text()) or {}


def defaults(role: str) -> dict[str, Any]:
    """A fresh copy of roles/<role>/defaults/main.yml."""
    return copy.deepcopy(_load(role, "defaults"))


def syntax(role: str) -> dict[str, str]:
    """The role's syntax map, __<role>_syntax in roles/<role>/vars/main.yml."""
    return _load(role, "vars")[f"__{role}_syntax"]


def only_message(inventory: Any, change: Any, secrets: tuple[str, ...] = ()) -> str:
    """The one message an inventory's checks give after change(inventory); it shows none of the secrets."""
    change(inventory)
    found = inventory.errors()
    assert len(found) == 1, found
    assert [s for s in secrets if s in found[0]] == [], "a message shows a secret"
    return found[0]
