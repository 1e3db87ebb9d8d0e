"""Project-level checks: plugin docs render, collections come from PyPI as declared."""

from __future__ import annotations

import json
import re
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


ROLES = sorted(p.name for p in (ROOT / "roles").iterdir() if (p / "defaults" / "main.yml").exists())


def documented(var: str, readme: str) -> bool:
    """`var` in the README, or covered by a shorthand row: `a_b_c` / `_d` or `prefix_*`."""
    if f"`{var}`" in readme:
        return True
    for first, tail in re.findall(r"`(\w+)` / `(_\w+)`", readme):
        if any(first[:i] + tail == var for i, ch in enumerate(first) if ch == "_"):
            return True
    return any(var.startswith(prefix) for prefix in re.findall(r"`(\w+_)\*`", readme))


@pytest.mark.parametrize("role", ROLES)
def test_role_variables_are_specified_and_documented(role):
    """Every default has an argument spec (same default where the spec gives a literal one)
    and a line in the README; the spec holds no variable the role does not default."""
    defaults = yaml.safe_load((ROOT / "roles" / role / "defaults" / "main.yml").read_text()) or {}
    spec_file = ROOT / "roles" / role / "meta" / "argument_specs.yml"
    assert spec_file.exists(), f"roles/{role}/meta/argument_specs.yml is missing"
    options: dict = {}
    for entry in yaml.safe_load(spec_file.read_text())["argument_specs"].values():
        options |= entry.get("options") or {}
    assert sorted(set(defaults) - set(options)) == [], f"{role}: defaults without an argument spec"
    assert sorted(set(options) - set(defaults)) == [], f"{role}: argument specs without a default"
    literal = {k: v for k, v in defaults.items() if not (isinstance(v, str) and "{{" in v)}
    wrong = {k: (options[k]["default"], v) for k, v in literal.items()
             if "default" in options[k] and options[k]["default"] != v}
    assert wrong == {}, f"{role}: spec default vs defaults/main.yml differ: {wrong}"
    readme = (ROOT / "README.md").read_text()
    assert [v for v in defaults if not documented(v, readme)] == [], f"{role}: variables missing from README.md"


def test_staging_has_an_encrypted_vault_example_with_every_vault_variable():
    """inventories/staging/vault.example.vault: ansible-vault encrypted (example password in
    example-vault-pass.txt), vault_-prefixed names only, and every vault_ variable the
    staging group_vars use is in it. Its values are placeholders that preflight rejects."""
    staging = ROOT / "inventories" / "staging"
    encrypted = (staging / "vault.example.vault").read_text()
    assert encrypted.startswith("$ANSIBLE_VAULT;1.2;AES256;example\n")
    plain = run(["ansible-vault", "view", "--vault-id", f"example@{staging / 'example-vault-pass.txt'}",
                 str(staging / "vault.example.vault")], check=True).stdout
    names = set(yaml.safe_load(plain))
    assert names and all(n.startswith("vault_") for n in names), names
    used = {m for f in (staging / "group_vars").rglob("*.yml") for m in re.findall(r"\bvault_\w+", f.read_text())}
    assert used <= names, f"vault variables used in staging but missing from the example: {used - names}"
    assert "use-a-long-random-value-here" not in encrypted
