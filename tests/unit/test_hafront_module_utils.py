# Copyright (c) 2026 hafront contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""module_utils/hafront_module.py (the modules' shared dispatch and main), and hafront_state through it."""

import json

import pytest
from ansible.module_utils.hafront_module import Action, module_args
from ansible.module_utils.testing import patch_module_args

from module_support import load

state = load("library/hafront_state.py")


def test_module_args_make_choices_and_required_if_from_the_table():
    actions = {"b": Action(print, ("x",)), "a": Action(print), "c": Action(print, ("x", "y"))}
    args = module_args({"x": {"type": "str"}, "y": {"type": "int"}}, actions, key="verb")
    assert args["argument_spec"]["verb"] == {"type": "str", "required": True, "choices": ["b", "a", "c"]}
    assert args["required_if"] == [("verb", "b", ["x"]), ("verb", "c", ["x", "y"])]
    assert args["supports_check_mode"] is True


def test_required_option_with_a_default_is_refused():
    # required_if counts an option with a default as given, so the requirement would never fire.
    with pytest.raises(ValueError, match=r"action a requires \['x'\]"):
        module_args({"x": {"type": "str", "default": ""}}, {"a": Action(print, ("x",))})


def run_state(capsys, args):
    with patch_module_args(args), pytest.raises(SystemExit):
        state.main()
    return json.loads(capsys.readouterr().out)


def test_hafront_state_records_then_finds_the_node_current(tmp_path, capsys):
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "a.conf").write_text("a\n")
    common = {"name": "redis", "inputs": {"code": "1"}, "paths": [str(tmp_path / "etc")], "dir": str(tmp_path / "rec")}
    first = run_state(capsys, {"state": "query", **common})
    assert (first["changed"], first["current"], first["reason"]) == (False, False, "no record of a successful run here")
    written = run_state(capsys, {"state": "record", **common})
    assert (written["changed"], written["written"]) == (False, True)
    assert run_state(capsys, {"state": "query", **common})["current"] is True
    (tmp_path / "etc" / "a.conf").write_text("b\n")
    assert "a.conf changed" in run_state(capsys, {"state": "query", **common})["reason"]


def test_hafront_state_rejects_an_unknown_state(capsys):
    out = run_state(capsys, {"state": "forget", "name": "redis", "inputs": {}})
    assert out["failed"] and "value of state must be one of: query, record" in out["msg"]


def test_hafront_state_fails_with_where_and_why(tmp_path, capsys):
    (tmp_path / "rec").write_text("a file where the directory should be")
    out = run_state(capsys, {"state": "record", "name": "redis", "inputs": {}, "dir": str(tmp_path / "rec")})
    assert out["failed"] and out["msg"].startswith("hafront_state record redis: ")
