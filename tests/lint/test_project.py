"""Project-level checks: plugin docs render, collections come from PyPI as declared."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from ansible.module_utils.compat.version import LooseVersion

from helpers import ROOT, run

FILTERS = sorted(p.stem for p in (ROOT / "filter_plugins").glob("*.py") if not p.stem.startswith("_"))


@pytest.mark.parametrize("name", FILTERS)
def test_ansible_doc_renders_filter(name):
    proc = run(["ansible-doc", "-t", "filter", "--json", name], check=True)
    doc = json.loads(proc.stdout)[name]["doc"]
    assert doc["short_description"]
    assert doc["description"]
    examples = json.loads(proc.stdout)[name]["examples"]
    assert name in examples


MODULES = sorted(p.stem for p in (ROOT / "library").glob("*.py"))


@pytest.mark.parametrize("name", MODULES)
def test_ansible_doc_renders_module(name):
    proc = run(["ansible-doc", "-t", "module", "--json", name], check=True)
    entry = json.loads(proc.stdout)[name]
    assert entry["doc"]["short_description"] and entry["doc"]["options"]
    assert name in entry["examples"]
    assert entry["return"]


def installed_collections() -> dict[str, str]:
    proc = run(["ansible-galaxy", "collection", "list", "--format", "json"], check=True)
    found: dict[str, str] = {}
    for path_entries in json.loads(proc.stdout).values():
        for fqcn, meta in path_entries.items():
            found.setdefault(fqcn, meta["version"])
    return found


def satisfies(version: str, spec: str) -> bool:
    for clause in spec.split(","):
        clause = clause.strip()
        op = clause.rstrip("0123456789.")
        want = LooseVersion(clause[len(op):])
        have = LooseVersion(version)
        ok = {">=": have >= want, "<": have < want, "<=": have <= want, ">": have > want,
              "==": have == want, "": have == want}[op]
        if not ok:
            return False
    return True


def test_required_collections_are_installed_from_pypi():
    wanted = yaml.safe_load((ROOT / "requirements.yml").read_text())["collections"]
    have = installed_collections()
    for item in wanted:
        assert item["name"] in have, f"{item['name']} (requirements.yml) is not installed"
        assert satisfies(have[item["name"]], item["version"]), (
            f"{item['name']} {have[item['name']]} does not satisfy {item['version']}")
