"""Project-level checks: plugin docs render, collections come from PyPI as declared, each role's
README documents its argument specs, README links resolve."""

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


def argument_specs(role: str) -> dict:
    return yaml.safe_load((ROOT / "roles" / role / "meta" / "argument_specs.yml").read_text())["argument_specs"]


@pytest.mark.parametrize("role", ROLES)
def test_role_variables_are_specified(role):
    """Every default has an argument spec (same default where the spec gives a literal one);
    the spec holds no variable the role does not default."""
    defaults = yaml.safe_load((ROOT / "roles" / role / "defaults" / "main.yml").read_text()) or {}
    spec_file = ROOT / "roles" / role / "meta" / "argument_specs.yml"
    assert spec_file.exists(), f"roles/{role}/meta/argument_specs.yml is missing"
    options: dict = {}
    for entry in argument_specs(role).values():
        options |= entry.get("options") or {}
    assert sorted(set(defaults) - set(options)) == [], f"{role}: defaults without an argument spec"
    assert sorted(set(options) - set(defaults)) == [], f"{role}: argument specs without a default"
    literal = {k: v for k, v in defaults.items() if not (isinstance(v, str) and "{{" in v)}
    wrong = {k: (options[k]["default"], v) for k, v in literal.items()
             if "default" in options[k] and options[k]["default"] != v}
    assert wrong == {}, f"{role}: spec default vs defaults/main.yml differ: {wrong}"


def readme_variables(readme: str) -> set[str]:
    """Names a role README documents as variables: the top-level keys of its ```yaml blocks
    (each default repeated, then one sentence), up to its example playbook."""
    text = readme.split("\n## Example Playbook")[0]
    blocks = re.findall(r"^```ya?ml\n(.*?)^```", text, re.M | re.S)
    return {m for block in blocks for m in re.findall(r"^(\w+):", block, re.M)}


# Where a name must occur, outside Markdown, to exist: code, templates, playbooks, inventories.
SOURCES = [p for d in ("roles", "hafront", "filter_plugins", "library", "playbooks", "inventories")
           for p in (ROOT / d).rglob("*") if p.is_file() and p.suffix in {".py", ".yml", ".yaml", ".j2", ".sh", ""}]


def in_sources(name: str) -> bool:
    pattern = re.compile(rf"\b{re.escape(name)}\b")
    return any(pattern.search(p.read_text(errors="replace")) for p in SOURCES)


def check_role_readme(role: str, readme: str, specs: dict) -> list[str]:
    """What is wrong with a role README against that role's argument specs: an entry point it
    does not name, an option of an entry point it does not document as a variable, a variable
    it documents that no entry point specifies, or a role-prefixed name it quotes that exists
    nowhere in the code."""
    problems = []
    documented = readme_variables(readme)
    options = {name for entry in specs.values() for name in (entry.get("options") or {})}
    for entry_point, entry in specs.items():
        if f"`{entry_point}`" not in readme:
            problems.append(f"entry point {entry_point} is not described")
        for name in sorted(set(entry.get("options") or {}) - documented):
            problems.append(f"{name} (entry point {entry_point}) is not documented")
    for name in sorted(documented - options):
        problems.append(f"{name} is documented as a variable but is in no argument spec")
    quoted = set(re.findall(rf"`({re.escape(role)}_\w+)`", readme))
    for name in sorted(quoted - options):
        if not in_sources(name):
            problems.append(f"{name} is quoted but exists nowhere in the code")
    return problems


@pytest.mark.parametrize("role", ROLES)
def test_role_readme_documents_its_argument_specs(role):
    """roles/NAME/README.md documents every option of every entry point of
    meta/argument_specs.yml with its default, and no variable the specs do not hold."""
    path = ROOT / "roles" / role / "README.md"
    assert path.exists(), f"roles/{role}/README.md is missing"
    readme = path.read_text()
    problems = check_role_readme(role, readme, argument_specs(role))
    assert problems == [], f"roles/{role}/README.md: " + "; ".join(problems)
    defaults = yaml.safe_load((ROOT / "roles" / role / "defaults" / "main.yml").read_text()) or {}
    blocks = "\n".join(re.findall(r"^```ya?ml\n(.*?)^```", readme.split("\n## Example Playbook")[0], re.M | re.S))
    shown = {name: value for name, value in (yaml.safe_load(blocks) or {}).items() if name in defaults}
    assert {k: (v, defaults[k]) for k, v in shown.items() if v != defaults[k]} == {}, (
        f"roles/{role}/README.md: a default differs from defaults/main.yml")


SPECS = {"main": {"options": {"demo_a": {}, "demo_b": {}}}, "state": {"options": {"demo_state_action": {}}}}
GOOD = """# demo
```yaml
demo_a: 1
```
A.
```yaml
demo_b: 2
```
B. Entry points: `main`, `state`.
```yaml
demo_state_action: query
```
"""


@pytest.mark.parametrize("readme, problem", [
    (GOOD, None),
    (GOOD.replace("demo_b: 2\n", ""), "demo_b (entry point main) is not documented"),
    (GOOD.replace("demo_state_action: query\n", ""), "demo_state_action (entry point state) is not documented"),
    (GOOD.replace("`state`", "state"), "entry point state is not described"),
    (GOOD + "```yaml\ndemo_gone: 3\n```\n", "demo_gone is documented as a variable but is in no argument spec"),
    (GOOD + "`demo_never_was_a_variable`\n", "demo_never_was_a_variable is quoted but exists nowhere in the code"),
    (GOOD + "## Example Playbook\n```yaml\n- hosts: all\n```\n", None),
])
def test_role_readme_check_catches_missing_and_stale_rows(readme, problem):
    problems = check_role_readme("demo", readme, SPECS)
    assert problems == ([] if problem is None else [problem])


def slug(heading: str) -> str:
    """GitHub's anchor for a Markdown heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


READMES = [ROOT / "README.md", ROOT / "filter_plugins" / "README.md"] + [ROOT / "roles" / r / "README.md" for r in ROLES]


@pytest.mark.parametrize("readme", READMES, ids=lambda p: str(p.relative_to(ROOT)))
def test_readme_links_resolve(readme):
    """Every relative link names a file that exists and, with #anchor, a heading in it."""
    broken = []
    for target in re.findall(r"\]\(([^)\s]+)\)", readme.read_text()):
        if re.match(r"\w+:", target):
            continue
        path, _, anchor = target.partition("#")
        file = (readme.parent / path).resolve() if path else readme
        if not file.exists():
            broken.append(target)
        elif anchor and anchor not in {slug(h) for h in re.findall(r"^#+ (.+)$", file.read_text(), re.M)}:
            broken.append(target)
    assert broken == [], f"{readme.relative_to(ROOT)}: broken links"


def test_root_readme_links_each_role_readme_and_keeps_no_variable_table():
    """The root README is the guide: a Roles section links every role's README, where the
    variables are; it repeats no role's variable table."""
    readme = (ROOT / "README.md").read_text()
    assert [r for r in ROLES if f"(roles/{r}/README.md)" not in readme] == []
    assert "(filter_plugins/README.md)" in readme
    options = {name for role in ROLES for entry in argument_specs(role).values() for name in entry.get("options") or {}}
    rows = [m for m in re.findall(r"^\| `(\w+)`", readme, re.M) if m in options]
    assert rows == [], "variable rows belong in roles/NAME/README.md"


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


def controller_tasks_that_may_become(node, where: str = "") -> list[str]:
    """Tasks run on the controller (delegate_to localhost) without `become: false`, found
    anywhere in a parsed playbook or task file (plays, blocks, rescue, always)."""
    found = []
    if isinstance(node, list):
        for item in node:
            found += controller_tasks_that_may_become(item, where)
    elif isinstance(node, dict):
        if node.get("delegate_to") in ("localhost", "127.0.0.1") and node.get("become") is not False:
            found.append(f"{where}: {node.get('name', '(unnamed)')}")
        for key in ("tasks", "pre_tasks", "post_tasks", "handlers", "block", "rescue", "always"):
            found += controller_tasks_that_may_become(node.get(key), where)
    return found


def test_controller_tasks_never_ask_for_sudo():
    """Hosts reached as a deploy user with `ansible_become: true` (inventories/production,
    Molecule) must not make a task delegated to the controller run sudo there."""
    files = [*ROOT.glob("playbooks/*.yml"), *ROOT.glob("roles/*/tasks/*.yml"), *ROOT.glob("roles/*/handlers/*.yml")]
    found = [hit for f in files for hit in controller_tasks_that_may_become(yaml.safe_load(f.read_text()),
                                                                              str(f.relative_to(ROOT)))]
    assert not found, f"set `become: false` on these controller tasks: {found}"
    assert controller_tasks_that_may_become([{"tasks": [{"name": "t", "delegate_to": "localhost"}]}], "x") == ["x: t"]
