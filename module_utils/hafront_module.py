# Copyright (c) 2026 hafront contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the hafront modules (library/) share: one action per call, chosen from a table.

Each module lists its actions in a dispatch table (action name -> Action). The table is
the only list: it gives the action option its choices (AnsibleModule rejects any other
value) and each action's required options their required_if, so a call that forgets
one fails before anything is sent. module_main() is every module's main().

Ansible ships this file with each module that imports it (ansible.cfg: module_utils).
"""
from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from ansible.module_utils.basic import AnsibleModule


class Action(NamedTuple):
    """One value of a module's action option."""

    run: Callable[..., dict[str, Any]]   # (module, *context) -> the module's result
    requires: tuple[str, ...] = ()       # options this action needs (each without a default in the spec)


def module_args(argument_spec: Mapping[str, Any], actions: Mapping[str, Action], key: str = "action",
                ) -> dict[str, Any]:
    """AnsibleModule's keyword arguments: argument_spec, plus key whose choices are the actions."""
    for name, action in actions.items():
        defaulted = [option for option in action.requires if argument_spec[option].get("default") is not None]
        if defaulted:  # required_if counts an option with a default as given: it would never fire
            raise ValueError(f"action {name} requires {defaulted}, which have defaults")
    return {
        "argument_spec": {**argument_spec, key: {"type": "str", "required": True, "choices": list(actions)}},
        "required_if": [(key, name, list(action.requires)) for name, action in actions.items() if action.requires],
        "supports_check_mode": True,
    }


def dispatch(module: AnsibleModule, actions: Mapping[str, Action], *context: Any, key: str = "action",
             ) -> dict[str, Any]:
    """Run the action the module was called with, given the context its module opened (a connection...)."""
    return actions[module.params[key]].run(module, *context)


def module_main(argument_spec: Mapping[str, Any], actions: Mapping[str, Action], run: Callable[[AnsibleModule], dict],
         errors: tuple[type[BaseException], ...], where: Callable[[dict[str, Any]], str], key: str = "action",
         ) -> None:
    """A module's main: parse the arguments, run(module), exit with its result or fail with where: error."""
    module = AnsibleModule(**module_args(argument_spec, actions, key))
    try:
        result = run(module)
    except errors as exc:
        module.fail_json(msg=f"{where(module.params)}: {exc}")
    module.exit_json(**result)


def write_atomic(path: str, text: str, mode: int) -> None:
    """Write text to path through a temporary file beside it, so no reader sees half a file."""
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path) or ".", prefix=f".{os.path.basename(path)}.")
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.chmod(tmp, mode)
    os.replace(tmp, path)
