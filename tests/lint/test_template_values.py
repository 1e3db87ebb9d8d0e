"""Every value a role's templates write into a config file is checked in preflight.

Walks each role's templates (and the `content:` its tasks write) with Jinja's own parser,
follows loop variables and `set` aliases back to the inventory variable they come from
(`service.name` in `for service in haproxy_services` is `haproxy_services[].name`), and
asserts that each interpolated path is in the role's syntax map (`__<role>_syntax` in
vars/main.yml, checked in preflight by hafront.preflight.common.syntax_errors). A derived value
(`__<role>_*`) is followed into its definition in vars/main.yml; one set by a task must
be listed in DERIVED below with the reason it is safe. Facts and Ansible's own values
are in SAFE_NAMES."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest
import yaml
from jinja2 import nodes

from hafront import syntax
from helpers import ROOT

ROLES = sorted(p.parent.parent.name for p in ROOT.glob("roles/*/vars/main.yml")
               if (p.parent.parent / "templates").is_dir())

# Written by Ansible or taken from facts: not inventory input.
SAFE_NAMES = {
    "ansible_managed": "Ansible's own header, passed through the comment filter",
    "inventory_hostname": "an inventory host name: Ansible accepts only [A-Za-z0-9_.-] style names in YAML keys we use",
    "ansible_facts": "gathered from the host itself",
}
# Filters whose result cannot carry the input's text into the file.
SAFE_FILTERS = {"int", "bool", "length", "count", "hash", "password_hash", "float", "abs", "round", "b64encode", "comment"}

# Derived values set by tasks (not in vars/main.yml): what they are made of.
DERIVED = {
    "__haproxy_server_weights": "integers, from the haproxy_weights filter over checked haproxy_weight/haproxy_capacity",
    "__haproxy_server_addresses": "IPs or host names of backend hosts: haproxy preflight checks each (an IP, or a"
                                  " name of letters, digits, '.' and '-' that the load balancer resolves)",
    "__haproxy_config": "the registered result of the haproxy.cfg template task: its checksum is a hex digest",
    "__keepalived_priorities": "integers 1-254, from the vrrp_priorities filter",
    "__keepalived_peers": "inventory host names of the load-balancer group",
    "__keepalived_self_address": "an IP address, checked by keepalived preflight (ansible.utils.ipaddr)",
    "__redis_self_address": "an IP address, checked by redis preflight",
    "__redis_monitor_address": "the current master's address: a checked IP of a Redis node",
}


def _paths(node: nodes.Node, aliases: dict[str, set[str]]) -> set[str]:
    """The variable paths an expression can write into its output."""
    if isinstance(node, nodes.Name):
        return set(aliases.get(node.name, {node.name}))
    if isinstance(node, nodes.Const):
        return set()
    if isinstance(node, nodes.Getattr):
        return {_join(base, "." + node.attr) for base in _paths(node.node, aliases)}
    if isinstance(node, nodes.Getitem):
        bases = _paths(node.node, aliases)
        if isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
            return {_join(base, "." + node.arg.value) for base in bases}
        return {_join(base, "[]") for base in bases}
    if isinstance(node, (nodes.Filter, nodes.Test)):
        if isinstance(node, nodes.Filter) and node.name.split(".")[-1] in SAFE_FILTERS:
            return set()
        inner = _paths(node.node, aliases) if node.node is not None else set()
        return inner | set().union(*(_paths(a, aliases) for a in node.args), set())
    if isinstance(node, nodes.CondExpr):  # the test decides, only the branches are written
        return _paths(node.expr1, aliases) | (_paths(node.expr2, aliases) if node.expr2 else set())
    if isinstance(node, (nodes.Compare, nodes.Not, nodes.And, nodes.Or)):
        return set()  # true or false
    found: set[str] = set()
    for child in node.iter_child_nodes():
        found |= _paths(child, aliases)
    return found


def _join(base: str, step: str) -> str:
    # hostvars[host].x is another host's x: the same variable, checked on that host.
    if base == "hostvars[]":
        return step.lstrip(".")
    return base + step


def written_paths(source: str) -> set[str]:
    """Every variable path a template writes, loop and set aliases resolved."""
    found: set[str] = set()

    def visit(body: list[nodes.Node], aliases: dict[str, set[str]]) -> None:
        for node in body:
            if isinstance(node, nodes.Output):
                for child in node.nodes:
                    if not isinstance(child, nodes.TemplateData):
                        found.update(_paths(child, aliases))
            elif isinstance(node, nodes.For):
                items = _paths(node.iter, aliases)
                inner = dict(aliases)
                if isinstance(node.target, nodes.Name):
                    inner[node.target.name] = {_join(p, "[]") for p in items}
                else:  # for key, value in mapping | dictsort
                    key, value = node.target.items
                    inner[key.name] = {p + "{key}" for p in items}
                    inner[value.name] = {p + "{}" for p in items}
                visit(node.body, inner)
                visit(node.else_, aliases)
            elif isinstance(node, nodes.Assign) and isinstance(node.target, nodes.Name):
                aliases[node.target.name] = _paths(node.node, aliases)
            elif isinstance(node, nodes.If):
                visit(node.body, aliases)
                for elif_ in node.elif_:
                    visit(elif_.body, aliases)
                visit(node.else_, aliases)
            else:
                visit(list(node.iter_child_nodes()), aliases)

    visit(jinja2.Environment().parse(source).body, {})
    return found


def role_sources(role: str) -> dict[str, str]:
    """Template files, and every `content:` a task writes, of one role."""
    base = ROOT / "roles" / role
    sources = {str(p.relative_to(ROOT)): p.read_text() for p in sorted((base / "templates").glob("*.j2"))}
    for tasks in sorted((base / "tasks").glob("*.yml")):
        for task in _tasks(yaml.safe_load(tasks.read_text()) or []):
            for module, args in task.items():
                if isinstance(args, dict) and isinstance(args.get("content"), str):
                    sources[f"{tasks.relative_to(ROOT)}: {task.get('name')}"] = args["content"]
    return sources


def _tasks(items: list) -> list[dict]:
    flat = []
    for item in items:
        if isinstance(item, dict):
            flat.append(item)
            for key in ("block", "rescue", "always"):
                flat.extend(_tasks(item.get(key, [])))
    return flat


def role_vars(role: str) -> dict:
    return yaml.safe_load((ROOT / "roles" / role / "vars" / "main.yml").read_text()) or {}


def uncovered(role: str) -> dict[str, list[str]]:
    """source -> interpolated paths no check covers."""
    own = role_vars(role)
    rules = own.get(f"__{role}_syntax", {})
    list_kinds = {p for p, k in rules.items() if syntax.KINDS[k].is_list}
    missing: dict[str, list[str]] = {}

    def covered(path: str, seen: frozenset[str]) -> bool:
        root = syntax.split_path(path)[0]
        if root in SAFE_NAMES or root in DERIVED or path.endswith(".checksum"):
            return True  # .checksum: a hex digest Ansible computed of a file (a record of what a daemon runs)
        if path in rules or (path.endswith("[]") and path[:-2] in list_kinds):
            return True
        if root.startswith("__") and root in own:  # derived in vars/main.yml: follow its definition
            value = own[root]
            if root in seen or not isinstance(value, str):
                return True
            return all(covered(p, seen | {root}) for p in written_paths(value))
        return False

    for name, source in role_sources(role).items():
        bad = sorted(p for p in written_paths(source) if not covered(p, frozenset()))
        if bad:
            missing[name] = bad
    return missing


def test_the_walker_follows_loops_sets_and_hostvars():
    source = ("{% for s in svcs %}{% set m = s.mode | default('http') %}{{ m }} {{ s.name }}"
              "{% for a in s.binds %}{{ a }}{% endfor %}{% endfor %}"
              "{% for k, v in extra | dictsort %}{{ k }} {{ v }}{% endfor %}"
              "{{ hostvars[h].addr }} {{ 'yes' if flag | bool else 'no' }} {{ secret | hash('sha256') }}")
    assert written_paths(source) == {"svcs[].mode", "svcs[].name", "svcs[].binds[]", "extra{key}",
                                     "extra{}", "addr"}


@pytest.mark.parametrize("role", ROLES)
def test_every_interpolated_value_is_checked_in_preflight(role):
    assert uncovered(role) == {}, (
        f"roles/{role}: these values reach a config file without a syntax check; add each to "
        f"__{role}_syntax in roles/{role}/vars/main.yml with the kind its place allows")


@pytest.mark.parametrize("role", ROLES)
def test_the_syntax_map_names_only_known_kinds(role):
    rules = role_vars(role).get(f"__{role}_syntax", {})
    assert rules, f"roles/{role}/vars/main.yml has no __{role}_syntax"
    assert set(rules.values()) <= set(syntax.KINDS), set(rules.values()) - set(syntax.KINDS)
