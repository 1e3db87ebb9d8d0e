# Copyright (c) 2026 hafront contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What the unit tests of the modules in library/ share: loading a module file, building its
AnsibleModule as main() does, and checking its dispatch table against its documentation."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import yaml

ROOT = Path(__file__).resolve().parents[2]


def load(path: str) -> ModuleType:
    """A file of the repository (e.g. library/hafront_state.py) imported as a module of its own name."""
    spec = importlib.util.spec_from_file_location(Path(path).stem, ROOT / path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def ansible_module(mod: ModuleType, args: dict, check_mode: bool = False):
    """The AnsibleModule of mod built the way main() builds it, from these arguments."""
    from ansible.module_utils.basic import AnsibleModule
    from ansible.module_utils.hafront_module import module_args
    from ansible.module_utils.testing import patch_module_args

    with patch_module_args({**args, "_ansible_check_mode": check_mode}):
        return AnsibleModule(**module_args(mod.ARGUMENT_SPEC, mod.ACTIONS))


def assert_actions_documented(mod: ModuleType) -> None:
    """The action option's choices are the dispatch table, in order; every option is documented, and one an
    action requires has no default and names that action."""
    doc = yaml.safe_load(mod.DOCUMENTATION)["options"]
    assert doc["action"]["choices"] == list(mod.ACTIONS)
    assert set(doc) == {"action", *mod.ARGUMENT_SPEC}
    for name, action in mod.ACTIONS.items():
        for option in action.requires:
            assert "default" not in doc[option] and f"V({name})" in doc[option]["description"], (name, option)
