"""Role boundaries (STYLE.md convention 12): a role's internal variables are its own.

A role's internals are every name that starts with ``__<role>_`` and every ``__name`` the role
defines itself (keys of vars/ and defaults/, set_fact keys, register and loop_var names in its
tasks and handlers). None of them may appear outside roles/<role>/: not in playbooks, other
roles, Molecule scenarios, test playbooks or inventories. Playbooks use a role through its
entry points (tasks_from with an argument spec of its own) and its documented result facts,
which carry the role's prefix without the leading ``__``.

Playbook-local helpers that start with ``__`` but belong to no role (``__why`` in site.yml) are
allowed. Comments count as uses: a comment that names another role's internal documents a
dependency on it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from helpers import ROOT

NAME = re.compile(r"(?<!\w)__[a-z][a-z0-9_]*")
SET_FACT = {"set_fact", "ansible.builtin.set_fact", "ansible.legacy.set_fact"}
BLOCK_KEYS = ("block", "rescue", "always")
# Where a role may be used from; roles/ is scanned too, each role for the others' names.
SCANNED = ("playbooks", "roles", "molecule", "tests", "inventories")
TEXT_SUFFIXES = {".yml", ".yaml", ".j2", ".ini", ".cfg", ""}


class _Loader(yaml.SafeLoader):
    """SafeLoader that reads !vault and other custom tags as plain values."""


_Loader.add_multi_constructor("!", lambda loader, suffix, node: None)


def _load(path: Path):
    try:
        return yaml.load(path.read_text(), Loader=_Loader)  # noqa: S506 (a SafeLoader subclass)
    except yaml.YAMLError:
        return None


def _tasks(items) -> Iterator[dict]:
    """Every task of a task list, the tasks inside blocks included."""
    for task in items if isinstance(items, list) else []:
        if not isinstance(task, dict):
            continue
        yield task
        for key in BLOCK_KEYS:
            yield from _tasks(task.get(key))


def defined_names(role_dir: Path) -> set[str]:
    """The ``__`` names a role defines: vars/, defaults/, set_fact, register, loop_var."""
    names: set[str] = set()
    for sub in ("vars", "defaults"):
        for path in sorted((role_dir / sub).rglob("*.y*ml")):
            data = _load(path)
            if isinstance(data, dict):
                names.update(k for k in data if isinstance(k, str) and k.startswith("__"))
    for sub in ("tasks", "handlers"):
        for path in sorted((role_dir / sub).rglob("*.y*ml")):
            for task in _tasks(_load(path)):
                for module in SET_FACT & task.keys():
                    if isinstance(task[module], dict):
                        names.update(k for k in task[module] if k.startswith("__"))
                if isinstance(task.get("register"), str):
                    names.add(task["register"])
                loop_var = (task.get("loop_control") or {}).get("loop_var")
                if isinstance(loop_var, str):
                    names.add(loop_var)
    return {n for n in names if n.startswith("__")}


def role_owners(roles_dir: Path) -> tuple[dict[str, set[str]], list[str]]:
    """Name -> the roles that define it, and every role's name (for the ``__<role>_`` prefixes)."""
    roles = sorted(p.name for p in roles_dir.iterdir() if p.is_dir())
    owners: dict[str, set[str]] = {}
    for role in roles:
        for name in defined_names(roles_dir / role):
            owners.setdefault(name, set()).add(role)
    return owners, roles


def owners_of(name: str, owners: dict[str, set[str]], roles: list[str]) -> set[str]:
    return owners.get(name, set()) | {r for r in roles if name.startswith(f"__{r}_")}


def _files(root: Path) -> Iterator[Path]:
    for top in SCANNED:
        for path in sorted((root / top).rglob("*")):
            if not path.is_file() or path.suffix not in TEXT_SUFFIXES:
                continue
            if any(part.startswith(".") or part == "__pycache__" for part in path.relative_to(root).parts):
                continue
            if path.suffix == "" and top != "inventories":
                continue
            yield path


def violations(root: Path) -> list[str]:
    """'path:line: name (internal of roles/x)' for every role internal used outside its role."""
    owners, roles = role_owners(root / "roles")
    found = []
    for path in _files(root):
        rel = path.relative_to(root)
        home = rel.parts[1] if rel.parts[0] == "roles" and len(rel.parts) > 2 else None
        try:
            text = path.read_text()
        except UnicodeDecodeError:
            continue
        for lineno, line in enumerate(text.splitlines(), 1):
            for name in NAME.findall(line):
                who = owners_of(name, owners, roles)
                if who and home not in who:
                    found.append(f"{rel}:{lineno}: {name} (internal of {', '.join(f'roles/{r}' for r in sorted(who))})")
    return found


def test_no_role_internal_is_used_outside_its_role():
    found = violations(ROOT)
    assert not found, (
        "A role's __ variables are its own (STYLE.md 12); use an entry point (tasks_from with an argument "
        "spec) or a documented result fact (the role's prefix, no __) instead:\n  " + "\n  ".join(found))


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


ROLE_A = {
    "roles/alpha/vars/main.yml": "__alpha_path: /etc/alpha\n__shared_helper: 1\n",
    "roles/alpha/defaults/main.yml": "alpha_port: 1\n",
    "roles/alpha/tasks/main.yml": (
        "- name: Read\n  ansible.builtin.command: cat\n  register: __probe\n"
        "- name: Block\n  block:\n    - name: Fact\n      ansible.builtin.set_fact:\n        __seen: 1\n"
        "        alpha_result: 2\n"
        "- name: Loop\n  ansible.builtin.debug:\n  loop: [1]\n  loop_control:\n    loop_var: __item_of_alpha\n"),
    "roles/beta/tasks/main.yml": "- name: Own\n  ansible.builtin.set_fact:\n    __beta_x: 1\n",
}


@pytest.mark.parametrize("use, role_name", [
    pytest.param("{{ __alpha_path }}", "alpha", id="prefixed-var"),
    pytest.param("{{ hostvars[h]['__probe'] }}", "alpha", id="register-through-hostvars"),
    pytest.param("{{ hostvars[h].__alpha_path }}", "alpha", id="attribute-of-hostvars"),
    pytest.param("map(attribute='__seen')", "alpha", id="set-fact-in-block"),
    pytest.param("{{ __item_of_alpha }}", "alpha", id="loop-var"),
    pytest.param("{{ __shared_helper }}", "alpha", id="unprefixed-var-of-vars-main"),
    pytest.param("{{ __alpha_never_defined }}", "alpha", id="prefix-alone"),
    pytest.param("# reads __beta_x", "beta", id="comment"),
])
@pytest.mark.parametrize("where", ["playbooks/p.yml", "roles/beta/tasks/x.yml", "molecule/s/verify.yml",
                                   "tests/render/r.yml", "inventories/lab/group_vars/all.yml"])
def test_catches_an_internal_used_elsewhere(tmp_path, use, role_name, where):
    if where.startswith(f"roles/{role_name}/"):
        where = "roles/alpha/tasks/x.yml"
    root = _tree(tmp_path, {**ROLE_A, where: f"- msg: \"{use}\"\n"})
    found = violations(root)
    assert len(found) == 1 and found[0].startswith(f"{where}:1: ") and f"roles/{role_name}" in found[0], found


@pytest.mark.parametrize("where, use", [
    pytest.param("roles/alpha/templates/a.j2", "{{ __alpha_path }} {{ __probe }}", id="inside-its-role"),
    pytest.param("playbooks/p.yml", "{{ __why }} {{ __state_role }}", id="playbook-local-helper"),
    pytest.param("playbooks/p.yml", "{{ alpha_result }} {{ alpha_port }}", id="public-names"),
    pytest.param("playbooks/p.yml", "{{ my__probe }} {{ __probes }}", id="other-names"),
])
def test_allows_what_belongs_to_no_other_role(tmp_path, where, use):
    root = _tree(tmp_path, {**ROLE_A, where: f"- msg: \"{use}\"\n"})
    assert violations(root) == []
